"""`hx-excel clues intake`: the month's department lists matched to the persons of the township ledgers (and of the
national export, when given), each matched person one clue with every fact the departments found, handed to the
person's township with its 7-day deadline (D1); the rows that matched nobody kept for the district to route.

Decisions (policy.md has no word on them; README “部门联合筛查”):
- A person is matched by ID number in `id_number.match_key` form: a 15-digit number meets its 18-digit form; a number
  stored as a number is matched only when no digit can have been lost (never guessed).
- A ledger person wins over the export's: the clue goes to the township whose ledger holds the person.
- A fact is already open in the ledger when the person's household there has not left monitoring (D5/D6) and the
  core already finds the fact's clause on it (or found it and graded it green through G1): that fact is not handed
  out again (it is listed as such); a clue all of whose facts are open is not handed out.
- The clue is received on `received` (default today), its household check due `household_check_days` later (D1,
  in the policy's day mode), the deadline the ledger computes once the clue is carried into it (`clues apply`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Iterable

from hx_excel.core import id_number
from hx_excel.core.days import add_days
from hx_excel.core.grading import assess
from hx_excel.core.workflow import exit_kind
from hx_excel.files.inputs import InputFileError
from hx_excel.ledger.book import read_book
from hx_excel.ledger.reader import read_rows
from hx_excel.ledger.schema import column_index
from hx_excel.operations.check import ledger_files
from hx_excel.policy import Policy
from hx_excel.clues.department_file import (DepartmentFileError, DepartmentList, DepartmentRow, Fact,
                                            read_department_file)
from hx_excel.clues.profiles import DepartmentProfile

_ID, _NAME, _HID, _VILLAGE, _REL = (column_index(k) - 1 for k in ("id_number", "name", "household_id", "village",
                                                                  "relation"))


@dataclass(frozen=True)
class Person:
    """A person the clues are matched against: where they stand in a ledger, or in the national export."""

    township: str
    village: str
    household_id: str
    name: str
    id_shown: str
    source: str            # the ledger's file name, or the export's
    row: int
    in_ledger: bool


@dataclass
class Clue:
    number: str                         # 线索编号, unique in the district's month: XS-2022-07-0001
    key: str                            # the ID number as matched
    person: Person
    facts: list[Fact]
    received_on: date
    due: date

    @property
    def clauses(self) -> list[str]:
        return list(dict.fromkeys(f.clause for f in self.facts))

    @property
    def departments(self) -> list[str]:
        return list(dict.fromkeys(f.department for f in self.facts))


@dataclass
class Unmatched:
    row: DepartmentRow
    reason: str


@dataclass
class AlreadyOpen:
    person: Person
    fact: Fact
    why: str


@dataclass
class Intake:
    month: str                                           # "2022-07"
    received_on: date
    clues: list[Clue] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    already_open: list[AlreadyOpen] = field(default_factory=list)
    lists: list[DepartmentList] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)      # (file, why) of files not taken in
    ledgers: list[str] = field(default_factory=list)
    unread_ledgers: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)                  # cells a rule could not read; persons twice
    problems_shown: list[str] = field(default_factory=list)            # the same for the 总台账 (no private value)
    roster: str = ""

    @property
    def townships(self) -> list[str]:
        return list(dict.fromkeys(c.person.township for c in self.clues))


def intake(files: Iterable[str | Path], ledgers: Iterable[str | Path], policy: Policy, profiles: list[DepartmentProfile],
           month: tuple[int, int], *, received_on: date | None = None, roster=None,
           progress: Callable[[str], None] | None = None) -> Intake:
    """Match the department files against the ledgers (files or folders) and `roster` (a roster.Roster, or None)."""
    received_on = received_on or date.today()
    result = Intake(f"{month[0]:04d}-{month[1]:02d}", received_on)
    seen: dict[bytes, str] = {}
    for path in map(Path, files):
        if progress:
            progress(path.name)
        try:
            content = path.read_bytes() if path.is_file() else None
        except OSError:
            content = None
        if content is not None:
            if content in seen:         # the same list twice (given twice, or copied under another name): once
                result.refused.append((path.name, f"与 {seen[content]} 内容完全相同，只读取一次"))
                continue
            seen[content] = path.name
        try:
            result.lists.append(read_department_file(path, profiles, policy, month))
        except (DepartmentFileError, InputFileError) as exc:
            result.refused.append((path.name, str(exc)))
    persons, books = _ledger_persons(ledgers, result)
    if roster is not None:
        result.roster = roster.name
        _roster_persons(roster, persons)
    found: dict[str, tuple[Person, list[Fact]]] = {}
    for department_list in result.lists:
        result.problems += [p.full for p in department_list.problems]
        result.problems_shown += [p.shown for p in department_list.problems]
        for row in department_list.hits:
            person = persons.get(row.id_key) if row.id_key else None
            if person is None:
                reason = row.id_problem or ("台账和国家系统名单中都没有此人" if roster is not None else "各乡镇台账中都没有此人")
                result.unmatched.append(Unmatched(row, reason))
                if row.id_problem:         # said, not only filed: the department may send the number again
                    said = f"{row.file} 第 {row.row} 行：{row.id_problem}，无法比对，已列入“未匹配”表，请向部门核实"
                    result.problems.append(said)
                    result.problems_shown.append(said)
                continue
            if row.name and person.name and _folded_name(row.name) != _folded_name(person.name):
                said = (f"{row.file} 第 {row.row} 行的姓名“{row.name}”与 {person.source} 第 {person.row} 行的“{person.name}”不同："
                        "线索按身份证号交给后者，请核对部门名单的身份证号是否填错")
                result.problems.append(said)
                result.problems_shown.append(said)
            facts = found.setdefault(row.id_key, (person, []))[1]
            facts += [f for f in row.facts if (f.department, f.clause, f.says) not in
                      {(g.department, g.clause, g.says) for g in facts}]
    open_clauses = _open_clauses({k: p for k, (p, _) in found.items()}, books, policy, month)
    due = add_days(received_on, policy.deadlines.household_check_days, policy.deadlines.day_mode, policy.calendar)
    handed: list[tuple[str, Person, list[Fact]]] = []
    for key, (person, facts) in found.items():
        still, why_open = [], open_clauses.get(key, {})
        for fact in facts:
            if fact.clause in why_open:
                result.already_open.append(AlreadyOpen(person, fact, why_open[fact.clause]))
            else:
                still.append(fact)
        if still:
            handed.append((key, person, still))
    handed.sort(key=lambda t: (t[1].township, t[1].village, t[1].household_id, t[1].source, t[1].row))
    for number, (key, person, facts) in enumerate(handed, start=1):
        result.clues.append(Clue(f"XS-{result.month}-{number:04d}", key, person, facts, received_on, due))
    return result


def _folded_name(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split())


def _ledger_persons(paths: Iterable[str | Path], result: Intake) -> tuple[dict[str, Person], dict[str, object]]:
    """Every person of the ledgers by ID (match_key), and each ledger read, by file name."""
    persons: dict[str, Person] = {}
    books = {}
    for path in ledger_files(paths):
        try:
            book = read_book(path, formulas="none")
        except InputFileError as exc:
            result.unread_ledgers.append((path.name, str(exc)))
            continue
        result.ledgers.append(path.name)
        books[path.name] = book
        township = book.settings.township or path.stem
        villages: dict[str, str] = {}          # a member row may leave 村 to its head row
        for number, values in book.rows:
            hid, village = str(values[_HID] or "").strip(), str(values[_VILLAGE] or "").strip()
            if not village:
                village = villages.get(hid, "")
            elif hid:
                villages.setdefault(hid, village)
            try:
                key = id_number.match_key(values[_ID])
            except id_number.IdNumberError:
                continue           # check names it; a clue cannot be matched to it
            if key in persons:
                first = persons[key]
                said = f"身份证号 {id_number.mask(key)} 在 {first.source} 第 {first.row} 行和 {path.name} 第 {number} 行各有一次：线索按前者交办"
                result.problems.append(said)
                result.problems_shown.append(said)
                continue
            persons[key] = Person(township, village, hid, str(values[_NAME] or "").strip(),
                                  id_number.compact(values[_ID]) if isinstance(values[_ID], str) else key,
                                  path.name, number, True)
    return persons, books


def _roster_persons(roster, persons: dict[str, Person]) -> None:
    for household in roster.households:
        for number, typed in zip(household.rows, household.typed):
            try:
                key = id_number.match_key(typed.get("id_number"))
            except id_number.IdNumberError:
                continue
            if key not in persons:
                persons[key] = Person(household.township, household.village, household.household_id,
                                      str(typed.get("name") or ""), str(typed.get("id_number")), roster.name, number,
                                      False)


def _open_clauses(matched: dict[str, Person], books: dict, policy: Policy,
                  month: tuple[int, int]) -> dict[str, dict[str, str]]:
    """For each matched ledger person: the clauses the core already finds on their household (not left monitoring),
    each with what to tell the district."""
    by_file: dict[str, dict[str, list[str]]] = {}
    for key, person in matched.items():
        if person.in_ledger and person.household_id:
            by_file.setdefault(person.source, {}).setdefault(person.household_id, []).append(key)
    from hx_excel.core.days import month_end
    as_of = month_end(date(month[0], month[1], 1))
    out: dict[str, dict[str, str]] = {}
    for name, households in by_file.items():
        book = books[name]
        rows = [(n, v) for n, v in book.rows if str(v[_HID] or "").strip() in households]
        for entry in read_rows(rows, policy).households:
            household = entry.household
            if book.settings.year and household.year is None:
                household = household.model_copy(update={"year": book.settings.year})
            if exit_kind(household, policy):
                continue
            try:
                assessment = assess(household, policy, as_of)
            except Exception:  # noqa: BLE001 — a year without an income line: check says so; the clue is handed out
                continue
            known = {c: f"{name} 第 {entry.head_row} 行所在户已有 {c}（预警分级 {assessment.grade}）"
                     for c in assessment.clause_ids}
            known.update({c: f"{name} 第 {entry.head_row} 行所在户已有 {c}，按 G1 评为绿（户能自行解决）"
                          for c in assessment.carved_out})
            for key in households.get(household.household_id, []):
                out[key] = known
    return out
