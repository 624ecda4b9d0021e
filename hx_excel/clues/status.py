"""`hx-excel clues status OUT/`: the 线索交办单 the townships sent back (filled in Excel, WPS or LibreOffice) read,
and the district's 线索总台账 brought up to date: each clue's state on the day (D1: household check within 7 days),
and the count per township.

States: 7日内已核实 (checked on or before its deadline), 逾期核实 (checked after it), 逾期未核实 (not checked, the
deadline past), 待核实 (not checked, not yet due). A clue is checked when its 交办单 row has both an 入户核实日期 and a
核实结论 from the list; a row with one and not the other, a date that is not one, a conclusion typed over the dropdown
is said with its file, row and column, and the clue counts as not checked. The late and the overdue join D7's
accountability list of `summary --clues` (a warning factor not found in time).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
from python_calamine import CalamineWorkbook

from hx_excel.clues import ClueError
from hx_excel.clues.sheets import (CONCLUSIONS, COUNT_SHEET, HEADER_ROW, REGISTER_COLUMNS, REGISTER_SHEET, TASK_COLUMNS,
                                   WAITING, SheetColumn, _header, _row, _title)
from hx_excel.files.inputs import InputFileError, damaged, read_bytes, workbook_problem
from hx_excel.files.lock import open_in_office
from hx_excel.ledger.book import fold
from hx_excel.ledger.cells import CellError, from_cell, put, text_of
from hx_excel.ledger.schema import Column
from hx_excel.roster.values import convert

ON_TIME, LATE, OVERDUE = "7日内已核实", "逾期核实", "逾期未核实"
STATES = (ON_TIME, LATE, OVERDUE, WAITING)
_DATE = Column("checked_on", "入户核实日期", "", "input", "date", "household", 10, "")
_WANTED = ("number", "checked_on", "conclusion", "checker")


@dataclass
class FeedbackRow:
    number: str
    row: int
    name: str = ""
    household_id: str = ""
    checked_on: date | None = None
    conclusion: str = ""
    checker: str = ""
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)    # the row's cells by TASK_COLUMNS key (apply reads them)

    @property
    def answered(self) -> bool:
        return bool(self.checked_on or self.conclusion or self.checker)

    @property
    def verified(self) -> bool:
        return self.checked_on is not None and self.conclusion in CONCLUSIONS


@dataclass
class Feedback:
    file: str
    township: str = ""                  # from the sheet's title
    rows: list[FeedbackRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _cells(path: Path, sheet: str, what: str) -> list[list[Any]]:
    data = read_bytes(path, what)
    problem = workbook_problem(data, path, what)
    if problem:
        raise InputFileError(problem)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if sheet not in workbook.sheet_names:
            raise ClueError(f"{path.name} 中没有“{sheet}”工作表（现有：{'、'.join(workbook.sheet_names)}），不是本工具写的{what}")
        return workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except ClueError:
        raise
    except Exception as exc:  # noqa: BLE001 — a damaged file we did not write
        raise damaged(path, what, exc) from None


def _header_at(cells: list[list[Any]], columns: tuple[SheetColumn, ...], wanted: tuple[str, ...], name: str,
               what: str) -> tuple[int, dict[str, int]]:
    """The header row (0-based) and each wanted column's position, found by header (columns may have been moved)."""
    headers = {fold(c.header): c.key for c in columns}
    for index, row in enumerate(cells[:10]):
        found: dict[str, int] = {}
        for position, value in enumerate(row):
            key = headers.get(fold(value))
            if key and key not in found:
                found[key] = position
        if len(found) >= 3:
            missing = [c.header for c in columns if c.key in wanted and c.key not in found]
            if missing:
                raise ClueError(f"{name} 第 {index + 1} 行表头中找不到{'、'.join(f'“{m}”' for m in missing)}列"
                                f"（可能被改名或删除）：请把表头改回原样后再交回，或用原来的{what}重新填写")
            return index, found
    raise ClueError(f"{name} 前 10 行中找不到{what}的表头（线索编号、入户核实日期、核实结论……），不是本工具写的{what}")


