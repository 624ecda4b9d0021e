"""部门联合筛查: what the tests of test_clues.py let through when a bug was planted by hand (mutation testing), each
expectation worked out from the rules, on test_clues.py's 青岩镇 ledger (QY-001 罗大山 row 4, 罗小花 row 5; QY-002 张三
row 6, a D-grade house: R6 open; QY-003 王建 row 7), lists received 2022-07-04, every check due 2022-07-11 (D1).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from conftest import household, person
from hx_excel.cli import main
from hx_excel.clues.intake import intake
from hx_excel.clues.profiles import load_profiles
from hx_excel.core.id_number import make_valid
from hx_excel.ledger.book import fold
from hx_excel.ledger.schema import SHEET, column_index
from hx_excel.ledger.template import build_workbook
from hx_excel.ledger.writer import RowWriter
from test_clues import (LUO_DASHAN, LUO_XIAOHUA, NOBODY, RECEIVED, WANG_JIAN, WANG_JIAN_15, ZHANG_SAN, _answer,
                        _files, _run_intake, month_files)  # noqa: F401 — month_files is the fixture

HOUSING = ["户主姓名", "户主身份证号", "鉴定等级", "鉴定日期"]
MEDICAL = ["序号", "参保人姓名", "身份证号", "个人自付费用（元）", "参保状态"]
CIVIL = ["姓名", "身份证号", "救助类别", "变动类型", "变动日期"]
LUO_HONG = "520403197511047092"           # in the sample national export only: 石板镇 云顶村


def _xlsx(path: Path, rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return path


def _take(month_files, policy, files, *, ledgers=None, roster=None, profiles=None):
    return intake(files, ledgers or [month_files["ledgers"]], policy, profiles or load_profiles(policy), (2022, 7),
                  received_on=RECEIVED, roster=roster)


def _got(result):
    return [(c.person.township, c.person.household_id, c.person.name, [(f.department, f.clause) for f in c.facts])
            for c in result.clues]


def _stub_roster(*people):
    """A national export as intake reads it: (township, village, household, name, ID) each."""
    return SimpleNamespace(name="国家系统导出.xlsx", households=[
        SimpleNamespace(township=t, village=v, household_id=h, rows=[4 + i], typed=[{"id_number": n, "name": name}])
        for i, (t, v, h, name, n) in enumerate(people)])


# ---- reading a department's list ---------------------------------------------------------------------------------

def test_in_month_takes_the_first_and_the_last_day_of_the_month_and_no_other(month_files, policy):
    """July's cancellations: 罗小花 on 07-01 and 王建 on 07-31 are clues (R7); 张三's on 06-30 and 罗大山's on 08-01
    are not."""
    civil = month_files["lists"] / "民政.csv"
    civil.write_bytes("\n".join([",".join(CIVIL), f"罗小花,{LUO_XIAOHUA},低保,取消,2022-07-01",
                                 f"王建,{WANG_JIAN},低保,取消,2022-07-31", f"张三,{ZHANG_SAN},低保,取消,2022-06-30",
                                 f"罗大山,{LUO_DASHAN},低保,取消,2022-08-01"]).encode("gbk"))
    assert _got(_take(month_files, policy, [civil])) == [("青岩镇", "QY-001", "罗小花", [("民政", "R7")]),
                                                         ("青岩镇", "QY-003", "王建", [("民政", "R7")])]


def test_an_amount_exactly_at_the_threshold_is_a_clue_and_one_below_is_not(month_files, policy):
    """Y1: self-pay 达到 10,000 元 — 罗大山's 10,000 is a clue, 罗小花's 9,999.5 is not."""
    medical = _xlsx(month_files["lists"] / "医保.xlsx", [MEDICAL, [1, "罗大山", LUO_DASHAN, 10000, "正常"],
                                                       [2, "罗小花", LUO_XIAOHUA, 9999.5, "正常"]])
    result = _take(month_files, policy, [medical])
    assert _got(result) == [("青岩镇", "QY-001", "罗大山", [("医保", "Y1")])]
    assert result.clues[0].facts[0].says == "年度个人自付医疗费用 10,000 元，达到 10,000 元"


def test_a_header_repeated_lower_down_does_not_hide_the_rows_above_it(month_files, policy):
    """A list pasted from printed pages repeats its header: the first header row is the header; 罗大山 (row 2, above the
    repeat) and 王建 (row 4) are both clues, the repeated header itself no row of anyone's."""
    housing = _xlsx(month_files["lists"] / "住建.xlsx", [HOUSING, ["罗大山", LUO_DASHAN, "D", date(2022, 6, 30)], HOUSING,
                                                       ["王建", WANG_JIAN, "C", date(2022, 6, 30)]])
    result = _take(month_files, policy, [housing])
    assert result.lists[0].header_row == 1
    assert _got(result) == [("青岩镇", "QY-001", "罗大山", [("住建", "R6")]), ("青岩镇", "QY-003", "王建", [("住建", "R6")])]


