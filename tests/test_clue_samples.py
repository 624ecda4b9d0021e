"""The department lists shipped with the samples (hx_excel/samples/部门名单/: .xlsx, a legacy .xls, a CSV in GBK)
against the sample 青岩镇 ledger and the sample national export, every outcome worked out by hand from the rows'
comments in hx_excel/samples/departments.py and the sample households (samples/households.json):

handed out, in order (石板镇 before 青岩镇; then village, household, row):
  罗红 (石板镇, only in the export) 医保 Y1 · 冯宇 QY-007 教育 R4 · 赵德明 QY-004 民政 R7 (cancelled 2022-07-08) ·
  杨明华 QY-001 医保 Y1 (listed twice, once with spaces in the ID: one fact) · 罗芬 QY-001 医保 R5 · 吴海 QY-006 住建 R6;
not handed out: 王建 QY-003 R6 (his C-grade house is in the ledger, graded green through G1; the list gives his old
  15-digit number) and 韩老四 QY-008 R6 (D grade: red already);
unmatched: 何某 (in no ledger and not in the export); said: 陈丽's amount “约八千”.
"""

from __future__ import annotations

from datetime import date

from hx_excel.clues.intake import intake
from hx_excel.clues.profiles import load_profiles
from hx_excel.districts import load_settings
from hx_excel.ledger.template import build_workbook
from hx_excel.ledger.schema import SHEET
from hx_excel.ledger.writer import RowWriter
from hx_excel.roster import read_roster
from hx_excel.samples import sample_households
from hx_excel.samples.departments import FOLDER

EXPORT = FOLDER.parent / "国家系统导出-样例.xls"


def test_the_shipped_lists_give_the_clues_worked_out_by_hand(tmp_path, policy):
    as_of, households = sample_households(policy)
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村", "思潜村", "北街社区"), rows=60)
    RowWriter(wb[SHEET]).write(households)
    ledgers = tmp_path / "台账"
    ledgers.mkdir()
    wb.save(ledgers / "青岩镇.xlsx")
    files = sorted(FOLDER.iterdir())
    assert [p.suffix for p in files] == [".xls", ".xlsx", ".xlsx", ".csv"]
    roster = read_roster(EXPORT, load_settings(None), policy)
    result = intake(files, [ledgers], policy, load_profiles(policy), (2022, 7), received_on=date(2022, 7, 4),
                    roster=roster)
    assert [(c.person.township, c.person.household_id, c.person.name, [(f.department, f.clause) for f in c.facts])
            for c in result.clues] == [
        ("石板镇", "520111100000000001", "罗红", [("医保", "Y1")]),
        ("青岩镇", "QY-007", "冯宇", [("教育", "R4")]),
        ("青岩镇", "QY-004", "赵德明", [("民政", "R7")]),
        ("青岩镇", "QY-001", "杨明华", [("医保", "Y1")]),
        ("青岩镇", "QY-001", "罗芬", [("医保", "R5")]),
        ("青岩镇", "QY-006", "吴海", [("住建", "R6")]),
    ]
    assert sorted((o.person.name, o.fact.clause) for o in result.already_open) == [("王建", "R6"), ("韩老四", "R6")]
    assert "按 G1 评为绿" in next(o.why for o in result.already_open if o.person.name == "王建")
    assert [(u.row.name, u.reason) for u in result.unmatched] == [("何某", "台账和国家系统名单中都没有此人")]
    assert len(result.problems) == 1 and "“约八千”" in result.problems[0]
    assert {c.due for c in result.clues} == {date(2022, 7, 11)}
