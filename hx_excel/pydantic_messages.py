"""pydantic's error types in Chinese, shared by the household models, the district settings and the policy file,
each of which may word a few of them its own way."""

from __future__ import annotations

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
    "dict_type": "应为一组键值（如 {{\"姓名\": \"张三\"}}）",
    "model_type": "应为一组键值",
    "model_attributes_type": "应为一组键值",
    "literal_error": "应为 {expected} 之一",
}


def message(error: dict[str, Any], overrides: dict[str, str] | None = None) -> str:
    """What one pydantic error says, in Chinese."""
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    template = (overrides or {}).get(error["type"]) or MESSAGES.get(error["type"]) or "取值有误"
    try:
        return template.format(**error.get("ctx", {}))
    except (KeyError, IndexError):
        return template