def test_a_profile_recognises_a_list_only_when_every_header_it_names_is_there(policy):
    civil = next(p for p in load_profiles(policy) if p.department == "民政")          # 救助类别 and 变动类型
    assert not civil.recognises({fold("姓名"), fold("身份证号"), fold("救助类别")})
    assert not civil.recognises({fold("姓名"), fold("变动类型")})
    assert civil.recognises({fold("姓名"), fold("救助类别"), fold("变动类型")})


def test_a_grade_typed_in_lower_case_or_with_a_space_is_the_grade(month_files, policy):
    """“d” is D, “c 级” is C级 (letters folded to capitals, spaces dropped): both R6."""
    housing = _xlsx(month_files["lists"] / "住建.xlsx", [HOUSING, ["罗大山", LUO_DASHAN, "d", date(2022, 6, 30)],
                                                       ["王建", WANG_JIAN, "c 级", date(2022, 6, 30)]])
    assert _got(_take(month_files, policy, [housing])) == [("青岩镇", "QY-001", "罗大山", [("住建", "R6")]),
                                                           ("青岩镇", "QY-003", "王建", [("住建", "R6")])]


def test_a_districts_own_profile_replaces_the_shipped_one_of_the_same_department(month_files, policy, tmp_path):
    """The district's 住建 counts a B grade too: 罗大山's B house is a clue under it (never under the shipped one)."""
    from hx_excel.clues.profiles import SHIPPED

    own = tmp_path / "区规则"
    own.mkdir()
    text = (SHIPPED / "住建.toml").read_text(encoding="utf-8")
    assert 'equals = ["C", "D", "C级", "D级"]' in text
    (own / "住建.toml").write_text(text.replace('equals = ["C", "D", "C级", "D级"]', 'equals = ["B", "C", "D"]'),
                                   encoding="utf-8")
    profiles = load_profiles(policy, own)
    assert [p.rules[0].when[0].equals for p in profiles if p.department == "住建"] == [("B", "C", "D")]
    housing = _xlsx(month_files["lists"] / "住建.xlsx", [HOUSING, ["罗大山", LUO_DASHAN, "B", date(2022, 6, 30)]])
    assert _got(_take(month_files, policy, [housing], profiles=profiles)) == [
        ("青岩镇", "QY-001", "罗大山", [("住建", "R6")])]
    assert _got(_take(month_files, policy, [housing])) == []


# ---- matching ------------------------------------------------------------------------------------------------------

def test_a_15_digit_id_stored_as_a_number_is_matched(month_files, policy):
    """Excel keeps 15 digits: 王建's old 15-digit number typed as a number has lost none, and meets his 18 digits."""
    housing = _xlsx(month_files["lists"] / "住建.xlsx", [HOUSING, ["王建", int(WANG_JIAN_15), "C", date(2022, 6, 30)]])
    result = _take(month_files, policy, [housing])
    assert _got(result) == [("青岩镇", "QY-003", "王建", [("住建", "R6")])] and result.clues[0].key == WANG_JIAN
    assert result.unmatched == []


def test_a_person_in_a_ledger_and_in_the_export_goes_to_the_ledgers_township(month_files, policy):
    housing = _xlsx(month_files["lists"] / "住建.xlsx", [HOUSING, ["罗大山", LUO_DASHAN, "D", date(2022, 6, 30)]])
    roster = _stub_roster(("石板镇", "云顶村", "SB-009", "罗大山", LUO_DASHAN))
    result = _take(month_files, policy, [housing], roster=roster)
    assert _got(result) == [("青岩镇", "QY-001", "罗大山", [("住建", "R6")])]
    assert result.clues[0].person.in_ledger and result.clues[0].person.source == "青岩镇.xlsx"


