"""pydantic's error types in Chinese, shared by the household models, the district settings and the policy file,
each of which may word a few of them its own way."""

from __future__ import annotations

import ast
from typing import Any

MESSAGES = {
    "float_parsing": "应为数字，不能含文字或单位",
    "float_type": "应为数字",
    "finite_number": "应为实际的数（不能是 NaN 或无穷大）",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "bool_parsing": "应为“是”或“否”",
    "bool_type": "应为“是”或“否”",
    "date_from_datetime_parsing": "应为日期（如 2022-04-14），不能是文字",
    "date_parsing": "应为日期（如 2022-04-14），不能是文字",
    "date_from_datetime_inexact": "应为日期，不能带时间",
    "date_type": "应为日期",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "greater_than": "必须大于 {gt}",
    "less_than": "必须小于 {lt}",
    "too_long": "最多填写 {max_length} 项",
    "too_short": "至少要有 {min_length} 项",
    "string_too_short": "不能为空",
    "string_too_long": "最多 {max_length} 个字",
    "extra_forbidden": "不是可识别的字段",
    "missing": "必须填写",
    "string_type": "应为文字",
    "list_type": "应为列表",
    "tuple_type": "应为列表（用方括号，如 [\"甲\", \"乙\"]）",
    "set_type": "应为列表",
    "string_pattern_mismatch": "写法不对",
    "dict_type": "应为一组键值（如 {{\"姓名\": \"张三\"}}）",
    "model_type": "应为一组键值",
    "model_attributes_type": "应为一组键值",
    "literal_error": "只能是 {choices}",
}


def choices(values: Any, meanings: dict[Any, str] | None = None) -> str:
    """'"a"（甲）、"b" 或 "c"（丙）': the allowed values as written in a file, each with its meaning when known."""
    shown = []
    for value in values:
        text = f'"{value}"' if isinstance(value, str) else str(value)
        meaning = (meanings or {}).get(value)
        shown.append(f"{text}（{meaning}）" if meaning else text)
    if len(shown) == 1:
        return shown[0]
    return "、".join(shown[:-1]) + ("或 " if shown[-2].endswith("）") else " 或 ") + shown[-1]


def _expected(text: str) -> tuple[Any, ...] | None:
    """The values of a literal_error's `expected` ("'a', 'b' or 'c'"), or None when it cannot be read back."""
    at = len(text)
    while (at := text.rfind(" or ", 0, at)) != -1:
        try:
            values = ast.literal_eval(f"[{text[:at]}, {text[at + 4:]}]")
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue
        return tuple(values)
    try:
        return (ast.literal_eval(text),)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def message(error: dict[str, Any], overrides: dict[str, str] | None = None) -> str:
    """What one pydantic error says, in Chinese."""
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    template = (overrides or {}).get(error["type"]) or MESSAGES.get(error["type"]) or "取值有误"
    context = dict(error.get("ctx", {}))
    if error["type"] == "literal_error":   # pydantic's "'a', 'b' or 'c'" is English: say it in Chinese
        values = _expected(str(context.get("expected", "")))
        context["choices"] = choices(values) if values else "下拉列表中的值"
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return template
