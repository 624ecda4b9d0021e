"""The work a large ledger shares between two processes (issue 20's speed goals) gives what one process gives.

- `files.bulk.in_fork`: a forked copy's result or its exception comes back; `can_fork` says no while another thread
  runs (a fork copies no thread, and a lock one held would stay held in the copy);
- `reader.in_runs`: a sheet's rows cut into parts of whole households, which read end to end are the sheet read whole;
- `check` of a ledger shared with a forked copy: finding for finding what one process finds, on a real ledger with
  faults of every kind planted on both sides of the cut;
- `book._formula_rows`: the formulas counted row by row with bytes.count give exactly what the cell-by-cell expression
  gives — a typed-over computed cell, a formula typed into an input cell in the same row (the counts add up to a
  whole row's), rich text whose <family> also starts with "<f", and prefixed element names (counted the old way).
Real workbooks written by openpyxl and read back; expected values worked out by hand from the faults planted.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

from conftest import AS_OF, household, person
from hx_excel.files.bulk import can_fork, in_fork
from hx_excel.files.save import save_workbook
from hx_excel.files.sheet_cells import sheet_parts
from hx_excel.ledger import book as ledger_book
from hx_excel.ledger.book import TEMPLATE_COLUMNS, read_book
from hx_excel.ledger.reader import in_runs, read_rows
from hx_excel.ledger.schema import COLUMNS, FIRST_DATA_ROW, SHEET, column_index, column_letter
from hx_excel.ledger.template import build_workbook
from hx_excel.ledger.writer import RowWriter
from hx_excel.operations import check
from hx_excel.samples.generate import generate_households

forking = pytest.mark.skipif(not hasattr(os, "fork"), reason="this system cannot fork: one process does it all")


# ---- in_fork, can_fork ---------------------------------------------------------------------------------------------

@forking
def test_a_forked_copy_hands_back_its_result_computed_from_what_this_process_held():
    held = {"households": list(range(1000))}
    later = in_fork(lambda: sum(held["households"]) + os.getpid())
    here = os.getpid()
    assert later() - sum(range(1000)) not in (here, 0)        # computed over there, in another process


@forking
def test_a_forked_copy_raises_here_what_it_raised_there():
    def fails():
        raise ValueError("第 5 行：户编号未填")
    with pytest.raises(ValueError, match="第 5 行：户编号未填"):
        in_fork(fails)()


@forking
def test_an_exception_that_cannot_travel_is_said_by_its_name_and_message():
    class Local(Exception):          # defined in a function: pickle cannot find it by name
        pass

    def fails():
        raise Local("身份证号重复")
    with pytest.raises(RuntimeError, match="Local: 身份证号重复"):
        in_fork(fails)()


@forking
def test_no_fork_while_another_thread_runs():
    assert can_fork() == ((os.cpu_count() or 1) >= 2)
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert not can_fork()
    finally:
        release.set()
        other.join()


# ---- collector_paused --------------------------------------------------------------------------------------------

def test_after_a_paused_read_nothing_stays_frozen_and_cycles_are_still_collected():
    """collector_paused hands what the read made to the oldest generation on its way out (not scanned there and then),
    but freezes nothing for good: a cycle made while it was paused is still collected afterwards."""
    import gc
    import weakref

    from hx_excel.files.bulk import collector_paused

    class Node:
        pass

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        node = Node()
        node.itself = node
        gone = weakref.ref(node)
        del node
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.collect()
    assert gone() is None


# ---- process_pool(fork=True): summary's readers, ready at once -----------------------------------------------------

def _probe():
    """What a pool's process finds of a value this test set at run time: a copy has it, a fresh process has not."""
    from hx_excel.files import bulk
    return getattr(bulk, "_set_by_the_test", None), os.getpid()


@forking
@pytest.mark.parametrize("fork", [True, False], ids=["forked", "spawned"])
def test_a_forking_pool_runs_copies_of_this_process_a_spawning_one_fresh_processes(monkeypatch, fork):
    from hx_excel.files import bulk
    monkeypatch.setattr(bulk, "_set_by_the_test", "青岩镇", raising=False)
    with bulk.process_pool(1, fork=fork) as pool:
        seen, pid = pool.submit(_probe).result()
    assert pid != os.getpid()
    assert seen == ("青岩镇" if fork else None)