def test_a_person_in_two_ledgers_is_handed_to_the_first(month_files, policy, tmp_path):
    """罗大山 also stands in 石板镇's ledger (SB-001, row 4): the clue goes to the first ledger read, 青岩镇, as said."""
    other = tmp_path / "石板镇.xlsx"
    wb = build_workbook(policy, township="石板镇", villages=("云顶村",), rows=20)
    RowWriter(wb[SHEET]).write([household([dict(person("罗大山"), id_number=LUO_DASHAN)], household_id="SB-001",
                                          village="云顶村")])
    wb.save(other)
    housing = _xlsx(month_files["lists"] / "住建.xlsx", [HOUSING, ["罗大山", LUO_DASHAN, "D", date(2022, 6, 30)]])
    result = _take(month_files, policy, [housing], ledgers=[month_files["ledgers"] / "青岩镇.xlsx", other])
    assert _got(result) == [("青岩镇", "QY-001", "罗大山", [("住建", "R6")])]
    assert "身份证号 520111********0113 在 青岩镇.xlsx 第 4 行和 石板镇.xlsx 第 4 行各有一次：线索按前者交办" in result.problems


def test_a_member_row_that_leaves_the_village_blank_has_its_heads(month_files, policy):
    ledger = month_files["ledgers"] / "青岩镇.xlsx"
    wb = openpyxl.load_workbook(ledger)
    assert wb[SHEET].cell(5, column_index("name")).value == "罗小花"
    wb[SHEET].cell(5, column_index("village")).value = None
    wb.save(ledger)
    civil = month_files["lists"] / "民政.csv"
    civil.write_bytes(f"{','.join(CIVIL)}\n罗小花,{LUO_XIAOHUA},低保,取消,2022-07-10".encode("gbk"))
    result = _take(month_files, policy, [civil])
    assert [(c.person.name, c.person.village) for c in result.clues] == [("罗小花", "龙井村")]


def test_a_household_that_has_left_monitoring_has_nothing_open(month_files, policy, tmp_path):
    """赵五's household (QY-009) has a D-grade house but left monitoring (风险消除, D5): the core's R6 on it is not an
    open clause, so the housing list's R6 is handed out; 张三's (still followed) is not."""
    zhao = make_valid("520111", date(1985, 3, 3), 51)
    ledgers = tmp_path / "另一台账"
    ledgers.mkdir()
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), rows=20)
    RowWriter(wb[SHEET]).write([
        household([dict(person("赵五"), id_number=zhao)], household_id="QY-009", village="龙井村", house_grade="D",
                  entered_on=date(2021, 1, 1), exit_status="是（风险消除）", eliminated_on=date(2022, 1, 1)),
        household([dict(person("张三"), id_number=ZHANG_SAN)], household_id="QY-002", village="龙井村", house_grade="D"),
    ])
    wb.save(ledgers / "青岩镇.xlsx")
    housing = _xlsx(month_files["lists"] / "住建.xlsx", [HOUSING, ["赵五", zhao, "D", date(2022, 6, 30)],
                                                       ["张三", ZHANG_SAN, "D", date(2022, 6, 30)]])
    result = _take(month_files, policy, [housing], ledgers=[ledgers])
    assert _got(result) == [("青岩镇", "QY-009", "赵五", [("住建", "R6")])]
    assert [(o.person.name, o.fact.clause) for o in result.already_open] == [("张三", "R6")]


def test_a_name_that_differs_only_by_a_space_is_the_same_name(month_files, policy):
    housing = _xlsx(month_files["lists"] / "住建.xlsx", [HOUSING, ["王 建", WANG_JIAN, "C", date(2022, 6, 30)]])
    result = _take(month_files, policy, [housing])
    assert _got(result) == [("青岩镇", "QY-003", "王建", [("住建", "R6")])] and result.problems == []


# ---- the workbooks written -----------------------------------------------------------------------------------------

def _two_townships(month_files, policy):
    """罗红 (石板镇, export only) and 罗大山 (青岩镇) on the housing list: 0001 is 石板镇's (石 sorts before 青)."""
    housing = _xlsx(month_files["lists"] / "住建.xlsx", [HOUSING, ["罗大山", LUO_DASHAN, "D", date(2022, 6, 30)],
                                                       ["罗红", LUO_HONG, "D", date(2022, 6, 30)]])
    return _take(month_files, policy, [housing],
                 roster=_stub_roster(("石板镇", "云顶村", "520111100000000001", "罗红", LUO_HONG)))


