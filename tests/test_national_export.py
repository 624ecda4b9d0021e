"""The national system's person-level export read as it is (issue 20, points 1 and 2): recognised by its headers,
imported through the built-in preset (hx_excel/roster/presets/national.toml) with no mapping file, its values mapped,
its faults said once. Every expected value below is worked by hand from the rows written here and
../shared/reference/national-export.md."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from hx_excel.core.id_number import make_valid
from hx_excel.districts import DistrictSettings, default_townships
from hx_excel.ledger.reader import read_ledger
from hx_excel.ledger.schema import FIRST_DATA_ROW, SHEET, column_index
from hx_excel.operations.generate import generate
from hx_excel.policy import default_policy
from hx_excel.roster import read_roster
from hx_excel.roster.mapping import RosterError, load_mapping, preset

HEADERS = ("序号", "数据日期", "县(市、区、旗)", "乡(镇)", "行政村", "自然村", "户编号", "人编号", "姓名", "证件号码", "人数",
           "与户主关系", "民族", "文化程度", "在校生状况", "健康状况", "劳动技能", "务工时间（月）", "是否参加大病保险",
           "致贫原因1", "危房户", "是否解决安全饮用水", "人均纯收入", "户联系电话", "人联系电话", "首次识别时间",
           "人员识别时间", "户类型", "易返贫致贫户(监测对象)类型", "风险是否消除", "风险识别时间", "风险消除时间")

# 户 A (2 persons, as 人数 says): 边缘易致贫户 by the monitored type (户类型 says 一般户), 5,000 a head, a house
# marked 危房户 是, the son in 七年级 (→ 初中), the head worked 6 months (→ 务工就业 是), the son 0 (→ 否).
A_HID, B_HID = "52011100000000000101", "52011100000000000102"
HEAD_A, SON_A = make_valid("520111", date(1975, 3, 1), 11), make_valid("520111", date(2010, 6, 1), 13)
HEAD_B, WIFE_B, DAUGHTER_B = (make_valid("520111", date(1960, 1, 1), 15), make_valid("520111", date(1962, 2, 2), 16),
                              make_valid("520111", date(1990, 3, 3), 18))


def row(n, hid, name, id_number, size, relation, school, months, income, kind, monitored, house="否", risk_date=None):
    values = {"序号": n, "数据日期": "2022-07-01", "县(市、区、旗)": "花溪区", "乡(镇)": "青岩镇", "行政村": "龙井村",
              "自然村": "一组", "户编号": hid, "人编号": f"P{n:04d}", "姓名": name, "证件号码": id_number, "人数": size,
              "与户主关系": relation, "民族": "汉族", "文化程度": "初中", "在校生状况": school, "健康状况": "健康",
              "劳动技能": "普通劳动力", "务工时间（月）": months, "是否参加大病保险": "是", "致贫原因1": "因灾",
              "危房户": house, "是否解决安全饮用水": "是", "人均纯收入": income, "户联系电话": "13800000000",
              "人联系电话": "", "首次识别时间": "2014-10-01", "人员识别时间": "2014-10-01", "户类型": kind,
              "易返贫致贫户(监测对象)类型": monitored, "风险是否消除": "否", "风险识别时间": risk_date,
              "风险消除时间": None}
    return [values[h] for h in HEADERS]


ROWS = [
    row(1, A_HID, "张大", HEAD_A, 2, "户主", "非在校生", 6, 5000, "一般户", "边缘易致贫户", house="是", risk_date="2022/5/3"),
    row(2, A_HID, "张小", SON_A, 2, "之子", "七年级", 0, 5000, "一般户", "边缘易致贫户", house="是", risk_date="2022/5/3"),
    # 户 B: 人数 says 4, three rows; 户类型 脱贫户, no monitored type; 20,000 a head
    row(3, B_HID, "李老", HEAD_B, 4, "户主", "非在校生", 0, 20000, "脱贫户", None),
    row(4, B_HID, "王妻", WIFE_B, 4, "配偶", "非在校生", 0, 20000, "脱贫户", None),
    row(5, B_HID, "李女", DAUGHTER_B, 4, "之女", "高中四年级", 10, 20000, "脱贫户", None),
]


def export(path: Path, rows=ROWS, title=True) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "监测对象"
    if title:       # the system's title rows above the header
        ws.append(["全国防返贫监测信息系统 · 监测对象信息（花溪区青岩镇）"])
        ws.append(["导出时间：2022-07-01"])
    ws.append(list(HEADERS))
    for values in rows:
        ws.append(values)
    wb.save(path)
    return path


@pytest.fixture
def settings():
    return DistrictSettings(townships=[t for t in default_townships() if t.name == "青岩镇"], rows=20)


def test_the_preset_is_itself_a_mapping_file():
    national = preset("national")
    assert national.title == "全国防返贫监测信息系统导出的名单"
    assert national == load_mapping(Path(__file__).parents[1] / "hx_excel" / "roster" / "presets" / "national.toml")


def test_the_export_is_recognised_and_imported_with_no_mapping(tmp_path, settings):
    policy = default_policy()
    roster = read_roster(export(tmp_path / "导出.xlsx"), settings, policy)
    assert "认出是全国防返贫监测信息系统导出的名单" in roster.describe() and "表头在第 3 行" in roster.describe()
    assert [h.household_id for h in roster.households] == [A_HID, B_HID]
    a, b = (h.household for h in roster.households)
    # 人均纯收入 × 人数: 5,000 × 2 and 20,000 × 4 (the export's own 人数, said when it disagrees with the rows)
    assert (a.annual_net_income, b.annual_net_income) == (10_000, 80_000)
    assert roster.households[0].notes == {"annual_net_income": "由国家系统导出的人均纯收入 5,000 元 × 人数 2 折算"}
    assert (a.village, a.household_type, b.household_type) == ("龙井村", "边缘易致贫户", "脱贫户")
    assert a.house_grade == "危房（待鉴定）" and b.house_grade == "非危房"
    assert a.entered_on == date(2022, 5, 3) and a.exit_status == "否"
    assert [m.school for m in a.members] == ["非在校生", "初中"]
    assert [m.employed for m in a.members] == [True, False]
    assert a.members[0].id_number == HEAD_A and a.risk_types == ["因自然灾害"]
    said = [(p.row, p.column, p.message) for p in roster.problems]
    # 人数 4 against B's three rows (rows 6–8 of the sheet: two title rows, the header on row 3)
    assert (6, "人数", f"户编号“{B_HID}”的人数为 4，但名单中本户有 3 行：请核对是否漏导了成员或人数有误"
            "（家庭年纯收入按名单的人数折算，台账的人均按实际行数计算）") in said
    assert [m for _, c, m in said if c == "在校生状况"] == ["“高中四年级”不在下拉列表中，可能是“高中”；请从下拉列表选择"]
    notes = " ".join(p.message for p in roster.notes)
    for left in ("数据日期", "县(市、区、旗)", "人编号", "民族", "文化程度", "户联系电话", "人联系电话", "首次识别时间", "人员识别时间"):
        assert f"“{left}”" in notes
    assert "“人均纯收入”" not in notes and "“户类型”" not in notes and "“人数”" not in notes, "read, not left out"
    assert len(roster.notes) == 1, "the columns with no place listed once, not per row"


def test_an_unknown_value_is_said_once_with_its_count_and_rows(tmp_path, settings):
    rows = [r[:] for r in ROWS]
    school = HEADERS.index("在校生状况")
    for values in rows:
        values[school] = "高中四年级"
    roster = read_roster(export(tmp_path / "导出.xlsx", rows), settings, default_policy())
    said = [p for p in roster.problems if p.column == "在校生状况"]
    assert len(said) == 1 and said[0].row == 4
    assert said[0].message.endswith("。同样的值共 5 行（第 4、5、6、7、8 行），都未导入；如是系统自己的写法，"
                                    "可在列名对照表的 [values.\"在校生状况\"] 中写明对应台账的哪个值")


def test_a_mapping_file_maps_values(tmp_path, settings):
    mapping = tmp_path / "对照表.toml"
    text = (Path(__file__).parents[1] / "hx_excel" / "roster" / "presets" / "national.toml").read_text(encoding="utf-8")
    # the preset copied, one line added under [values."在校生状况"]
    mapping.write_text(text.replace('"失学或辍学" = "辍学"', '"失学或辍学" = "辍学"\n"高中四年级" = "高中"'), encoding="utf-8")
    roster = read_roster(export(tmp_path / "导出.xlsx"), settings, default_policy(), mapping)
    assert not [p for p in roster.problems if p.column == "在校生状况"]
    assert roster.households[1].household.members[2].school == "高中"
    assert roster.mapping_title == "", "a mapping given is used as it is, not the preset"


def test_a_number_typed_id_that_lost_digits_is_reported_never_guessed(tmp_path, settings):
    rows = [r[:] for r in ROWS]
    rows[1][HEADERS.index("证件号码")] = float(SON_A) if SON_A[-1] != "X" else 5.20111201006011e17
    roster = read_roster(export(tmp_path / "导出.xlsx", rows), settings, default_policy())
    said = [p for p in roster.problems if p.row == 5 and p.column == "证件号码"]
    assert said, roster.problems
    assert all(m.id_number != SON_A for h in roster.households if h.household for m in h.household.members)


def test_generate_from_the_export_writes_the_ledger_with_the_income_note(tmp_path, settings):
    policy = default_policy()
    run = generate(settings, policy, tmp_path / "out", roster=export(tmp_path / "导出.xlsx"))
    [made] = [w for w in run.workbooks if not w.refused]
    ws = openpyxl.load_workbook(made.path)[SHEET]
    income = ws.cell(FIRST_DATA_ROW, column_index("annual_net_income"))
    assert income.value == 10_000 and income.comment.text == "由国家系统导出的人均纯收入 5,000 元 × 人数 2 折算"
    assert ws.cell(FIRST_DATA_ROW, column_index("house_grade")).value == "危房（待鉴定）"
    assert ws.cell(FIRST_DATA_ROW, column_index("household_id")).value == A_HID
    read = read_ledger(made.path, policy)
    grades = {e.household.household_id: e for e in read.households}
    assert set(grades) == {A_HID, B_HID}


def test_the_preset_copied_out_and_given_back_imports_the_same(tmp_path, settings, capsys):
    from hx_excel.cli import main
    copied = tmp_path / "对照表.toml"
    assert main(["mapping", "national", "-o", str(copied)]) == 0
    assert copied.read_bytes() == (Path(__file__).parents[1] / "hx_excel/roster/presets/national.toml").read_bytes()
    assert main(["mapping", "national", "-o", str(copied)]) == 2
    assert "已存在：为免覆盖，没有写入" in capsys.readouterr().err
    source = export(tmp_path / "导出.xlsx")
    by_preset = read_roster(source, settings, default_policy())
    by_file = read_roster(source, settings, default_policy(), copied)
    assert [h.household for h in by_file.households] == [h.household for h in by_preset.households]
    assert by_file.mapping_title == "" and by_preset.mapping_title


def test_facts_the_export_does_not_hold_stay_blank_for_the_clerk(tmp_path, settings):
    """享受低保, rigid spending, 吃穿 … are not in the export: blank (the sheet says 待补充 where a clause needs them),
    never the model's 否 or 0 as if someone had found it so."""
    run = generate(settings, default_policy(), tmp_path / "out", roster=export(tmp_path / "导出.xlsx"))
    [made] = [w for w in run.workbooks if not w.refused]
    ws = openpyxl.load_workbook(made.path)[SHEET]
    for key in ("has_dibao", "rigid_spending_school", "rigid_spending_medical", "poor_hygiene", "food_clothing_secured",
                "files_incomplete", "low_policy_awareness", "can_self_resolve"):
        assert ws.cell(FIRST_DATA_ROW, column_index(key)).value is None, key
    assert ws.cell(FIRST_DATA_ROW, column_index("water_secured")).value == "是"


