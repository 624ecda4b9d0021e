"""The bad-input corpus: every way a user's file or command can be wrong, built here as real files and fed to the
command line as a user runs it. For each: no traceback, the expected Chinese message naming file, row and column,
the documented exit code (0 done, 1 done with problems in the data, 2 refused), inputs byte-identical afterwards,
and no file written when refused. Overwrite cases check that what the clerk typed is still there afterwards."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName

from conftest import Run
from hx_excel.cli import main
from hx_excel.core.id_number import make_valid
from hx_excel.districts import load_settings
from hx_excel.operations.generate import generate
from hx_excel.ledger.schema import COLUMNS, FIRST_DATA_ROW, SHEET, column_index
from hx_excel.policy import default_policy

ROOT = Path(__file__).resolve().parents[1]
QINGYAN = "花溪区-青岩镇-防贫监测台账-2022.xlsx"
SHIBAN = "花溪区-石板镇-防贫监测台账-2022.xlsx"
SETTINGS = 'rows = 10\n[[townships]]\nname = "青岩镇"\nvillages = ["龙井村"]\n[[townships]]\nname = "石板镇"\n'
HEADERS = ["户编号", "乡镇", "村", "姓名", "与户主关系", "身份证号", "户类型", "家庭年纯收入（元）", "入户核实日期", "备注"]


def pid(year: int, seq: int) -> str:
    return make_valid("520111", date(year, 3, 4), seq)


def good_rows() -> list[list[str]]:
    return [
        ["QY-1", "青岩镇", "龙井村", "罗大山", "户主", pid(1970, 11), "脱贫户", "4800", "2022-07-01", ""],
        ["QY-1", "青岩镇", "龙井村", "罗小花", "配偶", pid(1972, 12), "", "", "", ""],
        ["SB-1", "石板镇", "羊龙村", "杨二", "户主", pid(1965, 15), "一般农户", "30000", "2022/7/3", ""],
    ]


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    """A working folder holding the district settings, as a clerk's would."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "区设置.toml").write_text(SETTINGS, encoding="utf-8")
    return tmp_path


@pytest.fixture
def cli(capsys):
    def run(*argv: str) -> Run:
        code = main(list(argv))
        captured = capsys.readouterr()
        result = Run(code, captured.out, captured.err)
        assert "Traceback" not in result.text and "内部出错" not in result.text, result.text
        return result
    return run


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig", headers=HEADERS) -> Path:
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows([headers, *rows])
    path.write_bytes(text.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list], headers=HEADERS, title: str = "名单") -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = title
    for row in [headers, *rows]:
        wb.active.append(row)
    wb.save(path)
    return path


def generate_args(roster: str | None = None, *more: str) -> list[str]:
    return ["generate", "--settings", "区设置.toml", *(["--roster", roster] if roster else []), *more]


def ledger_rows(path: Path) -> list[dict[str, object]]:
    """台账's typed rows as {header: value}, with each cell's type kept for the formula checks."""
    ws = openpyxl.load_workbook(path)[SHEET]
    headers = [c.value for c in ws[3]]
    rows = []
    for row in ws.iter_rows(min_row=FIRST_DATA_ROW):
        typed = {headers[c.column - 1]: c for c in row if c.value is not None and c.data_type != "f"}
        if typed:
            rows.append(typed)
    return rows


# ---- refused: a clear message, exit code 2, nothing written, inputs untouched ------------------------------------

