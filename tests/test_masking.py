"""ID numbers masked wherever they stand in what is printed or sent upward (issue 18 point 6): a village that uses
the head's ID as 户编号 gets it masked in check's screen and report, in every sheet of the 月报, and in any report
saved; long numbers that are not ID-shaped (the national system's 户编号) are left whole."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import openpyxl
from openpyxl import Workbook

from conftest import AS_OF, household, person
from hx_excel.cli import main
from hx_excel.core.id_number import make_valid, mask_in
from hx_excel.files.report import save_report
from hx_excel.files.save import save_workbook
from hx_excel.ledger.schema import SHEET
from hx_excel.ledger.template import build_workbook
from hx_excel.ledger.writer import RowWriter

HEAD_ID = make_valid("520111", date(1990, 12, 1), 55)          # born 1990-12-01 (check character worked below)
FULL = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")


def test_id_shaped_runs_are_masked_and_other_numbers_left():
    # GB 11643: 5×7+2×9+0×10+1×5+1×8+1×4+1×2+9×1+9×6+0×3+1×7+2×9+0×10+1×5+0×8+5×4+5×2 = 195; 195 mod 11 = 8 → "4"
    assert HEAD_ID == "520111199012010554"
    assert mask_in(f"户编号“{HEAD_ID}”：D1 已逾期") == "户编号“520111********0554”：D1 已逾期"
    assert mask_in("520111199012010551") == "520111********0551"      # a mistyped check character: still masked
    assert mask_in("520111901201055") == "520111*****1055"            # the 15-digit form (born 1990-12-01)
    assert mask_in("520111010010000123") == "520111010010000123"      # no birth date in it: a household number
    assert mask_in("5201111990120105541") == "5201111990120105541"    # 19 digits: not an ID
    assert mask_in("QY-001") == "QY-001" and mask_in(12) == 12 and mask_in(None) is None


def test_a_head_id_used_as_household_number_is_masked_in_check_and_the_monthly_report(tmp_path, policy, capsys):
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=20)
    # a clue collected 2022-07-01 and no household check: D1 due 07-08, overdue on AS_OF 07-15 → on 逾期事项 and D7
    head = {**person("杨平"), "id_number": HEAD_ID}
    RowWriter(wb[SHEET]).write([household([head], household_id=HEAD_ID, village="龙井村",
                                          clue_channel="基层干部排查", clue_on=date(2022, 7, 1))])
    ledger = tmp_path / "青岩镇.xlsx"
    save_workbook(wb, ledger)
    assert main(["check", str(ledger), "-o", str(tmp_path / "检查结果.xlsx")]) == 1
    assert main(["summary", str(ledger), "--month", "2022-07", "-o", str(tmp_path / "月报.xlsx")]) in (0, 1)
    out = capsys.readouterr().out
    assert "户编号“520111********0554”" in out and not FULL.search(out)
    seen = []
    for report in ("检查结果.xlsx", "月报.xlsx"):
        for ws in openpyxl.load_workbook(tmp_path / report):
            for row in ws.iter_rows(values_only=True):
                texts = [v for v in row if isinstance(v, str)]
                assert not any(FULL.search(t) for t in texts), (report, ws.title, row)
                seen += [(report, ws.title) for t in texts if "520111********0554" in t]
    assert ("检查结果.xlsx", "检查结果") in seen
    assert {("月报.xlsx", "逾期事项"), ("月报.xlsx", "D7问责清单")} <= set(seen)


def test_any_report_saved_has_its_ids_masked(tmp_path):
    wb = Workbook()
    wb.active["C7"] = f"备注：户主 {HEAD_ID} 外出"
    wb.create_sheet("另一张")["A1"] = HEAD_ID
    save_report(wb, tmp_path / "报表.xlsx", text=mask_in)   # as check, summary and notice save theirs
    saved = openpyxl.load_workbook(tmp_path / "报表.xlsx")
    assert saved.active["C7"].value == "备注：户主 520111********0554 外出"
    assert saved["另一张"]["A1"].value == "520111********0554"
