"""The district's one-click monthly summary (a-month-at-a-township point 6; 四、动态调整 and 六(四) D7): the townships'
ledgers added up in one workbook — households and persons by grade and by monitored category, this month's moves
from 月度研判记录 (D4), every overdue step (D1–D4, D6), the D7 accountability list, measures carried out, risk types,
and native charts of the grade mix.

Pure functions over ledgers already read and graded (`assessed.assess_book`): `digest` takes from each what the month's
report needs (where the ledger is read, so that a ledger read in another process sends back only that), `summarize`
adds the digests up into the tables as rows, `summary_workbook` lays them out; reading files stays at the edge,
`read_ledgers`.

Privacy: the workbook names a household by its village, 户编号 and head's name, with the head's ID number masked
(id_number.mask); it writes no other member fact and nothing of health or disability (the 5-day notice's rule, 三).
Measures are counted by category only (their free text may name an illness).
"""

from __future__ import annotations

import dataclasses
import gc
import os
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Iterable

from openpyxl import Workbook
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.marker import DataPoint
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from hx_excel.core import id_number
from hx_excel.core.clauses import CATEGORIES, INCOMPLETE
from hx_excel.core.workflow import unreadable_date
from hx_excel.files.bulk import can_fork, process_pool
from hx_excel.files.fonts import font
from hx_excel.files.pages import a4
from hx_excel.files.inputs import InputFileError
from hx_excel.ledger.book import read_book
from hx_excel.ledger.cells import put
from hx_excel.ledger.printing import fit_rows
from hx_excel.operations.assessed import AssessedHousehold, AssessedLedger, assess_book
from hx_excel.operations.check import cached_grade, ledger_files
from hx_excel.operations.review import MOVES, Record, month_text, parse_month, read_records, review, review_day
from hx_excel.policy import Policy

# Out of scope is never green (policy.md, The month's records): a household in neither S1 nor S2 is counted in a column
# of its own, not under the grade its clauses give, unless its facts are incomplete (then its scope is not known either).
OUT_OF_SCOPE = "不在监测范围"
GRADES = ("红", "黄", "绿", "无", INCOMPLETE, OUT_OF_SCOPE)
TOTAL = "合计"
NOT_REVIEWED = "未做本月研判"
SHEETS = ("说明", "分级汇总", "分村汇总", "监测类别", "本月变动", "逾期事项", "D7问责清单", "措施落实", "风险类型", "图表")
# D7 (六(四)): the three things people are held to account for, as the list groups them
D7_FOUND, D7_HELPED, D7_FOLLOWED = "(a) 有预警因素未及时核实识别", "(b) 已纳入监测未落实帮扶", "(c) 未按月走访或研判"


# ---- the tables, as rows ---------------------------------------------------------------------------------------

@dataclass
class FileRow:
    file: str
    township: str
    households: int
    persons: int
    ungraded: int = 0          # households the core could not grade (the ledger's year has no income line)


@dataclass
class Disagreement:
    """A 预警分级 the file shows (cached by Excel/WPS/LibreOffice) that is not the core's grade."""
    file: str
    row: int
    shown: str
    core: str


@dataclass
class Duplicate:
    """A township read twice, or a person in two ledgers: counted once, from the newest file (`without_duplicates`)."""
    kind: str                  # 乡镇 or 身份证号
    counted: str               # the file counted
    left_out: str              # the file (or the household in it) not counted
    message: str


@dataclass
class CountRow:
    """One township (or village) with a count of households and of persons per key, in the table's key order."""
    name: str
    households: dict[str, int]
    persons: dict[str, int]
    parent: str = ""           # the township of a village row in the district's table by village


@dataclass
class MovedHousehold:
    township: str
    village: str
    household_id: str
    head_name: str
    previous_grade: str
    grade: str
    move: str


@dataclass
class OverdueRow:
    township: str
    village: str
    household_id: str
    head_name: str
    clause: str
    step: str
    due: date | None
    days_overdue: int | None


@dataclass
class AccountRow:
    """A row of the D7 list: which of the three, whose, which clause and what is missing, by when."""
    kind: str
    township: str
    village: str
    household_id: str
    head_name: str
    head_id: str               # masked
    clause: str
    missing: str
    due: date | None
    days_overdue: int | None


@dataclass
class MeasureRow:
    category: str
    households: int
    measures: int
    completed: int

    @property
    def rate(self) -> float | None:
        return self.completed / self.measures if self.measures else None


@dataclass
class MonthlySummary:
    month: str                                  # 2022-07
    title: str
    unit: str                                   # 乡镇, or 村 when one township's ledger is summed
    as_of: list[date]                           # the assessment date(s) used
    files: list[FileRow] = field(default_factory=list)
    unread: list[tuple[str, str]] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    grades: list[CountRow] = field(default_factory=list)          # last row: 合计
    village_grades: list[CountRow] = field(default_factory=list)  # a district's: by township and village; 合计 last
    categories: list[CountRow] = field(default_factory=list)      # last row: 合计
    moves: list[tuple[str, dict[str, int], str]] = field(default_factory=list)   # (name, counts, note); 合计 last
    not_reviewed: list[str] = field(default_factory=list)         # "镇（文件）" of ledgers with no record that month
    moved: list[MovedHousehold] = field(default_factory=list)
    overdue: list[OverdueRow] = field(default_factory=list)
    accountability: list[AccountRow] = field(default_factory=list)
    measures: list[MeasureRow] = field(default_factory=list)      # last row: 合计
    risk_types: list[str] = field(default_factory=list)
    risks: list[tuple[str, dict[str, int]]] = field(default_factory=list)         # 合计 last



