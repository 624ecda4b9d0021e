"""Gaps a planted-bug pass over issue 20's speed change found: each test pins a behaviour the suite let a planted bug
through on (the mutant named in the test's docstring).

- the core's reasons, now written lazily: R1 quotes the income per head before rigid spending, G1 the income after
  it, G4 each of its two facts;
- `bulk.can_fork` (one core; a pool's process) and `bulk.in_fork` (the copy reaped; a copy that ends without an
  answer);
- `sheet_cells._far_out` at its boundaries, with prefixed element names, and with a <dimension> beyond the last row;
- `book._data_rows` for a sheet lacking a column; `reader.in_runs` cutting at exactly half;
- `check._check_one` shared with a forked copy when the second part is empty, and with a 参数 problem both parts find;
- `summary._read_each`: an error in the other process is raised here, not handed on as a ledger.
Expected values worked out by hand from the facts given (line 6,700 元 in 2022, G1 margin 1.5).
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import threading
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from conftest import AS_OF, household, person
from hx_excel.core.grading import assess
from hx_excel.files import bulk
from hx_excel.files.bulk import can_fork, in_fork
from hx_excel.files.save import save_workbook
from hx_excel.files.sheet_cells import DENSE_ROWS, KEPT_TOP_ROWS, _far_out
from hx_excel.ledger.book import read_book
from hx_excel.ledger.reader import in_runs
from hx_excel.ledger.schema import COLUMNS, FIRST_DATA_ROW, SHEET, column_index
from hx_excel.ledger.template import build_workbook
from hx_excel.ledger.writer import RowWriter
from hx_excel.operations import check, summary

forking = pytest.mark.skipif(not hasattr(os, "fork"), reason="this system cannot fork: one process does it all")


# ---- the core's reasons ---------------------------------------------------------------------------------------------

def _reason(a, clause: str) -> str:
    return next(hit.reason for hit in a.clauses if hit.id == clause)


def test_R1_quotes_the_income_per_head_before_rigid_spending(policy):
    """One person, 6,000 元 a year, 1,000 元 spent on a doctor: R1 says 6,000 (below 6,700), not the 5,000 left
    after the spending (mutant: the reason written with the after-spending figure)."""
    a = assess(household([person("甲")], annual_net_income=6000, rigid_spending_medical=1000), policy, AS_OF)
    assert a.grade == "红"
    assert _reason(a, "R1") == "R1 年人均纯收入 6,000 元，低于 2022 年标准 6,700 元"


def test_G1_quotes_the_income_per_head_after_rigid_spending(policy):
    """Two people, 30,000 元, 6,000 元 on a doctor: 15,000 a head before, 12,000 after — at least 1.5 × 6,700 =
    10,050, so a water gap the household can fix itself is green through G1, and G1 quotes 12,000 (mutant: the
    15,000 before spending)."""
    a = assess(household([person("甲"), person("乙", "配偶", sex="女")], annual_net_income=30000,
                         rigid_spending_medical=6000, water_secured=False, can_self_resolve=True), policy, AS_OF)
    assert (a.grade, a.carved_out) == ("绿", ("R3",))
    reason = _reason(a, "G1")
    assert reason.startswith("G1 扣除刚性支出后人均 12,000 元，明显高于标准（不低于 1.5 × 6,700 元），")
    assert "15,000" not in reason and reason.endswith("按绿色预警（R3）")


def test_G4_names_each_of_its_facts(policy):
    """G4 names what it found: low policy awareness alone, and both facts together (mutant: 政策知晓率低 dropped
    from the reason)."""
    alone = assess(household(low_policy_awareness=True), policy, AS_OF)
    assert _reason(alone, "G4") == "G4 建档立卡户政策知晓率低"
    both = assess(household(low_policy_awareness=True, files_incomplete=True), policy, AS_OF)
    assert _reason(both, "G4") == "G4 建档立卡户档案资料不完善、政策知晓率低"


# ---- can_fork, in_fork ------------------------------------------------------------------------------------------

@forking
def test_no_fork_on_a_single_core(monkeypatch):
    """One core: nothing to gain from a copy (mutant: `>= 1`). And the same process on two cores may fork."""
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert not can_fork()
    monkeypatch.setattr(os, "cpu_count", lambda: None)          # unknown: taken as one
    assert not can_fork()
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert can_fork()


def _can_fork_with_two_cores() -> bool:
    os.cpu_count = lambda: 2          # this process's own: it ends with the pool
    return can_fork()


@forking
def test_no_fork_in_a_pool_process():
    """A process of a pool (summary's, generate's) does not fork again, however many cores and threads (mutant: the
    parent_process test dropped)."""
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        assert pool.submit(_can_fork_with_two_cores).result(timeout=60) is False


@forking
def test_the_forked_copy_is_reaped_once_its_answer_is_read():
    """The copy is waited for: no process left behind, not even as a zombie (mutant: the waitpid dropped)."""
    copy = in_fork(os.getpid)()
    assert copy != os.getpid()
    with pytest.raises(ChildProcessError):
        os.waitpid(copy, os.WNOHANG)


@forking
def test_a_copy_that_ends_without_answering_is_said_plainly():
    """A copy that ends without a word (killed, or os._exit in its work) is a RuntimeError saying so, not an
    EOFError from unpickling nothing (mutant: the empty answer not looked for)."""
    with pytest.raises(RuntimeError, match="the forked copy ended without an answer"):
        in_fork(lambda: os._exit(0))()


# ---- _far_out ----------------------------------------------------------------------------------------------------

def _rows(numbers, prefix: bytes = b"") -> bytes:
    return b"".join(b'<%srow r="%d"><%sc r="A%d"><%sv>1</%sv></%sc></%srow>' % (prefix, n, prefix, n, prefix, prefix,
                                                                                  prefix, prefix) for n in numbers)


def _sheet(rows: bytes, dimension: bytes | None, prefix: bytes = b"") -> bytes:
    dim = b'<%sdimension ref="%s"/>' % (prefix, dimension) if dimension else b""
    return b"<%sworksheet>%s<%ssheetData>%s</%ssheetData></%sworksheet>" % (prefix, dim, prefix, rows, prefix, prefix)


def test_a_sparse_sheet_ending_exactly_at_the_dense_rows_is_read_as_it_is():
    """100 rows and one at row 60,000 (DENSE_ROWS), five columns: within bounds, read as it is; one row further is
    past them and compacted (mutant: `>=` DENSE_ROWS)."""
    assert DENSE_ROWS == 60_000
    assert not _far_out(_sheet(_rows([*range(1, 101), 60_000]), b"A1:E60000"))
    assert _far_out(_sheet(_rows([*range(1, 101), 60_001]), b"A1:E60001"))


def test_a_sheet_ending_at_exactly_twice_its_rows_and_the_kept_ones_is_not_sparse():
    """29,900 entries on every other row to 59,800 and one more at row 60,002 = 2 × 29,901 + 200: not beyond twice
    the rows written plus the 200 kept, so not sparse; at row 60,003 it is (mutant: `>=` in `sparse`)."""
    assert KEPT_TOP_ROWS == 200
    entries = list(range(2, 59_801, 2))
    assert len(entries) == 29_900
    assert not _far_out(_sheet(_rows([*entries, 60_002]), b"A1:E60002"))
    assert _far_out(_sheet(_rows([*entries, 60_003]), b"A1:E60003"))


def test_rows_named_with_a_prefix_are_counted_too():
    """A 70,000-row list whose elements carry a prefix (<x:row>) really has its rows: read as it is, with or without
    a <dimension> (mutant: only "<row " counted, the sheet taken for sparse). 100 prefixed rows and one at 70,000:
    compacted."""
    dense = _rows(range(1, 70_001), b"x:")
    assert not _far_out(_sheet(dense, b"A1:E70000", b"x:"))
    assert not _far_out(_sheet(dense, None, b"x:"))
    assert _far_out(_sheet(_rows([*range(1, 101), 70_000], b"x:"), b"A1:E70000", b"x:"))


def test_a_dimension_reaching_past_the_last_row_makes_a_sheet_sparse():
    """<dimension> A1:E70000 over 100 rows: the sheet is as long as its dimension says (calamine lays it out so),
    and 70,000 is far beyond twice the 100 rows: compacted (mutant: `sparse` asked of the last row, 100)."""
    assert _far_out(_sheet(_rows(range(1, 101)), b"A1:E70000"))


# ---- _data_rows, in_runs -----------------------------------------------------------------------------------------

def test_a_ledger_lacking_its_last_column_is_read(tmp_path, policy):
    """A ledger whose last column (建议措施) was deleted: that column reads as blank and the rest as ever (mutant:
    the row padded one cell short, the missing column's place out of range)."""
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=4)
    RowWriter(wb[SHEET]).write([household([person("甲")], household_id="H1", village="龙井村")], FIRST_DATA_ROW)
    wb[SHEET].delete_cols(len(COLUMNS))
    path = tmp_path / "青岩镇.xlsx"
    save_workbook(wb, path)
    book = read_book(path)
    assert book.columns.positions[-1] is None
    [(number, values)] = book.rows
    assert number == FIRST_DATA_ROW and len(values) == len(COLUMNS) and values[-1] is None
    assert (values[column_index("household_id") - 1], values[column_index("name") - 1]) == ("H1", "甲")


