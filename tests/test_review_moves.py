"""`hx-excel review` at the edges of the month (issue 17 point 9, the mutation run over operations/review.py): who is on
the record on the first and the last day of a month, every move between the grades, a household that leaves in the
first month the record is kept, a month still running, the months a clerk can type, and a record sheet a clerk has
touched by hand. Every expected line is worked by hand from policy.md, "The month's records":
- on the record: every household under monitoring (entered, not eliminated or closed), every in-scope household
  graded 红/黄/绿 on the review day, and a household that left this month, once, with 风险消除 or 销号;
- 新纳入 = entered in that month; a first line for another reason is 首次记录; up and down compare 红 > 黄 > 绿 > 无.
A month is reviewed on its last day (or on today while it is running); a date after the review day has not happened.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from conftest import AS_OF, household, person
from hx_excel.cli import main
from hx_excel.core.models import Measure
from hx_excel.files.save import save_workbook
from hx_excel.ledger.schema import FIRST_DATA_ROW, SHEET, column_index
from hx_excel.ledger.template import build_workbook
from hx_excel.ledger.writer import RowWriter
from hx_excel.operations.editing import edit_ledger
from hx_excel.operations.review import RECORD_SHEET, append_review

INCOME = column_index("annual_net_income")


def write(path: Path, policy, households) -> Path:
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=40)
    RowWriter(wb[SHEET]).write(households)
    save_workbook(wb, path)
    return path


def records(path: Path) -> list[dict]:
    """月度研判记录's rows, by the headers of its row 2."""
    ws = openpyxl.load_workbook(path)[RECORD_SHEET]
    headers = [c.value for c in ws[2]]
    return [dict(zip(headers, row)) for row in ws.iter_rows(min_row=3, values_only=True) if row[0]]


def lines(path: Path, month: str) -> list[tuple]:
    """(户编号, 上月分级, 预警分级, 变动) of one month, in sheet order."""
    return [(r["户编号"], r["上月分级"] or "", r["预警分级"], r["变动"]) for r in records(path) if r["研判月份"] == month]


def set_cells(path: Path, changes: dict[tuple[int, int], object], sheet: str = SHEET) -> None:
    wb = openpyxl.load_workbook(path)
    for (row, column), value in changes.items():
        wb[sheet].cell(row, column).value = value
    wb.save(path)


# ---- the first and the last day of the month, and every step between the grades -----------------------------------
#
# One person each (two for E), 脱贫户 (S1, in scope), L = 6,700 a head. Reviewed 2022-06 (day 06-30), income changed,
# then 2022-07 (day 07-31). Rows in this order (K first: a household not yet known must not end the review):
#   K  3,000 → R1 红; clue 07-05 · June: not yet known (its first date is after 06-30) → no line · July: 首次记录 红
#   E  2 persons 6,000 → 3,000 a head, R1 红; clue 06-30, the review day itself · June: 首次记录 · July: 红 → 红 不变;
#      measures 养殖 done 07-31 (the review day: done) and one typed with only its category 就业帮扶 done 08-01 (not
#      yet): "共 2 项，已完成 1 项", listed "养殖；就业帮扶"; visited 07-31: July shows the visit, June does not
#   N1 100,000 → 无, entered 07-01 · June: not yet known → no line · July: entered on the month's first day → 新纳入 无
#   N2 100,000 → 无, entered 07-31 · July: entered on the review day → 新纳入 无
#   GY 资助未落实 (G3 绿), 就医 1,000 · June 绿 (100,000) · July 7,000: per head ≥ L, 7,000 − 1,000 = 6,000 < L → Y1 黄:
#      绿 → 黄 升级
#   YG 资助未落实, 就医 1,000 · June 7,000 → Y1 黄 · July 100,000 → G3 绿: 黄 → 绿 降级

