"""The add-in's worksheet functions, called as Excel calls them through xlwings: numbers as floats, blanks as None, date
cells as datetimes, a range as a list of rows. Compared household by household with the core and with the ledger's own
formulas recalculated by LibreOffice, on the parity corpus (every clause's scenario, generated households, faulty
ones); the ID and day functions on examples worked by hand from GB 11643 and the State Council's holiday notices."""

from __future__ import annotations

import os
import random
import re
from datetime import date, datetime


import pytest
from python_calamine import CalamineWorkbook

from hx_excel.addin import POLICY_VARIABLE
from hx_excel.addin.udfs import (FUNCTIONS, HX_CLAUSES, HX_DUE, HX_GRADE, HX_GRADES, HX_ID_AGE, HX_ID_CHECK, HX_ID_MASK,
                                 HX_ID_SEX, HX_MEASURES, HX_WORKDAY)
from hx_excel.core.grading import assess
from hx_excel.ledger.reader import read_ledger
from hx_excel.ledger.schema import COLUMNS, FIRST_DATA_ROW, HEADER_ROW, SHEET, column_index
from hx_excel.ledger.template import build_workbook
from hx_excel.ledger.writer import RowWriter, person_count
from hx_excel.office.libreoffice import recalculate
from hx_excel.policy import default_policy
from hx_excel.samples.generate import generate_households, scenario_households
from test_ledger_parity import faulty_households

AS_OF = date(2022, 7, 15)
ON = datetime(2022, 7, 15)          # a date cell, as xlwings hands it over
_HID, _GRADE, _CLAUSES, _FACTORS = (column_index(k) - 1 for k in ("household_id", "grade", "clauses", "factors"))
WIDTH = len(COLUMNS)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """(the households as the ledger holds them, by 户编号 — read from the file by the ledger's reader, as the parity
    test does: a generated household has facts no column holds; the sheet's rows as Excel would pass them,
    recalculated by LibreOffice)."""
    policy = default_policy()
    generated = generate_households(400, 20221, policy, AS_OF)
    households = [h for _, h in scenario_households(policy, AS_OF)] + generated + faulty_households(generated, policy)
    wb = build_workbook(policy, township="青岩镇", as_of=AS_OF, rows=person_count(households) + 5)
    RowWriter(wb[SHEET]).write(households)
    folder = tmp_path_factory.mktemp("udfs")
    path = folder / "ledger.xlsx"
    wb.save(path)
    [recalculated] = recalculate([path], folder / "recalculated")
    rows = CalamineWorkbook.from_path(str(recalculated)).get_sheet_by_name(SHEET).to_python(skip_empty_area=False)
    excel_rows = [[None if v == "" else v for v in (list(r) + [None] * WIDTH)[:WIDTH]] for r in rows]
    read = read_ledger(path, policy)
    return {e.household.household_id: e.household for e in read.households}, excel_rows


def blocks(rows):
    """户编号 → its rows (0-based indexes into the sheet), in sheet order."""
    found: dict[str, list[int]] = {}
    for index in range(FIRST_DATA_ROW - 1, len(rows)):
        hid = rows[index][_HID]
        if hid:
            found.setdefault(str(hid), []).append(index)
    return found


pytestmark = pytest.mark.libreoffice


def test_hx_grade_is_the_core_and_the_sheet_for_every_household(corpus):
    households, rows = corpus
    policy = default_policy()
    compared = 0
    for hid, indexes in blocks(rows).items():
        block = [rows[i] for i in indexes]
        got = HX_GRADE(block, None, ON)
        head = next((i for i in indexes if rows[i][column_index("relation") - 1] == "户主"), None)
        sheet_grade = rows[head][_GRADE] if head is not None else None
        heads = sum(1 for i in indexes if rows[i][column_index("relation") - 1] == "户主")
        if heads == 1 and hid in households:
            assert got == assess(households[hid], policy, AS_OF).grade, hid
            assert got == sheet_grade, hid
            compared += 1
        elif heads == 0:
            assert got.startswith("HX_GRADE：") and "户主" in got, got
    assert compared >= 380