# ---- each ledger digested where it is read -------------------------------------------------------------------

@dataclass(frozen=True)
class HouseholdDigest:
    """What the month's report takes from one household: made where its ledger is read (`digest`), so a ledger read
    in another process sends back this, not itself (a 2,000-person ledger: ~0.1 MB instead of 3.3 MB to pickle)."""
    village: str
    household_id: str
    persons: int
    ids: tuple[tuple[str, int], ...]          # (ID number normalised, sheet row) of each member who has one
    counted_as: str                           # its grade, or OUT_OF_SCOPE; "" when it could not be graded
    category: str
    risk_types: tuple[str, ...]               # each once
    measures: tuple[tuple[str, bool], ...]    # (category, completed by the assessment day) of each measure
    overdue: tuple[OverdueRow, ...]
    accountability: tuple[AccountRow, ...]
    disagreement: Disagreement | None         # the grade the file shows, when it is not the core's


@dataclass(frozen=True)
class LedgerDigest:
    """What the month's report takes from one ledger, for one month: its households digested, this month's records
    of 月度研判记录 (D4), and who the month's review would list."""
    name: str
    path: Path
    modified: float                           # the file's time when read: of two copies, the newer counts
    township: str
    county: str
    villages: tuple[str, ...]                 # 参数's list, in its order
    notes: tuple[str, ...]                    # the reader's (LedgerBook.notes)
    as_of: date
    month: str
    risk_types: tuple[str, ...]               # the policy's lists, in their order
    measure_categories: tuple[str, ...]
    households: list[HouseholdDigest]
    records: tuple[Record, ...]               # this month's, on 月度研判记录
    records_unread: str                       # why 月度研判记录 could not be read ("" when it could)
    to_review: frozenset[str]                 # 户编号 the month's review lists (none: nothing left undone)
    left_out: frozenset[str] = frozenset()    # 户编号 of households another ledger counts (`without_duplicates`)


def digest(ledger: AssessedLedger, month: str) -> LedgerDigest:
    """`ledger`, graded, as the report for `month` takes it."""
    year, number = parse_month(month)
    month, first_day = month_text(year, number), date(year, number, 1)
    households = []
    for item in ledger.households:
        h, a = item.household, item.assessment
        ids = tuple((compact, row) for member, row in zip(h.members, item.entry.rows)
                    if member.id_number and (compact := id_number.compact(member.id_number)))
        if a is None:
            households.append(HouseholdDigest(h.village, h.household_id, len(item.entry.rows), ids, "", "", (), (),
                                              (), (), None))
            continue
        cached = cached_grade(ledger, item.entry.head_row)
        households.append(HouseholdDigest(
            h.village, h.household_id, len(item.entry.rows), ids,
            a.grade if a.in_scope or a.grade == INCOMPLETE else OUT_OF_SCOPE, a.category,
            tuple(dict.fromkeys(h.risk_types)),
            tuple((m.category, bool(m.completed_on and m.completed_on <= ledger.as_of)) for m in h.measures),
            tuple(_overdue(ledger, item)), tuple(_accountability(ledger, item, first_day)),
            Disagreement(ledger.name, item.entry.head_row, cached, a.grade)
            if cached is not None and cached != a.grade else None))
    try:
        records = [r for r in read_records(ledger.book) if r.month <= month]
    except InputFileError as exc:      # a damaged record sheet: said, the rest of the report stands
        records, unreadable = [], str(exc)
    else:
        unreadable = ""
    this_month = tuple(r for r in records if r.month == month)
    to_review = frozenset() if this_month or unreadable else frozenset(
        r.household_id for r in review(ledger, month, "", [r for r in records if r.month < month]).records)
    try:
        modified = ledger.book.path.stat().st_mtime
    except OSError:
        modified = 0.0
    return LedgerDigest(ledger.name, ledger.book.path, modified, ledger.township, ledger.book.settings.county,
                        tuple(ledger.book.settings.villages), ledger.book.notes, ledger.as_of, month,
                        tuple(ledger.policy.lists.risk_types), tuple(ledger.policy.lists.measure_categories),
                        households, this_month, unreadable, to_review)


