"""The one adapter between a workbook open in Excel and the month's operations.

The operations work on a LedgerBook (what the ledger says) and, when they write, on an openpyxl Workbook (`fill_workbook`,
`append_review`: the same functions `hx-excel fill` and `review` run on a file). For a file, `operations.editing` reads
both from disk and saves atomically. For the workbook on screen, this module:

1. reads each sheet it needs in one piece — the used range's values and its formulas, two range reads per sheet,
   whatever the number of rows (never cell by cell; never `expand()`, which stops at the first blank cell);
2. builds from them the LedgerBook (`ledger.book.book_from_grids`) and an in-memory copy of those sheets (`mirror`),
   formulas as formulas, values as values, so the unchanged operation runs on the copy, unsaved edits included;
3. compares the copy with what was read and writes back only what changed (`write_back`): in the tool's columns of
   台账 (computed and filled) one block per column, from the first to the last changed row; in an input column (a
   member row's empty 户编号) one block per run of changed rows, and never over a typed value (refused: a fault of
   ours, not the clerk's); a sheet of the tool's own (待办, 月度研判记录, the result sheet) in one block;
4. writes text as text: every string gets Excel's apostrophe prefix, so "0012", "2022-07" or "=HYPERLINK(…)" stay
   exactly what they were; formulas are written only where the operation wrote a formula.

What it overwrites (a non-empty cell replaced) is listed with its old value, for the result sheet: Excel's undo does
not cover a macro. The workbook is left for the clerk to save.
"""

from __future__ import annotations

from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Iterator

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from hx_excel.files.sheet_cells import DENSE_COLUMNS, DENSE_ROWS
from hx_excel.ledger.cells import trimmed
from hx_excel.ledger.book import Grid, LedgerBook, book_from_grids
from hx_excel.ledger.schema import COLUMNS, SHEET
from hx_excel.ledger.template import PARAMS


_DATA_TYPES = {float: "n", int: "n", bool: "b", datetime: "d", date: "d", str: "s"}   # openpyxl's cell types


class LiveBookError(ValueError):
    """The open workbook cannot be worked on as asked; the message (Chinese) says why and what to do."""


@dataclass
class Overwritten:
    sheet: str
    cell: str
    old: Any
    new: Any


@dataclass
class WriteBack:
    cells: int = 0                                             # cells whose content changed
    blocks: int = 0                                            # range writes made
    sheets: list[str] = field(default_factory=list)            # sheets of the tool's own rewritten or added
    overwritten: list[Overwritten] = field(default_factory=list)


def _two_d(value: Any) -> list[list[Any]]:
    """A range read as rows, whatever xlwings gave for its shape (a single cell comes as a scalar)."""
    if not isinstance(value, (list, tuple)):
        return [[value]]
    if value and not isinstance(value[0], (list, tuple)):
        return [list(value)]
    return [list(row) for row in value]


def excel_text(value: Any) -> Any:
    """A value as written into Excel: text with the apostrophe prefix (kept as typed, never run or converted)."""
    return "'" + value if isinstance(value, str) and value else value


