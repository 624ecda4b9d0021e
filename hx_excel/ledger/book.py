"""A ledger workbook as the month's operations read it: every column found by its header, typed values and the
values Excel or WPS cached for the formulas, which computed cells still hold their formula, and the settings typed
on 参数. Read-only, and fast: python-calamine reads the cells (about ten times faster than openpyxl), and one pass
over the sheet's XML tells formulas from typed values, which calamine does not report.

Columns are found by their header, folded (spaces, line breaks and full-width brackets do not count), in the first
rows of 台账: a column a clerk added, hid or moved is tolerated and named in a note; only a missing or renamed input
column stops the reading, naming it. The rows handed on (`LedgerBook.rows`) are laid out as `schema.COLUMNS`
whatever the sheet's order, so the reader and the checks work on them unchanged.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from operator import itemgetter
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Container, Iterable, Iterator, Literal

from openpyxl.utils import column_index_from_string, get_column_letter
from python_calamine import CalamineWorkbook

from hx_excel.core.days import FIRST_YEAR, LAST_YEAR, in_range
from hx_excel.files import inputs
from hx_excel.files.inputs import InputFileError
from hx_excel.files.sheet_cells import far_note, read_sheet, sheet_parts
from hx_excel.ledger.cells import filled, text_of
from hx_excel.ledger.reader import LedgerFileError, LedgerRead, read_rows
from hx_excel.ledger.schema import COLUMNS, HEADER_ROW, LAYOUT_VERSION, SHEET, column_index
from hx_excel.ledger.template import PARAM_ROWS, PARAMS, VILLAGE_LIST_HEADER
from hx_excel.policy import Policy

WHAT = "台账文件"
HEADER_SCAN_ROWS = 10          # the header is looked for in this many rows from the top
_FOLD = str.maketrans({"（": "(", "）": ")", "【": "[", "】": "]", "：": ":", "，": ","})
_SPACES = re.compile(r"\s+")


def fold(header: Any) -> str:
    """A header as compared: no spaces or line breaks anywhere, brackets and colons of either width alike."""
    if header is None:
        return ""
    text = header.strftime("%Y-%m-%d") if isinstance(header, (date, datetime)) else str(header)
    return _SPACES.sub("", text.replace("\u3000", " ")).translate(_FOLD)


_SCHEMA_FOLDED = {fold(c.header): i for i, c in enumerate(COLUMNS)}
_INPUT_INDEXES = tuple(i for i, c in enumerate(COLUMNS) if c.kind == "input")   # 0-based, in schema order


def headers(indexes: list[int], shown: int = 4) -> str:
    """Schema columns named for a message: 预警分级、成立条款等."""
    return "、".join(COLUMNS[i].header for i in indexes[:shown]) + ("等" if len(indexes) > shown else "")


def typed(values: tuple[Any, ...]) -> bool:
    """Whether a row laid out as schema.COLUMNS has anything typed in an input column (cached results do not count)."""
    return any(filled(values[i]) for i in _INPUT_INDEXES)


@dataclass(frozen=True)
class ColumnMap:
    """Where each schema column stands on the sheet (0-based; None when absent), read from the header row."""

    header_row: int
    positions: tuple[int | None, ...]
    notes: tuple[str, ...] = ()

    def remapper(self, width: int):
        """Lays a sheet row of `width` cells out as schema.COLUMNS, in one C-level call: give it the row with a None
        appended, which stands for every column the sheet lacks."""
        return itemgetter(*(p if p is not None and p < width else width for p in self.positions))

    def letter(self, key_index: int) -> str:
        position = self.positions[key_index]
        return get_column_letter(position + 1) if position is not None else ""

    @property
    def standard(self) -> bool:
        """Every column in its template place (the workbook can be written to by schema position)."""
        return self.header_row == HEADER_ROW and all(p == i for i, p in enumerate(self.positions))


TEMPLATE_COLUMNS = ColumnMap(HEADER_ROW, tuple(range(len(COLUMNS))))     # every column where the template puts it


def find_columns(top_rows: list[list[Any]], file_name: str, hidden: set[int] = frozenset()) -> ColumnMap:
    """The ColumnMap of a sheet from its first rows; LedgerFileError naming each missing input column."""
    best_row, best = 0, -1
    for number, values in enumerate(top_rows[:HEADER_SCAN_ROWS]):
        hits = sum(1 for v in values if fold(v) in _SCHEMA_FOLDED)
        if hits > best:
            best_row, best = number, hits
    if best < 3:
        raise LedgerFileError(f"{file_name} 的“{SHEET}”表前 {HEADER_SCAN_ROWS} 行中找不到台账的表头（序号、姓名、身份证号……），"
                              "不是本工具的台账。请用 hx-excel generate 生成的台账。")
    headers = top_rows[best_row]
    positions: list[int | None] = [None] * len(COLUMNS)
    extra, twice = [], []
    for position, header in enumerate(headers):
        folded = fold(header)
        if not folded:
            continue
        index = _SCHEMA_FOLDED.get(folded)
        if index is None:
            extra.append(f"{get_column_letter(position + 1)} 列“{str(header).strip()}”")
        elif positions[index] is not None:
            twice.append(f"{get_column_letter(position + 1)} 列“{COLUMNS[index].header}”")
        else:
            positions[index] = position
    missing = [c for c, p in zip(COLUMNS, positions) if p is None and c.kind == "input"]
    if missing:
        names = "、".join(f"“{c.header}”列" for c in missing[:8]) + (f"等 {len(missing)} 列" if len(missing) > 8 else "")
        hint = f"表头中有本工具不认识的列：{'、'.join(extra[:5])}；如果是改了名，请改回原名。" if extra else ""
        raise LedgerFileError(f"{file_name} 的“{SHEET}”表缺少{names}（第 {best_row + 1} 行表头中找不到，可能被改名或删除）。"
                              f"{hint}请把表头改回原样，或用 hx-excel generate 生成的台账。")
    notes = []
    if extra:
        notes.append(f"{file_name}：{'、'.join(extra[:6])}{'等' if len(extra) > 6 else ''}不是台账的列，已保留，未读取")
    if twice:
        notes.append(f"{file_name}：{'、'.join(twice)}与前面的列同名，按前面的列读取")
    moved = [c.header for i, (c, p) in enumerate(zip(COLUMNS, positions)) if p is not None and p != i]
    if moved:
        notes.append(f"{file_name}：{len(moved)} 列不在模板中的位置（如“{moved[0]}”），已按表头读取")
    shown_hidden = [c.header for c, p in zip(COLUMNS, positions) if p in hidden and not c.hidden]
    if shown_hidden:
        notes.append(f"{file_name}：{'、'.join(shown_hidden[:6])}{'等' if len(shown_hidden) > 6 else ''}列被隐藏，已照常读取")
    return ColumnMap(best_row + 1, tuple(positions), tuple(notes))


@dataclass
class LedgerSettings:
    """What 参数 says (labels found in column A, values in B): the township, the sign-off, the assessment date."""

    township: str = ""
    county: str = ""
    reporter: str = ""
    phone: str = ""
    reviewer: str = ""
    year: int | None = None
    as_of: date | None = None          # a fixed 评估日期; None when it is =TODAY() or blank
    villages: tuple[str, ...] = ()
    layout: int = 0                    # 台账版式 (schema.LAYOUT_VERSION when it was made); 0: before the marker
    # formulas typed where 参数 wants text (乡镇, the sign-off, the village list): (row, what it is, formula text)
    typed_formulas: tuple[tuple[int, str, str], ...] = ()


# 参数's rows read back, by the label template.PARAM_ROWS writes in column A (folded, as headers are)
_SETTING_NAMES = {"P_TOWNSHIP": "township", "P_COUNTY": "county", "P_REPORTER": "reporter", "P_PHONE": "phone",
                  "P_REVIEWER": "reviewer", "P_YEAR": "year", "P_ASOF": "as_of", "P_LAYOUT": "layout"}
_SETTING_LABELS = {fold(label): _SETTING_NAMES[name] for name, label, _ in PARAM_ROWS if name in _SETTING_NAMES}


@dataclass
class LedgerBook:
    """One ledger as read. `rows`: (sheet row, values laid out as schema.COLUMNS) of every data row with a value."""

    path: Path
    columns: ColumnMap
    rows: list[tuple[int, tuple[Any, ...]]]
    formulas: "FormulaCells"                  # which computed cells hold a formula
    settings: LedgerSettings
    sheet_names: list[str]
    _workbook: CalamineWorkbook | None = field(default=None, repr=False)
    _data: bytes | None = field(default=None, repr=False)
    typed_formulas: dict[tuple[int, int], str] = field(default_factory=dict)   # (row, input index) → formula text
    _by_row: dict[int, tuple[Any, ...]] | None = field(default=None, repr=False)
    # a live workbook's other sheets as read (addin.book), in place of the file's calamine reader
    _other_sheets: Callable[[str], list[list[Any]] | None] | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def notes(self) -> tuple[str, ...]:
        """What the reader tells about the workbook: columns added, hidden or moved, merged cells, an earlier layout."""
        layout = layout_note(self)
        return self.columns.notes + ((layout,) if layout else ())

    @property
    def has_formulas(self) -> bool:
        """Whether the computed columns hold formulas at all (not an export or a copy pasted as values)."""
        return bool(self.formulas.counts)

    def has_formula(self, row: int, index: int) -> bool:
        return self.formulas.has(row, index)

    def formulas_gone(self) -> dict[int, list[int]]:
        """Sheet row → schema indexes of its computed cells whose formula is gone: typed over or cleared in a row
        that has formulas, or every computed column of a typed row that has none while rows below it do (a row
        inserted by hand). Rows below the last formula row are not counted: they were never prepared."""
        counts = self.formulas.counts
        if not counts:
            return {}
        expected = self.formulas.expected
        gone = {row: sorted(set(expected) - present) for row, present in self.formulas.partial.items()}
        last = max(counts)
        for number, values in self.rows:
            if number < last and number not in counts and typed(values):
                gone[number] = list(expected)
        return {row: indexes for row, indexes in sorted(gone.items()) if indexes}

    def typed_over(self, row: int, indexes: list[int]) -> list[str]:
        """What stands in the computed cells of `row` whose formula is gone, as a clerk reads it: “预警分级”为“绿”."""
        values = self.values_at(row) or ()
        return [f"“{COLUMNS[i].header}”为“{values[i]}”" for i in indexes if i < len(values) and filled(values[i])]

    @property
    def last_formula_row(self) -> int:
        return max(self.formulas.counts, default=0)

    def values_at(self, row: int) -> tuple[Any, ...] | None:
        """The row's cells laid out as schema.COLUMNS (None for a row with nothing in it)."""
        if self._by_row is None:
            self._by_row = dict(self.rows)
        return self._by_row.get(row)

    def read(self, policy: Policy, rows: list[tuple[int, tuple]] | None = None) -> LedgerRead:
        """Households from the typed cells, every faulty cell a Problem (reader.read_rows); of `rows` alone, when
        given (a part of the sheet from reader.in_runs)."""
        return read_rows(self.rows if rows is None else rows, policy)

    def sheet_rows(self, name: str) -> list[list[Any]] | None:
        """Another sheet's cells from A1 (None when the workbook has no such sheet)."""
        if name not in self.sheet_names:
            return None
        if self._other_sheets is not None:
            return self._other_sheets(name)
        if self._workbook is None:
            return None
        try:
            xml = sheet_parts(self._data, (name,)).get(name) if self._data is not None else None
            return read_sheet(self._workbook, name, xml, self._data).rows
        except Exception as exc:  # noqa: BLE001 — a damaged sheet in a file we did not write
            raise LedgerFileError(str(inputs.damaged(self.path, WHAT, exc))) from None


