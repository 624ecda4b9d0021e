"""`hx-excel fill`: 户编号 for member rows, suggested measures (五), the 待办 sheet, values for a workbook without
formulas, overwritten formulas reported and restored — on real files, read back, recalculated by LibreOffice."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from conftest import AS_OF, household, person
from hx_excel.cli import main
from hx_excel.files.save import save_workbook
from hx_excel.ledger.schema import BY_KEY, FIRST_DATA_ROW, SHEET, column_index
from hx_excel.ledger.template import build_workbook, cell_formula
from hx_excel.ledger.writer import RowWriter
from hx_excel.office.libreoffice import find_soffice, recalculate
from hx_excel.operations.fill import TODO_SHEET

HID, GRADE, NAME = column_index("household_id"), column_index("grade"), column_index("name")
SUGGESTED = column_index("suggested_measures")


def households():
    # R1: 2 persons, 10,000 yuan a year = 5,000 per head, below the 2022 line of 6,700 (贵州) → red
    poor = household([person("罗大山"), person("罗小花", "之女", born=date(2010, 3, 3), sex="女")],
                     household_id="QY-001", village="龙井村", annual_net_income=10_000)
    # nothing holds → 无; a clue collected 2022-07-01 with no household check: D1 due 2022-07-08, overdue on 07-15
    fine = household([person("杨平"), person("杨安", "之子")], household_id="QY-002", village="龙井村",
                     clue_channel="基层干部排查", clue_on=date(2022, 7, 1))
    return [poor, fine]


@pytest.fixture
def ledger(tmp_path, policy) -> Path:
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=40)
    RowWriter(wb[SHEET]).write(households())
    for row in (FIRST_DATA_ROW + 1, FIRST_DATA_ROW + 3):      # the members typed without their 户编号
        wb[SHEET].cell(row, HID).value = None
    path = tmp_path / "青岩镇.xlsx"
    save_workbook(wb, path)
    return path


def typed_cells(path: Path) -> dict:
    from hx_excel.ledger.schema import INPUT_INDEXES
    ws = openpyxl.load_workbook(path)[SHEET]
    return {(c.row, c.column): c.value for row in ws.iter_rows(min_row=FIRST_DATA_ROW) for c in row
            if c.column in INPUT_INDEXES and c.value is not None}


def test_fill_writes_what_the_formulas_do_not_give(ledger, capsys):
    before = typed_cells(ledger)
    assert main(["fill", str(ledger)]) == 0
    out = capsys.readouterr().out
    assert "为 2 个成员行补填了户编号" in out and "旧文件已备份为" in out
    wb = openpyxl.load_workbook(ledger)
    ws = wb[SHEET]
    assert ws.cell(FIRST_DATA_ROW + 1, HID).value == "QY-001" and ws.cell(FIRST_DATA_ROW + 3, HID).value == "QY-002"
    # 五(一) R1: 低保 cover where eligible — a suggestion in its own column, 帮扶措施 untouched
    suggestion = ws.cell(FIRST_DATA_ROW, SUGGESTED).value
    assert suggestion.startswith("R1 ") and "低保" in suggestion
    assert ws.cell(FIRST_DATA_ROW, column_index("measure_text")).value is None
    assert ws.cell(FIRST_DATA_ROW + 2, SUGGESTED).value is None           # grade 无: nothing to suggest
    # every typed cell as it was, plus the two 户编号
    after = typed_cells(ledger)
    assert {k: v for k, v in after.items() if k in before} == before
    assert set(after) - set(before) == {(FIRST_DATA_ROW + 1, HID), (FIRST_DATA_ROW + 3, HID)}
    # 待办: the overdue D1 check first (due 2022-07-08, 7 days after the clue)
    todo = wb[TODO_SHEET]
    first = [c.value for c in todo[3]]
    assert first[0] == "已逾期" and first[1].date() == date(2022, 7, 8) and first[5] == "QY-002" and first[9] == "D1"
    states = [todo.cell(r, 1).value for r in range(3, todo.max_row + 1)]
    assert states == sorted(states, key=lambda s: s != "已逾期")
    assert "QY-001" in [todo.cell(r, 6).value for r in range(3, todo.max_row + 1)]   # red: D2 steps open


def test_a_second_run_changes_nothing(ledger, capsys):
    assert main(["fill", str(ledger)]) == 0
    content = ledger.read_bytes()
    backups = set(ledger.parent.glob("*.bak-*"))
    assert main(["fill", str(ledger)]) == 0
    assert "文件未改动" in capsys.readouterr().out
    assert ledger.read_bytes() == content and set(ledger.parent.glob("*.bak-*")) == backups


def test_an_overwritten_formula_is_reported_and_restored_only_when_asked(ledger, capsys):
    wb = openpyxl.load_workbook(ledger)
    wb[SHEET].cell(FIRST_DATA_ROW, GRADE).value = "绿"          # typed over the grade of a red household
    wb.save(ledger)
    assert main(["fill", str(ledger)]) == 1          # done, with something left for the clerk
    out = capsys.readouterr().out
    assert f"第 {FIRST_DATA_ROW} 行：预警分级列的公式被删除或被填写覆盖（“预警分级”为“绿”）" in out and "--restore-formulas" in out
    assert openpyxl.load_workbook(ledger)[SHEET].cell(FIRST_DATA_ROW, GRADE).value == "绿"
    assert main(["check", str(ledger)]) == 1
    assert "预警分级列的公式被删除或被填写覆盖" in capsys.readouterr().out
    assert main(["fill", str(ledger), "--restore-formulas"]) == 0
    assert "恢复了预警分级列的公式（原填 “预警分级”为“绿”，保留在备份中）" in capsys.readouterr().out
    # restored as the template writes it (in brackets where the column is set apart from its shared formula)
    restored = openpyxl.load_workbook(ledger)[SHEET].cell(FIRST_DATA_ROW, GRADE).value
    assert restored == cell_formula(BY_KEY["grade"], FIRST_DATA_ROW, FIRST_DATA_ROW + 40 - 1) == "=(F_GRADE)"
    backups = sorted(ledger.parent.glob("*.bak-*"))
    assert openpyxl.load_workbook(backups[-1])[SHEET].cell(FIRST_DATA_ROW, GRADE).value == "绿"
    if find_soffice():
        computed = recalculate([ledger], ledger.parent / "lo")[0]
        assert openpyxl.load_workbook(computed, data_only=True)[SHEET].cell(FIRST_DATA_ROW, GRADE).value == "红"


def test_values_for_a_workbook_without_formulas(tmp_path, policy, capsys):
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=10)
    RowWriter(wb[SHEET]).write(households())
    for row in wb[SHEET].iter_rows(min_row=FIRST_DATA_ROW):
        for cell in row:
            if cell.data_type == "f":
                cell.value = None                  # an export: computed columns as blank values
    path = tmp_path / "导出.xlsx"
    save_workbook(wb, path)
    assert main(["fill", str(path)]) == 0
    assert "写为数值" in capsys.readouterr().out
    ws = openpyxl.load_workbook(path)[SHEET]
    assert ws.cell(FIRST_DATA_ROW, GRADE).value == "红"               # R1, by hand above
    assert ws.cell(FIRST_DATA_ROW, column_index("clauses")).value == "R1"
    assert ws.cell(FIRST_DATA_ROW, column_index("category")).value == "脱贫不稳定户"   # 脱贫户, red (三(一))
    assert ws.cell(FIRST_DATA_ROW + 2, GRADE).value == "无"
    assert ws.cell(FIRST_DATA_ROW + 2, column_index("next_status")).value == "已逾期"
    assert ws.cell(FIRST_DATA_ROW + 2, column_index("next_due")).value.date() == date(2022, 7, 8)


def test_a_workbook_open_in_excel_is_refused(ledger, capsys):
    content = ledger.read_bytes()
    (ledger.parent / f"~${ledger.name}").write_bytes(b"owner")
    assert main(["fill", str(ledger)]) == 2
    assert "正在 Excel 或 WPS 中打开" in capsys.readouterr().err
    assert ledger.read_bytes() == content and not list(ledger.parent.glob("*.bak-*"))


def test_typed_cells_are_sacred_through_fill_review_fill(tmp_path, policy):
    """Every input cell, on every row, identical to what was typed after fill, review and fill again (and 参数's typed
    cells too); only the computed column of suggestions and the tool's own sheets differ."""
    from hx_excel.samples.generate import generate_households

    generated = generate_households(120, 20221201, policy, AS_OF)
    wb = build_workbook(policy, township="青岩镇", villages=tuple(dict.fromkeys(h.village for h in generated))[:40],
                        as_of=AS_OF, rows=len(generated) * 6)
    RowWriter(wb[SHEET]).write(generated)
    wb["参数"]["B5"] = "=1+1"                 # a clerk's own formula typed on 参数 (填报人) stays a formula
    path = tmp_path / "青岩镇.xlsx"
    save_workbook(wb, path)
    typed = typed_cells(path)
    assert len({row for row, _ in typed}) >= 250          # a few hundred persons, every row of them compared
    params = {(c.row, c.column): c.value for row in openpyxl.load_workbook(path)["参数"].iter_rows() for c in row
              if c.value is not None and c.protection.locked is False}
    # the generated households include faulty cells on purpose: done, with problems (1), never refused
    assert main(["fill", str(path)]) in (0, 1)
    assert main(["review", str(path), "--month", "2022-07", "--reviewer", "王五"]) in (0, 1)
    assert main(["fill", str(path)]) in (0, 1)
    assert typed_cells(path) == typed
    after = openpyxl.load_workbook(path)
    assert {k: after["参数"].cell(*k).value for k in params} == params
    assert set(after.sheetnames) - set(wb.sheetnames) == {TODO_SHEET, "月度研判记录"}


