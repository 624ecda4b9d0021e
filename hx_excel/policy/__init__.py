"""Policy as data: the numbers, day counts and value lists of 花乡振领通〔2022〕3号.

The shipped `default.toml` is the single source; a user TOML file overrides any part of it (tables merge key by
key, lists are replaced whole). Nothing here grades a household — `hx_excel.core` reads this model.
"""

from __future__ import annotations

import difflib
import tomllib
from datetime import date
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from hx_excel.files.inputs import InputFileError, read_toml
from hx_excel.pydantic_messages import choices, message

DEFAULT_POLICY_FILE = "default.toml"
YES_NO = "yes_no"   # the aliases of the 是/否 columns


class PolicyError(ValueError):
    """A policy file or setting the tool cannot use; the message is Chinese and says what to fix."""


def _not_true_or_false(value: Any) -> Any:
    if isinstance(value, bool):   # pydantic would read true as 1
        raise ValueError("应为整数（如 7），不能是 true 或 false")
    return value


Whole = Annotated[int, BeforeValidator(_not_true_or_false)]
DAYS_MAX, MONTHS_MAX = 365, 120   # no document sets a longer time; far larger numbers overflow the date arithmetic
IncomeLine = Annotated[float, Field(allow_inf_nan=False, le=1_000_000)]   # 元 a head a year; 1e308 breaks the sums
ClueAmount = Annotated[float, Field(ge=0, allow_inf_nan=False, le=100_000_000)]   # 元, a department rule's threshold


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Document(_Frozen):
    title: str
    number: str
    province: str


class Grading(_Frozen):
    g1_margin_multiple: float = Field(gt=1, allow_inf_nan=False, title="G1 明显高于倍数")
    compulsory_school_age_min: Whole = Field(ge=3, le=10, title="义务教育起始年龄")
    compulsory_school_age_max: Whole = Field(ge=10, le=20, title="义务教育截止年龄")
    elderly_age: Whole = Field(ge=50, le=80, title="老人户年龄")


class Deadlines(_Frozen):
    day_mode: Literal["calendar", "working"] = Field(title="天数口径")
    household_check_days: Whole = Field(gt=0, le=DAYS_MAX, title="D1 入户核实天数")
    public_notice_days: Whole = Field(gt=0, le=DAYS_MAX, title="D2 公示天数")
    contact_and_measures_days: Whole = Field(gt=0, le=DAYS_MAX, title="D3 确定帮扶联系人和措施天数")
    visit_interval_months: Whole = Field(gt=0, le=MONTHS_MAX, title="D4 走访间隔月数")
    stable_income_months: Whole = Field(gt=0, le=MONTHS_MAX, title="D5 收入稳定月数")
    elimination_notice_days: Whole = Field(gt=0, le=DAYS_MAX, title="D5 风险消除公示天数")
    due_soon_days: Whole = Field(ge=0, le=DAYS_MAX, title="即将到期提示天数")
    # 五(二) 开发式帮扶: a monitored household with labour is expected to have one of these categories by then
    development_months: Whole = Field(gt=0, le=MONTHS_MAX, title="有劳动力户落实开发式帮扶月数")
    development_categories: tuple[str, ...] = Field(min_length=1, title="开发式帮扶措施类别")


class HouseholdType(_Frozen):
    value: str
    scope: Literal["S1", "S2", ""]
    exited_poverty: bool
    needs_house_grade: bool = False   # the type is about the house: without its grade R6 cannot be decided
    # what the member rows or house facts must show for the type to hold (checked by hx-excel check)
    implies: Literal["", "elderly", "severely_disabled", "seriously_ill", "house_unsafe", "dibao"] = ""


class Relation(_Frozen):
    value: str
    sex: Literal["男", "女", "异", ""]


class Labour(_Frozen):
    value: str
    can_work: bool


class Health(_Frozen):
    value: str
    serious: bool


class Disability(_Frozen):
    value: str
    severe: bool


class School(_Frozen):
    value: str
    out_of_school: bool


class AccessRoad(_Frozen):
    value: str
    poor: bool


class HouseGrade(_Frozen):
    value: str
    unsafe: bool
    # False for “危房（待鉴定）”: the national export says only 危房户 是, not C or D; R6 counts it, and the household's
    # check asks for the grade (core.grading)
    graded: bool = True


class ClueChannel(_Frozen):
    value: str
    published: bool


class ExitStatus(_Frozen):
    value: str
    exit: Literal["", "eliminated", "closed"]