# What read_book looks for of the sheet's formulas: "all" — which computed cells hold theirs and the formulas typed into
# input cells (check, fill and the others report both); "grade" — only the rows whose 预警分级 holds its formula (the
# summary reads one computed cell, the grade a spreadsheet showed: one quick pass, not two); "none" — nothing (clues
# intake reads only who stands where).
Formulas = Literal["all", "grade", "none"]


def read_book(path: str | Path, *, data: bytes | None = None, formulas: Formulas = "all") -> LedgerBook:
    """Read a ledger workbook; LedgerFileError (a Chinese message naming the file) when it is not one we can read.
    `formulas`: what is found of the sheet's formulas (`Formulas`)."""
    path = Path(path)
    try:
        data = inputs.read_bytes(path, WHAT) if data is None else data
        problem = inputs.workbook_problem(data, path, WHAT)
        if problem:
            raise InputFileError(problem)
        try:
            zipfile.ZipFile(io.BytesIO(data)).close()   # a cut-off file: said as such, not as calamine's fault
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
            names = list(workbook.sheet_names)
        except Exception as exc:  # noqa: BLE001 — any fault inside a file we did not write means "damaged"
            raise inputs.damaged(path, WHAT, exc) from None
        if SHEET not in names:
            raise LedgerFileError(f"{path.name} 中没有“{SHEET}”工作表，不是防贫监测台账（现有：{'、'.join(names) or '无'}）。"
                                  "请用 hx-excel generate 生成的台账。")
        try:
            parts = sheet_parts(data, (SHEET, PARAMS))
            ledger_xml = parts.get(SHEET, b"")
            # calamine parses on another thread (it lets go of Python's lock) while the formulas are found here,
            # where the template puts its columns: the usual case, checked once the header has been read. (Not in
            # two halves as well: three at once on two cores made the read slower, benchmarks/README.md; nor with
            # the formulas found in a forked copy while the halves are parsed: no faster, measured.)
            with ThreadPoolExecutor(max_workers=1) as pool:
                reading = pool.submit(read_sheet, workbook, SHEET, parts.get(SHEET), data, halves=False)
                as_made = _formula_scan(ledger_xml if formulas != "none" else b"", TEMPLATE_COLUMNS, formulas)
                sheet = reading.result()
        except Exception as exc:  # noqa: BLE001
            raise inputs.damaged(path, WHAT, exc) from None
    except LedgerFileError:
        raise
    except InputFileError as exc:
        raise LedgerFileError(str(exc)) from None
    cells = sheet.rows
    columns = find_columns(cells[:HEADER_SCAN_ROWS], path.name, _hidden_columns(ledger_xml))
    for note in (_merged_note(ledger_xml, columns, path.name), far_note(sheet, SHEET, path.name)):
        if note:
            columns = replace(columns, notes=columns.notes + (note,))
    rows = _data_rows(sheet.numbered(columns.header_row), max((len(r) for r in cells), default=0), columns)
    same_place = (columns.header_row, columns.positions) == (TEMPLATE_COLUMNS.header_row, TEMPLATE_COLUMNS.positions)
    found, typed = as_made if same_place or formulas == "none" else _formula_scan(ledger_xml, columns, formulas)
    settings = _settings(workbook, names, parts.get(PARAMS, b""), data, path.name)
    book = LedgerBook(path, columns, rows, found, settings, names, workbook, data, typed_formulas=typed)
    return book