def _month_edges(tmp_path, policy) -> Path:
    one = lambda name, hid, **facts: household([person(name)], household_id=hid, village="龙井村", **facts)  # noqa: E731
    return write(tmp_path / "青岩镇.xlsx", policy, [
        one("甲", "K", annual_net_income=3_000, clue_on=date(2022, 7, 5)),
        household([person("乙"), person("乙妻", "配偶", sex="女")], household_id="E", village="龙井村",
                  annual_net_income=6_000, clue_on=date(2022, 6, 30), last_visit_on=date(2022, 7, 31),
                  measures=[Measure(category="产业帮扶", text="养殖", completed_on=date(2022, 7, 31)),
                            Measure(category="就业帮扶", completed_on=date(2022, 8, 1))]),
        one("丙", "N1", entered_on=date(2022, 7, 1)),
        one("丁", "N2", entered_on=date(2022, 7, 31)),
        one("戊", "GY", subsidies_undelivered=True, rigid_spending_medical=1_000),
        one("己", "YG", subsidies_undelivered=True, rigid_spending_medical=1_000, annual_net_income=7_000),
    ])


def test_the_first_and_last_day_of_the_month_and_every_step_between_grades(tmp_path, policy, capsys):
    path = _month_edges(tmp_path, policy)
    assert main(["review", str(path), "--month", "2022-06"]) == 0
    assert lines(path, "2022-06") == [("E", "", "红", "首次记录"), ("GY", "", "绿", "首次记录"),
                                      ("YG", "", "黄", "首次记录")]
    june_e = next(r for r in records(path) if r["户编号"] == "E")
    assert june_e["最近走访日期"] is None and june_e["措施落实情况"] == "共 2 项，已完成 0 项"
    ws = openpyxl.load_workbook(path)[RECORD_SHEET]
    assert ws["A1"].value.startswith("青岩镇月度研判记录") and ws["A2"].value == "研判月份"

    gy, yg = FIRST_DATA_ROW + 5, FIRST_DATA_ROW + 6          # K, E (2 rows), N1, N2 above them
    set_cells(path, {(gy, INCOME): 7_000, (yg, INCOME): 100_000})
    capsys.readouterr()
    assert main(["review", str(path), "--month", "2022-07"]) == 0
    assert "2022-07 研判 6 户：新纳入 2，首次记录 1，升级 1，降级 1，不变 1" in capsys.readouterr().out
    assert lines(path, "2022-07") == [("K", "", "红", "首次记录"), ("E", "红", "红", "不变"),
                                      ("N1", "", "无", "新纳入"), ("N2", "", "无", "新纳入"),
                                      ("GY", "绿", "黄", "升级"), ("YG", "黄", "绿", "降级")]
    july_e = next(r for r in records(path) if r["户编号"] == "E" and r["研判月份"] == "2022-07")
    assert july_e["措施落实情况"] == "共 2 项，已完成 1 项" and july_e["帮扶措施"] == "养殖；就业帮扶"
    assert july_e["最近走访日期"].date() == date(2022, 7, 31) and july_e["研判日期"].date() == date(2022, 7, 31)
    assert july_e["户主姓名"] == "乙"
    july_yg = next(r for r in records(path) if r["户编号"] == "YG" and r["研判月份"] == "2022-07")
    assert (july_yg["下一步"], july_yg["期限"].date()) == ("本月入户走访", date(2022, 7, 31))    # D6: green, monthly
    # July again without --redo: refused, naming how many lines July has (6, not June's 3)
    assert main(["review", str(path), "--month", "2022-07"]) == 2
    assert "已有 2022-07 的研判记录（6 户）" in capsys.readouterr().err


# ---- leaving in the first month the record is kept ------------------------------------------------------------------
#
# Records start in July (day 07-31); nobody has a line before. 脱贫户, one person, 100,000 (无) unless said.
#   X1 entered 03-01, eliminated 07-01 (是（风险消除）): left this month, on its first day → 风险消除, once
#   X2 资助未落实 (G3 绿), 销号 07-31 (是（销号）): left on the review day → 销号, once
#   X3 资助未落实, 销号 06-30 (是（销号）): left before July and never recorded → no line
#   X4 entered 03-01, 标注风险消除 07-20, 是否退出 left blank: the date says it left → 风险消除
#   X5 entered 03-01, eliminated 08-05 (是（风险消除）): on 07-31 still monitored → 首次记录 无; in August → 风险消除
# August (08-31): X1, X2, X4 left in July and are not recorded again.

