"""Worksheet functions of the add-in, each a few lines over the core (`hx_excel.core`): the same grade, clauses,
measures, ID checks and deadlines as the ledger's formulas and the command line.

Values arrive as Excel passes them through xlwings: numbers as floats, blank cells as None, date cells as datetimes,
text as text; a range as a list of rows (`ndim=2`). Whatever goes wrong, the cell shows a Chinese sentence saying
what to fix (`_in_cell`), never a traceback. Names are ASCII so that every Excel version takes them; the descriptions
and argument help (Chinese) reach Excel's Insert Function dialog through `macros/xlwings_udfs_help.bas`, generated
from the docstrings and `@xw.arg(doc=…)` here (`addin.build`).

On Linux xlwings' decorators do nothing, so the functions are plain Python and the tests call them as such.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Callable

import xlwings as xw

from hx_excel.addin import policy_file, policy_in_use
from hx_excel.core import id_number
from hx_excel.core.clauses import INCOMPLETE, factor_text
from hx_excel.core.days import add_days, in_range, month_end, months_after, notice_last_day, workday
from hx_excel.core.grading import assess
from hx_excel.ledger.book import find_columns, fold
from hx_excel.ledger.reader import read_rows
from hx_excel.ledger.schema import COLUMNS
from hx_excel.operations.fill import suggestion_text
from hx_excel.policy import Policy, PolicyError

CATEGORY = "防返贫监测 hx-excel"
_EXCEL_EPOCH = date(1899, 12, 30)     # serial 1 = 1900-01-01 (Excel's 1900 leap-year slip does not matter after March)


class UdfInputError(ValueError):
    """An argument the function cannot use; the message (Chinese) is what the cell shows."""


def _in_cell(function: Callable) -> Callable:
    """Any fault becomes the Chinese sentence the cell shows, prefixed with the function's name."""
    @functools.wraps(function)
    def guarded(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except (UdfInputError, id_number.IdNumberError, PolicyError, ValueError) as exc:
            return f"{function.__name__}：{exc}"
        except Exception as exc:  # noqa: BLE001 — a cell shows a sentence, never a traceback
            return f"{function.__name__}：无法计算（{type(exc).__name__}），请检查参数；如反复出现请把此单元格的公式报给技术人员"
    return guarded


@lru_cache(maxsize=4)
def _policy(named: str, stamp: float) -> Policy:
    return policy_in_use()


def _current_policy() -> Policy:
    """The policy in use (HX_EXCEL_POLICY or the shipped one), read again only when its file changes."""
    named = policy_file()
    stamp = named.stat().st_mtime if named and named.exists() else 0.0
    return _policy(str(named or ""), stamp)


def _day(value: Any, what: str, default: date | None = None) -> date:
    """A date argument: a date cell (datetime), an Excel serial number, or text such as 2022-07-15."""
    if value is None or value == "":
        if default is None:
            raise UdfInputError(f"{what}未填：请给出日期（日期单元格，或 2022-07-15 这样的文字）")
        return default
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if not 1 <= value < 2_958_466:          # Excel's dates run from serial 1 to 9999-12-31
            raise UdfInputError(f"{what} {value} 不是日期")
        day = _EXCEL_EPOCH + timedelta(days=int(value))   # a time of day is dropped
    elif isinstance(value, str):
        try:
            day = date.fromisoformat(value.strip().replace("/", "-").replace(".", "-"))
        except ValueError:
            raise UdfInputError(f"{what}“{value.strip()}”不是日期：请填 2022-07-15 这样的日期") from None
    else:
        raise UdfInputError(f"{what}不是日期")
    if not in_range(day):
        raise UdfInputError(f"{what} {day:%Y-%m-%d} 不在 2000—2099 年之间，请核对")
    return day


def _whole(value: Any, what: str) -> int:
    if isinstance(value, bool) or value is None or value == "":
        raise UdfInputError(f"{what}未填：请填整数")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UdfInputError(f"{what}“{value}”不是数字：请填整数") from None
    if not number.is_integer():
        raise UdfInputError(f"{what} {value} 不是整数")
    if abs(number) > 100_000:
        raise UdfInputError(f"{what} {int(number)} 太大，请核对")
    return int(number)


# ---- the household functions: a block of 台账 rows -----------------------------------------------------------------

def _grid(value: Any, what: str) -> list[list[Any]]:
    """A range argument as rows (a single cell or a single row as given by a plain call, too)."""
    if value is None:
        raise UdfInputError(f"{what}为空：请选中台账的行（从 A 列起，或同时给出表头行）")
    if not isinstance(value, (list, tuple)):
        return [[value]]
    if value and not isinstance(value[0], (list, tuple)):
        return [list(value)]
    return [list(row) for row in value]


def _laid_out(rows: Any, headers: Any) -> list[tuple[int, tuple[Any, ...]]]:
    """(row number within the range, values laid out as schema.COLUMNS): in the template's order from column A, or
    by `headers` (the header row, same width) in any order. A range selected from its header row down counts that
    row as its first, as the clerk counts the rows selected."""
    grid, first = _grid(rows, "rows"), 1
    if headers is None and grid and _is_header_row(grid[0]):     # the range was selected from its header row down
        headers, grid, first = grid[0], grid[1:], 2
    if headers is None:
        width = len(COLUMNS)
        return [(n, tuple(r[:width]) + (None,) * (width - len(r[:width]))) for n, r in enumerate(grid, start=first)]
    header_rows = _grid(headers, "headers")
    if not header_rows or not header_rows[0]:
        raise UdfInputError("headers 为空：请选台账的表头行")
    header_row = header_rows[0]
    if grid and len(grid[0]) != len(header_row):
        raise UdfInputError(f"headers 有 {len(header_row)} 列，rows 有 {len(grid[0])} 列：表头行须与所选行同宽")
    have = {fold(h) for h in header_row}
    missing = [c.header for c in COLUMNS if c.kind == "input" and fold(c.header) not in have]
    if missing:
        raise UdfInputError(f"headers 中没有{'、'.join(f'“{m}”' for m in missing[:5])}"
                            f"{f'等 {len(missing)} 列' if len(missing) > 5 else ''}：表头须含台账的全部填写列（顺序不限），"
                            "可直接选台账的表头行")
    columns = find_columns([header_row], "所选表头")
    remap = columns.remapper(len(header_row))
    width = len(header_row)
    return [(n, remap((list(r) + [None] * width)[:width] + [None])) for n, r in enumerate(grid, start=first)]


def _is_header_row(row: list[Any]) -> bool:
    return sum(1 for v in row if fold(v) in _HEADERS) >= 3


_HEADERS = frozenset(fold(c.header) for c in COLUMNS)


def _household_function(function: Callable) -> Callable:
    """HX_GRADE, HX_CLAUSES and HX_MEASURES: the same three arguments, with the same help. The decorators are looked up
    when this runs, so the build's recording ones (`addin.build`) see these functions as Excel will."""
    guarded = _in_cell(function)
    guarded = xw.arg("on_date", doc="可选：评估日期，默认今天")(guarded)
    guarded = xw.arg("headers", ndim=2, doc="可选：台账的表头行，与所选行同宽")(guarded)
    guarded = xw.arg("rows", ndim=2, doc="一户的台账行（从 A 列起按模板列序；给出表头时列序不限）")(guarded)
    return xw.func(category=CATEGORY)(guarded)


def _household(rows: Any, headers: Any, on_date: Any):
    """The one household of the rows and its assessment."""
    policy = _current_policy()
    as_of = _day(on_date, "评估日期", date.today())
    read = read_rows(_laid_out(rows, headers), policy)
    if len(read.households) > 1:
        raise UdfInputError(f"所选的行含 {len(read.households)} 户（户编号不同）：请只选一户的行，整表请用 HX_GRADES")
    if not read.households:
        if not read.problems:
            raise UdfInputError("所选的行没有填写内容")
        problem = read.problems[0]      # its row counted within the range (_laid_out), not the sheet's
        raise UdfInputError(f"所选的第 {problem.row} 行{f'“{problem.column}”列' if problem.column else ''}：{problem.message}")
    household = read.households[0].household
    return household, _assess(household, policy, as_of)


def _assess(household, policy: Policy, as_of: date):
    """The core's assessment; a year whose income line the policy lacks said in a cell's words."""
    try:
        return assess(household, policy, as_of)
    except PolicyError:
        year = household.year or as_of.year
        known = "、".join(str(y) for y in sorted(policy.income_lines.get(policy.document.province, {}))) or "无"
        raise UdfInputError(f"政策参数中没有 {year} 年的年人均纯收入标准线（已有：{known} 年）：请给出该年度内的评估日期"
                            f"（最后一个参数，如台账“参数”表的评估日期），或请技术人员在政策参数文件中加入 {year} 年的标准线") from None


@_household_function
def HX_GRADE(rows, headers=None, on_date=None):
    """按花乡振领〔2022〕3号文件评定一户的预警分级：红、黄、绿、无，缺少事实时为“待补充”。"""
    return _household(rows, headers, on_date)[1].grade


@_household_function
def HX_CLAUSES(rows, headers=None, on_date=None):
    """一户成立的条款（R1—R7、Y1—Y2、G1—G4）及理由和数字；待补充时列出缺少的事实。"""
    assessment = _household(rows, headers, on_date)[1]
    if assessment.grade == INCOMPLETE:
        return factor_text(assessment.clause_ids, assessment.missing, assessment.grade)
    return "\n".join(hit.reason if hit.reason.startswith(hit.id) else f"{hit.id} {hit.reason}"
                     for hit in assessment.clauses)


@_household_function
def HX_MEASURES(rows, headers=None, on_date=None):
    """文件第五部分“分类管理及动态帮扶”对该户成立条款的帮扶措施，每条一行。"""
    return suggestion_text(_household(rows, headers, on_date)[1])


@xw.func(category=CATEGORY)
@xw.arg("table", ndim=2, doc="整张台账的数据区（可含表头行）")
@xw.arg("headers", ndim=2, doc="可选：台账的表头行，与数据区同宽")
@xw.arg("on_date", doc="可选：评估日期，默认今天")
@xw.ret(expand="table")
@_in_cell
def HX_GRADES(table, headers=None, on_date=None):
    """整表一次评定：每行一格，户主行为该户的预警分级，成员行留空；结果为一列。"""
    policy = _current_policy()
    as_of = _day(on_date, "评估日期", date.today())
    grid = _grid(table, "table")
    header_first = headers is None and bool(grid) and _is_header_row(grid[0])
    laid_out = _laid_out(grid, headers)
    read = read_rows(laid_out, policy)
    grades = {entry.head_row: _assess(entry.household, policy, as_of).grade for entry in read.households}
    column = [[grades.get(n, "")] for n, _ in laid_out]
    return ([[""]] if header_first else []) + column


# ---- ID numbers ------------------------------------------------------------------------------------------------------

_KINDS = ((bool, "逻辑值（TRUE/FALSE）"), (datetime, "日期"), (date, "日期"), ((list, tuple), "多个单元格"))


def _id_text(value: Any) -> Any:
    """An ID argument as the core takes it: text, or a number (which the core says lost its digits); anything else is
    said here, in the clerk's words."""
    if value is None or value == "":
        raise UdfInputError("身份证号未填")
    for kind, name in _KINDS:
        if isinstance(value, kind):
            raise UdfInputError(f"身份证号应是文字（文本格式的单元格），这里是{name}：请选中一个填身份证号的单元格")
    if isinstance(value, float) and value != value:
        raise UdfInputError("身份证号应是文字（文本格式的单元格）")
    return value


def _number(value: Any) -> str:
    return id_number.validate(_id_text(value))


@xw.func(category=CATEGORY)
@xw.arg("id", doc="身份证号（文本格式的单元格）")
@_in_cell
def HX_ID_CHECK(id):  # noqa: A002 — the argument's name as Excel's dialog shows it
    """按 GB 11643 校验身份证号：正确时为空，否则说明错在哪里、怎样改。"""
    try:
        id_number.validate(_id_text(id))
    except (id_number.IdNumberError, UdfInputError) as exc:
        return str(exc)
    return ""


@xw.func(category=CATEGORY)
@xw.arg("id", doc="身份证号")
@_in_cell
def HX_ID_MASK(id):  # noqa: A002
    """打印或上报用的脱敏号码：保留前 6 位和后 4 位。"""
    if id is None or id == "":
        return ""
    value = _id_text(id)
    if not isinstance(value, str):      # a number: its last digits are already gone, and a mask would hide that
        raise id_number.StoredAsNumber()
    return id_number.mask(value)


@xw.func(category=CATEGORY)
@xw.arg("id", doc="身份证号")
@xw.arg("on_date", doc="可选：按哪一天计算周岁，默认今天")
@_in_cell
def HX_ID_AGE(id, on_date=None):  # noqa: A002
    """身份证号所载出生日期到指定日期的周岁。"""
    day = _day(on_date, "日期", date.today())
    return id_number.age_on(id_number.validate(_id_text(id), on=day), day)


@xw.func(category=CATEGORY)
@xw.arg("id", doc="身份证号")
@_in_cell
def HX_ID_SEX(id):  # noqa: A002
    """身份证号第 17 位所示性别：男或女。"""
    return id_number.sex(_number(id))


# ---- days -------------------------------------------------------------------------------------------------------------

@xw.func(category=CATEGORY)
@xw.arg("start", doc="起始日期")
@xw.arg("days", doc="工作日天数（可为负数）")
@_in_cell
def HX_WORKDAY(start, days):
    """按国务院公布的法定节假日和调休计算的工作日（Excel 的 WORKDAY 不知道调休）。"""
    return workday(_day(start, "起始日期"), _whole(days, "天数"), _current_policy().calendar)


_STEP = re.compile(r"[Dd]([1-5])(?![0-9A-Za-z])")     # "D1", "d3 确定联系人"; not "D12"


@xw.func(category=CATEGORY)
@xw.arg("step_id", doc="D1 入户核实、D2 公示期满、D3 确定联系人和措施、D4 下次走访研判、D5 收入稳定满期")
@xw.arg("start", doc="起算日期：D1 线索日期、D2 公示开始、D3 纳入监测、D4 上次走访、D5 收入稳定起始")
@_in_cell
def HX_DUE(step_id, start):
    """按政策参数的天数和口径（自然日或工作日）算出 D1—D5 的期限。"""
    match = _STEP.match(str(step_id or "").strip())
    if not match:
        raise UdfInputError(f"step_id“{step_id}”不是 D1—D5 之一")
    key = f"D{match.group(1)}"
    day = _day(start, "起算日期")
    policy = _current_policy()
    d, mode, extra = policy.deadlines, policy.deadlines.day_mode, policy.calendar
    if key == "D1":
        return add_days(day, d.household_check_days, mode, extra)
    if key == "D2":
        return notice_last_day(day, d.public_notice_days, mode, extra)
    if key == "D3":
        return add_days(day, d.contact_and_measures_days, mode, extra)
    if key == "D4":
        return month_end(day, d.visit_interval_months)
    return months_after(day, d.stable_income_months)


FUNCTIONS = (HX_GRADE, HX_CLAUSES, HX_MEASURES, HX_GRADES, HX_ID_CHECK, HX_ID_MASK, HX_ID_AGE, HX_ID_SEX,
             HX_WORKDAY, HX_DUE)
