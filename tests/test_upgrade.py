"""Layout versions and `hx-excel upgrade` (issue 20, point 5), on ledgers made by earlier layouts of this repository
(tests/fixtures/layouts/, each written by the named commit's own code): recognised, read by check and summary with a
note, refused by extend with the way out, upgraded with every typed cell carried across by header — the expected cells
are read from the old files themselves, by header, never from the code under test. A ledger of a later layout is
refused everywhere."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from hx_excel.cli import main
from hx_excel.ledger.book import read_book
from hx_excel.ledger.reader import read_ledger
from hx_excel.ledger.schema import COLUMNS, LAYOUT_VERSION, SHEET
from hx_excel.ledger.template import COMPUTED_PARAMS, PARAM_ROWS, PARAMS, build_workbook
from hx_excel.office.libreoffice import recalculate
from hx_excel.operations.upgrade import UpgradeError, upgrade_ledger
from hx_excel.policy import default_policy
from hx_excel.core.workflow import plan

FIXTURES = Path(__file__).parent / "fixtures" / "layouts"
EARLIER = sorted(FIXTURES.glob("layout0-*.xlsx"))
TYPED_HEADERS = {c.header for c in COLUMNS if c.kind in ("input", "filled")}
TYPED_LABELS = {label for name, label, _ in PARAM_ROWS if name not in COMPUTED_PARAMS}


def typed_cells(path: Path) -> dict[tuple[int, str], object]:
    """Every typed cell of 台账 by (row counted from the header, header): the header row found by 户编号."""
    ws = openpyxl.load_workbook(path)[SHEET]
    header_row = next(r for r in range(1, 10) if "户编号" in [c.value for c in ws[r]])
    headers = {c.column: c.value for c in ws[header_row] if c.value in TYPED_HEADERS}
    found = {}
    for row in ws.iter_rows(min_row=header_row + 1):
        for cell in row:
            if cell.column in headers and cell.value is not None:
                value = cell.value.date() if isinstance(cell.value, datetime) else cell.value
                found[(cell.row - header_row, headers[cell.column])] = (value, cell.data_type)
    return found


def settings_cells(path: Path) -> dict[str, object]:
    """参数's typed settings by label, its village list and its income lines."""
    ws = openpyxl.load_workbook(path)[PARAMS]
    found = {row[0].value: row[1].value for row in ws.iter_rows(max_col=2) if row[0].value in TYPED_LABELS}
    villages = next((c.column, c.row) for row in ws.iter_rows(max_row=5) for c in row if c.value == "村（居）名单")
    found["村名单"] = [ws.cell(villages[1] + i, villages[0]).value for i in range(1, 41)]
    title = next(c.row for c in ws["A"] if isinstance(c.value, str) and c.value.endswith("年人均纯收入标准线（元）"))
    found["标准线"] = [(ws.cell(r, 1).value, ws.cell(r, 2).value) for r in range(title + 1, title + 6)
                    if ws.cell(r, 1).value is not None]
    return found


def test_the_fixtures_are_earlier_layouts():
    assert len(EARLIER) >= 2
    widths = set()
    for path in EARLIER:
        book = read_book(path)
        assert book.settings.layout == 0
        widths.add(openpyxl.load_workbook(path)[SHEET].max_column)
    assert len(widths) == len(EARLIER), "each fixture's own layout, not the same file thrice"


@pytest.mark.parametrize("fixture", EARLIER, ids=lambda p: p.stem)
def test_check_and_summary_read_an_earlier_layout_and_say_so(fixture, tmp_path, capsys):
    path = tmp_path / fixture.name
    shutil.copy(fixture, path)
    assert main(["check", str(path)]) != 2
    out = capsys.readouterr().out
    assert f"{path.name} 是较早版式生成的台账（没有版式标记，是加标记之前的版式），已按表头读取" in out
    assert f"运行 hx-excel upgrade {path.name} 可升级到当前版式（第 {LAYOUT_VERSION} 版）" in out
    assert main(["summary", str(path), "--month", "2022-07", "-o", str(tmp_path / "月报.xlsx")]) != 2
    assert "是较早版式生成的台账" in capsys.readouterr().out
    before = path.read_bytes()
    assert main(["extend", str(path), "--rows", "200"]) == 2
    assert f"请先运行 hx-excel upgrade {path.name}，再扩充行数" in capsys.readouterr().err
    assert path.read_bytes() == before