class LiveBook:
    """A workbook open in Excel, through the few calls of xlwings' Book this module uses:
    `sheets` (names, [name], add), `sheet.used_range.last_cell`, `sheet.range((r, c), (r, c))` with `.value`,
    `.formula`, `.options(ndim=2).value`, `.clear_contents()`, `.number_format`, `.column_width`, `.font.bold`,
    and `book.fullname`, `book.app.status_bar`, `book.app.alert`."""

    def __init__(self, book: Any):
        if book is None:
            raise LiveBookError("没有打开的工作簿：请先打开乡镇的台账，再点按钮")
        self.book = book
        self._grids: dict[str, Grid] = {}
        self._mirrored: set[str] = set()

    def reopen(self, book: Any) -> None:
        """The same workbook, opened again (extend closes it to rebuild the file): nothing read before holds."""
        self.book = book
        self._grids.clear()

    # ---- reading ------------------------------------------------------------------------------------------------
    @property
    def path(self) -> Path:
        return Path(self.book.fullname)

    def sheet_names(self) -> list[str]:
        return [sheet.name for sheet in self.book.sheets]

    def grid(self, name: str) -> Grid:
        """The sheet from A1 to its last used cell: values and formulas, two range reads (kept for write_back)."""
        if name not in self._grids:
            sheet = self.book.sheets[name]
            last = sheet.used_range.last_cell
            if last.row > DENSE_ROWS or last.column > DENSE_COLUMNS:
                # a stray value or format far out (Ctrl+↓ and a keystroke) would make this one read of millions of
                # cells: said, with where it is, rather than Excel hanging
                raise LiveBookError(f"“{name}”表的已用区域一直到第 {last.row} 行、第 {last.column} 列（按 Ctrl+End 所到的 "
                                    f"{get_column_letter(last.column)}{last.row}），远在表格之外，多半是那附近误填的字或误设的"
                                    "格式：请找到后删除那些行（或列），再点按钮")
            whole = sheet.range((1, 1), (max(last.row, 1), max(last.column, 1)))
            values = _two_d(whole.options(ndim=2).value)
            texts = _two_d(whole.formula)
            # a formula's text differs from the value it shows; text typed as “=…” shows itself
            formulas = {(r, c): text for r, row in enumerate(texts, start=1) for c, text in enumerate(row)
                        if isinstance(text, str) and text.startswith("=") and _at(values, r, c) != text}
            self._grids[name] = Grid(values, formulas)
        return self._grids[name]

    def ledger(self) -> LedgerBook:
        """The ledger as the operations read it, from the workbook as it is on screen."""
        names = self.sheet_names()
        if SHEET not in names:
            raise LiveBookError(f"当前工作簿“{self.book.name}”中没有“{SHEET}”工作表：请切换到乡镇的防贫监测台账再点按钮"
                                f"（现有：{'、'.join(names[:8]) or '无'}）")
        ledger = self.grid(SHEET)              # first: a 台账 that cannot be read stops before anything else is
        params = self.grid(PARAMS) if PARAMS in names else None
        return book_from_grids(self.path, names, ledger, params,
                               lambda name: self.grid(name).values if name in names else None)

    # ---- the copy the operations write into --------------------------------------------------------------------
    def mirror(self, names: Iterable[str]) -> Workbook:
        """The named sheets (those present) as an openpyxl workbook: each cell's formula, else its value."""
        wb = Workbook()
        wb.remove(wb.active)
        present = self.sheet_names()
        self._mirrored = {name for name in names if name in present}    # write_back compares these, no others
        for name in present:                    # every sheet, in order, so an operation's sheet placement holds
            ws = wb.create_sheet(name)
            if name not in names:
                continue
            grid = self.grid(name)
            cells, formulas = ws._cells, grid.formulas
            for r, row in enumerate(grid.values, start=1):
                for c, value in enumerate(row):
                    formula = formulas.get((r, c)) if formulas else None
                    if formula is None and (value is None or value == ""):
                        continue
                    # cells made directly, holding the very objects read (never cleaned or converted): a cell the
                    # operation did not touch is then told by identity (`_changed_cells`), and 10,000 rows cost seconds
                    cell = Cell(ws, row=r, column=c + 1)
                    if formula is not None:
                        cell._value, cell.data_type = formula, "f"
                    else:
                        cell._value, cell.data_type = value, _DATA_TYPES.get(type(value), "s")
                    cells[(r, c + 1)] = cell
        return wb

    # ---- writing back -------------------------------------------------------------------------------------------
    def write_back(self, mirror: Workbook, ledger: LedgerBook, own_sheets: Iterable[str]) -> WriteBack:
        """Write into Excel what the operation changed in `mirror` (see the module's docstring). Everything is
        checked before the first write: a change the tool may not make stops the run with nothing written."""
        done = WriteBack()
        own = set(own_sheets)
        rebuilt, edited = [], []
        for ws in mirror.worksheets:
            title = ws.title
            if title in own:
                before = self._grids.get(title)
                if before is None or _contents(ws) != _grid_contents(before):
                    rebuilt.append(ws)
            elif title in self._mirrored:
                changed = _changed_cells(self._grids[title], ws)
                if changed:
                    self._refuse_typed(title, changed, ledger)
                    blocks = _blocks(changed, ledger)
                    self._refuse_merged(title, blocks)
                    edited.append((title, changed, blocks))
        for title in self.sheet_names():
            if title in own and title not in mirror.sheetnames:
                raise LiveBookError(f"“{title}”表被操作删除了，但本工具从不删除工作表：请把此情况报给技术人员")
        present = set(self.sheet_names())
        with ExitStack() as unprotected:     # every sheet to write made writable first: a password stops all of it
            for title in [t for t, _, _ in edited] + [ws.title for ws in rebuilt if ws.title in present]:
                unprotected.enter_context(writable(self.book.sheets[title]))
            for title, changed, blocks in edited:
                self._write_cells(title, changed, blocks, done)
            for ws in rebuilt:
                self.replace_sheet(ws.title, ws, after=mirror.sheetnames[:mirror.sheetnames.index(ws.title)], done=done)
        return done

    @staticmethod
    def _refuse_typed(title: str, changed: dict[tuple[int, int], tuple[Any, Any]], ledger: LedgerBook) -> None:
        """Only 台账's computed and filled cells, and its empty cells, are the tool's to write."""
        ours = {p for c, p in zip(COLUMNS, ledger.columns.positions) if p is not None and c.kind != "input"}
        for (row, column), (old, _) in sorted(changed.items()):
            if title == SHEET and (old in (None, "") or (column in ours and row > ledger.columns.header_row)):
                continue
            raise LiveBookError(f"本工具要改写“{title}”表 {get_column_letter(column + 1)}{row} 中填写的内容"
                                f"（“{str(old)[:20]}”），已停止，没有写入任何单元格：请把此情况报给技术人员")

    def _refuse_merged(self, title: str, blocks: list[tuple[int, int, int]]) -> None:
        """Excel refuses a write into part of a merged area: the blocks that touch one are named before anything is
        written (one range read per block)."""
        sheet = self.book.sheets[title]
        merged = [f"{get_column_letter(column + 1)}{first}" + (f":{get_column_letter(column + 1)}{last}" if last > first else "")
                  for column, first, last in blocks
                  if sheet.range((first, column + 1), (last, column + 1)).merge_cells is not False]
        if merged:
            raise LiveBookError(f"“{title}”表 {'、'.join(merged[:5])}{'等' if len(merged) > 5 else ''} 中有合并单元格，本工具要写入"
                                "其中的格，为免写乱，没有改动任何单元格：请取消合并（每行分别填写）后再点按钮")

    def _write_cells(self, title: str, changed: dict[tuple[int, int], tuple[Any, Any]],
                     blocks: list[tuple[int, int, int]], done: WriteBack) -> None:
        grid = self._grids[title]
        sheet = self.book.sheets[title]
        for column, first, last in blocks:
            block = [[_written(changed[(row, column)][1] if (row, column) in changed else _content(grid, row, column))]
                     for row in range(first, last + 1)]
            target = sheet.range((first, column + 1), (last, column + 1))
            target.value = block
            done.blocks += 1
            if any(isinstance(changed.get((r, column), (None, None))[1], (date, datetime)) for r in range(first, last + 1)):
                target.number_format = "yyyy-mm-dd"
                done.blocks += 1
        for (row, column), (old, new) in sorted(changed.items()):
            done.cells += 1
            if old not in (None, ""):
                done.overwritten.append(Overwritten(title, f"{get_column_letter(column + 1)}{row}", old, new))

    def replace_sheet(self, title: str, source: Worksheet, *, after: list[str] | None = None,
                      done: WriteBack | None = None) -> None:
        """A sheet of the tool's own, written whole from `source`: its values in one block, column widths, bold rows
        and date formats; created after the sheets named in `after` (the last of them present) when missing."""
        done = done if done is not None else WriteBack()
        present = self.sheet_names()
        if title in present:
            sheet = self.book.sheets[title]
        else:
            anchor = next((n for n in reversed(after or []) if n in present), present[-1] if present else None)
            sheet = self.book.sheets.add(title, after=self.book.sheets[anchor] if anchor else None)
        with writable(sheet):
            self._fill_sheet(sheet, source, title in present, done)
        done.sheets.append(title)
        self._grids.pop(title, None)

    @staticmethod
    def _fill_sheet(sheet, source: Worksheet, existed: bool, done: WriteBack) -> None:
        if existed:
            sheet.used_range.clear_contents()
            done.blocks += 1
        rows = [[_written(_cell_content(cell)) for cell in row] for row in source.iter_rows()]
        if rows:
            width = max(len(r) for r in rows)
            rows = [r + [None] * (width - len(r)) for r in rows]
            sheet.range((1, 1), (len(rows), width)).value = rows
            done.blocks += 1
            for column in range(1, width + 1):
                dimension = source.column_dimensions.get(get_column_letter(column))
                if dimension is not None and dimension.width:
                    sheet.range((1, column), (len(rows), column)).column_width = dimension.width
                    done.blocks += 1
                sample = [source.cell(r, column) for r in range(3, min(len(rows), 40) + 1)]
                if any(cell.is_date for cell in sample):
                    sheet.range((3, column), (len(rows), column)).number_format = "yyyy-mm-dd"
                    done.blocks += 1
                if any(cell.alignment is not None and cell.alignment.wrap_text for cell in sample):
                    # long text wraps within the column, and Excel makes the rows tall enough for it
                    sheet.range((3, column), (len(rows), column)).wrap_text = True
                    done.blocks += 1
            for r in range(1, min(len(rows), 2) + 1):      # the title and header rows
                if any(source.cell(r, c).font and source.cell(r, c).font.b for c in range(1, width + 1)):
                    sheet.range((r, 1), (r, width)).font.bold = True
                    done.blocks += 1
        _print_setup(sheet, source)

    # ---- the clerk's screen -------------------------------------------------------------------------------------
    def status(self, text: str | None) -> None:
        """The status bar (None gives it back to Excel)."""
        self.book.app.status_bar = text if text else False

    def message(self, text: str, title: str = "防返贫监测") -> None:
        self.book.app.alert(text, title=title)

    def ask_yes(self, text: str, title: str = "防返贫监测") -> bool:
        return str(self.book.app.alert(text, title=title, buttons="yes_no")).lower() == "yes"


