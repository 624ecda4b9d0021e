"""`hx-excel fill`: 户编号 for member rows, suggested measures (五), the 待办 sheet, values for a workbook without
formulas, overwritten formulas reported and restored — on real files, read back, recalculated by LibreOffice."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from conftest import AS_OF, household, person
from hx_excel.cli import main
from hx_excel.files.save import save_workbook
from hx_excel.ledger.schema import BY_KEY, FIRST_DATA_ROW, SHEET, column_index
from hx_excel.ledger.template import build_workbook, cell_formula
from hx_excel.ledger.writer import RowWriter
from hx_excel.office.libreoffice import find_soffice, recalculate
from hx_excel.operations.fill import TODO_SHEET

HID, GRADE, NAME = column_index("household_id"), column_index("grade"), column_index("name")
SUGGESTED = column_index("suggested_measures")


def households():
    # R1: 2 persons, 10,000 yuan a year = 5,000 per head, below the 2022 line of 6,700 (贵州) → red
    poor = household([person("罗大山"), person("罗小花", "之女", born=date(2010, 3, 3), sex="女")],
                     household_id="QY-001", village="龙井村", annual_net_income=10_000)
    # nothing holds → 无; a clue collected 2022-07-01 with no household check: D1 due 2022-07-08, overdue on 07-15
    fine = household([person("杨平"), person("杨安", "之子")], household_id="QY-002", village="龙井村",
                     clue_channel="基层干部排查", clue_on=date(2022, 7, 1))
    return [poor, fine]


@pytest.fixture
def ledger(tmp_path, policy) -> Path:
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=40)
    RowWriter(wb[SHEET]).write(households())
    for row in (FIRST_DATA_ROW + 1, FIRST_DATA_ROW + 3):      # the members typed without their 户编号
        wb[SHEET].cell(row, HID).value = None
    path = tmp_path / "青岩镇.xlsx"
    save_workbook(wb, path)
    return path


def typed_cells(path: Path) -> dict:
    from hx_excel.ledger.schema import INPUT_INDEXES
    ws = openpyxl.load_workbook(path)[SHEET]
    return {(c.row, c.column): c.value for row in ws.iter_rows(min_row=FIRST_DATA_ROW) for c in row
            if c.column in INPUT_INDEXES and c.value is not None}


def test_fill_writes_what_the_formulas_do_not_give(ledger, capsys):
    before = typed_cells(ledger)
    assert main(["fill", str(ledger)]) == 0
    out = capsys.readouterr().out
    assert "为 2 个成员行补填了户编号" in out and "旧文件已备份为" in out
    wb = openpyxl.load_workbook(ledger)
    ws = wb[SHEET]
    assert ws.cell(FIRST_DATA_ROW + 1, HID).value == "QY-001" and ws.cell(FIRST_DATA_ROW + 3, HID).value == "QY-002"
    # 五(一) R1: 低保 cover where eligible — a suggestion in its own column, 帮扶措施 untouched
    suggestion = ws.cell(FIRST_DATA_ROW, SUGGESTED).value
    assert suggestion.startswith("R1 ") and "低保" in suggestion
    assert ws.cell(FIRST_DATA_ROW, column_index("measure_text")).value is None
    assert ws.cell(FIRST_DATA_ROW + 2, SUGGESTED).value is None           # grade 无: nothing to suggest
    # every typed cell as it was, plus the two 户编号
    after = typed_cells(ledger)
    assert {k: v for k, v in after.items() if k in before} == before
    assert set(after) - set(before) == {(FIRST_DATA_ROW + 1, HID), (FIRST_DATA_ROW + 3, HID)}
    # 待办: the overdue D1 check first (due 2022-07-08, 7 days after the clue)
    todo = wb[TODO_SHEET]
    first = [c.value for c in todo[3]]
    assert first[0] == "已逾期" and first[1].date() == date(2022, 7, 8) and first[5] == "QY-002" and first[9] == "D1"
    states = [todo.cell(r, 1).value for r in range(3, todo.max_row + 1)]
    assert states == sorted(states, key=lambda s: s != "已逾期")
    assert "QY-001" in [todo.cell(r, 6).value for r in range(3, todo.max_row + 1)]   # red: D2 steps open


def test_a_second_run_changes_nothing(ledger, capsys):
    assert main(["fill", str(ledger)]) == 0
    content = ledger.read_bytes()
    backups = set(ledger.parent.glob("*.bak-*"))
    assert main(["fill", str(ledger)]) == 0
    assert "文件未改动" in capsys.readouterr().out
    assert ledger.read_bytes() == content and set(ledger.parent.glob("*.bak-*")) == backups


def test_an_overwritten_formula_is_reported_and_restored_only_when_asked(ledger, capsys):
    wb = openpyxl.load_workbook(ledger)
    wb[SHEET].cell(FIRST_DATA_ROW, GRADE).value = "绿"          # typed over the grade of a red household
    wb.save(ledger)
    assert main(["fill", str(ledger)]) == 1          # done, with something left for the clerk
    out = capsys.readouterr().out
    assert f"第 {FIRST_DATA_ROW} 行：预警分级列的公式被删除或被填写覆盖（“预警分级”为“绿”）" in out and "--restore-formulas" in out
    assert openpyxl.load_workbook(ledger)[SHEET].cell(FIRST_DATA_ROW, GRADE).value == "绿"
    assert main(["check", str(ledger)]) == 1
    assert "预警分级列的公式被删除或被填写覆盖" in capsys.readouterr().out
    assert main(["fill", str(ledger), "--restore-formulas"]) == 0
    assert "恢复了预警分级列的公式（原填 “预警分级”为“绿”，保留在备份中）" in capsys.readouterr().out
    # restored as the template writes it (in brackets where the column is set apart from its shared formula)
    restored = openpyxl.load_workbook(ledger)[SHEET].cell(FIRST_DATA_ROW, GRADE).value
    assert restored == cell_formula(BY_KEY["grade"], FIRST_DATA_ROW, FIRST_DATA_ROW + 40 - 1) == "=(F_GRADE)"
    backups = sorted(ledger.parent.glob("*.bak-*"))
    assert openpyxl.load_workbook(backups[-1])[SHEET].cell(FIRST_DATA_ROW, GRADE).value == "绿"
    if find_soffice():
        computed = recalculate([ledger], ledger.parent / "lo")[0]
        assert openpyxl.load_workbook(computed, data_only=True)[SHEET].cell(FIRST_DATA_ROW, GRADE).value == "红"


def test_values_for_a_workbook_without_formulas(tmp_path, policy, capsys):
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=10)
    RowWriter(wb[SHEET]).write(households())
    for row in wb[SHEET].iter_rows(min_row=FIRST_DATA_ROW):
        for cell in row:
            if cell.data_type == "f":
                cell.value = None                  # an export: computed columns as blank values
    path = tmp_path / "导出.xlsx"
    save_workbook(wb, path)
    assert main(["fill", str(path)]) == 0
    assert "写为数值" in capsys.readouterr().out
    ws = openpyxl.load_workbook(path)[SHEET]
    assert ws.cell(FIRST_DATA_ROW, GRADE).value == "红"               # R1, by hand above
    assert ws.cell(FIRST_DATA_ROW, column_index("clauses")).value == "R1"
    assert ws.cell(FIRST_DATA_ROW, column_index("category")).value == "脱贫不稳定户"   # 脱贫户, red (三(一))
    assert ws.cell(FIRST_DATA_ROW + 2, GRADE).value == "无"
    assert ws.cell(FIRST_DATA_ROW + 2, column_index("next_status")).value == "已逾期"
    assert ws.cell(FIRST_DATA_ROW + 2, column_index("next_due")).value.date() == date(2022, 7, 8)


def test_a_workbook_open_in_excel_is_refused(ledger, capsys):
    content = ledger.read_bytes()
    (ledger.parent / f"~${ledger.name}").write_bytes(b"owner")
    assert main(["fill", str(ledger)]) == 2
    assert "正在 Excel 或 WPS 中打开" in capsys.readouterr().err
    assert ledger.read_bytes() == content and not list(ledger.parent.glob("*.bak-*"))


def test_typed_cells_are_sacred_through_fill_review_fill(tmp_path, policy):
    """Every input cell, on every row, identical to what was typed after fill, review and fill again (and 参数's typed
    cells too); only the computed column of suggestions and the tool's own sheets differ."""
    from hx_excel.samples.generate import generate_households

    generated = generate_households(120, 20221201, policy, AS_OF)
    wb = build_workbook(policy, township="青岩镇", villages=tuple(dict.fromkeys(h.village for h in generated))[:40],
                        as_of=AS_OF, rows=len(generated) * 6)
    RowWriter(wb[SHEET]).write(generated)
    wb["参数"]["B5"] = "=1+1"                 # a clerk's own formula typed on 参数 (填报人) stays a formula
    path = tmp_path / "青岩镇.xlsx"
    save_workbook(wb, path)
    typed = typed_cells(path)
    assert len({row for row, _ in typed}) >= 250          # a few hundred persons, every row of them compared
    params = {(c.row, c.column): c.value for row in openpyxl.load_workbook(path)["参数"].iter_rows() for c in row
              if c.value is not None and c.protection.locked is False}
    # the generated households include faulty cells on purpose: done, with problems (1), never refused
    assert main(["fill", str(path)]) in (0, 1)
    assert main(["review", str(path), "--month", "2022-07", "--reviewer", "王五"]) in (0, 1)
    assert main(["fill", str(path)]) in (0, 1)
    assert typed_cells(path) == typed
    after = openpyxl.load_workbook(path)
    assert {k: after["参数"].cell(*k).value for k in params} == params
    assert set(after.sheetnames) - set(wb.sheetnames) == {TODO_SHEET, "月度研判记录"}
