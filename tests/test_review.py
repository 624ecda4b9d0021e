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
    assert [(r["household_id"], r["grade"], r["move"]) for r in june] == [("QY-001", "黄", "新纳入"),
                                                                          ("QY-003", "绿", "新纳入")]
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