def test_a_household_leaving_in_the_first_month_of_the_record(tmp_path, policy):
    one = lambda name, hid, **facts: household([person(name)], household_id=hid, village="龙井村", **facts)  # noqa: E731
    path = write(tmp_path / "青岩镇.xlsx", policy, [
        one("甲", "X1", entered_on=date(2022, 3, 1), eliminated_on=date(2022, 7, 1), exit_status="是（风险消除）"),
        one("乙", "X2", subsidies_undelivered=True, closed_on=date(2022, 7, 31), exit_status="是（销号）"),
        one("丙", "X3", subsidies_undelivered=True, closed_on=date(2022, 6, 30), exit_status="是（销号）"),
        one("丁", "X4", entered_on=date(2022, 3, 1), eliminated_on=date(2022, 7, 20)),
        one("戊", "X5", entered_on=date(2022, 3, 1), eliminated_on=date(2022, 8, 5), exit_status="是（风险消除）"),
    ])
    assert main(["review", str(path), "--month", "2022-07"]) == 0
    assert lines(path, "2022-07") == [("X1", "", "无", "风险消除"), ("X2", "", "绿", "销号"),
                                      ("X4", "", "无", "风险消除"), ("X5", "", "无", "首次记录")]
    assert main(["review", str(path), "--month", "2022-08"]) == 0
    assert lines(path, "2022-08") == [("X5", "无", "无", "风险消除")]


# ---- leaving told by one fact only, and a grade that could not be judged --------------------------------------------
#
# June (06-30), then July (07-31), then August. One person each, 100,000 (无) unless said.
#   W1 资助未落实 (G3 绿) · June 绿 首次记录 · then marked 是（销号） with no date: the mark says it left, recorded before
#      → July 销号 · August: no line
#   W2 entered 03-01, income blank → 待补充 · June 首次记录 待补充 · July 3,000 → R1 红: a 待补充 line compares with
#      nothing, so no step up or down (the module's rule: 不变), 上月分级 待补充
#   W3 entered 03-01, 标注风险消除 07-31, 是否退出 blank · June 首次记录 无 · July: the date, the review day → 风险消除
#   W4 资助未落实, 销号 07-31, 是否退出 blank · June 首次记录 绿 · July: the date, the review day → 销号

def test_leaving_told_by_the_mark_or_the_date_alone_and_a_grade_not_judged(tmp_path, policy):
    one = lambda name, hid, **facts: household([person(name)], household_id=hid, village="龙井村", **facts)  # noqa: E731
    path = write(tmp_path / "青岩镇.xlsx", policy, [
        one("甲", "W1", subsidies_undelivered=True),
        one("乙", "W2", entered_on=date(2022, 3, 1), annual_net_income=None),
        one("丙", "W3", entered_on=date(2022, 3, 1), eliminated_on=date(2022, 7, 31)),
        one("丁", "W4", subsidies_undelivered=True, closed_on=date(2022, 7, 31)),
    ])
    assert main(["review", str(path), "--month", "2022-06"]) == 0
    assert lines(path, "2022-06") == [("W1", "", "绿", "首次记录"), ("W2", "", "待补充", "首次记录"),
                                      ("W3", "", "无", "首次记录"), ("W4", "", "绿", "首次记录")]
    set_cells(path, {(FIRST_DATA_ROW, column_index("exit_status")): "是（销号）", (FIRST_DATA_ROW + 1, INCOME): 3_000})
    assert main(["review", str(path), "--month", "2022-07"]) == 0
    assert lines(path, "2022-07") == [("W1", "绿", "绿", "销号"), ("W2", "待补充", "红", "不变"),
                                      ("W3", "无", "无", "风险消除"), ("W4", "绿", "绿", "销号")]
    assert main(["review", str(path), "--month", "2022-08"]) == 0
    assert lines(path, "2022-08") == [("W2", "红", "红", "不变")]


