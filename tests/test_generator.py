"""`hx-excel generate` and `demo` on real files: one workbook per township, roster import (CSV in UTF-8-BOM and GBK,
xlsx), nothing a clerk typed is ever overwritten, backups, atomic saves, and the command line as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from hx_excel.core.id_number import make_valid
from hx_excel.districts import DistrictSettings, SettingsError, load_settings
from hx_excel.files.save import SaveError, save_workbook
from hx_excel.operations.generate import GenerateError, generate
from hx_excel.roster import RosterError, read_roster
from hx_excel.ledger.reader import read_ledger
from hx_excel.ledger.schema import SHEET, column_index
from hx_excel.policy import PolicyError
from hx_excel.samples import sample_households

# The 19 streets, towns and townships of Huaxi District and the 3 towns tied to Gui'an New Area (2023 division).
HUAXI = ("贵筑街道", "阳光街道", "清溪街道", "溪北街道", "黄河路街道", "平桥街道", "小孟街道", "金筑街道", "党武街道", "青岩镇",
         "石板镇", "麦坪镇", "燕楼镇", "孟关苗族布依族乡", "湖潮苗族布依族乡", "久安乡", "高坡苗族乡", "黔陶布依族苗族乡",
         "马铃布依族苗族乡")
GUIAN = ("马场镇", "高峰镇", "红枫湖镇")
EXPECTED_NAMES = {f"花溪区-{t}-防贫监测台账-2022.xlsx" for t in HUAXI} | {f"贵安新区-{t}-防贫监测台账-2022.xlsx" for t in GUIAN}
SAMPLE_NAME = "花溪区-青岩镇-防贫监测台账-2022-示例.xlsx"
QINGYAN = "花溪区-青岩镇-防贫监测台账-2022.xlsx"
SHIBAN = "花溪区-石板镇-防贫监测台账-2022.xlsx"

# Two townships and short ledgers keep the tests quick; the full district runs once, through `demo`.
SMALL_SETTINGS = """
rows = 30
[[townships]]
name = "青岩镇"
villages = ["龙井村", "北街社区"]
[[townships]]
name = "石板镇"
"""

MAPPING = """
[columns]
"户号" = "户编号"
"所在乡镇" = "乡镇"
"村居" = "村"
"姓名" = "name"
"关系" = "与户主关系"
"证件号码" = "身份证号"
"户类别" = "户类型"
"家庭年收入(元)" = "家庭年纯收入（元）"
"劳动能力" = "劳动技能"
"吃穿" = "吃穿有保障"
"入户核实" = "入户核实日期"
"""
ROSTER_HEADERS = ("户号", "所在乡镇", "村居", "姓名", "关系", "证件号码", "户类别", "家庭年收入(元)", "劳动能力", "吃穿", "入户核实", "联系电话")


def _id(year: int, seq: int) -> str:
    return make_valid("520111", date(year, 3, 4), seq)


def roster_rows() -> list[tuple]:
    """Three households: two in 青岩镇 (two villages), one in 石板镇."""
    return [
        ("QY-101", "青岩镇", "龙井村", "罗大山", "户主", _id(1970, 11), "脱贫户", "4800", "普通劳动力", "是", "2022-07-01", "13800000000"),
        ("QY-101", "青岩镇", "龙井村", "罗小花", "配偶", _id(1972, 12), "", "", "弱劳动力或半劳动力", "", "", ""),
        ("QY-101", "青岩镇", "龙井村", "罗小山", "之子", _id(2012, 13), "", "", "无劳动力", "", "", ""),
        ("SB-201", "石板镇", "羊龙村", "杨二", "户主", _id(1965, 15), "一般农户", "30000", "普通劳动力", "是", "2022/7/3", ""),
        ("QY-102", "青岩镇", "新村", "周五", "户主", _id(1958, 17), "脱贫户", "12000", "丧失劳动力", "否", "", ""),
    ]


def write_csv(path: Path, rows: list[tuple], encoding: str, headers=ROSTER_HEADERS) -> Path:
    lines = [",".join(headers)] + [",".join(r) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[tuple], headers=ROSTER_HEADERS) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名单"
    ws.append(headers)
    for row in rows:
        values = list(row)
        values[7] = float(values[7]) if values[7] else None               # income typed as a number
        values[10] = datetime.fromisoformat(values[10].replace("/", "-0")) if values[10] else None
        ws.append(values)
    wb.save(path)
    return path


def workbooks(*args, **kwargs):
    """The workbooks a `generate` run wrote or skipped."""
    return generate(*args, **kwargs).workbooks


def small(tmp_path: Path) -> DistrictSettings:
    f = tmp_path / "区设置.toml"
    f.write_text(SMALL_SETTINGS, encoding="utf-8")
    return load_settings(f)


def read_back(path: Path, policy):
    read = read_ledger(path, policy)
    return {h.household.household_id: h.household for h in read.households}, read.problems


def params(path: Path) -> dict[str, object]:
    ws = openpyxl.load_workbook(path, read_only=True)["参数"]
    return {row[0]: row[1] for row in ws.iter_rows(min_row=3, max_row=20, max_col=2, values_only=True)}


def param_villages(path: Path) -> list[str]:
    ws = openpyxl.load_workbook(path, read_only=True)["参数"]
    return [v for (v,) in ws.iter_rows(min_row=3, max_row=42, min_col=5, max_col=5, values_only=True) if v]


def title(path: Path) -> str:
    """The 台账 title as it shows: a formula over 参数's 乡镇 (printed and checked in tests/test_print.py)."""
    wb = openpyxl.load_workbook(path)
    formula = wb[SHEET]["A1"].value
    assert "P_TOWNSHIP" in formula
    sheet, ref = wb.defined_names["P_TOWNSHIP"].attr_text.split("!")
    return formula.replace("P_TOWNSHIP", str(wb["参数"][ref.replace("$", "")].value))