def summarize(ledgers: list[LedgerDigest | AssessedLedger], month: str, unread: list[tuple[str, str]]
              ) -> MonthlySummary:
    """Every table of the month's report from the ledgers read (each graded by the core on its as_of date, and
    digested for `month`: `digest`; a ledger not yet digested is digested here), every township and every person
    counted once (`without_duplicates`)."""
    year, number = parse_month(month)
    month = month_text(year, number)
    digests = [d if isinstance(d, LedgerDigest) else digest(d, month) for d in ledgers]
    if any(d.month != month for d in digests):
        raise ValueError(f"ledgers digested for another month than {month}")
    digests, duplicates = without_duplicates(digests)
    townships = {ledger.township for ledger in digests}
    by_village = len(townships) == 1
    counties = sorted({ledger.county for ledger in digests if ledger.county})
    title = f"{'、'.join(counties) or '花溪区'}防贫监测月报 {year}年{number}月"
    result = MonthlySummary(month, title, "村" if by_village else "乡镇",
                            sorted({ledger.as_of for ledger in digests}), unread=list(unread), duplicates=duplicates)
    grades: dict[str, CountRow] = {}
    village_grades: dict[tuple[str, str], CountRow] = {}
    categories: dict[str, CountRow] = {}
    risks: dict[str, dict[str, int]] = {}
    risk_types = list(digests[0].risk_types) if digests else []
    measures: dict[str, MeasureRow] = {}
    for ledger in digests:
        if by_village:   # the villages listed on 参数 first, in their order, even those with no household yet
            for village in ledger.villages:
                grades.setdefault(village, CountRow(village, {}, {}))
                categories.setdefault(village, CountRow(village, {}, {}))
        else:
            grades.setdefault(ledger.township, CountRow(ledger.township, {}, {}))
            categories.setdefault(ledger.township, CountRow(ledger.township, {}, {}))
            risks.setdefault(ledger.township, {})
        persons_total = 0
        ungraded = 0
        for item in ledger.households:
            persons_total += item.persons
            village = item.village or "（未填村）"
            unit = village if by_village else ledger.township
            if not item.counted_as:
                ungraded += 1
                continue
            _add(grades.setdefault(unit, CountRow(unit, {}, {})), item.counted_as, item.persons)
            if not by_village:
                _add(village_grades.setdefault((ledger.township, village), CountRow(village, {}, {}, ledger.township)),
                     item.counted_as, item.persons)
            if item.category in CATEGORIES:
                _add(categories.setdefault(unit, CountRow(unit, {}, {})), item.category, item.persons)
            counts = risks.setdefault(unit, {})
            for risk in item.risk_types:
                counts[risk] = counts.get(risk, 0) + 1
                if risk not in risk_types:
                    risk_types.append(risk)
            seen: set[str] = set()
            for category, completed in item.measures:
                row = measures.setdefault(category, MeasureRow(category, 0, 0, 0))
                row.measures += 1
                row.completed += completed
                if category not in seen:
                    row.households += 1
                    seen.add(category)
            result.overdue += item.overdue
            result.accountability += item.accountability
            if item.disagreement:
                result.disagreements.append(item.disagreement)
        result.files.append(FileRow(ledger.name, ledger.township, len(ledger.households), persons_total, ungraded))
    result.grades = _with_total(list(grades.values()), GRADES)
    if village_grades:
        result.village_grades = _with_total(list(village_grades.values()), GRADES)
    result.categories = _with_total(list(categories.values()), CATEGORIES)
    result.risk_types = risk_types
    result.risks = list(risks.items())
    result.risks.append((TOTAL, {r: sum(c.get(r, 0) for _, c in risks.items()) for r in risk_types}))
    order = list(digests[0].measure_categories) if digests else []
    rows = sorted(measures.values(), key=lambda r: (order.index(r.category) if r.category in order else len(order),
                                                    r.category))
    rows.append(MeasureRow(TOTAL, sum(1 for ledger in digests for item in ledger.households if item.measures),
                           sum(r.measures for r in rows), sum(r.completed for r in rows)))
    result.measures = rows
    _moves(result, digests, by_village)
    kinds = {D7_FOUND: 0, D7_HELPED: 1, D7_FOLLOWED: 2}
    result.accountability.sort(key=lambda r: (kinds[r.kind], r.township, r.village, r.household_id))
    return result


def add_clue_accountability(summary: MonthlySummary, registers, as_of: date | None = None) -> None:
    """D7 (a) from the district's 线索总台账 (`clues status`): department clues checked late or not at all, each
    household once — one the ledger itself already lists under (a) is not listed again."""
    from hx_excel.clues.status import clue_accountability

    listed = {(r.township, r.household_id) for r in summary.accountability if r.kind == D7_FOUND}
    for row in clue_accountability(registers, summary.month, as_of):
        if (row.township, row.household_id) not in listed:
            summary.accountability.append(row)
            listed.add((row.township, row.household_id))
    kinds = {D7_FOUND: 0, D7_HELPED: 1, D7_FOLLOWED: 2}
    summary.accountability.sort(key=lambda r: (kinds[r.kind], r.township, r.village, r.household_id))


def _add(row: CountRow, key: str, persons: int) -> None:
    row.households[key] = row.households.get(key, 0) + 1
    row.persons[key] = row.persons.get(key, 0) + persons


def _with_total(rows: list[CountRow], keys: Iterable[str]) -> list[CountRow]:
    keys = list(keys)
    for row in rows:
        for counts in (row.households, row.persons):
            for key in keys:
                counts.setdefault(key, 0)
            counts[TOTAL] = sum(counts[k] for k in keys)
    total = CountRow(TOTAL, {k: sum(r.households[k] for r in rows) for k in keys + [TOTAL]},
                     {k: sum(r.persons[k] for r in rows) for k in keys + [TOTAL]})
    return rows + [total]