def test_a_month_is_redone_only_when_asked_and_the_refusal_names_the_latest_month(tmp_path, policy, capsys):
    """The operation itself refuses a month already recorded unless asked to redo it; a month earlier than the ones
    recorded is refused naming the latest month recorded."""
    from hx_excel.operations.editing import EditRefused

    path = write(tmp_path / "青岩镇.xlsx", policy, [household([person("甲")], household_id="A", village="龙井村",
                                                               subsidies_undelivered=True)])
    review = lambda month, **kw: edit_ledger(  # noqa: E731
        path, lambda wb, book: append_review(wb, book, policy, month, **kw))
    review("2022-06")
    with pytest.raises(EditRefused, match="已有 2022-06 的研判记录（1 户）"):
        review("2022-06")
    review("2022-06", redo=True)
    assert [r["研判月份"] for r in records(path)] == ["2022-06"]
    assert main(["review", str(path), "--month", "2022-05"]) == 2
    assert "已有 2022-06 的研判记录，不能再追加更早的 2022-05" in capsys.readouterr().err
    review("2022-07")
    assert main(["review", str(path), "--month", "2022-05"]) == 2
    assert "已有 2022-07 的研判记录，不能再追加更早的 2022-05" in capsys.readouterr().err


# ---- a month still running, and the months a clerk can type ---------------------------------------------------------

def test_a_month_still_running_is_reviewed_on_today(tmp_path, policy):
    """July reviewed on 2022-07-15 (today, within the month): the review day is the 15th; a clue collected on the
    20th is not known yet. Reviewed from August, July is reviewed on its last day, the 31st."""
    red = lambda hid, clue: household([person(hid)], household_id=hid, village="龙井村",  # noqa: E731
                                      annual_net_income=3_000, clue_on=clue)
    households = [red("早", date(2022, 7, 10)), red("晚", date(2022, 7, 20))]
    for today, day, who in ((date(2022, 7, 15), date(2022, 7, 15), ["早"]),
                            (date(2022, 8, 2), date(2022, 7, 31), ["早", "晚"])):
        path = write(tmp_path / f"{today:%m%d}.xlsx", policy, households)
        edit_ledger(path, lambda wb, book: append_review(wb, book, policy, "2022-07", today=today))
        july = records(path)
        assert [r["户编号"] for r in july] == who
        assert {r["研判日期"].date() for r in july} == {day}


def test_every_month_of_the_year_and_no_other_can_be_typed(tmp_path, policy, capsys):
    path = write(tmp_path / "青岩镇.xlsx", policy, [household([person("甲")], household_id="A", village="龙井村",
                                                               subsidies_undelivered=True)])
    for month in ("2022-00", "2022-13"):
        assert main(["review", str(path), "--month", month]) == 2
        assert "应写成 年-月" in capsys.readouterr().err
    assert main(["review", str(path), "--month", "2022-1"]) == 0           # January, typed without its zero
    assert main(["review", str(path), "--month", "2022-12"]) == 0
    assert [(r["研判月份"], r["研判日期"].date()) for r in records(path)] == [("2022-01", date(2022, 1, 31)),
                                                                          ("2022-12", date(2022, 12, 31))]


# ---- a record sheet touched by hand ----------------------------------------------------------------------------------
#
# A 黄 (Y1: 7,000 for one, 就医 1,000 → 6,000 < L), B 绿 (G3). June reviewed; then A's income falls to 3,000 → R1 红.

def _two(tmp_path, policy, hid_a="A", hid_b="B") -> Path:
    return write(tmp_path / "青岩镇.xlsx", policy, [
        household([person("甲")], household_id=hid_a, village="龙井村", group="1组", annual_net_income=7_000,
                  rigid_spending_medical=1_000),
        household([person("乙")], household_id=hid_b, village="龙井村", group="2组", subsidies_undelivered=True)])


