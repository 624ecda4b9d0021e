"""`hx-excel import EXPORT --into LEDGER` (issue 20, point 4): next month's export merged into a filled ledger.

The ledger is made from this month's export (tests/test_national_export.py's two households), the clerk types into
it, and next month's export adds a member to household A, a new household C, changes B's per-head income and no
longer lists B's daughter. Every expected row and value below is worked by hand from those rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from hx_excel.cli import main
from hx_excel.core.id_number import make_valid
from hx_excel.districts import DistrictSettings, default_townships
from hx_excel.ledger.reader import read_ledger
from hx_excel.ledger.schema import FIRST_DATA_ROW, SHEET, column_index
from hx_excel.operations.generate import generate
from hx_excel.operations.sync import IMPORT_SHEET, import_into
from hx_excel.policy import default_policy
from test_national_export import A_HID, B_HID, HEADERS, ROWS, export, row

C_HID = "52011100000000000103"
GRANDSON_A = make_valid("520111", date(2021, 1, 1), 21)
HEAD_C = make_valid("520111", date(1950, 8, 8), 23)
NAME, HID, INCOME, FOOD, NOTE = (column_index(k) for k in ("name", "household_id", "annual_net_income",
                                                            "food_clothing_secured", "note"))


@pytest.fixture
def settings():
    return DistrictSettings(townships=[t for t in default_townships() if t.name == "青岩镇"], rows=20)


@pytest.fixture
def ledger(tmp_path, settings) -> Path:
    """This month's ledger, made from this month's export, then typed into by the clerk."""
    run = generate(settings, default_policy(), tmp_path / "out", roster=export(tmp_path / "七月.xlsx"))
    path = next(w.path for w in run.workbooks if not w.refused)
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    assert [ws.cell(r, NAME).value for r in range(FIRST_DATA_ROW, FIRST_DATA_ROW + 6)] == \
        ["张大", "张小", "李老", "王妻", "李女", None]
    ws.cell(FIRST_DATA_ROW, FOOD).value = "是"                       # A's head: 吃穿有保障, typed by the clerk
    ws.cell(FIRST_DATA_ROW + 2, NOTE).value = "7月已走访"              # B's head: a note
    wb.save(path)
    return path


def next_month(tmp_path: Path) -> Path:
    rows = [r[:] for r in ROWS[:4]]                                    # B's daughter no longer listed
    for values in rows[2:4]:
        values[HEADERS.index("人均纯收入")] = 18000                     # B: 20,000 → 18,000 a head (× 4 = 72,000)
    rows.insert(2, row(9, A_HID, "张孙", GRANDSON_A, 3, "之孙子", "学龄前儿童", 0, 5000, "一般户", "边缘易致贫户",
                       house="是", risk_date="2022/5/3"))
    rows.append(row(10, C_HID, "赵独", HEAD_C, 1, "户主", "非在校生", 0, 3000, "脱贫户", None))
    return export(tmp_path / "八月.xlsx", rows)


def cells(path: Path, column: int, count: int = 7) -> list:
    ws = openpyxl.load_workbook(path)[SHEET]
    return [ws.cell(r, column).value for r in range(FIRST_DATA_ROW, FIRST_DATA_ROW + count)]


def test_next_months_export_is_merged_in(tmp_path, ledger, settings):
    result = import_into(next_month(tmp_path), ledger, default_policy(), settings=settings)
    assert result.edited.saved and result.edited.backup is not None
    # A's grandson under A (row 6); B moved down one row, with the clerk's note; C at the end
    assert cells(ledger, NAME) == ["张大", "张小", "张孙", "李老", "王妻", "李女", "赵独"]
    assert cells(ledger, HID) == [A_HID, A_HID, A_HID, B_HID, B_HID, B_HID, C_HID]
    assert cells(ledger, NOTE) == [None, None, None, "7月已走访", None, None, None]
    assert cells(ledger, FOOD)[0] == "是", "the clerk's typed value stays"
    # B's income differs (ledger 80,000, export 72,000): kept, and said with both values
    assert cells(ledger, INCOME) == [10000, None, None, 80000, None, None, 3000]
    assert result.differences == ["台账第 7 行“家庭年纯收入（元）”为“80000”，名单第 7 行为“72000”：保留台账的值（以名单为准请加 --update）"]
    daughter = ROWS[4][HEADERS.index("证件号码")]
    assert result.absent == [f"台账第 9 行 李女（身份证号 {daughter[:6]}********{daughter[-4:]}，户编号“{B_HID}”）"]
    record = list(openpyxl.load_workbook(ledger)[IMPORT_SHEET].iter_rows(values_only=True))
    assert record[0] == ("导入时间", "名单文件", "名单行", "台账行", "列", "原来的值", "导入的值", "说明")
    assert [(r[1], r[2], r[3], r[4], r[7]) for r in record[1:]] == [
        ("八月.xlsx", 6, 6, "（整行）", "新增成员"), ("八月.xlsx", 9, 10, "（整行）", "新增户")]
    sheet = openpyxl.load_workbook(ledger)[IMPORT_SHEET]          # filed on paper: A4, one page wide, header repeated
    assert (sheet.page_setup.paperSize, sheet.page_setup.orientation, sheet.page_setup.fitToWidth) == (9, "landscape", 1)
    assert sheet.print_title_rows == "$1:$1" and sheet["A1"].font.b and sheet["F2"].alignment.wrap_text
    # C's income written on its head with the working as its comment; the new ledger reads as three households
    ws = openpyxl.load_workbook(ledger)[SHEET]
    assert ws.cell(FIRST_DATA_ROW + 6, INCOME).comment.text == "由国家系统导出的人均纯收入 3,000 元 × 人数 1 折算"
    read = read_ledger(ledger, default_policy())
    sizes = {e.household.household_id: len(e.household.members) for e in read.households}
    assert sizes == {A_HID: 3, B_HID: 3, C_HID: 1}

    # the same export again changes nothing
    before = ledger.read_bytes()
    again = import_into(next_month(tmp_path), ledger, default_policy(), settings=settings)
    assert not again.edited.saved and ledger.read_bytes() == before


def test_update_takes_the_exports_value_and_records_the_old(tmp_path, ledger, settings):
    result = import_into(next_month(tmp_path), ledger, default_policy(), settings=settings, update=True)
    assert not result.differences
    assert cells(ledger, INCOME)[3] == 72000
    record = list(openpyxl.load_workbook(ledger)[IMPORT_SHEET].iter_rows(values_only=True))
    assert ("八月.xlsx", 7, 7, "家庭年纯收入（元）", "80000", "72000", "以名单为准改写（--update）") in \
        [r[1:] for r in record]


def test_the_command_line(tmp_path, ledger, capsys):
    source = next_month(tmp_path)
    before = source.read_bytes()
    assert main(["import", str(source), "--into", str(ledger)]) == 1      # differences and an absent person to see
    out = capsys.readouterr().out
    assert f"已把 八月.xlsx 中青岩镇的名单导入 {ledger}" in out and "逐条记在“导入记录”表" in out
    assert "名单与台账不同、保留了台账的值（1 处）" in out and "台账中有、名单中没有的人（未删除，请核实）（1 处）" in out
    assert source.read_bytes() == before
    lock = ledger.with_name(f"~${ledger.name}")
    lock.write_bytes(b"\x00" * 165)
    assert main(["import", str(source), "--into", str(ledger)]) == 2
    assert "没有改动该文件" in capsys.readouterr().err


def test_a_ledger_without_rows_enough_is_extended_first(tmp_path, settings):
    """Five persons in a ledger of six prepared rows; next month lists seven: the ledger is extended, then merged."""
    from hx_excel.ledger.template import build_workbook
    from hx_excel.roster import read_roster
    from hx_excel.roster.into_ledger import write_households
    policy = default_policy()
    roster = read_roster(export(tmp_path / "七月.xlsx"), settings, policy)
    wb = build_workbook(policy, township="青岩镇", year=2022, rows=6)
    write_households(wb[SHEET], roster.households, policy, None, 2022)
    path = tmp_path / "青岩镇.xlsx"
    wb.save(path)
    result = import_into(next_month(tmp_path), path, policy, settings=settings)
    assert result.extended_to and result.extended_to >= 7
    assert cells(path, NAME) == ["张大", "张小", "张孙", "李老", "王妻", "李女", "赵独"]
    assert len(list(tmp_path.glob("青岩镇.bak-*.xlsx"))) == 2, "a backup before the extension and one before the import"


def test_a_row_moves_whole_with_the_clerks_own_column_formats_and_comments(tmp_path, ledger, settings):
    """From a hostile probe: moving B down for A's new member must carry everything on B's rows — a column of the
    clerk's own, a value typed over a computed cell, a fill, a hidden row, a comment on an empty cell — and leave a
    footer typed below the prepared rows where it is, with no extension."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill
    wb = openpyxl.load_workbook(ledger)
    ws = wb[SHEET]
    own = ws.max_column + 2
    ws.cell(FIRST_DATA_ROW + 2, own).value = "李老的电话"                 # B's head, row 6
    ws.cell(FIRST_DATA_ROW + 3, column_index("grade")).value = "红"      # typed over 王妻's computed grade
    ws.cell(FIRST_DATA_ROW + 2, NAME).fill = PatternFill("solid", fgColor="FFFF00")
    ws.row_dimensions[FIRST_DATA_ROW + 4].hidden = True                  # 李女's row
    ws.cell(FIRST_DATA_ROW + 3, NOTE).comment = Comment("记得回访", "李梅")
    footer = next(r for r in range(ws.max_row, 0, -1) if ws.cell(r, column_index("seq")).data_type == "f") + 3
    ws.cell(footer, NOTE).value = "制表：李梅"
    wb.save(ledger)
    result = import_into(next_month(tmp_path), ledger, default_policy(), settings=settings)
    assert result.extended_to is None
    ws = openpyxl.load_workbook(ledger)[SHEET]
    b = FIRST_DATA_ROW + 3                                                 # B's head, one row down
    assert ws.cell(b, NAME).value == "李老" and ws.cell(b, own).value == "李老的电话"
    assert ws.cell(b, NAME).fill.fgColor.rgb == "00FFFF00" and ws.cell(FIRST_DATA_ROW + 2, NAME).fill.fill_type is None
    assert ws.cell(b + 1, column_index("grade")).value == "红" and ws.cell(b + 1, NOTE).comment.text == "记得回访"
    assert ws.row_dimensions[b + 2].hidden and not ws.row_dimensions[b + 1].hidden
    assert ws.cell(footer, NOTE).value == "制表：李梅"
    assert ws.cell(FIRST_DATA_ROW + 2, own).value is None and ws.cell(FIRST_DATA_ROW + 2, NAME).value == "张孙"


