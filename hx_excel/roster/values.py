"""One roster cell made into the value a clerk would have typed into the ledger cell, with what to tell her.

Text is cleaned first (`files.text.clean`: control and invisible characters removed, and reported), refused when
longer than a cell holds, and reported when Excel would run it as a formula (it is still imported, as text). Then
text is read the way Excel reads what is typed: numbers ("4,800", full-width digits) in number columns, dates
("2022-07-01", "2022/7/1", "2022年7月1日") in date columns. A date that does not exist ("2022-02-30") is refused
saying so; what `cells.from_cell` refuses (a year outside 1900–2100, a number too large to store) is refused there.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date
from typing import Any

from hx_excel.files.text import MAX_CELL_CHARS, clean, formula_risk
from hx_excel.ledger.cells import LARGEST_NUMBER, CellError
from hx_excel.ledger.schema import Column

_NUMBER = re.compile(r"^[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")
_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?[eE]\+?\d+$")
_EXPONENT = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(\s+\d{1,2}:\d{2}(:\d{2})?)?$")
_SPACES = re.compile(r"\s+")


def convert(column: Column, value: Any, notes: list[str]) -> Any:
    """The cell value for `value` read from a roster; what the clerk should know is appended to `notes`.
    CellError when the value cannot be imported at all."""
    if not isinstance(value, str):
        return value
    cleaned = clean(value, single_line=not column.wrap)
    text = cleaned.text
    if cleaned.removed:
        notes.append(f"含有{cleaned.describe()}，已删除")
    if len(text) > MAX_CELL_CHARS:
        raise CellError(f"有 {len(text):,} 个字符，超过 Excel 单元格上限 {MAX_CELL_CHARS:,} 个，未导入；请核对是否误粘贴了大段文字")
    if column.type == "id":
        spaced = text.strip()
        text = _SPACES.sub("", spaced)
        if text != spaced:
            notes.append("身份证号中间有空格，已删除")
        if text.endswith("x"):       # GB 11643 writes the check character as a capital X
            text = text[:-1] + "X"
            notes.append("身份证号末位的小写 x 已改为大写 X")
        if _SCIENTIFIC.match(text):
            return float(text)  # Excel wrote the ID as a number (5.20111E+17): digits are already lost
    if column.type in ("text", "id", "list", "bool"):
        risk = formula_risk(text)
        if risk:
            notes.append(f"{risk}，已作为文字导入（不会计算），请核对来源")
        return text
    plain = unicodedata.normalize("NFKC", text).strip()
    if column.type in ("number", "integer") and (_NUMBER.match(plain) or _EXPONENT.match(plain)):
        number = float(plain.replace(",", ""))
        if not math.isfinite(number):
            raise CellError(f"数字“{text}”太大，Excel 无法保存；请核对后填写实际金额")
        return int(number) if number.is_integer() and abs(number) < LARGEST_NUMBER else number
    if column.type == "date":
        match = _DATE.match(plain)
        if match:
            year, month, day = int(match[1]), int(match[2]), int(match[3])
            try:
                return date(year, month, day)
            except ValueError:
                raise CellError(_not_a_date(text, year, month, day)) from None
    return text   # not a number or a date where one is expected: from_cell says so


def _not_a_date(text: str, year: int, month: int, day: int) -> str:
    if not 1 <= month <= 12:
        why = f"没有 {month} 月"
    else:
        why = f"{year} 年 {month} 月没有 {day} 日"
    return f"“{text}”不是真实的日期（{why}）；请按 2022-07-15 的格式填写正确的日期"
