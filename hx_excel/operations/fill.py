"""`fill`: what the ledger's formulas do not give, written into the workbook, and nothing else.

- 户编号 for member rows typed without one: the 户编号 of the row above, when the rows run on without a gap from a
  head row that has one (a clerk types the head's number and then the members below it).
- 建议帮扶措施 (五、分类管理及动态帮扶): for each household, the measures of every clause that holds, as suggestions in a
  column of their own (schema kind "filled"), never in what the clerk typed under 帮扶措施.
- 待办: a sheet rebuilt on each run, what the clerk can act on: each household's open steps that have a deadline
  (D1, D3, D4, D6) and its next step, with due date and state, overdue first, then by due date — the month's to-do
  list, printed with the township, the date and the sign-off on every page.
- For a workbook whose computed columns hold values, not formulas (an export, a roster, an old copy): grade,
  factors, clauses, category, next step, due date and status, as values.
- A formula a clerk typed over or deleted is reported, and put back only with `restore_formulas` (the typed value is
  named in the report and stays in the backup that every save keeps).

`fill_workbook` is the operation on an open workbook and the ledger as read; `operations.editing.edit_ledger` opens,
saves atomically, keeps the previous file and refuses a workbook open in Excel or WPS. A second run writes nothing:
every write compares first.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from hx_excel.core.clauses import factor_text
from hx_excel.core.workflow import NO_DEADLINE
from hx_excel.files.fonts import font
from hx_excel.files.pages import a4, sign_off_line
from hx_excel.ledger.book import LedgerBook, headers, typed
from hx_excel.ledger.cells import filled, put, trimmed
from hx_excel.ledger.printing import fit_rows
from hx_excel.ledger.schema import BY_KEY, COLUMNS, SHEET, column_index
from hx_excel.ledger.template import cell_formula
from hx_excel.operations.assessed import AssessedLedger, assess_book
from hx_excel.operations.editing import Edits, unread_facts
from hx_excel.policy import Policy

TODO_SHEET = "待办"
TODO_HEADERS = (("状态", 8), ("期限", 11), ("剩余天数", 9), ("村", 10), ("组", 6), ("户编号", 10), ("户主", 8),
                ("分级", 6), ("事项", 36), ("条款", 6), ("说明", 40), ("台账行", 7))
_TODO_WRAPPED = (9, 11)      # 事项, 说明
_TODO_WIDTH = len(TODO_HEADERS)   # columns right of these are the clerk's (her notes beside a line)
VALUE_COLUMNS = ("grade", "factors", "clauses", "category", "next_step", "next_due", "next_status")
_HID, _REL = (column_index(k) - 1 for k in ("household_id", "relation"))
_SUGGESTED = column_index("suggested_measures") - 1


def fill_workbook(wb: Workbook, book: LedgerBook, policy: Policy, as_of: date | None = None, *,
                  restore_formulas: bool = False) -> Edits:
    edits = Edits()
    ws = wb[SHEET]
    book = _with_household_ids(ws, book, edits)
    ledger = assess_book(book, policy, as_of)
    unread_facts(ledger, edits)
    _suggestions(ws, book, ledger, edits)
    if not book.has_formulas:
        _values(ws, book, ledger, edits)
    _formulas(ws, book, edits, restore_formulas)
    _todo(wb, ledger, edits)
    return edits


def _write(ws, row: int, column: int, value: Any, edits: Edits, *, date_cell: bool = False, wrap: bool = False,
           header: str = "") -> bool:
    """Write one cell (text as text) unless it already holds `value`; False (said in the report) when the cell is
    covered by a merged cell, which cannot be written without undoing the clerk's merge."""
    current = ws.cell(row, column).value
    if _same(current, value):
        return True
    if _merged(ws, row, column, header, edits, f"“{value}”" if value not in (None, "") else "（清空）"):
        return False
    cell = put(ws, row, column, value)
    if date_cell and value is not None:
        cell.number_format = "yyyy-mm-dd"
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    edits.cells += 1
    return True


