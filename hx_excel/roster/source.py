"""The rows of a roster file as they stand: CSV (UTF-8, UTF-8 with BOM, UTF-16 with BOM, or the GBK that Excel's
"CSV (逗号分隔)" writes on a Chinese Windows; comma or tab separated) or an .xlsx sheet."""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hx_excel.files.inputs import InputFileError, open_workbook, read_bytes, rows, workbook_problem
from hx_excel.files.text import MAX_CELL_CHARS
from hx_excel.ledger.schema import SHEET
from hx_excel.roster.mapping import RosterError

WHAT = "名单文件"
# A CSV field may be longer than Excel allows, so that it is reported as too long instead of failing the read.
csv.field_size_limit(max(csv.field_size_limit(), 4 * MAX_CELL_CHARS))


@dataclass
class RosterSource:
    name: str
    sheet: str | None                          # the sheet read, for .xlsx
    rows: list[tuple[int, tuple[Any, ...]]]    # (row number, cell values) of the non-blank rows


def read_source(path: str | Path, sheet: str | None = None) -> RosterSource:
    path = Path(path)
    data = read_bytes(path, WHAT)
    if data.startswith(b"PK\x03\x04") or path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        chosen, numbered = _xlsx_rows(path, sheet)
    else:
        problem = workbook_problem(data, path, WHAT)
        if problem and data.startswith(b"\xd0\xcf\x11\xe0"):   # .xls or encrypted, whatever its name says
            raise RosterError(problem)
        if sheet is not None:
            raise RosterError(f"对照表写了 sheet = “{sheet}”，但名单 {path.name} 是 CSV 文本文件，没有工作表。请删去 sheet 一行。")
        chosen, numbered = None, _csv_rows(data, path.name)
    kept = [(n, r) for n, r in numbered if any(v is not None and str(v).strip() for v in r)]
    return RosterSource(path.name, chosen, kept)


def _xlsx_rows(path: Path, sheet: str | None) -> tuple[str, list[tuple[int, tuple[Any, ...]]]]:
    try:
        wb = open_workbook(path, WHAT)
    except InputFileError as exc:
        raise RosterError(f"{exc} 也可把名单另存为 CSV 文件。") from None
    try:
        if sheet is not None:
            if sheet not in wb.sheetnames:
                raise RosterError(f"名单 {path.name} 中没有名为“{sheet}”的工作表（现有：{'、'.join(wb.sheetnames)}），"
                                  "请改正对照表中的 sheet。")
            ws = wb[sheet]
        elif SHEET in wb.sheetnames:
            ws = wb[SHEET]  # a ledger handed in as a roster
        else:
            ws = wb.worksheets[0]
        try:
            numbered = [(n, tuple(r)) for n, r in enumerate(rows(ws, path, WHAT, values_only=True), start=1)]
        except InputFileError as exc:
            raise RosterError(str(exc)) from None
        return ws.title, numbered
    finally:
        wb.close()


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