def _encrypted(path: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile
    plain = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active.append(HEADERS)
    wb.save(plain)
    plain.seek(0)
    with open(path, "wb") as out:
        OOXMLFile(plain).encrypt("123456", out)


def _word(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")


def _damaged_sheet(path: Path) -> None:
    source = write_xlsx(path.with_suffix(".orig.xlsx"), good_rows())
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2] + b"<row r=\"9\"><c r=\"A9\"><v>1</broken"
            new.writestr(item, data)
    source.unlink()


def _two_names_under_two_groups(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["户编号", "乡镇", "户主信息", None, "家庭成员", None, None])
    ws.append([None, None, "姓名", "身份证号", "姓名", "与户主关系", "身份证号"])
    ws.merge_cells("A1:A2"), ws.merge_cells("B1:B2"), ws.merge_cells("C1:D1"), ws.merge_cells("E1:G1")
    ws.append(["QY-1", "青岩镇", "罗大山", pid(1970, 11), "罗大山", "户主", pid(1970, 11)])
    wb.save(path)


REFUSED = {
    # roster files
    "missing roster": (lambda f: None, generate_args("无.csv"), ["找不到名单文件", "无.csv"]),
    "roster is a folder": (lambda f: (f / "名单").mkdir(), generate_args("名单"), ["名单文件 名单 是一个文件夹"]),
    "damaged .xls": (lambda f: (f / "名单.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)),
                     generate_args("名单.xls"), ["名单.xls 已损坏", "CSV"]),
    "a Word document": (lambda f: _word(f / "名单.xlsx"), generate_args("名单.xlsx"), ["是 Word 文档，不是 Excel 工作簿"]),
    "password-protected": (lambda f: _encrypted(f / "名单.xlsx"), generate_args("名单.xlsx"),
                           ["设置了打开密码（已加密）", "名单.xlsx"]),
    "damaged sheet XML": (lambda f: _damaged_sheet(f / "名单.xlsx"), generate_args("名单.xlsx"), ["已损坏", "名单.xlsx"]),
    "not a zip, named .xlsx": (lambda f: (f / "名单.xlsx").write_bytes(b"PK\x03\x04garbage"), generate_args("名单.xlsx"),
                               ["名单.xlsx 已损坏"]),
    "binary, not text": (lambda f: (f / "名单.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"),
                         generate_args("名单.csv"), ["不是可读的 CSV", "另存为"]),
    "empty roster": (lambda f: (f / "名单.csv").write_bytes(b""), generate_args("名单.csv"), ["名单 名单.csv 是空的"]),
    "no header found": (lambda f: write_csv(f / "名单.csv", [["1", "2"]], headers=["甲", "乙"]), generate_args("名单.csv"),
                        ["找不到表头", "--mapping"]),
    "no 户编号 column": (lambda f: write_csv(f / "名单.csv", [["罗大山", "青岩镇"]], headers=["姓名", "乡镇"]),
                       generate_args("名单.csv"), ["找不到“户编号”列"]),
    "unknown township": (lambda f: write_csv(f / "名单.csv", good_rows()[:2] + [["SB-1", "石板乡", "", "杨二", "户主", "",
                                                                                  "", "", "", ""]]),
                         generate_args("名单.csv"), ["第 4 行“乡镇”为“石板乡”", "石板镇", "未写入任何台账"]),
    "broken CSV quoting": (lambda f: (f / "名单.csv").write_text("户编号,乡镇,姓名\r\nQY-1,青岩镇,\"罗大山\"x\"\r\n" * 1
                                                               + "\"QY-2,青岩镇", encoding="utf-8"),
                           generate_args("名单.csv"), ["名单 名单.csv 第 2 行不是有效的 CSV", "引号"]),
    "two merged columns share a sub-header": (lambda f: _two_names_under_two_groups(f / "名单.xlsx"),
                                              generate_args("名单.xlsx"),
                                              ["两行表头", "“户主信息/姓名”和“家庭成员/姓名”都叫“姓名”", "对照表"]),
    # settings, mapping, policy
    "broken settings TOML": (lambda f: (f / "区设置.toml").write_text("[[townships]\nname = 1", encoding="utf-8"),
                             generate_args(), ["区设置文件", "TOML 格式有误"]),
    "settings not UTF-8": (lambda f: (f / "区设置.toml").write_bytes("rows = 10 # 行数".encode("gbk")), generate_args(),
                           ["区设置文件", "不是 UTF-8"]),
    "settings is a folder": (lambda f: (f / "设置").mkdir(), ["generate", "--settings", "设置"], ["是一个文件夹"]),
    "broken mapping TOML": (lambda f: (write_csv(f / "名单.csv", good_rows()),
                                       (f / "对照.toml").write_text('[columns]\n"户号" = 户编号', encoding="utf-8")),
                            generate_args("名单.csv", "--mapping", "对照.toml"), ["列名对照表", "TOML 格式有误"]),
    "mapping names no ledger column": (lambda f: (write_csv(f / "名单.csv", good_rows()),
                                                  (f / "对照.toml").write_text('[columns]\n"户号" = "户编码"',
                                                                               encoding="utf-8")),
                                       generate_args("名单.csv", "--mapping", "对照.toml"), ["户编码", "台账没有这一列"]),
    "mapping sheet missing": (lambda f: (write_xlsx(f / "名单.xlsx", good_rows()),
                                         (f / "对照.toml").write_text('sheet = "花名册"', encoding="utf-8")),
                              generate_args("名单.xlsx", "--mapping", "对照.toml"), ["没有名为“花名册”的工作表", "名单"]),
    "mapping without roster": (lambda f: (f / "对照.toml").write_text('sheet = "x"', encoding="utf-8"),
                               ["generate", "--mapping", "对照.toml"], ["须与 --roster 一起使用"]),
    "mapping is a folder": (lambda f: (write_csv(f / "名单.csv", good_rows()), (f / "对照").mkdir()),
                            generate_args("名单.csv", "--mapping", "对照"), ["列名对照表 对照 是一个文件夹"]),
    "policy is a folder": (lambda f: (f / "参数").mkdir(), ["--policy", "参数", "assess"], ["政策参数文件 参数 是一个文件夹"]),
    "broken policy TOML": (lambda f: (f / "参数.toml").write_text("[grading\n", encoding="utf-8"),
                           ["--policy", "参数.toml", "generate", "--settings", "区设置.toml"], ["政策参数文件", "TOML 格式有误"]),
    "policy value out of range": (lambda f: (f / "参数.toml").write_text("[grading]\ng1_margin_multiple = 0.5\n",
                                                                         encoding="utf-8"),
                                  ["--policy", "参数.toml", "assess"], ["g1_margin_multiple", "必须大于 1"]),
    "policy lines of the wrong shape": (lambda f: (f / "参数.toml").write_text("income_lines = 5\n", encoding="utf-8"),
                                        ["--policy", "参数.toml", "assess"], ["income_lines 应写成"]),
    "year without an income line": (lambda f: (f / "区设置.toml").write_text("year = 2030\n", encoding="utf-8"),
                                    generate_args(), ["2030 年的年人均纯收入标准线"]),
    "out is a file": (lambda f: (f / "out").write_bytes(b"x"), generate_args(None, "--out", "out"),
                      ["输出位置 out 是一个文件"]),
    # households JSON and the command line itself
    "JSON without households": (lambda f: (f / "户.json").write_text('{"foo": []}', encoding="utf-8"),
                                ["assess", "户.json"], ["没有 households", "现有的键：foo"]),
    "JSON of the wrong shape": (lambda f: (f / "户.json").write_text('{"households": 5}', encoding="utf-8"),
                                ["assess", "户.json"], ["不是户的列表", "数字"]),
    "JSON syntax error": (lambda f: (f / "户.json").write_text('{"households": [}', encoding="utf-8"),
                          ["assess", "户.json"], ["不是有效的 JSON", "第 1 行"]),
    "JSON with a bad as_of": (lambda f: (f / "户.json").write_text('{"as_of": "2022-02-30", "households": []}',
                                                                   encoding="utf-8"),
                              ["assess", "户.json"], ["as_of（评估日期）“2022-02-30”不是有效的日期"]),
    "a picture as JSON": (lambda f: (f / "户.json").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00"), ["assess", "户.json"],
                          ["不是 UTF-8 编码的文本文件"]),
    "JSON is a folder": (lambda f: (f / "户.json").mkdir(), ["assess", "户.json"], ["是一个文件夹"]),
    "bad --as-of": (lambda f: None, ["assess", "--as-of", "2022-02-30"], ["--as-of", "“2022-02-30”不是有效的日期"]),
    "unknown command": (lambda f: None, ["generat"], ["不能是“generat”", "generate"]),
    "unknown option": (lambda f: None, ["generate", "--forse"], ["不认识的参数 --forse"]),
    "bad --wait": (lambda f: None, ["generate", "--wait", "很久"], ["“很久”不是有效的秒数"]),
}


@pytest.mark.parametrize("case", REFUSED)
def test_refused_with_a_clear_message_and_nothing_written(folder, cli, case):
    build, argv, expected = REFUSED[case]
    build(folder)
    before = snapshot(folder)
    result = cli(*argv)
    assert result.code == 2, result.text
    assert result.err.startswith("错误："), result.err
    for part in expected:
        assert part in result.err, (part, result.err)
    assert "Traceback" not in result.text
    assert snapshot(folder) == before   # inputs byte-identical, and no file written


def test_a_file_we_may_not_read_is_named_as_such(tmp_path):
    """No permission to read: as another user when the tests run as root (root reads everything)."""
    shared = Path(tempfile.mkdtemp())
    try:
        shared.chmod(0o755)
        households = shared / "户.json"
        households.write_text('{"households": []}', encoding="utf-8")
        roster = write_csv(shared / "名单.csv", good_rows())
        for path in (households, roster):
            path.chmod(0o600 if os.geteuid() == 0 else 0o000)
        drop = "os.setgid(65534); os.setuid(65534)" if os.geteuid() == 0 else ""
        for argv in (["assess", str(households)], ["generate", "--roster", str(roster), "--out", str(shared / "out")]):
            code = ("import os, sys, hx_excel.cli, hx_excel.policy, hx_excel.districts, hx_excel.samples;"
                    "hx_excel.policy.load_policy(None); hx_excel.districts.load_settings();"
                    f"{drop}; sys.exit(hx_excel.cli.main({argv!r}))")
            result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
            assert result.returncode == 2 and "没有权限读取" in result.stderr, result.stderr
            assert "Traceback" not in result.stderr and not (shared / "out").exists()
    finally:
        shutil.rmtree(shared)


# ---- done with problems in the data: the rest imports, every problem named by file, row and column --------------

def _row(**changes) -> list[str]:
    row = dict(zip(HEADERS, good_rows()[0]))
    row.update(changes)
    return [row[h] for h in HEADERS]


ROSTER_PROBLEMS = {
    "control character": ([_row(姓名="罗\x07大山")], "姓名", "含有控制字符 U+0007，已删除"),
    "zero-width space in an ID": ([_row(身份证号="\u200b" + pid(1970, 11))], "身份证号", "零宽空格 U+200B"),
    "spaces inside an ID": ([_row(身份证号=pid(1970, 11)[:6] + " " + pid(1970, 11)[6:])], "身份证号", "中间有空格，已删除"),
    "formula text": ([_row(备注="=1/0")], "备注", "以“=”开头，像公式，已作为文字导入"),
    "a link as a village": ([_row(村='=HYPERLINK("http://x","点我")')], "村", "像公式"),
    "DDE call": ([_row(备注="=cmd|' /C calc'!A0")], "备注", "DDE"),
    "formula as 户编号": ([_row(户编号="=A1")], "户编号", "像公式"),
    "wildcard in 户编号": ([_row(户编号="QY*1")], "户编号", "台账公式会把它当作通配符或比较条件"),
    "over 32,767 characters": ([_row(备注="长" * 40_000)], "备注", "超过 Excel 单元格上限 32,767"),
    "impossible date": ([_row(入户核实日期="2022-02-30")], "入户核实日期", "不是真实的日期（2022 年 2 月没有 30 日）"),
    "year 9999": ([_row(入户核实日期="9999-01-01")], "入户核实日期", "年份不合理"),
    "year 1": ([_row(入户核实日期="0001-01-01")], "入户核实日期", "年份不合理"),
    "number too large": ([_row(**{"家庭年纯收入（元）": "1e400"})], "家庭年纯收入（元）", "太大"),
    "number past 15 digits": ([_row(**{"家庭年纯收入（元）": "12345678901234567"})], "家庭年纯收入（元）", "超过 15 位"),
    "negative income": ([_row(**{"家庭年纯收入（元）": "-500"})], "家庭年纯收入（元）", "负数（-500 元）"),
    "text in a number cell": ([_row(**{"家庭年纯收入（元）": "1.2万"})], "家庭年纯收入（元）", "应为数字，现为文字“1.2万”"),
    "ID exported as a number": ([_row(身份证号="5.20111E+17")], "身份证号", "存成了数字"),
    "15-digit ID": ([_row(身份证号="520111700304001")], "身份证号", "15 位旧身份证号"),
    "bad check digit": ([_row(身份证号=pid(1970, 11)[:-1] + ("0" if pid(1970, 11)[-1] != "0" else "1"))], "身份证号",
                        "校验码不符"),
    "off the value list": ([_row(与户主关系="户主", 户类型="贫困户")], "户类型", "“贫困户”不在下拉列表中，可能是“脱贫户”"),
    "duplicate ID in a township": ([_row(), _row(姓名="罗大山二", 与户主关系="之子", 户类型="", 户编号="QY-1")], "身份证号",
                                   "与第 2 行重复：同一人登记了两次"),
    "duplicate ID across townships": ([_row(), _row(户编号="SB-9", 乡镇="石板镇")], "身份证号",
                                      "同时出现在青岩镇和石板镇的台账中"),
}


@pytest.mark.parametrize("case", ROSTER_PROBLEMS)
def test_roster_problems_are_named_and_the_rest_imports(folder, cli, case):
    rows, column, message = ROSTER_PROBLEMS[case]
    write_csv(folder / "名单.csv", rows)
    before = snapshot(folder)
    result = cli(*generate_args("名单.csv"))
    assert result.code == 1, result.text
    assert "注意：名单 名单.csv 有" in result.out
    row = 1 + len(rows)   # the faulty row is the last one
    line = next((l for l in result.out.splitlines() if f"第 {row} 行“{column}”列" in l), "")
    assert message in line, result.out
    assert {k: v for k, v in snapshot(folder).items() if not k.startswith("out")} == before   # inputs untouched
    # all problems also in the file the message names, and no text became a formula
    report = openpyxl.load_workbook(folder / "out" / "导入问题-名单.xlsx").active
    assert any(message in str(r[3].value) for r in report.iter_rows(min_row=4))
    for typed in ledger_rows(folder / "out" / QINGYAN) + ledger_rows(folder / "out" / SHIBAN):
        assert all(cell.data_type != "f" for cell in typed.values())


def test_an_id_that_excel_turned_into_a_number_is_named(folder, cli):
    rows = good_rows()
    rows[1][5] = float(rows[1][5])   # what Excel does to an 18-digit ID typed into a General cell
    write_xlsx(folder / "名单.xlsx", rows)
    result = cli(*generate_args("名单.xlsx"))
    assert result.code == 1
    assert "文件 名单.xlsx 第 3 行“身份证号”列：身份证号存成了数字" in result.out
    assert [r["姓名"].value for r in ledger_rows(folder / "out" / QINGYAN)] == ["罗大山", "罗小花"]


def test_formula_text_stays_text_in_every_cell_we_write(folder, cli):
    rows = [_row(户编号="=A1", 村='=HYPERLINK("http://x","点我")', 姓名="@SUM(1+1)", 备注="=cmd|' /C calc'!A0")]
    write_csv(folder / "名单.csv", rows)
    assert cli(*generate_args("名单.csv")).code == 1
    wb = openpyxl.load_workbook(folder / "out" / QINGYAN)
    [typed] = ledger_rows(folder / "out" / QINGYAN)
    assert {h: (c.value, c.data_type) for h, c in typed.items() if h in ("户编号", "村", "姓名", "备注")} == {
        "户编号": ("=A1", "s"), "村": ('=HYPERLINK("http://x","点我")', "s"), "姓名": ("@SUM(1+1)", "s"),
        "备注": ("=cmd|' /C calc'!A0", "s")}
    villages = [c for c in wb["参数"]["E"] if c.value == '=HYPERLINK("http://x","点我")']
    assert villages and villages[0].data_type == "s" and villages[0].quotePrefix


def test_problems_on_screen_are_capped_and_all_of_them_are_in_the_file(folder, cli):
    rows = [_row(户编号=f"QY-{n}", 身份证号=pid(1950 + n % 50, 11 + n)[:-1] + "Z") for n in range(80)]
    write_csv(folder / "名单.csv", rows)
    result = cli(*generate_args("名单.csv"))
    assert result.code == 1
    listed = [l for l in result.out.splitlines() if l.startswith("  文件 名单.csv 第")]
    assert len(listed) == 50 and "……另有 30 处未列出，全部见 out/导入问题-名单.xlsx" in result.out
    report = openpyxl.load_workbook(folder / "out" / "导入问题-名单.xlsx").active
    assert report["A1"].value == "名单 名单.csv 导入问题（共 80 处）" and report.max_row == 3 + 80


@pytest.mark.libreoffice
@pytest.mark.parametrize("kind", ["xls", "ods"])
def test_the_legacy_xls_the_national_system_exports_is_read(folder, cli, kind):
    """A real .xls (and .ods) written by LibreOffice from a roster whose IDs are text cells."""
    write_xlsx(folder / "源.xlsx", good_rows())
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{folder}/profile", "--convert-to", kind,
                    "--outdir", str(folder), str(folder / "源.xlsx")], capture_output=True, timeout=120)
    (folder / f"源.{kind}").rename(folder / f"名单.{kind}")
    result = cli(*generate_args(f"名单.{kind}"))
    assert result.code == 0, result.text
    assert f"名单 名单.{kind}：读取“名单”表，表头在第 1 行，数据 3 行，共 2 户。" in result.out
    rows = ledger_rows(folder / "out" / QINGYAN)
    assert [r["身份证号"].value for r in rows] == [pid(1970, 11), pid(1972, 12)]
    assert rows[0]["入户核实日期"].value == datetime(2022, 7, 1) and rows[0]["家庭年纯收入（元）"].value == 4800


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "utf-16"])
def test_every_encoding_excel_writes_is_read(folder, cli, encoding):
    write_csv(folder / "名单.csv", good_rows(), encoding=encoding)
    result = cli(*generate_args("名单.csv"))
    assert result.code == 0, result.text
    assert "导入 1 户 2 人" in result.out and "（石板镇，导入 1 户 1 人" in result.out


