"""Roster households into a new ledger's rows: validated ones through RowWriter, the others exactly as typed (the
sheet's own checks then show what is wrong with them). Used by `hx-excel generate --roster` and the samples."""

from __future__ import annotations

from datetime import date
from typing import Iterable

from openpyxl.comments import Comment
from openpyxl.worksheet.worksheet import Worksheet

from hx_excel.core.clauses import factor_text
from hx_excel.core.grading import assess
from hx_excel.core.models import Household
from hx_excel.ledger.schema import FIRST_DATA_ROW, column_index
from hx_excel.ledger.writer import RowWriter
from hx_excel.policy import Policy, PolicyError
from hx_excel.roster.read import RosterHousehold


def write_households(ws: Worksheet, items: Iterable[Household | RosterHousehold], policy: Policy, as_of: date | None,
          year: int) -> int:
    """Write households from the first data row: validated ones through RowWriter (household facts on the head
    row, which is made tall enough for the 监测预警因素 the core finds, as the sheet will grade it: in the
    workbook's 核算年度), the others exactly as typed. Returns the next free row."""
    writer = RowWriter(ws)
    row = FIRST_DATA_ROW
    day = as_of or date.today()

    def factors(household: Household) -> str:
        try:
            result = assess(household.model_copy(update={"year": household.year or year}), policy, day)
        except PolicyError:        # a roster year with no income line: the sheet says so in its own cells
            return ""
        return factor_text(result.clause_ids, result.missing, result.grade)

    for item in items:
        household = item.household if isinstance(item, RosterHousehold) else item
        if household is not None:
            given = set().union(*(typed.keys() for typed in item.typed)) if isinstance(item, RosterHousehold) else None
            start, row = row, writer.write([household], start_row=row, factors=factors, only=given)
            for key, text in (item.notes.items() if isinstance(item, RosterHousehold) else ()):
                cell = ws.cell(start, column_index(key))       # household facts stand on the head row, the first
                if cell.value is not None:
                    cell.comment = Comment(text, "hx-excel", width=260, height=70)
            continue
        for values in item.typed:
            writer.write_row(row, values)
            row += 1
    return row