def fill_like_a_clerk(path: Path, name: str = "手填的人") -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    ws.cell(6, column_index("household_id"), "HAND-1")
    ws.cell(6, column_index("name"), name)
    wb.save(path)


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    return subprocess.run([sys.executable, "-m", "hx_excel", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=600, env=env)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix == ".tmp")


# ---- settings -------------------------------------------------------------------------------------------

def test_built_in_settings_list_all_22_townships_with_the_expected_file_names():
    settings = load_settings()
    assert [t.name for t in settings.townships] == [*HUAXI, *GUIAN]
    assert {settings.file_name(t, 2022) for t in settings.townships} == EXPECTED_NAMES
    assert settings.rows == 1000 and settings.district == "花溪区"
    assert settings.township("520111101").name == "青岩镇"
    assert {t.area for t in settings.townships if t.name in GUIAN} == {"贵安新区"}


def test_settings_file_names_townships_by_name_and_adds_villages(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('year = 2022\n[villages]\n"石板镇" = ["羊龙村"]\n', encoding="utf-8")
    settings = load_settings(f)
    assert len(settings.townships) == 22 and settings.township("石板镇").villages == ["羊龙村"]
    subset = small(tmp_path)
    assert [(t.name, t.code, t.area) for t in subset.townships] == [("青岩镇", "520111101", "花溪区"),
                                                                     ("石板镇", "520111102", "花溪区")]


@pytest.mark.parametrize("text, expected", [
    ('yaer = 2022\n', ["yaer", "不是可识别的设置项"]),
    ('year = "二〇二二"\n', ["核算年度", "应为整数"]),
    ('file_name_pattern = "{town}.xlsx"\n', ["{town}", "{township}"]),
    ('file_name_pattern = "台账-{year}.xlsx"\n', ["{township}", "同名"]),
    ('[villages]\n"青岩" = ["龙井村"]\n', ["“青岩”", "乡镇全称"]),
    ('[[townships]]\nname = "新镇"\n', ["新镇", "code"]),
    ('[[townships]]\nname = "青岩镇"\n[[townships]]\nname = "青岩镇"\n', ["重复", "青岩镇"]),
    ('year = 2022\n[[townships]\n', ["TOML 格式有误"]),
])
def test_bad_settings_file_gets_a_chinese_message_naming_the_setting(tmp_path, text, expected):
    f = tmp_path / "区设置.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings(f)
    for part in expected:
        assert part in str(caught.value)


def test_year_without_an_income_line_is_refused_before_writing(tmp_path, policy):
    f = tmp_path / "s.toml"
    f.write_text('year = 2030\n[[townships]]\nname = "青岩镇"\n', encoding="utf-8")
    with pytest.raises(PolicyError, match="2030 年的年人均纯收入标准线"):
        generate(load_settings(f), policy, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_missing_settings_file_is_named(tmp_path):
    with pytest.raises(SettingsError, match="找不到区设置文件"):
        load_settings(tmp_path / "无.toml")


# ---- generating and roster import ------------------------------------------------------------------------

def test_workbook_carries_its_township_in_title_and_parameters(tmp_path, policy):
    results = workbooks(small(tmp_path), policy, tmp_path / "out")
    assert [r.path.name for r in results] == [QINGYAN, SHIBAN]
    path = tmp_path / "out" / QINGYAN
    assert "青岩镇" in title(path)
    values = params(path)
    assert values["乡镇"] == "青岩镇" and values["区县"] == "花溪区" and values["核算年度"] == 2022
    assert values["评估日期"] == "=TODAY()"
    assert param_villages(path) == ["龙井村", "北街社区"]
    assert "石板镇" in title(tmp_path / "out" / SHIBAN)
    assert leftovers(tmp_path / "out") == []


@pytest.mark.parametrize("kind", ["utf-8-sig", "gbk", "xlsx"])
def test_roster_imports_with_a_mapping_into_each_townships_workbook(tmp_path, policy, kind):
    mapping = tmp_path / "对照.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    roster = (write_xlsx(tmp_path / "名单.xlsx", roster_rows()) if kind == "xlsx"
              else write_csv(tmp_path / "名单.csv", roster_rows(), kind))
    results = workbooks(small(tmp_path), policy, tmp_path / "out", roster=roster, mapping=mapping)
    by_name = {r.path.name: r for r in results}
    assert (by_name[QINGYAN].households, by_name[QINGYAN].persons) == (2, 4)
    assert (by_name[SHIBAN].households, by_name[SHIBAN].persons) == (1, 1)

    qingyan, problems = read_back(tmp_path / "out" / QINGYAN, policy)
    assert problems == []
    assert set(qingyan) == {"QY-101", "QY-102"}
    luo = qingyan["QY-101"]
    assert luo.township == "青岩镇" and luo.village == "龙井村" and luo.annual_net_income == 4800
    assert [m.name for m in luo.members] == ["罗大山", "罗小花", "罗小山"]
    assert [m.id_number for m in luo.members] == [_id(1970, 11), _id(1972, 12), _id(2012, 13)]
    assert [m.labour for m in luo.members] == ["普通劳动力", "弱劳动力或半劳动力", "无劳动力"]
    assert luo.food_clothing_secured is True and luo.household_check_on == date(2022, 7, 1)
    assert qingyan["QY-102"].food_clothing_secured is False
    # villages named by the roster join the settings' list, so 统计 counts them
    assert param_villages(tmp_path / "out" / QINGYAN) == ["龙井村", "北街社区", "新村"]

    shiban, _ = read_back(tmp_path / "out" / SHIBAN, policy)
    assert set(shiban) == {"SB-201"} and shiban["SB-201"].household_check_on == date(2022, 7, 3)
    # the unmapped column is reported, not silently dropped
    notes = [str(p) for r in [read_roster(roster, small(tmp_path), policy, mapping)] for p in r.notes]
    assert any("联系电话" in n and "未导入" in n for n in notes)


def test_roster_with_ledger_headers_needs_no_mapping(tmp_path, policy):
    headers = ("户编号", "乡镇", "村", "姓名", "与户主关系", "身份证号", "户类型", "家庭年纯收入（元）", "劳动技能", "吃穿有保障",
               "入户核实日期", "序号")
    roster = write_csv(tmp_path / "名单.csv", [r[:-1] + ("1",) for r in roster_rows()], "utf-8", headers)
    results = workbooks(small(tmp_path), policy, tmp_path / "out", roster=roster)
    assert sum(r.households for r in results) == 3
    assert all(r.problems == [] for r in results)  # 序号 is a computed column: left out without a note


def test_roster_faults_are_reported_with_file_row_and_column_and_the_rest_imports(tmp_path, policy):
    rows = roster_rows()
    rows[0] = rows[0][:7] + ("很多",) + rows[0][8:]                        # text in a number column
    rows[1] = rows[1][:5] + ("5.20111E+17",) + rows[1][6:]                  # ID exported as a number
    rows[2] = rows[2][:8] + ("会飞",) + rows[2][9:]                         # not on the value list
    rows[3] = rows[3][:5] + (rows[3][5][:-1] + ("0" if rows[3][5][-1] != "0" else "1"),) + rows[3][6:]  # bad check digit
    mapping = tmp_path / "对照.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    roster = write_csv(tmp_path / "名单.csv", rows, "gbk")
    results = workbooks(small(tmp_path), policy, tmp_path / "out", roster=roster, mapping=mapping)
    problems = {str(p) for r in results for p in r.problems}
    expected = [("第 2 行", "家庭年收入(元)", "很多"), ("第 3 行", "证件号码", "存成了数字"), ("第 4 行", "劳动能力", "会飞"),
                ("第 5 行", "证件号码", "校验码")]
    for row, column, what in expected:
        assert any(f"文件 名单.csv {row}“{column}”列" in p and what in p for p in problems), (row, problems)

    qingyan, _ = read_back(tmp_path / "out" / QINGYAN, policy)
    luo = qingyan["QY-101"]
    assert luo.annual_net_income is None and luo.household_type == "脱贫户"       # the faulty cell alone is left out
    assert [m.name for m in luo.members] == ["罗大山", "罗小花", "罗小山"]
    assert luo.members[1].id_number == "" and luo.members[2].labour is None
    shiban, _ = read_back(tmp_path / "out" / SHIBAN, policy)
    assert shiban["SB-201"].members[0].id_number == rows[3][5]                    # kept as typed, for the clerk to fix


def test_household_that_does_not_validate_is_written_as_typed(tmp_path, policy):
    rows = [r for r in roster_rows() if r[0] == "QY-101"]
    rows[0] = rows[0][:4] + ("之子",) + rows[0][5:]   # no head row
    mapping = tmp_path / "对照.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    results = workbooks(small(tmp_path), policy, tmp_path / "out", roster=write_csv(tmp_path / "名单.csv", rows, "utf-8"),
                       mapping=mapping)
    assert any("没有户主行" in str(p) and "照原样导入" in str(p) for p in results[0].problems)
    ws = openpyxl.load_workbook(tmp_path / "out" / QINGYAN, read_only=True)[SHEET]
    names = [row[0] for row in ws.iter_rows(min_row=4, max_row=6, min_col=column_index("name"),
                                            max_col=column_index("name"), values_only=True)]
    assert names == ["罗大山", "罗小花", "罗小山"]


