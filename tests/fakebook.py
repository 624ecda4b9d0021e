"""A stand-in for the few calls of xlwings' Book that `hx_excel.addin.book.LiveBook` makes, backed by a real workbook
on disk (there is no Excel here). It behaves as Excel does where that matters to the adapter:

- a range's values come as Excel hands them to xlwings: numbers as floats, blanks as None, dates as datetimes, the
  value a formula shows (the cached result in the file) — and `.formula` gives the formula, or the constant as text;
- writing a value: text beginning with an apostrophe is stored as the text after it; "=…" becomes a formula; any other
  text that looks like a number becomes a number (as Excel turns a typed "0012" into 12) — so an adapter that forgot
  the apostrophe would be caught;
- every range read and write is counted (`calls`), so a test can hold a button to a fixed number whatever the rows.

`save()` writes the workbook back to disk with openpyxl, for comparison with what the command line writes.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Font

_EPOCH = datetime(1899, 12, 30)


class FakeApp:
    def __init__(self):
        self.calls: Counter[str] = Counter()
        self.status_history: list[Any] = []
        self.alerts: list[str] = []
        self.written: list[tuple[str, int, int]] = []    # (sheet, row, column) of every cell a range write set
        self.answers: list[str] = []          # what the clerk answers to yes/no questions, in order
        self.books = FakeBooks(self)

    @property
    def status_bar(self):
        return self.status_history[-1] if self.status_history else False

    @status_bar.setter
    def status_bar(self, value):
        self.status_history.append(value)

    def alert(self, prompt, title=None, buttons="ok", mode=None, callback=None):
        self.alerts.append(prompt)
        if buttons == "yes_no":
            return self.answers.pop(0) if self.answers else "no"
        return "ok"


class FakeBooks:
    def __init__(self, app: FakeApp):
        self.app, self.open_books = app, []

    @property
    def active(self):
        return self.open_books[-1] if self.open_books else None

    def open(self, path):
        book = FakeBook(path, self.app)
        return book


class FakeBook:
    def __init__(self, path: str | Path, app: FakeApp | None = None):
        self.path = Path(path)
        self.app = app or FakeApp()
        self.wb = openpyxl.load_workbook(self.path)                    # formulas
        cached = openpyxl.load_workbook(self.path, data_only=True)     # what Excel shows for them
        self.cache = {(ws.title, c.row, c.column): c.value for ws in cached.worksheets for row in ws.iter_rows()
                      for c in row if self.wb[ws.title].cell(c.row, c.column).data_type == "f"}
        self.closed = False
        self.app.books.open_books.append(self)

    @property
    def fullname(self) -> str:
        return str(self.path)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def sheets(self) -> "FakeSheets":
        return FakeSheets(self)

    def save(self, path=None):
        self.app.calls["save"] += 1
        self.wb.save(path or self.path)

    def close(self):
        self.closed = True
        self.app.books.open_books.remove(self)


class FakeSheets:
    def __init__(self, book: FakeBook):
        self.book = book

    def __iter__(self):
        return (FakeSheet(self.book, ws) for ws in self.book.wb.worksheets)

    def __len__(self):
        return len(self.book.wb.worksheets)

    def __getitem__(self, key):
        ws = self.book.wb.worksheets[key] if isinstance(key, int) else self.book.wb[key]
        return FakeSheet(self.book, ws)

    def add(self, name, before=None, after=None):
        self.book.app.calls["add_sheet"] += 1
        index = self.book.wb.sheetnames.index(after.name) + 1 if after is not None else len(self.book.wb.worksheets)
        return FakeSheet(self.book, self.book.wb.create_sheet(name, index))


class _Protection:
    """Excel's Protection object, over openpyxl's SheetProtection (whose flags say what is *forbidden*)."""
    _FLAGS = {"AllowFormattingCells": "formatCells", "AllowFormattingColumns": "formatColumns",
              "AllowFormattingRows": "formatRows", "AllowInsertingColumns": "insertColumns",
              "AllowInsertingRows": "insertRows", "AllowInsertingHyperlinks": "insertHyperlinks",
              "AllowDeletingColumns": "deleteColumns", "AllowDeletingRows": "deleteRows", "AllowSorting": "sort",
              "AllowFiltering": "autoFilter", "AllowUsingPivotTables": "pivotTables"}

    def __init__(self, ws):
        self.ws = ws

    def __getattr__(self, name):
        if name in _Protection._FLAGS:
            return not getattr(self.ws.protection, _Protection._FLAGS[name])
        raise AttributeError(name)


class _SheetApi:
    """The few members of Excel's Worksheet object the adapter uses: protection."""

    def __init__(self, sheet: "FakeSheet"):
        self.sheet = sheet
        self.ws = sheet.ws

    @property
    def ProtectContents(self):  # noqa: N802 — Excel's names
        return bool(self.ws.protection.sheet)

    @property
    def Protection(self):  # noqa: N802
        return _Protection(self.ws)

    @property
    def PageSetup(self):  # noqa: N802
        self.sheet.book.app.calls["page_setup"] += 1
        return _PageSetup(self.ws)

    @property
    def ProtectDrawingObjects(self):  # noqa: N802
        return bool(self.ws.protection.objects)

    @property
    def ProtectScenarios(self):  # noqa: N802
        return bool(self.ws.protection.scenarios)

    def Unprotect(self, Password=None):  # noqa: N802, N803
        self.sheet.book.app.calls["unprotect"] += 1
        if self.ws.protection.password and Password is None:
            raise RuntimeError("(-2147352567, 'Exception occurred.', (0, 'Microsoft Excel', 'The password you supplied is not correct.'))")
        self.ws.protection.sheet = False

    def Protect(self, DrawingObjects=True, Contents=True, Scenarios=True, **allowed):  # noqa: N802, N803
        self.sheet.book.app.calls["protect"] += 1
        self.ws.protection.sheet = Contents
        self.ws.protection.objects = DrawingObjects
        self.ws.protection.scenarios = Scenarios
        # as Excel: every Allow… not given is False (forbidden), whatever the sheet allowed before
        for name, flag in _Protection._FLAGS.items():
            setattr(self.ws.protection, flag, not allowed.get(name, False))