_BLANK = {"": None}


def _data_rows(numbered: Iterable[tuple[int, list[Any]]], width: int, columns: ColumnMap) -> list[tuple[int, tuple]]:
    """(sheet row, values laid out as schema.COLUMNS) of every row below the header with a value in it. A blank
    cell ("" from calamine) becomes None; each row is done by C-level calls (map, count), not a loop per cell."""
    rows = []
    remap = columns.remapper(width)
    blank = _BLANK.get
    for number, values in numbered:
        cleaned = list(map(blank, values, values))
        if cleaned.count(None) == len(cleaned):
            continue
        cleaned += [None] * (width + 1 - len(cleaned))
        rows.append((number, remap(cleaned)))
    return rows


@dataclass(frozen=True)
class Grid:
    """A sheet as a live workbook hands it over (addin.book): its values from A1 (what Excel shows, formulas' results
    included) and its formulas by (sheet row, 0-based column). The file reader gets the same from calamine and the
    sheet's XML."""

    values: list[list[Any]]
    formulas: dict[tuple[int, int], str]
    hidden_columns: frozenset[int] = frozenset()


def book_from_grids(path: Path, sheet_names: list[str], ledger: Grid, params: Grid | None,
                    other_sheets: Callable[[str], list[list[Any]] | None]) -> LedgerBook:
    """The LedgerBook of a workbook open in Excel, from its sheets as grids: the same columns, rows, formulas and
    settings `read_book` finds in a file."""
    if SHEET not in sheet_names:
        raise LedgerFileError(f"{path.name} 中没有“{SHEET}”工作表，不是防贫监测台账（现有：{'、'.join(sheet_names) or '无'}）。"
                              "请用 hx-excel generate 生成的台账。")
    cells = ledger.values
    columns = find_columns(cells[:HEADER_SCAN_ROWS], path.name, set(ledger.hidden_columns))
    width = max((len(r) for r in cells), default=0)
    numbered = ((number, values) for number, values in enumerate(cells[columns.header_row:], start=columns.header_row + 1))
    rows = _data_rows(numbered, width, columns)
    computed = {p: i for i, (c, p) in enumerate(zip(COLUMNS, columns.positions)) if c.kind == "computed" and p is not None}
    inputs_at = {p: i for i, (c, p) in enumerate(zip(COLUMNS, columns.positions)) if c.kind == "input" and p is not None}
    first = columns.header_row + 1
    below = [(row, column, text) for (row, column), text in ledger.formulas.items() if row >= first]
    formulas = _formula_cells(tuple(sorted(computed.values())), Counter(row for row, _, _ in below),
                              lambda: ((computed.get(column), row) for row, column, _ in below))
    # a formula's text as the file's XML holds it (no leading "="), so messages quote it the same from either reader
    typed_formulas = {(row, inputs_at[column]): text.removeprefix("=") for row, column, text in below
                      if column in inputs_at}
    settings = LedgerSettings()
    if params is not None:
        settings = _settings_from(params.values, {(get_column_letter(c + 1), r): t.removeprefix("=")
                                                  for (r, c), t in params.formulas.items()}, path.name)
    return LedgerBook(path, columns, rows, formulas, settings, list(sheet_names), typed_formulas=typed_formulas,
                      _other_sheets=other_sheets)


