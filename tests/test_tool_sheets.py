"""The tool's sheets are the tool's, the clerk's are the clerk's (issue 18 point 7): a sheet of her own that happens
to be called 待办 or 月度研判记录 is never replaced or appended to; notes she typed beside 待办's lines follow their
line when the sheet is rebuilt, and what cannot follow is named (it is in the backup)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from conftest import AS_OF, household, person
from hx_excel.cli import main
from hx_excel.files.save import save_workbook
from hx_excel.ledger.schema import FIRST_DATA_ROW, SHEET, column_index
from hx_excel.ledger.template import build_workbook
from hx_excel.ledger.writer import RowWriter
from hx_excel.operations.fill import TODO_SHEET
from hx_excel.operations.review import RECORD_SHEET

HID = column_index("household_id")


def households():
    # a clue collected 2022-07-01, no household check yet: D1 (check within 7 days) due 07-08, overdue on 07-15
    return [household([person("杨平"), person("杨安", "之子")], household_id="QY-002", village="龙井村",
                      clue_channel="基层干部排查", clue_on=date(2022, 7, 1))]


@pytest.fixture
def ledger(tmp_path, policy) -> Path:
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=20)
    RowWriter(wb[SHEET]).write(households())
    path = tmp_path / "青岩镇.xlsx"
    save_workbook(wb, path)
    return path


def cells(ws) -> dict:
    return {(c.row, c.column): c.value for row in ws.iter_rows() for c in row if c.value is not None}


def test_a_sheet_of_her_own_called_todo_is_left_and_said(ledger, capsys):
    wb = openpyxl.load_workbook(ledger)
    mine = wb.create_sheet(TODO_SHEET)
    mine.append(["我的待办"])
    mine.append(["事项", "负责人", "完成"])
    mine.append(["通知村民开会", "王五", "否"])
    wb[SHEET].cell(FIRST_DATA_ROW + 1, HID).value = None          # something else for fill to do: a member's 户编号
    wb.save(ledger)
    before = cells(openpyxl.load_workbook(ledger)[TODO_SHEET])
    assert main(["fill", str(ledger)]) == 1
    out = capsys.readouterr().out
    assert ("台账中已有名为“待办”的工作表，但不是本工具生成的（第 2 行不是待办表头），为免覆盖，没有生成待办："
            "请把该表改名（如“我的待办”）后再运行 hx-excel fill") in out
    wb = openpyxl.load_workbook(ledger)
    assert cells(wb[TODO_SHEET]) == before
    assert wb[SHEET].cell(FIRST_DATA_ROW + 1, HID).value == "QY-002"    # the rest of fill done


def test_notes_beside_todo_lines_follow_their_line_and_the_rest_is_named(ledger, capsys):
    assert main(["fill", str(ledger)]) == 0
    wb = openpyxl.load_workbook(ledger)
    todo = wb[TODO_SHEET]
    line = next(r for r in range(3, todo.max_row + 1) if todo.cell(r, 10).value == "D1")
    todo.cell(2, 13).value = "跟进人"
    todo.cell(line, 13).value = "李四 7月16日去"
    todo.cell(todo.max_row + 3, 1).value = "村支书：本周内全部走访"     # under the table: not beside any line
    wb.save(ledger)
    capsys.readouterr()
    assert main(["fill", str(ledger)]) == 0                        # nothing changed: 待办 and the notes as they are
    assert "文件未改动" in capsys.readouterr().out
    # a second household's clue makes 待办 change: rebuilt, the note beside D1 of QY-002 goes with it
    wb = openpyxl.load_workbook(ledger)
    RowWriter(wb[SHEET]).write([household(
        [person("罗大山")], household_id="QY-003", village="龙井村", clue_channel="基层干部排查",
        clue_on=date(2022, 6, 20))], FIRST_DATA_ROW + 2)
    wb.save(ledger)
    assert main(["fill", str(ledger)]) == 0
    out = capsys.readouterr().out
    assert ("“待办”表中手工填写的 1 处内容（第 " in out and "“村支书：本周内全部走访”）所在的事项已办完或不在表中了，重建时没有保留："
            "它们在这次的备份文件里" in out)
    todo = openpyxl.load_workbook(ledger)[TODO_SHEET]
    assert todo.cell(2, 13).value == "跟进人"
    rows = {(todo.cell(r, 6).value, todo.cell(r, 10).value): todo.cell(r, 13).value for r in range(3, todo.max_row + 1)}
    assert rows[("QY-002", "D1")] == "李四 7月16日去" and rows[("QY-003", "D1")] is None
    backup = next(ledger.parent.glob("青岩镇.bak-*.xlsx"), None)
    assert backup is not None


def test_a_sheet_of_her_own_called_the_review_record_is_not_appended_to(ledger, capsys):
    wb = openpyxl.load_workbook(ledger)
    mine = wb.create_sheet(RECORD_SHEET)
    mine.append(["村委会研判会议记录"])
    mine.append(["日期", "参会人", "议题"])
    mine.append(["2022-06-30", "全体村干部", "雨季防汛"])
    wb.save(ledger)
    before = ledger.read_bytes()
    assert main(["review", str(ledger), "--month", "2022-07"]) == 2
    err = capsys.readouterr().err
    assert ("已有名为“月度研判记录”的工作表，但不是本工具的研判记录（前 5 行没有“研判月份”表头），为免写乱，没有改动该文件："
            "请把该表改名（如“村研判会议记录”）后重试") in err
    assert ledger.read_bytes() == before


def test_notes_beside_a_month_redone_stay_with_their_household(ledger, capsys):
    """--redo replaces the month's rows (found also where Excel turned the month into a date: mutant h75) and puts
    the clerk's notes back beside the same household."""
    wb = openpyxl.load_workbook(ledger)
    # R1: 10,000 yuan for 2 persons = 5,000 a head, under 2022's 6,700 → red, on the month's review record
    RowWriter(wb[SHEET]).write([household([person("罗大山"), person("罗小花", "之女")], household_id="QY-001",
                                          village="龙井村", annual_net_income=10_000)], FIRST_DATA_ROW + 2)
    wb.save(ledger)
    assert main(["review", str(ledger), "--month", "2022-07"]) == 0
    wb = openpyxl.load_workbook(ledger)
    ws = wb[RECORD_SHEET]
    last = max(c.column for c in ws[2] if c.value is not None)
    ws.cell(2, last + 1).value = "村干部意见"
    ws.cell(3, last + 1).value = "已电话核实"
    ws.cell(3, 1).value = datetime(2022, 7, 1)          # the month retyped in Excel, which makes "2022-07" a date
    assert ws.cell(3, 4).value == "QY-001" and ws.cell(4, 4).value is None
    wb.save(ledger)
    capsys.readouterr()
    assert main(["review", str(ledger), "--month", "2022-07", "--redo"]) == 0
    assert "没有保留" not in capsys.readouterr().out
    ws = openpyxl.load_workbook(ledger)[RECORD_SHEET]
    assert ws.cell(2, last + 1).value == "村干部意见"
    assert (ws.cell(3, 4).value, ws.cell(3, last + 1).value) == ("QY-001", "已电话核实")
    assert ws.cell(4, 1).value is None