@pytest.mark.parametrize("stored", [5.20111000000000e19, 52011100000000000101, "5.20111E+19"])
def test_household_numbers_stored_as_numbers_are_refused_whole(tmp_path, settings, stored):
    """Cut to 15 digits, 户编号 would merge households (and move people between townships): nothing imported."""
    rows = [r[:] for r in ROWS]
    column = HEADERS.index("户编号")
    for values in rows:
        values[column] = stored
    source = export(tmp_path / "导出.xlsx", rows)
    before = source.read_bytes()
    with pytest.raises(RosterError, match=r"“户编号”存成了数字（共 5 行，如第 4 行.*无法分户，未写入任何台账"):
        read_roster(source, settings, default_policy())
    assert source.read_bytes() == before


def test_an_export_missing_a_column_is_still_recognised_and_the_column_named(tmp_path, settings):
    drop = HEADERS.index("人均纯收入")
    path = tmp_path / "导出.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append([h for i, h in enumerate(HEADERS) if i != drop])
    for values in ROWS:
        wb.active.append([v for i, v in enumerate(values) if i != drop])
    wb.save(path)
    roster = read_roster(path, settings, default_policy())
    assert roster.mapping_title
    assert [p.message for p in roster.problems if p.column == "家庭年纯收入（元）"] == [
        "对照表要由 “人均纯收入” 列得出“家庭年纯收入（元）”，但名单中没有，该项未导入"]