# ---- what fill writes and says (issue 17 point 9: the mutation run over operations/fill.py) ----------------------

def _blank(path: Path, cells: list[tuple[int, int]]) -> None:
    wb = openpyxl.load_workbook(path)
    for row, column in cells:
        wb[SHEET].cell(row, column).value = None
    wb.save(path)


def test_a_member_row_gets_the_household_id_of_the_head_just_above_only(tmp_path, policy, capsys):
    """Rows 4–5: 罗大山 (QY-001) and his daughter typed without 户编号: hers is QY-001. Row 6 empty; row 7 a son typed
    without 户编号 after the gap: no head above him, left blank. Rows 9–10: 王一 (QY-003) and his son without 户编号:
    QY-003. Row 11: 赵一, a 户主 typed without 户编号 right under them: a head starts his own household, left blank."""
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=40)
    writer = RowWriter(wb[SHEET])
    writer.write(households()[:1])
    writer.write([household([person("杨安", "之子")], household_id="QY-002", village="龙井村")], FIRST_DATA_ROW + 3)
    writer.write([household([person("王一"), person("王二", "之子")], household_id="QY-003", village="龙井村"),
                  household([person("赵一")], household_id="QY-004", village="龙井村")], FIRST_DATA_ROW + 5)
    path = tmp_path / "青岩镇.xlsx"
    save_workbook(wb, path)
    rows = [FIRST_DATA_ROW + 1, FIRST_DATA_ROW + 3, FIRST_DATA_ROW + 6, FIRST_DATA_ROW + 7]
    _blank(path, [(r, HID) for r in rows])
    main(["fill", str(path)])
    assert "为 2 个成员行补填了户编号（取自上方户主行）" in capsys.readouterr().out
    ws = openpyxl.load_workbook(path)[SHEET]
    assert [ws.cell(r, HID).value for r in rows] == ["QY-001", None, "QY-003", None]
    given, typed = ws.cell(FIRST_DATA_ROW + 1, HID), ws.cell(FIRST_DATA_ROW, HID)   # written as the clerk types it
    assert given.number_format == typed.number_format and not given.alignment.wrap_text