# ---- the parts calamine does not tell: formulas and hidden columns ---------------------------------------------

# a cell holding a formula: its reference, then <f> right after the opening tag (Excel writes <f> before <v>). Only
# cells have an r="A1"-style attribute (a row's r holds digits only). findall over the whole sheet: one C loop, about
# 0.2 s for a 10,000-person ledger, where matching every cell and testing each for <f> in Python took 1 s.
_FORMULA_CELL = re.compile(rb' r="([A-Z]{1,3})(\d+)"[^>]*><(?:\w+:)?f\b')
_COL = re.compile(rb'<(?:\w+:)?col\b([^>]*)/?>')
_ATTR = re.compile(rb'(\w+)="([^"]*)"')


def _hidden_columns(xml: bytes) -> set[int]:
    """0-based positions of the columns the sheet hides."""
    head = xml[:xml.find(b"<sheetData")] if b"<sheetData" in xml else b""
    hidden = set()
    for match in _COL.finditer(head):
        attrs = dict(_ATTR.findall(match.group(1)))
        if attrs.get(b"hidden") in (b"1", b"true"):
            hidden.update(range(int(attrs.get(b"min", b"1")) - 1, int(attrs.get(b"max", b"1"))))
    return hidden


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"')


def _merged_note(xml: bytes, columns: ColumnMap, file_name: str) -> str | None:
    """A note naming the merged cells over input columns of data rows: only their first cell holds a value."""
    end = xml.rfind(b"</sheetData>")
    inputs_at = {p: c.header for c, p in zip(COLUMNS, columns.positions) if p is not None and c.kind == "input"}
    areas, headers = [], []
    for match in _MERGE.finditer(xml, max(end, 0)):
        first, top, last, bottom = match.groups()
        if int(bottom) <= columns.header_row:
            continue
        span = range(column_index_from_string(first.decode()) - 1, column_index_from_string(last.decode()))
        covered = [inputs_at[p] for p in span if p in inputs_at]
        if covered:
            areas.append(f"{first.decode()}{int(top)}:{last.decode()}{int(bottom)}")
            headers += [h for h in covered if h not in headers]
    if not areas:
        return None
    return (f"{file_name}：“{SHEET}”表 {'、'.join(areas[:6])}{'等' if len(areas) > 6 else ''} 是合并单元格"
            f"（{'、'.join(headers[:6])}{'等' if len(headers) > 6 else ''}列），只读取合并区域第一格的内容，其余各格按未填读取；"
            "请取消合并，每行分别填写")