@pytest.mark.parametrize("fixture", EARLIER, ids=lambda p: p.stem)
def test_every_typed_cell_survives_the_upgrade(fixture, tmp_path, capsys):
    path = tmp_path / fixture.name
    shutil.copy(fixture, path)
    # what a clerk adds over the years: the sign-off, a village, a sheet of her own, a column of her own
    wb = openpyxl.load_workbook(path)
    params = wb[PARAMS]
    label_row = {row[0].value: row[0].row for row in params.iter_rows(max_col=1)}
    for label, value in (("填报人", "李梅"), ("联系电话", "0851-83851234"), ("评估日期", datetime(2022, 7, 20))):
        if label in label_row:        # the earliest layout had no sign-off rows
            params.cell(label_row[label], 2).value = value
    villages = next(c for row in params.iter_rows(max_row=5) for c in row if c.value == "村（居）名单")
    params.cell(villages.row + 2, villages.column).value = "新楼村"
    wb.create_sheet("我的笔记")["A1"] = "七月走访安排"
    ws = wb[SHEET]
    own = ws.max_column + 2
    ws.cell(6, own).value = "电话已核"
    wb.save(path)
    before_bytes = path.read_bytes()
    cells, settings = typed_cells(path), settings_cells(path)
    assert len(cells) > 400 and settings["评估日期"] == datetime(2022, 7, 20) and "新楼村" in settings["村名单"]

    assert main(["upgrade", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"从加版式标记之前的版式升级到当前版式（第 {LAYOUT_VERSION} 版）：按表头搬过" in out
    assert f"“台账”表 {openpyxl.utils.get_column_letter(own)} 列：1 格内容（不是台账的列，新版式没有它的位置）" in out
    backup = next(tmp_path.glob(f"{path.stem}.bak-*.xlsx"))
    assert backup.read_bytes() == before_bytes, "the previous file kept as it was"

    assert typed_cells(path) == cells
    after = settings_cells(path)
    assert {label: after[label] for label in settings} == settings    # the sign-off rows are new to the earliest
    upgraded = openpyxl.load_workbook(path)
    assert upgraded["我的笔记"]["A1"].value == "七月走访安排"
    for own_sheet in ("待办", "月度研判记录"):
        if own_sheet in openpyxl.load_workbook(fixture).sheetnames:
            old_rows = list(openpyxl.load_workbook(fixture)[own_sheet].iter_rows(values_only=True))
            assert list(upgraded[own_sheet].iter_rows(values_only=True)) == old_rows
    book = read_book(path)
    assert book.settings.layout == LAYOUT_VERSION and not any("较早版式" in n for n in book.notes)
    assert main(["upgrade", str(path)]) == 2
    assert f"已是当前版式（第 {LAYOUT_VERSION} 版），不用升级" in capsys.readouterr().err


def test_the_upgraded_ledger_computes_as_the_core(tmp_path):
    """The old formulas are gone: the upgraded workbook, recalculated by LibreOffice, grades each household as the
    core does on the same typed facts."""
    policy = default_policy()
    path = tmp_path / EARLIER[0].name
    shutil.copy(EARLIER[0], path)
    upgrade_ledger(path, policy)
    [out] = recalculate([path], tmp_path / "recalculated")
    ws = openpyxl.load_workbook(out, data_only=True)[SHEET]
    read = read_ledger(path, policy)
    as_of = read_book(path).settings.as_of
    assert read.households
    for entry in read.households:
        expected = plan(entry.household, policy, as_of).assessment.grade
        assert ws.cell(entry.head_row, 10).value == expected, entry.household.household_id


def test_a_later_layout_is_refused_everywhere(tmp_path, capsys):
    path = tmp_path / "台账.xlsx"
    wb = build_workbook(default_policy(), township="青岩镇", rows=10)
    params = wb[PARAMS]
    layout_row = next(row[0].row for row in params.iter_rows(max_col=1) if row[0].value == "台账版式")
    assert params.cell(layout_row, 2).value == LAYOUT_VERSION
    params.cell(layout_row, 2).value = LAYOUT_VERSION + 1
    wb.save(path)
    before = path.read_bytes()
    for command in (["check", str(path)], ["fill", str(path)], ["summary", str(path), "--month", "2022-07", "-o", str(tmp_path / "月报.xlsx")],
                    ["upgrade", str(path)], ["extend", str(path), "--rows", "50"]):
        assert main(command) == 2, command
        run = capsys.readouterr()
        said = run.out + run.err          # check and summary list a file they cannot read, then end in an error
        assert f"第 {LAYOUT_VERSION + 1} 版" in said and "升级 hx-excel" in said, (command, said)
    assert path.read_bytes() == before
    with pytest.raises(UpgradeError, match="不能降级"):
        upgrade_ledger(path, default_policy())