def test_a_merged_household_id_is_not_written_and_said_why(tmp_path, policy, capsys):
    """The clerk merged 罗大山's 户编号 over his and his daughter's rows (a habit from paper ledgers): her row cannot be
    written without undoing the merge — said, with the merged area and what would have been written; nothing said to
    be filled; the run ends with something left to do (exit 1)."""
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=40)
    RowWriter(wb[SHEET]).write(households()[:1])
    wb[SHEET].cell(FIRST_DATA_ROW + 1, HID).value = None
    letter = openpyxl.utils.get_column_letter(HID)
    wb[SHEET].merge_cells(f"{letter}{FIRST_DATA_ROW}:{letter}{FIRST_DATA_ROW + 1}")
    path = tmp_path / "青岩镇.xlsx"
    save_workbook(wb, path)
    assert main(["fill", str(path)]) == 1
    out = capsys.readouterr().out
    # each thing left to do keeps the run at exit 1, whatever else is found: with a date typed as text and the
    # grade typed over too (three things), and with the grade typed over alone beside the merge (two)
    for changes in ({(FIRST_DATA_ROW, column_index("clue_on")): "七月", (FIRST_DATA_ROW, GRADE): "绿"},
                    {(FIRST_DATA_ROW, column_index("clue_on")): None}):
        book = openpyxl.load_workbook(path)
        for (r, c), value in changes.items():
            book[SHEET].cell(r, c).value = value
        book.save(path)
        assert main(["fill", str(path)]) == 1
        said = capsys.readouterr().out
        assert "预警分级列的公式被删除或被填写覆盖（“预警分级”为“绿”），加 --restore-formulas 可恢复（原值保留在备份中）" in said
    assert (f"“台账”表第 {FIRST_DATA_ROW + 1} 行“户编号”列在合并单元格 {letter}{FIRST_DATA_ROW}:{letter}{FIRST_DATA_ROW + 1} 中，"
            "未写入“QY-001”：请取消合并，每行分别填写后重新运行 hx-excel fill") in out
    assert "补填了户编号" not in out