def read_feedback(path: str | Path) -> Feedback:
    """The feedback of one returned 交办单."""
    from hx_excel.clues.sheets import TASK_SHEET

    path = Path(path)
    cells = _cells(path, TASK_SHEET, "交办单")
    header, at = _header_at(cells, TASK_COLUMNS, _WANTED, path.name, "交办单")
    result = Feedback(path.name, _township_in(cells))
    letters = {c.key: c.header for c in TASK_COLUMNS}
    for offset, values in enumerate(cells[header + 1:], start=header + 2):
        cell = lambda key: values[at[key]] if key in at and at[key] < len(values) else None   # noqa: E731
        number = text_of(cell("number"))
        if not number:
            continue
        details = {c.key: cell(c.key) for c in TASK_COLUMNS}
        details.update({k: v.date() for k, v in details.items() if isinstance(v, datetime)})
        row = FeedbackRow(number, offset, text_of(cell("name")), text_of(cell("household_id")),
                          checker=text_of(cell("checker")), note=text_of(cell("note")), details=details)
        where = f"{path.name} 第 {offset} 行（{number}）"
        raw_day = cell("checked_on")
        if text_of(raw_day):
            try:
                row.checked_on = from_cell(_DATE, convert(_DATE, raw_day.date() if isinstance(raw_day, datetime)
                                                          else raw_day, []))
            except CellError as exc:
                result.problems.append(f"{where}“{letters['checked_on']}”：{exc}；按未核实计")
        conclusion = text_of(cell("conclusion"))
        if conclusion and conclusion not in CONCLUSIONS:
            result.problems.append(f"{where}“核实结论”为“{conclusion}”，不在下拉列表中（可选：{'、'.join(CONCLUSIONS)}）："
                                   "请从下拉列表选择；按未核实计")
        elif conclusion:
            row.conclusion = conclusion
        if row.conclusion and row.checked_on is None and not text_of(raw_day):
            result.problems.append(f"{where}填了核实结论，没有填入户核实日期：请补上日期；按未核实计")
        if row.checked_on is not None and not row.conclusion and not conclusion:
            result.problems.append(f"{where}填了入户核实日期，没有选核实结论：请补上结论；按未核实计")
        result.rows.append(row)
    return result


_TITLE = re.compile(r"线索交办单（(.+?)，(\d{4}-\d{2})）")


def _township_in(cells: list[list[Any]]) -> str:
    """The township a 交办单's title names (“部门联合筛查线索交办单（青岩镇，2022-07）”)."""
    match = _TITLE.search(text_of(cells[0][0])) if cells and cells[0] else None
    return match.group(1) if match else ""


@dataclass
class ClueState:
    number: str
    township: str
    state: str
    checked_on: date | None
    conclusion: str
    checker: str
    late_days: int | None


@dataclass
class StatusResult:
    register: Path
    states: list[ClueState] = field(default_factory=list)
    read: list[str] = field(default_factory=list)              # 交办单 files read
    problems: list[str] = field(default_factory=list)
    backup: Path | None = None

    def count(self, state: str) -> int:
        return sum(s.state == state for s in self.states)


def state_of(due: date, feedback: FeedbackRow | None, as_of: date) -> tuple[str, int | None]:
    """The state of a clue due on `due`, with its days late (D1)."""
    if feedback is not None and feedback.verified:
        late = (feedback.checked_on - due).days
        return (LATE, late) if late > 0 else (ON_TIME, None)
    return (OVERDUE, (as_of - due).days) if as_of > due else (WAITING, None)