@forking
def test_a_forked_reader_ends_when_its_parent_is_killed(tmp_path):
    """A forked pool process holds what its parent held open; killed outright (SIGKILL, no cleanup), the parent
    leaves no reader behind: the copy sees its parent gone and ends within seconds (`bulk._end_with_parent`)."""
    import signal
    import subprocess
    import sys
    import time
    script = ("import os, sys, time\n"
              "from hx_excel.files.bulk import process_pool\n"
              "if __name__ == '__main__':\n"
              "    with process_pool(1, fork=True) as pool:\n"
              "        print(pool.submit(os.getpid).result(), flush=True)\n"
              "        pool.submit(time.sleep, 120)\n"
              "        time.sleep(120)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                              env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1])))
    child = int(parent.stdout.readline())
    os.kill(child, 0)                                       # the reader is there
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=30)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        os.kill(child, signal.SIGKILL)
        pytest.fail("the forked reader outlived its parent")


# ---- in_runs -------------------------------------------------------------------------------------------------------

def _row(hid, name, relation, *, income=None):
    values = [None] * len(COLUMNS)
    values[column_index("household_id") - 1] = hid
    values[column_index("name") - 1] = name
    values[column_index("relation") - 1] = relation
    if income is not None:
        values[column_index("annual_net_income") - 1] = income
    return tuple(values)


def test_the_parts_hold_whole_households_in_the_order_the_sheet_meets_them(policy):
    rows = [(4, _row("H1", "甲", "户主")), (5, _row("H1", "乙", "配偶")),
            (6, _row(" H4 ", "己", "户主")), (7, _row(None, "无户号", "户主")),
            (8, _row("H3", "丁", "户主")), (9, _row("H1", "戊", "之子")),     # H1 again, away from its other rows
            (10, _row("H2", "丙", "户主")), (11, _row("H4", "庚", "之女")),   # H4 again: the same 户编号 once trimmed
            (12, _row("H5", "辛", "户主")), (13, _row("H5", "壬", "配偶"))]
    first, second = in_runs(rows, policy)
    numbers = [[n for n, _ in part] for part in (first, second)]
    # the row without 户编号, then H1's three rows together (4, 5, 9): half the ten rows placed with H4's two (6, 11);
    # the rest go to the second part
    assert numbers == [[7, 4, 5, 9, 6, 11], [8, 10, 12, 13]]
    whole = read_rows(rows, policy)
    parts = [read_rows(part, policy) for part in (first, second)]
    assert [h.household for h in whole.households] == [h.household for p in parts for h in p.households]
    assert [(h.head_row, h.rows) for h in whole.households] == [(h.head_row, h.rows) for p in parts
                                                                 for h in p.households]
    assert sorted(map(str, whole.problems)) == sorted(str(x) for p in parts for x in p.problems)
    assert any("户编号未填" in str(x) for x in parts[0].problems)


def test_a_sheet_of_one_household_leaves_the_second_part_empty(policy):
    rows = [(4, _row("H1", "甲", "户主")), (5, _row("H1", "乙", "配偶"))]
    assert in_runs(rows, policy) == [rows, []]
    assert in_runs([], policy) == [[], []]


# ---- check shared with a forked copy ------------------------------------------------------------------------------