def test_suggestions_are_written_wrapped_counted_and_cleared_when_the_grade_falls(ledger, capsys):
    """The red household (QY-001) gets its suggestions, wrapped; the screen counts one household. Its income typed
    up to 100,000: grade 无, the old suggestion is cleared, one household again. A third run has nothing to say."""
    main(["fill", str(ledger)])
    assert "更新了 1 户的建议帮扶措施（五、分类管理及动态帮扶）" in capsys.readouterr().out
    ws = openpyxl.load_workbook(ledger)[SHEET]
    assert ws.cell(FIRST_DATA_ROW, SUGGESTED).value.startswith("R1 ")
    assert ws.cell(FIRST_DATA_ROW, SUGGESTED).alignment.wrap_text
    wb = openpyxl.load_workbook(ledger)
    wb[SHEET].cell(FIRST_DATA_ROW, column_index("annual_net_income")).value = 100_000
    wb.save(ledger)
    main(["fill", str(ledger)])
    assert "更新了 1 户的建议帮扶措施" in capsys.readouterr().out
    assert openpyxl.load_workbook(ledger)[SHEET].cell(FIRST_DATA_ROW, SUGGESTED).value is None
    main(["fill", str(ledger)])
    assert "建议帮扶措施" not in capsys.readouterr().out