class _PageSetup:
    """Excel's PageSetup, over openpyxl's page settings (so that a saved fake workbook prints as Excel would)."""

    def __init__(self, ws):
        object.__setattr__(self, "ws", ws)

    def __setattr__(self, name, value):
        ws = self.ws
        if name == "PaperSize":
            ws.page_setup.paperSize = value
        elif name == "Orientation":
            ws.page_setup.orientation = {1: "portrait", 2: "landscape"}[value]
        elif name == "Zoom":
            ws.sheet_properties.pageSetUpPr.fitToPage = value is False
        elif name == "FitToPagesWide":
            ws.page_setup.fitToWidth = value
        elif name == "FitToPagesTall":
            ws.page_setup.fitToHeight = 0 if value is False else value
        elif name == "PrintGridlines":
            ws.print_options.gridLines = value
        elif name == "PrintTitleRows":
            ws.print_title_rows = value.replace("$", "")
        elif name == "CenterFooter":
            ws.oddFooter.center.text = value or None
        elif name == "LeftFooter":
            size = re.match(r"&(\d+)", value)
            ws.oddFooter.left.text = value[size.end():] if size else value
            ws.oddFooter.left.size = int(size.group(1)) if size else None
        else:
            raise AttributeError(f"PageSetup.{name} is not faked")


class FakeSheet:
    def __init__(self, book: FakeBook, ws):
        self.book, self.ws = book, ws

    @property
    def api(self):
        return _SheetApi(self)

    @property
    def name(self) -> str:
        return self.ws.title

    @property
    def used_range(self) -> "FakeRange":
        self.book.app.calls["used_range"] += 1
        cells = [(r, c) for (r, c), cell in self.ws._cells.items() if cell.value is not None]
        last_row = max((r for r, _ in cells), default=1)
        last_column = max((c for _, c in cells), default=1)
        return FakeRange(self, 1, 1, last_row, last_column)

    def range(self, first, last=None) -> "FakeRange":
        last = last or first
        return FakeRange(self, first[0], first[1], last[0], last[1])


class _Point:
    def __init__(self, row, column):
        self.row, self.column = row, column


class _Font:
    def __init__(self, rng):
        self.rng = rng

    @property
    def bold(self):
        return None

    @bold.setter
    def bold(self, value):
        self.rng.count("write")
        for cell in self.rng.cells():
            cell.font = Font(bold=value)


def _locked(ws, cell) -> bool:
    """Whether Excel would treat the cell as locked: its own style, else its column's, else locked."""
    if cell.has_style:
        return cell.protection.locked
    dimension = ws.column_dimensions.get(cell.column_letter)
    if dimension is not None and dimension.protection is not None:
        return dimension.protection.locked
    return True