def _merged(ws, row: int, column: int, header: str, edits: Edits, what: str) -> bool:
    """Whether (row, column) is inside a merged cell (not its first cell); if so the report says which and why."""
    if not isinstance(ws.cell(row, column), MergedCell):
        return False
    coordinate = f"{get_column_letter(column)}{row}"
    area = next((r.coord for r in ws.merged_cells.ranges if coordinate in r), coordinate)
    edits.problems += 1
    edits.report.append(f"“{ws.title}”表第 {row} 行“{header or get_column_letter(column)}”列在合并单元格 {area} 中，"
                        f"未写入{what}：请取消合并，每行分别填写后重新运行 hx-excel fill")
    return True


def _same(current: Any, value: Any) -> bool:
    if isinstance(current, datetime):
        current = current.date()
    if current in ("", None) and value in ("", None):
        return True
    return current == value



# ---- 户编号 ------------------------------------------------------------------------------------------------------

def _with_household_ids(ws, book: LedgerBook, edits: Edits) -> LedgerBook:
    """Member rows without 户编号 below a head (rows without a gap) get the head's; the book as if typed so."""
    column = book.columns.positions[_HID] + 1
    rows, current, previous_row, given = [], "", 0, 0
    for number, values in book.rows:
        typed_in = typed(values)
        hid = str(values[_HID]).strip() if filled(values[_HID]) else ""
        if not typed_in or number != previous_row + 1:
            current = ""
        if typed_in and not hid and current and str(values[_REL] or "").strip() != "户主":
            if _write(ws, number, column, current, edits, header=COLUMNS[_HID].header):
                values = values[:_HID] + (current,) + values[_HID + 1:]
                given += 1
        elif hid:
            current = hid
        if typed_in:
            previous_row = number
        rows.append((number, values))
    if given:
        edits.report.append(f"为 {given} 个成员行补填了户编号（取自上方户主行）")
        return dataclasses.replace(book, rows=rows, _by_row=None)
    return book


# ---- 建议帮扶措施 ------------------------------------------------------------------------------------------------

def suggestion_text(assessment) -> str:
    """五: each clause that holds with the measures the policy sets for it (the core's ClauseHit.measures)."""
    lines = [f"{hit.id} {measure}" for hit in assessment.clauses for measure in hit.measures]
    return "\n".join(lines)


def _suggestions(ws, book: LedgerBook, ledger: AssessedLedger, edits: Edits) -> None:
    position = book.columns.positions[_SUGGESTED]
    if position is None:     # a ledger made before the column existed: it is added after the last column
        position = ws.max_column
        header_row = book.columns.header_row
        cell = put(ws, header_row, position + 1, BY_KEY["suggested_measures"].header)
        cell.font = font(bold=True)
        ws.column_dimensions[get_column_letter(position + 1)].width = BY_KEY["suggested_measures"].width
        edits.cells += 1
        edits.report.append(f"在 {get_column_letter(position + 1)} 列加了“建议帮扶措施”列")
    column = position + 1
    wanted = {item.entry.head_row: suggestion_text(item.assessment) for item in ledger.households if item.assessment}
    before = edits.cells
    for number, values in book.rows:   # rows that are no longer a head row lose an old suggestion
        if number not in wanted and filled(ws.cell(number, column).value):
            _write(ws, number, column, None, edits, header=COLUMNS[_SUGGESTED].header)
    for row, text in wanted.items():
        _write(ws, row, column, text or None, edits, wrap=True, header=COLUMNS[_SUGGESTED].header)
    if edits.cells > before:
        edits.report.append(f"更新了 {edits.cells - before} 户的建议帮扶措施（五、分类管理及动态帮扶）")


# ---- values for a workbook without formulas --------------------------------------------------------------------

def _values(ws, book: LedgerBook, ledger: AssessedLedger, edits: Edits) -> None:
    before = edits.cells
    for item in ledger.households:
        a, p = item.assessment, item.plan
        if a is None or p is None:
            continue
        step = p.next_step
        values = {"grade": a.grade, "factors": factor_text(a.clause_ids, a.missing, a.grade),
                  "clauses": " ".join(a.clause_ids), "category": a.category, "next_step": step.title if step else "",
                  "next_due": step.due if step else None, "next_status": step.status if step else ""}
        for key in VALUE_COLUMNS:
            position = book.columns.positions[column_index(key) - 1]
            if position is not None:
                _write(ws, item.entry.head_row, position + 1, values[key] or None, edits, date_cell=key == "next_due",
                       wrap=BY_KEY[key].wrap, header=BY_KEY[key].header)
    if edits.cells > before:
        edits.report.append(f"计算列没有公式：已把各户的预警分级、监测预警因素、成立条款、监测类别、下一步、期限和状态按本工具的计算写为数值"
                            f"（{edits.cells - before} 格）")