@dataclass(frozen=True)
class FormulaCells:
    """Which computed cells of 台账 hold a formula. Counted per row in one pass (a row holding as many formulas as
    there are computed columns is whole); only the other rows are looked at column by column, in a second pass
    made when there are any — so a ledger as generated costs one scan of its XML."""

    expected: tuple[int, ...]                  # schema indexes of the computed columns the sheet has
    counts: dict[int, int]                     # row → formula cells in it (computed columns or not)
    partial: dict[int, frozenset[int]]         # rows that are not whole → the computed indexes holding one

    def has(self, row: int, index: int) -> bool:
        if row in self.partial:
            return index in self.partial[row]
        return row in self.counts and index in self.expected


_FORMULA_ROW = re.compile(rb' r="[A-Z]{1,3}(\d+)"[^>]*><(?:\w+:)?f\b')


_ROW_START = re.compile(rb'<(?:\w+:)?row\b')
_STRETCH = 1 << 20


def _found(pattern: re.Pattern, xml: bytes) -> Iterator:
    """pattern.findall over the sheet, a megabyte of rows at a time: one findall holds Python's lock until it ends,
    and calamine, parsing on other threads meanwhile, needs it to start and to hand its rows over (read_book)."""
    start = 0
    while start < len(xml):
        boundary = _ROW_START.search(xml, start + _STRETCH)
        end = boundary.start() if boundary else len(xml)
        yield from pattern.findall(xml, start, end)
        start = end