def test_a_size_of_zero_gives_no_income(tmp_path, settings):
    rows = [r[:] for r in ROWS]
    for values in rows[:2]:
        values[HEADERS.index("人数")] = 0
    roster = read_roster(export(tmp_path / "导出.xlsx", rows), settings, default_policy())
    assert roster.households[0].household.annual_net_income is None
    said = [p for p in roster.problems if p.column == "人均纯收入、人数"]
    assert [p.message for p in said] == ["“人数”为“0”，不能据此折算，“家庭年纯收入（元）”未导入。同样的问题共 2 行（第 4、5 行）"]


def test_the_same_problem_on_many_rows_is_said_once(tmp_path, settings):
    rows = [r[:] for r in ROWS]
    for values in rows:
        values[HEADERS.index("务工时间（月）")] = "不详"
    roster = read_roster(export(tmp_path / "导出.xlsx", rows), settings, default_policy())
    said = [p.message for p in roster.problems if "不详" in p.message]
    assert said == ["“务工时间（月）”为“不详”，不是数字，“务工就业”未导入。同样的问题共 5 行（第 4、5、6、7、8 行）"]


def test_a_mapping_that_maps_to_a_value_off_the_list_is_refused_naming_its_line(tmp_path, settings):
    mapping = tmp_path / "对照表.toml"
    text = (Path(__file__).parents[1] / "hx_excel" / "roster" / "presets" / "national.toml").read_text(encoding="utf-8")
    mapping.write_text(text.replace('"是" = "危房（待鉴定）"', '"是" = "危房"'), encoding="utf-8")
    with pytest.raises(RosterError, match=r'对照表.toml 有误：\[values."住房安全等级"\] 中 "是" = "危房"：“危房”不在下拉列表中'):
        read_roster(export(tmp_path / "导出.xlsx"), settings, default_policy(), mapping)