# what a protected sheet allows, as Excel's Protection object names it: put back as it was after writing
_ALLOWED = ("AllowFormattingCells", "AllowFormattingColumns", "AllowFormattingRows", "AllowInsertingColumns",
            "AllowInsertingRows", "AllowInsertingHyperlinks", "AllowDeletingColumns", "AllowDeletingRows",
            "AllowSorting", "AllowFiltering", "AllowUsingPivotTables")


@contextmanager
def writable(sheet: Any) -> Iterator[None]:
    """A sheet protected without a password (台账 is, so that computed cells are not typed over) unprotected for the
    tool's writes and protected again with everything it allowed; one with a password is refused, with what to do.
    Excel refuses a macro's write into a locked cell of a protected sheet, as it refuses the clerk's typing."""
    api = sheet.api
    if not api.ProtectContents:
        yield
        return
    allowed = {name: getattr(api.Protection, name) for name in _ALLOWED}
    drawings, scenarios = api.ProtectDrawingObjects, api.ProtectScenarios
    try:
        api.Unprotect()
    except Exception:  # noqa: BLE001 — Excel's COM error for a wrong (here: missing) password
        raise LiveBookError(f"“{sheet.name}”表设置了保护密码，本工具无法写入，没有改动任何单元格：请先撤消工作表保护"
                            "（审阅 → 撤消工作表保护），再点按钮；完成后可重新保护") from None
    try:
        yield
    finally:
        api.Protect(DrawingObjects=drawings, Contents=True, Scenarios=scenarios, **allowed)


