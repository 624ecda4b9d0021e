"""`hx-excel check` (operations/check.py), pinned where the mutation run of issue 17 point 9 found it loose: where each
finding is put (row, column), a grade the file shows against the core's, formulas typed over or a row inserted by
hand, rows below the prepared rows, households split or too long, several files and folders at once, and the order
of the findings. Real ledger files, read through `check_files` and the command line; expected values by hand.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from conftest import AS_OF, household, person
from hx_excel.cli import main
from hx_excel.files.save import save_workbook
from hx_excel.ledger.formulas import HOUSEHOLD_ROWS
from hx_excel.ledger.schema import FIRST_DATA_ROW, SHEET, column_index, column_letter
from hx_excel.ledger.template import build_workbook
from hx_excel.ledger.writer import RowWriter
from hx_excel.operations.check import check_files

R = FIRST_DATA_ROW


def write(path: Path, policy, households, *, rows: int = 40, start: int = FIRST_DATA_ROW) -> Path:
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=rows)
    RowWriter(wb[SHEET]).write(households, start)
    save_workbook(wb, path)
    return path


def edit(path: Path, changes: dict[tuple[int, int], object]) -> None:
    wb = openpyxl.load_workbook(path)
    for (row, column), value in changes.items():
        wb[SHEET].cell(row, column).value = value
    wb.save(path)


def found(path: Path, policy) -> dict[tuple[int, str], list[str]]:
    """(row, column) → the messages found there."""
    out: dict[tuple[int, str], list[str]] = {}
    for f in check_files([path], policy).findings:
        out.setdefault((f.row, f.column), []).append(f.message)
    return out


def red(name: str, hid: str, **facts):
    """R1: one person, 3,000 yuan a year, below the line of 6,700."""
    return household([person(name)], household_id=hid, village="龙井村", annual_net_income=3_000, **facts)


def fine(name: str, hid: str, **facts):
    return household([person(name)], household_id=hid, village="龙井村", **facts)


# ---- where a finding stands ---------------------------------------------------------------------------------------

def test_each_finding_stands_on_its_row_and_its_column(tmp_path, policy):
    """Household A (rows 4–6): the second member's ID number fails its checksum (on that member's row, 身份证号), the
    third is a 配偶 whose ID number says the head's sex (on that row, 身份证号, the number it was read from), and his
    健康状况 is off its list (the reader's finding, on his row). B (row 7) has its income blank: 待补充, on the head row under 预警分级. C (row 8) entered 07-01:
    its contact's date was typed so that it cannot be read (“7月3日”: said as unreadable, not as undone) and it has no
    measure — both D3 steps were due 07-11, so on 07-15 the measures are overdue too. Every message names the 户编号."""
    a = household([person("甲"), person("乙", "之子", born=date(2001, 1, 1)),
                   person("丙", "配偶", born=date(1982, 1, 1))], household_id="A", village="龙井村")
    path = write(tmp_path / "青岩镇.xlsx", policy, [
        a, fine("丁", "B", annual_net_income=None),
        red("戊", "C", entered_on=date(2022, 7, 1))])
    bad = a.members[1].id_number[:17] + ("0" if a.members[1].id_number[17] != "0" else "1")
    edit(path, {(R + 1, column_index("id_number")): bad, (R + 2, column_index("health")): "很好",
                (R + 4, column_index("contact_assigned_on")): "7月3日"})
    at = found(path, policy)
    assert any(m.startswith("户编号“A”：") and "校验码" in m for m in at[(R + 1, "身份证号")])
    assert any(m.startswith("户编号“A”：丙 与户主关系为“配偶”") for m in at[(R + 2, "身份证号")])
    assert any("很好" in m for messages in (v for (row, _), v in at.items() if row == R + 2) for m in messages)
    assert any(m.startswith("户编号“B”：待补充") for m in at[(R + 3, "预警分级")])
    contact = [m for m in at[(R + 4, "确定联系人日期")] if m.startswith("户编号")]       # the reader's own besides
    assert len(contact) == 1 and "无法识别为日期" in contact[0] and "已逾期" not in contact[0]
    assert any("已逾期" in m for m in at[(R + 4, "措施明确日期")])
    assert (R, "身份证号") not in at and (R, "与户主关系") not in at


def test_a_second_head_does_not_hide_the_households_other_findings(tmp_path, policy):
    """Two 户主 in one household (the reader names them), a member's ID number with a wrong checksum, and a 之女 whose
    ID number says male: both still found."""
    a = household([person("甲"), person("乙", "之子", born=date(2001, 1, 1)),
                   person("丙", "户主", born=date(1982, 1, 1), sex="女"),
                   person("丁", "之女", born=date(2005, 1, 1), sex="男")], household_id="A", village="龙井村")
    path = write(tmp_path / "青岩镇.xlsx", policy, [a])
    bad = a.members[1].id_number[:17] + ("0" if a.members[1].id_number[17] != "0" else "1")
    edit(path, {(R + 1, column_index("id_number")): bad})
    at = found(path, policy)
    assert any("有 2 名户主" in m for m in at[(R + 2, "与户主关系")])
    assert any(m.startswith("户编号“A”：乙 的身份证号有误") for m in at[(R + 1, "身份证号")])
    assert any(m.startswith("户编号“A”：丁 与户主关系为“之女”，但身份证号显示性别为男") for m in at[(R + 3, "身份证号")])


def test_a_required_member_fact_is_found_past_an_empty_row(tmp_path, policy):
    """A on row 4, row 5 left empty (its formulas computed, as a spreadsheet saves them), B on row 6 with its 劳动技能
    blank: found on row 6."""
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=40)
    RowWriter(wb[SHEET]).write([fine("甲", "A")])
    RowWriter(wb[SHEET]).write([fine("乙", "B")], R + 2)
    wb[SHEET].cell(R + 2, column_index("labour")).value = None
    path = tmp_path / "青岩镇.xlsx"
    save_workbook(wb, path)
    _cache(path, R + 1, "s_person", 0)
    at = found(path, policy)
    assert any("劳动技能未填" in m for m in at[(R + 2, "劳动技能")])


# ---- a grade the file shows ---------------------------------------------------------------------------------------

def _cache(path: Path, row: int, key: str, value: object) -> None:
    """Give the formula of column `key` on `row` the value a spreadsheet would have cached, keeping the formula."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    workbook = parts["xl/workbook.xml"].decode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    rid = re.search(rf'<sheet [^>]*name="{SHEET}"[^>]*r:id="([^"]+)"', workbook).group(1)
    target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) \
        or re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
    part = "xl/" + target.group(1).lstrip("/").removeprefix("xl/")
    xml = parts[part].decode()
    ref = f"{column_letter(key)}{row}"
    cell = re.compile(rf'<c r="{ref}"([^>]*?)(?: t="\w+")?>(<f[^>]*/>|<f[^>]*>[^<]*</f>)(?:<v>[^<]*</v>|<v/>)?</c>')
    kind = ' t="str"' if isinstance(value, str) else ""
    xml, changed = cell.subn(rf'<c r="{ref}"\1{kind}>\2<v>{value}</v></c>', xml)
    assert changed == 1
    parts[part] = xml.encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    path.write_bytes(buffer.getvalue())


def test_a_grade_the_file_shows_is_held_against_the_core(tmp_path, policy):
    """A is red (R1) but the file shows 绿 (not recalculated): found. B is green (G3) and shows 绿: nothing."""
    path = write(tmp_path / "青岩镇.xlsx", policy, [red("甲", "A"), fine("乙", "B", subsidies_undelivered=True)])
    _cache(path, R, "grade", "绿")
    _cache(path, R + 1, "grade", "绿")
    at = found(path, policy)
    assert any("表中“预警分级”为“绿”，按文件规则应为“红”" in m for m in at[(R, "预警分级")])
    assert (R + 1, "预警分级") not in at


# ---- formulas typed over, a row inserted by hand, rows below the prepared ones ------------------------------------

def test_formulas_gone_and_a_row_inserted_by_hand(tmp_path, policy, capsys):
    """Row 4 (A) has every formula cleared, as a row inserted by hand and typed into: “本行没有公式”. Row 5 (B): 预警分级
    typed over with 绿. Row 6 (C): 监测预警因素, 预警分级 and 成立条款 typed over — the message names what stands in the
    first two. Each is found where it is, the inserted row first not hiding the others."""
    path = write(tmp_path / "青岩镇.xlsx", policy, [fine("甲", "A"), fine("乙", "B"), fine("丙", "C")])
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    for cell in ws[R]:
        if cell.data_type == "f":
            cell.value = None
    ws.cell(R + 1, column_index("grade")).value = "绿"
    for key, value in (("factors", "收入低"), ("grade", "红"), ("clauses", "R9")):
        ws.cell(R + 2, column_index(key)).value = value
    wb.save(path)
    at = found(path, policy)
    assert any(m.startswith("本行没有公式（插入的行）") for m in at[(R, "序号")])
    assert at[(R + 1, "预警分级")] == [
        "预警分级列的公式被删除或被填写覆盖（“预警分级”为“绿”）：计算列请勿填写；运行 hx-excel fill --restore-formulas 可恢复公式"
        "（原值保留在备份中）"]
    three = [m for m in at[(R + 2, "监测预警因素")] if "公式被删除" in m]
    assert len(three) == 1 and "（“监测预警因素”为“收入低”；“预警分级”为“红”）" in three[0] and "R9" not in three[0]
    assert (R + 1, "序号") not in at and (R + 2, "序号") not in at


def test_only_a_row_below_the_prepared_rows_is_said_to_be_below_them(tmp_path, policy):
    """Ten prepared rows (4–13): A typed on row 13, the last prepared one, computes; B on row 14 does not."""
    path = write(tmp_path / "青岩镇.xlsx", policy, [fine("甲", "A")], rows=10, start=R + 9)
    wb = openpyxl.load_workbook(path)
    RowWriter(wb[SHEET]).write([fine("乙", "B")], R + 10)
    wb.save(path)
    at = found(path, policy)
    assert any("在准备了公式的行以下" in m for m in at[(R + 10, "序号")])
    assert not any("在准备了公式的行以下" in m for (row, _), v in at.items() if row != R + 10 for m in v)


# ---- households split, members without 户编号, a household of the window's length ---------------------------------

def test_households_split_and_a_household_as_long_as_the_window(tmp_path, policy):
    """Rows: A head, a member typed without 户编号; B head, a member without 户编号; C head and two members (rows 8–10);
    D head (11); a C member again (12); then E with exactly HOUSEHOLD_ROWS rows from row 13. Found: C split in two
    places, “第 8–10 行、第 12 行” — nothing for the members without 户编号 (fill gives them theirs), nothing for E."""
    def members(hid, n):
        return [person(f"{hid}主")] + [person(f"{hid}员{i}", "之子") for i in range(1, n)]
    households = [household(members("A", 2), household_id="A", village="龙井村"),
                  household(members("B", 2), household_id="B", village="龙井村"),
                  household(members("C", 3), household_id="C", village="龙井村"),
                  household(members("D", 1), household_id="D", village="龙井村"),
                  household([person("C员3", "之女", sex="女")], household_id="C", village="龙井村"),
                  household(members("E", HOUSEHOLD_ROWS), household_id="E", village="龙井村")]
    path = write(tmp_path / "青岩镇.xlsx", policy, households, rows=60)
    hid = column_index("household_id")
    edit(path, {(R + 1, hid): None, (R + 3, hid): None, (R + 8, column_index("relation")): "之女"})
    messages = [f.message for f in check_files([path], policy).findings]
    split = [m for m in messages if "的行分在" in m]
    assert split == ["户编号“C”的行分在 2 处（第 8–10 行、第 12 行）：同户各行须相连，请按户编号排序"]
    assert not any("连续" in m for m in messages)


# ---- several files at once ------------------------------------------------------------------------------------------

def test_a_file_and_a_folder_checked_together(tmp_path, policy):
    """check FILE DIR: the file named and the folder's ledgers, each read once, in that order, progress counted from
    1; each ledger's notes kept (a column each added by the clerk); a file in the folder that is not a workbook is a
    finding of its own with no row."""
    first = write(tmp_path / "青岩镇.xlsx", policy, [fine("甲", "A")])
    folder = tmp_path / "其他"
    folder.mkdir()
    second = write(folder / "石板镇.xlsx", policy, [fine("乙", "B")])
    for path in (first, second):
        wb = openpyxl.load_workbook(path)
        wb[SHEET].cell(3, wb[SHEET].max_column + 1).value = "走访备注"
        wb.save(path)
    (folder / "备忘.xlsx").write_bytes(b"not a workbook")
    seen = []
    result = check_files([first, folder], policy, progress=lambda done, total, name: seen.append((done, total, name)))
    assert result.files == ["青岩镇.xlsx", "备忘.xlsx", "石板镇.xlsx"]
    assert result.read == ["青岩镇.xlsx", "石板镇.xlsx"]
    assert seen == [(1, 3, "青岩镇.xlsx"), (2, 3, "备忘.xlsx"), (3, 3, "石板镇.xlsx")]
    assert [n.split("：")[0] for n in result.notes] == ["青岩镇.xlsx", "石板镇.xlsx"]
    unread = [f for f in result.findings if f.file == "备忘.xlsx"]
    assert len(unread) == 1 and unread[0].row == 0


def test_file_level_findings_have_no_row_in_the_report(tmp_path, policy, capsys):
    """A ledger whose computed columns hold no formulas (an export) gets one 提示 about the whole sheet: the -o report
    leaves its 行 empty."""
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=10)
    RowWriter(wb[SHEET]).write([fine("甲", "A")])
    for line in wb[SHEET].iter_rows(min_row=FIRST_DATA_ROW):
        for cell in line:
            if cell.data_type == "f":
                cell.value = None
    path = tmp_path / "导出.xlsx"
    save_workbook(wb, path)
    report = tmp_path / "问题.xlsx"
    assert main(["check", str(path), "-o", str(report)]) == 0
    rows = [r for r in openpyxl.load_workbook(report)["检查结果"].iter_rows(min_row=3, values_only=True) if r[0]]
    hint = [r for r in rows if "计算列没有公式" in r[6]]
    assert len(hint) == 1 and hint[0][2] is None and hint[0][4] == "提示"


def test_on_one_row_the_errors_come_before_the_hints(tmp_path, policy):
    """A yellow household (Y1: 7,000 for one, 就医 1,000 → 6,000 < L) whose member can work but has no job gets the
    五(二) employment 提示; its clue of 07-01 not checked by 07-08 is an 错误 (D1). On the head row the error comes
    first."""
    path = write(tmp_path / "青岩镇.xlsx", policy, [household(
        [person("甲", employed=False)], household_id="Y", village="龙井村", annual_net_income=7_000,
        rigid_spending_medical=1_000, clue_on=date(2022, 7, 1))])
    on_head = [f for f in check_files([path], policy).findings if f.row == R]
    severities = [f.severity for f in on_head]
    assert "提示" in severities and "错误" in severities
    assert severities == sorted(severities, key=lambda s: s != "错误")


def test_a_finding_cannot_be_changed_after_the_fact(tmp_path, policy):
    path = write(tmp_path / "青岩镇.xlsx", policy, [fine("甲", "A", annual_net_income=None)])
    finding = check_files([path], policy).findings[0]
    with pytest.raises(Exception):
        finding.message = "改过了"
