"""Which roster column fills which ledger column.

A roster column whose header equals a ledger input column's header (spaces and full-width forms folded:
`家庭年纯收入(元)` = `家庭年纯收入（元）`) fills that column with no mapping at all. A mapping file adds to this, for
rosters whose headers differ:

    [columns]
    "户号" = "户编号"                 # roster header = ledger header, or its schema key (household_id)
    "家庭成员/姓名" = "姓名"          # under a two-row header: group label / sub-header
    sheet = "花名册"                  # optional: the sheet of an .xlsx roster
    header_row = 2                   # optional: the (first) header row

A declared entry wins over an identical header for the same ledger column, so a roster holding both 身份证号 and
证件号码 can say which one to import. Choosing only `sheet` or `header_row` maps nothing and leaves the identical
headers working.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from hx_excel.files.inputs import read_toml
from hx_excel.ledger.schema import BY_KEY, COLUMNS, INPUT_COLUMNS, Column



class RosterError(ValueError):
    """A roster or mapping file that cannot be used at all (as opposed to a Problem in one of its cells)."""


def norm(header: Any) -> str:
    """Headers compare without spaces or invisible characters and with full-width forms folded:
    家庭年纯收入(元) = 家庭年纯收入（元）, and a zero-width space pasted into a header changes nothing."""
    if header is None:
        return ""
    text = unicodedata.normalize("NFKC", str(header))
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) not in ("Cc", "Cf"))


def ledger_column(value: Any) -> Column | None:
    """A ledger column named by its schema key (household_id) or its header (户编号)."""
    if not isinstance(value, str):
        return None
    return BY_KEY.get(value.strip()) or next((c for c in COLUMNS if norm(c.header) == norm(value)), None)


_IDENTICAL = {norm(c.header): c for c in INPUT_COLUMNS}


@dataclass(frozen=True)
class RosterMapping:
    """Declared roster header → ledger column, on top of the identical headers; plus where the header is."""

    declared: dict[str, Column] = field(default_factory=dict)
    sheet: str | None = None
    header_row: int | None = None
    source: str = ""

    @cached_property
    def _declared_by_norm(self) -> dict[str, Column]:
        return {norm(h): c for h, c in self.declared.items()}

    def declared_for(self, header: Any) -> Column | None:
        return self._declared_by_norm.get(norm(header))

    def identical_for(self, header: Any) -> Column | None:
        return _IDENTICAL.get(norm(header))

    def column_for(self, header: Any) -> Column | None:
        return self.declared_for(header) or self.identical_for(header)


def load_mapping(path: str | Path | None) -> RosterMapping:
    """A mapping TOML file (see the module docstring); none: identical headers only."""
    if path is None:
        return RosterMapping()
    path = Path(path)
    name = path.name
    data = read_toml(path, "列名对照表", "每行写成 \"名单列名\" = \"台账列名\"，列名含括号等符号时两边都要加英文引号。")
    unknown = sorted(set(data) - {"columns", "sheet", "header_row"})
    if unknown:
        raise RosterError(f"列名对照表 {name} 中有不认识的设置项：{'、'.join(unknown)}。"
                          "对照关系须写在 [columns] 表下；另可写 sheet（工作表名）和 header_row（表头所在行）。")
    columns = data.get("columns", {})
    problems = []
    if not isinstance(columns, dict):
        problems.append("columns 应写成 [columns] 表，每行 \"名单列名\" = \"台账列名\"")
        columns = {}
    mapped: dict[str, Column] = {}
    for header, value in columns.items():
        column = ledger_column(value)
        if column is None:
            problems.append(f"“{header}” = {value!r}：台账没有这一列（请写台账表头，如“家庭年纯收入（元）”，或列键，如 annual_net_income）")
        elif column.kind != "input":
            problems.append(f"“{header}” = “{value}”：“{column.header}”是自动计算的列，不能导入")
        else:
            mapped[header] = column
    repeated: dict[str, list[str]] = {}
    for header, column in mapped.items():
        repeated.setdefault(column.key, []).append(header)
    problems += [f"{'、'.join('“' + h + '”' for h in headers)} 都对应台账“{BY_KEY[key].header}”列，只能保留一个"
                 for key, headers in repeated.items() if len(headers) > 1]
    sheet, header_row = data.get("sheet"), data.get("header_row")
    if sheet is not None and not isinstance(sheet, str):
        problems.append(f"sheet 应为工作表名称（加英文引号），现为 {sheet!r}")
    if header_row is not None and (not isinstance(header_row, int) or isinstance(header_row, bool) or header_row < 1):
        problems.append(f"header_row 应为表头所在行号（正整数），现为 {header_row!r}")
    if problems:
        raise RosterError(f"列名对照表 {name} 有误：" + "；".join(problems) + "。")
    if not mapped and sheet is None and header_row is None:
        raise RosterError(f"列名对照表 {name} 是空的。请写成：\n[columns]\n\"户号\" = \"户编号\"\n\"证件号码\" = \"身份证号\"\n"
                          "（名单表头与台账相同的列不用写）")
    return RosterMapping(mapped, sheet=sheet, header_row=header_row, source=name)
