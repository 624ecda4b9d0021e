"""A stray cell far down or far right of a sheet (issue 18 point 1): read at the cost of what is filled, every row
still named by its own number. A clerk's PC has 4–8 GB; calamine alone would lay out a million rows × every column."""

from __future__ import annotations

import resource
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from conftest import AS_OF, household, person
from hx_excel.files.save import save_workbook
from hx_excel.ledger.book import read_book
from hx_excel.ledger.schema import FIRST_DATA_ROW, SHEET, column_index
from hx_excel.ledger.template import build_workbook
from hx_excel.ledger.writer import RowWriter
from hx_excel.operations.review import RECORD_SHEET, read_records

ROOT = Path(__file__).resolve().parent.parent
NOTE = column_index("note")                 # 1-based, as openpyxl counts


@pytest.fixture
def ledger(tmp_path, policy) -> Path:
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=20)
    # R1: 2 persons, 10,000 yuan = 5,000 per head, under 2022's 6,700 → red
    RowWriter(wb[SHEET]).write([household([person("罗大山"), person("罗小花", "之女", born=date(2010, 3, 3), sex="女")],
                                          household_id="QY-001", village="龙井村", annual_net_income=10_000)])
    path = tmp_path / "青岩镇.xlsx"
    save_workbook(wb, path)
    return path


def _type(path: Path, cells: dict[tuple[str, int, int], object]) -> None:
    wb = openpyxl.load_workbook(path)
    for (sheet, row, column), value in cells.items():
        wb[sheet].cell(row, column).value = value
    wb.save(path)


def test_a_note_typed_at_row_one_million_is_read_and_named_by_its_row(ledger):
    _type(ledger, {(SHEET, 1_000_000, NOTE): "误填", (SHEET, 700_000, NOTE): datetime(2022, 7, 9)})
    book = read_book(ledger)
    numbers = [n for n, _ in book.rows]
    assert numbers == [FIRST_DATA_ROW, FIRST_DATA_ROW + 1, 700_000, 1_000_000]
    assert book.values_at(1_000_000)[NOTE - 1] == "误填"
    assert book.values_at(700_000)[NOTE - 1] == date(2022, 7, 9)          # a date stays a date
    assert book.values_at(FIRST_DATA_ROW)[column_index("name") - 1] == "罗大山"
    assert book.settings.township == "青岩镇"                                    # 参数 read as before
    assert book.has_formula(FIRST_DATA_ROW, column_index("grade") - 1)


def test_a_value_far_to_the_right_is_named_not_read(ledger):
    _type(ledger, {(SHEET, 9, 16_384): "XFD 误填"})
    book = read_book(ledger)
    assert any("XFD9" in note and "在第 1000 列以右很远处" in note and "未读取" in note for note in book.notes)
    assert book.values_at(FIRST_DATA_ROW)[column_index("name") - 1] == "罗大山"


def test_a_stray_cell_in_the_review_record_is_read_at_its_cost(ledger, tmp_path):
    from hx_excel.cli import main
    assert main(["review", str(ledger), "--month", "2022-07"]) in (0, 1)
    _type(ledger, {(RECORD_SHEET, 900_000, 1): "备注"})
    records = read_records(read_book(ledger))
    assert [r.household_id for r in records] == ["QY-001"]


def _limited(megabytes: int):
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (megabytes << 20, megabytes << 20))
    return limit


@pytest.mark.parametrize("command", [["check"], ["fill"], ["review", "--month", "2022-07"]])
def test_every_command_reads_a_stray_cell_within_a_small_memory(ledger, command):
    """Under 1.5 GB of address space (the old reader took 7.7–7.9 GB here) each command still answers, naming the
    stray row as a row typed without its household."""
    _type(ledger, {(SHEET, 1_000_000, NOTE): "误填"})
    done = subprocess.run([sys.executable, "-m", "hx_excel", command[0], str(ledger), *command[1:]],
                          capture_output=True, text=True, cwd=ROOT, timeout=300, preexec_fn=_limited(1536))
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr
    assert done.returncode == 1, done.stdout + done.stderr
    assert "第 1000000 行" in done.stdout or "1000000" in done.stdout


def test_more_findings_than_a_sheet_has_rows_are_cut_and_said(ledger):
    """check -o: past a sheet's last row the report says how many were left out (here with room for 3 findings:
    a million pasted names cannot be written in a test's time; the cut is the same code)."""
    from hx_excel.cli.check import LISTED, SHEET_ROWS, report_workbook
    from hx_excel.operations.check import CheckResult, Finding
    assert LISTED == SHEET_ROWS - 3 and SHEET_ROWS == 1_048_576
    findings = [Finding("青岩镇.xlsx", SHEET, 10 + n, "姓名", "错误", "", f"第 {n} 处") for n in range(8)]
    ws = report_workbook(CheckResult(findings=findings, files=["青岩镇.xlsx"], read=["青岩镇.xlsx"]), 3).active
    assert [ws.cell(r, 7).value for r in range(3, 6)] == ["第 0 处", "第 1 处", "第 2 处"]
    assert ws.cell(6, 1).value.startswith("另有 5 处问题超出工作表的行数上限，未列出")
    assert ws.max_row == 6 and ws.auto_filter.ref == "A2:G5"


def test_check_of_a_folder_with_no_ledger_is_refused_as_summary_does(tmp_path):
    (tmp_path / "说明.txt").write_text("不是台账", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "hx_excel", "check", str(tmp_path)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == f"错误：{tmp_path} 中没有找到台账文件（.xlsx）：请指定台账文件，或存放台账的文件夹。"


def test_a_long_list_is_read_as_it_is_and_a_sparse_one_is_compacted():
    """A department's 70,000-row list really has its rows: compacting would keep them all and only cost time. One
    value at row 70,000 under 100 rows is a stray: compacted, as ever."""
    from hx_excel.files.sheet_cells import _far_out
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (n, n) for n in range(1, 70_001))
    assert not _far_out(b'<worksheet><dimension ref="A1:E70000"/><sheetData>' + rows + b"</sheetData></worksheet>")
    few = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (n, n) for n in (*range(1, 101), 70_000))
    assert _far_out(b'<worksheet><dimension ref="A1:E70000"/><sheetData>' + few + b"</sheetData></worksheet>")


def test_a_long_list_without_a_dimension_is_read_as_it_is_unless_a_cell_stands_far_right():
    """openpyxl's write-only mode writes no <dimension>: 70,000 rows of five columns are read as they are; one cell
    in column AAA (703) or beyond makes the sheet compacted, its far cells set aside."""
    from hx_excel.files.sheet_cells import _far_out
    rows = b"".join(b'<row r="%d"><c r="E%d"><v>1</v></c></row>' % (n, n) for n in range(1, 70_001))
    assert not _far_out(b"<worksheet><sheetData>" + rows + b"</sheetData></worksheet>")
    far = rows.replace(b'<c r="E70000">', b'<c r="ABC70000">')
    assert _far_out(b"<worksheet><sheetData>" + far + b"</sheetData></worksheet>")