def update_status(out_dir: str | Path, as_of: date | None = None, *, month: str | None = None) -> StatusResult:
    """Read every 交办单 in `out_dir` and bring its 线索总台账 up to date (only its state columns and 统计 are
    written: atomically, the previous file kept as a backup)."""
    from hx_excel.clues.output import REGISTER_PREFIX, TASK_PREFIX
    from hx_excel.files.report import save_report
    from hx_excel.core.id_number import mask_in

    out_dir = Path(out_dir)
    as_of = as_of or date.today()
    if not out_dir.is_dir():
        raise ClueError(f"{out_dir} 不是文件夹：请写 hx-excel clues intake 写出线索的文件夹")
    if month is not None:
        from hx_excel.operations.review import month_text, parse_month
        month = month_text(*parse_month(month, "线索月份"))
    registers = sorted(p for p in out_dir.glob(f"{REGISTER_PREFIX}-*.xlsx") if ".bak-" not in p.name
                       and (month is None or p.stem == f"{REGISTER_PREFIX}-{month}"))
    if not registers:
        raise ClueError(f"{out_dir} 中没有线索总台账（{REGISTER_PREFIX}-年-月.xlsx）：请先运行 hx-excel clues intake")
    if len(registers) > 1:
        raise ClueError(f"{out_dir} 中有 {len(registers)} 个月的线索总台账（{'、'.join(p.name for p in registers)}）："
                        "请用 --month 指定汇总哪个月")
    register = registers[0]
    result = StatusResult(register)
    month_of = register.stem.removeprefix(f"{REGISTER_PREFIX}-")
    if not register.is_file():
        raise ClueError(f"{register} 不是文件：请把线索总台账放回原处（同一文件夹中的 .bak- 文件是它的备份）")
    try:
        wb = openpyxl.load_workbook(register)
    except Exception as exc:  # noqa: BLE001 — a damaged file
        raise ClueError(f"{register.name} 无法打开（{damaged(register, '线索总台账', exc)}）：可把同一文件夹中最近的 "
                        f"{register.stem}.bak-….xlsx 备份改回原名后重试") from None
    if REGISTER_SHEET not in wb.sheetnames:
        raise ClueError(f"{register.name} 中没有“{REGISTER_SHEET}”表，不是本工具写的线索总台账")
    ws = wb[REGISTER_SHEET]
    cells = [[c.value for c in row] for row in ws.iter_rows(max_row=min(ws.max_row, 10))]
    header, at = _header_at(cells, REGISTER_COLUMNS, ("number", "township", "name", "household_id", "due", "state"),
                            register.name, "线索总台账（本工具写的，请勿改动表头）")
    listed: dict[str, tuple[str, str, str, date | None]] = {}
    for row in range(header + 2, ws.max_row + 1):
        number = text_of(ws.cell(row, at["number"] + 1).value)
        if number:
            received = ws.cell(row, at["received"] + 1).value if "received" in at else None
            listed[number] = (text_of(ws.cell(row, at["township"] + 1).value), text_of(ws.cell(row, at["name"] + 1).value),
                              text_of(ws.cell(row, at["household_id"] + 1).value),
                              received.date() if isinstance(received, datetime) else received)
    feedback: dict[str, FeedbackRow] = {}
    where: dict[str, str] = {}
    for path in sorted(out_dir.iterdir()):
        if not path.name.startswith(f"{TASK_PREFIX}-{month_of}") or ".bak-" in path.name \
                or path.name.startswith(("~$", ".")):
            continue
        if path.suffix.lower() != ".xlsx":
            result.problems.append(f"{path.name} 未读取：交办单须是 .xlsx 文件，请在 Excel 或 WPS 中另存为“Excel 工作簿（.xlsx）”")
            continue
        try:
            got = read_feedback(path)
        except (ClueError, InputFileError) as exc:
            result.problems.append(f"{path.name} 未读取：{exc}")
            continue
        result.read.append(path.name)
        result.problems += got.problems
        busy = open_in_office(path)
        if busy:
            result.problems.append(f"{path.name} {busy}：按已保存的内容汇总，尚未保存的填写不在其中")
        for row in got.rows:
            said = f"{path.name} 第 {row.row} 行的线索编号 {row.number}"
            known = listed.get(row.number)
            if known is None:
                if row.answered:
                    result.problems.append(f"{said}不在{register.name}中：线索编号被改动，或是别的月份、别的文件夹的交办单；"
                                           "该行的核实结果未计入，请核对")
                continue
            township, name, household_id, received = known
            if (got.township and township and got.township != township) or (row.name and name and row.name != name) \
                    or (row.household_id and household_id and row.household_id != household_id):
                result.problems.append(f"{said}在总台账中是{township}{household_id} {name}，交办单中是"
                                       f"{got.township}{row.household_id} {row.name}：两者不是同一条线索（可能是用旧的交办单交回的），"
                                       "该行的核实结果未计入，请核对")
                continue
            if row.checked_on is not None and received is not None and row.checked_on < received:
                result.problems.append(f"{said}的入户核实日期 {row.checked_on:%Y-%m-%d} 早于收到线索的日期 {received:%Y-%m-%d}："
                                       "请核对日期；按未核实计")
                row.checked_on = None
            elif row.checked_on is not None and row.checked_on > as_of:
                result.problems.append(f"{said}的入户核实日期 {row.checked_on:%Y-%m-%d} 晚于统计日 {as_of:%Y-%m-%d}："
                                       "请核对日期；按未核实计")
                row.checked_on = None
            if row.number in feedback:
                first = feedback[row.number]
                if row.answered and (first.checked_on, first.conclusion) != (row.checked_on, row.conclusion):
                    result.problems.append(f"{said}与 {where[row.number]} 的填写不同：按 {where[row.number]} 计，"
                                           "请删去多余的那份交办单")
                continue
            feedback[row.number] = row
            where[row.number] = f"{path.name} 第 {row.row} 行"
    missing = sorted({t for t, _, _, _ in listed.values()} - {f.removeprefix(f"{TASK_PREFIX}-{month_of}-").removesuffix(".xlsx")
                                                              for f in result.read})
    if missing:
        result.problems.append(f"没有找到{'、'.join(missing)}交回的交办单（应为 {TASK_PREFIX}-{month_of}-乡镇.xlsx）：这些线索按未核实计")
    for row in range(header + 2, ws.max_row + 1):
        number = text_of(ws.cell(row, at["number"] + 1).value)
        if not number:
            continue
        due = ws.cell(row, at["due"] + 1).value
        due = due.date() if isinstance(due, datetime) else due
        if not isinstance(due, date):
            result.problems.append(f"{register.name} 第 {row} 行（{number}）的核实期限无法读取：该线索未更新")
            continue
        got = feedback.get(number)
        state, late = state_of(due, got, as_of)
        verified = got is not None and got.verified
        values = {"state": state, "checked_on": got.checked_on if verified else None,
                  "conclusion": got.conclusion if verified else None, "checker": got.checker if got else None,
                  "late_days": late}
        for key, value in values.items():
            if key in at:
                cell = put(ws, row, at[key] + 1, value)      # text typed by a township stays text, never a formula
                if isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
        result.states.append(ClueState(number, text_of(ws.cell(row, at["township"] + 1).value), state,
                                       values["checked_on"], values["conclusion"] or "", values["checker"] or "", late))
    _count_sheet(wb, result.states, as_of)
    result.backup = save_report(wb, register, what="线索总台账", text=mask_in)
    return result


