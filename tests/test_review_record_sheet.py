"""`hx-excel review`: what the clerk reads on the screen and on 月度研判记录 (issue 17 point 9, the mutation run over
operations/review.py) — the households that could not be recorded named, the run's count first, a file with unread
cells still a run with something left to do (exit 1), and the record sheet as it is read and printed: title and
header, lines one under another month after month (also after --redo), the header frozen, the filter and the print
area over every line, long texts wrapped in rows tall enough for them.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl

from conftest import AS_OF, household, person
from hx_excel.cli import main
from hx_excel.core.models import Measure
from hx_excel.files.save import save_workbook
from hx_excel.ledger.schema import FIRST_DATA_ROW, SHEET, column_index
from hx_excel.ledger.template import build_workbook
from hx_excel.ledger.writer import RowWriter
from hx_excel.operations.review import RECORD_SHEET

INCOME = column_index("annual_net_income")
NAMES = "甲乙丙丁戊己庚辛壬"


def write(path: Path, policy, households) -> Path:
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=40)
    RowWriter(wb[SHEET]).write(households)
    save_workbook(wb, path)
    return path


def set_cells(path: Path, changes: dict[tuple[int, int], object]) -> None:
    wb = openpyxl.load_workbook(path)
    for (row, column), value in changes.items():
        wb[SHEET].cell(row, column).value = value
    wb.save(path)


def test_households_not_recorded_are_named_eight_at_most(tmp_path, policy, capsys):
    """Nine 脱贫户 with their income blank (待补充), never monitored: none is recorded, each named by its row and its
    head's name — the third has no name typed, so its row alone — eight at most, then 等. With one of them completed
    (无, not recorded either), the eight left are named without 等."""
    heads = [person(NAMES[i] if i != 2 else "") for i in range(9)]
    path = write(tmp_path / "青岩镇.xlsx", policy, [
        household([head], household_id=f"U{i}", village="龙井村", annual_net_income=None) for i, head in enumerate(heads)])
    named = [f"第 {FIRST_DATA_ROW + i} 行" + ("" if i == 2 else f"（{NAMES[i]}）") for i in range(9)]
    assert main(["review", str(path), "--month", "2022-06"]) == 1
    out = capsys.readouterr().out
    assert f"9 户分级为“待补充”（{'、'.join(named[:8])}等），" in out
    set_cells(path, {(FIRST_DATA_ROW + 8, INCOME): 100_000})
    assert main(["review", str(path), "--month", "2022-06"]) == 1
    out = capsys.readouterr().out
    assert f"8 户分级为“待补充”（{'、'.join(named[:8])}），" in out


def test_one_unread_cell_and_one_household_not_recorded_are_two_things_left(tmp_path, policy, capsys):
    """A green household (G3) with its visit date typed as text (“7月5日”, a cell the reader cannot use) and a 脱贫户
    with its income blank (待补充, not recorded): two things for the clerk, so exit 1; the run's count comes first."""
    path = write(tmp_path / "青岩镇.xlsx", policy, [
        household([person("甲")], household_id="G", village="龙井村", subsidies_undelivered=True),
        household([person("乙")], household_id="U", village="龙井村", annual_net_income=None)])
    set_cells(path, {(FIRST_DATA_ROW, column_index("last_visit_on")): "7月5日"})
    assert main(["review", str(path), "--month", "2022-07"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "2022-07 研判 1 户：首次记录 1"
    assert any(line.startswith("台账有 1 处填写问题") for line in out)
    assert any(line.startswith(f"1 户分级为“待补充”（第 {FIRST_DATA_ROW + 1} 行（乙））") for line in out)


# June: A (green, G3) and B (green, with a measure whose text runs to three lines in 帮扶措施's 30 characters);
# July: the same two; July again with --redo. Six lines were written, four stand, one under another from row 3.
LONG = "为该户申请危房改造补助并协调村里组织劳力帮助修缮房屋屋顶和外墙，同时落实厕所改造和入户路硬化，逐项跟踪到位"


def test_the_record_sheet_as_it_is_read_and_printed(tmp_path, policy, capsys):
    path = write(tmp_path / "青岩镇.xlsx", policy, [
        household([person("甲")], household_id="A", village="龙井村", subsidies_undelivered=True),
        household([person("乙")], household_id="B", village="龙井村", group="1组", subsidies_undelivered=True,
                  last_visit_on=date(2022, 7, 5),
                  measures=[Measure(category="住房安全保障", text=LONG, decided_on=date(2022, 5, 5))])])
    assert main(["review", str(path), "--month", "2022-06", "--reviewer", "张研判"]) == 0
    assert main(["review", str(path), "--month", "2022-07", "--reviewer", "张研判"]) == 0
    first_runs = capsys.readouterr().out
    assert "已替换" not in first_runs
    assert main(["review", str(path), "--month", "2022-07", "--redo", "--reviewer", "张研判"]) == 0
    assert "2022-07 研判 2 户：不变 2（已替换该月原有记录）" in capsys.readouterr().out

    ws = openpyxl.load_workbook(path)[RECORD_SHEET]
    assert ws["A1"].value.startswith("青岩镇月度研判记录") and ws["A1"].font.b
    headers = [c.value for c in ws[2]]
    assert headers[0] == "研判月份" and len(headers) == 17 and all(c.font.b for c in ws[2])
    assert [(r[0], r[3]) for r in ws.iter_rows(min_row=3, values_only=True)] == [
        ("2022-06", "A"), ("2022-06", "B"), ("2022-07", "A"), ("2022-07", "B")]     # no blank line, nothing after
    assert ws.max_row == 6
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == "A2:Q6"
    assert ws.print_area.endswith("$A$1:$Q$6")
    wrapped = {"帮扶措施", "下一步", "成立条款", "措施落实情况"}
    for column, header in enumerate(headers, start=1):
        assert bool(ws.cell(6, column).alignment.wrap_text) == (header in wrapped), header
    # B's long measure wraps to three lines in its row; A's lines have nothing to wrap and keep the default height
    assert ws.row_dimensions[4].height and ws.row_dimensions[4].height >= 3 * 14
    assert ws.row_dimensions[6].height and ws.row_dimensions[6].height >= 3 * 14
    assert ws.row_dimensions[3].height is None and ws.row_dimensions[5].height is None

    # July's last line has every one of its 17 cells filled; under it a clerk has ruled some empty rows. August goes
    # right under July, nothing overwritten and no gap.
    assert all(value is not None for value in next(ws.iter_rows(min_row=6, max_row=6, values_only=True)))
    from openpyxl.styles import Border, Side
    wb = openpyxl.load_workbook(path)
    ruled = Border(bottom=Side(style="thin"))
    for row in range(10, 13):
        for column in range(1, 18):
            wb[RECORD_SHEET].cell(row, column).border = ruled
    wb.save(path)
    assert main(["review", str(path), "--month", "2022-08", "--reviewer", "张研判"]) == 0
    ws = openpyxl.load_workbook(path)[RECORD_SHEET]
    assert [(r[0], r[3]) for r in ws.iter_rows(min_row=3, max_row=9, values_only=True)] == [
        ("2022-06", "A"), ("2022-06", "B"), ("2022-07", "A"), ("2022-07", "B"), ("2022-08", "A"), ("2022-08", "B"),
        (None, None)]


import pytest  # noqa: E402


@pytest.mark.parametrize("rows_above", [-1, 2], ids=["title-row-deleted", "two-rows-inserted-above"])
def test_a_record_sheet_the_clerk_rearranged_is_appended_under_its_own_headers(tmp_path, policy, capsys, rows_above):
    """月度研判记录 after the clerk worked on it: the title row deleted (header on row 1) or two rows inserted above
    (header on row 4), the 研判人 and 研判日期 columns deleted, and a column of her own, 村干部意见, added after the
    last with a note in it. The next month's review finds the header where it is, writes every value under its own
    header, adds 研判人 and 研判日期 back, bold, one after the other right after her column, and leaves her header and
    note as they were; both months read back (mutants h38, h39, h43, h44, h50, h54, h55, h59, h60, h62, h63 of the
    header lookup)."""
    path = write(tmp_path / "青岩镇.xlsx", policy, [
        # R1: 10,000 yuan for 2 persons = 5,000 a head, under 2022's 6,700 → red
        household([person("罗大山"), person("罗小花", "之女")], household_id="QY-001", village="龙井村",
                  annual_net_income=10_000)])
    assert main(["review", str(path), "--month", "2022-06", "--reviewer", "张三"]) == 0
    wb = openpyxl.load_workbook(path)
    ws = wb[RECORD_SHEET]
    assert [c.value for c in ws[2]][13] == "研判人"
    if rows_above < 0:
        ws.delete_rows(1)
    else:
        ws.insert_rows(1, rows_above)
    header = 2 + rows_above
    ws.delete_cols(17)                                        # 研判日期 (Q) gone,
    ws.delete_cols(14)                                        # and 研判人 (N): 变动, 上月分级 now N, O
    ws.cell(header, 16).value = "村干部意见"
    ws.cell(header + 1, 16).value = "已电话核实"
    wb.save(path)
    capsys.readouterr()
    assert main(["review", str(path), "--month", "2022-07", "--reviewer", "王五"]) == 0
    ws = openpyxl.load_workbook(path)[RECORD_SHEET]
    headers = [ws.cell(header, c).value for c in range(1, 20)]
    assert headers == ["研判月份", "村", "组", "户编号", "户主姓名", "预警分级", "成立条款", "监测类别", "帮扶措施",
                       "措施落实情况", "最近走访日期", "下一步", "期限", "变动", "上月分级", "村干部意见", "研判人", "研判日期",
                       None]
    assert ws.cell(header, 17).font.b and ws.cell(header, 18).font.b           # re-added as the others: bold
    june, july = header + 1, header + 2
    assert ws.cell(june, 16).value == "已电话核实" and ws.cell(july, 16).value is None
    assert [ws.cell(r, 1).value for r in (june, july)] == ["2022-06", "2022-07"]
    assert [ws.cell(r, 4).value for r in (june, july)] == ["QY-001", "QY-001"]
    assert ws.cell(july, 6).value == "红" and ws.cell(july, 14).value == "不变" and ws.cell(july, 15).value == "红"
    assert ws.cell(july, 17).value == "王五" and ws.cell(june, 17).value is None
    assert ws.cell(july, 18).value is not None and ws.cell(june, 18).value is None
    assert ws.cell(july + 1, 1).value is None
    from hx_excel.ledger.book import read_book
    from hx_excel.operations.review import read_records
    records = read_records(read_book(path))
    assert [(r.month, r.grade, r.reviewer) for r in records] == [("2022-06", "红", ""), ("2022-07", "红", "王五")]
