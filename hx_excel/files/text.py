"""Text from input files, made safe for the cells and files we write.

- `clean` removes the characters a cell cannot or should not hold — control characters (which openpyxl refuses,
  and which come along with text pasted from Word or a web page) and invisible format characters (zero-width
  spaces, byte-order marks, direction marks) — and says which it removed, so the caller can report them.
- `formula_risk` says whether text would act as a formula if a person re-typed it or opened it as CSV: it starts
  with `=`, or with `+ - @` and is not a number, or carries a DDE call (`cmd|' /C calc'!A0`). Such text is still
  written, as text (`ledger.cells.put`), and reported.
- `csv_cell` and `csv_text` (written by `save.save_csv`) follow the usual CSV-injection advice (OWASP): a text
  field starting with `= + - @`, a tab or a carriage return gets a leading apostrophe, so Excel and WPS show it
  instead of running it.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable

MAX_CELL_CHARS = 32_767   # Excel's limit for one cell's text
CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_NAMES = {
    "\u200b": "零宽空格", "\u200c": "零宽不连字", "\u200d": "零宽连字", "\u2060": "零宽不换行符",
    "\ufeff": "字节顺序标记（BOM）", "\u00ad": "软连字符", "\u200e": "文字方向标记", "\u200f": "文字方向标记",
    "\u202a": "文字方向控制符", "\u202b": "文字方向控制符", "\u202c": "文字方向控制符", "\u202d": "文字方向控制符",
    "\u202e": "文字方向控制符", "\t": "制表符", "\n": "换行符",
}
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d+)*|\.\d+)%?$")
_DDE = re.compile(r"\|.*!")


@dataclass(frozen=True)
class Cleaned:
    text: str
    removed: tuple[str, ...] = ()   # what was removed, in Chinese: "控制字符 U+0007（2 个）"

    def describe(self) -> str:
        return "、".join(self.removed)


def _unwanted(char: str, single_line: bool) -> bool:
    if char in "\n\t":
        return single_line
    category = unicodedata.category(char)
    return category in ("Cc", "Cf", "Cs", "Co") or char in "\ufffe\uffff"


def _label(char: str) -> str:
    if char in _NAMES:
        return f"{_NAMES[char]} U+{ord(char):04X}"
    kind = "控制字符" if unicodedata.category(char) == "Cc" else "不可见字符"
    return f"{kind} U+{ord(char):04X}"


def clean(text: str, *, single_line: bool = False) -> Cleaned:
    """`text` without control and invisible format characters (tabs and line breaks too when `single_line`).
    Windows line ends become plain line breaks without a report."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.isprintable():      # the common case, at C speed: no Cc, Cf, Cs, Co or noncharacter in it
        return Cleaned(text)
    removed = Counter(c for c in text if _unwanted(c, single_line))
    if not removed:
        return Cleaned(text)
    kept = "".join(c for c in text if c not in removed)
    labels = tuple(_label(c) + (f"（{n} 个）" if n > 1 else "") for c, n in removed.items())
    return Cleaned(kept, labels)


def formula_risk(text: str) -> str | None:
    """Why `text` could act as a formula in Excel or WPS, or None."""
    stripped = text.lstrip()
    if not stripped or stripped[0] not in "=+-@":
        return None
    if _DDE.search(stripped):
        return "像 DDE 调用（在 Excel 中可运行其他程序）"
    if stripped[0] == "=":
        return "以“=”开头，像公式"
    if _NUMBER.match(stripped.replace(" ", "")) or stripped in ("-", "--", "+"):
        return None
    return f"以“{stripped[0]}”开头，在 Excel 中重新输入时会被当作公式"


def csv_cell(value: Any) -> Any:
    """A value for a CSV file: text that Excel would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(CSV_TRIGGERS):
        return "'" + value
    return value


def csv_text(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> str:
    """CSV text, every field passed through `csv_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in [header, *rows]:
        writer.writerow([csv_cell("" if v is None else v) for v in row])
    return out.getvalue()