# ---- mapping without traps ----------------------------------------------------------------------------------------

def test_a_mapping_adds_to_identical_headers_and_wins_over_them(folder, cli):
    headers = ["户号", "乡镇", "村", "姓名", "与户主关系", "身份证号", "证件号码（核实后）"]
    rows = [["QY-1", "青岩镇", "龙井村", "罗大山", "户主", "旧号码", pid(1970, 11)]]
    write_csv(folder / "名单.csv", rows, headers=headers)
    (folder / "对照.toml").write_text('[columns]\n"户号" = "户编号"\n"证件号码（核实后）" = "身份证号"\n', encoding="utf-8")
    result = cli(*generate_args("名单.csv", "--mapping", "对照.toml"))
    assert result.code == 0, result.text
    assert "“身份证号”列：未导入：列名对照表已指定“证件号码（核实后）”导入这一台账列" in result.out
    [typed] = ledger_rows(folder / "out" / QINGYAN)
    assert typed["身份证号"].value == pid(1970, 11) and typed["姓名"].value == "罗大山"


def test_choosing_a_sheet_and_header_row_maps_nothing_else(folder, cli):
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    ws = wb.create_sheet("花名册")
    ws.append(["青岩镇防返贫监测对象花名册（2022 年 7 月）"])
    ws.append(HEADERS)
    ws.append(good_rows()[0])
    wb.save(folder / "名单.xlsx")
    (folder / "对照.toml").write_text('sheet = "花名册"\nheader_row = 2\n', encoding="utf-8")
    result = cli(*generate_args("名单.xlsx", "--mapping", "对照.toml"))
    assert result.code == 0, result.text
    assert "名单 名单.xlsx：读取“花名册”表，表头在第 2 行，数据 1 行，共 1 户。" in result.out


