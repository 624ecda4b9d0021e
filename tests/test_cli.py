"""The command line, run as a user runs it (a real subprocess)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from hx_excel.samples import sample_households

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hx_excel", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


def test_assess_prints_grades_and_next_steps_with_masked_ids():
    result = run("assess")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "QY-001" in out and "脱贫不稳定户" in out and "R1 年人均纯收入 5,200 元" in out
    assert "D1 入户核实" in out and "已逾期" in out
    _, households = sample_households()
    for h in households:
        for m in h.members:
            assert m.id_number not in out  # IDs are masked in anything printed (PIPL)
    assert re.search(r"520111\*{8}\d{3}[\dX]", out)


def test_households_file_with_a_bad_value_names_household_and_field(tmp_path):
    f = tmp_path / "户.json"
    f.write_text(json.dumps({"households": [{"household_id": "A"}, {"annual_net_income": "很多"}]}, ensure_ascii=False),
                 encoding="utf-8")
    result = run("assess", str(f), "--as-of", "2022-07-15")
    assert result.returncode == 1, result.stderr   # done, with a problem in the data: the valid household is assessed
    assert "\nA " in result.stdout and "注意：1 户的数据有误" in result.stdout
    assert "第 2 户" in result.stdout and "家庭年纯收入" in result.stdout and "很多" in result.stdout


def test_unrelated_file_gets_a_clear_message(tmp_path):
    f = tmp_path / "photo.json"
    f.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    result = run("assess", str(f))
    assert result.returncode == 2 and "不是 UTF-8 编码的文本文件" in result.stderr


def test_year_without_line_is_reported_in_chinese(tmp_path):
    f = tmp_path / "户.json"
    f.write_text(json.dumps({"households": [{"year": 2030, "annual_net_income": 1}]}), encoding="utf-8")
    result = run("assess", str(f), "--as-of", "2030-01-01")
    assert result.returncode == 2 and "2030 年的年人均纯收入标准线" in result.stderr
