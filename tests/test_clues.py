"""部门联合筛查 (issue 21): department lists matched to a township ledger, worked by hand.

The ledger (青岩镇, 龙井村): QY-001 罗大山 (户主) and 罗小花 (之女), a sound house, income far above the line (无);
QY-002 张三, a D-grade house (R6 already: red); QY-003 王建, whose 18-digit number 520111198007070232 the housing
list gives in its old 15-digit form 520111800707023 (the 18 digits without the century "19" and the check digit).

The lists, received 2022-07-04 (so every household check is due 7 calendar days later, 2022-07-11, D1):
- 医保: 罗大山 paid 23,000 yuan himself (≥ 10,000: Y1); 罗小花 uninsured (R5); a person in no ledger (unmatched);
  陈某's amount typed as 约一万 (cannot be judged: said); an ID stored as a number (digits lost: unmatched);
- 住建: 罗大山's house D (R6); 张三's C级 (R6, already open on QY-002: not handed out); 王建's C (R6, 15-digit ID);
- 民政 (CSV in GBK): 罗小花's 低保 cancelled 2022-07-10 (R7, in July); 李四's cancelled in June (not this month).

So three clues: 罗大山 (医保 Y1 + 住建 R6, one clue), 罗小花 (医保 R5 + 民政 R7), 王建 (住建 R6); 张三's R6 not handed
out; two rows unmatched; one cell said.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from conftest import household, person
from hx_excel.cli import main
from hx_excel.clues.intake import intake
from hx_excel.clues.profiles import load_profiles
from hx_excel.ledger.schema import SHEET
from hx_excel.ledger.template import build_workbook
from hx_excel.ledger.writer import RowWriter

LUO_DASHAN, LUO_XIAOHUA = "520111196805030113", "520111197009120147"
ZHANG_SAN, WANG_JIAN, WANG_JIAN_15 = "520111197501080175", "520111198007070232", "520111800707023"
NOBODY = "520111199901010019"
RECEIVED, DUE = date(2022, 7, 4), date(2022, 7, 11)


@pytest.fixture
def month_files(tmp_path, policy) -> dict[str, Path]:
    ledgers = tmp_path / "台账"
    ledgers.mkdir()
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), rows=30)
    RowWriter(wb[SHEET]).write([
        household([dict(person("罗大山"), id_number=LUO_DASHAN), dict(person("罗小花", "之女", sex="女"), id_number=LUO_XIAOHUA)],
                  household_id="QY-001", village="龙井村"),
        household([dict(person("张三"), id_number=ZHANG_SAN)], household_id="QY-002", village="龙井村", house_grade="D"),
        household([dict(person("王建"), id_number=WANG_JIAN)], household_id="QY-003", village="龙井村"),
    ])
    wb.save(ledgers / "青岩镇.xlsx")

    lists = tmp_path / "部门名单"
    lists.mkdir()
    medical = openpyxl.Workbook()
    ws = medical.active
    ws.append(["2022年7月 医疗费用及参保名单"])
    ws.merge_cells("A1:E1")
    ws.append(["序号", "参保人姓名", "身份证号", "个人自付费用（元）", "参保状态"])
    ws.append([1, "罗大山", LUO_DASHAN, 23000, "正常"])
    ws.append([2, "罗小花", LUO_XIAOHUA, 800, "未参保"])
    ws.append([3, "某某", NOBODY, 50000, "正常"])
    ws.append([4, "陈某", ZHANG_SAN, "约一万", "正常"])
    ws.append([5, "赵某", 5.20111196805031e17, 30000, "正常"])
    medical.save(lists / "医保.xlsx")
    housing = openpyxl.Workbook()
    ws = housing.active
    ws.append(["户主姓名", "户主身份证号", "鉴定等级", "鉴定日期"])
    ws.append(["罗大山", LUO_DASHAN, "D", date(2022, 6, 30)])
    ws.append(["张三", ZHANG_SAN, "C级", date(2022, 6, 30)])
    ws.append(["王建", WANG_JIAN_15, "Ｃ", date(2022, 6, 30)])     # a full-width C, as an input method types it
    housing.save(lists / "住建.xlsx")
    (lists / "民政.csv").write_bytes("\n".join([
        "姓名,身份证号,救助类别,变动类型,变动日期",
        f"罗小花,{LUO_XIAOHUA},低保,取消,2022-07-10",
        f"李四,{WANG_JIAN},低保,取消,2022-06-01",
    ]).encode("gbk"))
    return {"ledgers": ledgers, "lists": lists, "out": tmp_path / "线索"}


def _files(month_files) -> list[Path]:
    return [month_files["lists"] / n for n in ("医保.xlsx", "住建.xlsx", "民政.csv")]


def _intake(month_files, policy):
    return intake(_files(month_files), [month_files["ledgers"]], policy, load_profiles(policy), (2022, 7),
                  received_on=RECEIVED)


def test_each_matched_person_is_one_clue_with_every_fact(month_files, policy):
    result = _intake(month_files, policy)
    got = [(c.number, c.person.name, c.person.household_id, [(f.department, f.clause) for f in c.facts], c.due)
           for c in result.clues]
    assert got == [
        ("XS-2022-07-0001", "罗大山", "QY-001", [("医保", "Y1"), ("住建", "R6")], DUE),
        ("XS-2022-07-0002", "罗小花", "QY-001", [("医保", "R5"), ("民政", "R7")], DUE),
        ("XS-2022-07-0003", "王建", "QY-003", [("住建", "R6")], DUE),
    ]
    assert result.clues[0].facts[0].says == "年度个人自付医疗费用 23,000 元，达到 10,000 元"
    assert result.clues[2].key == WANG_JIAN                    # the 15-digit number met its 18-digit form


def test_a_fact_the_ledger_already_has_is_not_handed_out_again(month_files, policy):
    result = _intake(month_files, policy)
    assert [(o.person.name, o.fact.department, o.fact.clause) for o in result.already_open] == [("张三", "住建", "R6")]
    assert "QY-002" not in {c.person.household_id for c in result.clues}


def test_rows_that_match_nobody_are_kept_with_their_reason_and_a_cell_that_cannot_be_read_is_said(month_files, policy):
    result = _intake(month_files, policy)
    unmatched = [(u.row.file, u.row.row, u.reason) for u in result.unmatched]
    assert unmatched[0] == ("医保.xlsx", 5, "各乡镇台账中都没有此人")
    assert unmatched[1][:2] == ("医保.xlsx", 7) and "存成了数字" in unmatched[1][2]
    assert len(unmatched) == 2
    assert result.problems == ["医保.xlsx 第 6 行“个人自付费用（元）”：“约一万”无法判断：应为数字，现为文字“约一万”；"
                               "请只填数字（元），不要带单位、逗号或文字（Y1 的规则未判断）",
                               "医保.xlsx 第 7 行：身份证号被存成了数字：Excel 只保留 15 位有效数字，后几位可能已变成 0，"
                               "无法比对，已列入“未匹配”表，请向部门核实"]


def test_the_township_sheet_has_full_ids_and_facts_the_district_register_neither(month_files, tmp_path):
    assert main(["clues", "intake", *map(str, _files(month_files)), "--ledgers", str(month_files["ledgers"]),
                 "--month", "2022-07", "--received", "2022-07-04", "-o", str(month_files["out"])]) == 1
    task = month_files["out"] / "线索交办单-2022-07-青岩镇.xlsx"
    register = month_files["out"] / "线索总台账-2022-07.xlsx"
    rows = CalamineWorkbook.from_path(str(task)).get_sheet_by_name("线索交办单").to_python()
    assert rows[2][:6] == ["序号", "线索编号", "村", "户编号", "姓名", "身份证号"]
    assert rows[3][1:6] == ["XS-2022-07-0001", "龙井村", "QY-001", "罗大山", LUO_DASHAN]
    assert "23,000" in rows[3][7] and rows[3][10] == DUE
    every = " ".join(str(v) for name in CalamineWorkbook.from_path(str(register)).sheet_names
                     for r in CalamineWorkbook.from_path(str(register)).get_sheet_by_name(name).to_python() for v in r)
    for secret in (LUO_DASHAN, LUO_XIAOHUA, WANG_JIAN, NOBODY, "23,000", "23000", "约一万", "未参保", "医疗费用"):
        assert secret not in every, secret
    assert "520111********0113" in every and "R5" in every and "（涉及健康或医保信息，见乡镇交办单）" in every


def _answer(task: Path, answers: dict[str, tuple]) -> None:
    """Fill the feedback columns as a township clerk does: by 线索编号."""
    wb = openpyxl.load_workbook(task)
    ws = wb["线索交办单"]
    header = {c.value: c.column for c in ws[3]}
    for row in range(4, ws.max_row + 1):
        number = ws.cell(row, header["线索编号"]).value
        if number in answers:
            day, conclusion, checker = answers[number]
            ws.cell(row, header["入户核实日期"], day)
            ws.cell(row, header["核实结论"], conclusion)
            ws.cell(row, header["核实人"], checker)
    wb.save(task)


def test_status_counts_on_time_one_day_late_and_overdue(month_files, capsys):
    out = month_files["out"]
    main(["clues", "intake", *map(str, _files(month_files)), "--ledgers", str(month_files["ledgers"]),
          "--month", "2022-07", "--received", "2022-07-04", "-o", str(out)])
    task = out / "线索交办单-2022-07-青岩镇.xlsx"
    _answer(task, {"XS-2022-07-0001": (date(2022, 7, 11), "红", "李干部"),      # the last day: on time
                   "XS-2022-07-0002": (date(2022, 7, 12), "黄", "李干部")})     # one day late
    capsys.readouterr()
    assert main(["clues", "status", str(out), "--as-of", "2022-07-20"]) == 1
    printed = capsys.readouterr().out
    assert "7日内已核实 1，逾期核实 1，逾期未核实 1，待核实 0" in printed
    rows = CalamineWorkbook.from_path(str(out / "线索总台账-2022-07.xlsx")).get_sheet_by_name("线索").to_python()
    states = {r[0]: (r[11], r[12], r[13], r[15]) for r in rows[3:]}
    assert states == {"XS-2022-07-0001": ("7日内已核实", DUE, "红", ""),
                      "XS-2022-07-0002": ("逾期核实", date(2022, 7, 12), "黄", 1.0),
                      "XS-2022-07-0003": ("逾期未核实", "", "", 9.0)}           # 2022-07-20 is 9 days past 07-11
    counts = CalamineWorkbook.from_path(str(out / "线索总台账-2022-07.xlsx")).get_sheet_by_name("统计").to_python()
    assert counts[3][:6] == ["青岩镇", 3.0, 1.0, 1.0, 1.0, 0.0] and counts[3][6:8] == [1.0, 1.0]


def test_a_returned_sheet_with_moved_columns_and_a_typed_over_dropdown(month_files, capsys):
    out = month_files["out"]
    main(["clues", "intake", *map(str, _files(month_files)), "--ledgers", str(month_files["ledgers"]),
          "--month", "2022-07", "--received", "2022-07-04", "-o", str(out)])
    task = out / "线索交办单-2022-07-青岩镇.xlsx"
    _answer(task, {"XS-2022-07-0001": (date(2022, 7, 8), "红色", "李干部"),
                   "XS-2022-07-0002": ("7月9号", "黄", "李干部")})
    wb = openpyxl.load_workbook(task)
    wb["线索交办单"].insert_cols(1)                          # a column added in front: every column moves right
    wb.save(task)
    capsys.readouterr()
    assert main(["clues", "status", str(out), "--as-of", "2022-07-08"]) == 1
    printed = capsys.readouterr().out
    assert "“核实结论”为“红色”，不在下拉列表中（可选：红、黄、绿、无风险、查无此人）" in printed
    assert "第 5 行（XS-2022-07-0002）“入户核实日期”" in printed and "按未核实计" in printed
    assert "7日内已核实 0，逾期核实 0，逾期未核实 0，待核实 3" in printed


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_a_sheet_returned_from_libreoffice_is_read(month_files, capsys, tmp_path):
    from hx_excel.office.libreoffice import recalculate

    out = month_files["out"]
    main(["clues", "intake", *map(str, _files(month_files)), "--ledgers", str(month_files["ledgers"]),
          "--month", "2022-07", "--received", "2022-07-04", "-o", str(out)])
    task = out / "线索交办单-2022-07-青岩镇.xlsx"
    _answer(task, {"XS-2022-07-0003": (date(2022, 7, 5), "绿", "王干部")})
    saved = recalculate([task], tmp_path / "lo")[0]
    shutil.copyfile(saved, task)
    capsys.readouterr()
    assert main(["clues", "status", str(out), "--as-of", "2022-07-06"]) == 0
    assert "7日内已核实 1，逾期核实 0，逾期未核实 0，待核实 2" in capsys.readouterr().out


def test_intake_never_writes_over_a_sheet_the_township_has_answered(month_files):
    out = month_files["out"]
    args = ["clues", "intake", *map(str, _files(month_files)), "--ledgers", str(month_files["ledgers"]),
            "--month", "2022-07", "--received", "2022-07-04", "-o", str(out)]
    main(args)
    task = out / "线索交办单-2022-07-青岩镇.xlsx"
    _answer(task, {"XS-2022-07-0001": (date(2022, 7, 8), "红", "李干部")})
    before = task.read_bytes()
    assert main(args) == 2
    assert task.read_bytes() == before


def test_late_and_overdue_clues_join_the_d7_list_of_the_summary(month_files, tmp_path):
    """After status on 2022-07-20: clue 0002 (罗小花, QY-001) checked one day late and 0003 (王建, QY-003) not checked,
    9 days past its deadline, join D7 (a); 0001 (on time) does not. QY-002 (张三: red, no clue recorded) is the ledger's
    own (a) row, listed once."""
    out = month_files["out"]
    main(["clues", "intake", *map(str, _files(month_files)), "--ledgers", str(month_files["ledgers"]),
          "--month", "2022-07", "--received", "2022-07-04", "-o", str(out)])
    _answer(out / "线索交办单-2022-07-青岩镇.xlsx", {"XS-2022-07-0001": (date(2022, 7, 11), "红", "李干部"),
                                                  "XS-2022-07-0002": (date(2022, 7, 12), "黄", "李干部")})
    main(["clues", "status", str(out), "--as-of", "2022-07-20"])
    report = tmp_path / "月报.xlsx"
    main(["summary", str(month_files["ledgers"]), "--month", "2022-07", "-o", str(report),
          "--clues", str(out / "线索总台账-2022-07.xlsx")])
    rows = CalamineWorkbook.from_path(str(report)).get_sheet_by_name("D7问责清单").to_python()
    found = [(r[3], r[6], r[7], r[9]) for r in rows[2:] if str(r[0]).startswith("(a)")]
    assert [(hid, clause, days) for hid, clause, _, days in found] == [
        ("QY-001", "D1", 1.0), ("QY-002", "D1", ""), ("QY-003", "D1", 20.0)]     # still open: to the month's end
    assert "XS-2022-07-0002（健康或医保部门、民政）逾期核实（2022-07-12 入户核实）" in found[0][2]   # 医保 not named
    assert "XS-2022-07-0003（住建）未在 7 日内入户核实" in found[2][2]


def test_apply_carries_verified_clues_into_the_ledger_once_and_never_over_a_typed_cell(month_files, capsys):
    """0001 (罗大山, 红, checked 2022-07-11) goes onto QY-001's head row (row 4): 线索来源 部门联合筛查, 线索收集日期
    2022-07-04, 入户核实日期 2022-07-11. 0002 (罗小花, the same household, 黄, checked 07-12) finds those cells filled:
    the same channel and date stand, the other check date is reported, not written. 0003 was not checked: not
    carried. A second run changes nothing."""
    out = month_files["out"]
    main(["clues", "intake", *map(str, _files(month_files)), "--ledgers", str(month_files["ledgers"]),
          "--month", "2022-07", "--received", "2022-07-04", "-o", str(out)])
    task = out / "线索交办单-2022-07-青岩镇.xlsx"
    _answer(task, {"XS-2022-07-0001": (date(2022, 7, 11), "红", "李干部"),
                   "XS-2022-07-0002": (date(2022, 7, 12), "黄", "李干部")})
    ledger = month_files["ledgers"] / "青岩镇.xlsx"
    capsys.readouterr()
    assert main(["clues", "apply", str(task), "--into", str(ledger)]) == 1
    printed = capsys.readouterr().out
    assert "XS-2022-07-0002：台账第 4 行“入户核实日期”已填“2022-07-11”，交办单为“2022-07-12”：未改动" in printed
    assert "XS-2022-07-0003：未核实" in printed
    ws = openpyxl.load_workbook(ledger)[SHEET]
    from hx_excel.ledger.schema import column_index
    got = [ws.cell(4, column_index(k)).value for k in ("clue_channel", "clue_on", "household_check_on")]
    assert got[0] == "部门联合筛查" and got[1].date() == RECEIVED and got[2].date() == DUE
    assert ws.cell(5, column_index("clue_on")).value is None         # 罗小花's own row: the household's facts are on the head row
    log = openpyxl.load_workbook(ledger)["导入记录"]
    assert [log.cell(r, 5).value for r in range(2, log.max_row + 1)] == ["线索来源", "线索收集日期", "入户核实日期"]
    before = ledger.read_bytes()
    assert main(["clues", "apply", str(task), "--into", str(ledger)]) == 1     # the same difference, said again
    assert ledger.read_bytes() == before


def test_a_person_found_only_in_the_national_export_gets_a_row_of_their_own(month_files, policy, tmp_path, capsys):
    """罗红 (520403197511047092) stands in the sample national export under 石板镇, 云顶村, household
    520111100000000001, and in no ledger: the housing list's D grade for her becomes a clue for 石板镇; applied to
    石板镇's (empty) ledger, she gets the first formula row, her 户编号 kept as text, 与户主关系 left for the clerk."""
    from importlib.resources import files

    from hx_excel.ledger.schema import FIRST_DATA_ROW, column_index

    housing = month_files["lists"] / "住建.xlsx"
    wb = openpyxl.load_workbook(housing)
    wb.active.append(["罗红", "520403197511047092", "D", date(2022, 6, 30)])
    wb.save(housing)
    export = files("hx_excel.samples") / "国家系统导出-样例.xlsx"
    out = month_files["out"]
    assert main(["clues", "intake", str(housing), "--ledgers", str(month_files["ledgers"]), "--roster", str(export),
                 "--month", "2022-07", "--received", "2022-07-04", "-o", str(out)]) == 0
    task = out / "线索交办单-2022-07-石板镇.xlsx"
    rows = CalamineWorkbook.from_path(str(task)).get_sheet_by_name("线索交办单").to_python()
    assert rows[3][2:6] == ["云顶村", "520111100000000001", "罗红", "520403197511047092"]
    _answer(task, {rows[3][1]: (date(2022, 7, 6), "红", "石干部")})
    ledger = tmp_path / "石板镇.xlsx"
    build_workbook(policy, township="石板镇", villages=("云顶村",), rows=20).save(ledger)
    capsys.readouterr()
    assert main(["clues", "apply", str(task), "--into", str(ledger)]) == 1
    assert "写在第 4 行（请补填与户主关系和户的情况）" in capsys.readouterr().out
    ws = openpyxl.load_workbook(ledger)[SHEET]
    got = {k: ws.cell(FIRST_DATA_ROW, column_index(k)).value for k in
           ("township", "village", "household_id", "name", "relation", "id_number", "clue_channel", "household_check_on")}
    assert got["household_id"] == "520111100000000001" and ws.cell(FIRST_DATA_ROW, column_index("household_id")).data_type == "s"
    assert (got["township"], got["village"], got["name"], got["relation"], got["id_number"], got["clue_channel"]) == \
        ("石板镇", "云顶村", "罗红", None, "520403197511047092", "部门联合筛查")
    assert got["household_check_on"].date() == date(2022, 7, 6)