def test_unknown_township_in_roster_is_an_error_naming_the_row_and_nothing_is_written(tmp_path, policy):
    rows = roster_rows()
    rows[3] = rows[3][:1] + ("石板乡",) + rows[3][2:]
    mapping = tmp_path / "对照.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    with pytest.raises(RosterError) as caught:
        generate(small(tmp_path), policy, tmp_path / "out", roster=write_csv(tmp_path / "名单.csv", rows, "utf-8"),
                 mapping=mapping)
    assert "第 5 行" in str(caught.value) and "石板乡" in str(caught.value) and "石板镇" in str(caught.value)
    assert not (tmp_path / "out").exists()


def test_bad_mapping_file_is_explained(tmp_path, policy):
    mapping = tmp_path / "对照.toml"
    mapping.write_text('[columns]\n"户号" = "户编码"\n"分级" = "预警分级"\n', encoding="utf-8")
    with pytest.raises(RosterError) as caught:
        generate(small(tmp_path), policy, tmp_path / "out", roster=write_csv(tmp_path / "名单.csv", roster_rows(), "utf-8"),
                 mapping=mapping)
    message = str(caught.value)
    assert "户编码" in message and "没有这一列" in message and "自动计算" in message


def test_sample_workbook_holds_the_sample_households_at_their_date(tmp_path, policy):
    results = workbooks(small(tmp_path), policy, tmp_path / "out", samples=True)
    sample = results[-1]
    as_of, households = sample_households(policy)
    assert sample.sample and sample.path.name == SAMPLE_NAME and sample.households == len(households)
    assert params(sample.path)["评估日期"] == datetime.combine(as_of, datetime.min.time())
    read, problems = read_back(sample.path, policy)
    assert problems == [] and list(read) == [h.household_id for h in households]
    assert all(read[h.household_id].members == h.members for h in households)


