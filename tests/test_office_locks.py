"""A ledger open in LibreOffice is not replaced, exactly as one open in Excel or WPS (issue 17 point 8).

Excel and WPS keep `~$NAME.xlsx` beside a workbook they have open; LibreOffice keeps `.~lock.NAME.xlsx#`, one entry
`名字,系统用户,计算机,日.月.年 时:分,配置文件夹;` (LibreOffice's svl/source/misc/lockfilecommon.cxx; a comma, semicolon
or backslash inside a field is escaped with a backslash). Every command that replaces a ledger (fill, review, extend,
generate) refuses it (exit 2), says it is LibreOffice's lock and who has the file open, and leaves the folder exactly as
it was: the ledger byte-identical, no backup, no temporary file, no folder lock. check and summary read such a folder
without taking the lock file for a ledger. Real files, real commands through `hx_excel.cli.main`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import Run
from hx_excel.cli import main
from hx_excel.operations.check import ledger_files

LEDGER = "花溪区-青岩镇-防贫监测台账-2022.xlsx"
SETTINGS = 'rows = 10\n[[townships]]\nname = "青岩镇"\nvillages = ["龙井村"]\n'
ROSTER = ("户编号,乡镇,村,姓名,与户主关系,身份证号,户类型,家庭年纯收入（元）,入户核实日期\r\n"
          "QY-1,青岩镇,龙井村,罗大山,户主,520111197003040111,脱贫户,4800,2022-07-01\r\n"
          "QY-1,青岩镇,龙井村,罗小花,配偶,520111197203040124,,,\r\n")
# as LibreOffice writes it: no name set in its options, system user zhangsan on 乡镇办-01, opened 6 July 2022 09:05
LOCK_ENTRY = ",zhangsan,乡镇办-01,06.07.2022 09:05,file:///home/zhangsan/.config/libreoffice/4;"


def lock_of(ledger: Path) -> Path:
    return ledger.with_name(f".~lock.{ledger.name}#")


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A folder as generate leaves it: the settings, the roster, and out/ with one ledger of one household."""
    folder = tmp_path_factory.mktemp("locks")
    (folder / "区设置.toml").write_text(SETTINGS, encoding="utf-8")
    (folder / "名单.csv").write_text(ROSTER, encoding="utf-8-sig")
    assert main(["generate", "--settings", str(folder / "区设置.toml"), "--roster", str(folder / "名单.csv"),
                 "--out", str(folder / "out")]) == 0
    assert sorted(p.name for p in (folder / "out").iterdir()) == [LEDGER]
    return folder


@pytest.fixture
def folder(generated, tmp_path) -> Path:
    shutil.copytree(generated, tmp_path / "work")
    return tmp_path / "work"


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
    """Every file under `folder`, hidden ones included (a backup, a temporary file, the folder lock would show)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def commands(folder: Path) -> dict[str, list[str]]:
    ledger = str(folder / "out" / LEDGER)
    generate = ["generate", "--settings", str(folder / "区设置.toml"), "--roster", str(folder / "名单.csv"),
                "--out", str(folder / "out")]
    return {
        "fill": ["fill", ledger],
        "review": ["review", ledger, "--month", "2022-07", "--reviewer", "王五"],
        "extend": ["extend", ledger, "--rows", "300"],
        "generate": generate,
        "generate --force": [*generate, "--force"],
    }


@pytest.mark.parametrize("command", ["fill", "review", "extend", "generate", "generate --force"])
def test_a_ledger_open_in_libreoffice_is_not_replaced(folder, cli, command):
    ledger = folder / "out" / LEDGER
    lock = lock_of(ledger)
    lock.write_text(LOCK_ENTRY, encoding="utf-8")
    before = snapshot(folder)

    refused = cli(*commands(folder)[command])

    assert refused.code == 2, refused.text
    assert refused.err.startswith("错误："), refused.err
    assert "正在 LibreOffice 中打开" in refused.err and lock.name in refused.err
    assert "用户 zhangsan（计算机 乡镇办-01）于 2022-07-06 09:05 打开" in refused.err     # who, read from the lock
    assert "请先在 LibreOffice 中关闭它" in refused.err
    assert "Excel" not in refused.err                                                 # the program it really is
    assert snapshot(folder) == before                  # ledger byte-identical; no backup, temporary file or lock left

    lock.unlink()                                      # closed in LibreOffice: the same command now goes through
    done = cli(*commands(folder)[command])
    assert done.code in (0, 1), done.text
    if command != "generate":                          # an unchanged generated ledger is regenerated as it was
        assert ledger.read_bytes() != before[f"out/{LEDGER}"]


@pytest.mark.parametrize("entry, says", [
    ("", "（有锁定文件 .~lock.花溪区-青岩镇-防贫监测台账-2022.xlsx#）"),           # empty: only the lock is named
    ("不是锁定文件的内容", "（有锁定文件 .~lock.花溪区-青岩镇-防贫监测台账-2022.xlsx#）"),
    ("张 三,zhangsan,PC\\,01,06.07.2022 09:05,file:///x;", "用户 张 三（zhangsan，计算机 PC,01）于 2022-07-06 09:05 打开"),
    (",,乡镇办-01,,;", "计算机 乡镇办-01 上的用户打开"),
])
def test_whatever_the_lock_holds_the_ledger_is_refused(folder, cli, entry, says):
    ledger = folder / "out" / LEDGER
    lock_of(ledger).write_text(entry, encoding="utf-8")
    before = snapshot(folder)
    refused = cli("fill", str(ledger))
    assert refused.code == 2 and "正在 LibreOffice 中打开" in refused.err and says in refused.err, refused.err
    assert snapshot(folder) == before


def test_check_and_summary_do_not_take_the_lock_for_a_ledger(folder, cli):
    out = folder / "out"
    lock_of(out / LEDGER).write_text(LOCK_ENTRY, encoding="utf-8")
    assert ledger_files([out]) == [out / LEDGER]
    checked = cli("check", str(out))
    assert checked.code in (0, 1) and "检查了 1 本台账" in checked.out, checked.text
    assert ".~lock" not in checked.text
    report = folder / "月报.xlsx"
    summed = cli("summary", str(out), "--month", "2022-07", "-o", str(report))
    assert summed.code in (0, 1) and report.is_file(), summed.text
    assert ".~lock" not in summed.text and summed.out.count("已读取：") == 1