class FakeRange:
    def __init__(self, sheet: FakeSheet, r1, c1, r2, c2):
        self.sheet, self.r1, self.c1, self.r2, self.c2 = sheet, r1, c1, r2, c2

    def count(self, kind):
        self.sheet.book.app.calls[kind] += 1
        if kind == "write":
            for m in self.sheet.ws.merged_cells.ranges:       # as Excel: no write into part of a merged area
                overlaps = not (m.max_row < self.r1 or m.min_row > self.r2 or m.max_col < self.c1 or m.min_col > self.c2)
                inside = self.r1 <= m.min_row and m.max_row <= self.r2 and self.c1 <= m.min_col and m.max_col <= self.c2
                if overlaps and not inside:
                    raise RuntimeError(f"Cannot change part of a merged cell ({m.coord})")
        if kind == "write" and self.sheet.ws.protection.sheet:
            locked = [c.coordinate for c in self.cells() if _locked(self.sheet.ws, c)]
            if locked:   # as Excel refuses a macro's write into a locked cell of a protected sheet
                raise RuntimeError(f"The cell or chart you're trying to change is on a protected sheet ({locked[0]})")

    def cells(self):
        return [self.sheet.ws.cell(r, c) for r in range(self.r1, self.r2 + 1) for c in range(self.c1, self.c2 + 1)]

    @property
    def last_cell(self):
        return _Point(self.r2, self.c2)

    def options(self, ndim=None, **_):
        return self

    def _shown(self, cell) -> Any:
        if cell.data_type == "f":
            value = self.sheet.book.cache.get((self.sheet.ws.title, cell.row, cell.column))
        else:
            value = cell.value
        if value == "":
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return float(value)
        if isinstance(value, date) and not isinstance(value, datetime):
            return datetime(value.year, value.month, value.day)
        return value

    def _grid(self, fn):
        ws = self.sheet.ws
        return [[fn(ws.cell(r, c)) for c in range(self.c1, self.c2 + 1)] for r in range(self.r1, self.r2 + 1)]

    @property
    def value(self):
        self.count("read")
        return self._grid(self._shown)

    @value.setter
    def value(self, values):
        self.count("write")
        rows = values if isinstance(values, list) and values and isinstance(values[0], list) else [[values]]
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                self._put(self.sheet.ws.cell(self.r1 + i, self.c1 + j), value)
                self.sheet.book.app.written.append((self.sheet.ws.title, self.r1 + i, self.c1 + j))

    @property
    def formula(self):
        self.count("read")

        def text(cell):
            if cell.data_type == "f":
                return str(cell.value)
            value = cell.value
            if value is None:
                return ""
            if isinstance(value, datetime) or isinstance(value, date):
                day = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
                return str((day - _EPOCH).days)
            if isinstance(value, bool):
                return "TRUE" if value else "FALSE"
            if isinstance(value, float) and value.is_integer():
                return str(int(value))
            return str(value)
        grid = self._grid(text)
        return tuple(tuple(r) for r in grid) if (self.r1, self.c1) != (self.r2, self.c2) else grid[0][0]

    def _put(self, cell, value):
        key = (self.sheet.ws.title, cell.row, cell.column)
        self.sheet.book.cache.pop(key, None)
        if isinstance(value, str):
            if value.startswith("'"):
                cell.value = value[1:]
                cell.data_type = "s"
                return
            if value.startswith("="):
                cell.value = value                 # a formula: Excel would compute it; here its result is unknown
                return
            try:
                cell.value = float(value)          # as Excel: text that reads as a number becomes one
                return
            except ValueError:
                cell.value = value
                cell.data_type = "s"
                return
        if isinstance(value, date) and not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day)
        cell.value = value

    def clear_contents(self):
        self.count("write")
        for cell in self.cells():
            cell.value = None
            self.sheet.book.cache.pop((self.sheet.ws.title, cell.row, cell.column), None)

    @property
    def number_format(self):
        return None

    @number_format.setter
    def number_format(self, value):
        self.count("write")
        for cell in self.cells():
            cell.number_format = value

    @property
    def column_width(self):
        return None

    @column_width.setter
    def column_width(self, value):
        self.count("write")
        for c in range(self.c1, self.c2 + 1):
            self.sheet.ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width = value

    @property
    def font(self):
        return _Font(self)

    @property
    def merge_cells(self):
        """As Excel's MergeCells: True when the range is one merged area, None (Null) when it only touches one."""
        self.count("read")
        touched = [m for m in self.sheet.ws.merged_cells.ranges
                   if not (m.max_row < self.r1 or m.min_row > self.r2 or m.max_col < self.c1 or m.min_col > self.c2)]
        if not touched:
            return False
        whole = len(touched) == 1 and (touched[0].min_row, touched[0].min_col, touched[0].max_row, touched[0].max_col) \
            == (self.r1, self.c1, self.r2, self.c2)
        return True if whole else None

    @property
    def wrap_text(self):
        return None

    @wrap_text.setter
    def wrap_text(self, value):
        self.count("write")
        for cell in self.cells():
            cell.alignment = Alignment(wrap_text=value, vertical="top")



