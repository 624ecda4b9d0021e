"""The monthly review record (D4: every month the village reviews each monitored household; 四、动态调整): one row per
monitored household and month on the sheet 月度研判记录, so that grades moving up and down from month to month are
visible, and the district's summary can count this month's moves.

`review_rows(ledger, month, reviewer, previous)` is the operation: the core grades each household at the end of the
month (or today, within it) and compares it with the household's latest record before that month.

Who is on the record (policy.md, "The month's records"):
- every household under monitoring — entered (纳入监测) by the review day, not marked eliminated (D5) or closed (D6) —
  whatever it grades now, 无 and 待补充 included: whether its risk is gone is what the meeting judges;
- every in-scope household graded 红, 黄 or 绿 that day, one still in its identification chain included;
- a household recorded before and not since ended, until it ends (the green ledger is followed until 销号, D6);
- a household that left this month, once more, with the move 风险消除 or 销号;
- never a household out of scope (S1 S2): its grade is for reference only.
A household graded 待补充 that is none of these is not recorded (its grade is unknown): `Review.incomplete` names it.

Moves: 新纳入 (entered into monitoring in that month) · 首次记录 (a first line for another reason: the first month
the record is kept, a clue household) · 升级 / 降级 / 不变 (红 > 黄 > 绿 > 无, against the latest earlier line) · 待补充
(the grade cannot be judged: facts missing) · 风险消除 (D5) · 销号 (D6).
`append_review` writes them: earlier months are never rewritten; redoing a month replaces that month's rows only and
compares with the months before it, as the first run did.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from hx_excel.core.clauses import INCOMPLETE
from hx_excel.core.days import FIRST_YEAR, LAST_YEAR, month_end
from hx_excel.core.workflow import exit_kind
from hx_excel.files.fonts import font
from hx_excel.files.pages import a4, sign_off_line
from hx_excel.ledger.book import LedgerBook, fold
from hx_excel.ledger.cells import put
from hx_excel.ledger.printing import fit_rows
from hx_excel.operations.assessed import AssessedHousehold, AssessedLedger, assess_book
from hx_excel.operations.editing import EditRefused, Edits, unread_facts
from hx_excel.policy import Policy

RECORD_SHEET = "月度研判记录"
TITLE_ROW, HEADER_ROW = 1, 2
HEADER_SEARCH_ROWS = 5      # the header is looked for in this many top rows (a clerk may add rows above it)
NEW, FIRST, UP, DOWN, SAME, INCOMPLETE_MOVE, ELIMINATED, CLOSED = (
    "新纳入", "首次记录", "升级", "降级", "不变", "待补充", "风险消除", "销号")
MOVES = (NEW, FIRST, UP, DOWN, SAME, INCOMPLETE_MOVE, ELIMINATED, CLOSED)
ENDED = (ELIMINATED, CLOSED)
GRADE_RANK = {"红": 3, "黄": 2, "绿": 1, "无": 0}
MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass
class Record:
    """One household's review in one month (a row of 月度研判记录)."""

    month: str                 # 2022-07
    village: str
    group: str
    household_id: str
    head_name: str
    grade: str
    clauses: str
    category: str
    measures: str              # the measures, "；"-joined
    measures_state: str        # 共 2 项，已完成 1 项
    last_visit: date | None
    next_step: str
    next_due: date | None
    reviewer: str
    move: str
    previous_grade: str
    reviewed_on: date | None


HEADERS = {"month": ("研判月份", 9), "village": ("村", 10), "group": ("组", 6), "household_id": ("户编号", 10),
           "head_name": ("户主姓名", 9), "grade": ("预警分级", 7), "clauses": ("成立条款", 14),
           "category": ("监测类别", 12), "measures": ("帮扶措施", 30), "measures_state": ("措施落实情况", 18),
           "last_visit": ("最近走访日期", 11), "next_step": ("下一步", 22), "next_due": ("期限", 11),
           "reviewer": ("研判人", 8), "move": ("变动", 8), "previous_grade": ("上月分级", 7),
           "reviewed_on": ("研判日期", 11)}
FIELDS = [f.name for f in fields(Record)]
_DATES = ("last_visit", "next_due", "reviewed_on")
_WRAPPED = ("measures", "next_step", "clauses", "measures_state")