def _moves(result: MonthlySummary, ledgers: list[LedgerDigest], by_village: bool) -> None:
    """This month's moves as the village review recorded them on 月度研判记录 (D4), never recomputed here."""
    counts: dict[str, dict[str, int]] = {}
    notes: dict[str, str] = {}
    for ledger in ledgers:
        if not ledger.records:
            reason = f"月度研判记录无法读取：{ledger.records_unread}" if ledger.records_unread else NOT_REVIEWED
            if not ledger.records_unread and not (ledger.to_review - ledger.left_out):
                continue            # nobody to review this month: nothing was left undone
            result.not_reviewed.append(f"{ledger.township}（{ledger.name}）：{reason}")
            if not by_village:
                counts.setdefault(ledger.township, {})
                notes[ledger.township] = reason
            continue
        for record in ledger.records:
            if record.household_id in ledger.left_out:
                continue            # counted from the newer ledger holding the same person
            unit = (record.village or "（未填村）") if by_village else ledger.township
            row = counts.setdefault(unit, {})
            move = record.move if record.move in MOVES else "不变"
            row[move] = row.get(move, 0) + 1
            if move != "不变":
                result.moved.append(MovedHousehold(ledger.township, record.village, record.household_id,
                                                   record.head_name, record.previous_grade, record.grade, move))
    rows = [(name, {m: c.get(m, 0) for m in MOVES}, notes.get(name, "")) for name, c in counts.items()]
    for _, c, _ in rows:
        c[TOTAL] = sum(c[m] for m in MOVES)
    rows.append((TOTAL, {m: sum(c[m] for _, c, _ in rows) for m in (*MOVES, TOTAL)}, ""))
    result.moves = rows


def _overdue(ledger: AssessedLedger, item: AssessedHousehold) -> list[OverdueRow]:
    """Every plan step the core finds 已逾期 (D1–D5, D6), with how many days past its deadline."""
    h, head = item.household, item.head
    rows = []
    for step in (item.plan.overdue if item.plan else ()):
        unread = unreadable_date(h, step)    # maybe done: how long overdue is not known
        rows.append(OverdueRow(ledger.township, h.village, h.household_id, head.name if head else "", step.clause,
                               f"{step.title}（“{unread}”无法识别为日期，请改正）" if unread else step.title, step.due,
                               None if unread or not step.due else (ledger.as_of - step.due).days))
    return rows


def without_duplicates(ledgers: list[LedgerDigest]) -> tuple[list[LedgerDigest], list[Duplicate]]:
    """Each township and each person counted once. Two ledgers of one township (a resubmission: 青岩镇台账.xlsx and
    青岩镇台账(1).xlsx): the newest file counts, the other is left out whole. A person (ID number, normalised) in the
    ledgers of two townships: the household in the newest file counts, the older file's household is left out. Each
    is a Duplicate naming both files; IDs are masked."""
    def age(ledger: LedgerDigest) -> tuple[float, str]:
        return ledger.modified, ledger.name

    duplicates: list[Duplicate] = []
    by_township: dict[str, list[LedgerDigest]] = {}
    for ledger in ledgers:
        by_township.setdefault(ledger.township.strip(), []).append(ledger)
    kept: list[LedgerDigest] = []
    for township, same in by_township.items():
        newest = max(same, key=age)
        kept.append(newest)
        for other in same:
            if other is not newest:
                duplicates.append(Duplicate("乡镇", newest.name, other.name, (
                    f"{other.name} 与 {newest.name} 都是{township}的台账：按较新的 {newest.name} 计入，"
                    f"{other.name} 未计入（如不对，请把不用的一本移出文件夹后重新运行）")))
    read_order = {id(ledger): i for i, ledger in enumerate(ledgers)}
    kept.sort(key=lambda ledger: read_order[id(ledger)])
    owner: dict[str, tuple[LedgerDigest, int]] = {}
    dropped: dict[int, set[int]] = {}          # id(ledger) → id(household) left out
    for ledger in sorted(kept, key=age, reverse=True):           # the newest file claims its people first
        for item in ledger.households:
            # a household left out claims none of its people: one of them counted nowhere else is counted where
            # the next file holds him (three ledgers: not sent to a household that is itself not counted)
            clash = next(((number, row) for number, row in item.ids
                          if number in owner and owner[number][0] is not ledger), None)
            if clash is None:
                for number, row in item.ids:
                    owner.setdefault(number, (ledger, row))
            else:
                number, row = clash
                first = owner[number]
                dropped.setdefault(id(ledger), set()).add(id(item))
                duplicates.append(Duplicate("身份证号", first[0].name, ledger.name, (
                    f"身份证号 {id_number.mask(number)} 在 {first[0].name} 第 {first[1]} 行和 {ledger.name} 第 {row} 行："
                    f"按较新的 {first[0].name} 计入，{ledger.name} 中户编号“{item.household_id}”一户未计入；"
                    "请核实此人现属哪个乡镇，从另一本台账中删去")))
    if dropped:
        kept = [dataclasses.replace(
            ledger, households=[i for i in ledger.households if id(i) not in dropped.get(id(ledger), set())],
            left_out=frozenset(i.household_id for i in ledger.households if id(i) in dropped.get(id(ledger), set())))
            for ledger in kept]
    return kept, duplicates


