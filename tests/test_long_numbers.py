"""Long digit numbers compared as exact text (issue 20, point 3).

The national 户编号 is a long digit string. Excel's SUMIF/COUNTIF(S) read a digit-only criterion — and the range's
cells — as a number of 15 significant digits, so two households whose numbers share their first 15 digits would be
summed as one in Excel and WPS (wrong 人口数, per-head income, grade) while LibreOffice keeps them apart. No LibreOffice
run can see that bug; what can be tested here is that no formula uses those functions
(tests/test_formula_limits.py, test_no_formula_compares_numbers_through_a_criterion) and that the exact-text
comparison the ledger uses instead gives the right households in a real engine, here. The same pair is typed in
Excel and WPS by docs/windows-excel-checklist.md."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest

from conftest import household, person
from hx_excel.core.id_number import make_valid
from hx_excel.ledger import formulas as f
from hx_excel.ledger.schema import FIRST_DATA_ROW, SHEET, column_index
from hx_excel.ledger.template import build_workbook, refs
from hx_excel.ledger.writer import RowWriter
from hx_excel.office.libreoffice import recalculate
from hx_excel.policy import default_policy

pytestmark = pytest.mark.libreoffice

# two national household numbers of 18 digits, the same up to the last one
FIRST, SECOND = "520111100101000011", "520111100101000012"
# two ID numbers the same in their first 16 characters (one birth date, sequence 121 and 123)
HEAD_A, HEAD_B = make_valid("520111", date(1980, 5, 5), 121), make_valid("520111", date(1980, 5, 5), 123)
DUPLICATE_COLUMN = 200


def test_two_households_whose_numbers_share_15_digits_stay_apart(tmp_path):
    assert FIRST[:17] == SECOND[:17] and HEAD_A[:16] == HEAD_B[:16] and HEAD_A != HEAD_B
    policy = default_policy()
    # worked by hand (2022 line 6,700 yuan a head, R1): A, one person, 5,000 a year: 5,000 a head < 6,700, red.
    # B, two persons, 40,000: 20,000 a head, far above the line and its margin, all else secured: none.
    # Summed as one household (Excel's SUMIF), A would count 3 persons and 1,667 a head.
    a = household([dict(person("甲户主"), id_number=HEAD_A)], household_id=FIRST, annual_net_income=5_000)
    b = household([dict(person("乙户主"), id_number=HEAD_B), person("乙配偶", "配偶", sex="女")],
                  household_id=SECOND, annual_net_income=40_000)
    wb = build_workbook(policy, township="青岩镇", as_of=date(2022, 7, 15), rows=30)
    RowWriter(wb[SHEET]).write([a, b])
    last_row = FIRST_DATA_ROW + 29
    rule = f.duplicate_id(refs(last_row))            # the 身份证号 duplicate format, evaluated as a cell formula
    for row in range(FIRST_DATA_ROW, FIRST_DATA_ROW + 3):
        wb[SHEET].cell(row, DUPLICATE_COLUMN, f"={f.at_row(rule, row)}")
    path = tmp_path / "台账.xlsx"
    wb.save(path)
    [out] = recalculate([path], tmp_path / "recalculated")
    ws = openpyxl.load_workbook(out, data_only=True)[SHEET]

    def shown(row: int, key: str):
        return ws.cell(row, column_index(key)).value
    head_a, head_b = FIRST_DATA_ROW, FIRST_DATA_ROW + 1
    assert [shown(r, "household_id") for r in (head_a, head_b, head_b + 1)] == [FIRST, SECOND, SECOND]
    assert (shown(head_a, "size"), shown(head_a, "income_per_head"), shown(head_a, "grade")) == (1, 5000, "红")
    assert str(shown(head_a, "clauses")).startswith("R1")
    assert (shown(head_b, "size"), shown(head_b, "income_per_head"), shown(head_b, "grade")) == (2, 20000, "无")
    assert [ws.cell(r, DUPLICATE_COLUMN).value for r in (head_a, head_b, head_b + 1)] == [False, False, False]