def test_a_ledger_without_the_suggestion_column_gets_one_after_its_last(tmp_path, policy, capsys):
    """A ledger made before 建议帮扶措施 existed (here: its header retyped as 备用, so no column is found by that
    name): the column is added after the last one, its header bold on the header row, and the suggestions go there."""
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=40)
    RowWriter(wb[SHEET]).write(households())
    ws = wb[SHEET]
    header_row = next(r for r in range(1, FIRST_DATA_ROW) if ws.cell(r, SUGGESTED).value == "建议帮扶措施")
    ws.cell(header_row, SUGGESTED).value = "备用"
    path = tmp_path / "青岩镇.xlsx"
    save_workbook(wb, path)
    last = openpyxl.load_workbook(path)[SHEET].max_column
    added = openpyxl.utils.get_column_letter(last + 1)
    main(["fill", str(path)])
    out = capsys.readouterr().out
    assert f"在 {added} 列加了“建议帮扶措施”列" in out
    ws = openpyxl.load_workbook(path)[SHEET]
    assert ws.cell(header_row, last + 1).value == "建议帮扶措施" and ws.cell(header_row, last + 1).font.b
    assert ws.column_dimensions[added].width >= 20
    assert ws.cell(FIRST_DATA_ROW, last + 1).value.startswith("R1 ") and ws.cell(FIRST_DATA_ROW, last).value is None
    assert ws.cell(FIRST_DATA_ROW, SUGGESTED).value is None


def test_values_are_formatted_counted_and_written_once(tmp_path, policy, capsys):
    """An export (no formulas, and no cell formats: General everywhere): the values written are counted on the screen
    (every non-blank computed cell of the two head rows), the deadline shown as a date and nothing else as one, the
    factors wrapped. A second run writes nothing."""
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=10)
    RowWriter(wb[SHEET]).write(households())
    for row in wb[SHEET].iter_rows(min_row=FIRST_DATA_ROW):
        for cell in row:
            if cell.data_type == "f":
                cell.value = None
                cell.number_format = "General"
    path = tmp_path / "导出.xlsx"
    save_workbook(wb, path)
    main(["fill", str(path)])
    out = capsys.readouterr().out
    ws = openpyxl.load_workbook(path)[SHEET]
    keys = ("grade", "factors", "clauses", "category", "next_step", "next_due", "next_status")
    written = [ws.cell(r, column_index(k)) for r in (FIRST_DATA_ROW, FIRST_DATA_ROW + 2) for k in keys
               if ws.cell(r, column_index(k)).value not in (None, "")]
    assert f"写为数值（{len(written)} 格）" in out and len(written) >= 8
    for cell in written:
        assert (cell.number_format == "yyyy-mm-dd") == (cell.column == column_index("next_due")), cell.coordinate
    assert ws.cell(FIRST_DATA_ROW, column_index("factors")).alignment.wrap_text
    content = path.read_bytes()
    assert main(["fill", str(path)]) == 0
    again = capsys.readouterr().out
    assert "文件未改动" in again and "写为数值" not in again and path.read_bytes() == content


def test_restoring_formulas_names_what_was_typed_and_leaves_a_merge_alone(ledger, capsys):
    """On 罗大山's row four computed columns typed over (监测预警因素, 预警分级, 成立条款, 监测类别): restored, the first
    three values named as kept in the backup. 杨平's 预警分级 merged by the clerk with his son's row below: the son's
    cell cannot take its formula back without undoing the merge — said, with the area, and left as it is (exit 1)."""
    wb = openpyxl.load_workbook(ledger)
    ws = wb[SHEET]
    for key, value in (("factors", "甲"), ("grade", "乙"), ("clauses", "丙"), ("category", "丁")):
        ws.cell(FIRST_DATA_ROW, column_index(key)).value = value
    letter = openpyxl.utils.get_column_letter(GRADE)
    ws.merge_cells(f"{letter}{FIRST_DATA_ROW + 2}:{letter}{FIRST_DATA_ROW + 3}")
    wb.save(ledger)
    assert main(["fill", str(ledger), "--restore-formulas"]) == 1
    out = capsys.readouterr().out
    restored = next(line for line in out.splitlines() if line.startswith(f"第 {FIRST_DATA_ROW} 行：恢复了"))
    assert "（原填 “监测预警因素”为“甲”；“预警分级”为“乙”；“成立条款”为“丙”，保留在备份中）" in restored
    assert (f"“台账”表第 {FIRST_DATA_ROW + 3} 行“预警分级”列在合并单元格 {letter}{FIRST_DATA_ROW + 2}:{letter}{FIRST_DATA_ROW + 3} 中，"
            "未写入公式") in out
    assert openpyxl.load_workbook(ledger)[SHEET].cell(FIRST_DATA_ROW, GRADE).value.startswith("=")