def _accountability(ledger: AssessedLedger, item: AssessedHousehold, first_day: date) -> list[AccountRow]:
    """D7 (六(四)), in the month from `first_day` to the assessment day (policy.md, The month's records):
    (a) a clue not checked within D1's 7 days — still open, or checked late in this month, whatever followed (entering
        the household later does not undo a late check) — and an in-scope red or yellow household with no clue or check
        recorded at all; (b) a monitored household without a contact or measures after D3's 10 days, still open or
        settled late in this month; (c) a monthly visit or review missed (D4; D6 for the green ledger).
    Lateness counts to the day a step was done, or to the assessment day while it is open. A step whose date was typed
    so that it cannot be read is named as such, never as not done."""
    a, p, h = item.assessment, item.plan, item.household
    if a is None or p is None:
        return []
    head = item.head
    rows: list[AccountRow] = []
    d, day = ledger.policy.deadlines, ledger.as_of

    def add(kind: str, clause: str, missing: str, due: date | None, until: date | None = None) -> None:
        late = (until - due).days if due and until and until > due else None
        rows.append(AccountRow(kind, ledger.township, h.village, h.household_id, head.name if head else "",
                               id_number.mask(head.id_number) if head and head.id_number else "", clause, missing,
                               due, late))

    kinds = {"household_check": D7_FOUND, "contact": D7_HELPED, "measures": D7_HELPED}
    for step in p.steps:
        kind = kinds.get(step.key) if step.clause in ("D1", "D3") else None
        if kind is None or step.due is None:
            continue
        within = f"{d.household_check_days} 天内" if step.clause == "D1" else \
            f"纳入监测 {d.contact_and_measures_days} 天内"
        unread = unreadable_date(h, step)
        if step.status == "已逾期" and unread:
            add(kind, step.clause, f"“{unread}”填写的内容无法识别为日期，{within}是否完成{step.title}无法判断：请改正日期",
                step.due)
        elif step.status == "已逾期":
            add(kind, step.clause, f"{within}未{step.title}", step.due, day)
        elif step.done_on and step.due < step.done_on and first_day <= step.done_on <= day:
            add(kind, step.clause, f"{step.title}逾期完成（{step.done_on:%Y-%m-%d}），未在{within}完成", step.due,
                step.done_on)
    if a.grade in ("红", "黄") and a.in_scope and h.entered_on is None and any(
            s.key == "household_check" and s.clause == "D2" and s.status == "" for s in p.steps):
        # the plan's D2 check with no clue date: a factor on the ledger, no clue or check recorded at all
        add(D7_FOUND, "D1", f"{a.grade}色预警因素已出现，未登记线索日期和入户核实，识别程序未启动", None)
    for step in p.overdue:
        if step.key in ("visit", "review", "next_visit", "next_review") and step.clause in ("D4", "D6"):
            unread = unreadable_date(h, step)
            add(D7_FOLLOWED, step.clause, f"“{unread}”填写的内容无法识别为日期，是否按月完成无法判断：请改正日期" if unread
                else f"未按月完成：{step.title}", step.due, None if unread else day)
    return rows


# ---- reading the files -----------------------------------------------------------------------------------------

PARALLEL_FROM = 4       # ledgers: from this many on, read on two cores (below, starting a process costs more)


def read_ledgers(paths: Iterable[str | Path], policy: Policy, as_of: date, *, month: str | None = None,
                 progress: Callable[[int, int, str], None] | None = None, skip: Iterable[str | Path] = (),
                 workers: int | None = None) -> tuple[list[LedgerDigest], list[tuple[str, str]]]:
    """Each ledger named or in the folders named, graded by the core on `as_of` and digested for the report of
    `month` (default: as_of's); a file that cannot be read is (file, the Chinese reason) and the others are still
    read. `skip`: files to pass over (the report itself).
    `workers`: processes reading ledgers side by side, this one included — by default two where the machine has two
    cores and there are PARALLEL_FROM ledgers or more (a district's 22 ledgers are read in about half the time); 1
    reads them all here."""
    skipped = {os.path.realpath(p) for p in skip}          # realpath: a link in a loop is compared, not raised on
    files = [f for f in ledger_files(paths) if os.path.realpath(f) not in skipped]
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if len(files) >= PARALLEL_FROM else 1
    month = month or f"{as_of:%Y-%m}"
    ledgers, unread = [], []
    try:
        for number, (path, read) in enumerate(_read_each(files, policy, as_of, month, workers), start=1):
            if progress:
                progress(number, len(files), path.name)
            if isinstance(read, str):
                unread.append((path.name, read))
                continue
            ledgers.append(read)
            # what is read lives until the report is made: out of the cyclic collector's way, which otherwise
            # rescans every ledger read so far while the next is read (a fifth of the time, benchmarks/README.md)
            gc.freeze()
    finally:
        gc.unfreeze()
    return ledgers, unread