def _formula_scan(xml: bytes, columns: ColumnMap, formulas: Formulas = "all"
                  ) -> tuple[FormulaCells, dict[tuple[int, int], str]]:
    """Which computed cells hold a formula, and the formulas typed into input columns, for a sheet laid out as
    `columns`; with `formulas` "grade", only which rows' 预警分级 holds one (and no typed formulas)."""
    if formulas == "grade":
        first = columns.header_row + 1
        rows = [row for row in _grade_formula_rows(xml, columns) if row >= first]
        return FormulaCells((_GRADE_INDEX,), dict.fromkeys(rows, 1), {}), {}
    typed = _input_formulas(xml, columns)
    return _formula_rows(xml, columns, also_odd={row for row, _ in typed}), typed


def _grade_formula_rows(xml: bytes, columns: ColumnMap) -> set[int]:
    """The rows whose 预警分级 cell holds a formula: one expression that starts with the column's own reference, so
    the search skips from one of its cells to the next (a twentieth of a pass tried at every cell)."""
    position = columns.positions[_GRADE_INDEX]
    if position is None:
        return set()
    letter = get_column_letter(position + 1).encode()
    return {int(row) for row in _found(re.compile(rb' r="' + letter + rb'(\d+)"[^>]*><(?:\w+:)?f\b'), xml)}


def _formula_rows(xml: bytes, columns: ColumnMap, also_odd: Container[int] = frozenset()) -> FormulaCells:
    """FormulaCells of the sheet; `also_odd`: rows looked at cell by cell whatever their count (a formula typed into
    an input cell and one typed over in a computed cell add up to a whole row's count)."""
    computed = {get_column_letter(p + 1).encode(): i for i, (c, p) in enumerate(zip(COLUMNS, columns.positions))
                if c.kind == "computed" and p is not None}
    expected = tuple(sorted(computed.values()))
    first = columns.header_row + 1
    counted = _counted(xml, first, len(expected), also_odd)
    if counted is None:
        counts = {int(row): n for row, n in Counter(_found(_FORMULA_ROW, xml)).items() if int(row) >= first}
        return _formula_cells(expected, counts, lambda: (
            (computed.get(letter), int(row)) for letter, row in _found(_FORMULA_CELL, xml)), also_odd)
    counts, odd = counted
    return _formula_cells(expected, counts, lambda: (
        (computed.get(letter), int(row)) for start, stop in odd.values()
        for letter, row in _FORMULA_CELL.findall(xml, start, stop)), also_odd)


