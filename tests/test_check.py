"""`hx-excel check`: what the sheet cannot check live, found on demand in real ledger files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hx_excel.cli import main
from hx_excel.core.id_number import make_valid
from hx_excel.files.save import save_workbook
from hx_excel.ledger.formulas import HOUSEHOLD_ROWS
from hx_excel.ledger.schema import FIRST_DATA_ROW, SHEET, column_index
from hx_excel.ledger.template import build_workbook
from hx_excel.operations.check import check_files
from hx_excel.policy import default_policy

A_ID = make_valid("520111", date(1970, 1, 1), 11)


def person(household: str, name: str, relation: str, id_number: str) -> dict:
    return {"household_id": household, "name": name, "relation": relation, "id_number": id_number,
            "labour": "普通劳动力", **({"household_type": "脱贫户", "annual_net_income": 30000,
                                     "food_clothing_secured": "是", "water_secured": "是"} if relation == "户主" else {})}


def ledger(path: Path, rows: list[dict]) -> Path:
    wb = build_workbook(default_policy(), rows=len(rows) + 30)
    for offset, values in enumerate(rows):
        for key, value in values.items():
            wb[SHEET].cell(FIRST_DATA_ROW + offset, column_index(key), value)
    save_workbook(wb, path)
    return path


@pytest.fixture
def files(tmp_path):
    spaced = f"{A_ID[:6]} {A_ID[6:14]} {A_ID[14:]}"
    first = ledger(tmp_path / "青岩镇.xlsx", [
        person("A", "户主甲", "户主", A_ID),
        person("A", "成员乙", "之子", make_valid("520111", date(1995, 1, 1), 13)),
        person("B", "户主丙", "户主", make_valid("520111", date(1960, 1, 1), 15)),
        person("A", "成员丁", "之女", make_valid("520111", date(1998, 1, 1), 16)),     # A again, away from A
        person("C", "成员戊", "配偶", make_valid("520111", date(1971, 1, 1), 18)),     # C typed spouse first
        person("C", "户主己", "户主", make_valid("520111", date(1970, 2, 1), 17)),
        person("D", "户主庚", "户主", spaced),                                         # A's head, typed with spaces
    ])
    long = [person("L", "户主", "户主", make_valid("520111", date(1950, 1, 1), 19))] + [
        person("L", f"成员{n}", "之孙子", make_valid("520111", date(2010, 1, 1), 21 + 2 * n)) for n in range(HOUSEHOLD_ROWS)]
    second = ledger(tmp_path / "石板镇.xlsx", [person("S", "户主辛", "户主", A_ID)] + long)   # A's head, in another township
    return first, second


def test_what_the_sheet_leaves_to_check_is_found(files, policy):
    first, second = files
    result = check_files([first, second], policy)
    messages = {(f.file, f.row): f.message for f in result.findings}
    assert "户编号“A”的行分在 2 处（第 4–5 行、第 7 行）" in messages[("青岩镇.xlsx", 7)]
    assert "户编号“C”的户主行不在本户第一行（第 8 行）" in messages[("青岩镇.xlsx", 9)]
    assert messages[("青岩镇.xlsx", 10)].startswith("身份证号与第 4 行相同")            # the spaced number too
    assert messages[("石板镇.xlsx", 4)].startswith("身份证号与 青岩镇.xlsx 第 4 行相同")  # across townships
    assert f"户编号“L”连续 {HOUSEHOLD_ROWS + 1} 行" in messages[("石板镇.xlsx", 5 + HOUSEHOLD_ROWS)]
    assert all(A_ID not in f.message for f in result.findings)                             # numbers never printed


def test_the_command_prints_a_table_and_exits_1_on_errors(files, tmp_path, capsys):
    (tmp_path / "备忘.xlsx").write_bytes(b"not a workbook")
    assert main(["check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["文件", "工作表", "行", "列", "级别", "条款", "问题"]
    assert "备忘.xlsx 不是 Excel 工作簿" in out and "注意：检查了 2 本台账（另有 1 个文件无法读取）" in out and A_ID not in out


def test_a_clean_ledger_passes(tmp_path, policy, capsys):
    clean = ledger(tmp_path / "干净.xlsx", [person("A", "户主甲", "户主", A_ID),
                                            person("A", "成员乙", "之子", make_valid("520111", date(1995, 1, 1), 13))])
    assert check_files([clean], policy).findings == []
    assert main(["check", str(clean)]) == 0 and "发现 0 处错误" in capsys.readouterr().out