def _faulty_ledger(path: Path, policy) -> Path:
    """300 generated households, then faults planted by hand in both halves of the sheet."""
    households = generate_households(300, 7, policy, AS_OF)
    rows = sum(len(h.members) for h in households) + 30
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=rows)
    RowWriter(wb[SHEET]).write(households, FIRST_DATA_ROW)
    ws = wb[SHEET]
    last = FIRST_DATA_ROW + rows - 31
    near_end = last - 5
    col = lambda key: column_index(key)                                    # noqa: E731
    ws.cell(FIRST_DATA_ROW + 2, col("annual_net_income")).value = "三千元"           # text in a number cell
    ws.cell(near_end, col("annual_net_income")).value = "约5000"
    ws.cell(FIRST_DATA_ROW + 3, col("labour")).value = "能干活"                        # off its list
    ws.cell(near_end - 1, col("health")).value = "很好"
    ws.cell(FIRST_DATA_ROW + 5, col("grade")).value = "红"                             # a computed cell typed over
    ws.cell(near_end - 2, col("grade")).value = "绿"
    ws.cell(near_end - 3, col("annual_net_income")).value = "=3000*4"                  # a formula typed in
    ws.cell(FIRST_DATA_ROW + 7, col("id_number")).value = ws.cell(near_end - 4, col("id_number")).value  # twice
    ws.cell(FIRST_DATA_ROW + 9, col("household_id")).value = None                     # a row of no household
    ws.cell(near_end - 6, col("household_id")).value = ws.cell(FIRST_DATA_ROW, col("household_id")).value  # split
    ws.cell(last + 20, col("name")).value = "表外一人"                                   # below the formula rows?
    ws.cell(FIRST_DATA_ROW + 11, col("clue_on")).value = "七月三日"                     # a date typed as text
    save_workbook(wb, path)
    return path


@forking
def test_a_ledger_checked_on_two_processes_gives_every_finding_one_process_gives(tmp_path, policy, monkeypatch):
    path = _faulty_ledger(tmp_path / "青岩镇.xlsx", policy)
    book = read_book(path)
    results = {}
    for split in (False, True):
        result, read = check.CheckResult(), []
        check._check_one(book, policy, AS_OF, result, read, split=split)
        results[split] = sorted(result.findings, key=lambda f: (f.row, f.severity != "错误"))
    assert results[True] == results[False]
    said = " ".join(f.message for f in results[True])
    # the faults planted in both halves are there
    for text in ("三千元", "约5000", "能干活", "很好", "3000*4", "七月三日", "户编号未填", "相同", "分在"):
        assert text in said, text
    # and check_files shares the work once the ledger is long enough, with the same result
    monkeypatch.setattr(check, "SPLIT_FROM", 100)
    shared = check.check_files([path], policy, AS_OF).findings
    monkeypatch.setattr(check, "SPLIT_FROM", 10**9)
    alone = check.check_files([path], policy, AS_OF).findings
    assert shared == alone and len(alone) > len(results[False])       # + the ID repeated, found over the whole file


# ---- formulas counted row by row -----------------------------------------------------------------------------------

def _cells_with_formulas(xml: bytes) -> set[tuple[int, str]]:
    """(row, column letter) of every cell holding a formula — the reference, one cell at a time."""
    found = set()
    for cell in re.finditer(rb'<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)', xml, re.S):
        ref = re.search(rb'\br="([A-Z]+)(\d+)"', cell.group(1))
        if ref and cell.group(2) and re.match(rb'<(?:\w+:)?f\b', cell.group(2)):
            found.add((int(ref.group(2)), ref.group(1).decode()))
    return found


def _expected(xml: bytes, columns=TEMPLATE_COLUMNS):
    cells = _cells_with_formulas(xml)
    first = columns.header_row + 1
    computed = {column_letter(c.key): i for i, c in enumerate(COLUMNS) if c.kind == "computed"}
    counts: dict[int, int] = {}
    for row, _ in cells:
        if row >= first:
            counts[row] = counts.get(row, 0) + 1
    return counts, {(row, computed[letter]) for row, letter in cells if letter in computed and row >= first}


def _ledger_xml(tmp_path: Path, policy, edits) -> bytes:
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=12)
    RowWriter(wb[SHEET]).write([household([person("甲"), person("乙", "配偶", sex="女")], household_id="H1",
                                          village="龙井村"),
                                household([person("丙")], household_id="H2", village="龙井村")], FIRST_DATA_ROW)
    edits(wb[SHEET])
    path = tmp_path / "台账.xlsx"
    save_workbook(wb, path)
    return sheet_parts(path.read_bytes(), (SHEET,))[SHEET]


