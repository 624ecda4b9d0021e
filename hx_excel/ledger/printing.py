"""How the 台账 prints, the same in Excel, WPS and LibreOffice: the document's 14 columns of the filled rows, A4
landscape one page wide, the title (township, month), the sign-off line and the headers on every page, and rows tall
enough for their wrapped text.

The print area is a fixed range, fitted to the last filled row by every hx-excel write (`fit_print_area`). A formula
print area (OFFSET over the 姓名 column) would follow the typing in Excel, but LibreOffice drops it and prints every
visible column of every formula row: 81 columns, four unreadable pages. A row typed below the fitted area later is
marked in the sheet instead (its 序号 turns blue, from the name `PRINT_END`; 填表说明 says how to widen the area).
"""

from __future__ import annotations

import math
import unicodedata
from typing import Iterable

from openpyxl.utils import quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from hx_excel.ledger import formulas as f
from hx_excel.ledger.schema import (COLUMNS, FIRST_DATA_ROW, HEADER_ROW, INPUT_COLUMNS, INPUT_INDEXES, OFFICIAL_HEADERS,
                                    SHEET, TITLE_ROW)
from hx_excel.ledger.schema import column_letter as letter

PRINT_END = "PRINT_END"        # the first row below the print area (a reference: it moves when rows are inserted)
LINE_HEIGHT = 14.25            # points per line of 11-point 宋体, as Excel sets a row of it
CELL_PADDING = 1.5             # characters of a column's width that its margins take

def last_filled_row(ws: Worksheet) -> int:
    """The last row in which anything was typed (any input column), or HEADER_ROW for an empty ledger. A row left
    blank between filled ones does not end it."""
    last = HEADER_ROW
    for (row, col), cell in ws._cells.items():   # only the cells that exist: no walk over the empty formula rows
        if row > last and col in INPUT_INDEXES and cell.value not in (None, ""):
            last = row
    return last


def print_area(last_row: int) -> str:
    return f"$A${TITLE_ROW}:${letter(COLUMNS[len(OFFICIAL_HEADERS) - 1].key)}${max(last_row, HEADER_ROW)}"


def fit_print_area(ws: Worksheet) -> str:
    """Print the official columns down to the last filled row, with the title, sign-off and header rows on every
    page; point `PRINT_END` at the row below. Returns the area."""
    last = last_filled_row(ws)
    area = print_area(last)
    ws.print_title_rows = f"{TITLE_ROW}:{HEADER_ROW}"
    ws.defined_names.pop("_xlnm.Print_Area", None)
    ws.print_area = area
    ws.parent.defined_names[PRINT_END] = DefinedName(PRINT_END, attr_text=f"{quote_sheetname(SHEET)}!$A${last + 1}")
    return area


def typed_in_row(row: int) -> str:
    """An Excel test that something is typed in `row`'s input cells (formula cells are never counted: COUNTA counts
    the "" a formula shows)."""
    cells = f.Refs(letter, FIRST_DATA_ROW, FIRST_DATA_ROW).cells([c.key for c in INPUT_COLUMNS])
    return f"COUNTA({f.at_row(cells, row)})>0"


def display_width(text: str) -> int:
    """Width in character cells of a column: a Chinese character takes two, as Excel counts column widths."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def lines_needed(text: str, column_width: float) -> int:
    usable = max(1.0, column_width - CELL_PADDING)
    return sum(max(1, math.ceil(display_width(part) / usable)) for part in str(text).split("\n"))


def fit_row_heights(ws: Worksheet, texts: Iterable[tuple[int, str, str]]) -> None:
    """Make each row tall enough for its wrapped texts: (row, column key, text) as the cell will show it, also for a
    formula cell whose result the caller knows (the core's 监测预警因素). A spreadsheet program sizes rows when it
    loads a file, before it has computed any formula: without this a long result overflows into the rows below when
    printed."""
    widths = {c.key: c.width for c in COLUMNS}
    fit_rows(ws, ((row, widths[key], text) for row, key, text in texts if row >= FIRST_DATA_ROW))


def fit_rows(ws: Worksheet, cells: Iterable[tuple[int, float, str]]) -> None:
    """Any sheet's rows made tall enough for their wrapped texts: (row, column width, text). LibreOffice keeps the
    height a file gives a row, so a row left at the default prints its second line cut off."""
    needed: dict[int, int] = {}
    for row, width, text in cells:
        if text:
            needed[row] = max(needed.get(row, 1), lines_needed(text, width))
    for row, lines in needed.items():
        if lines > 1:
            ws.row_dimensions[row].height = round(lines * LINE_HEIGHT, 2)