def test_ids_written_another_way_and_household_numbers_are_never_rewritten(tmp_path, ledger, settings):
    """A lower-case x or spaces are the same number (no difference, nothing written, even with --update); a person
    whose 户编号 changed is reported, never moved or rewritten; a person without a usable ID is found by 户编号 and name,
    so a second run writes nothing."""
    rows = [r[:] for r in ROWS]
    column = HEADERS.index("证件号码")
    rows[0][column] = " " + rows[0][column][:9] + " " + rows[0][column][9:]
    rows[1][column] = None                                               # 张小 without an ID this month
    rows[3][HEADERS.index("户编号")] = C_HID                              # 王妻 listed under another household
    source = export(tmp_path / "八月.xlsx", rows)
    result = import_into(source, ledger, default_policy(), settings=settings, update=True)
    assert cells(ledger, NAME, 6) == ["张大", "张小", "李老", "王妻", "李女", None], "nobody inserted twice"
    assert cells(ledger, HID, 5) == [A_HID, A_HID, B_HID, B_HID, B_HID]
    assert any("王妻 的户编号为" in line and "本工具不改户编号" in line for line in result.differences)
    before = ledger.read_bytes()
    assert not import_into(source, ledger, default_policy(), settings=settings, update=True).edited.saved
    assert ledger.read_bytes() == before