def _assert_as_counted_cell_by_cell(xml: bytes, typed_rows=frozenset()):
    cells = ledger_book._formula_rows(xml, TEMPLATE_COLUMNS, also_odd=typed_rows)
    counts, holding = _expected(xml)
    assert cells.counts == counts
    computed = [i for i, c in enumerate(COLUMNS) if c.kind == "computed"]
    for row in counts:
        for index in computed:
            assert cells.has(row, index) == ((row, index) in holding), (row, COLUMNS[index].header)
    return cells


def test_a_typed_over_grade_and_a_formula_typed_in_the_same_row_are_both_seen(tmp_path, policy):
    r = FIRST_DATA_ROW
    grade, income = column_index("grade"), column_index("annual_net_income")

    def edits(ws):
        ws.cell(r, grade).value = "红"                 # a computed cell typed over …
        ws.cell(r, income).value = "=3000*4"           # … and a formula typed into an input cell: the count is whole
        ws.cell(r + 1, grade).value = "绿"              # a row short of one formula
    xml = _ledger_xml(tmp_path, policy, edits)
    grade_index = column_index("grade") - 1
    scanned, typed = ledger_book._formula_scan(xml, TEMPLATE_COLUMNS)
    assert typed == {(r, column_index("annual_net_income") - 1): "3000*4"}
    assert not scanned.has(r, grade_index) and not scanned.has(r + 1, grade_index)
    assert scanned.has(r + 2, grade_index)
    assert scanned.counts[r] == len(scanned.expected)      # why the row must be looked at cell by cell anyway
    _assert_as_counted_cell_by_cell(xml, typed_rows={r})


def test_rich_text_whose_font_family_starts_with_f_is_not_counted_as_a_formula(tmp_path, policy):
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    def edits(ws):
        ws.cell(FIRST_DATA_ROW, column_index("note")).value = CellRichText(
            [TextBlock(InlineFont(rFont="宋体", family=2), "已走访"), "，待复核"])
    xml = _ledger_xml(tmp_path, policy, edits)
    assert b"<family" in xml or b":family" in xml
    cells = _assert_as_counted_cell_by_cell(xml)
    assert cells.counts[FIRST_DATA_ROW] == len(cells.expected) and FIRST_DATA_ROW not in cells.partial


def test_element_names_with_a_prefix_are_counted_the_old_way(tmp_path, policy):
    def edits(ws):
        ws.cell(FIRST_DATA_ROW + 1, column_index("grade")).value = "绿"
    xml = _ledger_xml(tmp_path, policy, edits)
    prefixed = re.sub(rb"<(/?)(?!\?)(\w+)([\s>/])", rb"<\1x:\2\3", xml)
    prefixed = prefixed.replace(b"<x:worksheet ", b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/'
                                                  b'spreadsheetml/2006/main" ', 1)
    assert b"<row " not in prefixed and b"<x:row " in prefixed and b"<x:f" in prefixed
    assert ledger_book._counted(prefixed, FIRST_DATA_ROW, 5, frozenset()) is None        # not counted fast …
    plain = ledger_book._formula_rows(xml, TEMPLATE_COLUMNS)
    assert ledger_book._formula_rows(prefixed, TEMPLATE_COLUMNS) == plain              # … but counted the same
    assert not plain.has(FIRST_DATA_ROW + 1, column_index("grade") - 1)


def test_a_libreoffice_saved_ledger_is_counted_as_cell_by_cell(tmp_path, policy):
    """LibreOffice writes every formula in full with its value (no shared formulas): the same counts."""
    from hx_excel.office.libreoffice import find_soffice, recalculate
    if not find_soffice():
        pytest.skip("LibreOffice is not installed")
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=8)
    RowWriter(wb[SHEET]).write([household([person("甲")], household_id="H1", village="龙井村")], FIRST_DATA_ROW)
    wb[SHEET].cell(FIRST_DATA_ROW, column_index("grade")).value = "红"
    source = tmp_path / "台账.xlsx"
    save_workbook(wb, source)
    saved = recalculate([source], tmp_path / "lo")[0]
    xml = sheet_parts(Path(saved).read_bytes(), (SHEET,))[SHEET]
    cells = _assert_as_counted_cell_by_cell(xml)
    assert not cells.has(FIRST_DATA_ROW, column_index("grade") - 1)
    assert cells.has(FIRST_DATA_ROW + 1, column_index("grade") - 1)
