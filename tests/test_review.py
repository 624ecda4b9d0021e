"""`hx-excel review`: the monthly review record (D4) — one row per monitored household, the move against the
previous month, earlier months never rewritten, a month redone only with --redo."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest

from conftest import AS_OF, household, person
from hx_excel.cli import main
from hx_excel.files.save import save_workbook
from hx_excel.ledger.schema import FIRST_DATA_ROW, SHEET, column_index
from hx_excel.ledger.template import build_workbook
from hx_excel.ledger.writer import RowWriter
from hx_excel.operations.review import FIELDS, HEADERS, RECORD_SHEET

INCOME = column_index("annual_net_income")


@pytest.fixture
def ledger(tmp_path, policy):
    # 黄 by Y1: 2 persons, 14,000 yuan = 7,000 per head ≥ 6,700, but 2,000 yuan of medical spending leaves 6,000
    yellow = household([person("王一"), person("王二", "配偶", sex="女")], household_id="QY-001", village="龙井村",
                       annual_net_income=14_000, rigid_spending_medical=2_000, entered_on=date(2022, 5, 10))
    # 无: nothing holds, never monitored — not reviewed
    fine = household([person("李三")], household_id="QY-002", village="龙井村")
    # 绿 by G3 (资助未落实): on the green ledger (D6)
    green = household([person("赵四")], household_id="QY-003", village="龙井村", subsidies_undelivered=True)
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=20)
    RowWriter(wb[SHEET]).write([yellow, fine, green])
    path = tmp_path / "青岩镇.xlsx"
    save_workbook(wb, path)
    return path


def records(path):
    ws = openpyxl.load_workbook(path)[RECORD_SHEET]
    headers = [c.value for c in ws[2]]
    assert headers == [HEADERS[name][0] for name in FIELDS]
    return [dict(zip(FIELDS, (c.value for c in row))) for row in ws.iter_rows(min_row=3) if row[0].value]


def test_two_months_and_a_move_up(ledger, capsys):
    assert main(["review", str(ledger), "--month", "2022-06", "--reviewer", "张研判"]) == 0
    june = records(ledger)
    # both are first lines: QY-001 was entered in May (新纳入 is only the month of entry), QY-003 is on the green ledger
    assert [(r["household_id"], r["grade"], r["move"]) for r in june] == [("QY-001", "黄", "首次记录"),
                                                                          ("QY-003", "绿", "首次记录")]
    assert june[0]["reviewer"] == "张研判" and june[0]["clauses"] == "Y1" and june[0]["category"] == "突发严重困难户"
    assert june[0]["reviewed_on"].date() == date(2022, 6, 30)
    # July: income falls to 10,000 = 5,000 per head < 6,700 → R1 red (and G3 is settled → 无)
    wb = openpyxl.load_workbook(ledger)
    wb[SHEET].cell(FIRST_DATA_ROW, INCOME).value = 10_000
    wb[SHEET].cell(FIRST_DATA_ROW + 3, column_index("subsidies_undelivered")).value = "否"
    wb.save(ledger)
    assert main(["review", str(ledger), "--month", "2022-07"]) == 0
    assert "2022-07 研判 2 户：升级 1，降级 1" in capsys.readouterr().out
    both = records(ledger)
    assert both[:2] == june                                             # June's rows as they were
    assert [(r["household_id"], r["previous_grade"], r["grade"], r["move"]) for r in both[2:]] == [
        ("QY-001", "黄", "红", "升级"), ("QY-003", "绿", "无", "降级")]


def test_a_month_is_redone_only_with_redo_and_earlier_months_are_refused(ledger, capsys):
    assert main(["review", str(ledger), "--month", "2022-06"]) == 0
    assert main(["review", str(ledger), "--month", "2022-07"]) == 0
    content = ledger.read_bytes()
    assert main(["review", str(ledger), "--month", "2022-07"]) == 2
    assert "已有 2022-07 的研判记录" in capsys.readouterr().err and ledger.read_bytes() == content
    assert main(["review", str(ledger), "--month", "2022-05"]) == 2
    assert "不能再追加更早的 2022-05" in capsys.readouterr().err and ledger.read_bytes() == content
    before = records(ledger)
    assert main(["review", str(ledger), "--month", "2022-07", "--redo", "--reviewer", "李复核"]) == 0
    after = records(ledger)
    assert after[:2] == before[:2] and [r["reviewer"] for r in after[2:]] == ["李复核", "李复核"]
    assert len(after) == len(before)


def test_eliminated_in_the_month(ledger):
    assert main(["review", str(ledger), "--month", "2022-06"]) == 0
    wb = openpyxl.load_workbook(ledger)
    wb[SHEET].cell(FIRST_DATA_ROW, column_index("eliminated_on")).value = date(2022, 7, 20)
    wb[SHEET].cell(FIRST_DATA_ROW, column_index("exit_status")).value = "是（风险消除）"
    wb.save(ledger)
    assert main(["review", str(ledger), "--month", "2022-07"]) == 0
    july = [r for r in records(ledger) if r["month"] == "2022-07"]
    assert ("QY-001", "风险消除") in [(r["household_id"], r["move"]) for r in july]
    assert main(["review", str(ledger), "--month", "2022-08"]) == 0
    august = [r["household_id"] for r in records(ledger) if r["month"] == "2022-08"]
    assert "QY-001" not in august                                    # left in July: no longer reviewed


def test_a_bad_month_is_refused(ledger, capsys):
    assert main(["review", str(ledger), "--month", "2022年7月"]) == 2
    assert "应写成 年-月" in capsys.readouterr().err


# ---- a second ledger, worked by hand from policy.md "The month's records" --------------------------------------------
#
# 龙井村, line L = 6,700 a head; each household two persons unless said. Reviewed 2022-06 (day 06-30), then B's income
# rises, then 2022-07 (07-31), 2022-07 again with --redo, and 2022-08 (08-31).
#   A 脱贫户 10,000 → 5,000 < L: R1 红; clue 06-20, in its D2 chain, entered 07-12
#        June: in scope and red → on the record, a first line (首次记录), not 新纳入 · July: entered in July → 新纳入 ·
#        August: 红 → 红 不变
#   B 脱贫户 entered 03-01 (monitored); June 10,000 → 红; July 100,000 → 50,000 a head: 无
#        June 首次记录 红 · July still monitored, so still reviewed: 红 → 无 降级 · August 无 → 无 不变
#   C 一般农户 with 资助未落实 (G3 绿): in neither S1 nor S2 → never on the record
#   D 脱贫户, G3 绿 (green ledger), 销号 on 07-20 (是（销号）)
#        June 首次记录 绿 · July closed in the month → 销号, once · August: not recorded again
#   E 脱贫户, income blank: 待补充, never entered, never recorded → not recorded; named, exit 1
#   F 脱贫户 entered 04-01, income blank: monitored 待补充 → June 首次记录 · July and August 待补充 (cannot be judged)

def _second(tmp_path, policy):
    def two(name):
        return [person(f"{name}户主"), person(f"{name}配偶", "配偶", sex="女")]
    chain = dict(clue_on=date(2022, 6, 20), household_check_on=date(2022, 6, 22), application_on=date(2022, 6, 25),
                 notice_start_on=date(2022, 6, 27), notice_end_on=date(2022, 7, 1), township_review_on=date(2022, 7, 5),
                 district_approval_on=date(2022, 7, 8), entered_on=date(2022, 7, 12))
    households = [
        household(two("甲"), household_id="A", village="龙井村", annual_net_income=10_000, **chain),
        household(two("乙"), household_id="B", village="龙井村", annual_net_income=10_000, entered_on=date(2022, 3, 1)),
        household(two("丙"), household_id="C", village="龙井村", household_type="一般农户", subsidies_undelivered=True),
        household(two("丁"), household_id="D", village="龙井村", subsidies_undelivered=True,
                  closed_on=date(2022, 7, 20), exit_status="是（销号）"),
        household(two("戊"), household_id="E", village="龙井村", annual_net_income=None),
        household(two("己"), household_id="F", village="龙井村", annual_net_income=None, entered_on=date(2022, 4, 1)),
    ]
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=30)
    RowWriter(wb[SHEET]).write(households)
    path = tmp_path / "第二本.xlsx"
    save_workbook(wb, path)
    return path


def lines(path, month):
    return [(r["household_id"], r["previous_grade"] or "", r["grade"], r["move"]) for r in records(path)
            if r["month"] == month]


def test_who_is_on_the_record_and_the_moves_month_by_month(tmp_path, policy, capsys):
    path = _second(tmp_path, policy)
    assert main(["review", str(path), "--month", "2022-06"]) == 1          # E is 待补充 and not recorded: said
    out = capsys.readouterr().out
    assert "2022-06 研判 4 户：首次记录 4" in out and "1 户分级为“待补充”（第 12 行（戊户主））" in out
    assert lines(path, "2022-06") == [("A", "", "红", "首次记录"), ("B", "", "红", "首次记录"),
                                      ("D", "", "绿", "首次记录"), ("F", "", "待补充", "首次记录")]
    wb = openpyxl.load_workbook(path)
    wb[SHEET].cell(FIRST_DATA_ROW + 2, INCOME).value = 100_000               # B: 50,000 a head
    wb.save(path)
    assert main(["review", str(path), "--month", "2022-07"]) == 1
    assert "2022-07 研判 4 户：新纳入 1，降级 1，待补充 1，销号 1" in capsys.readouterr().out
    july = [("A", "红", "红", "新纳入"), ("B", "红", "无", "降级"), ("D", "绿", "绿", "销号"), ("F", "待补充", "待补充", "待补充")]
    assert lines(path, "2022-07") == july
    # --redo compares with June again, not with the July lines it replaces
    assert main(["review", str(path), "--month", "2022-07", "--redo"]) == 1
    assert lines(path, "2022-07") == july
    assert main(["review", str(path), "--month", "2022-08"]) == 1
    assert lines(path, "2022-08") == [("A", "红", "红", "不变"), ("B", "无", "无", "不变"),
                                      ("F", "待补充", "待补充", "待补充")]
    recorded = {r["household_id"] for r in records(path)}
    assert "C" not in recorded and "E" not in recorded                        # out of scope; grade unknown
