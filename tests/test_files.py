"""hx_excel.files on real files: what a workbook holds and how two differ, the folder lock across processes, saves
that check their target, temporary files of a killed run, text made safe for cells and CSV."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName

from hx_excel.files.content import differences, read_content, same_parts
from hx_excel.files.lock import LOCK_NAME, FolderBusy, FolderLock
from hx_excel.files.save import FileChanged, clean_leftovers, commit, fingerprint, save_csv, save_workbook, write_temp
from hx_excel.files.text import clean, csv_text, formula_risk
from hx_excel.ledger.cells import put
from hx_excel.ledger.schema import FIRST_DATA_ROW, SHEET, column_index, column_letter
from hx_excel.ledger.template import build_workbook

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> Path:
    """A small real ledger, as the generator writes it."""
    from hx_excel.policy import default_policy
    path = tmp_path_factory.mktemp("ledger") / "台账.xlsx"
    save_workbook(build_workbook(default_policy(), township="青岩镇", villages=("龙井村",), rows=20), path)
    return path


def edited(ledger: Path, tmp_path: Path, edit) -> Path:
    """A copy of the ledger changed the way a clerk would, through openpyxl."""
    copy = tmp_path / "改过的台账.xlsx"
    wb = openpyxl.load_workbook(ledger)
    edit(wb)
    save_workbook(wb, copy)
    return copy


def rezipped(source: Path, target: Path, change) -> Path:
    """A copy with its parts rewritten byte-wise, as other software writes them: change(name, data) -> data | None."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = change(item.filename, old.read(item.filename))
            if data is not None:
                new.writestr(item.filename, data)
    return target


# ---- what a workbook holds --------------------------------------------------------------------------------------

def test_an_untouched_ledger_differs_in_nothing_and_a_resave_is_caught_quickly(ledger, tmp_path):
    again = edited(ledger, tmp_path, lambda wb: None)
    assert differences(read_content(again), read_content(ledger)) == []
    assert same_parts(ledger, ledger) and not same_parts(ledger, tmp_path / "无.xlsx")


@pytest.mark.parametrize("edit, expected", [
    (lambda wb: wb.create_sheet("走访记录").cell(1, 1, "7月走访了罗大山家"), "另加了工作表“走访记录”"),
    (lambda wb: wb["参数"].cell(4, 5, "北街社区"), "“参数”表E4填有“北街社区”"),
    (lambda wb: wb[SHEET].cell(FIRST_DATA_ROW, column_index("grade"), "红"), f"“台账”表{column_letter('grade')}4的公式被改成了“红”"),
    (lambda wb: wb[SHEET].cell(FIRST_DATA_ROW + 1, 150, "另加一列"), "“台账”表ET5填有“另加一列”"),
    (lambda wb: wb[SHEET].cell(1, 20, "备注：7 月数据"), "“台账”表T1填有“备注：7 月数据”"),
    (lambda wb: setattr(wb[SHEET].cell(6, 5), "comment", Comment("户主外出务工", "村干部")), "“台账”表E6有批注“户主外出务工”"),
    (lambda wb: wb.defined_names.add(DefinedName("我的区域", attr_text="'台账'!$A$4:$A$9")), "另加了名称“我的区域”"),
    (lambda wb: wb.move_sheet("统计", offset=-3), "工作表的顺序被调整过"),
    (lambda wb: setattr(wb["参数"].cell(10, 2), "value", None), "“参数”表B10为空白"),
])
def test_everything_a_clerk_adds_anywhere_is_a_difference(ledger, tmp_path, edit, expected):
    listed = differences(read_content(edited(ledger, tmp_path, edit)), read_content(ledger))
    assert any(expected in item for item in listed), listed


def test_a_picture_inserted_in_excel_is_a_difference(ledger, tmp_path):
    copy = Path(shutil.copy(ledger, tmp_path / "带图片.xlsx"))
    with zipfile.ZipFile(copy, "a") as archive:   # the part Excel adds for a picture pasted into a sheet
        archive.writestr("xl/media/image1.png", b"\x89PNG\r\n\x1a\n")
    assert "插入了图片" in differences(read_content(copy), read_content(ledger))


def test_formulas_rewritten_by_excel_are_the_same_formulas(ledger, tmp_path):
    """Excel drops the quotes around sheet names that do not need them, in names and in cells, when it saves."""
    def as_excel_writes(name, data):
        if name in ("xl/workbook.xml",) or name.startswith("xl/worksheets/sheet"):
            return data.replace("'台账'!".encode(), "台账!".encode()).replace("'参数'!".encode(), "参数!".encode())
        return data
    copy = rezipped(ledger, tmp_path / "Excel存过.xlsx", as_excel_writes)
    assert copy.read_bytes() != ledger.read_bytes()
    assert differences(read_content(copy), read_content(ledger)) == []


def test_id_numbers_are_masked_in_differences(ledger, tmp_path):
    listed = differences(read_content(edited(ledger, tmp_path, lambda wb: wb[SHEET].cell(5, 7, "520111197001010011"))),
                         read_content(ledger))
    assert listed == ["“台账”表G5填有“520111********0011”"]


# ---- one run at a time per folder -------------------------------------------------------------------------------

HOLDER = """
import sys, time
from hx_excel.files.lock import FolderLock
lock = FolderLock(sys.argv[1], "hx-excel generate --roster 名单.csv")
lock.acquire()
print("held", flush=True)
time.sleep(float(sys.argv[2]))
lock.release()
"""


def hold(folder: Path, seconds: float) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(folder), str(seconds)], stdout=subprocess.PIPE,
                               text=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert process.stdout.readline().strip() == "held"
    return process


def test_a_second_run_is_told_who_holds_the_folder(tmp_path):
    holder = hold(tmp_path, 30)
    try:
        with pytest.raises(FolderBusy) as caught:
            FolderLock(tmp_path, "hx-excel demo").acquire()
        message = str(caught.value)
        assert f"进程 {holder.pid}" in message and "hx-excel generate --roster 名单.csv" in message and "--wait" in message
    finally:
        holder.kill()
        holder.wait()
    # killed outright: the operating system released its lock, so the next run takes it at once
    lock = FolderLock(tmp_path, "hx-excel demo")
    lock.acquire()
    assert "hx-excel demo" in (tmp_path / LOCK_NAME).read_text(encoding="utf-8")
    lock.release()
    assert not (tmp_path / LOCK_NAME).exists()


def test_a_second_run_can_wait_for_the_first(tmp_path):
    holder = hold(tmp_path, 1.5)
    told = []
    started = time.monotonic()
    lock = FolderLock(tmp_path, "hx-excel demo")
    lock.acquire(wait_seconds=30, on_wait=told.append)
    assert time.monotonic() - started < 25 and holder.wait(timeout=30) == 0
    assert len(told) == 1 and f"进程 {holder.pid}" in told[0] and "等待" in told[0]
    lock.release()


# ---- saves that check their target ------------------------------------------------------------------------------

def test_a_target_changed_since_it_was_checked_is_left_alone(tmp_path):
    target = tmp_path / "台账.xlsx"
    wb = openpyxl.Workbook()
    save_workbook(wb, target)
    checked = fingerprint(target)
    mine = openpyxl.Workbook()
    mine.active["A1"] = "村干部刚刚保存的内容"
    save_workbook(mine, target, keep_previous=False)   # saved by someone else meanwhile
    saved = target.read_bytes()
    for keep in (False, True):
        temp = write_temp(openpyxl.Workbook(), target)
        with pytest.raises(FileChanged, match="被改动过"):
            commit(temp, target, keep_previous=keep, expected=checked)
        assert target.read_bytes() == saved and sorted(p.name for p in tmp_path.iterdir()) == [target.name]
    # a file that appeared where there was none counts as changed too
    temp = write_temp(openpyxl.Workbook(), tmp_path / "新.xlsx")
    (tmp_path / "新.xlsx").write_bytes(b"clerk")
    with pytest.raises(FileChanged):
        commit(temp, tmp_path / "新.xlsx", keep_previous=False, expected=None)
    assert (tmp_path / "新.xlsx").read_bytes() == b"clerk"


def test_the_backup_is_exactly_the_file_that_was_checked(tmp_path):
    target = tmp_path / "台账.xlsx"
    save_workbook(openpyxl.Workbook(), target)
    old, checked = target.read_bytes(), fingerprint(target)
    backup = commit(write_temp(openpyxl.Workbook(), target), target, keep_previous=True, expected=checked)
    assert backup.read_bytes() == old and fingerprint(backup) == checked


def test_temporary_files_of_a_killed_run_are_cleaned_and_nothing_else(tmp_path):
    temp = write_temp(openpyxl.Workbook(), tmp_path / "台账.xlsx")
    others = [tmp_path / "台账.xlsx.tmp", tmp_path / "~$台账.xlsx", tmp_path / ".其他程序.tmp"]
    for other in others:
        other.write_bytes(b"not ours")
    assert clean_leftovers(tmp_path) == [temp]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in others)


# ---- text made safe ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, single_line, text, removed", [
    ("罗\x07大山", False, "罗大山", ["控制字符 U+0007"]),
    ("周\u200b五\u200b", True, "周五", ["零宽空格 U+200B（2 个）"]),
    ("\ufeff龙井村", True, "龙井村", ["字节顺序标记（BOM） U+FEFF"]),
    ("张\u202e三", True, "张三", ["文字方向控制符 U+202E"]),
    ("第一行\r\n第二行", False, "第一行\n第二行", []),
    ("第一行\n第二行", True, "第一行第二行", ["换行符 U+000A"]),
    ("\x00\x1b[31m红", False, "[31m红", ["控制字符 U+0000", "控制字符 U+001B"]),
])
def test_clean_removes_and_names_what_a_cell_should_not_hold(raw, single_line, text, removed):
    cleaned = clean(raw, single_line=single_line)
    assert cleaned.text == text and list(cleaned.removed) == removed


@pytest.mark.parametrize("text, risky", [
    ("=1/0", "公式"), ("=HYPERLINK(\"http://x\")", "公式"), ("=cmd|' /C calc'!A0", "DDE"), ("+cmd|' /C calc'!A0", "DDE"),
    ("@SUM(1+1)", "公式"), ("-2+3", "公式"), ("  =A1", "公式"),
    ("-500", None), ("+86", None), ("-", None), ("罗大山", None), ("a=b", None), ("", None), ("1,234.5", None),
])
def test_formula_risk(text, risky):
    found = formula_risk(text)
    assert (found is None) if risky is None else (risky in found)


def test_csv_we_write_never_starts_a_field_with_a_formula(tmp_path):
    rows = [["=1+1", "+1", "-cmd|' /C calc'!A0", "@SUM(A1)", "\tx", "罗大山", -500, None]]
    text = csv_text(["a", "b", "c", "d", "e", "f", "g", "h"], rows)
    fields = next(csv.reader(io.StringIO(text.splitlines()[1])))
    assert fields == ["'=1+1", "'+1", "'-cmd|' /C calc'!A0", "'@SUM(A1)", "'\tx", "罗大山", "-500", ""]
    path = tmp_path / "名单.csv"
    assert save_csv(path, ["a"], [["=1"]]) is None
    backup = save_csv(path, ["a"], [["=2"]])
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") and backup.read_bytes() == b"\xef\xbb\xbfa\r\n'=1\r\n"


def test_text_from_a_file_is_written_as_text_never_as_a_formula(tmp_path):
    wb = openpyxl.Workbook()
    for row, text in enumerate(["=1/0", "=HYPERLINK(\"http://x\",\"点我\")", "=cmd|' /C calc'!A0", "@SUM(1+1)", "罗\x07大山"],
                               start=1):
        put(wb.active, row, 1, text)
    put(wb.active, 6, 1, 42)
    put(wb.active, 7, 1, "#N/A")                      # text, not the error value it spells
    put(wb.active, 8, 1, "长" * 40_000)               # cut to what a cell holds, as openpyxl would cut it
    path = tmp_path / "文字.xlsx"
    wb.save(path)
    cells = openpyxl.load_workbook(path).active["A"]
    assert [c.data_type for c in cells] == ["s", "s", "s", "s", "s", "n", "s", "s"]
    assert cells[6].value == "#N/A" and cells[7].value == "长" * 32_767
    assert [c.value for c in cells][:5] == ["=1/0", "=HYPERLINK(\"http://x\",\"点我\")", "=cmd|' /C calc'!A0", "@SUM(1+1)",
                                            "罗大山"]
    assert [c.quotePrefix for c in cells][:5] == [True, True, True, True, False]   # re-typing keeps them text
    with zipfile.ZipFile(path) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


@pytest.mark.libreoffice
def test_a_spreadsheet_engine_shows_such_text_and_computes_nothing(tmp_path):
    """LibreOffice, recalculating everything, keeps each text as typed: no #DIV/0!, no link, no DDE call."""
    from hx_excel.office.libreoffice import recalculate
    wb = openpyxl.Workbook()
    texts = ["=1/0", "=HYPERLINK(\"http://x\",\"点我\")", "=cmd|' /C calc'!A0", "=A2"]
    for row, text in enumerate(texts, start=1):
        put(wb.active, row, 1, text)
    path = tmp_path / "文字.xlsx"
    wb.save(path)
    [done] = recalculate([path], tmp_path / "算过")
    assert [c.value for c in openpyxl.load_workbook(done, data_only=True).active["A"]] == texts