# ---- never overwrite what a clerk typed ------------------------------------------------------------------

def test_refuses_to_overwrite_a_filled_workbook_naming_it_and_writes_nothing(tmp_path, policy):
    settings, out = small(tmp_path), tmp_path / "out"
    generate(settings, policy, out)
    fill_like_a_clerk(out / SHIBAN)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(GenerateError) as caught:
        generate(settings, policy, out)
    message = str(caught.value)
    assert SHIBAN in message and QINGYAN not in message and "--force" in message and "第 6 行" in message
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before   # not one byte written, empty one included


def test_force_keeps_a_backup_identical_to_the_old_file(tmp_path, policy):
    settings, out = small(tmp_path), tmp_path / "out"
    generate(settings, policy, out)
    fill_like_a_clerk(out / SHIBAN)
    old = (out / SHIBAN).read_bytes()
    results = workbooks(settings, policy, out, force=True)
    by_name = {r.path.name: r for r in results}
    backup = by_name[SHIBAN].backup
    assert backup is not None and backup.parent == out and backup.name.startswith("花溪区-石板镇-防贫监测台账-2022.bak-")
    assert backup.suffix == ".xlsx" and backup.read_bytes() == old
    assert read_back(out / SHIBAN, policy) == ({}, [])   # the new file: a blank ledger
    assert by_name[QINGYAN].backup is not None   # --force always keeps the previous file, even an empty template
    # a second forced run keeps the first backup and adds another
    fill_like_a_clerk(out / SHIBAN, "又填的人")
    second = workbooks(settings, policy, out, force=True)[1].backup
    assert second != backup and backup.read_bytes() == old