# ---- formulas a clerk typed over ---------------------------------------------------------------------------------

def _formulas(ws, book: LedgerBook, edits: Edits, restore: bool) -> None:
    gone = book.formulas_gone()
    if not gone:
        return
    last = book.last_formula_row
    restorable = book.columns.standard
    for number, indexes in gone.items():
        over = book.typed_over(number, indexes)
        if restore and restorable:
            merged = [i for i in indexes if _merged(ws, number, book.columns.positions[i] + 1, COLUMNS[i].header,
                                                    edits, "公式")]
            done = [i for i in indexes if i not in merged]
            for i in done:
                ws.cell(number, book.columns.positions[i] + 1).value = cell_formula(COLUMNS[i], number, last)
                edits.cells += 1
            if done:
                edits.report.append(f"第 {number} 行：恢复了{headers(done)}列的公式"
                                    + (f"（原填 {'；'.join(over[:3])}，保留在备份中）" if over else ""))
        else:
            edits.problems += 1
            why = ("列被移动过，无法自动恢复：请从相邻行复制公式" if restore else "加 --restore-formulas 可恢复（原值保留在备份中）")
            edits.report.append(f"第 {number} 行：{headers(indexes)}列的公式被删除或被填写覆盖"
                                + (f"（{'；'.join(over[:3])}）" if over else "") + f"，{why}")


# ---- 待办 ----------------------------------------------------------------------------------------------------------

def todo_rows(ledger: AssessedLedger) -> list[tuple]:
    """What a clerk can act on: each household's open steps that have a deadline, and its next step (the first open
    one, when none has a deadline) — not every later step of a chain, which only follows the next. Overdue first, then
    by due date, then the steps with no deadline."""
    rows = []
    for item in ledger.households:
        if item.plan is None:
            continue
        h = item.household
        head = item.head.name if item.head else ""
        following = item.plan.next_step
        for step in item.plan.steps:
            if step.status == "已完成" or (step.due is None and step is not following):
                continue
            left = (step.due - ledger.as_of).days if step.due else None
            rows.append((step.status or NO_DEADLINE, step.due, left, h.village, h.group, h.household_id, head,
                         item.assessment.grade if item.assessment else "", step.title, step.clause,
                         step.note, item.entry.head_row))
    rows.sort(key=lambda r: (r[0] != "已逾期", r[1] is None, r[1] or date.max, r[11]))
    return rows