def test_a_formula_typed_over_beside_one_unreadable_date_is_still_something_to_do(ledger, capsys):
    """Two things left to do: a date typed as text (“七月”, the reader names it) and four computed columns typed over
    without --restore-formulas: exit 1, as with either alone; the first three typed values named."""
    wb = openpyxl.load_workbook(ledger)
    for key, value in (("factors", "甲"), ("grade", "乙"), ("clauses", "丙"), ("category", "丁")):
        wb[SHEET].cell(FIRST_DATA_ROW, column_index(key)).value = value
    wb[SHEET].cell(FIRST_DATA_ROW, column_index("clue_on")).value = "七月"
    wb.save(ledger)
    assert main(["fill", str(ledger)]) == 1
    assert ("列的公式被删除或被填写覆盖（“监测预警因素”为“甲”；“预警分级”为“乙”；“成立条款”为“丙”），加 --restore-formulas 可恢复"
            in capsys.readouterr().out)


def test_a_ledger_with_nothing_to_do_gets_a_todo_sheet_of_title_and_header_only(tmp_path, policy, capsys):
    """Nothing typed yet: 待办 holds its title and header, and its filter and print area stop at the header (row 2),
    so printing it gives one page with no empty lines under the header (mutants 647, 651 of the second run)."""
    path = tmp_path / "青岩镇.xlsx"
    save_workbook(build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=20), path)
    assert main(["fill", str(path)]) == 0
    assert "“待办”表：0 项未办事项，其中已逾期 0 项" in capsys.readouterr().out
    todo = openpyxl.load_workbook(path)[TODO_SHEET]
    assert todo.max_row == 2 and todo["A2"].value == "状态" and todo["L2"].value == "台账行"
    assert todo.auto_filter.ref == "A2:L2"
    assert todo.print_area == "'待办'!$A$1:$L$2"


def test_rows_a_clerk_shaded_below_the_todo_list_do_not_make_a_run_rewrite_it(ledger, capsys):
    """A clerk shades or rules some empty rows under 待办's lines (to write by hand on the printout). Those rows read
    back as empty rows after the list; a second run with nothing changed must still see 待办 as it would write it and
    leave the file alone (mutants 667, 668 of the second run: `_trim` dropping the empty rows at the end)."""
    assert main(["fill", str(ledger)]) == 0
    wb = openpyxl.load_workbook(ledger)
    todo = wb[TODO_SHEET]
    below = todo.max_row
    for row in range(below + 1, below + 4):                   # three empty rows, shaded and ruled, no value
        for column in range(1, 6):
            todo.cell(row, column).fill = openpyxl.styles.PatternFill("solid", fgColor="FFFF99")
            todo.cell(row, column).border = openpyxl.styles.Border(bottom=openpyxl.styles.Side(style="thin"))
    save_workbook(wb, ledger)
    content = ledger.read_bytes()
    capsys.readouterr()
    assert main(["fill", str(ledger)]) == 0
    assert "文件未改动" in capsys.readouterr().out
    assert ledger.read_bytes() == content
    assert openpyxl.load_workbook(ledger)[TODO_SHEET].cell(below + 2, 1).fill.fgColor.rgb == "00FFFF99"
