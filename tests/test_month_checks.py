"""What `hx-excel check` holds a month's ledger to beyond the reader: overdue steps (D1, D3), the follow-up rules
(户类型 against members S2, 开发式帮扶 五(二), elimination too early D5), required member facts, the -o workbook —
and the month's commands on a workbook a spreadsheet program saved (cached values present), as clerks' files are.
Expected values are worked out from the document by hand."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from conftest import AS_OF, household, person
from hx_excel.cli import main
from hx_excel.core import follow_up
from hx_excel.core.grading import assess
from hx_excel.core.models import Measure
from hx_excel.files.save import save_workbook
from hx_excel.ledger.book import read_book
from hx_excel.ledger.schema import FIRST_DATA_ROW, INPUT_INDEXES, SHEET, column_index
from hx_excel.ledger.template import build_workbook
from hx_excel.ledger.writer import RowWriter
from hx_excel.office.libreoffice import find_soffice, recalculate
from hx_excel.operations.check import check_files


def write(path, households, policy):
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=30)
    RowWriter(wb[SHEET]).write(households)
    save_workbook(wb, path)
    return path


# ---- the follow-up rules of the core -------------------------------------------------------------------------

def test_an_old_people_household_with_a_young_member_contradicts_its_type(policy):
    young = household([person("老甲", born=date(1950, 1, 1)), person("孙乙", "之孙子", born=date(2000, 1, 1))],
                      household_type="老人户")
    old = household([person("老甲", born=date(1950, 1, 1)), person("老乙", "配偶", born=date(1952, 1, 1), sex="女")],
                    household_type="老人户")
    finding = follow_up.type_contradiction(young, assess(young, policy, AS_OF), policy)
    assert finding.clause == "S2" and "老人户" in finding.message
    assert follow_up.type_contradiction(old, assess(old, policy, AS_OF), policy) is None
    dibao = household(household_type="低保户", has_dibao=False)
    assert "享受低保" in follow_up.type_contradiction(dibao, assess(dibao, policy, AS_OF), policy).message


def test_development_help_is_due_six_months_after_entry(policy):
    # entered 2022-01-15: six months later is 2022-07-15, the assessment date — due that day, not the day before
    h = household(entered_on=date(2022, 1, 15), measures=[Measure(category="综合保障", text="纳入低保")])
    assert follow_up.development_help_missing(h, policy, date(2022, 7, 14)) is None
    finding = follow_up.development_help_missing(h, policy, date(2022, 7, 15))
    assert finding.clause == "五(二)" and "产业帮扶" in finding.message
    helped = h.model_copy(update={"measures": [Measure(category="公益岗位帮扶", text="护林员")]})
    assert follow_up.development_help_missing(helped, policy, date(2022, 7, 15)) is None
    nobody = household([person("甲", labour="丧失劳动力")], entered_on=date(2022, 1, 15))
    assert follow_up.development_help_missing(nobody, policy, date(2022, 7, 15)) is None


def test_elimination_in_the_month_of_entry_or_the_next_is_too_early(policy):
    assert follow_up.elimination_too_early(household(entered_on=date(2022, 5, 31), eliminated_on=date(2022, 6, 1)))
    assert follow_up.elimination_too_early(household(entered_on=date(2022, 5, 1), eliminated_on=date(2022, 5, 20)))
    assert follow_up.elimination_too_early(household(entered_on=date(2022, 5, 31),
                                                     eliminated_on=date(2022, 7, 1))) is None


# ---- check on a ledger ----------------------------------------------------------------------------------------

@pytest.fixture
def ledger(tmp_path, policy):
    # 红 by R1 (10,000 yuan for 2 = 5,000 per head < 6,700), entered 2022-07-01: D3 due 2022-07-11, overdue on 07-15
    late = household([person("罗大山"), person("罗小花", "之女", born=date(2010, 3, 3), sex="女")],
                     household_id="QY-001", village="龙井村", annual_net_income=10_000, entered_on=date(2022, 7, 1))
    # entered 2022-06-01, marked eliminated 2022-07-10: the next month (D5 too early); a young 老人户 (S2)
    early = household([person("老甲", born=date(1950, 1, 1)), person("孙乙", "之孙子", born=date(2000, 1, 1))],
                      household_id="QY-002", village="龙井村", household_type="老人户", entered_on=date(2022, 6, 1),
                      eliminated_on=date(2022, 7, 10), exit_status="是（风险消除）")
    return write(tmp_path / "青岩镇.xlsx", [late, early], policy)


def test_check_finds_what_the_month_is_held_to(ledger, policy, tmp_path, capsys):
    wb = openpyxl.load_workbook(ledger)
    wb[SHEET].cell(FIRST_DATA_ROW + 1, column_index("labour")).value = None      # a required member fact, blank
    wb.save(ledger)
    found = {(f.row, f.clause, f.column): f.message for f in check_files([ledger], policy).findings}
    d3 = found[(FIRST_DATA_ROW, "D3", "措施明确日期")]
    assert "纳入监测已过 10 天仍未" in d3 and "2022-07-11" in d3
    assert (FIRST_DATA_ROW, "D3", "确定联系人日期") in found
    assert "劳动技能未填" in found[(FIRST_DATA_ROW + 1, "", "劳动技能")]
    assert "当月" not in found[(FIRST_DATA_ROW + 2, "D5", "标注风险消除日期")] and "次月" in found[
        (FIRST_DATA_ROW + 2, "D5", "标注风险消除日期")]
    assert "老人户" in found[(FIRST_DATA_ROW + 2, "S2", "户类型")]
    report = tmp_path / "问题.xlsx"
    assert main(["check", str(ledger), "-o", str(report)]) == 1
    assert "检查结果已写入" in capsys.readouterr().out
    ws = openpyxl.load_workbook(report)["检查结果"]
    assert [c.value for c in ws[2]] == ["文件", "工作表", "行", "列", "级别", "条款", "问题及改正方法"]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert ("青岩镇.xlsx", "台账", FIRST_DATA_ROW, "措施明确日期", "错误", "D3") in [r[:6] for r in rows]


# A second ledger, worked by hand (assessment day 2022-07-15; D4/D6 a visit by the end of the month after the last):
#   A 脱贫户 entered 05-02 (contact and measures 05-05), 最近走访日期 typed as text “6月10日”, reviewed 06-20: the
#     visit's date cannot be read, so D4's visit (due 05-31 counting from entry) is named as unreadable, never as not
#     done; the review (due 07-31) is not late; the reader names the cell.
#   B 一般农户 with 资助未落实 (G3): out of scope (S1 S2) — said once, no D6 visit asked of it.
#   C 脱贫户, its head uninsured with 残疾等级 “二级残疾” (off the list; “二级” is on it): the reader names the cell and
#     the household is 待补充 naming 残疾等级 (R5 cannot be decided), not 无.
#   D 脱贫户 G3 green, checked 06-05, never visited: D6 visit due 06-30, overdue.
def test_a_second_ledger_checked_by_hand(tmp_path, policy):
    visited_as_text = household([person("甲一", born=date(1971, 1, 1))], household_id="A", village="龙井村", entered_on=date(2022, 5, 2),
                                contact_name="干部甲", contact_assigned_on=date(2022, 5, 5),
                                measures=[Measure(category="产业帮扶", text="养殖", decided_on=date(2022, 5, 5))],
                                last_review_on=date(2022, 6, 20))
    outside = household([person("乙一", born=date(1972, 2, 2))], household_id="B", village="龙井村", household_type="一般农户",
                        subsidies_undelivered=True)
    unread = household([person("丙一", born=date(1973, 3, 3), insured=False)], household_id="C", village="龙井村")
    green = household([person("丁一", born=date(1974, 4, 4))], household_id="D", village="龙井村", subsidies_undelivered=True,
                      household_check_on=date(2022, 6, 5))
    path = write(tmp_path / "青岩镇.xlsx", [visited_as_text, outside, unread, green], policy)
    wb = openpyxl.load_workbook(path)
    wb[SHEET].cell(FIRST_DATA_ROW, column_index("last_visit_on")).value = "6月10日"
    wb[SHEET].cell(FIRST_DATA_ROW + 2, column_index("disability")).value = "二级残疾"
    wb.save(path)
    found = [(f.row - FIRST_DATA_ROW, f.severity, f.clause, f.column, f.message) for f in check_files([path], policy).findings]
    a = [x for x in found if x[0] == 0]
    assert ("应为日期" in a[0][4] and a[0][3] == "最近走访日期") and len(a) == 2
    assert a[1][1:4] == ("错误", "D4", "最近走访日期") and "无法识别为日期，是否按时完成无法判断" in a[1][4] and "已逾期" not in a[1][4]
    assert [x[1:4] for x in found if x[0] == 1] == [("提示", "S2", "")]               # no D6 step for B
    c = [x for x in found if x[0] == 2]
    assert [x[1:4] for x in c] == [("错误", "", "残疾等级"), ("错误", "", "预警分级")]
    assert "可能是“二级”" in c[0][4] and "待补充：残疾等级未填或填写有误" in c[1][4]
    assert [x[1:4] for x in found if x[0] == 3] == [("错误", "D6", "最近走访日期")]
    assert "2022-06-30" in [x for x in found if x[0] == 3][0][4]


def test_a_column_typed_with_spaces_and_half_width_brackets_is_found(ledger, policy):
    wb = openpyxl.load_workbook(ledger)
    wb[SHEET].cell(3, column_index("annual_net_income")).value = " 家庭年纯收入 (元)"
    wb[SHEET].cell(3, column_index("name")).value = "姓\n名"
    wb.save(ledger)
    result = check_files([ledger], policy)
    assert result.read == ["青岩镇.xlsx"] and not result.notes
    first = read_book(ledger).read(policy).households[0].household
    assert first.annual_net_income == 10_000 and [m.name for m in first.members] == ["罗大山", "罗小花"]


# ---- the month on a file a spreadsheet program saved -------------------------------------------------------------

@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice is not installed")
def test_the_month_on_a_workbook_libreoffice_saved(ledger, tmp_path, capsys):
    saved = recalculate([ledger], tmp_path / "lo")[0]          # cached values present, as Excel or WPS leave them
    typed = {(c.row, c.column): c.value for row in openpyxl.load_workbook(saved)[SHEET].iter_rows(min_row=FIRST_DATA_ROW)
             for c in row if c.column in INPUT_INDEXES and c.value is not None}
    assert main(["check", str(saved)]) == 1
    out = capsys.readouterr().out
    assert "不一致" not in out and "公式被删除" not in out                # LibreOffice's grades are the core's
    assert main(["fill", str(saved)]) in (0, 1)
    assert main(["review", str(saved), "--month", "2022-07"]) in (0, 1)
    after = openpyxl.load_workbook(saved)
    assert {(c.row, c.column): c.value for row in after[SHEET].iter_rows(min_row=FIRST_DATA_ROW) for c in row
            if c.column in INPUT_INDEXES and c.value is not None} == typed
    again = recalculate([saved], tmp_path / "lo2")[0]               # and it still computes: 罗大山's household is red
    assert openpyxl.load_workbook(again, data_only=True)[SHEET].cell(FIRST_DATA_ROW, column_index("grade")).value == "红"
    assert "待办" in after.sheetnames and "月度研判记录" in after.sheetnames


def test_the_generator_guard_names_cells_by_the_headers_the_reader_finds(ledger):
    """The overwrite guard of `generate` names a typed cell by its column's header as the reader finds it, so a
    column inserted before the others does not make it name the wrong column."""
    from hx_excel.operations.generate import _ledger_place

    wb = openpyxl.load_workbook(ledger)
    wb[SHEET].insert_cols(1)
    wb[SHEET].cell(3, 1, "走访备注")
    wb.save(ledger)
    place = _ledger_place(ledger)
    assert place(SHEET, FIRST_DATA_ROW, column_index("name") + 1) == f"第 {FIRST_DATA_ROW} 行“姓名”列"
    assert place(SHEET, FIRST_DATA_ROW, 1) is None                 # not a ledger column: named by its coordinate
    assert place("参数", 3, 2) is None


def test_reports_written_beside_the_ledgers_are_not_read_as_ledgers(ledger, policy, capsys):
    """A check result (or 月报, 公示) saved in the ledgers' folder is known as the tool's own report and passed over,
    rather than reported as a file that is not a ledger."""
    assert main(["check", str(ledger), "-o", str(ledger.parent / "问题.xlsx")]) == 1
    capsys.readouterr()
    result = check_files([ledger.parent], policy)
    assert result.files == ["青岩镇.xlsx"] and not [f for f in result.findings if f.file == "问题.xlsx"]


def test_a_progress_bar_shows_on_a_terminal(ledger, tmp_path):
    """Over many files, check draws a progress bar on the terminal (on a pipe or a file it prints nothing extra)."""
    import os
    import pty
    import shutil

    for name in ("石板镇.xlsx", "燕楼镇.xlsx"):
        shutil.copy(ledger, tmp_path / name)
    pid, fd = pty.fork()
    if pid == 0:   # the child: the real command, its output on a terminal
        os.execv(str(Path(sys.executable).with_name("hx-excel")), ["hx-excel", "check", str(tmp_path)])
    seen = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.waitpid(pid, 0)
    text = seen.decode("utf-8", "replace")
    assert "[" + "·" * 20 + "] 1/3 正在检查 燕楼镇.xlsx" in text and "] 3/3 正在检查" in text


def test_a_mistyped_output_stops_before_any_reading(ledger, capsys):
    """-o naming a folder or a file that is not .xlsx is refused at once, before a single ledger is read."""
    for command in (["summary", str(ledger.parent), "--month", "2022-07", "-o", str(ledger.parent)],
                    ["summary", str(ledger), "--month", "2022-07", "-o", "月报.txt"],
                    ["notice", str(ledger), "--village", "龙井村", "-o", str(ledger.parent)],
                    ["check", str(ledger), "-o", "问题.csv"]):
        assert main(command) == 2
        run = capsys.readouterr()
        assert run.err.startswith("错误：") and "已读取" not in run.out and "检查了" not in run.out, command


def test_the_settings_typed_on_params_are_read_back(ledger):
    """参数's 乡镇, 核算年度, fixed 评估日期 and 村（居）名单, found by their labels as the template writes them."""
    settings = read_book(ledger).settings
    assert (settings.township, settings.year, settings.as_of) == ("青岩镇", 2022, AS_OF)
    assert settings.villages == ("龙井村",)


