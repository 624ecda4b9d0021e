"""`hx-excel extend`: a ledger that ran out of rows gets more, with everything the clerk typed kept, on real files.

The generated sample ledger (225 prepared rows: its 25 persons and 200 spare) is typed into as a clerk would (a household below the samples, the
sign-off on 参数, a village added, 评估日期 changed), extended to 300 rows through the command line, and then read
back: every typed cell is the same, the previous file is the backup byte for byte, the new rows compute (LibreOffice
grades a household typed at row 260 and 统计 counts it). What cannot be carried over is refused, naming it, with the
file untouched.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from hx_excel.cli import main
from hx_excel.core.id_number import make_valid
from hx_excel.districts import DistrictSettings, default_townships
from hx_excel.operations.generate import generate
from hx_excel.ledger import printing
from hx_excel.ledger.schema import COLUMNS, FIRST_DATA_ROW, SHEET, column_index
from hx_excel.office.libreoffice import recalculate
from hx_excel.operations.extend import prepared_rows
from hx_excel.ledger.template import STAT_WIDTH
from hx_excel.policy import default_policy

INPUTS = [c for c in COLUMNS if c.kind == "input"]


def _sample_ledger(folder: Path) -> Path:
    township = next(t for t in default_townships() if t.name == "青岩镇")
    run = generate(DistrictSettings(townships=[township], rows=10), default_policy(), folder, samples=True)
    return next(w.path for w in run.workbooks if w.sample)


def _type_household(ws, row: int, household_id: str, name: str, *, income: float) -> None:
    values = {"township": "青岩镇", "village": "龙井村", "name": name, "relation": "户主", "household_id": household_id,
              "id_number": make_valid("520111", date(1960, 5, 5), 31), "household_type": "脱贫户",
              "annual_net_income": income, "food_clothing_secured": "是", "water_secured": "是", "house_grade": "A",
              "has_dibao": "否", "labour": "普通劳动力", "insured": "是", "health": "健康"}
    for key, value in values.items():
        ws.cell(row, column_index(key), value)


@pytest.fixture
def typed(tmp_path) -> Path:
    """The sample ledger after a clerk's month: typed cells in 台账 and on 参数."""
    path = _sample_ledger(tmp_path / "out")
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    _type_household(ws, 32, "QY-031", "手填户主", income=30000)
    ws.cell(33, column_index("name"), "=不是公式")          # text that looks like a formula, typed as text
    ws.cell(33, column_index("name")).data_type = "s"
    ws.row_dimensions[32].height = 40
    params = wb["参数"]
    params["B5"] = "王会计"                                   # 填报人
    params["E10"] = "新村"
    params["B11"] = datetime(2022, 8, 1)                     # 评估日期
    wb.save(path)
    return path


def _typed_cells(path: Path) -> dict:
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    ledger = {(r, c.key): ws.cell(r, column_index(c.key)).value for r in range(FIRST_DATA_ROW, 40) for c in INPUTS}
    params = {cell.coordinate: cell.value for row in wb["参数"].iter_rows() for cell in row
              if cell.protection.locked is False}
    return {"台账": ledger, "参数": params, "heights": ws.row_dimensions[32].height}