def test_each_townships_sheet_holds_only_its_own_clues(month_files, policy):
    from hx_excel.clues.sheets import HEADER_ROW, task_workbook

    result = _two_townships(month_files, policy)
    numbers = {t: [r[1] for r in task_workbook(result, t).active.iter_rows(min_row=HEADER_ROW + 1, values_only=True)
                   if r[1]] for t in ("石板镇", "青岩镇")}
    assert numbers == {"石板镇": ["XS-2022-07-0001"], "青岩镇": ["XS-2022-07-0002"]}


def test_the_register_masks_ids_itself_before_any_save(month_files, policy):
    from hx_excel.clues.sheets import HEADER_ROW, REGISTER_SHEET, register_workbook

    result = _take(month_files, policy, _files(month_files))
    ws = register_workbook(result)[REGISTER_SHEET]
    assert [ws.cell(r, 6).value for r in range(HEADER_ROW + 1, HEADER_ROW + 4)] == [
        "520111********0113", "520111********0147", "520111********0232"]


def test_an_id_typed_with_spaces_in_the_name_column_is_masked_in_the_unmatched_sheet(month_files):
    """The columns swapped on one row: the 身份证号 cell holds a name (cannot be matched: 未匹配), the 姓名 cell
    NOBODY's number typed in groups. The district register shows it masked."""
    civil = month_files["lists"] / "民政.csv"
    civil.write_bytes(f"{','.join(CIVIL)}\n520111 19990101 0019,某某,低保,取消,2022-07-10".encode("gbk"))
    _run_intake(month_files)
    rows = CalamineWorkbook.from_path(str(month_files["out"] / "线索总台账-2022-07.xlsx")).get_sheet_by_name("未匹配").to_python()
    names = [r[3] for r in rows[3:] if r[1] == "民政.csv"]
    assert names == ["520111********0019"]


# ---- status --------------------------------------------------------------------------------------------------------

def _status(month_files, capsys, as_of: str) -> str:
    capsys.readouterr()
    main(["clues", "status", str(month_files["out"]), "--as-of", as_of])
    return capsys.readouterr().out


def test_on_the_deadline_day_an_unchecked_clue_is_still_waiting(month_files, capsys):
    _run_intake(month_files)
    assert "7日内已核实 0，逾期核实 0，逾期未核实 0，待核实 3" in _status(month_files, capsys, "2022-07-11")
    assert "7日内已核实 0，逾期核实 0，逾期未核实 3，待核实 0" in _status(month_files, capsys, "2022-07-12")


def test_a_check_dated_before_the_clue_was_received_or_after_the_day_counts_as_not_checked(month_files, capsys):
    _run_intake(month_files)
    _answer(month_files["out"] / "线索交办单-2022-07-青岩镇.xlsx",
            {"XS-2022-07-0001": (date(2022, 7, 3), "红", "李干部"),      # the day before the lists came
             "XS-2022-07-0002": (date(2022, 7, 9), "黄", "李干部")})     # the day after the status day
    printed = _status(month_files, capsys, "2022-07-08")
    assert "7日内已核实 0，逾期核实 0，逾期未核实 0，待核实 3" in printed
    assert "入户核实日期 2022-07-03 早于收到线索的日期 2022-07-04" in printed
    assert "入户核实日期 2022-07-09 晚于统计日 2022-07-08" in printed


def test_a_sheet_whose_title_names_another_township_is_not_credited(month_files, capsys):
    _run_intake(month_files)
    task = month_files["out"] / "线索交办单-2022-07-青岩镇.xlsx"
    _answer(task, {"XS-2022-07-0001": (date(2022, 7, 8), "红", "李干部")})
    wb = openpyxl.load_workbook(task)
    ws = wb["线索交办单"]
    ws["A1"] = ws["A1"].value.replace("青岩镇", "石板镇")
    wb.save(task)
    printed = _status(month_files, capsys, "2022-07-08")
    assert "7日内已核实 0，逾期核实 0，逾期未核实 0，待核实 3" in printed
    assert "XS-2022-07-0001在总台账中是青岩镇QY-001 罗大山，交办单中是石板镇QY-001 罗大山" in printed


