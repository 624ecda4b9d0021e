"""The month's own sheets as a clerk uses and prints them: 待办 lists what can be acted on (each household's steps with
a deadline and its next step, not every later step of a chain), and 待办, 月度研判记录 and check's -o report print on
A4 with the title (township, date), the header and the sign-off on every page, rows tall enough for their text.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from conftest import AS_OF, household, person
from hx_excel.cli import main
from hx_excel.files.save import save_workbook
from hx_excel.ledger.schema import SHEET, column_index
from hx_excel.ledger.template import PARAMS, build_workbook
from hx_excel.ledger.writer import RowWriter
from hx_excel.office.libreoffice import find_soffice, to_pdfs
from hx_excel.office.render import page_texts
from hx_excel.operations.fill import TODO_HEADERS, TODO_SHEET
from hx_excel.operations.review import RECORD_SHEET


def _ledger(path: Path, policy, households, *, rows: int = 40) -> Path:
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=rows)
    RowWriter(wb[SHEET]).write(households)
    params = wb[PARAMS]
    for label, value in (("填报人", "张填报"), ("审核人", "李审核"), ("联系电话", "0851-83851234")):
        params.cell(next(r for r in range(1, 40) if params.cell(r, 1).value == label), 2, value)
    save_workbook(wb, path)
    return path


# Assessment day 2022-07-15; D1 7 days, D3 10 days, visits and reviews by the month's end; "即将到期" within 3 days.
#   A 脱贫户 R1, clue 07-01, not checked: D1 due 07-08, 已逾期. Its D2 steps (申请, 公示, 乡级, 区级, 纳入) have no
#     deadline and all follow the check: the next step is the check itself → one line.
#   B 脱贫户 R1, checked 07-02, applied 07-03: the next step is 村级评议及公示, no deadline → one line, 未定期限.
#   C 脱贫户 R1 entered 07-01: contact and measures due 07-11 (已逾期), this month's visit and review due 07-31
#     (未到期); its D5 nomination has no deadline and is not next → four lines.
#   D 一般农户 G3 绿: out of scope, no monitoring steps → no line.
#   E 脱贫户 G3 绿 (green ledger, D6): this month's visit due 07-31 → one line.
# Order: overdue first by due date (A 07-08, C 07-11 ×2), then by due date (C 07-31 ×2, E 07-31), then undated (B).
def _five(path: Path, policy) -> Path:
    def one(name, **facts):
        return household([person(name)], village="龙井村", **facts)
    households = [
        one("甲", household_id="A", annual_net_income=3000, clue_on=date(2022, 7, 1)),
        one("乙", household_id="B", annual_net_income=3000, clue_on=date(2022, 7, 1),
            household_check_on=date(2022, 7, 2), application_on=date(2022, 7, 3)),
        one("丙", household_id="C", annual_net_income=3000, entered_on=date(2022, 7, 1)),
        one("丁", household_id="D", household_type="一般农户", subsidies_undelivered=True),
        one("戊", household_id="E", subsidies_undelivered=True),
    ]
    return _ledger(path, policy, households)


def test_the_todo_sheet_lists_what_the_clerk_can_act_on(tmp_path, policy):
    path = _five(tmp_path / "青岩镇.xlsx", policy)
    assert main(["fill", str(path)]) == 0
    todo = openpyxl.load_workbook(path)[TODO_SHEET]
    assert todo["A1"].value.startswith("青岩镇待办事项（评估日期 2022-07-15")
    assert [c.value for c in todo[2]] == [header for header, _ in TODO_HEADERS]
    lines = [(r[5], r[9], r[8], r[0], r[1].date() if r[1] else None, r[2])
             for r in todo.iter_rows(min_row=3, values_only=True) if r[0]]
    assert lines == [
        ("A", "D1", "入户核实（填写入户调查表）", "已逾期", date(2022, 7, 8), -7),
        ("C", "D3", "确定帮扶联系人", "已逾期", date(2022, 7, 11), -4),
        ("C", "D3", "明确帮扶措施并录入系统", "已逾期", date(2022, 7, 11), -4),
        ("C", "D4", "本月入户走访", "未到期", date(2022, 7, 31), 16),
        ("C", "D4", "本月村级集中研判", "未到期", date(2022, 7, 31), 16),
        ("E", "D6", "本月入户走访", "未到期", date(2022, 7, 31), 16),
        ("B", "D2", "村级评议及公示", "未定期限", None, None),
    ]


def test_the_todo_sheet_as_it_is_read_and_printed(tmp_path, policy, capsys):
    """The same five households (issue 17 point 9: the mutation run over fill's 待办). 待办 stands right after 台账;
    title (row 1) and header (row 2) bold and frozen above the seven lines (rows 3–9); an overdue line's 状态 bold and
    red, the others plain; 期限 shown as a date; 事项 and 说明 wrap, the short columns do not; the filter and the print
    area over exactly the header and the seven lines, title and header on every page, the sign-off typed on 参数 at
    the foot. The screen counts seven open items, three overdue. A second run leaves the sheet as it is."""
    path = _five(tmp_path / "青岩镇.xlsx", policy)
    assert main(["fill", str(path)]) == 0
    assert "“待办”表：7 项未办事项，其中已逾期 3 项" in capsys.readouterr().out
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[wb.sheetnames.index(SHEET) + 1] == TODO_SHEET
    todo = wb[TODO_SHEET]
    assert todo["A1"].font.b and todo["B1"].value is None
    assert all(todo.cell(2, c).font.b for c in range(1, len(TODO_HEADERS) + 1))
    assert [todo.cell(r, 1).value for r in range(3, 10)] == ["已逾期"] * 3 + ["未到期"] * 3 + ["未定期限"]
    assert todo.max_row == 9
    assert [todo.cell(r, 7).value for r in range(3, 10)] == ["甲", "丙", "丙", "丙", "丙", "戊", "乙"]    # 户主
    for r in range(3, 10):
        overdue = todo.cell(r, 1).value == "已逾期"
        assert bool(todo.cell(r, 1).font.b) == overdue and (todo.cell(r, 1).font.color is not None) == overdue, r
        if overdue:
            assert todo.cell(r, 1).font.color.rgb.endswith("C00000")
        assert [bool(todo.cell(r, c).alignment.wrap_text) for c in range(1, 13)] == \
            [c in (9, 11) for c in range(1, 13)], r
        assert todo.cell(r, 9).alignment.vertical == "top"
        if r < 9:
            assert todo.cell(r, 2).number_format == "yyyy-mm-dd", r
    assert todo.freeze_panes == "A3" and todo.auto_filter.ref == "A2:L9"
    assert todo.print_area == "'待办'!$A$1:$L$9" and todo.print_title_rows == "$1:$2"
    assert "填报人：张填报" in todo.oddFooter.left.text and "审核人：李审核" in todo.oddFooter.left.text
    before = path.read_bytes()
    assert main(["fill", str(path)]) == 0
    assert "待办" not in capsys.readouterr().out and path.read_bytes() == before
    wb = openpyxl.load_workbook(path)              # a date typed since: 待办 rebuilt, in its place after 台账
    wb[SHEET].cell(4, column_index("household_check_on")).value = date(2022, 7, 5)
    wb.save(path)
    main(["fill", str(path)])
    names = openpyxl.load_workbook(path).sheetnames
    assert names[names.index(SHEET) + 1] == TODO_SHEET
    lines = [r for r in openpyxl.load_workbook(path)[TODO_SHEET].iter_rows(min_row=3, values_only=True) if r[0]]
    assert len(lines) == 7 and ("A", "D1") not in [(r[5], r[9]) for r in lines]     # A's check done: gone


def test_todo_lines_follow_their_due_dates_not_the_sheet_order(tmp_path, policy):
    """Assessment day 07-15. G (row 4) clue 07-10: its check is due 07-17, 2 days left. F (row 5) clue 07-08: due
    07-15, today, 0 days left. 待办 lists F before G."""
    households = [household([person("庚")], household_id="G", village="龙井村", annual_net_income=3000,
                            clue_on=date(2022, 7, 10)),
                  household([person("辛")], household_id="F", village="龙井村", annual_net_income=3000,
                            clue_on=date(2022, 7, 8))]
    path = _ledger(tmp_path / "青岩镇.xlsx", policy, households)
    main(["fill", str(path)])
    todo = openpyxl.load_workbook(path)[TODO_SHEET]
    assert [(r[5], r[2]) for r in todo.iter_rows(min_row=3, values_only=True) if r[0]] == [("F", 0), ("G", 2)]


@pytest.mark.libreoffice
@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice is not installed")
def test_todo_review_record_and_check_report_print_readably(tmp_path, policy):
    """Enough households for several pages of each sheet, printed through LibreOffice: every page carries the title
    (township and date), the header row and, for the sheets a township files, the sign-off; page numbers."""
    from hx_excel.samples.generate import generate_households

    generated = generate_households(150, 20221206, policy, AS_OF)
    path = _ledger(tmp_path / "青岩镇.xlsx", policy, generated, rows=len(generated) * 6)
    assert main(["fill", str(path)]) in (0, 1)
    assert main(["review", str(path), "--month", "2022-07"]) in (0, 1)
    report = tmp_path / "检查结果.xlsx"
    assert main(["check", str(path), "-o", str(report)]) in (0, 1)

    singles = []
    for sheet in (TODO_SHEET, RECORD_SHEET):       # one sheet a file: soffice prints every visible sheet
        wb = openpyxl.load_workbook(path)
        for name in wb.sheetnames:
            if name != sheet:
                wb.remove(wb[name])
        single = tmp_path / f"{sheet}.xlsx"
        wb.save(single)
        singles.append(single)
    pdfs = to_pdfs([*singles, report], tmp_path / "pdf")
    expected = {
        TODO_SHEET: ("青岩镇待办事项（评估日期", ("状态", "期限", "剩余天数", "事项"), True),
        RECORD_SHEET: ("青岩镇月度研判记录", ("研判月份", "户主姓名", "预警分级", "变动"), True),
        "检查结果": ("台账检查结果（检查日期", ("文件", "工作表", "级别", "问题及改正方法"), False),
    }
    for pdf, (title, headers, signed) in zip(pdfs, expected.values()):
        pages = [re.sub(r"[ \t]+", " ", page) for page in page_texts(pdf)]
        assert len(pages) >= 2, pdf.name
        for number, page in enumerate(pages, start=1):
            flat = page.replace(" ", "")
            assert title in flat, (pdf.name, number)
            assert all(h in flat for h in headers), (pdf.name, number)
            assert f"第{number}页，共{len(pages)}页" in flat, (pdf.name, number)
            if signed:
                assert "填报人：张填报" in flat and "审核人：李审核" in flat, (pdf.name, number)
        size = _page_size(pdf)
        assert abs(size[0] - 842) <= 2 and abs(size[1] - 595) <= 2, (pdf.name, size)   # A4 landscape
    # no row printed over the next: every message of the check report is on the pages whole (raw text keeps a wrapped
    # cell's lines together)
    raw = re.sub(r"\s+", "", "".join(page_texts(pdfs[2], raw=True)))
    messages = [r[6] for r in openpyxl.load_workbook(report).active.iter_rows(min_row=3, values_only=True) if r[6]]
    assert messages and all(re.sub(r"\s+", "", m) in raw for m in messages[:40])


def _page_size(pdf: Path) -> tuple[float, float]:
    import subprocess
    info = subprocess.run([shutil.which("pdfinfo") or "pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    match = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    return float(match[1]), float(match[2])
