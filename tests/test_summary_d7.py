"""`hx-excel summary`: the D7 accountability list (六(四)) at the edges of the month (issue 17 point 9, the mutation
run over operations/summary.py). policy.md, "Accountability (D7)": a step done late stays on the list for the month
it was done in; lateness is counted to the day it was done, or to the month's end while still open; a date the tool
cannot read is named as such, never reported as a step not done.

Month 2022-07, assessment day 07-31. 青岩镇, 龙井村, one person each; the Z households are 脱贫户 at 3,000 a year (R1 红).
  Z1 clue 06-20, checked 07-01: D1 due 06-27, done late on the month's first day → (a), 4 days
  Z2 clue 07-20, checked 07-31: due 07-27, done late on the assessment day itself → (a), 4 days
  Z3 clue 07-10, checked 07-17: due 07-17, done on the day it was due → not late, not listed
  Z4 clue 07-01, its check date typed “7月3日”: due 07-08, whether it was done cannot be told → (a), named unreadable,
     no days
  Z6 no clue date but checked 07-05: its identification has started → not “识别程序未启动”, not listed
  Z7 no clue, no check: red with nothing recorded → (a) D1 “识别程序未启动”, no deadline
  B0 entered 07-05 with no contact and no measure: D3 due 07-15 → (b) twice, “纳入监测 10 天内未…”, 16 days each
  A0 (100,000, 无) entered 03-01, contact and measures 03-05, visited 05-20, never reviewed: visit due 06-30 → (c),
     31 days; review due 03-31 → (c), 122 days
The list is ordered (a), (b), (c), and by 户编号 within each: Z1 Z2 Z4 Z7 · B0 B0 · A0 A0.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count

from openpyxl import load_workbook

from conftest import household, person as _person
from hx_excel.cli import main
from hx_excel.core.models import Measure
from hx_excel.files.save import save_workbook
from hx_excel.ledger.schema import FIRST_DATA_ROW, SHEET, column_index
from hx_excel.ledger.template import build_workbook
from hx_excel.ledger.writer import RowWriter

_days = count()


def one(hid: str, **facts):
    name = f"{hid}户主"
    born = date(1960, 1, 1) + timedelta(days=next(_days) * 41)
    facts.setdefault("annual_net_income", 3_000)
    return household([_person(name, born=born)], household_id=hid, village="龙井村", **facts)


def test_the_d7_list_at_the_edges_of_the_month(tmp_path, policy):
    july = lambda day: date(2022, 7, day)  # noqa: E731
    households = [
        one("Z1", clue_on=date(2022, 6, 20), household_check_on=july(1)),
        one("Z2", clue_on=july(20), household_check_on=july(31)),
        one("Z3", clue_on=july(10), household_check_on=july(17)),
        one("Z4", clue_on=july(1)),
        one("Z6", household_check_on=july(5)),
        one("Z7"),
        one("B0", entered_on=july(5)),
        one("A0", annual_net_income=100_000, entered_on=date(2022, 3, 1), contact_name="干部甲",
            contact_assigned_on=date(2022, 3, 5), last_visit_on=date(2022, 5, 20),
            measures=[Measure(category="产业帮扶", text="养殖", decided_on=date(2022, 3, 5))]),
    ]
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), rows=30)
    RowWriter(wb[SHEET]).write(households)
    wb[SHEET].cell(FIRST_DATA_ROW + 3, column_index("household_check_on")).value = "7月3日"
    ledger = tmp_path / "台账" / "青岩镇.xlsx"
    ledger.parent.mkdir()
    save_workbook(wb, ledger)
    out = tmp_path / "月报.xlsx"
    assert main(["summary", str(ledger), "--month", "2022-07", "-o", str(out)]) == 0
    d7 = [r for r in load_workbook(out)["D7问责清单"].iter_rows(min_row=3, values_only=True) if r[0]]
    assert [(r[0][:3], r[3], r[6], r[9]) for r in d7] == [
        ("(a)", "Z1", "D1", 4), ("(a)", "Z2", "D1", 4), ("(a)", "Z4", "D1", None), ("(a)", "Z7", "D1", None),
        ("(b)", "B0", "D3", 16), ("(b)", "B0", "D3", 16), ("(c)", "A0", "D4", 31), ("(c)", "A0", "D4", 122)]
    missing = {(r[3], i): r[7] for i, r in enumerate(d7)}
    assert missing[("Z1", 0)] == "入户核实（填写入户调查表）逾期完成（2022-07-01），未在7 天内完成"
    assert missing[("Z2", 1)] == "入户核实（填写入户调查表）逾期完成（2022-07-31），未在7 天内完成"
    assert missing[("Z4", 2)].startswith("“入户核实日期”填写的内容无法识别为日期，7 天内是否完成") and "未入户" not in missing[("Z4", 2)]
    assert missing[("Z7", 3)] == "红色预警因素已出现，未登记线索日期和入户核实，识别程序未启动"
    assert {missing[("B0", 4)], missing[("B0", 5)]} == {"纳入监测 10 天内未确定帮扶联系人",
                                                        "纳入监测 10 天内未明确帮扶措施并录入系统"}
    assert [r[8] for r in d7[:2]] and d7[0][8].date() == date(2022, 6, 27) and d7[3][8] is None