def test_an_export_without_the_ledgers_township_is_said_as_such(tmp_path, ledger, settings, capsys):
    rows = [r[:] for r in ROWS]
    for values in rows:
        values[HEADERS.index("乡(镇)")] = "石板镇"
    both = DistrictSettings(townships=[t for t in default_townships() if t.name in ("青岩镇", "石板镇")], rows=20)
    before = ledger.read_bytes()
    with pytest.raises(Exception, match="八月.xlsx 中没有青岩镇的户（名单中的户属于：石板镇），没有改动该文件"):
        import_into(export(tmp_path / "八月.xlsx", rows), ledger, default_policy(), settings=both)
    assert ledger.read_bytes() == before


def test_a_person_whose_id_shows_an_error_value_is_neither_matched_nor_added(tmp_path, ledger, settings):
    """Next month's export with #REF! in 张小's 证件号码: whom the row means is unknown, so it is not matched by
    name, not added as a second 张小 and not reported as missing; the row is said, and nothing else changes."""
    path = export(tmp_path / "八月.xlsx")
    wb = openpyxl.load_workbook(path)
    cell = wb.active.cell(5, HEADERS.index("证件号码") + 1)           # 张小 (title rows 1–2, header 3)
    cell.value, cell.data_type = "#REF!", "e"
    wb.save(path)
    before = ledger.read_bytes()
    result = import_into(path, ledger, default_policy(), settings=settings)
    assert cells(ledger, NAME, 6) == ["张大", "张小", "李老", "王妻", "李女", None]
    assert not result.edited.saved and ledger.read_bytes() == before
    assert "名单第 5 行 张小 的身份证号无法读取（见名单的问题），本行未导入；请在名单中改正后重新导入" in result.differences
    assert not result.absent
