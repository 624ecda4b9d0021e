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

Values are mapped too, per ledger column (its header or key); "" leaves the cell blank:

    [values."在校生状况"]
    "七年级" = "初中"

A ledger column may also be worked out from roster columns (`[derived]`):

    [derived]
    "家庭年纯收入（元）" = { product = ["人均纯收入", "人数"], note = "按人均纯收入 {1} 元 × 人数 {2} 折算" }
    "务工就业" = { above_zero = "务工时间（月）" }          # 是 when more than 0, 否 when 0
    "户类型" = { first_of = ["易返贫致贫户(监测对象)类型", "户类型"] }   # the first one filled

`household_size = "人数"` names the column of persons in the household, checked against the household's rows;
`recognise = [...]` (a preset's) the headers that, all in one row, say a roster is of its kind; `title` what it is.
The national export's preset (presets/national.toml) is such a file: copy it, edit it, and give it with --mapping.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from hx_excel.files.inputs import read_toml
from hx_excel.ledger.schema import BY_KEY, COLUMNS, INPUT_COLUMNS, Column



class RosterError(ValueError):
    """A roster or mapping file that cannot be used at all (as opposed to a Problem in one of its cells)."""


def norm(header: Any) -> str:
    """Headers compare without spaces or invisible characters and with full-width forms folded:
    家庭年纯收入(元) = 家庭年纯收入（元）, and a zero-width space pasted into a header changes nothing."""
    try:
        return _norm(header)
    except TypeError:           # not hashable (never from a sheet's cells): worked out each time
        return _norm.__wrapped__(header)


@lru_cache(maxsize=65_536)       # asked for each value a value map looks up: 是, 否 … on every row
def _norm(header: Any) -> str:
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
DERIVED_KINDS = {"product": 2, "above_zero": 1, "first_of": 0}      # kind → how many roster columns (0: one or more)
PRESETS = Path(__file__).with_name("presets")


@dataclass(frozen=True)
class Derived:
    """A ledger column worked out from roster columns: `product` (the two multiplied), `above_zero` (是 when the
    number is more than 0, 否 when 0), `first_of` (the first filled); `note`, for the cell's comment, with {1} {2}
    standing for the roster values."""

    kind: str
    sources: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class RosterMapping:
    """Declared roster header → ledger column, on top of the identical headers; plus where the header is, value maps,
    derived columns and the household-size column."""

    declared: dict[str, Column] = field(default_factory=dict)
    sheet: str | None = None
    header_row: int | None = None
    source: str = ""
    values: dict[str, dict[str, str]] = field(default_factory=dict)     # ledger key → {norm(roster value): value}
    derived: dict[str, Derived] = field(default_factory=dict)           # ledger key → rule
    household_size: str | None = None
    recognise: tuple[str, ...] = ()
    title: str = ""

    @cached_property
    def source_headers(self) -> set[str]:
        """The roster headers read by derived columns and the household-size check (normalised)."""
        named = [h for rule in self.derived.values() for h in rule.sources]
        return {norm(h) for h in named + ([self.household_size] if self.household_size else [])}

    def mapped_value(self, key: str, value: Any) -> Any:
        """`value` of ledger column `key` through the column's value map ("" → None); as it is when not mapped."""
        table = self.values.get(key)
        if not table or not isinstance(value, str):
            return value
        mapped = table.get(norm(value))
        if mapped is None:
            return value
        return mapped or None

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
    unknown = sorted(set(data) - {"columns", "sheet", "header_row", "values", "derived", "household_size", "recognise",
                                  "title"})
    if unknown:
        raise RosterError(f"列名对照表 {name} 中有不认识的设置项：{'、'.join(unknown)}。"
                          "对照关系须写在 [columns] 表下；另可写 [values.\"台账列名\"]（值的对照）、[derived]（由几列算出的列）、"
                          "sheet（工作表名）、header_row（表头所在行）和 household_size（人数列）。")
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
    values = _value_maps(data.get("values", {}), problems)
    derived = _derived(data.get("derived", {}), problems)
    for key in derived:
        if key in {c.key for c in mapped.values()}:
            problems.append(f"“{BY_KEY[key].header}”列既在 [columns] 中对应了名单的一列，又在 [derived] 中由几列算出，只能写一处")
    size, recognise, title = data.get("household_size"), data.get("recognise", []), data.get("title", "")
    if size is not None and not (isinstance(size, str) and size.strip()):
        problems.append(f"household_size 应为名单中人数列的列名（加英文引号），现为 {size!r}")
    if not (isinstance(recognise, list) and all(isinstance(h, str) and h.strip() for h in recognise)):
        problems.append("recognise 应写成列名的列表，如 [\"证件号码\", \"行政村\"]")
        recognise = []
    if problems:
        raise RosterError(f"列名对照表 {name} 有误：" + "；".join(problems) + "。")
    if not mapped and not derived and not values and sheet is None and header_row is None:
        raise RosterError(f"列名对照表 {name} 是空的。请写成：\n[columns]\n\"户号\" = \"户编号\"\n\"证件号码\" = \"身份证号\"\n"
                          "（名单表头与台账相同的列不用写）")
    return RosterMapping(mapped, sheet=sheet, header_row=header_row, source=name, values=values, derived=derived,
                         household_size=size, recognise=tuple(recognise), title=str(title))


def _input_column(named: Any, what: str, problems: list[str]) -> Column | None:
    column = ledger_column(named)
    if column is None:
        problems.append(f"{what}“{named}”：台账没有这一列（请写台账表头，如“在校生状况”，或列键，如 school）")
    elif column.kind != "input":
        problems.append(f"{what}“{named}”：“{column.header}”是自动计算的列，不能导入")
    else:
        return column
    return None


def _value_maps(tables: Any, problems: list[str]) -> dict[str, dict[str, str]]:
    """[values."台账列"] tables: roster value → ledger value, per ledger column."""
    if not isinstance(tables, dict):
        problems.append("values 应写成 [values.\"台账列名\"] 表，每行 \"名单中的值\" = \"台账中的值\"")
        return {}
    maps: dict[str, dict[str, str]] = {}
    for named, table in tables.items():
        column = _input_column(named, "[values] 中的列", problems)
        if column is None:
            continue
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            problems.append(f"[values.\"{named}\"] 中每行应写成 \"名单中的值\" = \"台账中的值\"（两边都加英文引号；"
                            "\"\" 表示不导入）")
            continue
        maps[column.key] = {norm(k): v.strip() for k, v in table.items()}
    return maps


def _derived(rules: Any, problems: list[str]) -> dict[str, Derived]:
    if not isinstance(rules, dict):
        problems.append("derived 应写成 [derived] 表")
        return {}
    made: dict[str, Derived] = {}
    for named, rule in rules.items():
        column = _input_column(named, "[derived] 中的列", problems)
        if column is None:
            continue
        kinds = [k for k in DERIVED_KINDS if isinstance(rule, dict) and k in rule]
        if len(kinds) != 1 or set(rule) - {kinds[0], "note"}:
            problems.append(f"[derived] “{named}”应写成 {{ product = [\"列1\", \"列2\"] }}、{{ above_zero = \"列\" }} "
                            f"或 {{ first_of = [\"列1\", \"列2\"] }} 之一（可另加 note = \"批注\"）")
            continue
        kind = kinds[0]
        sources = rule[kind] if isinstance(rule[kind], list) else [rule[kind]]
        wanted = DERIVED_KINDS[kind]
        if not sources or not all(isinstance(h, str) and h.strip() for h in sources) or (wanted and len(sources) != wanted):
            problems.append(f"[derived] “{named}”的 {kind} 应写{wanted or '一个或几个'}个名单列名")
            continue
        note = rule.get("note", "")
        if not isinstance(note, str):
            problems.append(f"[derived] “{named}”的 note 应为文字")
            continue
        # {1} {2} stand for the roster values a product works from: any other {…} would reach the cell as typed
        unknown = sorted(set(re.findall(r"\{[^{}]*\}", note)) - ({"{1}", "{2}"} if kind == "product" else set()))
        if unknown:
            problems.append(f"[derived] “{named}”的 note 中 {'、'.join(unknown)} 无法代入"
                            + ("（只能用 {1} 和 {2}，代表两个名单列的值）" if kind == "product" else "（只有 product 的 note 可用 {1} {2}）"))
            continue
        made[column.key] = Derived(kind, tuple(sources), note)
    return made


def preset(name: str) -> RosterMapping:
    """A mapping shipped with hx-excel (presets/NAME.toml), read as any mapping file is."""
    return load_mapping(PRESETS / f"{name}.toml")


def presets() -> list[RosterMapping]:
    return [load_mapping(path) for path in sorted(PRESETS.glob("*.toml"))]