def test_extend_keeps_every_typed_cell_and_the_new_rows_compute(typed, tmp_path, capsys):
    before = _typed_cells(typed)
    original = typed.read_bytes()
    assert prepared_rows(openpyxl.load_workbook(typed)[SHEET]) == 225
    assert main(["extend", str(typed), "--rows", "300"]) == 0
    out = capsys.readouterr().out
    assert "从 225 行扩到 300 行" in out
    backups = list(typed.parent.glob(f"{typed.stem}.bak-*.xlsx"))
    assert len(backups) == 1 and backups[0].read_bytes() == original

    assert _typed_cells(typed) == before
    wb = openpyxl.load_workbook(typed)
    ws = wb[SHEET]
    assert prepared_rows(ws) == 300
    # the print area formula, over the 300 prepared rows (Excel and WPS print to the last typed row, ledger.printing)
    assert printing.print_area_in_file(typed) == [printing.print_area_formula(FIRST_DATA_ROW + 300 - 1)]
    below = [rule for rule in ws.data_validations.dataValidation if rule.type == "custom"]
    assert str(below[0].sqref).split()[0].endswith(f"{FIRST_DATA_ROW + 300}:B1048576")

    _type_household(ws, 260, "QY-099", "新行户主", income=1000)   # below the old last row (228): red, R1
    wb.save(tmp_path / "typed-again.xlsx")
    [out_file] = recalculate([tmp_path / "typed-again.xlsx"], tmp_path / "recalc")
    values = openpyxl.load_workbook(out_file, data_only=True)
    assert values[SHEET].cell(260, column_index("grade")).value == "红"
    assert values[SHEET].cell(32, column_index("grade")).value == "无"
    assert values[SHEET].cell(33, column_index("name")).value == "=不是公式"
    totals = [row for row in values["统计"].iter_rows(min_row=11, values_only=True) if row[0] == "合计"]
    assert totals and totals[0][1] == 3 + 1                    # the samples' three red households and the new one


def test_a_ledger_whose_statistics_were_counted_by_whole_columns_is_extended(typed, capsys):
    """Before issue 17, 统计 counted each helper column in one array and had nothing right of its helper columns
    (AE on); its blocks are the tool's own formulas, so such a ledger extends like any other."""
    wb = openpyxl.load_workbook(typed)
    stats = wb["统计"]
    first_block = STAT_WIDTH + 3 + 11
    assert stats.cell(3, first_block).value is not None          # this release's first block array
    for row in stats.iter_rows(min_col=first_block):
        for cell in row:
            cell.value = None
    wb.save(typed)
    assert main(["extend", str(typed), "--rows", "2100"]) == 0, capsys.readouterr().err
    assert "从 225 行扩到 2100 行" in capsys.readouterr().out
    stats = openpyxl.load_workbook(typed)["统计"]
    blocks = [stats.cell(3, column).value for column in range(first_block, first_block + 7 * 3)]
    assert all(getattr(b, "text", "").startswith("=IFERROR(FREQUENCY(") for b in blocks)   # 3 blocks × 7 kinds