def _row(hid, name, relation):
    values = [None] * len(COLUMNS)
    values[column_index("household_id") - 1] = hid
    values[column_index("name") - 1] = name
    values[column_index("relation") - 1] = relation
    return tuple(values)


def test_rows_cut_at_exactly_half(policy):
    """Two households of two rows each: the first fills half the rows, so the second starts the second part
    (mutant: `>` — both households in the first part and the copy idle)."""
    rows = [(4, _row("H1", "甲", "户主")), (5, _row("H1", "乙", "配偶")),
            (6, _row("H2", "丙", "户主")), (7, _row("H2", "丁", "配偶"))]
    assert in_runs(rows, policy) == [rows[:2], rows[2:]]


# ---- check shared with a forked copy -------------------------------------------------------------------------------

def _findings(book, policy, split: bool):
    result, read = check.CheckResult(), []
    check._check_one(book, policy, AS_OF, result, read, split=split)
    return result.findings


@forking
def test_a_ledger_of_one_household_shared_with_a_copy_is_checked_once(tmp_path, policy):
    """One household: its rows are all in the first part and the second is empty. The copy reads no rows — not the
    whole sheet again — so the text in the income cell is said once (mutant: an empty part read as the whole sheet)."""
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=4)
    RowWriter(wb[SHEET]).write([household([person("甲"), person("乙", "配偶", sex="女")], household_id="H1",
                                          village="龙井村")], FIRST_DATA_ROW)
    wb[SHEET].cell(FIRST_DATA_ROW, column_index("annual_net_income")).value = "三千元"
    path = tmp_path / "青岩镇.xlsx"
    save_workbook(wb, path)
    book = read_book(path)
    shared = _findings(book, policy, split=True)
    assert shared == _findings(book, policy, split=False)
    assert sum("三千元" in f.message for f in shared) == 1


