"""Arguments and files no command may answer with an internal fault (issue 18 point 3): years 0 and 9999 on the
command line or in 参数, a 40,000-character reviewer, settings and household files a parser rejects (said in
Chinese, with the place), a folder holding symbolic links in a loop. Each case: the exact Chinese line, the exit
code, the input's bytes unchanged, no traceback and no English from a library."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from conftest import AS_OF, household, person
from hx_excel.files.save import save_workbook
from hx_excel.ledger.schema import SHEET
from hx_excel.ledger.template import PARAMS, build_workbook
from hx_excel.ledger.writer import RowWriter

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = re.compile(r"\b(?!xlsx\b|toml\b|json\b|TOML\b|JSON\b|UTF\b|HX_EXCEL_DEBUG\b|TODAY\b)[A-Za-z]{4,}\b")   # TODAY: the Excel function a clerk types


def hx(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hx_excel", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


@pytest.fixture
def ledger(tmp_path, policy) -> Path:
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=20)
    RowWriter(wb[SHEET]).write([household([person("罗大山")], household_id="QY-001", village="龙井村",
                                          annual_net_income=10_000)])
    path = tmp_path / "青岩镇.xlsx"
    save_workbook(wb, path)
    return path


def said(done: subprocess.CompletedProcess, line: str, code: int = 2) -> None:
    assert "Traceback" not in done.stderr and "内部出错" not in done.stderr, done.stderr
    assert done.returncode == code, done.stdout + done.stderr
    assert line in done.stderr + done.stdout, done.stderr + done.stdout
    words = re.sub(r"--[\w-]+|\S*/\S*", "", line)          # option names and paths are the user's own words
    assert not ENGLISH.search(words), line


@pytest.mark.parametrize("args, line", [
    (["review", "{f}", "--month", "9999-12"], "错误：研判月份“9999-12”不在 2000—2099 年之间，请检查年份"),
    (["review", "{f}", "--month", "0000-01"], "错误：研判月份“0000-01”不在 2000—2099 年之间，请检查年份"),
    (["summary", "{f}", "--month", "9999-12", "-o", "{d}/月报.xlsx"], "错误：月报月份“9999-12”不在 2000—2099 年之间"),
    (["summary", "{f}", "--month", "2022-07", "-o", "{d}/月报.xlsx", "--as-of", "9999-12-31"],
     "错误：--as-of：日期“9999-12-31”不在 2000—2099 年之间，请检查年份"),
    (["fill", "{f}", "--as-of", "0001-01-01"], "错误：--as-of：日期“0001-01-01”不在 2000—2099 年之间，请检查年份"),
    (["notice", "{f}", "--village", "龙井村", "--from", "9999-12-31", "-o", "{d}/公示.xlsx"],
     "错误：--from：日期“9999-12-31”不在 2000—2099 年之间，请检查年份"),
    (["review", "{f}", "--month", "2022-07", "--reviewer", "张" * 40_000],
     "错误：--reviewer：太长（40000 个字符），最多 50 个字符"),
    (["notice", "{f}", "--village", "村" * 5_000, "-o", "{d}/公示.xlsx"], "错误：--village：太长（5000 个字符），最多 50 个字符"),
], ids=["review-9999", "review-0000", "summary-month-9999", "summary-as-of-9999", "fill-as-of-0001",
        "notice-from-9999", "reviewer-40000", "village-5000"])
def test_years_and_lengths_out_of_reach_are_refused_with_a_reason(ledger, tmp_path, args, line):
    before = ledger.read_bytes()
    said(hx(*[a.format(f=ledger, d=tmp_path) for a in args]), line)
    assert ledger.read_bytes() == before and not list(tmp_path.glob("*.bak-*")) and not list(tmp_path.glob("月报*"))


@pytest.mark.parametrize("command", [["check"], ["fill"], ["review", "--month", "2022-07"],
                                     ["notice", "--village", "龙井村", "-o", "{d}/公示.xlsx"]])
def test_an_assessment_day_of_year_9999_on_the_settings_sheet_is_said(ledger, tmp_path, command):
    wb = openpyxl.load_workbook(ledger)
    ws = wb[PARAMS]
    row = next(r for r in range(1, 40) if ws.cell(r, 1).value == "评估日期")
    ws.cell(row, 2).value = dt.datetime(9999, 12, 31)
    wb.save(ledger)
    before = ledger.read_bytes()
    done = hx(command[0], ledger, *[a.format(d=tmp_path) for a in command[1:]])
    line = f"“参数”表第 {row} 行的评估日期 9999-12-31 不在 2000—2099 年之间：请改为实际的评估日期后重试"
    said(done, line, 2)                    # check too: no ledger could be read
    assert ledger.read_bytes() == before


@pytest.mark.parametrize("content, args, line", [
    ('{"户编号": ', ["assess", "{p}"], "不是有效的 JSON：第 1 行第 9 列附近，这里缺少一个值（或多了一个逗号）。"),
    ('{"a": 1,}', ["assess", "{p}"], "第 1 行第 9 列附近，名字要用英文双引号括起来（最后一项后面不能有逗号）。"),
    ("[income\nyear = 2022", ["--policy", "{p}", "assess"], "的 TOML 格式有误，第 1 行第 8 列：少了“]”。"),
    ("rows = [1,\n", ["generate", "--settings", "{p}", "--out", "{d}/out"], "的 TOML 格式有误，文件末尾：这里的值写得不对"),
    ('乡镇 名称 = "乡镇"', ["generate", "--roster", "{f}", "--mapping", "{p}", "--out", "{d}/out"],
     "的 TOML 格式有误，第 1 行第 1 列：这一行不是“名字 = 值”的形式"),
    ("a=" + "[" * 100_000 + "]" * 100_000, ["--policy", "{p}", "assess"], "方括号或花括号嵌套层数过多，不是本工具的设置文件。"),
], ids=["json-no-value", "json-trailing-comma", "policy-bracket", "settings-array", "mapping-key", "toml-deep"])
def test_a_file_the_parser_rejects_is_said_in_chinese_with_its_place(ledger, tmp_path, content, args, line):
    bad = tmp_path / ("bad.json" if args[0] == "assess" else "bad.toml")
    bad.write_text(content, encoding="utf-8")
    said(hx(*[a.format(p=bad, d=tmp_path, f=ledger) for a in args]), line)


def test_links_in_a_loop_in_a_ledger_folder_are_named_and_the_rest_still_read(ledger, tmp_path):
    (tmp_path / "甲.xlsx").symlink_to(tmp_path / "乙.xlsx")
    (tmp_path / "乙.xlsx").symlink_to(tmp_path / "甲.xlsx")
    out = tmp_path / "报表"
    out.mkdir()
    done = hx("summary", tmp_path, "--month", "2022-07", "-o", out / "月报.xlsx")
    said(done, f"无法读取：甲.xlsx：无法读取台账文件 {tmp_path / '甲.xlsx'}：快捷方式（符号链接）绕成了圈。", 1)
    assert "读取了 1 本台账，2 个文件无法读取" in done.stdout and (out / "月报.xlsx").is_file()
    checked = hx("check", tmp_path)
    assert checked.returncode == 1 and "快捷方式（符号链接）绕成了圈" in checked.stdout and "Traceback" not in checked.stderr


def test_an_assessment_day_typed_as_text_on_the_settings_sheet_is_said_not_replaced_by_today(ledger, tmp_path):
    wb = openpyxl.load_workbook(ledger)
    ws = wb[PARAMS]
    row = next(r for r in range(1, 40) if ws.cell(r, 1).value == "评估日期")
    ws.cell(row, 2).value = "2022年7月15日"
    wb.save(ledger)
    before = ledger.read_bytes()
    for command in (["fill"], ["check"]):
        done = hx(command[0], ledger)
        said(done, f"“参数”表第 {row} 行的评估日期“2022年7月15日”是文字，不是日期，按哪一天评估无法确定："
                   "请改填日期（如 2022-07-15），或 =TODAY() 按当天评估", 2)
    assert ledger.read_bytes() == before


def test_a_date_cell_holding_a_negative_number_is_said_as_not_a_date(ledger):
    from hx_excel.ledger.schema import FIRST_DATA_ROW, column_index
    wb = openpyxl.load_workbook(ledger)
    cell = wb[SHEET].cell(FIRST_DATA_ROW, column_index("clue_on"))
    cell.value, cell.number_format = -5, "yyyy-mm-dd"          # Excel shows ######## ; calamine reads a bare time
    wb.save(ledger)
    done = hx("check", ledger)
    said(done, "应为日期，这一格的数值不是有效的日期（显示为“00:00:00”，多为 0、负数或只有时间）；请按 2022-07-15 的格式重新输入", 1)
