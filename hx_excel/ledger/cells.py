"""Moving one value between a model field and a ledger cell, by the column's declared type (schema.ValueType)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import re

from hx_excel.ledger.schema import MULTIPLE_SEPARATOR, Column

YES, NO = "是", "否"


class CellError(ValueError):
    """A typed cell the reader cannot use; the message says what to enter instead."""


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
        return value
    if kind == "date":
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        raise CellError(f"应为日期，现为{'文字' if isinstance(value, str) else '数字'}“{value}”；请按 2022-07-15 的格式重新输入")
    if kind == "bool":
        text = str(value).strip()
        if text in (YES, NO):
            return text == YES
        raise CellError(f"应为“是”或“否”，现为“{value}”")
    raise AssertionError(f"unknown column type {kind}")
