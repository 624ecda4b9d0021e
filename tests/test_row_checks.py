"""The 行检查 column and the duplicate-number format, recalculated by LibreOffice: what a clerk sees next to a row that
needs fixing. Households stand together with their head first (formulas.HOUSEHOLD_ROWS): the checks say when not."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest

from hx_excel.core.id_number import make_valid
from hx_excel.ledger import formulas as f
from hx_excel.ledger.schema import FIRST_DATA_ROW, SHEET, column_index, column_letter
from hx_excel.ledger.template import build_workbook, refs
from hx_excel.office.libreoffice import recalculate
from hx_excel.policy import default_policy

pytestmark = pytest.mark.libreoffice

HEAD_ID = make_valid("520111", date(1970, 1, 1), 11)
# Same first 15 digits as HEAD_ID: Excel's COUNTIF would call these duplicates (it compares 15 digits as a number).
TWIN_ID = make_valid("520111", date(1970, 1, 1), 13)
assert HEAD_ID[:15] == TWIN_ID[:15] and HEAD_ID != TWIN_ID


def head(household: str, name: str, born: date, seq: int, **more) -> dict:
    return {"household_id": household, "name": name, "relation": "户主", "id_number": make_valid("520111", born, seq),
            "household_type": "脱贫户", "annual_net_income": 30000, "food_clothing_secured": "是", "water_secured": "是",
            "labour": "普通劳动力", **more}


def member(household: str, name: str, relation: str, id_number: str, **more) -> dict:
    return {"household_id": household, "name": name, "relation": relation, "id_number": id_number,
            "labour": "普通劳动力", **more}


ROWS = {
    "head": {**head("A", "户主甲", date(1970, 1, 1), 11), "id_number": HEAD_ID},
    "twin": member("A", "成员乙", "之子", TWIN_ID),
    "duplicate": member("A", "成员丙", "之子", HEAD_ID),
    "bad_checksum": member("A", "成员丁", "之子", HEAD_ID[:17] + "0"),
    "legacy": member("A", "成员戊", "之子", "520111700101123"),
    "wrong_sex": member("A", "成员己", "之女", make_valid("520111", date(2000, 1, 1), 15)),
    # household E: a male head and a male spouse; the head's row says so (it reads its household's rows)
    "same_sex_head": head("E", "户主戌", date(1972, 1, 1), 31),
    "same_sex_spouse": member("E", "成员庚", "配偶", make_valid("520111", date(1971, 1, 1), 17)),
    "no_head": member("B", "成员辛", "之子", make_valid("520111", date(1990, 1, 1), 19)),
    "missing": {"household_id": "C", "relation": "户主", "annual_net_income": "三万", "clue_on": "七月一日"},
    "no_household": {"name": "成员壬", "relation": "之子", "id_number": make_valid("520111", date(1991, 1, 1), 21)},
    # household D typed spouse first: the spouse stands away from its head, the head below its member
    "spouse_first": member("D", "成员癸", "配偶", make_valid("520111", date(1975, 1, 1), 22)),
    "late_head": head("D", "户主丁", date(1974, 1, 1), 25),
    # household F has two heads
    "two_heads": head("F", "户主子", date(1960, 1, 1), 27),
    "second_head": head("F", "户主丑", date(1961, 1, 1), 29),
    # household A again, far from its head
    "stray": member("A", "成员寅", "之孙子", make_valid("520111", date(2015, 1, 1), 33)),
}


@pytest.fixture(scope="module")
def sheet(tmp_path_factory):
    """The recalculated 台账 of ROWS, and the row each name stands on."""
    folder = tmp_path_factory.mktemp("checks")
    wb = build_workbook(default_policy(), as_of=date(2022, 7, 15), rows=40)
    ws = wb[SHEET]
    at = {name: FIRST_DATA_ROW + offset for offset, name in enumerate(ROWS)}
    for name, values in ROWS.items():
        for key, value in values.items():
            ws.cell(at[name], column_index(key), value)
    # the duplicate-number format rule, evaluated as a cell formula in a spare column for each row
    rule = f.duplicate_id(refs(FIRST_DATA_ROW + 39))
    for row in range(FIRST_DATA_ROW, FIRST_DATA_ROW + 40):
        ws.cell(row, 200, f"={f.at_row(rule, row)}")
    wb.save(folder / "checks.xlsx")
    [out] = recalculate([folder / "checks.xlsx"], folder / "out")
    return openpyxl.load_workbook(out, data_only=True)[SHEET], at


@pytest.fixture(scope="module")
def checks(sheet):
    ws, at = sheet
    return {name: ws.cell(row, column_index("row_check")).value or "" for name, row in at.items()}


def test_a_correct_row_has_no_message(checks):
    assert checks["head"] == "" and checks["twin"] == ""


def test_the_same_number_on_two_rows_is_marked_on_both_and_15_equal_digits_are_not(sheet):
    ws, at = sheet
    marked = {name for name, row in at.items() if ws.cell(row, 200).value is True}
    assert marked == {"head", "duplicate"}   # TWIN_ID shares 15 digits with HEAD_ID: not a duplicate
    assert ws.cell(at["head"], 200).value is True and "重复" not in (ws.cell(at["duplicate"], column_index("row_check")).value or "")


def test_the_template_carries_the_duplicate_rule_on_the_id_column():
    wb = build_workbook(default_policy(), rows=10)
    rules = [(str(cf.sqref), rule.formula[0]) for cf in wb[SHEET].conditional_formatting for rule in cf.rules]
    letter = column_letter("id_number")
    assert (f"{letter}{FIRST_DATA_ROW}:{letter}{FIRST_DATA_ROW + 9}",
            f.at_row(f.duplicate_id(refs(FIRST_DATA_ROW + 9)), FIRST_DATA_ROW)) in rules


def test_id_checksum_and_legacy_numbers(checks):
    assert checks["bad_checksum"] == "身份证号有误（位数、出生日期或校验码）"
    assert checks["legacy"] == "身份证号为旧 15 位，请换成 18 位"


def test_relation_against_sex(checks):
    assert checks["wrong_sex"] == "与户主关系与身份证性别不符"
    assert checks["same_sex_head"] == "配偶与户主性别相同" and checks["same_sex_spouse"] == ""


BELOW_HEAD = "不在本户户主行之下：同户各行须相连、户主行在最前（按户编号排序，再把户主行移到本户第一行）"


def test_a_member_away_from_its_head_and_a_head_below_its_members(checks):
    assert checks["no_head"] == BELOW_HEAD           # household B has no head at all
    assert checks["stray"] == BELOW_HEAD             # household A's row far from A
    assert checks["spouse_first"] == BELOW_HEAD
    assert checks["late_head"] == "户主行之上还有本户的行：户主行须在本户第一行"
    assert "户编号未填" in checks["no_household"]


def test_two_heads(checks):
    assert "本户有多名户主" in checks["two_heads"]
    assert "户主行之上还有本户的行" in checks["second_head"]


def test_required_fields_and_text_in_number_and_date_cells(checks):
    message = checks["missing"]
    for part in ("姓名未填", "身份证号未填", "劳动技能未填", "户类型未填", "“家庭年纯收入（元）”不是数字",
                 "吃穿、饮水是否有保障未填", "“线索收集日期”写成了文字"):
        assert part in message, (part, message)


def test_a_household_longer_than_its_window_is_named(tmp_path):
    wb = build_workbook(default_policy(), as_of=date(2022, 7, 15), rows=f.HOUSEHOLD_ROWS + 5)
    ws = wb[SHEET]
    rows = [head("L", "户主", date(1950, 1, 1), 11)] + [
        member("L", f"成员{n}", "之孙子", make_valid("520111", date(2010, 1, 1), 13 + 2 * n)) for n in range(f.HOUSEHOLD_ROWS)]
    for offset, values in enumerate(rows):
        for key, value in values.items():
            ws.cell(FIRST_DATA_ROW + offset, column_index(key), value)
    wb.save(tmp_path / "long.xlsx")
    [out] = recalculate([tmp_path / "long.xlsx"], tmp_path / "out")
    ws = openpyxl.load_workbook(out, data_only=True)[SHEET]
    assert ws.cell(FIRST_DATA_ROW, column_index("row_check")).value == (
        f"本户超过 {f.HOUSEHOLD_ROWS} 行，第 {f.HOUSEHOLD_ROWS + 1} 行起未计入本户（请核对户编号）")
    assert ws.cell(FIRST_DATA_ROW, column_index("size")).value == f.HOUSEHOLD_ROWS