def test_a_second_copy_answering_differently_does_not_change_the_first_answer(month_files, capsys):
    """The clerk's sheet says 0001 checked on 07-08 (on time); a copy saved beside it (sorting after it) says 07-12:
    the first counts, the difference is said."""
    _run_intake(month_files)
    out = month_files["out"]
    task = out / "线索交办单-2022-07-青岩镇.xlsx"
    copy = out / "线索交办单-2022-07-青岩镇（2）.xlsx"
    shutil.copyfile(task, copy)
    _answer(task, {"XS-2022-07-0001": (date(2022, 7, 8), "红", "李干部")})
    _answer(copy, {"XS-2022-07-0001": (date(2022, 7, 12), "黄", "王干部")})
    printed = _status(month_files, capsys, "2022-07-20")
    assert "7日内已核实 1，逾期核实 0，逾期未核实 2，待核实 0" in printed
    assert "与 线索交办单-2022-07-青岩镇.xlsx 第 4 行 的填写不同" in printed


# ---- D7 at the month's edges ----------------------------------------------------------------------------------------

def _d7(month_files, tmp_path, month: str, as_of: str) -> list[tuple]:
    report = tmp_path / f"月报-{month}.xlsx"
    main(["summary", str(month_files["ledgers"]), "--month", month, "--as-of", as_of, "-o", str(report),
          "--clues", str(month_files["out"] / "线索总台账-2022-07.xlsx")])
    rows = CalamineWorkbook.from_path(str(report)).get_sheet_by_name("D7问责清单").to_python()
    return [(r[3], r[7], r[9]) for r in rows[2:] if str(r[0]).startswith("(a)")]


def test_a_clue_checked_late_on_the_first_of_the_next_month_is_on_that_months_list(month_files, tmp_path, capsys):
    """Received 07-24, due 07-31; 0001 (罗大山, QY-001) checked 08-01: one day late, in August's D7 list."""
    main(["clues", "intake", *map(str, _files(month_files)), "--ledgers", str(month_files["ledgers"]),
          "--month", "2022-07", "--received", "2022-07-24", "-o", str(month_files["out"])])
    _answer(month_files["out"] / "线索交办单-2022-07-青岩镇.xlsx", {"XS-2022-07-0001": (date(2022, 8, 1), "红", "李干部")})
    _status(month_files, capsys, "2022-08-05")
    qy001 = [r for r in _d7(month_files, tmp_path, "2022-08", "2022-08-31") if r[0] == "QY-001"]
    assert len(qy001) == 1 and "XS-2022-07-0001" in qy001[0][1] and "逾期核实（2022-08-01 入户核实）" in qy001[0][1]
    assert qy001[0][2] == 1.0


def test_a_clue_due_on_the_months_last_day_is_not_late_in_that_month(month_files, tmp_path, capsys):
    """Received 07-24, due 07-31, never checked: on 07-31 it is still within its 7 days (待核实), so July's D7 list
    holds only the ledger's own QY-002 (张三, red, no clue recorded); the clues are late from August."""
    main(["clues", "intake", *map(str, _files(month_files)), "--ledgers", str(month_files["ledgers"]),
          "--month", "2022-07", "--received", "2022-07-24", "-o", str(month_files["out"])])
    assert "逾期未核实 3" in _status(month_files, capsys, "2022-08-05")
    assert [hid for hid, _, _ in _d7(month_files, tmp_path, "2022-07", "2022-07-31")] == ["QY-002"]


# ---- apply ---------------------------------------------------------------------------------------------------------

def test_a_clue_found_without_risk_is_not_carried_into_the_ledger(month_files, capsys):
    _run_intake(month_files)
    task = month_files["out"] / "线索交办单-2022-07-青岩镇.xlsx"
    _answer(task, {"XS-2022-07-0003": (date(2022, 7, 5), "无风险", "李干部")})
    ledger = month_files["ledgers"] / "青岩镇.xlsx"
    before = ledger.read_bytes()
    capsys.readouterr()
    assert main(["clues", "apply", str(task), "--into", str(ledger)]) == 0
    assert "XS-2022-07-0003：核实结论为“无风险”，不记入台账" in capsys.readouterr().out
    assert ledger.read_bytes() == before