def _read_each(files: list[Path], policy: Policy, as_of: date, month: str, workers: int):
    """(path, its LedgerDigest or why it cannot be read) for each file, in order. With `workers` above 1, this
    process reads ledgers too, alongside workers − 1 others: it takes files from the front, they from the back, each
    the next as soon as it is free (a thread here hands each of them its next file). Only the digests the others make
    travel back (a 2,000-person ledger's in ~5 ms, where the graded ledger took ~0.15 s to pickle and unpickle), and
    this process reads while theirs start (~0.4 s of imports)."""
    if workers <= 1:
        for path in files:
            yield path, _read_one(path, policy, as_of, month)
        return
    left = deque(range(len(files)))
    read: dict[int, LedgerDigest | str | BaseException] = {}
    arrived = threading.Condition()

    def take(from_front: bool) -> int | None:
        with arrived:
            return (left.popleft() if from_front else left.pop()) if left else None

    def put(number: int, result: LedgerDigest | str | BaseException) -> None:
        with arrived:
            read[number] = result
            arrived.notify_all()

    def feed(pool) -> None:
        while (number := take(from_front=False)) is not None:
            try:
                put(number, pool.submit(_read_one, files[number], policy, as_of, month).result())
            except BaseException as exc:     # noqa: BLE001 — a process stopped: raised where the results are taken
                put(number, exc)
                return

    with process_pool(workers - 1, fork=can_fork()) as pool:     # copies of this process where it can fork
        for _ in range(workers - 1):
            threading.Thread(target=feed, args=(pool,), daemon=True).start()
        try:
            for number in range(len(files)):
                while number not in read:
                    mine = take(from_front=True)
                    if mine is None:
                        with arrived:
                            arrived.wait_for(lambda: number in read)
                    else:
                        put(mine, _read_one(files[mine], policy, as_of, month))
                with arrived:
                    result = read.pop(number)
                if isinstance(result, BaseException):
                    raise result
                yield files[number], result
        finally:
            with arrived:
                left.clear()               # the threads hand out nothing more; what runs is stopped with the pool


def _read_one(path: Path, policy: Policy, as_of: date, month: str) -> LedgerDigest | str:
    try:
        book = read_book(path, formulas="grade")     # of formulas, only which grades a spreadsheet computed
    except InputFileError as exc:
        return str(exc)
    return digest(assess_book(book, policy, as_of), month)


# ---- the workbook ----------------------------------------------------------------------------------------------

_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _sheet(wb: Workbook, title: str, heading: str, widths: Iterable[float]) -> Worksheet:
    ws = wb.create_sheet(title)
    put(ws, 1, 1, heading).font = font(bold=True, size=14)
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    return a4(ws, grid=title != "图表")     # tables print ruled, as the district files them


def _header(ws: Worksheet, row: int, headers: Iterable[str], column: int = 1) -> None:
    for offset, header in enumerate(headers):
        cell = put(ws, row, column + offset, header)
        cell.font = font(bold=True)
        cell.alignment = _CENTER


def _rows(ws: Worksheet, row: int, rows: Iterable[Iterable[object]], *, dates: Iterable[int] = ()) -> int:
    """Write rows from `row`; the next free row."""
    dates = set(dates)
    for values in rows:
        for column, value in enumerate(values, start=1):
            cell = put(ws, row, column, value if value != "" else None)
            if column in dates and value:
                cell.number_format = "yyyy-mm-dd"
        row += 1
    return row


def _bold_last(ws: Worksheet, row: int, columns: int) -> None:
    for column in range(1, columns + 1):
        ws.cell(row, column).font = font(bold=True)


def _freeze_and_filter(ws: Worksheet, header_row: int, last_row: int, columns: int, *, first_column: bool = True,
                       filter_: bool = False) -> None:
    ws.freeze_panes = f"{'B' if first_column else 'A'}{header_row + 1}"
    # the report's title with the table's header on every page: the sheets with one table right under their title
    if header_row <= 3:
        ws.print_title_rows = f"1:{header_row}"
    if filter_:
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(columns)}{max(header_row, last_row)}"


def _day(day: date) -> str:
    return f"{day:%Y-%m-%d}"


def summary_workbook(s: MonthlySummary) -> Workbook:
    """The sheets of the month's report (SHEETS; 分村汇总 for a district only), A4 landscape one page wide, headers bold and frozen."""
    wb = Workbook()
    wb.remove(wb.active)
    _explanation(wb, s)
    grade_ws = _counts(wb, "分级汇总", f"{s.title}：分级汇总（按{s.unit}，户数与人数）", s, s.grades, GRADES)
    if s.village_grades:
        _counts(wb, "分村汇总", f"{s.title}：分级汇总（按乡镇和村，户数与人数）", s, s.village_grades, GRADES)
    _counts(wb, "监测类别", f"{s.title}：监测类别（按{s.unit}，户数与人数）", s, s.categories, CATEGORIES)
    _moves_sheet(wb, s)
    _overdue_sheet(wb, s)
    _accountability_sheet(wb, s)
    _measures_sheet(wb, s)
    _risks_sheet(wb, s)
    _charts(wb, s, grade_ws)
    wb.active = 0
    return wb


EXPLANATION_WIDTHS = (40, 16, 12, 12, 60)       # 说明: file, township / counted, households / left out, persons, note