def test_regenerating_an_empty_template_or_unchanged_import_is_allowed(tmp_path, policy):
    settings, out = small(tmp_path), tmp_path / "out"
    mapping = tmp_path / "对照.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    roster = write_csv(tmp_path / "名单.csv", roster_rows(), "utf-8")
    generate(settings, policy, out, roster=roster, mapping=mapping)
    again = workbooks(settings, policy, out, roster=roster, mapping=mapping)   # same roster: nothing would be lost
    assert all(r.replaced and r.backup is None for r in again)
    with pytest.raises(GenerateError, match=QINGYAN):
        generate(settings, policy, out)   # empty templates over imported households would lose them
    assert {p.name for p in out.iterdir()} == {QINGYAN, SHIBAN}


@pytest.mark.parametrize("content", ["text", "other-xlsx", "renamed-column"])
def test_unrelated_file_at_the_target_is_never_overwritten_without_force(tmp_path, policy, content):
    settings, out = small(tmp_path), tmp_path / "out"
    out.mkdir()
    target = out / QINGYAN
    if content == "text":
        target.write_bytes("这不是工作簿".encode("utf-8"))
    elif content == "other-xlsx":
        wb = openpyxl.Workbook()
        wb.active["A1"] = "别的表"
        wb.save(target)
    else:
        generate(settings, policy, out)
        wb = openpyxl.load_workbook(target)
        wb[SHEET].cell(3, column_index("name"), "名字")   # a clerk renamed a header: we can no longer read it
        wb.save(target)
    old = target.read_bytes()
    with pytest.raises(GenerateError) as caught:
        generate(settings, policy, out)
    expected = {"text": ["无法确认"], "other-xlsx": ["不是本工具生成的台账", "Sheet"],
                "renamed-column": ["“台账”表E3为“名字”（本次生成为“姓名”）"]}[content]
    assert QINGYAN in str(caught.value) and all(part in str(caught.value) for part in expected), caught.value
    assert target.read_bytes() == old
    backup = workbooks(settings, policy, out, force=True)[0].backup
    assert backup.read_bytes() == old and read_back(target, policy) == ({}, [])


# ---- atomic save ------------------------------------------------------------------------------------------

def test_save_is_atomic_and_leaves_no_temp_files(tmp_path):
    target = tmp_path / "台账.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "一"
    assert save_workbook(wb, target) is None
    first = target.read_bytes()
    wb.active["A1"] = "二"
    backup = save_workbook(wb, target)
    assert backup.read_bytes() == first and openpyxl.load_workbook(target).active["A1"].value == "二"
    assert save_workbook(wb, target, keep_previous=False) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([target.name, backup.name])