@forking
def test_a_year_without_an_income_line_is_said_once_when_shared_with_a_copy(tmp_path, policy):
    """参数's 核算年度 2023 has no income line: both parts find it, and it is said once, at row 0 of 参数 (mutant:
    said once a part)."""
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), year=2023, as_of=date(2023, 7, 15), rows=6)
    RowWriter(wb[SHEET]).write([household([person("甲")], household_id="H1", village="龙井村", year=None),
                                household([person("乙")], household_id="H2", village="龙井村", year=None)],
                               FIRST_DATA_ROW)
    path = tmp_path / "青岩镇.xlsx"
    save_workbook(wb, path)
    book = read_book(path)
    assert [len(part) for part in in_runs(book.rows, policy)] == [1, 1]
    shared = _findings(book, policy, split=True)
    said = [f for f in shared if f.sheet == "参数"]
    assert len(said) == 1 and said[0].row == 0 and "2023" in said[0].message and "核算年度" in said[0].message
    assert shared == _findings(book, policy, split=False)


# ---- summary read on two processes --------------------------------------------------------------------------------

def test_an_error_in_the_other_process_is_raised_here(monkeypatch, policy):
    """The second of two files fails where the other process reads it: the error is raised by read_ledgers, not
    handed on as if it were a ledger (mutant: the exception yielded as a result). The pool is stood in for by
    threads, and this process waits to finish the first file until the other has begun the second, so the second
    is read over there."""
    first, second = Path("石板镇.xlsx"), Path("青岩镇.xlsx")
    begun = threading.Event()

    def read_one(path, policy, as_of, month):
        if path == second:
            begun.set()
            raise ValueError("青岩镇.xlsx：读取时出错")
        assert begun.wait(30)
        return "不是台账"

    @contextmanager
    def pool(workers, fork=False):
        with concurrent.futures.ThreadPoolExecutor(workers) as executor:
            yield executor

    monkeypatch.setattr(summary, "_read_one", read_one)
    monkeypatch.setattr(summary, "process_pool", pool)
    with pytest.raises(ValueError, match="青岩镇.xlsx：读取时出错"):
        summary.read_ledgers([first, second], policy, AS_OF, workers=2)


def test_summary_takes_no_typed_over_grade_for_a_computed_one(tmp_path, policy):
    """Two households, each with 预警分级 typed over as 红 (the core says 无). Check says both formulas are gone; the
    summary, which lists only grades a spreadsheet computed, lists neither — also not the one whose row has a formula
    typed into 备注 (its row's formula count is then whole again). Found by the mutation pass as a defect: the
    summary reads no typed formulas, so that row was not looked at cell by cell; now a row whose 预警分级 holds no
    formula always is (`book._grade_formula_rows`)."""
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=6)
    RowWriter(wb[SHEET]).write([household([person("甲")], household_id="H1", village="龙井村"),
                                household([person("乙")], household_id="H2", village="龙井村")], FIRST_DATA_ROW)
    ws = wb[SHEET]
    for row in (FIRST_DATA_ROW, FIRST_DATA_ROW + 1):
        ws.cell(row, column_index("grade")).value = "红"
    ws.cell(FIRST_DATA_ROW, column_index("note")).value = '="已走访"'
    path = tmp_path / "青岩镇.xlsx"
    save_workbook(wb, path)
    found = check.check_files([path], policy, AS_OF).findings
    for row in (FIRST_DATA_ROW, FIRST_DATA_ROW + 1):
        assert any(f.row == row and "“预警分级”为“红”" in f.message for f in found), row
    ledgers, unread = summary.read_ledgers([path], policy, AS_OF, workers=1)
    assert not unread
    assert summary.summarize(ledgers, "2022-07", unread).disagreements == []
