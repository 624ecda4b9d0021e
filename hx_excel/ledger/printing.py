"""How the 台账 prints: the document's 14 columns of the typed rows, A4 landscape one page wide, the title (township,
month), the sign-off line and the headers on every page, and rows tall enough for their wrapped text.

The print area is a formula (`print_area_formula`): the 14 columns from row 1 down to the last prepared row that names
a person (姓名, 身份证号 or 户编号). Excel and WPS evaluate a print area name when they print, so a row typed there
prints at once, with no hx-excel command, and the prepared rows below it — formula cells showing "", which Excel,
WPS and LibreOffice all count as content — print no pages. No cell uses the name, so it costs typing nothing.

LibreOffice cannot follow it: its xlsx import keeps a print area only when the name is a plain list of absolute
references (oox `FormulaProcessorBase::extractCellRangeList`: any function drops it whole), and it has no print range
that follows the data in its own format either. It then prints the whole sheet, every visible column of every
prepared row. A LibreOffice user prints the typed rows by selecting A1 to the last row's N and printing the selected
cells. (Defining a print range there instead makes LibreOffice save a second `_xlnm.Print_Area` for the sheet beside
this one: a duplicate name, which Excel reports as a damaged file.)
openpyxl drops a formula print area when it loads a workbook: every hx-excel save writes it again (`fit_print_area`).
"""

from __future__ import annotations

import math
import unicodedata
import zipfile
from pathlib import Path
from typing import Iterable
from xml.etree import ElementTree

from openpyxl.utils import quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from hx_excel.ledger import formulas as f
from hx_excel.ledger.schema import (COLUMNS, FIRST_DATA_ROW, HEADER_ROW, INPUT_COLUMNS, OFFICIAL_HEADERS, SHEET,
                                    TITLE_ROW, column_index)
from hx_excel.ledger.schema import column_letter as letter

PRINT_AREA_NAME = "_xlnm.Print_Area"
PRINT_END = "PRINT_END"        # ledgers written before the formula print area: their 序号 turned blue at and below it
LINE_HEIGHT = 14.25            # points per line of 11-point 宋体, as Excel sets a row of it
CELL_PADDING = 1.5             # characters of a column's width that its margins take
OFFICIAL_END = letter(COLUMNS[len(OFFICIAL_HEADERS) - 1].key)               # N
# a row that names a person prints: 姓名, 身份证号 or 户编号 (which also gives it a 序号, formulas.seq). 乡镇, 村 and the
# like, filled down ahead of the typing, do not make a row print.
PRINTED_KEYS = ("name", "id_number", "household_id")
PRINTED_INDEXES = frozenset(column_index(key) for key in PRINTED_KEYS)
SEQ_INDEX = column_index("seq")


def print_area_formula(last_row: int) -> str:
    """The 台账's print area for a ledger prepared down to `last_row`: A1 to N of the last prepared row that names a
    person (row 3, the headers, when none does), evaluated when Excel or WPS prints. SUMPRODUCT(MAX(…*ROW(…))) is the
    last row whose test is true, 0 for none (SUMPRODUCT makes any program take the test row by row); OFFSET sizes the
    area, the usual form of a dynamic print area in Excel. Functions of the project's Excel 2010 list only."""
    sheet = quote_sheetname(SHEET)
    if last_row < FIRST_DATA_ROW:
        return f"{sheet}!$A${TITLE_ROW}:${OFFICIAL_END}${HEADER_ROW}"

    def rows(key: str) -> str:
        return f"{sheet}!${letter(key)}${FIRST_DATA_ROW}:${letter(key)}${last_row}"
    shown = "&".join(rows(key) for key in PRINTED_KEYS)
    last = f"MAX({HEADER_ROW},SUMPRODUCT(MAX((LEN({shown})>0)*ROW({rows(PRINTED_KEYS[0])}))))"
    height = last if TITLE_ROW == 1 else f"{last}-{TITLE_ROW - 1}"
    return f"OFFSET({sheet}!$A${TITLE_ROW},0,0,{height},{len(OFFICIAL_HEADERS)})"


def prepared_last_row(ws: Worksheet) -> int:
    """The last row that carries the formulas (序号's column holds one in each), or HEADER_ROW when none does."""
    last = HEADER_ROW
    for (row, col), cell in ws._cells.items():
        if col == SEQ_INDEX and row > last and cell.data_type == "f":
            last = row
    return last


def last_printed_row(ws: Worksheet, last_row: int | None = None) -> int:
    """The row `print_area_formula` ends at for the cells as they are: the last prepared row with a 姓名, 身份证号 or
    户编号, or HEADER_ROW."""
    last_row = prepared_last_row(ws) if last_row is None else last_row
    last = HEADER_ROW
    for (row, col), cell in ws._cells.items():   # only the cells that exist: no walk over the empty formula rows
        if last < row <= last_row and col in PRINTED_INDEXES and cell.value not in (None, ""):
            last = row
    return last


def fit_print_area(ws: Worksheet, last_row: int | None = None) -> str:
    """Give the 台账 its print area formula (for a ledger prepared down to `last_row`, found in the sheet when not
    given) and repeat the title, sign-off and header rows on every page. Every hx-excel save calls this: openpyxl
    drops the formula when it loads a workbook. Returns the formula."""
    last_row = prepared_last_row(ws) if last_row is None else last_row
    formula = print_area_formula(last_row)
    ws.print_title_rows = f"{TITLE_ROW}:{HEADER_ROW}"
    ws.print_area = None
    ws.defined_names[PRINT_AREA_NAME] = DefinedName(PRINT_AREA_NAME, attr_text=formula)
    if PRINT_END in ws.parent.defined_names:      # an older ledger: nothing above the unprepared rows turns blue now
        ws.parent.defined_names[PRINT_END] = DefinedName(
            PRINT_END, attr_text=f"{quote_sheetname(SHEET)}!$A${max(last_row, HEADER_ROW) + 1}")
    return formula


def print_area_in_file(path: str | Path) -> list[str]:
    """The texts of the 台账's `_xlnm.Print_Area` names as a workbook file holds them (openpyxl drops a formula one
    when loading): one, unless a program wrote a second."""
    with zipfile.ZipFile(path) as book:
        root = ElementTree.fromstring(book.read("xl/workbook.xml"))
    ns = {"m": root.tag[1:].split("}")[0]} if root.tag.startswith("{") else {"m": ""}
    sheets = [s.get("name") for s in root.iterfind("m:sheets/m:sheet", ns)]
    index = str(sheets.index(SHEET))
    return [d.text or "" for d in root.iterfind("m:definedNames/m:definedName", ns)
            if d.get("name") == PRINT_AREA_NAME and d.get("localSheetId") == index]


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
