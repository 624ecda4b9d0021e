"""What a workbook holds that a person could have typed or added, and how two workbooks differ in it.

The generator replaces an existing workbook without `--force` only when nothing in it would be lost: its sheet list,
every cell (value, or formula), every cell comment, every defined name and every embedded object (pictures, charts,
macros …) must be exactly what the new workbook holds. Formats, widths and validations are ours to rewrite. A formula
counts as the same after spreadsheet software re-wrote its text (Excel drops needless quotes around sheet names and
adds `_xlfn.`); a formula we wrote that a clerk cleared is not counted, since regenerating gives it back.

`read_content` reads a workbook in openpyxl's streaming mode plus its comment parts straight from the zip, so a
20,000-row ledger is compared in seconds. `differences` lists what differs, each naming its sheet and cell (and, on
台账, its row and column header) in Chinese, with ID numbers masked.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl.utils.cell import coordinate_to_tuple, get_column_letter, range_boundaries
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.xml.functions import fromstring

from hx_excel.core.id_number import mask
from hx_excel.files.inputs import InputFileError, damaged, open_workbook, rows

MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
BUILT_IN_NAME = "_xlnm."     # print area, print titles, filter ranges: set by software, not typed
LAYOUT_NAMES = {"PRINT_END"}   # fitted to the filled rows by each save, with the print area (ledger.printing)
VOLATILE_PARTS = {"docProps/core.xml", "docProps/app.xml"}   # save times and application name

# Parts a person adds with Insert (插入) or Developer tools, by the folder they live in.
EXTRA_PARTS = {
    "xl/media/": "图片", "xl/charts/": "图表", "xl/drawings/drawing": "图形或文本框", "xl/embeddings/": "嵌入的对象",
    "xl/pivotTables/": "数据透视表", "xl/vbaProject.bin": "宏（VBA）", "xl/tables/": "表格（Excel 表）",
    "xl/externalLinks/": "外部链接", "xl/threadedComments/": "批注", "xl/slicers/": "切片器", "xl/ctrlProps/": "控件",
}


@dataclass(frozen=True)
class Formula:
    """A formula cell, by its text in a canonical form (see `canonical_formula`)."""

    text: str


@dataclass(frozen=True)
class WorkbookContent:
    sheets: tuple[str, ...]
    cells: dict[tuple[str, int, int], Any]     # (sheet, row, column) → value, or Formula
    comments: dict[tuple[str, int, int], str]  # (sheet, row, column) → comment text
    names: dict[tuple[str, str], str]          # (sheet or "" for the workbook, name) → canonical text
    extras: frozenset[str]                     # EXTRA_PARTS labels present


_NUMBER = re.compile(r"(?<![A-Za-z0-9_$.\]])((?:\d+\.?\d*|\.\d+)(?:E[+-]?\d+)?)")
_LOGICAL = re.compile(r"\b(TRUE|FALSE)\(\)")


@lru_cache(maxsize=8192)   # a ledger repeats each column's formula on every row
def canonical_formula(text: str) -> str:
    """Formula text without what spreadsheet software rewrites on save: quotes around sheet names, `_xlfn.`/`_xlws.`
    prefixes, spaces and letter case outside string literals, the way a number is written (LibreOffice writes 1E12
    as 1000000000000) and TRUE()/FALSE() for TRUE/FALSE."""
    parts, current, in_string = [], [], False
    for char in text.removeprefix("="):
        if char == '"':
            if not in_string:
                parts.append(_canonical_code("".join(current)))
                current = []
            in_string = not in_string
            current.append(char)
            if not in_string:
                parts.append("".join(current))
                current = []
            continue
        current.append(char)
    parts.append("".join(current) if in_string else _canonical_code("".join(current)))
    return "".join(parts)


def _canonical_code(code: str) -> str:
    """One stretch of formula text outside string literals."""
    code = "".join(c for c in code if c not in " '\n\r\t").upper().replace("_XLFN.", "").replace("_XLWS.", "")
    code = _LOGICAL.sub(r"\1", code)
    return _NUMBER.sub(lambda m: repr(float(m.group(1))), code)


def comparable(value: Any) -> Any:
    """A cell value in the form it has after a save and a read (dates come back as midnight datetimes)."""
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def read_content(path: str | Path, what: str = "文件") -> WorkbookContent:
    """Everything in the workbook at `path` that `differences` compares. InputFileError when it is not a workbook we
    can read (then nothing can be said about what it holds)."""
    path = Path(path)
    wb = open_workbook(path, what, read_only=True, data_only=False)
    try:
        cells: dict[tuple[str, str], Any] = {}
        names = {("", n): canonical_formula(d.attr_text or "") for n, d in wb.defined_names.items()
                 if not n.startswith(BUILT_IN_NAME) and n not in LAYOUT_NAMES}
        for ws in wb.worksheets:
            names.update({(ws.title, n): canonical_formula(d.attr_text or "")
                          for n, d in getattr(ws, "defined_names", {}).items() if not n.startswith(BUILT_IN_NAME)})
            arrays: list[tuple[int, int, int, int]] = []   # ranges an array formula fills
            for row in rows(ws, path, what):
                for cell in row:
                    value = getattr(cell, "value", None)
                    if value is None or value == "":
                        continue
                    if isinstance(value, ArrayFormula):
                        arrays.append(range_boundaries(value.ref or cell.coordinate))
                        value = Formula(canonical_formula(value.text or ""))
                    elif cell.data_type == "f":
                        value = Formula(canonical_formula(str(value)))
                    else:
                        value = comparable(value)
                    cells[(ws.title, cell.row, cell.column)] = value
            # The other cells of an array formula's range hold its results once a spreadsheet program saved the file;
            # they are the formula's, not typed.
            for left, top, right, bottom in arrays:
                for r in range(top, bottom + 1):
                    for c in range(left, right + 1):
                        if (r, c) != (top, left):
                            cells.pop((ws.title, r, c), None)
        sheets = tuple(wb.sheetnames)
    finally:
        wb.close()
    try:
        with zipfile.ZipFile(path) as archive:
            comments = _comments(archive)
            extras = _extras(archive)
    except InputFileError:
        raise
    except Exception as exc:  # noqa: BLE001 — a damaged part of a file we did not write
        raise damaged(path, what, exc) from None
    return WorkbookContent(sheets, cells, comments, names, extras)


def _extras(archive: zipfile.ZipFile) -> frozenset[str]:
    return frozenset(label for part in archive.namelist() for prefix, label in EXTRA_PARTS.items()
                     if part.startswith(prefix) and not _empty_drawing(archive, part))


def extras_in(source, what: str = "文件", *, name: str | Path | None = None) -> frozenset[str]:
    """The EXTRA_PARTS labels of a workbook (a path, or its bytes as a file object; `name` names it in a message):
    pictures, charts, macros … — what openpyxl would not keep on a save."""
    try:
        with zipfile.ZipFile(source) as archive:
            return _extras(archive)
    except Exception as exc:  # noqa: BLE001 — a damaged part of a file we did not write
        raise damaged(Path(name or source), what, exc) from None


def same_parts(first: str | Path, second: str | Path) -> bool:
    """Whether two workbook files hold byte-identical parts, save times apart: the quick answer for a file we wrote
    that nobody has touched since."""
    def parts(archive: zipfile.ZipFile) -> dict[str, tuple[int, int]]:
        return {i.filename: (i.CRC, i.file_size) for i in archive.infolist() if i.filename not in VOLATILE_PARTS}

    try:
        with zipfile.ZipFile(first) as a, zipfile.ZipFile(second) as b:
            listed = parts(a)
            # CRC and size rule most differences out at once; the bytes themselves decide
            return listed == parts(b) and all(a.read(name) == b.read(name) for name in listed)
    except (OSError, zipfile.BadZipFile):
        return False


def _empty_drawing(archive: zipfile.ZipFile, part: str) -> bool:
    """A drawing part holding nothing (LibreOffice writes one beside comments): no shape, picture or chart in it."""
    if not (part.startswith("xl/drawings/drawing") and part.endswith(".xml")):
        return False
    return len(fromstring(archive.read(part))) == 0


def _comments(archive: zipfile.ZipFile) -> dict[tuple[str, int, int], str]:
    """(sheet, cell) → text of every legacy cell comment, found through the workbook's and the sheets' relationships."""
    names = set(archive.namelist())

    def relationships(part: str) -> dict[str, tuple[str, str]]:
        folder, file = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", f"{file}.rels")
        if rels not in names:
            return {}
        found = {}
        for rel in fromstring(archive.read(rels)).iter(f"{PKG_REL_NS}Relationship"):
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            found[rel.get("Id")] = (rel.get("Type", "").rsplit("/", 1)[-1], target)
        return found

    if "xl/workbook.xml" not in names:
        return {}
    workbook_rels = relationships("xl/workbook.xml")
    comments: dict[tuple[str, int, int], str] = {}
    for sheet in fromstring(archive.read("xl/workbook.xml")).iter(f"{MAIN_NS}sheet"):
        _, sheet_part = workbook_rels.get(sheet.get(f"{REL_NS}id"), ("", ""))
        for kind, target in relationships(sheet_part).values():
            if kind != "comments" or target not in names:
                continue
            for comment in fromstring(archive.read(target)).iter(f"{MAIN_NS}comment"):
                text = "".join(t.text or "" for t in comment.iter(f"{MAIN_NS}t"))
                row, column = coordinate_to_tuple(comment.get("ref"))
                comments[(sheet.get("name"), row, column)] = text
    return comments


# ---- differences ------------------------------------------------------------------------------------------------

def differences(found: WorkbookContent, expected: WorkbookContent, place=None, *,
                ours_may_change: bool = False) -> list[str]:
    """What `found` holds that `expected` does not hold alike, one Chinese phrase per difference. `place(sheet, row,
    column)` may name a cell better than its coordinate (the ledger names its column headers). With
    `ours_may_change` (a ledger rebuilt with more rows: its whole-column references reach further), a formula where
    both have one, and a name both define, count as the same."""
    place = place or (lambda sheet, row, column: None)
    listed: list[str] = []
    added = [s for s in found.sheets if s not in expected.sheets]
    missing = [s for s in expected.sheets if s not in found.sheets]
    listed += [f"另加了工作表“{s}”" for s in added]
    listed += [f"缺少工作表“{s}”（被删除或改名）" for s in missing]
    if not added and not missing and found.sheets != expected.sheets:
        listed.append("工作表的顺序被调整过")

    shared = set(found.sheets) & set(expected.sheets)   # an added or missing sheet is named once, not cell by cell
    cells = {k for k in found.cells.keys() | expected.cells.keys() if k[0] in shared}
    for key in sorted(cells, key=_cell_order(found.sheets, expected.sheets)):
        have, want = found.cells.get(key), expected.cells.get(key)
        if have == want or (have is None and isinstance(want, Formula)):
            continue
        if ours_may_change and isinstance(have, Formula) and isinstance(want, Formula):
            continue
        where = _where(key, place)
        if isinstance(want, Formula):
            what = "的公式被改过" if isinstance(have, Formula) else f"的公式被改成了{_shown(have)}"
        elif have is None:
            what = f"为空白（本次生成为{_shown(want)}）"
        elif want is None:
            what = f"填有{_shown(have)}"
        else:
            what = f"为{_shown(have)}（本次生成为{_shown(want)}）"
        listed.append(f"{where}{what}")

    for key, text in found.comments.items():
        if expected.comments.get(key) != text:
            listed.append(f"{_where(key, place)}有批注“{_short(text)}”")
    for (scope, name), text in found.names.items():
        if (scope, name) not in expected.names:
            listed.append(f"另加了名称“{name}”" + (f"（“{scope}”表）" if scope else ""))
        elif expected.names[(scope, name)] != text and not ours_may_change:
            listed.append(f"名称“{name}”的引用被改过")
    listed += [f"插入了{label}" for label in sorted(found.extras - expected.extras)]
    return listed


def summary(listed: list[str], shown: int = 3) -> str:
    """The first few differences and how many there are."""
    head = "；".join(listed[:shown])
    return head + (f"；等共 {len(listed)} 处" if len(listed) > shown else "")


def _cell_order(*sheet_lists):
    order = {name: i for sheets in sheet_lists for i, name in enumerate(sheets)}
    return lambda key: (order.get(key[0], len(order)), key[1], key[2])


def _where(key: tuple[str, int, int], place) -> str:
    sheet, row, column = key
    return f"“{sheet}”表{place(sheet, row, column) or get_column_letter(column) + str(row)}"


def _short(text: str, limit: int = 20) -> str:
    text = str(text).replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"


def _shown(value: Any) -> str:
    if isinstance(value, Formula):
        return f"公式 ={_short(value.text)}"
    text = str(value)
    compact = text.replace(" ", "")
    if len(compact) in (15, 18) and compact[:-1].isdigit():
        text = mask(compact)  # ID numbers are masked in anything printed
    return f"“{_short(text)}”"
