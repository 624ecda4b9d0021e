"""A sheet's cells through python-calamine at the cost of what is filled, not of where.

calamine lays a sheet out as one dense rectangle from A1 to its last value: a single 备注 typed by accident at row
1,000,000 (Ctrl+↓, then typing) makes that a million rows × every column, 7–8 GB for a 20-person ledger. So before
calamine reads a sheet whose last row or column is far out, the sheet's XML is compacted: the first rows stay as they
are (titles, headers, 参数's settings are found by position), later rows without a value are left out and the rest
are numbered on consecutively, and cells beyond the last column a ledger can use are set aside (counted, named in a
note, not read). `SheetCells.numbers` gives every row read its number in the sheet, so messages still name the row
the clerk sees. A sheet that is not far out is read as before, with no extra pass over its XML.
"""

from __future__ import annotations

import html
import io
import multiprocessing
import os
import re
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from xml.etree import ElementTree

from openpyxl.utils import column_index_from_string

try:
    from zlib_ng import zlib_ng as _zlib       # the same deflate, twice as fast (`_member`)
except ImportError:                            # a platform it has no wheel for: the standard library's
    import zlib as _zlib

DENSE_ROWS = 60_000        # a sheet ending within this many rows is read as it is: extend's largest ledger (50,000
                           # rows) with room to spare; 60,000 × 111 columns is ~0.6 GB at most
DENSE_COLUMNS = 1_000      # nor one whose columns end within this many (台账 uses about 130)
DENSE_CELLS = 9_000_000    # nor one whose rows × columns exceed this (extend's largest ledger, 50,000 × ~130, is
                           # 6.5 million): a stray value at row 59,999, column 1,000 would make 60 million
KEPT_TOP_ROWS = 200        # rows kept at their place whatever they hold: titles, headers, 参数's settings
SPLIT_FROM = 16_000_000    # bytes of a sheet's XML (~4,000 ledger persons) from which it is parsed in two halves


@dataclass
class SheetCells:
    """The cells from A1, one list per row read; `numbers[i]` is the sheet row of `rows[i]`."""

    rows: list[list[Any]]
    numbers: list[int]
    far_cells: list[str] = field(default_factory=list)   # references of values set aside beyond DENSE_COLUMNS
    far_count: int = 0

    def numbered(self, start: int = 0):
        """(sheet row, values) of the rows read from index `start` on."""
        return zip(self.numbers[start:], self.rows[start:])


_ROW_R = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="[A-Z]{1,3}\d+:([A-Z]{1,3})(\d+)"[^>]*/>')
_ROW = re.compile(rb'<((?:\w+:)?)row\b([^>]*?)(?:/>|>(.*?)</\1row>)', re.S)
_CELL = re.compile(rb'<((?:\w+:)?)c\b([^>]*?)(?:/>|>(.*?)</\1c>)', re.S)
_R_ATTR = re.compile(rb'\br="(\d+)"')
_CELL_R = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_VALUE = re.compile(rb'<(?:\w+:)?(?:v|is)\b')


def read_sheet(workbook, name: str, xml: bytes | None, data: bytes | None, *, halves: bool = True) -> SheetCells:
    """Sheet `name` of the calamine `workbook` (opened from `data`, whose part for this sheet is `xml`). A large
    sheet is parsed in two halves on two threads unless `halves` is False (the caller has other work for the
    second core)."""
    if xml is None or data is None or not _far_out(xml):
        rows = _in_halves(type(workbook), data, name, xml) if halves and xml is not None and data is not None \
            and _split(xml) else None
        if rows is None:
            rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        return SheetCells(rows, list(range(1, len(rows) + 1)))
    compacted, numbers, far = _compact(xml)
    small = type(workbook).from_filelike(io.BytesIO(_replace_part(data, xml, compacted)))
    rows = small.get_sheet_by_name(name).to_python(skip_empty_area=False)
    numbers += range(len(numbers) + 1, len(rows) + 1)     # (never needed: calamine ends at the last value written)
    return SheetCells(rows, numbers[:len(rows)], far[:6], len(far))