XL_PORTRAIT, XL_LANDSCAPE, XL_PAPER_A4 = 1, 2, 9      # Excel's XlPageOrientation and XlPaperSize


def _print_setup(sheet: Any, source: Worksheet) -> None:
    """How the tool's sheet prints (files.pages.a4 on `source`), through Excel's PageSetup: A4, one page wide, the
    title rows on every page, page numbers and the sign-off in the footer. Nothing when `source` sets no page."""
    if not source.page_setup.paperSize:
        return
    setup = sheet.api.PageSetup
    setup.PaperSize = XL_PAPER_A4 if str(source.page_setup.paperSize) == "9" else int(source.page_setup.paperSize)
    setup.Orientation = XL_LANDSCAPE if source.page_setup.orientation == "landscape" else XL_PORTRAIT
    setup.Zoom = False                                  # fit to pages instead of a zoom
    setup.FitToPagesWide = source.page_setup.fitToWidth or 1
    setup.FitToPagesTall = source.page_setup.fitToHeight or False    # 0: as many pages down as needed
    setup.PrintGridlines = bool(source.print_options.gridLines)
    titles = source.print_title_rows
    if titles:
        first, _, last = titles.replace("$", "").partition(":")
        setup.PrintTitleRows = f"${first}:${last or first}"
    footer = source.oddFooter
    setup.CenterFooter = footer.center.text or ""
    left = footer.left.text or ""
    setup.LeftFooter = (f"&{int(footer.left.size)}" if left and footer.left.size else "") + left