def test_two_columns_of_one_name_read_by_a_working_are_refused(tmp_path, settings):
    path = tmp_path / "导出.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(list(HEADERS) + ["人数"])
    for values in ROWS:
        wb.active.append(list(values) + [9])
    wb.save(path)
    with pytest.raises(RosterError, match="有两列都叫“人数”（第 11 列和第 33 列），不知道用哪一列"):
        read_roster(path, settings, default_policy())


def test_an_export_with_no_data_is_refused(tmp_path, settings):
    with pytest.raises(RosterError, match="只有表头（第 3 行），没有一行数据"):
        read_roster(export(tmp_path / "导出.xlsx", rows=[]), settings, default_policy())


def test_a_csv_export_in_gbk_reads_as_the_workbook(tmp_path, settings):
    """Some offices save the export as CSV from Excel (GBK on a Chinese Windows): the same households."""
    import csv
    path = tmp_path / "导出.csv"
    with path.open("w", encoding="gbk", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for values in ROWS:
            writer.writerow(["" if v is None else v for v in values])
    from_csv = read_roster(path, settings, default_policy())
    from_xlsx = read_roster(export(tmp_path / "导出.xlsx"), settings, default_policy())
    assert from_csv.mapping_title and [h.household for h in from_csv.households] == \
        [h.household for h in from_xlsx.households]


def test_an_export_of_another_county_is_refused_naming_its_townships(tmp_path, settings):
    rows = [r[:] for r in ROWS]
    for values in rows:
        values[HEADERS.index("县(市、区、旗)")], values[HEADERS.index("乡(镇)")] = "南明区", "中曹司街道"
    source = export(tmp_path / "导出.xlsx", rows)
    before = source.read_bytes()
    with pytest.raises(RosterError, match="“乡镇”为“中曹司街道”，不是要生成台账的乡镇.*未写入任何台账"):
        read_roster(source, settings, default_policy())
    assert source.read_bytes() == before


def test_a_lower_case_x_is_made_capital_and_said(tmp_path, settings):
    rows = [r[:] for r in ROWS]
    with_x = next(make_valid("520111", date(1975, 3, d), 15) for d in range(1, 29)
                  if make_valid("520111", date(1975, 3, d), 15).endswith("X"))
    rows[0][HEADERS.index("证件号码")] = with_x[:-1] + "x"
    roster = read_roster(export(tmp_path / "导出.xlsx", rows), settings, default_policy())
    assert roster.households[0].household.members[0].id_number == with_x
    assert [p.message for p in roster.problems if p.row == 4 and p.column == "证件号码"] == ["身份证号末位的小写 x 已改为大写 X"]


def test_the_preset_is_not_copied_onto_a_folder(tmp_path, capsys):
    from hx_excel.cli import main
    assert main(["mapping", "national", "-o", str(tmp_path)]) == 2
    assert f"{tmp_path} 是一个文件夹：请写出要保存的文件名" in capsys.readouterr().err


def test_an_error_value_in_the_export_is_said_not_read_as_blank(tmp_path, settings):
    """The .xlsx export is read through python-calamine, which gives an error cell as blank: a per-head income showing
    #N/A must be said (a household with a blank income would look as if nobody had entered it), as openpyxl did."""
    path = export(tmp_path / "导出.xlsx")
    wb = openpyxl.load_workbook(path)
    cell = wb.active.cell(4, HEADERS.index("人均纯收入") + 1)          # 张大's row (title rows 1–2, header 3)
    cell.value, cell.data_type = "#N/A", "e"
    wb.save(path)
    roster = read_roster(path, settings, default_policy())
    said = [p.message for p in roster.problems if "#N/A" in p.message]
    assert said == ["“人均纯收入”为“#N/A”，不是数字，“家庭年纯收入（元）”未导入"]


@pytest.mark.parametrize("where", ["A1000000", "ALK59999"])
def test_a_stray_cell_far_down_the_export_costs_nothing(tmp_path, settings, where):
    """A value typed by accident at row 1,000,000 — or at row 59,999 of column 1,000, each within its own limit but
    60 million cells together — does not make the reader lay out the rectangle up to it (calamine's dense grid would
    take gigabytes); the rows are read as before."""
    path = export(tmp_path / "导出.xlsx")
    wb = openpyxl.load_workbook(path)
    wb.active[where] = "误填"
    wb.save(path)
    # in a process of its own, so that its peak memory is this read's alone (a dense grid: 1–4 GB)
    script = ("import sys; from hx_excel.districts import load_settings; from hx_excel.policy import default_policy; "
              "from hx_excel.roster import read_roster; "
              "r = read_roster(sys.argv[1], load_settings(None), default_policy()); "
              "print(sorted(len(h.household.members) for h in r.households if h.household)); "
              "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))")
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    members, peak_kib = done.stdout.split("\n")[:2]
    assert members == "[2, 3]" and int(peak_kib) < 400_000


def test_an_error_value_is_never_taken_as_a_name_or_an_id(tmp_path, settings):
    """#NAME? in 姓名 and #REF! in 证件号码 (a formula gone wrong in the export) are said and left out, never written
    into the ledger as a person's name or ID (probe of issue 20)."""
    path = export(tmp_path / "导出.xlsx")
    wb = openpyxl.load_workbook(path)
    for row, header, error in ((4, "姓名", "#NAME?"), (5, "证件号码", "#REF!")):
        cell = wb.active.cell(row, HEADERS.index(header) + 1)
        cell.value, cell.data_type = error, "e"
    wb.save(path)
    roster = read_roster(path, settings, default_policy())
    said = {(p.row, p.column): p.message for p in roster.problems if "错误值" in p.message}
    assert said == {(4, "姓名"): "单元格显示错误值 #NAME?（源文件中的公式出错或数据缺失），未导入；请在名单中改正后重新导入",
                    (5, "证件号码"): "单元格显示错误值 #REF!（源文件中的公式出错或数据缺失），未导入；请在名单中改正后重新导入"}
    first = roster.households[0].typed
    assert "name" not in first[0] and first[0]["id_number"] == HEAD_A
    assert "id_number" not in first[1] and first[1]["name"] == "张小"


def test_true_and_1_in_the_size_column_are_told_apart(tmp_path, settings):
    """The derived column's memo keys each source by its type too: 人数 TRUE on 张大's row is said, and 1 on a later
    row is a 1 (per-head 5,000 × 1 = 5,000 for the one-person household C), whichever comes first."""
    c_hid, c_id = "52011100000000000103", make_valid("520111", date(1980, 5, 5), 21)
    rows = [r[:] for r in ROWS] + [row(6, c_hid, "赵独", c_id, 1, "户主", "非在校生", 0, 5000, "一般户", "边缘易致贫户")]
    rows[0][HEADERS.index("人数")] = True
    roster = read_roster(export(tmp_path / "导出.xlsx", rows), settings, default_policy())
    incomes = {h.household_id: h.typed[0].get("annual_net_income") for h in roster.households}
    assert incomes[c_hid] == 5000 and incomes[A_HID] is None
    assert [p.message for p in roster.problems if "TRUE" in p.message] == [
        "“人数”为“TRUE”，不是数字，“家庭年纯收入（元）”未导入"]


def test_a_self_closed_error_cell_takes_no_value_from_its_neighbour():
    """<c r="B1" t="e"/> holds no value: the next cell's <v> is not its error text; single-quoted attributes read."""
    from hx_excel.files.sheet_cells import ErrorValue, SheetCells, put_error_values
    xml = (b'<sheetData><row r="1"><c r="A1" t="s"><v>3</v></c><c r="B1" t="e"/><c r="C1" t="s"><v>49</v></c>'
           b"<c r='D1' t='e'><v>#N/A</v></c></row></sheetData>")
    cells = SheetCells([["x", "", "y", ""]], [1])
    put_error_values(cells, xml)
    assert cells.rows == [["x", "", "y", "#N/A"]] and isinstance(cells.rows[0][3], ErrorValue)


def test_a_cover_sheet_before_the_export_is_passed_over(tmp_path, settings):
    """An export saved with a notes sheet first (empty, or hidden): the first visible sheet with content is read.
    When that sheet has no header, the message names the sheet read and the others, and how to choose one."""
    path = export(tmp_path / "导出.xlsx")
    wb = openpyxl.load_workbook(path)
    wb.create_sheet("空白", 0)
    hidden = wb.create_sheet("隐藏", 0)
    hidden["A1"], hidden.sheet_state = "旧数据", "hidden"
    wb.save(path)
    roster = read_roster(path, settings, default_policy())
    assert roster.sheet == "监测对象" and [len(h.typed) for h in roster.households] == [2, 3]

    wb = openpyxl.load_workbook(path)
    wb["空白"]["A1"] = "填表说明：本文件由系统导出"
    wb.save(path)
    with pytest.raises(RosterError) as refused:
        read_roster(path, settings, default_policy())
    assert "（读取的是“空白”表；名单中还有：隐藏、监测对象。如名单在其他表中，请在列名对照表中写明，如 sheet = \"隐藏\"）" in str(refused.value)


def test_a_note_with_a_placeholder_that_cannot_be_filled_is_refused(tmp_path):
    """A derived column's note may use {1} and {2} (a product's two values); {3} or {人数} would reach the cell's
    comment as typed, so the mapping is refused naming it."""
    text = (Path(__file__).parents[1] / "hx_excel" / "roster" / "presets" / "national.toml").read_text(encoding="utf-8")
    assert "× 人数 {2} 折算" in text
    mapping = tmp_path / "对照表.toml"
    mapping.write_text(text.replace("× 人数 {2} 折算", "× 人数 {3} 折算"), encoding="utf-8")
    with pytest.raises(RosterError, match=r"note 中 \{3\} 无法代入（只能用 \{1\} 和 \{2\}"):
        load_mapping(mapping)


def test_true_whole_and_fractional_numbers_in_a_text_column_read_as_the_cells_show(tmp_path, settings):
    """姓名 TRUE on 张大's row, 1 on 张小's, 2.5 on 李老's: each is read as the cell shows it — TRUE (as Excel shows
    a boolean), 1 (calamine's 1.0 is a whole number), 2.5 (not cut to 2) — and the memo of values already read keys
    them by type, so the 1 after TRUE (equal keys in a dict) is not taken for it."""
    rows = [r[:] for r in ROWS]
    for i, value in ((0, True), (1, 1), (2, 2.5)):
        rows[i][HEADERS.index("姓名")] = value
    roster = read_roster(export(tmp_path / "导出.xlsx", rows), settings, default_policy())
    names = [t.get("name") for h in roster.households for t in h.typed]
    assert names == ["TRUE", "1", "2.5", "王妻", "李女"]


def test_a_cleaning_note_is_said_on_every_row_that_needs_it(tmp_path, settings):
    """健康 with a zero-width space typed after it, on both of 户 A's rows: the value read is 健康 on each, and the
    deletion is said for each row (sheet rows 4 and 5), not only the first time the value is met."""
    rows = [r[:] for r in ROWS]
    for i in (0, 1):
        rows[i][HEADERS.index("健康状况")] = "健康\u200b"
    roster = read_roster(export(tmp_path / "导出.xlsx", rows), settings, default_policy())
    said = [p.row for p in roster.problems if p.column == "健康状况" and p.message.endswith("已删除")]
    assert said == [4, 5]
    assert [t.get("health") for t in roster.households[0].typed] == ["健康", "健康"]


def test_each_row_has_its_own_list_of_risk_types(tmp_path, settings):
    """风险类型 is a list: all five rows say 因灾 (worked out once), and each row holds a list of its own, so that a
    change to one row's list (the clerk's edits, a merge) never reaches another's."""
    roster = read_roster(export(tmp_path / "导出.xlsx"), settings, default_policy())
    lists = [t["risk_types"] for h in roster.households for t in h.typed]
    assert lists == [["因自然灾害"]] * 5                # 因灾 as the preset maps it
    assert len({id(x) for x in lists}) == 5


@pytest.mark.parametrize("text", ["nan", "inf"])
def test_a_per_head_income_of_nan_or_inf_is_not_a_number(tmp_path, settings, text):
    """人均纯收入 “nan” or “inf” on 户 A's rows (Python's float() reads both): said as not a number, and 户 A's income
    left blank, never nan or infinity × 2."""
    rows = [r[:] for r in ROWS]
    for i in (0, 1):
        rows[i][HEADERS.index("人均纯收入")] = text
    roster = read_roster(export(tmp_path / "导出.xlsx", rows), settings, default_policy())
    said = [p for p in roster.problems if p.message.startswith(f"“人均纯收入”为“{text}”，不是数字，“家庭年纯收入（元）”未导入")]
    assert [p.row for p in said] == [4]      # 张小's row said with it: 同样的问题共 2 行
    assert all("annual_net_income" not in t for t in roster.households[0].typed)


def test_a_household_fact_on_a_members_row_is_said_as_the_clerk_wrote_it(tmp_path, settings):
    """是否解决安全饮用水 is the household's: 张小 (户 A's son) says 否 where the head says 是, and 王妻 and 李女 (户 B)
    say 否 and 是 where the head's cell (也许) could not be read. Each is said with 是/否 as written, never True/False, and an
    unreadable head's cell is not called blank."""
    rows = [r[:] for r in ROWS]
    column = HEADERS.index("是否解决安全饮用水")
    rows[1][column], rows[2][column], rows[3][column] = "否", "也许", "否"
    roster = read_roster(export(tmp_path / "导出.xlsx", rows), settings, default_policy())
    said = {p.row: p.message for p in roster.problems if "只读户主行" in p.message}
    assert said == {
        5: f"户编号“{A_HID}”：“饮水安全有保障”是全户的情况，只读户主行；本行（成员）填了“否”，户主行填的是“是”，本行的值没有导入：请把它填到户主行",
        7: f"户编号“{B_HID}”：“饮水安全有保障”是全户的情况，只读户主行；本行（成员）填了“否”，户主行的值无法读取（见该行的问题），本行的值没有导入：请把它填到户主行",
        8: f"户编号“{B_HID}”：“饮水安全有保障”是全户的情况，只读户主行；本行（成员）填了“是”，户主行的值无法读取（见该行的问题），本行的值没有导入：请把它填到户主行"}


def test_a_placeholder_in_the_note_of_a_column_that_is_not_a_product_is_refused(tmp_path):
    """{1} and {2} stand for a product's two values only: on 户类型's first_of, which has no numbers to put in, the
    note's {1} would reach the cell's comment as typed, so the mapping is refused naming it."""
    text = (Path(__file__).parents[1] / "hx_excel" / "roster" / "presets" / "national.toml").read_text(encoding="utf-8")
    plain = '"户类型" = { first_of = ["易返贫致贫户(监测对象)类型", "户类型"] }'
    assert plain in text
    mapping = tmp_path / "对照表.toml"
    mapping.write_text(text.replace(plain, plain[:-2] + ', note = "取自 {1}" }'), encoding="utf-8")
    with pytest.raises(RosterError, match=r"note 中 \{1\} 无法代入（只有 product 的 note 可用 \{1\} \{2\}）"):
        load_mapping(mapping)


def test_a_zero_width_space_in_a_header_changes_nothing(tmp_path, settings):
    """姓名 with a zero-width space pasted after it is still the 姓名 column: the five names are read."""
    path = export(tmp_path / "导出.xlsx")
    wb = openpyxl.load_workbook(path)
    wb.active.cell(3, HEADERS.index("姓名") + 1).value = "姓名\u200b"
    wb.save(path)
    roster = read_roster(path, settings, default_policy())
    assert [t.get("name") for h in roster.households for t in h.typed] == ["张大", "张小", "李老", "王妻", "李女"]


def test_the_garbage_collector_is_on_again_after_a_read(tmp_path, settings):
    """The roster is read with the cyclic collector paused (bulk.collector_paused); once read, it is on again."""
    import gc
    assert gc.isenabled()
    read_roster(export(tmp_path / "导出.xlsx"), settings, default_policy())
    assert gc.isenabled()


def test_an_error_value_of_a_compacted_sheet_goes_to_the_row_it_was_typed_in():
    """In a compacted sheet (a stray cell far down) the rows read are numbered by `numbers`: #N/A at A500, read as the
    second row, lands there."""
    from hx_excel.files.sheet_cells import ErrorValue, SheetCells, put_error_values
    xml = b'<sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="500"><c r="A500" t="e"><v>#N/A</v></c></row></sheetData>'
    cells = SheetCells([["x"], [""]], [1, 500])
    put_error_values(cells, xml)
    assert cells.rows == [["x"], ["#N/A"]] and isinstance(cells.rows[1][0], ErrorValue)


def test_a_sheet_without_a_dimension_is_compacted_to_be_safe():
    """A writer that gives no <dimension>: how wide the sheet is is not known without reading it, so it is compacted
    (a far column would otherwise be laid out densely)."""
    from hx_excel.files.sheet_cells import _far_out
    assert _far_out(b'<worksheet><sheetData><row r="1"><c r="ZZZ1"><v>1</v></c></row></sheetData></worksheet>')
    assert not _far_out(b'<worksheet><dimension ref="A1:C3"/><sheetData><row r="3"><c r="C3"><v>1</v></c></row>'
                        b'</sheetData></worksheet>')


def test_a_last_row_far_down_is_caught_even_when_the_dimension_says_less():
    """A <dimension> left short (A1:C3) by a writer does not hide a value at row 1,000,000: the last row says so."""
    from hx_excel.files.sheet_cells import _far_out
    assert _far_out(b'<worksheet><dimension ref="A1:C3"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
                    b'<row r="1000000"><c r="A1000000"><v>2</v></c></row></sheetData></worksheet>')


def test_error_cells_written_only_with_single_quotes_are_put_back():
    """A writer that quotes every attribute with ' (valid XML): its error cells are found too, not only when some
    other cell happens to use double quotes."""
    from hx_excel.files.sheet_cells import ErrorValue, SheetCells, put_error_values
    xml = b"<sheetData><row r='1'><c r='A1' t='e'><v>#N/A</v></c><c r='B1' t='s'><v>0</v></c></row></sheetData>"
    cells = SheetCells([["", "x"]], [1])
    put_error_values(cells, xml)
    assert cells.rows == [["#N/A", "x"]] and isinstance(cells.rows[0][0], ErrorValue)