def _explanation(wb: Workbook, s: MonthlySummary) -> None:
    ws = _sheet(wb, "说明", s.title, EXPLANATION_WIDTHS)
    row = 2
    row = _rows(ws, row, [(f"评估日期：{'、'.join(map(_day, s.as_of)) or '—'}（各户按台账填写的事实由本工具重新分级，"
                           "不取表中显示的值）",),
                          (f"读取台账 {len(s.files)} 本，共 {sum(f.households for f in s.files)} 户、"
                           f"{sum(f.persons for f in s.files)} 人；无法读取 {len(s.unread)} 个文件；"
                           f"重复未计入 {len(s.duplicates)} 处；"
                           f"表中显示的预警分级与本工具计算不一致 {len(s.disagreements)} 处。",),
                          ("本月报只写户主姓名和脱敏身份证号，不写其他成员信息。",)])
    row += 1
    put(ws, row, 1, "已读取的台账").font = font(bold=True, size=12)
    header_row = row + 1
    _header(ws, header_row, ("文件", "乡镇", "户数", "人数", "备注"))
    row = _rows(ws, header_row + 1, [(f.file, f.township, f.households, f.persons,
                                      f"{f.ungraded} 户因核算年度没有收入标准线未分级，未计入汇总" if f.ungraded else "")
                                     for f in s.files])
    row += 1
    put(ws, row, 1, "无法读取的文件").font = font(bold=True, size=12)
    _header(ws, row + 1, ("文件", "原因"))
    row = _rows(ws, row + 2, [(name, why) for name, why in s.unread] or [("（无）",)])
    for r in range(row - len(s.unread), row):
        ws.cell(r, 2).alignment = _WRAP
        if s.unread:
            ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=5)
    row += 1
    put(ws, row, 1, "重复的台账和人员（每个乡镇、每个人只计一次）").font = font(bold=True, size=12)
    _header(ws, row + 1, ("重复的", "计入的文件", "未计入的", "", "说明"))
    row = _rows(ws, row + 2, [(d.kind, d.counted, d.left_out, None, d.message) for d in s.duplicates] or [("（无）",)])
    widths = {column: EXPLANATION_WIDTHS[column - 1] for column in (2, 3, 5)}     # file names and the message wrap
    for r, d in zip(range(row - len(s.duplicates), row), s.duplicates):
        for column in range(1, len(EXPLANATION_WIDTHS) + 1):
            ws.cell(r, column).alignment = _WRAP
        fit_rows(ws, ((r, width, str(ws.cell(r, column).value or "")) for column, width in widths.items()))
    row += 1
    put(ws, row, 1, "表中显示的“预警分级”与本工具计算不一致之处（文件保存前未重新计算，或公式被改动）").font = font(bold=True, size=12)
    _header(ws, row + 1, ("文件", "行", "表中显示", "本工具计算"))
    _rows(ws, row + 2, [(d.file, d.row, d.shown, d.core) for d in s.disagreements] or [("（无）",)])
    _freeze_and_filter(ws, header_row, header_row, 5, first_column=False)


def _counts(wb: Workbook, title: str, heading: str, s: MonthlySummary, rows: list[CountRow],
            keys: Iterable[str]) -> Worksheet:
    """Households then persons, one block each: row 2 names the blocks, row 3 the keys; 合计 the last row. Rows
    with a parent (a village's township) get a 乡镇 column before the name."""
    keys = [*keys, TOTAL]
    lead = ("乡镇", "村") if any(r.parent for r in rows) else (s.unit,)
    ws = _sheet(wb, title, heading, [14] * len(lead) + [9 if len(k) <= 3 else 13 for k in keys] * 2)
    for column, name in enumerate(lead, start=1):
        put(ws, 2, column, name).font = font(bold=True)
        ws.merge_cells(start_row=2, start_column=column, end_row=3, end_column=column)
        ws.cell(2, column).alignment = _CENTER
    for block, name in enumerate(("户数", "人数")):
        start = 1 + len(lead) + block * len(keys)
        _header(ws, 2, (name,), start)
        ws.merge_cells(start_row=2, start_column=start, end_row=2, end_column=start + len(keys) - 1)
        _header(ws, 3, keys, start)
    names = (lambda r: (r.parent, r.name) if r.parent else (r.name, None)) if len(lead) == 2 else (lambda r: (r.name,))
    last = _rows(ws, 4, [(*names(r), *(r.households[k] for k in keys), *(r.persons[k] for k in keys))
                         for r in rows]) - 1
    width = len(lead) + 2 * len(keys)
    _bold_last(ws, last, width)
    _freeze_and_filter(ws, 3, last, width, filter_=len(lead) == 2)
    return ws


def _moves_sheet(wb: Workbook, s: MonthlySummary) -> None:
    ws = _sheet(wb, "本月变动", f"{s.title}：本月变动（据各台账“月度研判记录”{s.month} 的记录）",
                (14, 14, 12, 12, 10, 10, 10, 10, 30))
    row = 2
    for line in s.not_reviewed:
        put(ws, row, 1, line).font = font(bold=True)
        row += 1
    header_row = row + 1
    _header(ws, header_row, (s.unit, *MOVES, TOTAL, "说明"))
    last = _rows(ws, header_row + 1, [(name, *(c[m] for m in (*MOVES, TOTAL)), note) for name, c, note in s.moves]) - 1
    _bold_last(ws, last, len(MOVES) + 2)
    row = last + 2
    put(ws, row, 1, "本月有变动的户（不含“不变”）").font = font(bold=True, size=12)
    _header(ws, row + 1, ("乡镇", "村", "户编号", "户主姓名", "上月分级", "本月分级", "变动"))
    _rows(ws, row + 2, [(m.township, m.village, m.household_id, m.head_name, m.previous_grade or "—", m.grade, m.move)
                        for m in s.moved] or [("（无）",)])
    _freeze_and_filter(ws, header_row, last, len(MOVES) + 3)


def _overdue_sheet(wb: Workbook, s: MonthlySummary) -> None:
    ws = _sheet(wb, "逾期事项", f"{s.title}：逾期事项（D1–D6 各程序的期限已过）", (14, 14, 12, 10, 7, 34, 12, 10))
    headers = ("乡镇", "村", "户编号", "户主姓名", "条款", "事项", "期限", "逾期天数")
    _header(ws, 2, headers)
    last = _rows(ws, 3, [(o.township, o.village, o.household_id, o.head_name, o.clause, o.step, o.due, o.days_overdue)
                         for o in s.overdue] or [("（无逾期事项）",)], dates=(7,)) - 1
    _freeze_and_filter(ws, 2, last, len(headers), filter_=True)


