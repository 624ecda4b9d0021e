"""Reading 台账 rows back into households, in the manner of a declared table schema: every typed cell is checked
against its column's type and value list, and each fault becomes a Problem that names the sheet, row and column and
says what to fix. A faulty cell is left out; the rest is still read. The rows come laid out as `schema.COLUMNS`,
from `book.read_book`, which finds the columns by their headers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import is_not, itemgetter
from pathlib import Path
from typing import Any

from hx_excel.files.inputs import InputFileError
from hx_excel.core.models import Household, HouseholdDataError
from hx_excel.ledger.cells import CellError, from_cell
from hx_excel.ledger.schema import BY_KEY, COLUMNS, INPUT_COLUMNS, SHEET, column_index
from hx_excel.policy import YES_NO, Policy



class LedgerFileError(InputFileError):
    """The file is not a ledger this tool can read (not a workbook, no 台账 sheet, columns renamed or missing)."""


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int
    column: str          # the column's header
    message: str

    def __str__(self) -> str:
        # a sheet of a workbook, or a file of its own (a roster CSV)
        place = f"文件 {self.sheet} " if Path(self.sheet).suffix else f"“{self.sheet}”表"
        where = place + (f"第 {self.row} 行" if self.row else "") + (f"“{self.column}”" + ("列" if self.row else "")
                                                                     if self.column else "")
        return f"{where}：{self.message}"


@dataclass
class LedgerHousehold:
    household: Household
    head_row: int
    rows: list[int]


@dataclass
class LedgerRead:
    households: list[LedgerHousehold] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read_ledger(path: str | Path, policy: Policy) -> LedgerRead:
    """The households of a ledger file, its columns found by their headers (`book.read_book`)."""
    from hx_excel.ledger.book import read_book   # book reads files and builds on this module's row reading

    return read_book(path).read(policy)


def read_rows(numbered_rows, policy: Policy) -> LedgerRead:
    """Households from (row number, cell values) pairs laid out as schema.COLUMNS."""
    result = LedgerRead()
    positions = _INPUT_POSITIONS
    by_household: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    seen: dict = {}
    for number, values in numbered_rows:
        typed = read_row(number, values, positions, policy, result.problems, seen)
        if not typed:
            continue
        household_id = typed.get("household_id")
        if not household_id:
            result.problems.append(Problem(SHEET, number, "户编号", "户编号未填：同一户每行都要填相同的户编号，本行未计入任何户"))
            continue
        by_household.setdefault(str(household_id), []).append((number, typed))
    for household_id, rows in by_household.items():
        built = build_household(household_id, rows, policy, result.problems)
        if built:
            result.households.append(built)
    return result


def in_runs(numbered_rows, policy: Policy, runs: int = 2) -> list[list]:
    """The rows cut into `runs` parts of about equal length, each household whole in one of them and the households
    in the order read_rows meets them, so that read_rows of each part, put end to end, reads what read_rows of all
    the rows reads (a large ledger is read on two processes: check). A row with no readable 户编号 stays in the
    first part, where read_rows reports it."""
    index, column = column_index("household_id") - 1, BY_KEY["household_id"]
    keys: dict = {}
    rows_of: dict[str | None, list] = {}
    for row in numbered_rows:
        values = row[1]
        raw = values[index] if index < len(values) else None
        key = keys.get((raw.__class__, raw))
        if key is None:
            good, value = cell_outcome(column, raw, policy) if raw is not None else (False, None)
            key = keys[(raw.__class__, raw)] = str(value) if good and value else ""
        rows_of.setdefault(key or None, []).append(row)
    parts: list[list] = [rows_of.pop(None, [])]
    total, done = sum(len(r) for r in rows_of.values()) + len(parts[0]), len(parts[0])
    for household_rows in rows_of.values():
        if done >= total * len(parts) / runs and len(parts) < runs:
            parts.append([])
        parts[-1] += household_rows
        done += len(household_rows)
    return parts + [[] for _ in range(runs - len(parts))]


UNREADABLE = "unreadable"   # read_row: the keys of a row's cells that could not be read (not a column key)


def off_list(column, value: str, policy: Policy) -> str:
    """What to tell a clerk whose value is not on the column's list: what it probably means, else the choices."""
    list_name = YES_NO if column.type == "bool" else column.values
    near = policy.nearest(list_name, value)
    allowed = ("是", "否") if column.type == "bool" else policy.lists.values(column.values)
    hint = f"，可能是“{near}”" if near else f"（可选：{'、'.join(allowed[:8])}{'…' if len(allowed) > 8 else ''}）"
    return f"“{value}”不在下拉列表中{hint}；请从下拉列表选择"


_INPUT_POSITIONS = [(i, c) for i, c in enumerate(COLUMNS) if c.kind == "input"]
_INPUT_CELLS = itemgetter(*(i for i, _ in _INPUT_POSITIONS))     # a row's input cells, in one C-level call
_INPUT_COLUMNS = [c for _, c in _INPUT_POSITIONS]
_NONES = repeat(None)