def test_an_as_of_of_today_is_read_as_today_not_as_the_day_it_was_last_calculated(tmp_path, policy):
    """参数's 评估日期 =TODAY() holds, in the file, the date of its last calculation (here a workbook last saved on
    2022-07-15). Both readers — the file's and the live workbook's — must take it as "today", never as that date:
    the month's deadlines would be counted from a day long past."""
    import re
    import zipfile

    from fakebook import FakeBook
    from hx_excel.addin.book import LiveBook

    path = tmp_path / "台账.xlsx"
    save_workbook(build_workbook(policy, township="青岩镇", year=2022, rows=10), path)   # 评估日期 left as =TODAY()
    [recalculated] = recalculate([path], tmp_path / "recalculated")
    saved_long_ago = tmp_path / "saved.xlsx"
    with zipfile.ZipFile(recalculated) as source, zipfile.ZipFile(saved_long_ago, "w", zipfile.ZIP_DEFLATED) as target:
        names = {n: source.read(n) for n in source.namelist()}
        patched = 0
        for name, data in names.items():
            if name.startswith("xl/worksheets/"):
                data, count = re.subn(rb"(<f[^>]*>TODAY\(\)</f><v>)\d+(</v>)", rb"\g<1>44757\g<2>", data)
                patched += count
            target.writestr(name, data)
    assert patched == 1, "the template has one =TODAY(), 参数's 评估日期"
    today_row = next(c.row for c in openpyxl.load_workbook(saved_long_ago)["参数"]["B"] if c.value == "=TODAY()")
    shown = openpyxl.load_workbook(saved_long_ago, data_only=True)["参数"].cell(today_row, 2).value
    assert shown.date() == date(2022, 7, 15)
    assert read_book(saved_long_ago).settings.as_of is None
    assert LiveBook(FakeBook(saved_long_ago)).ledger().settings.as_of is None
    # a fixed day typed over it is taken, by both
    wb = openpyxl.load_workbook(saved_long_ago)
    wb["参数"].cell(today_row, 2).value = datetime(2022, 7, 20)
    wb.save(saved_long_ago)
    assert read_book(saved_long_ago).settings.as_of == date(2022, 7, 20)
    assert LiveBook(FakeBook(saved_long_ago)).ledger().settings.as_of == date(2022, 7, 20)