def test_a_record_retyped_in_excel_is_still_read(tmp_path, policy, capsys):
    """A clerk retypes June's 研判月份 as 2022-06 and a 户编号 as 1001 in Excel: Excel keeps a date (2022-06-01) and a
    number. July still compares with those June lines: 黄 → 红 升级, 绿 → 绿 不变. July's 研判月份 retyped the same way
    is still July: redone with --redo, its two lines are replaced, not refused as a later month."""
    path = _two(tmp_path, policy, hid_a="1001", hid_b="1002")
    assert main(["review", str(path), "--month", "2022-06"]) == 0
    set_cells(path, {(3, 1): datetime(2022, 6, 1), (3, 4): 1001, (4, 1): datetime(2022, 6, 1), (4, 4): 1002},
              RECORD_SHEET)
    set_cells(path, {(FIRST_DATA_ROW, INCOME): 3_000})
    capsys.readouterr()
    assert main(["review", str(path), "--month", "2022-07"]) == 0
    assert "2022-07 研判 2 户：升级 1，不变 1" in capsys.readouterr().out
    assert lines(path, "2022-07") == [("1001", "黄", "红", "升级"), ("1002", "绿", "绿", "不变")]
    set_cells(path, {(5, 1): datetime(2022, 7, 1), (6, 1): datetime(2022, 7, 1)}, RECORD_SHEET)
    assert main(["review", str(path), "--month", "2022-07", "--redo"]) == 0
    assert lines(path, "2022-07") == [("1001", "黄", "红", "升级"), ("1002", "绿", "绿", "不变")]


def test_a_note_typed_under_the_records_is_not_a_record(tmp_path, policy, capsys):
    """A clerk's note under June's lines, in 研判月份's column with no 户编号, is not a month of records: July is
    appended and compared with June."""
    path = _two(tmp_path, policy)
    assert main(["review", str(path), "--month", "2022-06"]) == 0
    set_cells(path, {(5, 1): "备注：乙户资助已报乡里"}, RECORD_SHEET)
    set_cells(path, {(FIRST_DATA_ROW, INCOME): 3_000})
    capsys.readouterr()
    assert main(["review", str(path), "--month", "2022-07"]) == 0
    assert "2022-07 研判 2 户：升级 1，不变 1" in capsys.readouterr().out


def test_a_column_deleted_from_the_record_still_reads_the_earlier_months(tmp_path, policy, capsys):
    """The record's columns are found by their headers: with 组 deleted by a clerk, June's lines are still read and
    July compares with them (黄 → 红 升级, 绿 → 绿 不变)."""
    path = _two(tmp_path, policy)
    assert main(["review", str(path), "--month", "2022-06"]) == 0
    wb = openpyxl.load_workbook(path)
    wb[RECORD_SHEET].delete_cols(3)
    wb.save(path)
    set_cells(path, {(FIRST_DATA_ROW, INCOME): 3_000})
    capsys.readouterr()
    assert main(["review", str(path), "--month", "2022-07"]) == 0
    assert "2022-07 研判 2 户：升级 1，不变 1" in capsys.readouterr().out


def test_after_a_column_is_deleted_the_next_month_compares_with_the_last(tmp_path, policy, capsys):
    path = _two(tmp_path, policy)
    assert main(["review", str(path), "--month", "2022-06"]) == 0
    wb = openpyxl.load_workbook(path)
    wb[RECORD_SHEET].delete_cols(3)
    wb.save(path)
    set_cells(path, {(FIRST_DATA_ROW, INCOME): 3_000})
    assert main(["review", str(path), "--month", "2022-07"]) == 0
    assert main(["review", str(path), "--month", "2022-08"]) == 0
    assert lines(path, "2022-08") == [("A", "红", "红", "不变"), ("B", "绿", "绿", "不变")]