def _at(values: list[list[Any]], row: int, column: int) -> Any:
    return values[row - 1][column] if row - 1 < len(values) and column < len(values[row - 1]) else None


def _content(grid: Grid, row: int, column: int) -> Any:
    """A cell as read: its formula, else its value (None beyond the read range)."""
    formula = grid.formulas.get((row, column))
    if formula is not None:
        return _Formula(formula)
    if row - 1 < len(grid.values) and column < len(grid.values[row - 1]):
        value = grid.values[row - 1][column]
        return None if value == "" else value
    return None


class _Formula(str):
    """A formula's text, told apart from text that merely starts with “=”."""


def _cell_content(cell) -> Any:
    if cell.data_type == "f":
        return _Formula(str(cell.value))
    value = cell.value
    return None if value == "" else value


def _written(value: Any) -> Any:
    if isinstance(value, _Formula):
        return str(value)
    return excel_text(value)


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, _Formula) != isinstance(new, _Formula):
        return False
    if isinstance(old, datetime) and not isinstance(new, datetime):
        old = old.date()
    if isinstance(new, datetime) and not isinstance(old, datetime):
        new = new.date()
    if isinstance(old, float) and isinstance(new, (int, float)) and not isinstance(new, bool):
        return old == float(new)
    return old == new


def _changed_cells(grid: Grid, ws: Worksheet) -> dict[tuple[int, int], tuple[Any, Any]]:
    """(row, 0-based column) → (old content, new content) of every cell the operation changed. A cell still holding
    the object `mirror` put there is unchanged (the common case, told without comparing)."""
    changed = {}
    values, formulas = grid.values, grid.formulas
    for (row, column), cell in ws._cells.items():
        held = cell._value
        formula = formulas.get((row, column - 1)) if formulas else None
        if formula is not None:
            if held is formula and cell.data_type == "f":
                continue
        elif row <= len(values) and column <= len(values[row - 1]) and held is values[row - 1][column - 1] \
                and held is not None and cell.data_type != "f":
            continue
        new = _cell_content(cell)
        old = _content(grid, row, column - 1)
        if not _same(old, new):
            changed[(row, column - 1)] = (old, new)
    for r, row_values in enumerate(values, start=1):      # cells the operation emptied
        for c, value in enumerate(row_values):
            if (value not in (None, "") or (r, c) in formulas) and (r, c + 1) not in ws._cells:
                changed[(r, c)] = (_content(grid, r, c), None)
    return changed


def _blocks(changed: dict[tuple[int, int], tuple[Any, Any]], ledger: LedgerBook) -> list[tuple[int, int, int]]:
    """(0-based column, first row, last row) of each range to write: one per tool column of 台账, from its first to
    its last change (its other cells written back as they are); one per run of changed rows in any other column."""
    ours = {p for c, p in zip(COLUMNS, ledger.columns.positions) if p is not None and c.kind != "input"}
    by_column: dict[int, list[int]] = {}
    for row, column in changed:
        by_column.setdefault(column, []).append(row)
    blocks = []
    for column, rows in sorted(by_column.items()):
        rows.sort()
        whole = column in ours and rows[0] > ledger.columns.header_row
        blocks += [(column, first, last) for first, last in ([[rows[0], rows[-1]]] if whole else _runs(rows))]
    return blocks


def _runs(rows: list[int]) -> list[list[int]]:
    runs = [[rows[0], rows[0]]]
    for row in rows[1:]:
        if row == runs[-1][1] + 1:
            runs[-1][1] = row
        else:
            runs.append([row, row])
    return runs


def _contents(ws: Worksheet) -> list[list[Any]]:
    rows = [[_cell_content(c) for c in row] for row in ws.iter_rows()]
    return _trimmed(rows)


def _grid_contents(grid: Grid) -> list[list[Any]]:
    rows = [[_content(grid, r, c) for c in range(len(values))] for r, values in enumerate(grid.values, start=1)]
    return _trimmed(rows)


def _trimmed(rows: list[list[Any]]) -> list[list[Any]]:
    """Rows as compared: dates as dates, whole numbers as floats (as Excel hands them back), then `cells.trimmed`."""
    return trimmed([[v.date() if isinstance(v, datetime) else (float(v) if isinstance(v, int) and not isinstance(v, bool)
                                                                else v) for v in row] for row in rows])