def test_hx_clauses_names_the_clauses_the_sheet_shows(corpus):
    households, rows = corpus
    for hid, indexes in list(blocks(rows).items())[:200]:
        block = [rows[i] for i in indexes]
        heads = [i for i in indexes if rows[i][column_index("relation") - 1] == "户主"]
        if len(heads) != 1:
            continue
        text = HX_CLAUSES(block, None, ON)
        if rows[heads[0]][_GRADE] == "待补充":
            assert text == rows[heads[0]][_FACTORS]
        else:
            assert [line.split()[0] for line in text.splitlines()] == (rows[heads[0]][_CLAUSES] or "").split(), hid
            # each line is the core's reason, with its figures, once
            assert text.splitlines() == [hit.reason for hit in assess(households[hid], default_policy(), AS_OF).clauses]


def test_columns_in_any_order_with_their_headers(corpus):
    households, rows = corpus
    headers = rows[HEADER_ROW - 1]
    order = list(range(WIDTH))
    random.Random(7).shuffle(order)
    shuffled_headers = [headers[i] for i in order]
    for hid, indexes in list(blocks(rows).items())[:60]:
        block = [rows[i] for i in indexes]
        shuffled = [[row[i] for i in order] for row in block]
        assert HX_GRADE(shuffled, [shuffled_headers], ON) == HX_GRADE(block, None, ON), hid
        assert HX_CLAUSES(shuffled, shuffled_headers, ON) == HX_CLAUSES(block, None, ON)


def test_hx_grades_fills_the_column_in_one_call(corpus):
    households, rows = corpus
    table = rows[HEADER_ROW - 1:]                    # selected from the header row down
    column = HX_GRADES(table, None, ON)
    assert len(column) == len(table) and column[0] == [""]
    relation = column_index("relation") - 1
    heads_per_household = {hid: sum(1 for i in ix if rows[i][relation] == "户主") for hid, ix in blocks(rows).items()}
    for offset, (got,) in enumerate(column[1:], start=HEADER_ROW):
        row = rows[offset]
        if row[relation] == "户主" and heads_per_household.get(str(row[_HID])) == 1:
            assert got == row[_GRADE], offset + 1
        elif row[relation] != "户主":
            assert got == "", offset + 1
    # the data rows alone, with the header row given apart: the same column
    assert HX_GRADES(rows[HEADER_ROW:], [rows[HEADER_ROW - 1]], ON) == column[1:]