@pytest.mark.parametrize("edit, refusal", [
    (lambda wb: wb.create_sheet("走访记录").cell(1, 1, "7月走访"), "另加了工作表“走访记录”"),
    (lambda wb: wb[SHEET].cell(FIRST_DATA_ROW, column_index("grade"), "红"), "的公式被改成了“红”"),
    (lambda wb: wb[SHEET].cell(FIRST_DATA_ROW + 2, 150, "另记一笔"), "填有“另记一笔”"),
])
def test_what_cannot_be_carried_over_is_refused_and_named(typed, edit, refusal, capsys):
    wb = openpyxl.load_workbook(typed)
    edit(wb)
    wb.save(typed)
    original = typed.read_bytes()
    assert main(["extend", str(typed), "--rows", "300"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and refusal in err and "没有改动该文件" in err
    assert typed.read_bytes() == original
    assert not list(typed.parent.glob("*.bak-*")) and not list(typed.parent.glob(".hx-excel-*.tmp"))


def test_bad_requests_are_refused_with_a_message(typed, tmp_path, capsys):
    original = typed.read_bytes()
    assert main(["extend", str(typed), "--rows", "200"]) == 2
    assert "已准备了 225 行，要扩到的行数（--rows）须大于 225" in capsys.readouterr().err
    owner = typed.with_name("~$" + typed.name)
    owner.write_bytes(b"")
    assert main(["extend", str(typed), "--rows", "300"]) == 2
    assert "正在 Excel 或 WPS 中打开" in capsys.readouterr().err
    owner.unlink()
    plain = tmp_path / "名单.xlsx"
    openpyxl.Workbook().save(plain)
    assert main(["extend", str(plain)]) == 2
    assert "不是本工具生成的台账" in capsys.readouterr().err
    assert main(["extend", str(tmp_path / "没有.xlsx")]) == 2
    assert "找不到台账文件" in capsys.readouterr().err
    assert main(["extend", str(tmp_path)]) == 2
    assert "是一个文件夹" in capsys.readouterr().err
    assert main(["extend", str(typed), "--rows", "三千"]) == 2
    assert "“三千”不是有效的行数" in capsys.readouterr().err
    assert typed.read_bytes() == original


def test_what_fill_and_review_wrote_comes_over(typed, capsys):
    """After a month's fill and review, extend carries over the 建议帮扶措施 column and the 待办 and 月度研判记录 sheets
    (no template rebuilds them), in their places; a fill right after it has nothing to change."""
    assert main(["fill", str(typed)]) in (0, 1)
    assert main(["review", str(typed), "--month", "2022-07"]) in (0, 1)
    before = openpyxl.load_workbook(typed)
    records = [[c.value for c in row] for row in before["月度研判记录"].iter_rows()]
    suggested = {r: before[SHEET].cell(r, column_index("suggested_measures")).value for r in range(FIRST_DATA_ROW, 40)}
    assert any(suggested.values()) and len(records) > 3
    capsys.readouterr()
    assert main(["extend", str(typed), "--rows", "300"]) == 0
    after = openpyxl.load_workbook(typed)
    assert after.sheetnames == before.sheetnames
    assert [[c.value for c in row] for row in after["月度研判记录"].iter_rows()] == records
    assert {r: after[SHEET].cell(r, column_index("suggested_measures")).value
            for r in range(FIRST_DATA_ROW, 40)} == suggested
    assert main(["fill", str(typed)]) in (0, 1)
    assert "文件未改动" in capsys.readouterr().out


def test_passwords_and_a_typed_error_value_survive_extend(tmp_path, policy):
    """The clerk protected 台账 and 参数 with her own password and the workbook's structure too, and typed #N/A in a
    备注 (issue 18 point 4): after extend the same password hashes guard the same sheets, the workbook's structure
    is still locked, and #N/A is still an error value, not the text "#N/A"."""
    from hx_excel.files.save import save_workbook
    from hx_excel.ledger.schema import FIRST_DATA_ROW, SHEET, column_index
    from hx_excel.ledger.template import PARAMS, build_workbook
    from openpyxl.workbook.protection import WorkbookProtection
    path = tmp_path / "青岩镇.xlsx"
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), rows=20)
    wb[SHEET].protection.password = "村里的密码"
    wb[PARAMS].protection.password = "参数密码"
    wb.security = WorkbookProtection(workbookPassword="结构密码", lockStructure=True)
    wb[SHEET].cell(FIRST_DATA_ROW, column_index("note")).value = "#N/A"
    save_workbook(wb, path)
    before = openpyxl.load_workbook(path)
    hashes = {t: before[t].protection.password for t in (SHEET, PARAMS)}
    assert all(hashes.values()) and before.security.workbookPassword
    assert main(["extend", str(path), "--rows", "40"]) == 0
    after = openpyxl.load_workbook(path)
    assert {t: after[t].protection.password for t in (SHEET, PARAMS)} == hashes
    assert after[SHEET].protection.sheet and after[PARAMS].protection.sheet
    assert after.security.lockStructure and after.security.workbookPassword == before.security.workbookPassword
    note = after[SHEET].cell(FIRST_DATA_ROW, column_index("note"))
    assert note.value == "#N/A" and note.data_type == "e"
    for command in (["fill", str(path), "--restore-formulas"], ["review", str(path), "--month", "2022-07"]):
        main(command)                          # the other commands that rewrite the workbook keep them as well
        again = openpyxl.load_workbook(path)
        assert {t: again[t].protection.password for t in (SHEET, PARAMS)} == hashes, command
        assert again.security.workbookPassword == before.security.workbookPassword, command