class Lists(_Frozen):
    household_types: tuple[HouseholdType, ...]
    relations: tuple[Relation, ...]
    labour: tuple[Labour, ...]
    health: tuple[Health, ...]
    disability: tuple[Disability, ...]
    school: tuple[School, ...]
    access_roads: tuple[AccessRoad, ...]
    house_grades: tuple[HouseGrade, ...]
    clue_channels: tuple[ClueChannel, ...]
    exit_statuses: tuple[ExitStatus, ...]
    risk_types: tuple[str, ...]
    measure_categories: tuple[str, ...]

    @model_validator(mode="after")
    def _values_unique(self) -> "Lists":
        for name in type(self).model_fields:
            values = [e if isinstance(e, str) else e.value for e in getattr(self, name)]
            if not values:
                raise ValueError(f"值列表 {name} 为空")
            if len(set(values)) != len(values):
                raise ValueError(f"值列表 {name} 有重复项")
            if any("¦" in v for v in values):   # the ledger's formulas join each list with it (formulas.SEP)
                raise ValueError(f"值列表 {name} 的值中不能有“¦”")
        return self

    def values(self, name: str) -> tuple[str, ...]:
        """The plain values of list `name`, in file order (what a dropdown offers)."""
        return self._values[name]

    @cached_property
    def _values(self) -> dict[str, tuple[str, ...]]:   # asked for once per cell read: built once
        return {name: tuple(e if isinstance(e, str) else e.value for e in getattr(self, name))
                for name in type(self).model_fields}

    def entry(self, name: str, value: str):
        """The list entry whose value is `value`, or None."""
        return self._index[name].get(value)

    @cached_property
    def _index(self) -> dict[str, dict[str, Any]]:
        return {
            name: {e.value: e for e in getattr(self, name)}
            for name in type(self).model_fields
            if not name.endswith(("risk_types", "measure_categories"))
        }


MEASURE_CONDITIONS = (
    "always", "medical_spending", "school_spending", "able_member", "uninsured_member", "poor_road",
    "no_toilet", "poor_hygiene", "files_incomplete", "low_awareness", "house_unsafe", "water_gap", "dropout",
)


class MeasureRule(_Frozen):
    """A recommended measure of section 五 for one clause, offered when its condition holds."""

    clause: str = Field(pattern=r"^(R[1-7]|Y[12]|G[1-4])$")
    when: Literal[MEASURE_CONDITIONS]  # type: ignore[valid-type]
    category: str
    text: str


# What each fixed choice of a policy file means, by key: said when a file writes something else.
CHOICES: dict[str, dict[str, str]] = {
    "day_mode": {"calendar": "自然日", "working": "工作日"},
    "scope": {"S1": "建档立卡户", "S2": "建档立卡之外的重点群体", "": "不在范围"},
    "sex": {"男": "", "女": "", "异": "与户主性别相反", "": "不检查"},
    "implies": {"": "不核对", "elderly": "全部成员为老人", "severely_disabled": "有一、二级重度残疾人",
                "seriously_ill": "有大病患者", "house_unsafe": "C/D 级危房", "dibao": "享受低保"},
    "exit": {"": "未退出", "eliminated": "风险消除", "closed": "销号"},
    "when": {"always": "总是", "medical_spending": "有就医刚性支出", "school_spending": "有教育刚性支出",
             "able_member": "有未就业的劳动力", "uninsured_member": "重病重残未参保", "poor_road": "入户路差",
             "no_toilet": "无卫生厕所", "poor_hygiene": "家庭卫生环境差", "files_incomplete": "档案资料不完善",
             "low_awareness": "政策知晓率低", "house_unsafe": "住房不安全", "water_gap": "饮水不安全",
             "dropout": "有辍学学生"},
}


class StatutoryYear(_Frozen):
    """A year's statutory holidays and adjusted working weekends, as the State Council publishes them each winter,
    for the working-day mode in a year chinesecalendar does not know yet (core.days)."""

    holidays: tuple[date, ...] = ()   # 放假的日期
    workdays: tuple[date, ...] = ()   # 调休上班的周末