def test_a_two_row_merged_header_is_read_as_one(folder, cli):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["青岩镇防返贫监测对象花名册"])
    ws.append(["户编号", "乡镇", "家庭成员情况", None, None, "收入情况", "核实情况"])
    ws.append([None, None, "姓名", "与户主关系", "身份证号", "家庭年纯收入（元）", "入户核实日期"])
    for merged in ("A1:G1", "A2:A3", "B2:B3", "C2:E2"):
        ws.merge_cells(merged)
    ws.append(["QY-1", "青岩镇", "罗大山", "户主", pid(1970, 11), 4800, datetime(2022, 7, 1)])
    ws.append(["QY-1", "青岩镇", "罗小花", "配偶", pid(1972, 12), None, None])
    wb.save(folder / "名单.xlsx")
    result = cli(*generate_args("名单.xlsx"))
    assert result.code == 0, result.text
    assert "表头在第 2–3 行（两行表头），数据 2 行，共 1 户" in result.out and "导入 1 户 2 人" in result.out
    rows = ledger_rows(folder / "out" / QINGYAN)
    assert [r["姓名"].value for r in rows] == ["罗大山", "罗小花"]
    assert rows[0]["家庭年纯收入（元）"].value == 4800 and rows[0]["入户核实日期"].value == datetime(2022, 7, 1)
    # the same layout saved as CSV by Excel (merged cells keep their text in their first cell)
    (folder / "out").rename(folder / "xlsx-out")
    with open(folder / "名单.csv", "w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows([[c.value if c.value is not None else "" for c in r] for r in ws.iter_rows()])
    result = cli(*generate_args("名单.csv"))
    assert result.code == 0 and "表头在第 2–3 行（两行表头）" in result.out, result.text


# ---- the whole workbook is the clerk's ----------------------------------------------------------------------------

def _typed(edit):
    def change(path: Path) -> None:
        wb = openpyxl.load_workbook(path)
        edit(wb)
        wb.save(path)
    return change


def _picture(path: Path) -> None:
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/media/image1.png", b"\x89PNG\r\n\x1a\n")


CLERK_WORK = {
    "an added sheet": (_typed(lambda wb: wb.create_sheet("走访记录").cell(1, 1, "7月走访了罗大山家")), "另加了工作表“走访记录”"),
    "a village typed on 参数": (_typed(lambda wb: wb["参数"].cell(4, 5, "北街社区")), "“参数”表E4填有“北街社区”"),
    "a value typed over a formula": (_typed(lambda wb: wb[SHEET].cell(4, column_index("grade"), "红")),
                                     "第 4 行“预警分级”列的公式被改成了“红”"),
    "a typed ledger row": (_typed(lambda wb: wb[SHEET].cell(6, column_index("name"), "手填的人")),
                           "第 6 行“姓名”列填有“手填的人”"),
    "an added column": (_typed(lambda wb: wb[SHEET].cell(5, 120, "电话 138")), "“台账”表DP5填有“电话 138”"),
    "a note above the header": (_typed(lambda wb: wb[SHEET].cell(1, 16, "7 月已核")), "“台账”表P1填有“7 月已核”"),
    "a comment": (_typed(lambda wb: setattr(wb[SHEET].cell(5, 5), "comment", Comment("外出务工", "村干部"))),
                  "有批注“外出务工”"),
    "a defined name": (_typed(lambda wb: wb.defined_names.add(DefinedName("我的区域", attr_text="'台账'!$E$4:$E$9"))),
                       "另加了名称“我的区域”"),
    "a picture": (_picture, "插入了图片"),
}


@pytest.mark.parametrize("case", CLERK_WORK)
def test_a_workbook_holding_a_clerks_work_anywhere_is_never_replaced(folder, cli, case):
    edit, expected = CLERK_WORK[case]
    assert cli(*generate_args()).code == 0
    edit(folder / "out" / SHIBAN)
    before = snapshot(folder)
    refused = cli(*generate_args())
    assert refused.code == 2 and refused.err.startswith("错误：") and SHIBAN in refused.err and QINGYAN not in refused.err
    assert expected in refused.err, refused.err
    assert snapshot(folder) == before   # not one byte written, the untouched one included
    demo = cli("demo", "--settings", "区设置.toml")   # demo skips it, saying why
    assert demo.code == 0 and f"跳过 out/{SHIBAN}：" in demo.out and expected in demo.out
    assert (folder / "out" / SHIBAN).read_bytes() == before[f"out/{SHIBAN}"]
    forced = cli(*generate_args(None, "--force"))
    assert forced.code == 0 and "旧文件已备份为" in forced.out
    backups = sorted((folder / "out").glob("花溪区-石板镇-防贫监测台账-2022.bak-*.xlsx"))
    assert [b.read_bytes() for b in backups] == [before[f"out/{SHIBAN}"]]


def test_a_workbook_saved_again_by_excel_unchanged_is_regenerated(folder, cli):
    """Excel rewrites formulas and names on save (no quotes around plain sheet names): that is not a clerk's work."""
    assert cli(*generate_args()).code == 0
    path = folder / "out" / QINGYAN
    copy = folder / "copy.xlsx"
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "xl/workbook.xml" or item.filename.startswith("xl/worksheets/sheet"):
                data = data.replace("'台账'!".encode(), "台账!".encode()).replace("'参数'!".encode(), "参数!".encode())
            new.writestr(item.filename, data)
    copy.replace(path)
    again = cli(*generate_args())
    assert again.code == 0 and f"已生成 out/{QINGYAN}（青岩镇，空白台账 200 行）（已重新生成）" in again.out


@pytest.mark.libreoffice
def test_a_workbook_saved_by_another_spreadsheet_program_is_compared_by_what_it_holds(folder, cli):
    """Opened and saved in LibreOffice (as WPS or Excel would: every part rewritten, numbers and TRUE/FALSE spelt
    their way): regenerated when nothing was typed, refused when a village was typed on 参数."""
    from hx_excel.office.libreoffice import recalculate
    assert cli(*generate_args()).code == 0
    _typed(lambda wb: wb["参数"].cell(4, 5, "北街社区"))(folder / "out" / SHIBAN)
    for name in (QINGYAN, SHIBAN):
        [saved] = recalculate([folder / "out" / name], folder / "存过")
        shutil.move(saved, folder / "out" / name)
    shutil.rmtree(folder / "存过")
    refused = cli(*generate_args())
    assert refused.code == 2 and SHIBAN in refused.err and QINGYAN not in refused.err, refused.err
    assert "“参数”表E4填有“北街社区”" in refused.err
    demo = cli("demo", "--settings", "区设置.toml")
    assert f"已生成 out/{QINGYAN}（青岩镇，空白台账 200 行）（已重新生成）" in demo.out and f"跳过 out/{SHIBAN}" in demo.out


def test_an_excel_owner_file_stops_even_a_forced_run(folder, cli):
    assert cli(*generate_args()).code == 0
    (folder / "out" / f"~${QINGYAN}").write_bytes(b"owner")
    before = snapshot(folder)
    for argv in (generate_args(), generate_args(None, "--force")):
        refused = cli(*argv)
        assert refused.code == 2 and "正在 Excel 或 WPS 中打开" in refused.err and f"~${QINGYAN}" in refused.err
        assert snapshot(folder) == before


def test_a_file_saved_during_the_run_is_not_replaced(folder, policy):
    """The comparison is made again just before each file is replaced: one saved meanwhile is refused, not lost."""
    settings = load_settings(folder / "区设置.toml")
    generate(settings, policy, folder / "out")

    def clerk_saves_shiban(result):
        if result.path.name == QINGYAN:   # 青岩镇 is moved into place first; 石板镇 was examined long before
            wb = openpyxl.load_workbook(folder / "out" / SHIBAN)
            wb[SHEET].cell(5, column_index("name"), "刚保存的人")
            wb.save(folder / "out" / SHIBAN)

    run = generate(settings, policy, folder / "out", progress=clerk_saves_shiban)
    by_name = {w.path.name: w for w in run.workbooks}
    assert by_name[QINGYAN].replaced and not by_name[QINGYAN].refused
    assert "被改动过" in by_name[SHIBAN].refused and run.refused == [by_name[SHIBAN]]
    assert ledger_rows(folder / "out" / SHIBAN)[0]["姓名"].value == "刚保存的人"
    assert sorted(p.name for p in (folder / "out").iterdir()) == sorted([QINGYAN, SHIBAN])


def test_the_command_says_which_files_it_did_not_replace(folder, cli, monkeypatch):
    assert cli(*generate_args()).code == 0
    from hx_excel.cli import generate as face
    original = face._report

    def report_then_clerk_saves(result):
        original(result)
        if result.path.name == QINGYAN:
            _typed(lambda wb: wb.create_sheet("走访记录"))(folder / "out" / SHIBAN)

    monkeypatch.setattr(face, "_report", report_then_clerk_saves)
    result = cli(*generate_args())
    assert result.code == 2 and "以下 1 本台账没有替换（其余已写好）" in result.err and SHIBAN in result.err
    assert "已生成 out/" + QINGYAN in result.out


def test_leftovers_of_a_killed_run_are_cleaned_by_the_next(folder, cli):
    """Killed outright (SIGKILL: no cleanup runs) while building the district's workbooks; the next run removes
    what it left and its lock is free."""
    process = subprocess.Popen([sys.executable, "-m", "hx_excel", "generate"], cwd=folder,
                               env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list((folder / "out").glob(".hx-excel-*.tmp")):
        time.sleep(0.05)
    process.kill()
    process.wait(timeout=30)
    assert list((folder / "out").glob(".hx-excel-*.tmp"))   # what a killed run leaves behind
    assert cli(*generate_args()).code == 0
    assert sorted(p.name for p in (folder / "out").iterdir()) == sorted([QINGYAN, SHIBAN])


def test_a_second_run_into_the_same_folder_says_who_is_running(folder, cli):
    (folder / "out").mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from hx_excel.files.lock import FolderLock;"
         "l = FolderLock(sys.argv[1], 'hx-excel generate --roster 名单.csv'); l.acquire(); print('held', flush=True);"
         "time.sleep(float(sys.argv[2])); l.release()", str(folder / "out"), "2"],
        stdout=subprocess.PIPE, text=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        assert holder.stdout.readline().strip() == "held"
        before = snapshot(folder)
        busy = cli(*generate_args())
        assert busy.code == 2 and f"进程 {holder.pid}" in busy.err and "hx-excel generate --roster 名单.csv" in busy.err
        assert snapshot(folder) == before
        waited = cli(*generate_args(None, "--wait", "60"))
        assert waited.code == 0 and "等待它结束" in waited.err and f"已生成 out/{QINGYAN}" in waited.out
    finally:
        holder.kill()
        holder.wait()


def test_ctrl_c_leaves_nothing_half_written(tmp_path):
    """A real Ctrl-C (SIGINT) in the middle of generating the district's workbooks: a short Chinese line, exit
    130, and every file in the folder complete, no temporary file and no lock left. SIGINT goes the moment the first
    temporary file shows the run writing; a run that has finished even so (a fast machine) proves nothing, so it is
    tried again with more rows a workbook (the district's 22 townships each time) until Ctrl-C lands mid-run."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for rows in (None, 10_000, 50_000):   # None: the built-in settings, as a clerk runs it first
        shutil.rmtree(tmp_path / "out", ignore_errors=True)
        settings = tmp_path / "区设置.toml"
        settings.write_text(f"rows = {rows}\n" if rows else "", encoding="utf-8")
        # as from a terminal: a test run started in the background (`cmd &`) ignores SIGINT, and its children with it
        process = subprocess.Popen([sys.executable, "-m", "hx_excel", "generate", "--settings", str(settings)],
                                   cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        deadline = time.monotonic() + 300
        while process.poll() is None and time.monotonic() < deadline \
                and not list((tmp_path / "out").glob(".hx-excel-*.tmp")):
            time.sleep(0.01)
        process.send_signal(signal.SIGINT)   # nothing is sent to a process that has already ended
        out, err = process.communicate(timeout=300)
        if process.returncode == 0 and "共生成 22 本台账" in out:
            continue                          # finished before Ctrl-C could reach it: more work, and again
        break
    else:
        pytest.fail("generate finished every time before Ctrl-C reached it, even with 50000 rows a workbook")
    assert process.returncode == 130 and err.startswith("已中断：") and "Traceback" not in err, (out, err)
    assert "共生成" not in out                                    # really interrupted, not run to its end
    left = list((tmp_path / "out").iterdir()) if (tmp_path / "out").exists() else []
    assert all(not p.name.startswith(".") for p in left)       # no temporary file, no lock
    for path in left:
        openpyxl.load_workbook(path, read_only=True).close()   # whatever is there is whole


# ---- assess: households JSON ----------------------------------------------------------------------------------------

def test_nan_and_infinite_income_are_errors_negative_income_is_reported(folder, cli):
    members = [{"name": "户主甲", "relation": "户主", "id_number": pid(1970, 11)}]
    households = [
        {"household_id": "NAN", "year": 2022, "annual_net_income": float("nan"), "members": members},
        {"household_id": "INF", "year": 2022, "annual_net_income": float("inf"), "members": members},
        {"household_id": "NEG", "year": 2022, "household_type": "脱贫户", "annual_net_income": -500, "members": members},
        "一户",
    ]
    (folder / "户.json").write_text(json.dumps({"households": households}, ensure_ascii=False), encoding="utf-8")
    result = cli("assess", "户.json", "--as-of", "2022-07-15")
    assert result.code == 1
    assert "户.json 第 1 户（户编号“NAN”）：家庭年纯收入（元）：应为实际金额（不能是 NaN 或无穷大）" in result.out
    assert "第 2 户（户编号“INF”）" in result.out and "第 4 户：应为一组键值" in result.out
    assert "NEG" in result.out and "R1 家庭年纯收入为负数（-500 元），请核对是否填错" in result.out


# ---- property: any text through roster import ------------------------------------------------------------------

@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40), min_size=40, max_size=40))
def test_any_cell_text_imports_without_a_crash_and_never_as_a_formula(tmp_path_factory, texts):
    """Ten households a roster, each with random text as its 户编号 suffix, 村, 姓名 and 备注."""
    folder = tmp_path_factory.mktemp("hypothesis")
    (folder / "区设置.toml").write_text('[[townships]]\nname = "青岩镇"\n', encoding="utf-8")
    rows = [[f"QY-{n}" + texts[4 * n], "青岩镇", texts[4 * n + 1], texts[4 * n + 2], "户主", pid(1950 + n, 11 + n), "脱贫户",
             "4800", "2022-07-01", texts[4 * n + 3]] for n in range(10)]
    write_csv(folder / "名单.csv", rows)
    run = generate(load_settings(folder / "区设置.toml"), default_policy(), folder / "out", roster=folder / "名单.csv")
    [workbook] = run.workbooks
    wb = openpyxl.load_workbook(workbook.path)
    formula_columns = {column_index(c.key) for c in COLUMNS if c.kind == "computed"}
    for row in wb[SHEET].iter_rows(min_row=FIRST_DATA_ROW, max_row=FIRST_DATA_ROW + 10):
        for cell in row:
            if cell.column not in formula_columns:
                assert cell.data_type != "f", (cell.coordinate, cell.value)
    assert all(c.data_type != "f" for (c,) in wb["参数"].iter_rows(min_row=3, max_row=42, min_col=5, max_col=5))   # the village slots


def test_ctrl_c_stops_the_pools_processes_at_once():
    """A Ctrl-C (or an error) while a pool's process is busy with a long task stops that process there and then:
    the run ends in seconds, not once the task — here a 60-second wait — is done."""
    import time

    from hx_excel.files.bulk import process_pool
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        with process_pool(1) as pool:
            future = pool.submit(time.sleep, 60)
            while not future.running() and time.monotonic() - started < 30:
                time.sleep(0.05)
            time.sleep(1)                      # the process has taken the task up
            raise KeyboardInterrupt
    assert time.monotonic() - started < 40
