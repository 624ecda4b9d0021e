"""Moving one value between a model field and a ledger cell, by the column's declared type (schema.ValueType), and
writing values that come from files (`put`): text always as text, never as a formula."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta
from typing import Any

from openpyxl.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from hx_excel.files.text import clean, formula_risk
from hx_excel.ledger.schema import MULTIPLE_SEPARATOR, Column

YES, NO = "是", "否"
LARGEST_NUMBER = 1e15            # Excel keeps 15 significant digits: larger amounts cannot be stored exactly
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100   # Excel has no dates before 1900; the template's validation ends in 2100


class CellError(ValueError):
    """A typed cell the reader cannot use; the message says what to enter instead."""


def filled(value: Any) -> bool:
    """Whether a cell holds anything: blank, None and spaces-only text are empty."""
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


def trimmed(rows: list[list[Any]]) -> list[list[Any]]:
    """A sheet's rows as compared: empty cells at the end of each row and empty rows at the end left out."""
    out = []
    for row in rows:
        row = list(row)
        while row and row[-1] is None:
            row.pop()
        out.append(row)
    while out and not out[-1]:
        out.pop()
    return out


def text_of(value: Any) -> str:
    """A cell's value as text to compare or show: stripped, a whole float without its ".0", blank for None."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def to_cell(column: Column, value: Any) -> Any:
    """The value to write into the cell of `column` for a model value."""
    if value is None or value == "" or value == []:
        return None
    if column.type == "bool":
        return YES if value else NO
    if column.multiple:
        return MULTIPLE_SEPARATOR.join(value)
    return value


def from_cell(column: Column, value: Any) -> Any:
    """The model value of a cell, or CellError saying what is wrong with it."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    kind = column.type
    if kind == "id":
        if not isinstance(value, str):
            raise CellError("身份证号存成了数字（Excel 只保留 15 位有效数字，末位会变成 0），请把该列设为文本后重新录入")
        return value.strip()
    if kind in ("text", "list"):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = value.strftime("%Y-%m-%d") if isinstance(value, (date, datetime)) else str(value).strip()
        if column.multiple:  # clerks separate several values with 、 , ， ; or ；
            return [part.strip() for part in re.split(r"[、,，;；]", text) if part.strip()]
        return text
    if kind in ("number", "integer"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise CellError(f"应为数字，现为文字“{value}”；请只填数字（元），不要带单位、逗号或文字")
        if not math.isfinite(value):
            raise CellError(f"“{value}”不是有效的数字；请填写实际金额")
        if abs(value) >= LARGEST_NUMBER:
            raise CellError(f"数字 {value:.15g} 太大（超过 15 位），Excel 无法准确保存；请核对是否多输了数字")
        return value
    if kind == "date":
        if isinstance(value, (date, datetime)):
            if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
                raise CellError(f"日期 {value.isoformat()[:10]} 的年份不合理（应在 {EARLIEST_YEAR}–{LATEST_YEAR} 年之间）；请核对后重填")
            return value.date() if isinstance(value, datetime) else value
        if isinstance(value, (time, timedelta)):   # a date cell holding 0, a negative number or a bare time
            raise CellError(f"应为日期，这一格的数值不是有效的日期（显示为“{value}”，多为 0、负数或只有时间）；"
                            "请按 2022-07-15 的格式重新输入")
        raise CellError(f"应为日期，现为{'文字' if isinstance(value, str) else '数字'}“{value}”；请按 2022-07-15 的格式重新输入")
    if kind == "bool":
        text = str(value).strip()
        if text in (YES, NO):
            return text == YES
        raise CellError(f"应为“是”或“否”，现为“{value}”")
    raise AssertionError(f"unknown column type {kind}")


def put(ws: Worksheet, row: int, column: int, value: Any, style=None) -> Cell:
    """Write a value that came from a file (a roster, the settings, the policy). openpyxl makes any string starting
    with "=" a live formula: here text is always stored as text, and text that Excel would run as a formula when
    the cell is re-typed also gets the quote prefix (the apostrophe Excel shows), so editing it keeps it text.
    Characters a cell cannot hold are dropped as a last defence; callers clean and report them first."""
    cell = ws.cell(row, column)
    if style is not None:
        cell._style = style
    if isinstance(value, str):
        # cleaned here, so openpyxl's own check (a search for the same characters) is not made again: its value
        # set directly, cut as openpyxl cuts it to the 32,767 characters a cell holds (a report's 58,000 cells)
        value = clean(value).text[:32767]
        cell._value = value
        cell.data_type = "s"
        if formula_risk(value):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell
