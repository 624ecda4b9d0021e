"""The bad-input corpus of the month's commands (check, fill, review, summary, notice): every way a clerk's ledger
can be wrong, built as a real file from a generated ledger and fed to the command line as a clerk runs it.

For each case and command: the documented exit code (0 done, 1 done with problems in the data, 2 refused), no
traceback and no internal fault, a Chinese message naming the problem where the command reads the file, the input
byte-for-byte unchanged when the command is refused or only reads, and no backup or output file when refused.
Columns a clerk added, hid or moved are read (with a note), and fill writes under the right header."""

from __future__ import annotations

import io
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from conftest import AS_OF, household, person, Run
from hx_excel.cli import main
from hx_excel.files.save import save_workbook
from hx_excel.ledger.schema import BY_KEY, FIRST_DATA_ROW, HEADER_ROW, SHEET, column_index
from hx_excel.ledger.template import build_workbook
from hx_excel.ledger.writer import RowWriter
from hx_excel.policy import default_policy

NAME = "青岩镇.xlsx"
VILLAGE = "龙井村"
MONTH = "2022-07"
INCOME, ENTERED, ID, HID, NOTE = (BY_KEY[k].header for k in ("annual_net_income", "entered_on", "id_number",
                                                             "household_id", "note"))
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def col(key: str) -> int:
    return column_index(key)


def letter(key: str) -> str:
    return get_column_letter(column_index(key))


# ---- the base ledger: built once, each case copies its bytes ------------------------------------------------------

def households():
    # red, not yet entered: proposed for monitoring (the 纳入 notice lists it)
    poor = household([person("罗大山", born=date(1970, 3, 4)), person("罗小花", "之女", born=date(2010, 3, 3), sex="女")],
                     household_id="QY-001", village=VILLAGE, group="一组", annual_net_income=10_000)
    # entered on 2022-06-01: a monitored household
    watched = household([person("杨平", born=date(1965, 1, 2)), person("杨安", "之子", born=date(1990, 6, 7))],
                        household_id="QY-002", village=VILLAGE, group="二组", annual_net_income=12_000,
                        entered_on=date(2022, 6, 1))
    # nothing holds: 无
    fine = household([person("王强", born=date(1975, 8, 9)), person("王芳", "配偶", born=date(1977, 10, 11), sex="女")],
                     household_id="QY-003", village=VILLAGE, group="三组")
    return [poor, watched, fine]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> bytes:
    """The ledger every case starts from: 30 prepared rows, three households typed."""
    wb = build_workbook(default_policy(), township="青岩镇", villages=(VILLAGE,), as_of=AS_OF, rows=30)
    RowWriter(wb[SHEET]).write(households())
    path = tmp_path_factory.mktemp("base") / NAME
    save_workbook(wb, path)
    return path.read_bytes()


HEAD, MEMBER = FIRST_DATA_ROW, FIRST_DATA_ROW + 1          # 罗大山, 罗小花
WATCHED_HEAD, FINE_HEAD, FINE_MEMBER = FIRST_DATA_ROW + 2, FIRST_DATA_ROW + 4, FIRST_DATA_ROW + 5


def edited(edit: Callable[[openpyxl.Workbook], None]) -> Callable[[bytes, Path], Path]:
    """A case: the base ledger opened in openpyxl, changed as a clerk would, saved."""
    def build(data: bytes, folder: Path) -> Path:
        wb = openpyxl.load_workbook(io.BytesIO(data))
        edit(wb)
        path = folder / NAME
        wb.save(path)
        return path
    return build


def raw(make: Callable[[bytes], bytes], name: str = NAME) -> Callable[[bytes, Path], Path]:
    def build(data: bytes, folder: Path) -> Path:
        path = folder / name
        path.write_bytes(make(data))
        return path
    return build


# ---- the cases -------------------------------------------------------------------------------------------------

def _rename(wb):
    wb[SHEET].cell(HEADER_ROW, col("annual_net_income")).value = "收入"


def _delete(wb):
    wb[SHEET].delete_cols(col("annual_net_income"))


def _add_column(wb):
    ws = wb[SHEET]
    at = col("note") + 1
    ws.insert_cols(at)
    # openpyxl moves the cells only: the columns' widths and hidden flags move too, as in Excel
    dims = sorted(ws.column_dimensions.items(), key=lambda item: item[1].min or 0)
    for key, dim in dims:
        if (dim.min or 0) >= at:
            del ws.column_dimensions[key]
    for key, dim in reversed(dims):
        if (dim.min or 0) >= at:
            dim.min, dim.max = dim.min + 1, dim.max + 1
            dim.index = get_column_letter(dim.min)
            ws.column_dimensions[dim.index] = dim
    ws.cell(HEADER_ROW, at).value = "联系电话"
    for row in (HEAD, WATCHED_HEAD, FINE_HEAD):
        ws.cell(row, at).value = f"1380000{row:04d}"


def _hide(wb):
    wb[SHEET].column_dimensions[letter("annual_net_income")].hidden = True


MOVED = ("name", "household_id")     # 姓名 (E) and 户编号 (O) swapped, header and values


def _move(wb):
    ws = wb[SHEET]
    a, b = (col(k) for k in MOVED)
    for row in range(HEADER_ROW, ws.max_row + 1):
        x, y = ws.cell(row, a), ws.cell(row, b)
        x.value, y.value = y.value, x.value
    ws.cell(MEMBER, a).value = None       # 罗小花's 户编号, now in column E, left for fill to give


def _merge(wb):
    ws = wb[SHEET]
    for key in ("village", "household_id"):   # a household's 村 and 户编号 merged over its two rows
        ws.merge_cells(f"{letter(key)}{HEAD}:{letter(key)}{MEMBER}")


def _text_number(wb):
    wb[SHEET].cell(HEAD, col("annual_net_income")).value = "三万"


def _text_date(wb):
    wb[SHEET].cell(WATCHED_HEAD, col("entered_on")).value = "2022年7月1日"


def _id15(wb):
    wb[SHEET].cell(FINE_HEAD, col("id_number")).value = "520111800505011"


def _id_number(wb):
    cell = wb[SHEET].cell(FINE_MEMBER, col("id_number"))
    cell.value = int(cell.value) if cell.value[-1].isdigit() else float(cell.value[:-1] + "0")


def _empty(data: bytes) -> bytes:
    out = io.BytesIO()
    openpyxl.Workbook().save(out)
    return out.getvalue()


def _payroll(data: bytes) -> bytes:
    wb = openpyxl.Workbook()
    wb.active.title = "工资表"
    for row in (["姓名", "岗位", "工资"], ["张三", "会计", 3200], ["李四", "出纳", 3000]):
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _encrypted(data: bytes) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt("123456", out)
    return out.getvalue()


def _csv(data: bytes) -> bytes:
    return "户编号,乡镇,村,姓名\r\nQY-001,青岩镇,龙井村,罗大山\r\n".encode("utf-8-sig")


def _locked(data: bytes, folder: Path) -> Path:
    path = folder / NAME
    path.write_bytes(data)
    (folder / f"~${NAME}").write_bytes(b"\x0b\x00\xe7\x8e\x8b\xe5\xbc\xba" + bytes(100))
    return path


def _no_ledgers(data: bytes, folder: Path) -> Path:
    path = folder / "台账"
    path.mkdir()
    (path / "说明.txt").write_text("七月的台账还没交", encoding="utf-8")
    return path


READ_FAILS = "refused"      # the file is no ledger we can read: check lists it (1), the others refuse (2)
DATA = "data"               # read; problems in the data: check names them (1), the others go on
TOLERATED = "tolerated"     # read, with a note
LOCKED, FOLDER, MISSING = "locked", "folder", "missing"


@dataclass(frozen=True)
class Case:
    build: Callable[[bytes, Path], Path]
    kind: str
    says: tuple[str, ...]       # what the message names (where the command reads the file)
    also: tuple[tuple[str, tuple[str, ...]], ...] = ()   # what a command that goes on says besides check


CASES = {
    "renamed input column": Case(edited(_rename), READ_FAILS, (f"“{INCOME}”列", "收入", "改名")),
    "deleted input column": Case(edited(_delete), READ_FAILS, (f"“{INCOME}”列", "删除")),
    "added column": Case(edited(_add_column), TOLERATED, ("“联系电话”", "不是台账的列")),
    "hidden input column": Case(edited(_hide), TOLERATED, (f"{INCOME}", "被隐藏")),
    "moved columns": Case(edited(_move), TOLERATED, ("不在模板中的位置",)),
    "merged cells": Case(edited(_merge), DATA, ("合并单元格", f"{letter('household_id')}{HEAD}:{letter('household_id')}{MEMBER}",
                                                f"{letter('village')}{HEAD}:{letter('village')}{MEMBER}", HID),
                         also=(("fill", ("合并单元格", f"第 {MEMBER} 行“{HID}”列", "未写入“QY-001”")),
                               ("summary", ("合并单元格",)), ("notice", ("合并单元格", f"第 {MEMBER} 行“{HID}”列")))),
    "text in a number cell": Case(edited(_text_number), DATA, (INCOME, "应为数字", "三万"),
                                  also=(("notice", ("填写有误", INCOME, "应为数字")),)),
    "date typed as text": Case(edited(_text_date), DATA, (ENTERED, "日期", "2022年7月1日")),
    "15-digit ID": Case(edited(_id15), DATA, (ID, "15 位")),
    "ID stored as a number": Case(edited(_id_number), DATA, (ID, "存成了数字")),
    "empty workbook": Case(raw(_empty), READ_FAILS, ("没有“台账”工作表",)),
    "not a ledger": Case(raw(_payroll), READ_FAILS, ("没有“台账”工作表", "工资表")),
    "corrupt zip": Case(raw(lambda d: d[: len(d) // 2]), READ_FAILS, ("已损坏",)),
    "password-protected": Case(raw(_encrypted), READ_FAILS, ("密码",)),
    "legacy .xls": Case(raw(lambda d: CFB_MAGIC + bytes(600), "青岩镇.xls"), READ_FAILS, (".xls", "另存为")),
    "CSV named .xlsx": Case(raw(_csv), READ_FAILS, ("不是 Excel 工作簿",)),
    "open in Excel": Case(_locked, LOCKED, ("正在 Excel 或 WPS 中打开",)),
    "folder without ledgers": Case(_no_ledgers, FOLDER, ()),
    "missing path": Case(lambda data, folder: folder / "没有这个文件.xlsx", MISSING, ("找不到",)),
}

COMMANDS = ("check", "fill", "review", "summary", "notice")


def argv(command: str, path: Path, out: Path) -> list[str]:
    return {
        "check": ["check", str(path)],
        "fill": ["fill", str(path)],
        "review": ["review", str(path), "--month", MONTH],
        "summary": ["summary", str(path), "--month", MONTH, "-o", str(out)],
        "notice": ["notice", str(path), "--village", VILLAGE, "-o", str(out)],
    }[command]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def typed_by_header(path: Path) -> dict[tuple[int, str], object]:
    """Every typed (non-formula) value of 台账's data rows, by (row, the header above it)."""
    ws = openpyxl.load_workbook(path)[SHEET]
    headers = {c.column: c.value for c in ws[HEADER_ROW]}
    return {(c.row, headers.get(c.column)): c.value for row in ws.iter_rows(min_row=FIRST_DATA_ROW) for c in row
            if c.value is not None and c.data_type != "f"}


# what each command does with each kind of case: (exit codes allowed, does it read the file (the message shows))
def expected(kind: str, command: str) -> tuple[set[int], bool]:
    if kind == READ_FAILS:      # check too: not one ledger read is nothing checked (issue 18 point 9)
        return {2}, True
    if kind == DATA:
        return ({1} if command == "check" else {0, 1}), command == "check"
    if kind == TOLERATED:   # read, and the note said by the commands that only read
        return {0, 1}, command in ("check", "summary", "notice")
    if kind == LOCKED:
        return ({2}, True) if command in ("fill", "review") else ({0, 1}, False)
    if kind == FOLDER:      # nothing to read is refused by every command alike (issue 18 point 9)
        return {2}, False
    if kind == MISSING:
        return {2}, True
    raise AssertionError(kind)


@pytest.fixture(scope="module")
def built(base, tmp_path_factory) -> Callable[[str, Path], Path]:
    """Each case built once (openpyxl is slow), copied into the folder of each test: the path to pass."""
    made: dict[str, tuple[Path, Path]] = {}

    def copy(case: str, into: Path) -> Path:
        if case not in made:
            folder = tmp_path_factory.mktemp("case")
            made[case] = folder, CASES[case].build(base, folder).relative_to(folder)
        folder, relative = made[case]
        shutil.copytree(folder, into)
        return into / relative
    return copy


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", CASES)
def test_every_command_on_every_bad_ledger(built, tmp_path, capsys, case, command):
    spec = CASES[case]
    work = tmp_path / "乡镇"
    path = built(case, work)
    out = tmp_path / "结果" / ("月报.xlsx" if command == "summary" else "公示.xlsx")
    out.parent.mkdir()
    before = snapshot(work)
    code = main(argv(command, path, out))
    captured = capsys.readouterr()
    run = Run(code, captured.out, captured.err)
    print(f"[{case} / {command}] exit {code}\n{run.text}")
    assert "内部出错" not in run.text and "Traceback" not in run.text, run.text
    codes, reads = expected(spec.kind, command)
    assert run.code in codes, (codes, run.text)
    refused = run.code == 2
    if refused:
        assert run.err.startswith("错误："), run.err
    if reads:
        for part in spec.says:
            assert part in run.text, (part, run.text)
    for part in dict(spec.also).get(command, ()):
        assert part in run.text, (part, run.text)
    if refused or command in ("check", "summary", "notice"):
        assert snapshot(work) == before       # input byte-for-byte unchanged, and no backup beside it
    if refused:
        assert not out.exists() and not list(out.parent.iterdir())
        assert not list(work.rglob("*.bak-*"))


@pytest.mark.parametrize("case", [c for c, spec in CASES.items() if spec.kind == TOLERATED or c == "merged cells"])
def test_fill_writes_under_its_own_header(built, tmp_path, capsys, case):
    """Every value typed before fill is still under its own header afterwards; what fill adds goes under 户编号 and
    建议帮扶措施 only — with columns moved too (姓名 and 户编号 swapped: 罗小花's 户编号 goes into column E)."""
    path = built(case, tmp_path / "乡镇")
    before = typed_by_header(path)
    # merged cells: done, with the cells it could not write said (1)
    assert main(["fill", str(path)]) == (1 if case == "merged cells" else 0)
    run = capsys.readouterr()
    assert "内部出错" not in run.out + run.err, run.err
    after = typed_by_header(path)
    assert {k: v for k, v in after.items() if k in before} == before
    added = {k for k in after if k not in before}
    assert {header for _row, header in added} <= {HID, BY_KEY["suggested_measures"].header}, added
    if case == "moved columns":
        assert after[(MEMBER, HID)] == "QY-001" and after[(MEMBER, "姓名")] == "罗小花"
        ws = openpyxl.load_workbook(path)[SHEET]
        assert ws.cell(MEMBER, col("name")).value == "QY-001"     # column E: 户编号 since the swap
    if case == "merged cells":
        assert (MEMBER, HID) not in after and "合并单元格" in run.out
    assert list(path.parent.glob("*.bak-*"))    # the previous file kept