_GRADE_INDEX = column_index("grade") - 1
_UNPREFIXED = re.compile(rb'<worksheet\b')               # the sheet's elements named without a prefix
_ROW_NUMBER = re.compile(rb'<row\b[^>]*?\br="(\d+)"')


def _counted(xml: bytes, first: int, whole: int, also_odd: Container[int]
             ) -> tuple[dict[int, int], dict[int, tuple[int, int]]] | None:
    """Row → formula cells in it (rows from `first` on), and where in the XML each row to be looked at cell by cell
    stands: those not holding `whole` formulas, and `also_odd`. Each row's stretch is counted for "<f" by bytes.count,
    half the time of an expression tried at every cell (benchmarks/README.md); a count that is not `whole` is made
    again formula by formula (rich text's <family> starts with "<f" too). None for XML this cannot count: element
    names with a prefix (<x:row>), a row without its number."""
    if not _UNPREFIXED.search(xml, 0, 4096):
        return None
    counts: dict[int, int] = {}
    odd: dict[int, tuple[int, int]] = {}
    find, count = xml.find, xml.count
    start = find(b"<row ")
    while start >= 0:
        end = find(b"<row ", start + 5)
        stop = end if end >= 0 else len(xml)
        n = count(b"<f", start, stop)
        if n:
            match = _ROW_NUMBER.match(xml, start)
            if match is None:
                return None
            row = int(match.group(1))
            if row >= first:
                if n != whole:
                    n = len(_FORMULA_ROW.findall(xml, start, stop))
                if n and (n != whole or row in also_odd):
                    odd[row] = (start, stop)
                if n:
                    counts[row] = n
        start = end
    return counts, odd


def _formula_cells(expected: tuple[int, ...], counts: dict[int, int],
                   cells: Callable[[], Iterable[tuple[int | None, int]]],
                   also_odd: Container[int] = frozenset()) -> FormulaCells:
    """FormulaCells from the formula count of each row and, asked only when some row is not whole (or is in
    `also_odd`), its formula cells as (schema index of its computed column or None, sheet row)."""
    odd = {row for row, n in counts.items() if n != len(expected) or row in also_odd}
    partial: dict[int, set[int]] = {row: set() for row in odd}
    if odd:
        for index, row in cells():
            if row in partial and index is not None:
                partial[row].add(index)
    return FormulaCells(expected, dict(counts), {row: frozenset(found) for row, found in partial.items()})


def _input_formulas(xml: bytes, columns: ColumnMap) -> dict[tuple[int, int], str]:
    """Formulas in the columns a clerk types into, by (sheet row, schema index): their text as written in the file
    ("" for a shared formula's later cells). One pass over the XML that only stops at cells of input columns."""
    inputs_at = {get_column_letter(p + 1).encode(): i for i, (c, p) in enumerate(zip(COLUMNS, columns.positions))
                 if c.kind == "input" and p is not None}
    if not inputs_at or b"<f" not in xml:
        return {}
    pattern = re.compile(rb' r="(' + b"|".join(inputs_at) + rb')(\d+)"[^>]*><(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)<)')
    first = columns.header_row + 1
    found = {}
    for letter, row, text in _found(pattern, xml):
        if int(row) >= first:
            found[(int(row), inputs_at[letter])] = html.unescape(text.decode("utf-8", "replace"))
    return found


def _settings(workbook: CalamineWorkbook, names: list[str], params_xml: bytes, data: bytes,
              file_name: str = "") -> LedgerSettings:
    if PARAMS not in names:
        return LedgerSettings()
    try:
        cells = read_sheet(workbook, PARAMS, params_xml or None, data).rows
    except Exception:  # noqa: BLE001 — settings are optional: a damaged 参数 leaves the defaults
        return LedgerSettings()
    formulas = {(letter.decode(), int(row)): html.unescape(text.decode())
                for letter, row, text in _ANY_FORMULA.findall(params_xml)} if b"<f" in params_xml else {}
    return _settings_from(cells, formulas, file_name)


