"""The clue workbooks, their columns declared once for writing and reading back:
- 线索交办单 (one per township): every clue handed to it, full ID numbers and every fact, with the feedback columns
  the township fills in (入户核实日期, 核实结论 from a dropdown, 核实人, 备注) and sends back; printable on A4.
- 线索总台账 (the district's): every clue with masked IDs and the clause — never a health or insurance fact (issue
  21 point 5) — its deadline and state, the rows that matched nobody, the facts already open in a ledger, and the
  count per township.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from hx_excel.core.id_number import mask
from hx_excel.files.fonts import font
from hx_excel.files.pages import a4
from hx_excel.ledger.cells import put
from hx_excel.ledger.printing import fit_rows

TASK_SHEET = "线索交办单"
REGISTER_SHEET = "线索"
UNMATCHED_SHEET = "未匹配"
OPEN_SHEET = "台账已有"
COUNT_SHEET = "统计"
NOTES_SHEET = "说明"
CONCLUSIONS = ("红", "黄", "绿", "无风险", "查无此人")       # 核实结论: the grade found at the household, or none
PRIVATE_SHOWN = "（涉及健康或医保信息，见乡镇交办单）"
HEADER_ROW = 3                                             # both workbooks: title, a line of explanation, the header


@dataclass(frozen=True)
class SheetColumn:
    key: str
    header: str
    width: float
    feedback: bool = False      # filled in by the township


TASK_COLUMNS = (
    SheetColumn("seq", "序号", 5), SheetColumn("number", "线索编号", 17), SheetColumn("village", "村", 10),
    SheetColumn("household_id", "户编号", 20), SheetColumn("name", "姓名", 8), SheetColumn("id", "身份证号", 20),
    SheetColumn("departments", "来源部门", 9), SheetColumn("facts", "线索内容", 44), SheetColumn("clauses", "建议条款", 8),
    SheetColumn("received", "收到日期", 11), SheetColumn("due", "核实期限", 11),
    SheetColumn("checked_on", "入户核实日期", 12, True), SheetColumn("conclusion", "核实结论", 9, True),
    SheetColumn("checker", "核实人", 9, True), SheetColumn("note", "备注", 18, True),
)
REGISTER_COLUMNS = (
    SheetColumn("number", "线索编号", 17), SheetColumn("township", "乡镇", 10), SheetColumn("village", "村", 10),
    SheetColumn("household_id", "户编号", 20), SheetColumn("name", "姓名", 8), SheetColumn("id", "身份证号", 20),
    SheetColumn("departments", "来源部门", 9), SheetColumn("clauses", "建议条款", 8), SheetColumn("facts", "线索内容", 36),
    SheetColumn("received", "收到日期", 11), SheetColumn("due", "核实期限", 11), SheetColumn("state", "状态", 11),
    SheetColumn("checked_on", "入户核实日期", 12), SheetColumn("conclusion", "核实结论", 9),
    SheetColumn("checker", "核实人", 9), SheetColumn("late_days", "逾期天数", 8),
)
WAITING = "待核实"

_WRAP = Alignment(wrap_text=True, vertical="top")
_HEAD = Alignment(horizontal="center", vertical="center", wrap_text=True)
_FEEDBACK = PatternFill("solid", fgColor="FFF2CC")


def task_workbook(intake, township: str) -> Workbook:
    """The 线索交办单 of `township`."""
    clues = [c for c in intake.clues if c.person.township == township]
    wb = Workbook()
    ws = wb.active
    ws.title = TASK_SHEET
    _title(ws, f"部门联合筛查线索交办单（{township}，{intake.month}）", len(TASK_COLUMNS),
           f"区乡村振兴局 {intake.received_on:%Y-%m-%d} 收到各部门名单。请在核实期限前入户核实（四(二)、D1），"
           "填写黄色各列后交回；核实结论选“红/黄/绿”的，用 hx-excel clues apply 记入台账。本表含完整身份证号和健康信息，请勿外传。")
    _header(ws, TASK_COLUMNS)
    for offset, clue in enumerate(clues):
        row = HEADER_ROW + 1 + offset
        values = {"seq": offset + 1, "number": clue.number, "village": clue.person.village,
                  "household_id": clue.person.household_id, "name": clue.person.name, "id": clue.person.id_shown,
                  "departments": "、".join(clue.departments),
                  "facts": "\n".join(f"【{f.department}·{f.clause}】{f.says}" for f in clue.facts),
                  "clauses": "、".join(clue.clauses), "received": clue.received_on, "due": clue.due}
        _row(ws, row, TASK_COLUMNS, values)
        # room to write the answer by hand on the printed sheet at the household
        ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 0, 30)
    last = HEADER_ROW + max(len(clues), 1)
    conclusion = DataValidation(type="list", formula1=f'"{",".join(CONCLUSIONS)}"', allow_blank=True,
                                showErrorMessage=True, errorTitle="核实结论", error="请从下拉列表选择：" + "、".join(CONCLUSIONS))
    checked = DataValidation(type="date", operator="between", formula1="DATE(2000,1,1)", formula2="DATE(2100,12,31)",
                             allow_blank=True, showErrorMessage=True, errorTitle="入户核实日期",
                             error="请按 2022-07-15 的格式填写日期")
    for rule, key in ((conclusion, "conclusion"), (checked, "checked_on")):
        letter = _letter(TASK_COLUMNS, key)
        rule.add(f"{letter}{HEADER_ROW + 1}:{letter}{last + 200}")
        ws.add_data_validation(rule)
    for column in TASK_COLUMNS:
        if column.feedback:
            letter = _letter(TASK_COLUMNS, column.key)
            for row in range(HEADER_ROW + 1, last + 1):
                ws[f"{letter}{row}"].fill = _FEEDBACK
            if column.key == "checked_on":
                for row in range(HEADER_ROW + 1, last + 201):
                    ws[f"{letter}{row}"].number_format = "yyyy-mm-dd"
    wb.properties.title = TASK_SHEET
    wb.properties.subject = f"{intake.month} {township}"
    return wb


def register_workbook(intake) -> Workbook:
    """The district's 线索总台账 as intake leaves it: every clue waiting for its household check."""
    wb = Workbook()
    ws = wb.active
    ws.title = REGISTER_SHEET
    _title(ws, f"部门联合筛查线索总台账（{intake.month}）", len(REGISTER_COLUMNS),
           f"{intake.received_on:%Y-%m-%d} 收到的部门名单，按身份证号与各乡镇台账"
           + (f"及国家系统名单（{intake.roster}）" if intake.roster else "") + "比对；身份证号已遮挡，健康和医保信息只写在乡镇交办单中。"
           "运行 hx-excel clues status 按交回的交办单更新状态。")
    _header(ws, REGISTER_COLUMNS)
    for offset, clue in enumerate(intake.clues):
        write_register_row(ws, HEADER_ROW + 1 + offset, clue, {})
    _unmatched_sheet(wb, intake)
    _open_sheet(wb, intake)
    _notes_sheet(wb, intake)
    wb.properties.title = "线索总台账"
    wb.properties.subject = intake.month
    return wb