def _accountability_sheet(wb: Workbook, s: MonthlySummary) -> None:
    ws = _sheet(wb, "D7问责清单", f"{s.title}：D7 问责清单（六(四)：预警因素未及时发现上报、识别后未采取帮扶措施、未按月走访研判）",
                (26, 12, 12, 10, 9, 22, 6, 58, 12, 9))
    headers = ("类别", "乡镇", "村", "户编号", "户主姓名", "户主身份证号（脱敏）", "条款", "缺少的事项", "期限", "逾期天数")
    _header(ws, 2, headers)
    last = _rows(ws, 3, [(r.kind, r.township, r.village, r.household_id, r.head_name, r.head_id, r.clause, r.missing,
                          r.due, r.days_overdue) for r in s.accountability] or [("（无）",)], dates=(9,)) - 1
    for r in range(3, last + 1):
        ws.cell(r, 8).alignment = _WRAP
    _freeze_and_filter(ws, 2, last, len(headers), filter_=True)


def _measures_sheet(wb: Workbook, s: MonthlySummary) -> None:
    ws = _sheet(wb, "措施落实", f"{s.title}：帮扶措施落实（按措施类别；完成指完成时间不晚于评估日期）", (18, 14, 10, 10, 10))
    _header(ws, 2, ("措施类别", "有此措施的户数", "措施数", "已完成", "完成率"))
    last = _rows(ws, 3, [(m.category, m.households, m.measures, m.completed, m.rate) for m in s.measures]) - 1
    for r in range(3, last + 1):
        ws.cell(r, 5).number_format = "0.0%"
    _bold_last(ws, last, 5)
    _freeze_and_filter(ws, 2, last, 5)


def _risks_sheet(wb: Workbook, s: MonthlySummary) -> None:
    types = s.risk_types
    ws = _sheet(wb, "风险类型", f"{s.title}：致贫返贫风险类型（户数，一户可有多项）", [14] + [10] * len(types))
    _header(ws, 2, (s.unit, *types))
    last = _rows(ws, 3, [(name, *(counts.get(t, 0) for t in types)) for name, counts in s.risks]) - 1
    _bold_last(ws, last, 1 + len(types))
    _freeze_and_filter(ws, 2, last, 1 + len(types))


_COLOURS = ("FF0000", "FFC000", "00B050", "BFBFBF", "7F7F7F", "8EA9DB")     # GRADES: 红 黄 绿 无 待补充 不在监测范围


def _charts(wb: Workbook, s: MonthlySummary, grade_ws: Worksheet) -> None:
    """Native charts over 分级汇总's household block (B–G: GRADES), so they follow its cells."""
    ws = _sheet(wb, "图表", f"{s.title}：图表（数据取自“分级汇总”表）", (12,))
    put(ws, 2, 1, "图表的数据取自“分级汇总”表的户数。").font = font(bold=True)
    ws.freeze_panes = "A3"
    units = len(s.grades) - 1
    first, last_unit, total_row = 4, 3 + units, 4 + units
    bar = BarChart()
    bar.type, bar.grouping, bar.overlap = "col", "stacked", 100
    bar.title = f"各{s.unit}分级户数"
    bar.y_axis.title, bar.x_axis.title = "户数", s.unit
    bar.add_data(Reference(grade_ws, min_col=2, max_col=1 + len(GRADES), min_row=3, max_row=max(last_unit, first)),
                 titles_from_data=True)
    bar.set_categories(Reference(grade_ws, min_col=1, min_row=first, max_row=max(last_unit, first)))
    bar.x_axis.delete = bar.y_axis.delete = False      # openpyxl ≥ 3.1 otherwise hides both axes in Excel
    bar.width, bar.height = 22, 11
    for series, colour in zip(bar.series, _COLOURS):
        series.graphicalProperties.solidFill = colour
        series.graphicalProperties.line.solidFill = colour
    ws.add_chart(bar, "A4")
    pie = PieChart()
    pie.title = "全部户分级构成"
    pie.add_data(Reference(grade_ws, min_col=2, max_col=1 + len(GRADES), min_row=total_row), from_rows=True,
                 titles_from_data=False)
    pie.set_categories(Reference(grade_ws, min_col=2, max_col=1 + len(GRADES), min_row=3))
    for index, colour in enumerate(_COLOURS):
        point = DataPoint(idx=index)
        point.graphicalProperties.solidFill = colour
        pie.series[0].dPt.append(point)
    pie.dataLabels = DataLabelList()
    pie.dataLabels.showPercent = True
    pie.dataLabels.showVal = pie.dataLabels.showCatName = pie.dataLabels.showSerName = False
    pie.dataLabels.showLegendKey = False
    pie.width, pie.height = 13, 11
    ws.add_chart(pie, "N4")


def assessment_day(month: str, as_of: date | None, today: date | None = None) -> date:
    """The day the month is summed up on: --as-of, else the month's last day, or today within the month itself."""
    if as_of is not None:
        return as_of
    return review_day(*parse_month(month), today)