class Policy(_Frozen):
    document: Document
    income_lines: dict[str, dict[int, IncomeLine]]
    grading: Grading
    deadlines: Deadlines
    lists: Lists
    measures: tuple[MeasureRule, ...]
    calendar: dict[int, StatutoryYear] = {}
    # Other ways of writing a list's values (妻子 → 配偶), by list name; "yes_no" for the 是/否 columns. Used only to
    # say what a value off its list probably means, never to rewrite what was typed.
    aliases: dict[str, dict[str, str]] = {}
    # 四(一)3: the amounts (元) department profiles name in their rules (hx_excel/clues/departments)
    clues: dict[str, ClueAmount] = {}

    @model_validator(mode="after")
    def _aliases_point_into_their_lists(self) -> "Policy":
        for name, table in self.aliases.items():
            allowed = ("是", "否") if name == YES_NO else self.lists.values(name) if name in Lists.model_fields else None
            if allowed is None:
                raise ValueError(f"[aliases.{name}] 不是值列表的名称")
            wrong = [f"{k} = {v}" for k, v in table.items() if v not in allowed]
            if wrong:
                raise ValueError(f"[aliases.{name}] 指向了列表中没有的值：{'、'.join(wrong)}")
        return self

    def nearest(self, list_name: str, value: str) -> str | None:
        """What a value off list `list_name` probably means: its alias, else the closest-looking value; or None."""
        allowed = ("是", "否") if list_name == YES_NO else self.lists.values(list_name)
        text = value.strip()
        if text in self.aliases.get(list_name, {}):
            return self.aliases[list_name][text]
        contained = [v for v in allowed if v in text or text in v]
        if len(contained) == 1:
            return contained[0]
        close = difflib.get_close_matches(text, allowed, n=1, cutoff=0.5)
        return close[0] if close else None

    @field_validator("calendar")
    @classmethod
    def _calendar_in_its_year(cls, years: dict[int, StatutoryYear]) -> dict[int, StatutoryYear]:
        for year, days in years.items():
            stray = [d for d in days.holidays + days.workdays if d.year != year]
            if stray:
                raise ValueError(f"[calendar.{year}] 中的 {stray[0]:%Y-%m-%d} 不在 {year} 年")
            both = set(days.holidays) & set(days.workdays)
            if both:
                raise ValueError(f"[calendar.{year}] 中的 {min(both):%Y-%m-%d} 既是放假日又是调休上班日")
        return years

    @field_validator("income_lines")
    @classmethod
    def _lines_positive(cls, lines: dict[str, dict[int, float]]) -> dict[str, dict[int, float]]:
        for province, by_year in lines.items():
            for year, line in by_year.items():
                if line <= 0:
                    raise ValueError(f"{province} {year} 年标准线必须大于 0")
        return lines

    @model_validator(mode="after")
    def _measure_categories_listed(self) -> "Policy":
        for rule in self.measures:
            if rule.category not in self.lists.measure_categories:
                raise ValueError(f"措施类别“{rule.category}”（{rule.clause}）不在 measure_categories 中")
        for category in self.deadlines.development_categories:
            if category not in self.lists.measure_categories:
                raise ValueError(f"开发式帮扶措施类别“{category}”（deadlines.development_categories）不在 measure_categories 中")
        return self

    def income_line(self, year: int, province: str | None = None) -> float:
        """R1/Y1/G1: the year's per-head income line. A year with no line is an error, never a default."""
        province = province or self.document.province
        by_year = self.income_lines.get(province, {})
        if year not in by_year:
            known = "、".join(str(y) for y in sorted(by_year)) or "无"
            raise PolicyError(
                f"政策参数中没有 {province} {year} 年的年人均纯收入标准线（已配置年份：{known}）。"
                f"请在参数文件 [income_lines.\"{province}\"] 下填写 {year} = 当年标准（元），或把年度改为已配置的年份。"
            )
        return by_year[year]

    def measures_for(self, clause: str) -> tuple[MeasureRule, ...]:
        return tuple(m for m in self.measures if m.clause == clause)


# pydantic's errors as a policy (TOML) file's writer needs them, where they differ from the shared wording.
_MESSAGES = {
    "extra_forbidden": "不是可识别的参数名", "missing": "缺少这一项",
    "string_type": "应为文字（加英文双引号）", "int_parsing": "应为整数（不加引号，如 7）",
    "float_parsing": "应为数字（不加引号，如 1.5）", "bool_type": "应为 true 或 false（不加引号）",
    "bool_parsing": "应为 true 或 false（不加引号）",
    "model_type": "应写成表（[名称] 下逐行写 名称 = 值），不能是单个值或列表",
    "dict_type": "应写成表（[名称] 下逐行写 名称 = 值），不能是单个值或列表",
    "date_type": "应为日期，如 2027-01-01（不加引号）", "date_parsing": "应为日期，如 2027-01-01（不加引号）",
    "date_from_datetime_parsing": "应为日期，如 2027-01-01（不加引号）",
    "finite_number": "应为实际的数，不能是无穷大或非数",
}
_KEY_MESSAGES = {"clause": "只能是 R1–R7、Y1、Y2、G1–G4 中的一个条款编号"}