def register_values(clue, feedback: dict) -> dict:
    """The 总台账 row of `clue`: what it was handed out as, and its state from `feedback` (status.Feedback)."""
    return {"number": clue.number, "township": clue.person.township, "village": clue.person.village,
            "household_id": clue.person.household_id, "name": clue.person.name, "id": mask(clue.key),
            "departments": _departments(clue.facts), "clauses": "、".join(clue.clauses),
            "facts": "\n".join(PRIVATE_SHOWN if f.private else f"【{f.department}】{f.says}" for f in clue.facts),
            "received": clue.received_on, "due": clue.due, "state": feedback.get("state", WAITING),
            "checked_on": feedback.get("checked_on"), "conclusion": feedback.get("conclusion"),
            "checker": feedback.get("checker"), "late_days": feedback.get("late_days")}


PRIVATE_DEPARTMENT = "健康或医保部门"


def _departments(facts) -> str:
    """The departments of `facts` as the district register shows them: a health or insurance department's name is
    itself a fact about the person (on 残联's list of the severely disabled), so it is not named."""
    return "、".join(dict.fromkeys(PRIVATE_DEPARTMENT if f.private else f.department for f in facts))


def _safe_name(name: str) -> str:
    """A name cell for the register: an ID number typed there (columns swapped in a list, full-width digits or
    spaces inside) is masked as an ID column is."""
    import unicodedata
    digits = "".join(unicodedata.normalize("NFKC", name or "").split())
    return mask(digits) if sum(c.isdigit() for c in digits) >= 15 else name


def write_register_row(ws: Worksheet, row: int, clue, feedback: dict) -> None:
    _row(ws, row, REGISTER_COLUMNS, register_values(clue, feedback))


UNMATCHED_COLUMNS = (
    SheetColumn("department", "部门", 8), SheetColumn("file", "文件", 18), SheetColumn("row", "行", 6),
    SheetColumn("name", "姓名", 8), SheetColumn("id", "身份证号", 20), SheetColumn("clauses", "建议条款", 8),
    SheetColumn("facts", "线索内容", 36), SheetColumn("reason", "未匹配原因", 30))