def test_failed_save_leaves_the_old_file_untouched_and_no_temp_or_backup(tmp_path, monkeypatch):
    target = tmp_path / "台账.xlsx"
    target.write_bytes(b"old contents")

    # the disk fills as the new file is flushed (a real full disk: tests/test_faults.py, on a small tmpfs)
    real_fsync = os.fsync

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(SaveError, match="磁盘已满。原文件未改动"):
        save_workbook(openpyxl.Workbook(), target)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert target.read_bytes() == b"old contents" and [p.name for p in tmp_path.iterdir()] == [target.name]

    def locked(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", locked)
    with pytest.raises(SaveError, match="Excel、WPS 中打开"):
        save_workbook(openpyxl.Workbook(), target)
    assert target.read_bytes() == b"old contents" and [p.name for p in tmp_path.iterdir()] == [target.name]


# ---- the command line, as a user runs it ------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """`hx-excel demo` in an empty folder, with the built-in district settings."""
    cwd = tmp_path_factory.mktemp("demo")
    return cwd, run(cwd, "demo")


def test_demo_writes_every_township_and_the_sample_workbook_then_assesses(demo, policy):
    cwd, result = demo
    assert result.returncode == 0, result.stderr
    out = cwd / "out"
    month = {"月报-2022-07.xlsx", "公示-龙井村.xlsx", "部门线索-2022-07"}   # the month's work on the sample (fill, review …)
    national = out / "从国家系统导出生成"                       # real data: ledgers from the national export
    assert {p.name for p in out.iterdir() if ".bak-" not in p.name} == EXPECTED_NAMES | {SAMPLE_NAME} | month | {national.name}
    assert {p.name.split(".bak-")[0] for p in out.iterdir() if ".bak-" in p.name} == {SAMPLE_NAME[:-5]}
    lines = result.stdout.splitlines()
    assert sum(line.startswith("已生成 out/") and national.name not in line for line in lines) == 23
    assert {p.name for p in national.iterdir() if ".bak-" not in p.name} == EXPECTED_NAMES
    assert "青岩镇，导入 26 户 84 人" in result.stdout and "石板镇，导入 14 户 40 人" in result.stdout
    assert "—— import" in result.stdout and "名单一致，没有要导入的，文件未改动" in result.stdout
    # the demo starts from the export: its first step, then the sync, fill and check of the 青岩镇 ledger so made
    steps = [line for line in lines if line.startswith("—— ")]
    assert steps[0].startswith("—— generate --roster 国家系统导出-样例.xls") and steps[1].startswith("—— import")
    assert steps[2].startswith("—— fill：从导出生成") and steps[3].startswith("—— check：检查从导出生成")
    national_qingyan = national / "花溪区-青岩镇-防贫监测台账-2022.xlsx"
    assert "待办" in openpyxl.load_workbook(national_qingyan).sheetnames
    assert "R6 住房安全等级为“危房（待鉴定）”（国家系统只标注了危房户）" in result.stdout     # left for the village to grade
    assert "QY-001" in result.stdout and "脱贫不稳定户" in result.stdout      # the assessment table, as before
    for step in ("—— fill", "—— check", "—— review", "—— summary", "—— notice"):
        assert step in result.stdout
    # a month of department clues between the review and the summary, its late checks in the summary's D7 list
    after_review = steps[[s.startswith("—— review") for s in steps].index(True) + 1:]
    expected = ("—— clues intake", "—— 青岩镇入户核实后填写交办单", "—— clues status", "—— clues apply", "—— summary：")
    assert all(step.startswith(start) for step, start in zip(after_review, expected)) and len(after_review) >= 5
    clues = out / "部门线索-2022-07"
    assert {p.name for p in clues.iterdir() if ".bak-" not in p.name} == \
        {"线索总台账-2022-07.xlsx", "线索交办单-2022-07-青岩镇.xlsx", "线索交办单-2022-07-石板镇.xlsx"}
    assert "7日内已核实 2，逾期核实 1，逾期未核实 3" in result.stdout
    d7 = [c for row in openpyxl.load_workbook(out / "月报-2022-07.xlsx")["D7问责清单"].iter_rows(values_only=True)
          for c in row if isinstance(c, str) and c.startswith("部门联合筛查线索")]
    assert len(d7) == 3
    assert "待办" in openpyxl.load_workbook(out / SAMPLE_NAME).sheetnames
    # the summary counts the sample as 青岩镇, once: its blank twin is left out, so nothing is reported twice
    assert "重复" not in result.stdout and "未计入" not in result.stdout
    report = openpyxl.load_workbook(out / "月报-2022-07.xlsx")
    assert not any("青岩镇-防贫监测台账-2022.xlsx" == c for ws in report for row in ws.iter_rows(values_only=True)
                   for c in row)
    machang = out / "贵安新区-马场镇-防贫监测台账-2022.xlsx"
    assert "马场镇" in title(machang)
    assert params(machang)["乡镇"] == "马场镇" and params(machang)["区县"] == "贵安新区"
    assert params(out / SAMPLE_NAME)["评估日期"] == datetime(2022, 7, 15)
    _, households = sample_households(policy)
    assert len(read_ledger(out / SAMPLE_NAME, policy).households) == len(households)
    assert leftovers(out) == []


def test_demo_again_regenerates_ours_and_skips_a_filled_workbook(tmp_path):
    (tmp_path / "s.toml").write_text(SMALL_SETTINGS, encoding="utf-8")
    first = run(tmp_path, "demo", "--settings", "s.toml")
    assert first.returncode == 0, first.stderr
    fill_like_a_clerk(tmp_path / "out" / SHIBAN)
    filled = (tmp_path / "out" / SHIBAN).read_bytes()
    again = run(tmp_path, "demo", "--settings", "s.toml")
    assert again.returncode == 0, again.stderr
    lines = again.stdout.splitlines()
    assert any(line.startswith(f"跳过 out/{SHIBAN}") and "--force" in line for line in lines)
    # the sample holds the first run's month (fill, review): the demo leaves it and runs the month on it again
    assert any(line.startswith(f"跳过 out/{SAMPLE_NAME}") for line in lines)
    assert any(line.startswith(f"已生成 out/{QINGYAN}") for line in lines)
    assert "QY-001" in again.stdout and "已是最新" in again.stdout and "2022-07 研判" in again.stdout
    assert (tmp_path / "out" / SHIBAN).read_bytes() == filled
    names = sorted(p.name for p in (tmp_path / "out").iterdir() if ".bak-" not in p.name)
    assert names == sorted([QINGYAN, SHIBAN, SAMPLE_NAME, "月报-2022-07.xlsx", "公示-龙井村.xlsx", "从国家系统导出生成",
                            "部门线索-2022-07"])
    assert "名单一致，没有要导入的，文件未改动" in again.stdout


def test_generate_command_imports_refuses_then_forces(tmp_path):
    (tmp_path / "s.toml").write_text(SMALL_SETTINGS, encoding="utf-8")
    (tmp_path / "m.toml").write_text(MAPPING, encoding="utf-8")
    write_csv(tmp_path / "名单.csv", roster_rows(), "gbk")
    args = ("generate", "--settings", "s.toml", "--roster", "名单.csv", "--mapping", "m.toml", "--out", "台账")
    result = run(tmp_path, *args)
    assert result.returncode == 0, result.stderr
    assert f"已生成 台账/{QINGYAN}（青岩镇，导入 2 户 4 人" in result.stdout
    assert f"已生成 台账/{SHIBAN}（石板镇，导入 1 户 1 人" in result.stdout
    assert "联系电话" in result.stdout   # the roster note, printed after the workbooks

    fill_like_a_clerk(tmp_path / "台账" / QINGYAN)
    refused = run(tmp_path, "generate", "--settings", "s.toml", "--out", "台账")
    assert refused.returncode == 2 and QINGYAN in refused.stderr and "--force" in refused.stderr
    assert "Traceback" not in refused.stderr

    forced = run(tmp_path, "generate", "--settings", "s.toml", "--out", "台账", "--force", "--samples")
    assert forced.returncode == 0, forced.stderr
    assert "旧文件已备份为 台账/花溪区-青岩镇-防贫监测台账-2022.bak-" in forced.stdout
    assert f"已生成 台账/{SAMPLE_NAME}" in forced.stdout


@pytest.mark.parametrize("args, expected", [
    (("generate", "--settings", "无.toml"), "找不到区设置文件"),
    (("generate", "--roster", "无.csv"), "找不到名单文件"),
    (("generate", "--mapping", "m.toml"), "须与 --roster 一起使用"),
])
def test_generate_errors_are_chinese_with_exit_code_2(tmp_path, args, expected):
    result = run(tmp_path, *args)
    assert result.returncode == 2 and expected in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_household_values_typed_on_member_rows_are_said_or_taken_when_they_agree(tmp_path, policy, capsys):
    """Issue 18 point 8: 户类型 and income are household facts read from the head's row. 罗小花's row repeats the head's
    户类型 (the same: taken without a word) and gives another income (12000 against the head's 4800: said, with both
    values); 周六's row gives an income where the head of QY-102, 周五, left it blank (said, not guessed)."""
    from hx_excel.cli import main
    rows = roster_rows()
    rows[1] = rows[1][:6] + ("脱贫户", "12000") + rows[1][8:]      # 罗小花: same 户类型, another income
    rows.append(("QY-102", "青岩镇", "新村", "周六", "之子", _id(1985, 19), "", "9000", "普通劳动力", "", "", ""))
    rows[4] = rows[4][:7] + ("",) + rows[4][8:]                      # 周五 (head of QY-102): income left blank
    mapping = tmp_path / "对照.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    roster = write_csv(tmp_path / "名单.csv", rows, "utf-8")
    settings = tmp_path / "区设置.toml"
    settings.write_text(SMALL_SETTINGS, encoding="utf-8")
    assert main(["generate", "--settings", str(settings), "--roster", str(roster), "--mapping", str(mapping),
                 "--out", str(tmp_path / "out")]) == 1
    out = capsys.readouterr().out
    assert ("第 3 行“家庭年收入(元)”列：户编号“QY-101”：“家庭年纯收入（元）”是全户的情况，只读户主行；本行（成员）填了“12000”，"
            "户主行填的是“4800”，本行的值没有导入：请把它填到户主行") in out
    assert ("第 7 行“家庭年收入(元)”列：户编号“QY-102”：“家庭年纯收入（元）”是全户的情况，只读户主行；本行（成员）填了“9000”，"
            "户主行未填，本行的值没有导入：请把它填到户主行") in out
    assert "第 3 行“户类别”列" not in out


def test_workbooks_built_on_two_cores_are_the_ones_built_on_one(tmp_path, policy):
    """generate builds a district's workbooks on two processes (four or more): each file must hold exactly what the
    same run builds in one process — the export's households under the right township, the sample — and no staged
    temporary file may be left in the folder."""
    from hx_excel.files.content import same_parts
    export = Path(__file__).parents[1] / "hx_excel" / "samples" / "国家系统导出-样例.xlsx"
    built_in = load_settings(None)
    settings = DistrictSettings(townships=[t for t in built_in.townships
                                           if t.name in ("青岩镇", "石板镇", "麦坪镇", "燕楼镇")], rows=60)
    runs = {}
    for workers in (1, 2):
        runs[workers] = generate(settings, policy, tmp_path / str(workers), roster=export, samples=True,
                                 workers=workers)
        problems = runs[workers].problems_file
        assert sorted(p.name for p in (tmp_path / str(workers)).iterdir()) == sorted(       # nothing staged left
            [w.path.name for w in runs[workers].workbooks] + ([problems.name] if problems else []))
    assert [(w.township, w.households, w.persons) for w in runs[2].workbooks] == [
        ("青岩镇", 26, 84), ("石板镇", 14, 40), ("麦坪镇", 0, 0), ("燕楼镇", 0, 0), ("青岩镇", 10, 25)]
    for one, two in zip(runs[1].workbooks, runs[2].workbooks):
        assert same_parts(one.path, two.path), two.path.name
        read = read_ledger(two.path, policy).households                 # what the file holds, not what was meant
        assert (len(read), sum(len(h.household.members) for h in read)) == (two.households, two.persons)


def test_a_ctrl_c_the_moment_a_temporary_file_is_made_leaves_it_not_behind(tmp_path, monkeypatch):
    """Ctrl-C can land after the system has made a temporary file and before its name is handed back (the bad-input
    test's real SIGINT hit it once in a few runs): the run holds the folder's lock, so every temporary file of ours
    left in the folder is removed before the lock goes, and the interruption goes on up."""
    import tempfile

    from hx_excel.policy import default_policy

    made = []
    real = tempfile.mkstemp

    def made_then_interrupted(*args, **kwargs):
        handle, name = real(*args, **kwargs)
        made.append(name)
        if len(made) == 2:
            os.close(handle)
            raise KeyboardInterrupt
        return handle, name

    monkeypatch.setattr(tempfile, "mkstemp", made_then_interrupted)
    settings = load_settings(None)
    with pytest.raises(KeyboardInterrupt):
        generate(settings, default_policy(), tmp_path / "out", workers=1)
    assert len(made) == 2 and not Path(made[1]).exists()
    left = list((tmp_path / "out").iterdir()) if (tmp_path / "out").exists() else []
    assert not [p.name for p in left if p.name.startswith(".")]       # no temporary file, no lock
