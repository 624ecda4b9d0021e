"""One department's monthly list read through its profile: which department it is (by its headers), each row's ID
number in the form lists are matched by, and the clues its rules find. Lists come as .xlsx, .xls or CSV (GBK or
UTF-8), read as the roster is (`roster.source`); a title row above the header, merged or not, is passed over.

A row whose ID number cannot be matched (blank, stored as a number that lost digits, the wrong length) is kept with
the reason, for the district to route by hand; a cell a rule cannot read (text in a number column, a date that is
not one) is said with its row and column, and that rule is not judged for that row.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from hx_excel.core import id_number
from hx_excel.core.days import month_end
from hx_excel.ledger.book import fold
from hx_excel.ledger.cells import CellError, from_cell, text_of
from hx_excel.ledger.schema import Column
from hx_excel.policy import Policy
from hx_excel.roster.mapping import RosterError
from hx_excel.roster.source import read_source
from hx_excel.roster.values import convert
from hx_excel.clues import ClueError
from hx_excel.clues.profiles import AMOUNT, Condition, DepartmentProfile, amount, folded_value, skeleton

HEADER_SEARCH_ROWS = 20


class DepartmentFileError(ClueError):
    """A department file that cannot be taken in at all; the message is Chinese and says what to do."""


@dataclass(frozen=True)
class Fact:
    """What one rule found on one row: the clue's content as a cadre reads it."""

    department: str
    clause: str
    says: str
    private: bool
    file: str
    row: int


@dataclass(frozen=True)
class CellProblem:
    """A cell a rule could not read: `full` for the screen (the district clerk holds the list itself), `shown`
    for the 总台账, without the cell's value when the department's facts are private."""

    full: str
    shown: str


@dataclass
class DepartmentRow:
    file: str
    row: int
    name: str
    id_shown: str                  # as the list holds it (for the township's own 交办单)
    id_key: str | None             # id_number.match_key; None when it cannot be matched
    id_problem: str = ""           # why it cannot be matched
    facts: list[Fact] = field(default_factory=list)


@dataclass
class DepartmentList:
    file: str
    profile: DepartmentProfile
    sheet: str | None
    header_row: int
    rows_read: int = 0
    hits: list[DepartmentRow] = field(default_factory=list)       # rows with at least one fact
    problems: list[CellProblem] = field(default_factory=list)    # cells a rule could not read


def read_department_file(path: str | Path, profiles: list[DepartmentProfile], policy: Policy,
                         month: tuple[int, int]) -> DepartmentList:
    """The clues of one department file for `month` (year, month); DepartmentFileError when it is no department's
    list, or lacks a column its department's rules need."""
    path = Path(path)
    source = _source(path)
    rows = source.rows
    try:
        profile, header_row, headers = _recognise(rows, profiles, path.name)
    except DepartmentFileError:
        # a notes sheet before the list: the other sheets are looked at, in order, before the file is refused
        for sheet in source.other_sheets:
            other = _source(path, sheet)
            try:
                profile, header_row, headers = _recognise(other.rows, profiles, path.name)
            except DepartmentFileError:
                continue
            source, rows = other, other.rows
            break
        else:
            raise
    where = {fold(h): i for i, h in reversed(list(enumerate(headers))) if fold(h)}
    id_at = _column(where, profile.columns.id_number)
    name_at = _column(where, profile.columns.name)
    if id_at is None:
        raise DepartmentFileError(
            f"{path.name}（{profile.department}）第 {header_row} 行表头中找不到身份证号列（可写：{'、'.join(profile.columns.id_number)}），"
            f"无法与台账比对：请补上身份证号列，或在部门规则 {profile.source} 的 id_number 中写上该列的名称")
    needed = [c.column for r in profile.rules for c in r.when]
    missing = [c for c in dict.fromkeys(needed) if fold(c) not in where]
    if missing:
        raise DepartmentFileError(
            f"{path.name}（{profile.department}）第 {header_row} 行表头中没有{'、'.join(f'“{m}”' for m in missing)}列，"
            f"部门规则 {profile.source} 要用它判断线索：请核对表头是否改了名，或改部门规则")
    result = DepartmentList(path.name, profile, source.sheet, header_row)
    start, end = _month_range(month)
    # each condition's column found once, and each distinct value it meets judged once (a list of 80,000 rows
    # repeats 正常, A级 and its few dates on every row)
    judged = [(rule, [(where[fold(c.column)], _judge(c, policy, start, end)) for c in rule.when]) for rule in profile.rules]
    for number, values in rows:
        if number <= header_row:
            continue
        result.rows_read += 1
        cell = lambda header: _at(values, where.get(fold(header)))    # noqa: E731
        facts = []
        for rule, conditions in judged:
            verdict = [judge(_at(values, index)) for index, judge in conditions]
            unreadable = [(c, why) for c, (_, why) in zip(rule.when, verdict) if why]
            if unreadable:
                for condition, why in unreadable:
                    place = f"{path.name} 第 {number} 行“{condition.column}”"
                    result.problems.append(CellProblem(
                        f"{place}：{why}（{rule.clause} 的规则未判断）",
                        f"{place}无法判断（{rule.clause} 的规则未判断）：请部门核对" if profile.private
                        else f"{place}：{why}（{rule.clause} 的规则未判断）"))
                continue
            if all(ok for ok, _ in verdict):
                threshold = next((amount(c, policy) for c in rule.when if c.at_least is not None), None)
                facts.append(Fact(profile.department, rule.clause, _says(rule.says, cell, threshold),
                                  profile.private, path.name, number))
        if not facts:
            continue
        raw_id = _at(values, id_at)
        row = DepartmentRow(path.name, number, text_of(_at(values, name_at)), _id_text(raw_id), None, facts=facts)
        try:
            row.id_key = id_number.match_key(raw_id)
        except id_number.IdNumberError as exc:
            row.id_problem = "没有身份证号" if not text_of(raw_id) else str(exc).split("。")[0]
        result.hits.append(row)
    return result