def _settings_from(cells: list[list[Any]], formulas: dict[tuple[str, int], str], file_name: str) -> LedgerSettings:
    """参数's settings from its cells from A1 and its formulas by (column letter, row)."""
    settings = LedgerSettings()
    with_formula = {row for letter, row in formulas if letter == "B"}
    village_column = None
    for number, values in enumerate(cells[:60], start=1):
        label = fold(values[0]) if values else ""
        key = _SETTING_LABELS.get(label)
        value = values[1] if len(values) > 1 else ""
        if key == "as_of":
            if isinstance(value, str) and value.strip() and number not in with_formula:
                raise LedgerFileError(f"{file_name}：“{PARAMS}”表第 {number} 行的评估日期“{value.strip()}”是文字，不是日期，"
                                      "按哪一天评估无法确定：请改填日期（如 2022-07-15），或 =TODAY() 按当天评估")
            if isinstance(value, (date, datetime)) and number not in with_formula:
                day = value.date() if isinstance(value, datetime) else value
                if not in_range(day):      # a slip such as 9999-12-31: said, never taken (deadlines would overflow)
                    raise LedgerFileError(f"{file_name}：“{PARAMS}”表第 {number} 行的评估日期 {day:%Y-%m-%d} 不在 "
                                          f"{FIRST_YEAR}—{LAST_YEAR} 年之间：请改为实际的评估日期后重试")
                settings.as_of = day
        elif key in ("year", "layout"):
            if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
                setattr(settings, key, int(value))
        elif key:
            setattr(settings, key, text_of(value))
        folded = [fold(v) for v in values]
        if village_column is None and fold(VILLAGE_LIST_HEADER) in folded:
            village_column = folded.index(fold(VILLAGE_LIST_HEADER))
            start = number
    if village_column is not None:
        settings.villages = tuple(t for t in (text_of(r[village_column]) for r in cells[start:start + 40]
                                              if len(r) > village_column) if t)
    # the cells where 参数 wants text typed: a formula there is the clerk's (or a pasted file's), never the template's
    wanted: dict[tuple[str, int], str] = {}
    for number, values in enumerate(cells[:60], start=1):
        label = fold(values[0]) if values else ""
        if _SETTING_LABELS.get(label) in _TEXT_SETTINGS:
            wanted[("B", number)] = str(values[0]).strip()
    if village_column is not None:
        letter = get_column_letter(village_column + 1)
        wanted.update({(letter, n): VILLAGE_LIST_HEADER for n in range(start + 1, start + 41)})
    settings.typed_formulas = tuple((row, wanted[(letter, row)], text)
                                    for (letter, row), text in formulas.items() if (letter, row) in wanted)
    if settings.layout > LAYOUT_VERSION:     # its columns or formulas may mean what this version cannot know
        raise LedgerFileError(f"{file_name} 是更新版本的 hx-excel 生成的台账（台账版式第 {settings.layout} 版），本工具只认识到第 "
                              f"{LAYOUT_VERSION} 版，为免读错，没有读取：请先升级 hx-excel，再处理这本台账")
    return settings


def layout_note(book: "LedgerBook") -> str | None:
    """What to tell about a ledger made by an earlier layout: read by header, and how to bring it up to date."""
    if book.settings.layout >= LAYOUT_VERSION:
        return None
    made = f"第 {book.settings.layout} 版" if book.settings.layout else "没有版式标记，是加标记之前的版式"
    return (f"{book.path.name} 是较早版式生成的台账（{made}），已按表头读取；其中的公式是旧版的，"
            f"运行 hx-excel upgrade {book.path.name} 可升级到当前版式（第 {LAYOUT_VERSION} 版），填写的内容原样搬过去")


_TEXT_SETTINGS = ("township", "county", "reporter", "phone", "reviewer")
_ANY_FORMULA = re.compile(rb' r="([A-Z]{1,3})(\d+)"[^>]*><(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)<)')