def _todo(wb: Workbook, ledger: AssessedLedger, edits: Edits) -> None:
    rows = todo_rows(ledger)
    settings = ledger.book.settings
    title = (f"{settings.township}待办事项（评估日期 {ledger.as_of:%Y-%m-%d}；每次运行 hx-excel fill 重建，请勿在此填写）")
    wanted = [[title], [h for h, _ in TODO_HEADERS]] + [list(r) for r in rows]
    clerks: dict[tuple, list[Any]] = {}          # the clerk's notes right of a line, by the line they stand beside
    clerks_headers: list[Any] = []
    if TODO_SHEET in wb.sheetnames:
        ws = wb[TODO_SHEET]
        have = [[_plain(c) for c in row] for row in ws.iter_rows(values_only=True)]
        header = list(have[1][:_TODO_WIDTH]) if len(have) > 1 else []
        if any(v is not None for row in have for v in row) and header != [h for h, _ in TODO_HEADERS]:
            edits.problems += 1
            edits.report.append(f"台账中已有名为“{TODO_SHEET}”的工作表，但不是本工具生成的（第 2 行不是待办表头），为免覆盖，"
                                f"没有生成待办：请把该表改名（如“我的待办”）后再运行 hx-excel fill")
            return
        lines = have[:2] + [row for row in have[2:] if _is_line(row, _TODO_WIDTH)]
        if trimmed([row[:_TODO_WIDTH] for row in lines]) == trimmed([[_plain(c) for c in r] for r in wanted]):
            return                               # the lines as they are: what the clerk typed around them stays too
        clerks, clerks_headers, dropped = _clerks_notes(have, _TODO_WIDTH)
        index = wb.sheetnames.index(TODO_SHEET)
        wb.remove(ws)
    else:
        dropped = []
        index = wb.sheetnames.index(SHEET) + 1
    ws = wb.create_sheet(TODO_SHEET, index)
    put(ws, 1, 1, title).font = font(bold=True, size=13)
    for column, (header, width) in enumerate(TODO_HEADERS, start=1):
        ws.cell(2, column, header).font = font(bold=True)
        ws.column_dimensions[get_column_letter(column)].width = width
    for number, row in enumerate(rows, start=3):
        for column, value in enumerate(row, start=1):
            cell = put(ws, number, column, value if value != "" else None)
            cell.alignment = Alignment(vertical="top", wrap_text=column in _TODO_WRAPPED)
            if column == 2 and value:
                cell.number_format = "yyyy-mm-dd"
        if row[0] == "已逾期":
            ws.cell(number, 1).font = font(bold=True, color="C00000")
        _, beside = clerks.pop(_line_key(row), (None, ()))
        for offset, note in enumerate(beside, start=_TODO_WIDTH + 1):      # the clerk's notes stay beside their line
            put(ws, number, offset, note)
    for offset, header in enumerate(clerks_headers, start=_TODO_WIDTH + 1):
        put(ws, 2, offset, header)
    dropped += [label for label, _ in clerks.values()]
    if dropped:
        edits.report.append(f"“{TODO_SHEET}”表中手工填写的 {len(dropped)} 处内容（{'；'.join(dropped[:3])}"
                            f"{'等' if len(dropped) > 3 else ''}）所在的事项已办完或不在表中了，重建时没有保留："
                            "它们在这次的备份文件里")
    fit_rows(ws, ((number, TODO_HEADERS[column - 1][1], str(row[column - 1] or ""))
                  for number, row in enumerate(rows, start=3) for column in _TODO_WRAPPED))
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{get_column_letter(len(TODO_HEADERS))}{max(2, len(rows) + 2)}"
    a4(ws, title_rows="1:2", sign_off=sign_off_line(reporter=settings.reporter, reviewer=settings.reviewer,
                                                      phone=settings.phone))
    ws.print_area = f"A1:{get_column_letter(len(TODO_HEADERS))}{max(2, len(rows) + 2)}"   # not the title's overflow
    edits.sheets.append(TODO_SHEET)
    overdue = sum(1 for r in rows if r[0] == "已逾期")
    edits.report.append(f"“{TODO_SHEET}”表：{len(rows)} 项未办事项，其中已逾期 {overdue} 项")


def _line_key(line) -> tuple:
    """What a 待办 line is about: its household, step and clause (户编号, 事项, 条款)."""
    return (line[5], line[8], line[9])


def _is_line(row: list[Any], width: int) -> bool:
    """A line the tool wrote: its last column (台账行) holds the ledger row it is about."""
    return len(row) >= width and isinstance(row[width - 1], int) and not isinstance(row[width - 1], bool)


def _clerks_notes(have: list[list[Any]], width: int) -> tuple[dict[tuple, tuple[str, list[Any]]], list[Any],
                                                              list[str]]:
    """From the 待办 sheet as it stands: the clerk's notes right of each line (by `_line_key`, with how to name
    them), the headers she gave those columns, and what she typed elsewhere (rows that are not lines), named."""
    notes, dropped = {}, []
    headers = list(have[1][width:]) if len(have) > 1 else []
    while headers and headers[-1] is None:
        headers.pop()
    for number, row in enumerate(have[2:], start=3):
        beside = list(row[width:])
        while beside and beside[-1] is None:
            beside.pop()
        is_line = _is_line(row, width)
        if is_line and beside:
            text = "、".join(str(v) for v in beside if v is not None)
            notes[_line_key(row)] = (f"第 {number} 行“{text[:20]}”", beside)
        elif not is_line and any(v is not None for v in row):
            dropped.append(f"第 {number} 行“{'、'.join(str(v) for v in row if v is not None)[:20]}”")
    return notes, headers, dropped


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    return None if value == "" else value
