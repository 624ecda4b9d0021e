"""The rows of a roster file as they stand: CSV (UTF-8, UTF-8 with BOM, UTF-16 with BOM, or the GBK that Excel's
"CSV (逗号分隔)" writes on a Chinese Windows; comma or tab separated), or a sheet of an .xlsx, of the legacy .xls that
the national monitoring system exports, of an .ods or an .xlsb (all through python-calamine)."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine

from hx_excel.files.inputs import CFB_MAGIC, ENCRYPTED_STREAM, ZIP_MAGIC, damaged, read_bytes, workbook_problem
from hx_excel.files.sheet_cells import put_error_values, read_sheet, sheet_parts
from hx_excel.files.text import MAX_CELL_CHARS
from hx_excel.ledger.schema import SHEET
from hx_excel.roster.mapping import RosterError

WHAT = "名单文件"
# A CSV field may be longer than Excel allows, so that it is reported as too long instead of failing the read.
csv.field_size_limit(max(csv.field_size_limit(), 4 * MAX_CELL_CHARS))


@dataclass
class RosterSource:
    name: str
    sheet: str | None                          # the sheet read, for a workbook
    # (row number, cell values) of the non-blank rows, as the file holds them: a blank cell is None or "" (CSV and
    # calamine give ""), a whole number may be a float (3.0: calamine's numbers are floats) — read.py takes both
    rows: list[tuple[int, Any]]
    other_sheets: list[str] = field(default_factory=list)   # the workbook's sheets not read


def read_source(path: str | Path, sheet: str | None = None) -> RosterSource:
    path = Path(path)
    data = read_bytes(path, WHAT)
    kind = _workbook_kind(data, path)
    if kind is None:
        if sheet is not None:
            raise RosterError(f"对照表写了 sheet = “{sheet}”，但名单 {path.name} 是 CSV 文本文件，没有工作表。请删去 sheet 一行。")
        return RosterSource(path.name, None, _kept(_csv_rows(data, path.name)))
    reader = _xlsx_rows if kind == "xlsx" else _calamine_rows
    wb, names, visible = _open(path, data, kind)
    if sheet is not None or SHEET in names:
        chosen = _choose_sheet(names, sheet, path)
        return RosterSource(path.name, chosen, _kept(reader(path, data, wb, chosen)), [n for n in names if n != chosen])
    # no sheet named: the first visible sheet with anything in it (a cover sheet of notes may come first, empty or
    # hidden sheets are passed over); the header search then says which sheet it read
    for chosen in visible or names[:1]:
        kept = _kept(reader(path, data, wb, chosen))
        if kept:
            break
    return RosterSource(path.name, chosen, kept, [n for n in names if n != chosen])


def _kept(numbered) -> list[tuple[int, Any]]:
    return [(n, r) for n, r in numbered if any(v is not None and str(v).strip() for v in r)]


def _open(path: Path, data: bytes, kind: str):
    """The calamine workbook, its sheet names, and those of its visible worksheets."""
    if kind == "xlsx":
        problem = workbook_problem(data, path, WHAT)
        if problem:
            raise RosterError(f"{problem}也可把名单另存为 CSV 文件。")
    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(wb.sheet_names)
        visible = [m.name for m in wb.sheets_metadata if m.visible == python_calamine.SheetVisibleEnum.Visible
                   and m.typ == python_calamine.SheetTypeEnum.WorkSheet]
    except Exception as exc:  # noqa: BLE001 — any fault inside a file we did not write means "damaged"
        raise RosterError(f"{damaged(path, WHAT, exc)}也可把名单另存为 CSV 文件。") from None
    if not names:
        raise RosterError(f"名单 {path.name} 中没有工作表。")
    return wb, names, visible


def _workbook_kind(data: bytes, path: Path) -> str | None:
    """"xlsx", "legacy" (.xls, .ods, .xlsb) or None (text: CSV)."""
    if data.startswith(CFB_MAGIC):
        if ENCRYPTED_STREAM in data:
            raise RosterError(workbook_problem(data, path, WHAT))
        return "legacy"   # the national system exports .xls
    if data.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                parts = set(archive.namelist())
                mimetype = archive.read("mimetype") if "mimetype" in parts else b""
        except (zipfile.BadZipFile, OSError, ValueError):
            return "xlsx"   # damaged: _xlsx_rows says so
        return "legacy" if b"opendocument.spreadsheet" in mimetype or "xl/workbook.bin" in parts else "xlsx"
    return "xlsx" if path.suffix.lower() in (".xlsx", ".xlsm") else None


def _choose_sheet(names: list[str], sheet: str | None, path: Path) -> str:
    if sheet is not None:
        if sheet not in names:
            raise RosterError(f"名单 {path.name} 中没有名为“{sheet}”的工作表（现有：{'、'.join(names)}），"
                              "请改正对照表中的 sheet。")
        return sheet
    return SHEET if SHEET in names else names[0]   # a ledger handed in as a roster: its 台账 sheet


def _xlsx_rows(path: Path, data: bytes, wb, chosen: str) -> list[tuple[int, Any]]:
    """Sheet `chosen` of an .xlsx through python-calamine (ten times openpyxl's speed on a 50,000-person export),
    read at the cost of what is filled (`read_sheet`: a stray cell at row 1,000,000 does not make a million rows),
    with the error values calamine leaves blank put back from the sheet's XML."""
    try:
        xml = sheet_parts(data, (chosen,)).get(chosen)
        cells = read_sheet(wb, chosen, xml, data)
        if xml is not None:
            put_error_values(cells, xml)
    except Exception as exc:  # noqa: BLE001 — any fault inside a file we did not write means "damaged"
        raise RosterError(f"{damaged(path, WHAT, exc)}也可把名单另存为 CSV 文件。") from None
    return list(cells.numbered())


def _calamine_rows(path: Path, data: bytes, wb, chosen: str) -> list[tuple[int, Any]]:
    """Sheet `chosen` of an .xls, .ods or .xlsb through python-calamine, from A1 (so row numbers are the sheet's own)."""
    try:
        values = wb.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
    except Exception as exc:  # noqa: BLE001 — calamine's errors for a file it cannot read: damaged, whatever the cause
        raise RosterError(f"{damaged(path, WHAT, exc)}也可把名单另存为 CSV 文件。") from None
    return list(enumerate(values, start=1))


def _decode(data: bytes, name: str) -> str:
    if data.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8", "gb18030")  # Excel's "CSV (逗号分隔)" on a Chinese Windows writes GBK
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # UTF-16 without a BOM decodes as UTF-8 full of NULs; a stray NUL in a cell is cleaned and reported later.
        if text.count("\x00") * 100 <= len(text):
            return text
    raise RosterError(f"名单 {name} 不是可读的 CSV 文本（既不是 UTF-8 也不是 GBK 编码），也不是 .xlsx 工作簿。"
                      "请在 Excel 中打开名单，“另存为”选择“CSV UTF-8（逗号分隔）”或“Excel 工作簿（.xlsx）”后重试。")


def _csv_rows(data: bytes, name: str) -> list[tuple[int, tuple[Any, ...]]]:
    text = _decode(data, name)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    # strict: a stray quote is reported with its line instead of silently merging fields
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        return [(n, tuple(r)) for n, r in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise RosterError(f"名单 {name} 第 {reader.line_num} 行不是有效的 CSV：英文引号不成对或引号后多了字符（{exc}）。"
                          "请在该行中改正引号，或在 Excel 中打开后另存为“CSV UTF-8（逗号分隔）”再试。") from None