def test_apply_refuses_another_townships_ledger(month_files, policy, tmp_path, capsys):
    _run_intake(month_files)
    task = month_files["out"] / "线索交办单-2022-07-青岩镇.xlsx"
    _answer(task, {"XS-2022-07-0001": (date(2022, 7, 8), "红", "李干部")})
    other = tmp_path / "石板镇.xlsx"
    wb = build_workbook(policy, township="石板镇", villages=("云顶村",), rows=20)
    RowWriter(wb[SHEET]).write([household([dict(person("罗大山"), id_number=LUO_DASHAN)], household_id="SB-001",
                                          village="云顶村")])
    wb.save(other)
    before = other.read_bytes()
    capsys.readouterr()
    assert main(["clues", "apply", str(task), "--into", str(other)]) == 2
    assert "是青岩镇的交办单" in capsys.readouterr().err
    assert other.read_bytes() == before


# ---- intake into a folder already used ------------------------------------------------------------------------------

def _unchanged_after_second_intake(month_files) -> None:
    out = month_files["out"]
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert _run_intake(month_files) == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_intake_refuses_a_folder_holding_a_sheet_of_a_township_with_no_clue_this_time(month_files):
    """A first run with the national export gave 石板镇 a sheet (罗红); run again without it, 石板镇 has no clue: its old
    sheet would not match the new numbers, so nothing is written."""
    from importlib.resources import files

    housing = month_files["lists"] / "住建.xlsx"
    wb = openpyxl.load_workbook(housing)
    wb.active.append(["罗红", LUO_HONG, "D", date(2022, 6, 30)])
    wb.save(housing)
    _run_intake(month_files, "--roster", str(files("hx_excel.samples") / "国家系统导出-样例.xlsx"))
    assert (month_files["out"] / "线索交办单-2022-07-石板镇.xlsx").exists()
    _unchanged_after_second_intake(month_files)


def test_intake_refuses_a_folder_holding_a_sheet_it_cannot_read(month_files):
    _run_intake(month_files)
    (month_files["out"] / "线索交办单-2022-07-青岩镇.xlsx").write_bytes(b"PK\x03\x04 damaged")
    _unchanged_after_second_intake(month_files)


def test_intake_refuses_a_folder_holding_a_sheet_with_only_a_note(month_files):
    _run_intake(month_files)
    task = month_files["out"] / "线索交办单-2022-07-青岩镇.xlsx"
    wb = openpyxl.load_workbook(task)
    ws = wb["线索交办单"]
    header = {c.value: c.column for c in ws[3]}
    ws.cell(6, header["备注"], "户主外出务工，下周再去")
    wb.save(task)
    _unchanged_after_second_intake(month_files)


# ---- the files underneath -----------------------------------------------------------------------------------------

def test_a_list_with_a_blank_row_after_each_entry_is_read_as_it_is():
    """35,000 entries on every other row to row 70,000: 70,000 is within twice the rows held (plus the 200 kept), so
    the sheet is not sparse and is not compacted."""
    from hx_excel.files.sheet_cells import _far_out
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (n, n) for n in range(2, 70_001, 2))
    assert not _far_out(b'<worksheet><dimension ref="A1:E70000"/><sheetData>' + rows + b"</sheetData></worksheet>")


def test_a_sparse_sheet_without_a_dimension_is_compacted():
    """100 rows and one value at row 50,000, no <dimension>: sparse, and how wide it is is not known: compacted."""
    from hx_excel.files.sheet_cells import _far_out
    few = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (n, n) for n in (*range(1, 101), 50_000))
    assert _far_out(b"<worksheet><sheetData>" + few + b"</sheetData></worksheet>")


def test_a_report_keeps_text_that_looks_like_a_formula_as_text_once_masked_and_a_formula_as_a_formula(tmp_path):
    from openpyxl import Workbook

    from hx_excel.core.id_number import mask_in
    from hx_excel.files.report import save_report
    from hx_excel.ledger.cells import put

    wb = Workbook()
    put(wb.active, 1, 1, f'=HYPERLINK("http://evil.example/","{NOBODY}")')
    wb.active["B1"] = f'=COUNTIF(A:A,"{NOBODY}")'
    save_report(wb, tmp_path / "报表.xlsx", text=mask_in)
    ws = openpyxl.load_workbook(tmp_path / "报表.xlsx").active
    assert (ws["A1"].data_type, ws["A1"].value) == ("s", '=HYPERLINK("http://evil.example/","520111********0019")')
    assert ws["B1"].data_type == "f"