def parse_month(text: str, what: str = "研判月份") -> tuple[int, int]:
    """`2022-07` → (2022, 7); EditRefused in Chinese otherwise, calling the month `what` (研判月份, 月报月份)."""
    match = MONTH.match(text.strip()) if isinstance(text, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise EditRefused(f"{what}“{text}”应写成 年-月，如 2022-07")
    if not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR:
        raise EditRefused(f"{what}“{text}”不在 {FIRST_YEAR}—{LAST_YEAR} 年之间，请检查年份")
    return int(match.group(1)), int(match.group(2))


def month_text(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


# ---- reading the records back ----------------------------------------------------------------------------------

def read_records(book: LedgerBook) -> list[Record]:
    """The records on 月度研判记录, in sheet order ([] when the workbook has none). Columns are found by header."""
    cells = book.sheet_rows(RECORD_SHEET)
    if not cells:
        return []
    header_row = next((i for i, r in enumerate(cells[:HEADER_SEARCH_ROWS]) if HEADERS["month"][0] in {fold(v) for v in r}), None)
    if header_row is None:
        return []
    position = {fold(h): i for i, h in enumerate(cells[header_row])}
    records = []
    for values in cells[header_row + 1:]:
        row: dict[str, Any] = {}
        for name in FIELDS:
            index = position.get(HEADERS[name][0])
            value = values[index] if index is not None and index < len(values) else None
            row[name] = _value(name, value)
        if row["month"] and row["household_id"]:
            records.append(Record(**row))
    return records


def _value(name: str, value: Any) -> Any:
    if name in _DATES:
        if isinstance(value, datetime):
            return value.date()
        return value if isinstance(value, date) else None
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (date, datetime)) and name == "month":
        return month_text(value.year, value.month)
    return str(value).strip()


# ---- the operation ---------------------------------------------------------------------------------------------

def review_day(year: int, month: int, today: date | None = None) -> date:
    """The day a month is reviewed on: its last day, or today while the month is still running."""
    last = month_end(date(year, month, 1))
    today = today or date.today()
    return min(last, today) if (today.year, today.month) == (year, month) else last


@dataclass
class Review:
    """One month's review of a ledger: the records, and what could not be recorded."""

    records: list[Record]
    incomplete: list[AssessedHousehold]      # graded 待补充, neither monitored nor recorded before: grade unknown


def review_rows(ledger: AssessedLedger, month: str, reviewer: str, previous: list[Record]) -> list[Record]:
    """This month's record (D4), each household with its move against its latest record before `month` (see the
    module's docstring for who is on it). `ledger` is graded by the core on the review day (`review_day`;
    `append_review` does so), never taken from the sheet."""
    return review(ledger, month, reviewer, previous).records


def review(ledger: AssessedLedger, month: str, reviewer: str, previous: list[Record]) -> Review:
    year, number = parse_month(month)
    day = ledger.as_of
    first_day = date(year, number, 1)
    latest: dict[str, Record] = {}
    for record in previous:
        if record.month < month:          # a redone month compares with the months before it, never with itself
            latest[record.household_id] = record
    policy = ledger.policy
    result = Review([], [])
    for item in ledger.households:
        h = item.household
        known = [d for d in (h.clue_on, h.clue_published_on, h.household_check_on, h.entered_on) if d]
        if known and min(known) > day:
            continue                # not yet known in that month
        a, p = item.assessment, item.plan
        if a is None or p is None:   # the ledger's year has no income line: the reader's problems say so
            continue
        before = latest.get(h.household_id)
        if before is not None and before.move in ENDED:
            before = None           # left earlier: a line now (entered again) starts afresh
        left, exit_on = _left(h, policy, day)
        entered = h.entered_on is not None and h.entered_on <= day
        if left:
            left_now = exit_on is not None and first_day <= exit_on <= day
            if not (left_now or before is not None):
                continue            # left before this month and recorded as such, or never recorded
            move = ELIMINATED if left == "eliminated" else CLOSED
        else:
            if not (a.in_scope or entered):
                continue            # out of scope (S1 S2): never on the record
            if not (entered or a.grade in ("红", "黄", "绿") or before is not None):
                if a.grade == INCOMPLETE:
                    result.incomplete.append(item)
                continue
            move = _move(before, a.grade, entered_now=entered and h.entered_on >= first_day)
        head = item.head
        done = sum(1 for m in h.measures if m.completed_on and m.completed_on <= day)
        step = p.next_step
        result.records.append(Record(
            month=month, village=h.village, group=h.group, household_id=h.household_id,
            head_name=head.name if head else "", grade=a.grade, clauses="、".join(a.clause_ids),
            category=a.category, measures="；".join(m.text or m.category for m in h.measures),
            measures_state=f"共 {len(h.measures)} 项，已完成 {done} 项" if h.measures else "无措施",
            last_visit=h.last_visit_on if h.last_visit_on and h.last_visit_on <= day else None,
            next_step=step.title if step else "", next_due=step.due if step else None, reviewer=reviewer,
            move=move, previous_grade=before.grade if before else "", reviewed_on=day))
    return result


def _left(h, policy: Policy, day: date) -> tuple[str, date | None]:
    """Whether the household has left monitoring by `day` ("eliminated" D5, "closed" D6, or "") and on which day, by
    是否退出监测预警对象 or, where that is not filled in, by the date of elimination or closing."""
    left = exit_kind(h, policy)
    exit_on = h.eliminated_on if left != "closed" else h.closed_on
    if not left:
        left = "eliminated" if h.eliminated_on and h.eliminated_on <= day else \
            "closed" if h.closed_on and h.closed_on <= day else ""
        exit_on = h.eliminated_on or h.closed_on
    if exit_on and exit_on > day:
        return "", None             # marked for a day after this month: not yet
    return left, exit_on


def _move(before: Record | None, grade: str, *, entered_now: bool) -> str:
    if entered_now:
        return NEW
    if before is None:
        return FIRST
    if grade == INCOMPLETE:
        return INCOMPLETE_MOVE
    was, now = GRADE_RANK.get(before.grade), GRADE_RANK.get(grade)
    if was is None or now is None or was == now:
        return SAME                 # (a previous line of 待补充 compares with nothing: unchanged as far as known)
    return UP if now > was else DOWN


# ---- writing ---------------------------------------------------------------------------------------------------

def append_review(wb: Workbook, book: LedgerBook, policy: Policy, month: str, reviewer: str | None = None, *,
                  redo: bool = False, today: date | None = None) -> Edits:
    """Append `month`'s records to 月度研判记录 (created when missing). A month already recorded is refused unless
    `redo`, which replaces that month's rows only; a month earlier than one recorded is refused."""
    parse_month(month)
    previous = read_records(book)
    recorded = sorted({r.month for r in previous})
    later = [m for m in recorded if m > month]
    if later:
        raise EditRefused(f"{book.name} 已有 {later[-1]} 的研判记录，不能再追加更早的 {month}：已记录的月份不改动")
    if month in recorded and not redo:
        raise EditRefused(f"{book.name} 已有 {month} 的研判记录（{sum(r.month == month for r in previous)} 户）。"
                          f"确需重做这个月，加 --redo（只替换 {month} 的记录，更早的月份不动）")
    ledger = assess_book(book, policy, review_day(*parse_month(month), today))
    done = review(ledger, month, book.settings.reviewer if reviewer is None else reviewer, previous)
    records = done.records
    edits = Edits()
    unread_facts(ledger, edits)
    if done.incomplete:
        edits.problems += len(done.incomplete)
        rows = "、".join(f"第 {h.entry.head_row} 行{('（' + h.head.name + '）') if h.head and h.head.name else ''}"
                        for h in done.incomplete[:8]) + ("等" if len(done.incomplete) > 8 else "")
        edits.report.append(f"{len(done.incomplete)} 户分级为“待补充”（{rows}），缺少分级所需的情况，是否应研判无法判断，"
                            f"未记入 {month}：补全后用 --redo 重做本月")
    if RECORD_SHEET in wb.sheetnames and not _ours(wb[RECORD_SHEET]):
        raise EditRefused(f"{book.name} 已有名为“{RECORD_SHEET}”的工作表，但不是本工具的研判记录（前 {HEADER_SEARCH_ROWS} 行没有"
                          f"“{HEADERS['month'][0]}”表头），为免写乱，没有改动该文件：请把该表改名（如“村研判会议记录”）后重试")
    ws = wb[RECORD_SHEET] if RECORD_SHEET in wb.sheetnames else _new_sheet(wb, book.settings.township)
    settings = book.settings
    a4(ws, title_rows=f"{TITLE_ROW}:{HEADER_ROW}",
       sign_off=sign_off_line(reporter=settings.reporter, reviewer=settings.reviewer, phone=settings.phone))
    header_row, columns = _columns(ws)
    notes = _clerks_notes(ws, month, header_row, columns) if month in recorded else {}
    removed = _remove_month(ws, month, header_row, columns["month"]) if month in recorded else 0
    row = _last_row(ws, header_row) + 1
    for record in records:
        for name in FIELDS:
            value, column = getattr(record, name), columns[name]
            cell = put(ws, row, column, value if value != "" else None)
            if name in _DATES and value:
                cell.number_format = "yyyy-mm-dd"
            cell.alignment = Alignment(vertical="top", wrap_text=name in _WRAPPED)
        for column, value in notes.pop(record.household_id, {}).items():     # her notes stay with the household
            put(ws, row, column, value)
        row += 1
    if notes:
        named = [f"{hid}“{'、'.join(str(v) for v in values.values())[:20]}”" for hid, values in notes.items()]
        edits.report.append(f"{month} 原有记录旁手工填写的 {len(notes)} 户的内容（{'；'.join(named[:3])}"
                            f"{'等' if len(named) > 3 else ''}）所属的户本次不在研判之列，没有保留：它们在这次的备份文件里")
    last_column = get_column_letter(max(columns.values()))
    ws.auto_filter.ref = f"A{header_row}:{last_column}{max(header_row, row - 1)}"
    ws.print_area = f"A1:{last_column}{max(header_row, row - 1)}"      # not the title's overflow
    first = row - len(records)
    fit_rows(ws, ((first + offset, HEADERS[name][1], str(getattr(record, name) or ""))
                  for offset, record in enumerate(records) for name in _WRAPPED))
    moves = {m: sum(r.move == m for r in records) for m in MOVES}
    edits.cells, edits.sheets = len(records) * len(FIELDS) + removed, [RECORD_SHEET]
    edits.report.insert(0, f"{month} 研判 {len(records)} 户：" + "，".join(f"{m} {n}" for m, n in moves.items() if n)
                        + ("（已替换该月原有记录）" if removed else ""))
    return edits


def _new_sheet(wb: Workbook, township: str):
    ws = wb.create_sheet(RECORD_SHEET)
    put(ws, TITLE_ROW, 1, f"{township}月度研判记录（D4 每月研判；由 hx-excel review 按月追加，已记录的月份请勿改动）"
        ).font = font(bold=True, size=13)
    for column, name in enumerate(FIELDS, start=1):
        header, width = HEADERS[name]
        ws.cell(HEADER_ROW, column, header).font = font(bold=True)
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    return ws


def _ours(ws) -> bool:
    """Whether a sheet named 月度研判记录 is the tool's record (its 研判月份 header in the top rows) or empty."""
    return _header_row(ws) is not None or all(c.value is None for c in ws._cells.values())


def _header_row(ws) -> int | None:
    """The row of the 研判月份 header within the top HEADER_SEARCH_ROWS rows, as `read_records` looks for it."""
    return next((r for r in range(1, HEADER_SEARCH_ROWS + 1) if any(fold(ws.cell(r, c).value) == HEADERS["month"][0]
                                                                for c in range(1, ws.max_column + 1))), None)


def _columns(ws) -> tuple[int, dict[str, int]]:
    """The header row of 月度研判记录 and each field's column, found by header as `read_records` reads them: a clerk
    may have moved, inserted or deleted columns. A header no longer there is written again after the last column, so
    no month's value is ever written under another header."""
    header_row = _header_row(ws) or HEADER_ROW
    position = {}
    for column in range(1, ws.max_column + 1):
        position.setdefault(fold(ws.cell(header_row, column).value), column)
    columns, free = {}, max([c for h, c in position.items() if h] + [0]) + 1
    for name in FIELDS:
        header, width = HEADERS[name]
        if header not in position:
            ws.cell(header_row, free, header).font = font(bold=True)
            ws.column_dimensions[get_column_letter(free)].width = width
            position[header], free = free, free + 1
        columns[name] = position[header]
    return header_row, columns


def _last_row(ws, header_row: int = HEADER_ROW) -> int:
    last = header_row
    for (row, _column), cell in ws._cells.items():
        if cell.value is not None and row > last:
            last = row
    return last


def _clerks_notes(ws, month: str, header_row: int, columns: dict[str, int]) -> dict[str, dict[int, Any]]:
    """What the clerk typed in columns of her own beside `month`'s rows, by 户编号: put back beside the same
    household when the month is redone."""
    ours = set(columns.values())
    notes: dict[str, dict[int, Any]] = {}
    for row in range(header_row + 1, _last_row(ws, header_row) + 1):
        if _value("month", ws.cell(row, columns["month"]).value) != month:
            continue
        typed = {c: ws.cell(row, c).value for c in range(1, ws.max_column + 1)
                 if c not in ours and ws.cell(row, c).value is not None}
        if typed:
            notes.setdefault(str(ws.cell(row, columns["household_id"]).value or ""), {}).update(typed)
    return notes


def _remove_month(ws, month: str, header_row: int, month_column: int) -> int:
    """Delete the rows of `month` (they are the last ones: later months are refused); how many cells went."""
    rows = [r for r in range(header_row + 1, _last_row(ws, header_row) + 1)
            if _value("month", ws.cell(r, month_column).value) == month]
    for row in reversed(rows):
        ws.delete_rows(row)
    for row in rows:                     # their heights stay with the row numbers: the rows appended set their own
        ws.row_dimensions[row].height = None
    return len(rows) * len(FIELDS)
