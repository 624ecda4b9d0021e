"""Writing households into 台账 rows: input cells only, never a computed cell (those hold the formulas), and text
only ever as text (`cells.put`)."""

from __future__ import annotations

from copy import copy
from typing import Any, Callable, Iterable

from openpyxl.styles import Alignment, Protection
from openpyxl.worksheet.worksheet import Worksheet

from hx_excel.core.models import Household
from hx_excel.ledger import schema
from hx_excel.ledger.cells import put, to_cell
from hx_excel.ledger.printing import fit_row_heights
from hx_excel.ledger.schema import FIRST_DATA_ROW, INPUT_COLUMNS

WRAPPED_INPUTS = tuple(c.key for c in INPUT_COLUMNS if c.wrap)


def household_rows(household: Household) -> list[dict[str, Any]]:
    """One dict per person (schema key → model value): the head's row first, with the household facts (the ledger
    reads a household from its head row down: formulas.HOUSEHOLD_ROWS), then the other members in their order; one
    measure per row."""
    members = household.members or []
    first = next((i for i, m in enumerate(members) if m.relation == "户主"), 0)
    members = members[first:first + 1] + members[:first] + members[first + 1:]
    rows: list[dict[str, Any]] = [{} for _ in members] or [{"relation": "户主"}]
    for column in INPUT_COLUMNS:
        source, _, field = (column.field or "").partition(".")
        if source == "household":
            value = getattr(household, field)
            if column.level == "household":
                rows[0][column.key] = value
            else:
                for row in rows:
                    row[column.key] = value
        elif source == "member":
            for row, member in zip(rows, members):
                row[column.key] = getattr(member, field)
    measure_fields = [(c.key, c.field.partition(".")[2]) for c in INPUT_COLUMNS if c.field.startswith("measure.")]
    for row, measure in zip(rows, household.measures):
        for key, field in measure_fields:
            row[key] = getattr(measure, field)
    extra = household.measures[len(rows):]
    if extra:  # more measures than people: their texts join the last row's
        last = rows[-1]
        last["measure_text"] = "；".join(filter(None, [last.get("measure_text")] + [m.text or m.category for m in extra]))
    return rows


class RowWriter:
    """Writes input cells with the column's number format and unlocked, as the template's empty cells are."""

    def __init__(self, ws: Worksheet):
        self.ws = ws
        self._styles = {}
        prototype = ws.cell(ws.max_row + 1, 1)
        for column in INPUT_COLUMNS:
            dim = ws.column_dimensions[schema.column_letter(column.key)]
            prototype.number_format = dim.number_format or "General"
            prototype.protection = Protection(locked=False)
            prototype.alignment = copy(dim.alignment) if column.wrap else Alignment(vertical="top")
            self._styles[column.key] = copy(prototype._style)
        ws._cells.pop((prototype.row, prototype.column), None)
        self._columns = [(schema.column_index(c.key), c) for c in INPUT_COLUMNS]

    def style_of(self, key: str):
        """A copy of the style an empty prepared cell of input column `key` has (its number format, unlocked)."""
        return copy(self._styles[key])

    def write(self, households: Iterable[Household], start_row: int = FIRST_DATA_ROW, *,
              factors: Callable[[Household], str] | None = None, only: set[str] | None = None) -> int:
        """Write households from `start_row`; return the next free row. `factors` gives the 监测预警因素 the ledger
        will show for a household (the core's `factor_text`): its head row is made tall enough to print it. `only`:
        the columns a roster gave — a fact it did not hold stays blank for the clerk, never the model's default
        (否, 0) as if someone had found it so."""
        row = start_row
        texts: list[tuple[int, str, str]] = []
        for household in households:
            if factors is not None:
                texts.append((row, "factors", factors(household)))
            for values in household_rows(household):
                if only is not None:
                    values = {key: value for key, value in values.items() if key in only}
                self.write_row(row, values)
                texts += [(row, key, str(values[key])) for key in WRAPPED_INPUTS if values.get(key)]
                row += 1
        fit_row_heights(self.ws, texts)
        return row

    def write_row(self, row: int, values: dict[str, Any]) -> None:
        """Write one row's input cells (schema key → model value); blanks are left alone."""
        for index, column in self._columns:
            value = to_cell(column, values.get(column.key))
            if value is not None:
                put(self.ws, row, index, value, style=copy(self._styles[column.key]))


def person_count(households: Iterable[Household]) -> int:
    return sum(max(1, len(h.members)) for h in households)