def read_row(number: int, values, positions, policy: Policy, problems: list[Problem],
             seen: dict | None = None) -> dict[str, Any]:
    """One row's typed input cells (schema key → model value); each faulty cell becomes a Problem and is left out,
    its key listed under UNREADABLE (a household fact that could not be read is not a blank one: grading says so).
    `seen`, a dict kept for one sheet, remembers each distinct (column, value) read: a 50,000-person export repeats
    是, 否, 户主 and its villages on every row, and each is worked out once."""
    typed: dict[str, Any] = {}
    if seen is None:
        seen = {}
    if positions is _INPUT_POSITIONS and len(values) == len(COLUMNS):
        cells = _INPUT_CELLS(values)
        # the blank cells (most of a row) are passed over in C: only the filled ones reach the loop
        filled = compress(zip(_INPUT_COLUMNS, cells), map(is_not, cells, _NONES))
    else:
        width = len(values)
        filled = ((c, values[i]) for i, c in positions if i < width and values[i] is not None)
    for column, raw in filled:
        key = (column.key, raw.__class__, raw)      # the type too: 1, 1.0 and True are equal keys in a dict
        outcome = seen.get(key)
        if outcome is None:
            outcome = seen[key] = cell_outcome(column, raw, policy)
        good, value = outcome
        if not good:
            problems.append(Problem(SHEET, number, column.header, value))
            typed.setdefault(UNREADABLE, []).append(column.key)
        elif value is not None:
            # a remembered list (several values of one cell) is copied: each row has its own
            typed[column.key] = list(value) if value.__class__ is list else value
    return typed


def own(value: Any) -> Any:
    """A remembered model value for one row: a list (several values of one cell) copied, so each row has its own."""
    return list(value) if isinstance(value, list) else value


def cell_outcome(column, raw: Any, policy: Policy) -> tuple[bool, Any]:
    """(True, the model value) of a cell, or (False, what is wrong with it)."""
    try:
        value = from_cell(column, raw)
    except CellError as exc:
        shown = {True: "TRUE", False: "FALSE"}.get(raw, raw) if isinstance(raw, bool) else raw   # as Excel shows it
        return False, off_list(column, str(shown).strip(), policy) if column.type == "bool" else str(exc)
    if value is not None and column.type == "list" and column.values != "villages":
        allowed = policy.lists.values(column.values)
        wrong = next((item for item in (value if isinstance(value, list) else [value]) if item not in allowed), None)
        if wrong is not None:
            return False, off_list(column, wrong, policy)
    return True, value


# (schema key, model field) of the input columns, by the model they read into: "household", "member", "measure"
_FIELDS: dict[str, list[tuple[str, str]]] = {"household": [], "member": [], "measure": []}
for _column in INPUT_COLUMNS:
    _source, _, _name = (_column.field or "").partition(".")
    _FIELDS[_source].append((_column.key, _name))


def build_household(household_id: str, rows: list[tuple[int, dict[str, Any]]], policy: Policy,
                    problems: list[Problem], *, when_unbuilt: str = "本户未计算") -> LedgerHousehold | None:
    """The household of `rows` (typed by read_row), facts from its head row; None, with a Problem, without a head.
    `when_unbuilt` tells the clerk what became of a household that could not be built."""
    heads = [(n, r) for n, r in rows if r.get("relation") == "户主"]
    if not heads:
        problems.append(Problem(SHEET, rows[0][0], "与户主关系",
                                f"户编号“{household_id}”没有户主行：户的情况须填在“与户主关系”为“户主”的那一行，{when_unbuilt}"))
        return None
    if len(heads) > 1:
        problems.append(Problem(SHEET, heads[1][0], "与户主关系",
                                f"户编号“{household_id}”有 {len(heads)} 名户主（第 {'、'.join(str(n) for n, _ in heads)} 行），"
                                f"按第 {heads[0][0]} 行计算，请改正"))
    head_row, head = heads[0]
    data: dict[str, Any] = {"members": [], "measures": []}
    for key, name in _FIELDS["household"]:
        if key in head:
            data[name] = head[key]
    unreadable = head.get(UNREADABLE, ())
    data["unreadable"] = tuple(name for key, name in _FIELDS["household"] if key in unreadable)
    for _, values in rows:
        member = {name: values[key] for key, name in _FIELDS["member"] if key in values}
        unread = values.get(UNREADABLE, ())
        member["unreadable"] = tuple(name for key, name in _FIELDS["member"] if key in unread)
        data["members"].append(member)
        measure = {name: values[key] for key, name in _FIELDS["measure"] if key in values}
        if measure.get("text") or measure.get("category"):
            measure.setdefault("category", "其他")  # the row check asks for the category
            data["measures"].append(measure)
    try:
        household = Household.parse(data, policy)
    except HouseholdDataError as exc:
        for sentence in exc.problems:
            problems.append(Problem(SHEET, head_row, "", f"户编号“{household_id}”：{sentence}"))
        return None
    return LedgerHousehold(household, head_row, [n for n, _ in rows])