def scenario_block(label: str) -> list[list]:
    """The 台账 rows of the scenario household where only `label` holds, as Excel passes them (numbers as floats)."""
    policy = default_policy()
    wb = build_workbook(policy, township="青岩镇", as_of=AS_OF, rows=10)
    RowWriter(wb[SHEET]).write([dict(scenario_households(policy, AS_OF))[label]])
    return [[float(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in [c.value for c in row][:WIDTH]]
            for row in wb[SHEET].iter_rows(min_row=FIRST_DATA_ROW, max_row=FIRST_DATA_ROW + 2)]


def test_hx_measures_gives_section_five_for_the_clauses_that_hold():
    block = scenario_block("R3")
    text = HX_MEASURES(block, None, ON)
    # 五(一): 对饮水安全问题 … 落实饮水工程建设，并确保水质及水量达到标准 (the policy's wording of it, clause first)
    assert text.splitlines()[0].startswith("R3 饮水安全保障：落实饮水工程建设")
    assert all(line.split()[0] == "R3" for line in text.splitlines())
    assert HX_GRADE(block, None, ON) == "红"
    assert HX_CLAUSES(block, None, ON) == "R3 饮水不保障"            # the id once, then what holds


def test_a_cell_shows_a_sentence_never_a_traceback():
    two = [["", "", "", "A-1", "甲", "户主"], ["", "", "", "A-2", "乙", "户主"]]
    cases = {
        HX_GRADE: [(None,), ("abc",), (two,), ([[1.0, 2.0]], [["序号", "姓名", "x"]]), ([[None] * WIDTH],),
                   ([[1.0, 2.0, 3.0]], [["序号", "姓名", "身份证号"]])],
        HX_GRADES: [(None,), ([[None]], [["a", "b"]])],
        HX_CLAUSES: [(None,)], HX_MEASURES: [("x",)],
        HX_ID_CHECK: [(None,), (5.20111198005051e17,), ("12345",), (True,)],
        HX_ID_AGE: [(None,), ("11010519491231002X", "昨天"), ("11010519491231002X", datetime(1940, 1, 1))],
        HX_ID_SEX: [(None,), ("abc",)],
        HX_WORKDAY: [("x", 1.0), (ON, "三"), (ON, 1.5), (None, 1.0), (ON, 1e9), (datetime(2150, 1, 1), 1.0)],
        HX_DUE: [("D9", ON), ("D1", None), (None, ON), ("D1", -5.0)],
    }
    for function, calls in cases.items():
        for args in calls:
            got = function(*args)
            assert isinstance(got, str) and re.search(r"[\u4e00-\u9fff]", got), (function.__name__, args, got)
            assert "Traceback" not in got


def test_id_functions_on_the_standards_example():
    # GB 11643-1999's own example: 11010519491231002X, a woman born 1949-12-31
    assert HX_ID_CHECK("11010519491231002X") == ""
    assert HX_ID_CHECK("110105194912310021").startswith("身份证号校验码不符：按前 17 位计算最后一位应为“X”")
    assert "数字" in HX_ID_CHECK(1.10105194912310e17)         # an ID Excel turned into a number: said so
    assert HX_ID_SEX("11010519491231002X") == "女"
    assert HX_ID_AGE("11010519491231002X", ON) == 72
    assert HX_ID_AGE("11010519491231002X", datetime(2022, 12, 31)) == 73     # the birthday itself counts
    assert HX_ID_AGE("11010519491231002X", 44925.0) == 72                    # 2022-12-30 as an Excel serial
    assert HX_ID_MASK("11010519491231002X") == "110105********002X"
    assert HX_ID_MASK(" 1101 0519 4912 3100 2x ") == "110105********002X"
    assert HX_ID_MASK(None) == ""


def test_working_days_know_adjusted_weekends():
    # 国务院办公厅 2024 年部分节假日安排: 国庆 10 月 1—7 日放假，9 月 29 日（星期日）、10 月 12 日（星期六）上班
    assert HX_WORKDAY(datetime(2024, 9, 30), 1.0) == date(2024, 10, 8)
    assert HX_WORKDAY(datetime(2024, 9, 28), 1.0) == date(2024, 9, 29)      # Excel's WORKDAY would say 9-30
    assert HX_WORKDAY(datetime(2024, 10, 11), 1.0) == date(2024, 10, 12)    # a Saturday worked
    assert HX_WORKDAY(datetime(2024, 10, 8), -1.0) == date(2024, 9, 30)
    assert HX_WORKDAY("2024-10-08", 0.0) == date(2024, 10, 8)


def test_due_dates_in_the_policys_day_mode(tmp_path, monkeypatch):
    monkeypatch.delenv(POLICY_VARIABLE, raising=False)
    # calendar days (the shipped policy): D1 7 days, D2 5-day notice counting its first day, D3 10 days, D4 the end of
    # the month after the last visit, D5 six months of stable income
    assert HX_DUE("D1", datetime(2022, 7, 1)) == date(2022, 7, 8)
    assert HX_DUE("D2", datetime(2022, 7, 15)) == date(2022, 7, 19)
    assert HX_DUE("d3 确定联系人", datetime(2022, 7, 20)) == date(2022, 7, 30)
    assert HX_DUE("D4", datetime(2022, 7, 10)) == date(2022, 8, 31)
    assert HX_DUE("D5", datetime(2022, 1, 31)) == date(2022, 7, 31)
    working = tmp_path / "working.toml"
    working.write_text('[deadlines]\nday_mode = "working"\n', encoding="utf-8")
    monkeypatch.setenv(POLICY_VARIABLE, str(working))
    # from Friday 2024-09-27, 7 working days: 9-29 (Sunday worked), 9-30, then 10-8 … 10-11, 10-12 (Saturday worked)
    assert HX_DUE("D1", datetime(2024, 9, 27)) == date(2024, 10, 12)
    monkeypatch.setenv(POLICY_VARIABLE, str(tmp_path / "missing.toml"))
    assert HX_DUE("D1", datetime(2024, 9, 27)).startswith("HX_DUE：") 


def test_every_function_is_named_in_ascii_with_a_chinese_description():
    for function in FUNCTIONS:
        assert re.fullmatch(r"HX_[A-Z_]+", function.__name__)
        assert re.search(r"[\u4e00-\u9fff]", function.__doc__)





def test_arguments_excel_can_pass_that_are_not_ids_are_said_in_chinese():
    for value in (True, datetime(2020, 1, 1), [["a"]], float("nan")):
        for function in (HX_ID_CHECK, HX_ID_MASK, HX_ID_SEX, HX_ID_AGE):
            got = function(value)
            assert "身份证号应是文字" in got and "datetime" not in got and "list" not in got, (function, value, got)
    assert "存成了数字" in HX_ID_MASK(5.20111198005051e17), "a mask of a number would hide that its digits are gone"
    assert HX_DUE("D12", ON).startswith("HX_DUE：step_id“D12”不是") and HX_DUE("D1xyz", ON).startswith("HX_DUE：")
    assert HX_GRADE([[1.0]], []) == "HX_GRADE：headers 为空：请选台账的表头行"


def test_a_year_the_policy_has_no_line_for_is_said_with_what_to_give():
    block = scenario_block("R3")
    got = HX_GRADE(block, None, datetime(2099, 7, 1))
    assert got.startswith("HX_GRADE：政策参数中没有 2099 年的年人均纯收入标准线（已有：2022") and "评估日期" in got
    assert HX_GRADES(block, None, datetime(2099, 7, 1)).startswith("HX_GRADES：政策参数中没有 2099 年")


# ---- gaps a planted-bug pass on udfs.py found ------------------------------------------------------------------------

HEADER = [c.header for c in COLUMNS]       # the template's header row
_RELATION = column_index("relation") - 1


def test_d2_and_d3_count_working_days_in_the_working_mode(tmp_path, monkeypatch):
    working = tmp_path / "working.toml"
    working.write_text('[deadlines]\nday_mode = "working"\n', encoding="utf-8")
    monkeypatch.setenv(POLICY_VARIABLE, str(working))
    # 国务院办公厅 2024 年部分节假日安排: 国庆 10 月 1—7 日放假，9 月 29 日（星期日）、10 月 12 日（星期六）上班; 9 月 28 日（星期六）休息
    # D2, a 5-day notice, its first day counted: from Friday 9-27: 9-27, 9-29, 9-30, 10-08, 10-09 (calendar days: 10-01)
    assert HX_DUE("D2", datetime(2024, 9, 27)) == date(2024, 10, 9)
    # from Monday 9-30: 9-30, 10-08 … 10-11 (calendar days: 10-04)
    assert HX_DUE("D2", datetime(2024, 9, 30)) == date(2024, 10, 11)
    # from Wednesday 10-09: 10-09, 10-10, 10-11, 10-12 (Saturday worked), 10-14 (calendar days: 10-13)
    assert HX_DUE("D2", "2024-10-09") == date(2024, 10, 14)
    # D3, 10 days after entry, the day of entry not counted: from Friday 9-27: 9-29, 9-30, 10-08 … 10-12, 10-14, 10-15,
    # 10-16 (calendar days: 10-07)
    assert HX_DUE("D3", datetime(2024, 9, 27)) == date(2024, 10, 16)
    # from Monday 9-30: 10-08 … 10-12, 10-14 … 10-18 (calendar days: 10-10)
    assert HX_DUE("D3", datetime(2024, 9, 30)) == date(2024, 10, 18)


def test_two_households_in_one_block_are_said_exactly():
    r3, r1, y1 = scenario_block("R3"), scenario_block("R1"), scenario_block("Y1")
    said = "所选的行含 2 户（户编号不同）：请只选一户的行，整表请用 HX_GRADES"
    assert HX_GRADE(r3 + r1, None, ON) == "HX_GRADE：" + said
    assert HX_CLAUSES(r1 + r3, None, ON) == "HX_CLAUSES：" + said
    assert HX_MEASURES(r3 + r1 + y1, None, ON) == "HX_MEASURES：所选的行含 3 户（户编号不同）：请只选一户的行，整表请用 HX_GRADES"
    assert HX_GRADES(r3 + r1, None, ON) == [["红"], [""], [""], ["红"], [""], [""]]


def test_headers_narrower_than_the_template():
    """Only the columns typed in (no computed column), in another order, and one of the clerk's own: the columns the
    headers lack are blank, not a neighbour's value."""
    block = scenario_block("R3")
    typed = [i for i, c in enumerate(COLUMNS) if c.kind == "input"][::-1]
    headers = [COLUMNS[i].header for i in typed] + ["联系电话"]
    rows = [[row[i] for i in typed] + ["13800000000"] for row in block]
    assert len(headers) < WIDTH
    assert HX_GRADE(rows, [headers], ON) == "红"
    assert HX_CLAUSES(rows, headers, ON) == "R3 饮水不保障"
    assert HX_GRADES(rows, [headers], ON) == [["红"], [""], [""]]
    # the header row selected with the rows, no headers given: the same
    assert HX_GRADE([headers] + rows, None, ON) == "红"


def test_a_block_selected_from_its_header_row_down():
    block = scenario_block("R3")
    assert HX_GRADE([HEADER] + block, None, ON) == HX_GRADE(block, None, ON) == "红"
    assert HX_CLAUSES([HEADER] + block, None, ON) == "R3 饮水不保障"
    # the header row selected with the rows says where each column is, in whatever order the sheet has them
    order = list(range(WIDTH))
    random.Random(19).shuffle(order)
    shuffled = [[row[i] for i in order] for row in [HEADER] + block]
    assert HX_GRADE(shuffled, None, ON) == "红"
    assert HX_CLAUSES(shuffled, None, ON) == "R3 饮水不保障"


def test_an_edited_policy_file_is_read_again(tmp_path, monkeypatch):
    named = tmp_path / "参数.toml"
    named.write_text('[deadlines]\nday_mode = "calendar"\n', encoding="utf-8")
    os.utime(named, (1_700_000_000, 1_700_000_000))
    monkeypatch.setenv(POLICY_VARIABLE, str(named))
    one = scenario_block("1p-6700")            # one person, 6700 yuan: exactly the 2022 line, which is not below it
    assert HX_DUE("D1", datetime(2024, 9, 27)) == date(2024, 10, 4)            # 7 calendar days
    assert HX_GRADE(one, None, ON) == "无"
    named.write_text('[deadlines]\nday_mode = "working"\n[income_lines."贵州"]\n2022 = 6800\n', encoding="utf-8")
    os.utime(named, (1_700_000_060, 1_700_000_060))
    # 7 working days from Friday 2024-09-27: 9-29, 9-30, 10-08 … 10-12; and 6700 is below a line of 6800 (R1)
    assert HX_DUE("D1", datetime(2024, 9, 27)) == date(2024, 10, 12)
    assert HX_GRADE(one, None, ON) == "红"


def test_a_date_typed_as_text_with_slashes_or_dashes(monkeypatch):
    monkeypatch.delenv(POLICY_VARIABLE, raising=False)
    assert HX_DUE("D1", "2022/07/15") == HX_DUE("D1", "2022-07-15") == HX_DUE("D1", " 2022/07/15 ") == date(2022, 7, 22)
    assert HX_ID_AGE("11010519491231002X", "2022/12/31") == 73
    assert HX_DUE("D1", "2022/13/01") == "HX_DUE：起算日期“2022/13/01”不是日期：请填 2022-07-15 这样的日期"
    assert HX_DUE("D1", " 2022/02/30 ") == "HX_DUE：起算日期“2022/02/30”不是日期：请填 2022-07-15 这样的日期"
    assert HX_ID_AGE("11010519491231002X", "2022/7/") == "HX_ID_AGE：日期“2022/7/”不是日期：请填 2022-07-15 这样的日期"


def test_a_bad_row_is_named_by_its_place_in_the_selection():
    head, spouse, daughter = scenario_block("R3")
    bad_head = list(head)
    bad_head[_RELATION] = "户主x"          # no head left: the household cannot be built, the cell is what to fix
    said = "“与户主关系”列：“户主x”不在下拉列表中，可能是“户主”；请从下拉列表选择"
    # the head typed in the second row selected
    assert HX_GRADE([spouse, bad_head, daughter], None, ON) == "HX_GRADE：所选的第 2 行" + said
    # with the headers given apart the rows are counted from the first row given
    assert HX_CLAUSES([spouse, bad_head, daughter], [HEADER], ON) == "HX_CLAUSES：所选的第 2 行" + said
    # selected from the header row down, the header row is the selection's first
    assert HX_GRADE([HEADER, spouse, bad_head, daughter], None, ON) == "HX_GRADE：所选的第 3 行" + said
    # no 户编号 on any row: the first row is said, with its column
    blank = [list(row) for row in (head, spouse)]
    for row in blank:
        row[_HID] = None
    assert HX_GRADE(blank, None, ON) == ("HX_GRADE：所选的第 1 行“户编号”列：户编号未填：同一户每行都要填相同的户编号，"
                                         "本行未计入任何户")