_COUNT_COLUMNS = (SheetColumn("township", "乡镇", 12), SheetColumn("all", "交办", 7),
                  *(SheetColumn(s, s, 10) for s in STATES), *(SheetColumn(c, f"结论：{c}", 8) for c in CONCLUSIONS))


def _count_sheet(wb, states: list[ClueState], as_of: date) -> None:
    if COUNT_SHEET in wb.sheetnames:
        del wb[COUNT_SHEET]
    ws = wb.create_sheet(COUNT_SHEET, 1)
    _title(ws, "各乡镇线索核实情况", len(_COUNT_COLUMNS), f"统计日 {as_of:%Y-%m-%d}；核实期限为收到线索后 7 日（四(二)、D1）。")
    _header(ws, _COUNT_COLUMNS)
    townships = list(dict.fromkeys(s.township for s in states))
    rows = []
    for township in townships + ["合计"]:
        mine = [s for s in states if township == "合计" or s.township == township]
        values = {"township": township, "all": len(mine), **{k: sum(s.state == k for s in mine) for k in STATES},
                  **{c: sum(s.conclusion == c for s in mine) for c in CONCLUSIONS}}
        rows.append(values)
    for offset, values in enumerate(rows):
        _row(ws, HEADER_ROW + 1 + offset, _COUNT_COLUMNS, values)


def late_clues(register: str | Path) -> list[dict[str, Any]]:
    """The register's clues checked late or not checked in time (D7), as its rows say them: for `summary --clues`."""
    path = Path(register)
    cells = _cells(path, REGISTER_SHEET, "线索总台账")
    header, at = _header_at(cells, REGISTER_COLUMNS, ("number", "township", "state", "due"), path.name, "线索总台账")
    out = []
    for values in cells[header + 1:]:
        row = {c.key: (values[at[c.key]] if c.key in at and at[c.key] < len(values) else None) for c in REGISTER_COLUMNS}
        if text_of(row["state"]) in (LATE, OVERDUE):
            out.append(row)
    return out


def clue_accountability(registers, month: str, as_of: date | None = None) -> list:
    """D7 (a) rows of `summary --clues`: each department clue of the registers checked late in `month`, or still not
    checked with its deadline past by the month's end (policy.md, Accountability: a late step stays on the list of
    the month it was done in)."""
    from hx_excel.core.days import month_end
    from hx_excel.operations.review import parse_month
    from hx_excel.operations.summary import D7_FOUND, AccountRow

    year, number = parse_month(month, "月报月份")
    first = date(year, number, 1)
    last = month_end(first)
    rows = []
    for register in registers:
        for clue in late_clues(register):
            due = _day(clue["due"])
            checked = _day(clue["checked_on"])
            state = text_of(clue["state"])
            if due is None or (state == LATE and not (checked and first <= checked <= last)) \
                    or (state == OVERDUE and due >= last):     # due on the last day: still within its days then
                continue
            late = clue["late_days"]
            if state == OVERDUE and as_of is not None:      # still open: late to the summary's day, as the ledger's own
                late = (min(as_of, last) - due).days
            missing = (f"部门联合筛查线索 {text_of(clue['number'])}（{text_of(clue['departments'])}）"
                       + (f"逾期核实（{checked:%Y-%m-%d} 入户核实）" if state == LATE
                          else "未在 7 日内入户核实（线索总台账汇总时尚未核实）"))
            rows.append(AccountRow(D7_FOUND, text_of(clue["township"]), text_of(clue["village"]),
                                   text_of(clue["household_id"]), text_of(clue["name"]), text_of(clue["id"]),
                                   "D1", missing, due, int(late) if isinstance(late, (int, float)) else None))
    return rows


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None