def _toml(value: Any) -> str | None:
    """A value as the file writes it, or None for tables and lists (too long to repeat)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, float):
        if value != value:
            return "nan"
        return {float("inf"): "inf", float("-inf"): "-inf"}.get(value, repr(value))
    if isinstance(value, (int, date)):
        return str(value)
    return None


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and get_origin(annotation) is None and issubclass(annotation, BaseModel)


def _explain(error: dict[str, Any]) -> str:
    """One pydantic error of a policy file in Chinese: where (the keys as the file writes them, the item's number
    in a list, the key's Chinese title), what is wrong, what is allowed, and what the file has now."""
    where, kind, current, field, parent = "", error["type"], Policy, None, None
    for part in error["loc"]:
        if _is_model(current) and part in current.model_fields:
            parent, field = current, current.model_fields[part]
            where += (("的 " if where.endswith("项") else ".") if where else "") + str(part)
            current = field.annotation
        elif get_origin(current) is tuple and isinstance(part, int):
            where += f" 第 {part + 1} 项"
            current, field = get_args(current)[0], None
        elif get_origin(current) is dict:
            where += f".{part}"
            current, field = get_args(current)[1], None
        else:   # a key the model does not have (extra_forbidden): the model is `current`
            parent = current if _is_model(current) else None
            where += (("的 " if where.endswith("项") else ".") if where else "") + str(part)
            current, field = None, None
    if field is not None and field.title:
        where += f"（{field.title}）"
    key = str(error["loc"][-1]) if error["loc"] else ""
    if kind == "literal_error" and get_origin(current) is Literal:
        what = f"只能是 {choices(get_args(current), CHOICES.get(key))}"
    elif kind in ("tuple_type", "list_type") and get_origin(current) is tuple and _is_model(get_args(current)[0]):
        what = f"应写成一个个 [[{'.'.join(str(p) for p in error['loc'])}]] 表，每表一项"
    elif kind == "model_type" and error["loc"] and isinstance(error["loc"][-1], int):   # an item of [[…]]
        what = f"应写成一个 [[{'.'.join(str(p) for p in error['loc'][:-1])}]] 表（其下逐行写 名称 = 值）"
    elif kind == "extra_forbidden" and parent is not None:
        known = list(parent.model_fields)
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        what = (f"不是可识别的参数名，是不是 {close[0]}？" if close else "不是可识别的参数名") \
            + f"（可写的有：{'、'.join(known)}）"
    else:
        what = message(error, {**_MESSAGES, **({kind: _KEY_MESSAGES[key]} if key in _KEY_MESSAGES else {})})
    shown = _toml(error.get("input")) if kind not in ("extra_forbidden", "missing") else None
    now = f"，现在写的是 {shown}" if shown is not None else ""
    return f"{where}：{what}{now}" if where else f"{what}{now}"


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; anything else (numbers, lists, arrays of tables) is replaced whole."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _normalise_years(data: dict[str, Any]) -> dict[str, Any]:
    # TOML keys are strings; a year key must be a whole number.
    calendar = data.get("calendar", {})
    if not isinstance(calendar, dict) or not all(str(y).isdigit() for y in calendar):
        raise PolicyError("calendar 应写成 [calendar.2027] 表（年份），其下 holidays = [2027-01-01, …] 和 workdays = […]。")
    data["calendar"] = {int(y): v for y, v in calendar.items()}
    lines = data.get("income_lines", {})
    if not isinstance(lines, dict) or not all(isinstance(v, dict) for v in lines.values()):
        raise PolicyError("income_lines 应写成 [income_lines.\"贵州\"] 表，其下每行 2022 = 6700（年份 = 标准线）。")
    for province, by_year in lines.items():
        fixed = {}
        for year, line in by_year.items():
            if not str(year).isdigit():
                raise PolicyError(f"[income_lines.\"{province}\"] 中的“{year}”不是年份，请写成 2022 = 6700 的形式。")
            if isinstance(line, bool):   # pydantic would read true as 1 元
                raise PolicyError(f"[income_lines.\"{province}\"] 中 {year} 年的标准线应为数字（元），不能是 true 或 false。")
            fixed[int(year)] = line
        lines[province] = fixed
    return data


@lru_cache(maxsize=1)
def _shipped_text() -> str:
    """default.toml, read once per process: it is part of the package and does not change while we run."""
    return resources.files(__package__).joinpath(DEFAULT_POLICY_FILE).read_text(encoding="utf-8")


def default_policy_data() -> dict[str, Any]:
    return tomllib.loads(_shipped_text())


def load_policy(user_file: str | Path | None = None) -> Policy:
    """The shipped policy, overridden by `user_file` when given."""
    data = default_policy_data()
    where = f"政策参数文件 {user_file}" if user_file else "内置政策参数"
    if user_file is not None:
        try:
            override = read_toml(user_file, "政策参数文件")
        except InputFileError as exc:
            raise PolicyError(str(exc)) from None
        data = _merge(data, override)
    try:
        return Policy.model_validate(_normalise_years(data))
    except ValidationError as exc:
        problems = "；".join(_explain(e) for e in exc.errors())
        raise PolicyError(f"{where} 有误：{problems}") from None


@lru_cache(maxsize=1)
def default_policy() -> Policy:
    """The shipped policy, loaded once (models are frozen, so sharing it is safe)."""
    return load_policy(None)