def _run_intake(month_files, *extra) -> int:
    return main(["clues", "intake", *map(str, _files(month_files)), "--ledgers", str(month_files["ledgers"]),
                 "--month", "2022-07", "--received", "2022-07-04", "-o", str(month_files["out"]), *extra])


def _formulas_in(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    return [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f"]


def test_text_that_looks_like_a_formula_stays_text_in_every_workbook(month_files, capsys):
    """A name typed as =HYPERLINK(…) in a list, and a 核实人 typed as =1+1 in a returned sheet: text in the 总台账 and
    the 交办单, never a live formula (a click would send the row out)."""
    (month_files["lists"] / "民政.csv").write_bytes("\n".join([
        "姓名,身份证号,救助类别,变动类型,变动日期",
        f'"=HYPERLINK(""http://evil.example/"",""点我"")",{NOBODY},低保,取消,2022-07-10',
        f"=1+1,{LUO_XIAOHUA},低保,取消,2022-07-10",
    ]).encode("gbk"))
    _run_intake(month_files)
    out = month_files["out"]
    task = out / "线索交办单-2022-07-青岩镇.xlsx"
    _answer(task, {"XS-2022-07-0001": (date(2022, 7, 8), "红", "=1+1")})
    main(["clues", "status", str(out), "--as-of", "2022-07-08"])
    register = out / "线索总台账-2022-07.xlsx"
    assert _formulas_in(register) == []
    assert _formulas_in(task) == ["线索交办单!N4"]        # only what the clerk herself typed (openpyxl, as Excel, makes it one)
    every = " ".join(str(v) for r in CalamineWorkbook.from_path(str(register)).get_sheet_by_name("未匹配").to_python()
                     for v in r)
    assert '=HYPERLINK("http://evil.example/","点我")' in every


def test_an_answer_is_credited_only_to_the_clue_the_register_gives_that_number(month_files, capsys):
    """A sheet whose row for XS-2022-07-0001 names someone else (an old sheet sent back after a new intake) is not
    counted; nor a number the register does not have."""
    _run_intake(month_files)
    out = month_files["out"]
    task = out / "线索交办单-2022-07-青岩镇.xlsx"
    _answer(task, {"XS-2022-07-0001": (date(2022, 7, 8), "红", "李干部"), "XS-2022-07-0002": (date(2022, 7, 8), "黄", "李干部")})
    wb = openpyxl.load_workbook(task)
    ws = wb["线索交办单"]
    ws["E4"] = "石一"                                  # 姓名 of XS-2022-07-0001
    ws["B5"] = "XS-2022-07-0099"                       # a number the register does not have
    wb.save(task)
    capsys.readouterr()
    assert main(["clues", "status", str(out), "--as-of", "2022-07-08"]) == 1
    printed = capsys.readouterr().out
    assert "XS-2022-07-0001在总台账中是青岩镇QY-001 罗大山，交办单中是青岩镇QY-001 石一" in printed
    assert "XS-2022-07-0099不在线索总台账-2022-07.xlsx中" in printed
    assert "7日内已核实 0" in printed


def test_intake_refuses_a_folder_with_another_townships_answers_and_writes_nothing(month_files, tmp_path):
    _run_intake(month_files)
    out = month_files["out"]
    other = out / "线索交办单-2022-07-石板镇.xlsx"
    shutil.copyfile(out / "线索交办单-2022-07-青岩镇.xlsx", other)
    _answer(other, {"XS-2022-07-0001": (date(2022, 7, 8), "红", "石干部")})
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert _run_intake(month_files) == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_no_ledger_read_means_no_clue_written(month_files, tmp_path, capsys):
    empty = tmp_path / "空文件夹"
    empty.mkdir()
    capsys.readouterr()
    assert main(["clues", "intake", *map(str, _files(month_files)), "--ledgers", str(empty), "--month", "2022-07",
                 "-o", str(month_files["out"])]) == 2
    assert "没有读进任何乡镇台账" in capsys.readouterr().err and not month_files["out"].exists()


def test_a_damaged_register_is_said_with_its_backup(month_files, capsys):
    _run_intake(month_files)
    register = month_files["out"] / "线索总台账-2022-07.xlsx"
    register.write_bytes(register.read_bytes()[:2000])
    capsys.readouterr()
    assert main(["clues", "status", str(month_files["out"])]) == 2
    err = capsys.readouterr().err
    assert "线索总台账-2022-07.xlsx 无法打开" in err and ".bak-" in err and "内部出错" not in err


def test_a_name_that_differs_from_the_ledgers_is_said(month_files, policy):
    wb = openpyxl.load_workbook(month_files["lists"] / "住建.xlsx")
    wb.active["A4"] = "王小建"                            # 王建's row, his old number
    wb.save(month_files["lists"] / "住建.xlsx")
    result = _intake(month_files, policy)
    assert any("姓名“王小建”与 青岩镇.xlsx 第 7 行的“王建”不同" in p for p in result.problems)


def _digest(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize("name, content, said", [
    ("卫健委.xlsx", [["姓名", "证件号", "就诊医院"], ["罗大山", LUO_DASHAN, "某医院"]],
     ["不是已知部门的名单", 'department = "部门简称"', 'recognise = ["就诊医院"]']),
    ("住建-无身份证.xlsx", [["户主姓名", "鉴定等级"], ["罗大山", "D"]], ["找不到身份证号列", "住建.toml"]),
    ("空.xlsx", [], ["是空的"]),
    ("零字节.xlsx", None, ["部门名单 零字节.xlsx"]),
])
def test_a_list_that_cannot_be_taken_in_is_said_and_the_others_still_are(month_files, capsys, name, content, said):
    """An unknown department (with a profile to start from, written from its own headers), no ID column, an empty
    workbook, a 0-byte file: each said with its name and what to do; the other lists are taken in; nothing read is
    changed."""
    path = month_files["lists"] / name
    if content is None:
        path.write_bytes(b"")
    else:
        wb = openpyxl.Workbook()
        for row in content:
            wb.active.append(row)
        wb.save(path)
    before = _digest(month_files["lists"])
    capsys.readouterr()
    code = main(["clues", "intake", *map(str, _files(month_files)), str(path), "--ledgers", str(month_files["ledgers"]),
                 "--month", "2022-07", "-o", str(month_files["out"])])
    out = capsys.readouterr().out
    assert code == 1 and f"{name} 未读取" in out and "Traceback" not in out and "内部出错" not in out
    for text in said:
        assert text in out, text
    assert "交办线索 3 条" in out and "部门部门" not in out
    assert _digest(month_files["lists"]) == before


def test_apply_refuses_a_ledger_open_in_libreoffice(month_files, capsys):
    _run_intake(month_files)
    task = month_files["out"] / "线索交办单-2022-07-青岩镇.xlsx"
    _answer(task, {"XS-2022-07-0001": (date(2022, 7, 8), "红", "李干部")})
    ledger = month_files["ledgers"] / "青岩镇.xlsx"
    (ledger.parent / f".~lock.{ledger.name}#").write_text("李干部,PC,2022-07-08", encoding="utf-8")
    before = ledger.read_bytes()
    capsys.readouterr()
    assert main(["clues", "apply", str(task), "--into", str(ledger)]) == 2
    assert "LibreOffice" in capsys.readouterr().err and ledger.read_bytes() == before


def test_a_list_behind_a_notes_sheet_is_found_and_a_ledger_is_not_taken_for_a_list(month_files, capsys):
    notes_first = month_files["lists"] / "住建-两张表.xlsx"
    wb = openpyxl.load_workbook(month_files["lists"] / "住建.xlsx")
    wb.create_sheet("填报说明", 0)["A1"] = "本表由住建局填报，请勿改动表头"
    wb.save(notes_first)
    ledger = month_files["ledgers"] / "青岩镇.xlsx"
    capsys.readouterr()
    main(["clues", "intake", str(notes_first), str(ledger), "--ledgers", str(month_files["ledgers"]),
          "--month", "2022-07", "-o", str(month_files["out"])])
    out = capsys.readouterr().out
    assert "住建-两张表.xlsx：区住房和城乡建设局名单，3 行，其中线索 3 行" in out
    assert "青岩镇.xlsx 未读取：青岩镇.xlsx 是防贫监测台账，不是部门名单" in out


def test_the_same_list_given_twice_is_read_once_and_a_list_two_profiles_claim_is_refused(month_files, capsys):
    """住建.xlsx given again under another name: read once, said. A sheet with both 病种 (卫健) and 残疾等级 (残联):
    whose facts these are is not guessed."""
    again = month_files["lists"] / "住建-副本.xlsx"
    shutil.copyfile(month_files["lists"] / "住建.xlsx", again)
    both = month_files["lists"] / "卫健残联.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "身份证号", "病种", "残疾等级", "残疾类别"])
    wb.active.append(["罗大山", LUO_DASHAN, "尿毒症", "一级", "肢体"])
    wb.save(both)
    capsys.readouterr()
    main(["clues", "intake", *map(str, _files(month_files)), str(again), str(both), "--ledgers",
          str(month_files["ledgers"]), "--month", "2022-07", "-o", str(month_files["out"])])
    out = capsys.readouterr().out
    assert "住建-副本.xlsx 未读取：与 住建.xlsx 内容完全相同，只读取一次" in out
    assert "卫健残联.xlsx 未读取：卫健残联.xlsx 第 1 行的表头同时像卫健、残联的名单" in out
    assert "交办线索 3 条" in out
