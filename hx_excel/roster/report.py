"""The roster's problems as a workbook (导入问题), one row each, for the clerk to work through: every problem goes
here, while the screen shows only the first ones."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from hx_excel.ledger.cells import put
from hx_excel.roster.read import Roster

SHEET = "导入问题"
HEADERS = (("名单行号", 10), ("名单列名", 18), ("乡镇", 14), ("问题及处理", 90))


def problems_workbook(roster: Roster) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    put(ws, 1, 1, f"名单 {roster.name} 导入问题（共 {len(roster.problems)} 处）")
    ws.cell(1, 1).font = Font(bold=True, size=13)
    put(ws, 2, 1, roster.describe())
    for column, (header, width) in enumerate(HEADERS, start=1):
        ws.cell(3, column, header).font = Font(bold=True)
        ws.column_dimensions[chr(64 + column)].width = width
    for row, problem in enumerate(roster.problems, start=4):
        ws.cell(row, 1, problem.row)
        put(ws, row, 2, problem.column)   # the roster's own header: text from a file
        put(ws, row, 3, roster.row_townships.get(problem.row, ""))
        put(ws, row, 4, problem.message).alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A4"
    ws.auto_filter.ref = f"A3:D{max(3, 3 + len(roster.problems))}"
    return wb