def _source(path: Path, sheet: str | None = None):
    try:
        return read_source(path, sheet)
    except RosterError as exc:
        raise DepartmentFileError(re.sub("名单(文件)?", "部门名单", str(exc))) from None


def _recognise(rows: list[tuple[int, Any]], profiles: list[DepartmentProfile],
               name: str) -> tuple[DepartmentProfile, int, list[Any]]:
    from hx_excel.ledger.book import _SCHEMA_FOLDED

    best: tuple[int, int, DepartmentProfile | None, list[Any]] = (0, 0, None, [])
    for number, values in rows[:HEADER_SEARCH_ROWS]:
        folded = {fold(v) for v in values if v is not None and str(v).strip()}
        if len(folded & _SCHEMA_FOLDED.keys()) >= 6:       # 序号、乡镇、村、组、姓名、与户主关系……: a ledger
            raise DepartmentFileError(f"{name} 是防贫监测台账，不是部门名单：台账请用 --ledgers 指定")
        matching = [p for p in profiles if p.recognises(folded)]
        strongest = max((len(p.recognise) for p in matching), default=0)
        tied = [p for p in matching if len(p.recognise) == strongest]
        if len(tied) > 1:     # two departments' headers at once: whose facts these are is not guessed
            raise DepartmentFileError(
                f"{name} 第 {number} 行的表头同时像{'、'.join(p.department for p in tied)}的名单"
                f"（{'、'.join(h for p in tied for h in p.recognise)}），不知道按哪个部门的规则判断：请把两个部门的名单"
                "分成两个文件，或在部门规则的 recognise 中多写一列，让它只认得自己的名单")
        if tied and strongest > best[0]:
            best = (strongest, number, tied[0], list(values))
    if best[2] is None:
        if not rows:
            raise DepartmentFileError(f"{name} 是空的，没有任何内容：请向部门要回完整的名单")
        headers = max((list(v) for _, v in rows[:HEADER_SEARCH_ROWS]),
                      key=lambda v: sum(isinstance(x, str) and bool(x.strip()) for x in v))
        shown = [str(h).strip() for h in headers if h is not None and str(h).strip()]
        known = "、".join(p.department for p in profiles)
        raise DepartmentFileError(
            f"{name} 不是已知部门的名单（已知：{known}），表头为：{'、'.join(shown[:10]) or '（无）'}。"
            "请为它写一个部门规则（.toml），放进一个文件夹后用 --profiles 指定，例如：\n"
            + skeleton(shown))
    return best[2], best[1], best[3]


def _column(where: dict[str, int], names: tuple[str, ...]) -> int | None:
    return next((where[fold(n)] for n in names if fold(n) in where), None)


def _at(values: Any, index: int | None) -> Any:
    if index is None or index >= len(values):
        return None
    value = values[index]
    return None if value == "" else value


def _id_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return f"{int(value)}"
    return text_of(value)


def _month_range(month: tuple[int, int]) -> tuple[date, date]:
    first = date(month[0], month[1], 1)
    return first, month_end(first)


_NUMBER = Column("amount", "", "", "input", "number", "household", 10, "")
_DATE = Column("day", "", "", "input", "date", "household", 10, "")


def _judge(condition: Condition, policy: Policy, start: date, end: date):
    """`_holds` for one condition, remembering each distinct cell value's verdict."""
    seen: dict = {}
    allowed = {folded_value(v) for v in condition.equals} if condition.equals is not None else None

    def judge(value: Any) -> tuple[bool, str]:
        key = (type(value), value)
        verdict = seen.get(key)
        if verdict is None:
            if allowed is not None:
                verdict = (folded_value(text_of(value)) in allowed, "")
            else:
                verdict = _holds(condition, value, policy, start, end)
            seen[key] = verdict
        return verdict
    return judge


def _holds(condition: Condition, value: Any, policy: Policy, start: date, end: date) -> tuple[bool, str]:
    """(whether the condition holds, "" or why the cell cannot be judged)."""
    if condition.filled:
        return bool(text_of(value)), ""
    if condition.equals is not None:
        return folded_value(text_of(value)) in {folded_value(v) for v in condition.equals}, ""
    if not text_of(value):
        return False, ""
    try:
        if condition.at_least is not None:
            number = from_cell(_NUMBER, convert(_NUMBER, value, []))
            return number is not None and math.isfinite(number) and number >= amount(condition, policy), ""
        day = from_cell(_DATE, convert(_DATE, value, []))
        return day is not None and start <= day <= end, ""
    except CellError as exc:
        return False, f"“{text_of(value)}”无法判断：{exc}"


def _says(template: str, cell, threshold: float | None) -> str:
    import string
    parts = []
    for text, name, _, _ in string.Formatter().parse(template):
        parts.append(text)
        if name is None:
            continue
        if name == AMOUNT:
            parts.append(_shown(threshold))
        else:
            value = cell(name)
            parts.append(_shown(value) if text_of(value) else "—")
    return "".join(parts)


def _shown(value: Any) -> str:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return text_of(value)
