"""The 行检查 column, recalculated by LibreOffice: what a clerk sees next to a row that needs fixing."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest

from hx_excel.core.id_number import make_valid
from hx_excel.ledger.schema import FIRST_DATA_ROW, SHEET, column_index
from hx_excel.ledger.template import build_workbook
from hx_excel.office.libreoffice import recalculate
from hx_excel.policy import default_policy

pytestmark = pytest.mark.libreoffice

HEAD_ID = make_valid("520111", date(1970, 1, 1), 11)
# Same first 15 digits as HEAD_ID: Excel's COUNTIF would call these duplicates (it compares 15 digits as a number).
TWIN_ID = make_valid("520111", date(1970, 1, 1), 13)
assert HEAD_ID[:15] == TWIN_ID[:15] and HEAD_ID != TWIN_ID

HEAD = {"household_id": "A", "name": "户主甲", "relation": "户主", "id_number": HEAD_ID, "household_type": "脱贫户",
        "annual_net_income": 30000, "food_clothing_secured": "是", "water_secured": "是", "labour": "普通劳动力"}
ROWS = {
    "head": HEAD,
    "twin": {"household_id": "A", "name": "成员乙", "relation": "之子", "id_number": TWIN_ID, "labour": "普通劳动力"},
    "duplicate": {"household_id": "A", "name": "成员丙", "relation": "之子", "id_number": HEAD_ID, "labour": "普通劳动力"},
    "bad_checksum": {"household_id": "A", "name": "成员丁", "relation": "之子", "id_number": HEAD_ID[:17] + "0",
                     "labour": "普通劳动力"},
    "legacy": {"household_id": "A", "name": "成员戊", "relation": "之子", "id_number": "520111700101123",
               "labour": "普通劳动力"},
    "wrong_sex": {"household_id": "A", "name": "成员己", "relation": "之女",
                  "id_number": make_valid("520111", date(2000, 1, 1), 15), "labour": "普通劳动力"},
    "same_sex_spouse": {"household_id": "A", "name": "成员庚", "relation": "配偶",
                        "id_number": make_valid("520111", date(1971, 1, 1), 17), "labour": "普通劳动力"},
    "no_head": {"household_id": "B", "name": "成员辛", "relation": "之子",
                "id_number": make_valid("520111", date(1990, 1, 1), 19), "labour": "普通劳动力"},
    "missing": {"household_id": "C", "relation": "户主", "annual_net_income": "三万", "clue_on": "七月一日"},
    "no_household": {"name": "成员壬", "relation": "之子", "id_number": make_valid("520111", date(1991, 1, 1), 21),
                     "labour": "普通劳动力"},
    # household D is typed spouse first: its head is found below, among the head rows (m_head_at's slower path)
    "spouse_first": {"household_id": "D", "name": "成员癸", "relation": "配偶",
                     "id_number": make_valid("520111", date(1975, 1, 1), 22), "labour": "普通劳动力"},
    "late_head": {**HEAD, "household_id": "D", "name": "户主丁", "id_number": make_valid("520111", date(1974, 1, 1), 24)},
}


@pytest.fixture(scope="module")
def checks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("checks")
    wb = build_workbook(default_policy(), as_of=date(2022, 7, 15), rows=20)
    ws = wb[SHEET]
    for offset, values in enumerate(ROWS.values()):
        for key, value in values.items():
            ws.cell(FIRST_DATA_ROW + offset, column_index(key), value)
    wb.save(folder / "checks.xlsx")
    [out] = recalculate([folder / "checks.xlsx"], folder / "out")
    ws = openpyxl.load_workbook(out, data_only=True)[SHEET]
    return {name: ws.cell(FIRST_DATA_ROW + i, column_index("row_check")).value or "" for i, name in enumerate(ROWS)}


def test_a_correct_row_has_no_message(checks):
    assert checks["head"] == ""


def test_ids_sharing_15_digits_are_not_duplicates_but_a_real_duplicate_is(checks):
    assert "重复" not in checks["twin"]
    assert checks["duplicate"] == f"身份证号与第 {FIRST_DATA_ROW} 行重复"


def test_id_checksum_and_legacy_numbers(checks):
    assert checks["bad_checksum"] == "身份证号有误（位数、出生日期或校验码）"
    assert checks["legacy"] == "身份证号为旧 15 位，请换成 18 位"


def test_relation_against_sex(checks):
    assert checks["wrong_sex"] == "与户主关系与身份证性别不符"
    assert checks["same_sex_spouse"] == "配偶与户主性别相同"


def test_member_without_head_and_row_without_household(checks):
    assert checks["no_head"] == "本户没有户主行（户信息填在户主行）"
    assert "户编号未填" in checks["no_household"]


def test_required_fields_and_text_in_number_and_date_cells(checks):
    message = checks["missing"]
    for part in ("姓名未填", "身份证号未填", "劳动技能未填", "户类型未填", "收入或刚性支出不是数字",
                 "吃穿、饮水是否有保障未填", "日期列中有文字"):
        assert part in message, (part, message)


def test_a_head_typed_below_its_members_is_found(checks):
    assert checks["late_head"] == ""
    assert checks["spouse_first"] == "配偶与户主性别相同"


def test_an_id_typed_with_spaces_is_still_found_as_a_duplicate(tmp_path):
    """One untidy ID (P_ID_UNTIDY > 0) makes the sheet compare normalised numbers; the tidy case is the fixture's.
    The spaced number comes first, so only the normalised comparison can find the second row's duplicate."""
    wb = build_workbook(default_policy(), as_of=date(2022, 7, 15), rows=5)
    ws = wb[SHEET]
    spaced = f"{HEAD_ID[:6]} {HEAD_ID[6:14]} {HEAD_ID[14:]}"
    for offset, values in enumerate(({**HEAD, "id_number": spaced}, ROWS["duplicate"])):
        for key, value in values.items():
            ws.cell(FIRST_DATA_ROW + offset, column_index(key), value)
    wb.save(tmp_path / "spaced.xlsx")
    [out] = recalculate([tmp_path / "spaced.xlsx"], tmp_path / "out")
    ws = openpyxl.load_workbook(out, data_only=True)[SHEET]
    assert ws.cell(FIRST_DATA_ROW, column_index("row_check")).value in (None, "")
    assert ws.cell(FIRST_DATA_ROW + 1, column_index("row_check")).value == f"身份证号与第 {FIRST_DATA_ROW} 行重复"