OPEN_COLUMNS = (
    SheetColumn("township", "乡镇", 10), SheetColumn("village", "村", 10), SheetColumn("household_id", "户编号", 20),
    SheetColumn("name", "姓名", 8), SheetColumn("id", "身份证号", 20), SheetColumn("department", "部门", 8),
    SheetColumn("clause", "条款", 6), SheetColumn("why", "未再交办的原因", 44))


def _table_sheet(wb: Workbook, name: str, columns, title: str, line: str, rows) -> None:
    ws = wb.create_sheet(name)
    _title(ws, title, len(columns), line)
    _header(ws, columns)
    for offset, values in enumerate(rows):
        _row(ws, HEADER_ROW + 1 + offset, columns, values)


def _unmatched_sheet(wb: Workbook, intake) -> None:
    _table_sheet(wb, UNMATCHED_SHEET, UNMATCHED_COLUMNS, f"未匹配到任何人的部门线索（{intake.month}）",
                 "请区里按部门原表核对后人工交办：身份证号已遮挡，按文件和行号查原表。",
                 ({"department": _departments(u.row.facts), "file": u.row.file, "row": u.row.row,
                   "name": _safe_name(u.row.name), "id": mask(u.row.id_key or u.row.id_shown),
                   "clauses": "、".join(dict.fromkeys(f.clause for f in u.row.facts)),
                   "facts": "\n".join(PRIVATE_SHOWN if f.private else f.says for f in u.row.facts), "reason": u.reason}
                  for u in intake.unmatched))


def _open_sheet(wb: Workbook, intake) -> None:
    _table_sheet(wb, OPEN_SHEET, OPEN_COLUMNS, f"台账中已有、未再交办的线索（{intake.month}）",
                 "这些人所在户在台账中未退出监测，核心规则已判定同一条款，不重复交办。",
                 ({"township": o.person.township, "village": o.person.village, "household_id": o.person.household_id,
                   "name": o.person.name, "id": mask(o.person.id_shown), "department": _departments([o.fact]),
                   "clause": o.fact.clause, "why": o.why} for o in intake.already_open))


def _notes_sheet(wb: Workbook, intake) -> None:
    ws = wb.create_sheet(NOTES_SHEET)
    ws.column_dimensions["A"].width = 100
    lines = [f"部门名单 {len(intake.lists)} 份：" + "、".join(f"{d.file}（{d.profile.department}，{d.rows_read} 行，"
                                                          f"线索 {len(d.hits)} 行）" for d in intake.lists)]
    lines += [f"未读取：{name}：{why}" for name, why in intake.refused]
    lines.append(f"比对的台账 {len(intake.ledgers)} 本：" + "、".join(intake.ledgers))
    lines += [f"无法读取的台账：{name}：{why}" for name, why in intake.unread_ledgers]
    if intake.roster:
        lines.append(f"国家系统名单：{intake.roster}")
    lines += intake.problems_shown
    put(ws, 1, 1, "说明").font = font(bold=True, size=13)
    for offset, line in enumerate(lines, start=2):
        put(ws, offset, 1, mask_text(line)).alignment = _WRAP
    fit_rows(ws, ((offset, 100, line) for offset, line in enumerate(lines, start=2)))
    a4(ws, landscape=False)


def mask_text(text: str) -> str:
    from hx_excel.core.id_number import mask_in
    return mask_in(text)


def _title(ws: Worksheet, title: str, width: int, line: str) -> None:
    put(ws, 1, 1, title).font = font(bold=True, size=14)
    put(ws, 2, 1, line).alignment = _WRAP
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.row_dimensions[2].height = 32
    a4(ws, title_rows=f"1:{HEADER_ROW}")
    ws.freeze_panes = f"A{HEADER_ROW + 1}"


def _header(ws: Worksheet, columns) -> None:
    for index, column in enumerate(columns, start=1):
        cell = put(ws, HEADER_ROW, index, column.header)
        cell.font = font(bold=True)
        cell.alignment = _HEAD
        if column.feedback:
            cell.fill = _FEEDBACK
        ws.column_dimensions[_letter(columns, column.key)].width = column.width
    ws.auto_filter.ref = f"A{HEADER_ROW}:{_letter(columns, columns[-1].key)}{HEADER_ROW}"


def _row(ws: Worksheet, row: int, columns, values: dict) -> None:
    texts = []
    for index, column in enumerate(columns, start=1):
        value = values.get(column.key)
        cell = put(ws, row, index, value if value != "" else None)
        cell.alignment = _WRAP
        if isinstance(value, date):
            cell.number_format = "yyyy-mm-dd"
        if column.key == "id":
            cell.number_format = "@"
        if isinstance(value, str):
            texts.append((row, column.width, value))
    fit_rows(ws, texts)        # LibreOffice prints a row at the height the file gives: tall enough for its text


def _letter(columns, key: str) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(next(i for i, c in enumerate(columns, start=1) if c.key == key))