def _split(xml: bytes) -> bool:
    """Whether to parse the sheet in two halves: a large sheet, two cores, and not in one of the processes a
    district's ledgers are read in side by side (summary, generate: both cores are busy already)."""
    return len(xml) >= SPLIT_FROM and (os.cpu_count() or 1) >= 2 and multiprocessing.parent_process() is None


_ROW_START = re.compile(rb'<(?:\w+:)?row\b')
_WORKSHEETS = "xl/worksheets/"


def _in_halves(workbook_type, data: bytes, name: str, xml: bytes) -> list[list[Any]] | None:
    """Sheet `name`'s rows from A1, as calamine's to_python(skip_empty_area=False) gives them, parsed as two
    workbooks of half the rows each, the second half on another thread: calamine lets go of Python's lock while it
    parses, so both cores work (a 10,000-person ledger: ~0.9 s → ~0.5 s). None when the sheet's XML cannot be cut
    (no rows, no sheetData) or its part is not found: the caller reads it in one go."""
    start = max(xml.find(b"<sheetData"), xml.find(b":sheetData"))
    if start < 0:
        return None
    body = xml.index(b">", start) + 1
    end = xml.rfind(b"sheetData>")
    if xml[body - 2:body] == b"/>" or end < body:
        return None
    end = xml.rfind(b"<", 0, end)
    middle = _ROW_START.search(xml, body + (end - body) // 2, end)
    parts = _other_parts(data, xml)
    if middle is None or parts is None:
        return None
    head, tail = _DIMENSION.sub(b"", xml[:body]), xml[end:]   # each half's extent is its own, not the sheet's
    halves = [_workbook_of(parts, head + xml[body:middle.start()] + tail),
              _workbook_of(parts, head + xml[middle.start():end] + tail)]

    def parse(half: bytes, from_a1: bool):
        sheet = workbook_type.from_filelike(io.BytesIO(half)).get_sheet_by_name(name)
        return sheet.start, sheet.to_python(skip_empty_area=not from_a1)

    with ThreadPoolExecutor(max_workers=1) as pool:
        later = pool.submit(parse, halves[1], False)
        _, rows = parse(halves[0], True)
        second_start, second_rows = later.result()
    if second_rows:
        row, column = second_start
        if row < len(rows):             # the halves overlap: not for a sheet cut between two rows, but not guessed
            return None
        rows += [[] for _ in range(row - len(rows))]
        rows += [[""] * column + r for r in second_rows] if column else second_rows
    width = max(map(len, rows), default=0)
    for r in rows:                      # one rectangle, as calamine gives a sheet read in one go
        if len(r) < width:
            r += [""] * (width - len(r))
    return rows


def _other_parts(data: bytes, xml: bytes) -> tuple[str, list[tuple[str, bytes]]] | None:
    """The name of the sheet part holding `xml` (found by its size and checksum) and every part that is not a
    sheet's (calamine opens a workbook by its workbook.xml and reads a sheet's part only when asked for it)."""
    crc, found, others = zlib.crc32(xml), None, []
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        for info in source.infolist():
            if info.filename.startswith(_WORKSHEETS) and info.filename.endswith(".xml") \
                    and "/_rels/" not in info.filename:
                if found is None and info.file_size == len(xml) and info.CRC == crc:
                    found = info.filename
                continue
            others.append((info.filename, source.read(info)))
    return (found, others) if found is not None else None


def _workbook_of(parts: tuple[str, list[tuple[str, bytes]]], sheet: bytes) -> bytes:
    """A workbook of the parts and the one sheet; stored, not compressed: it is parsed at once and thrown away."""
    name, others = parts
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as target:
        for other, content in others:
            target.writestr(other, content)
        target.writestr(name, sheet)
    return buffer.getvalue()


_THREE_LETTERS = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br=["\'][A-Z]{3}')   # a cell in column AAA (703) or beyond


def _far_out(xml: bytes) -> bool:
    """Whether the sheet ends beyond DENSE_COLUMNS, or, being sparse (its last row far beyond the rows it holds),
    beyond DENSE_ROWS or past DENSE_CELLS, as its last row element and its dimension say. A sheet that really has
    80,000 rows (a department's list) is read as it is: compacting would keep every row and only cost time. (A
    writer that leaves <dimension> short of a far column is not caught: finding the widest cell would cost a pass
    over every cell reference; Excel, WPS, LibreOffice and openpyxl write it true.)"""
    last = max(xml.rfind(b"<row "), xml.rfind(b":row "))
    last_row = 0
    if last >= 0:
        match = _ROW_R.match(xml, xml.rfind(b"<", 0, last + 1))
        last_row = int(match.group(1)) if match else 0

    def sparse(rows: int) -> bool:
        """Ending past twice the rows written (counted only when asked: two passes over the whole XML)."""
        return rows > 2 * (xml.count(b"<row ") + xml.count(b":row ")) + KEPT_TOP_ROWS

    if last_row > DENSE_ROWS and sparse(last_row):
        return True
    dimension = _DIMENSION.search(xml, 0, 4096)
    if dimension is None:          # some writers give none (openpyxl's write-only mode): a cell past column ZZ?
        return sparse(last_row) or _THREE_LETTERS.search(xml) is not None
    columns, rows = column_index_from_string(dimension.group(1).decode()), int(dimension.group(2))
    rows = max(rows, last_row)
    return columns > DENSE_COLUMNS or ((rows > DENSE_ROWS or columns * rows > DENSE_CELLS) and sparse(rows))


def _compact(xml: bytes) -> tuple[bytes, list[int], list[str]]:
    """The sheet's XML with the rows past KEPT_TOP_ROWS that hold no value left out and the others numbered on from
    there, and the cells beyond DENSE_COLUMNS left out. Returns it, the sheet row of each row of the compacted part
    (index 0 = its row 1), and the references of the far cells that held a value."""
    start = max(xml.find(b"<sheetData"), xml.find(b":sheetData"))
    if start < 0:
        return xml, [], []
    body = xml.index(b">", start) + 1
    end = xml.rfind(b"sheetData>")
    if xml[body - 2:body] == b"/>" or end < body:
        return xml, [], []
    end = xml.rfind(b"<", 0, end)
    dimension = _DIMENSION.search(xml, 0, body)
    wide = dimension is None or column_index_from_string(dimension.group(1).decode()) > DENSE_COLUMNS
    out, original, far = [], {}, []
    last_new = 0
    for row in _ROW.finditer(xml, body, end):
        prefix, attrs, content = row.group(1), row.group(2), row.group(3) or b""
        number_match = _R_ATTR.search(attrs)
        if number_match is None:            # a row without its number: leave the sheet as it is
            return xml, [], []
        number = int(number_match.group(1))
        if number <= KEPT_TOP_ROWS:
            new = number
        elif _VALUE.search(content):
            new = max(KEPT_TOP_ROWS, last_new) + 1
        else:
            continue
        if wide:                            # cells far right are set aside, one by one
            kept = []
            for cell in _CELL.finditer(content):
                ref = _CELL_R.search(cell.group(2))
                if ref is None:
                    return xml, [], []
                if column_index_from_string(ref.group(1).decode()) > DENSE_COLUMNS:
                    if _VALUE.search(cell.group(3) or b""):
                        far.append(f"{ref.group(1).decode()}{number}")
                    continue
                kept.append(cell.group(0))
            content = b"".join(kept)
        cells = [_CELL_R.sub(lambda m: b'r="%s%d"' % (m.group(1), new), content)]   # one pass over the row
        attrs = re.sub(rb'\s*\bspans="[^"]*"', b"", _R_ATTR.sub(b'r="%d"' % new, attrs, 1))
        out.append(b"<%srow%s>%s</%srow>" % (prefix, attrs, b"".join(cells), prefix))
        original[new], last_new = number, new
    compacted = _DIMENSION.sub(b"", xml[:body]) + b"".join(out) + xml[end:]
    return compacted, [original.get(n, n) for n in range(1, last_new + 1)], far


def _replace_part(data: bytes, old: bytes, new: bytes) -> bytes:
    """The workbook `data` with the part whose content is `old` replaced by `new`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            target.writestr(info.filename, new if content == old else content)
    return buffer.getvalue()


_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_LOCAL_HEADER = b"PK\x03\x04"


def _member(archive: zipfile.ZipFile, data: bytes, name: str) -> bytes:
    """Part `name` of the workbook `data` (open as `archive`), inflated by zlib-ng — twice as fast as the standard
    library's zlib on a 10,000-person sheet's 41 MB (0.07 → 0.035 s), on the path every month's command waits on
    before calamine may start — and checked against its size and CRC as zipfile checks it. Anything out of the
    ordinary (stored, encrypted, a header not where the directory says, a fault) is left to zipfile, which says what
    is wrong."""
    info = archive.getinfo(name)
    offset = info.header_offset
    header = data[offset:offset + 30]
    if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1 or header[:4] != _LOCAL_HEADER:
        return archive.read(info)
    start = offset + 30 + int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")
    try:
        inflater = _zlib.decompressobj(-15)
        content = inflater.decompress(memoryview(data)[start:start + info.compress_size]) + inflater.flush()
    except Exception:  # noqa: BLE001 — zipfile reads it again and raises its own error
        return archive.read(info)
    if len(content) != info.file_size or _zlib.crc32(content) != info.CRC:
        return archive.read(info)
    return content


def sheet_parts(data: bytes, wanted: tuple[str, ...]) -> dict[str, bytes]:
    """The XML of the sheets named in `wanted`, by sheet name (workbook.xml and its relationships say which part is
    which)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in rels}
        parts = {}
        for sheet in book.iter():
            if not sheet.tag.endswith("}sheet") or sheet.get("name") not in wanted:
                continue
            target = targets.get(sheet.get(_NS_REL), "")
            part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            if part in archive.namelist():
                parts[sheet.get("name")] = _member(archive, data, part)
        return parts


# an error cell with content (a self-closed <c …/> holds no value); attributes in either quote
_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\b([^>]*?\bt=["\']e["\'][^>]*?)(?<!/)>(.*?)</(?:\w+:)?c>', re.S)
_ERROR_TEXT = re.compile(rb'<(?:\w+:)?v>([^<]*)</')
_ANY_QUOTE_R = re.compile(rb'\br=["\']([A-Z]{1,3})(\d+)["\']')


class ErrorValue(str):
    """An error value a cell shows (#N/A, #REF! …), told apart from the same text typed in: readers refuse it."""

    __slots__ = ()


def put_error_values(cells: SheetCells, xml: bytes) -> None:
    """Write the error values (#N/A, #DIV/0! …) of the sheet into `cells` as ErrorValue, where calamine leaves them
    blank: a cell showing #N/A must be reported, never read as empty nor taken as a name or an ID."""
    if b't="e"' not in xml and b"t='e'" not in xml:
        return
    row_index = {number: i for i, number in enumerate(cells.numbers)}
    for attrs, content in _ERROR_CELL.findall(xml):
        ref, text = _ANY_QUOTE_R.search(attrs), _ERROR_TEXT.search(content)
        if ref is None or text is None:
            continue
        i = row_index.get(int(ref.group(2)))
        column = column_index_from_string(ref.group(1).decode()) - 1
        if i is not None and column < len(cells.rows[i]):
            cells.rows[i][column] = ErrorValue(html.unescape(text.group(1).decode("utf-8", "replace")))


def far_note(cells: SheetCells, sheet: str, file_name: str) -> str | None:
    """A note naming values set aside far to the right of the table (DENSE_COLUMNS on)."""
    if not cells.far_count:
        return None
    return (f"{file_name}：“{sheet}”表 {'、'.join(cells.far_cells)}{'等' if cells.far_count > 6 else ''} "
            f"共 {cells.far_count} 格在第 {DENSE_COLUMNS} 列以右很远处，不属于台账的任何列，未读取；"
            "如是误填请删除")
