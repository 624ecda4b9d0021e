"""The commands that rewrite a ledger under faults (issue 18 points 2–4, 9): a real `kill -9` while the new file or
the backup is being written, a full disk (a real tmpfs where the machine allows mounting one), leftovers of a killed
run, a ledger behind a symbolic link, one the user may not read, and a folder another run holds. Each case asserts
the message, the exit code, the input's bytes and what is left in the folder."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

from conftest import AS_OF, household, person
from hx_excel.files.save import save_workbook
from hx_excel.ledger.schema import SHEET
from hx_excel.ledger.template import build_workbook
from hx_excel.ledger.writer import RowWriter

ROOT = Path(__file__).resolve().parent.parent
ENV = dict(os.environ, PYTHONPATH=str(ROOT))


def hx(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hx_excel", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=ENV, timeout=300, **kw)


def make_ledger(path: Path, policy, rows: int = 20) -> Path:
    wb = build_workbook(policy, township="青岩镇", villages=("龙井村",), as_of=AS_OF, rows=rows)
    # R1: 10,000 yuan for 2 persons, 5,000 a head, under 2022's 6,700 → red: fill has suggestions to write
    RowWriter(wb[SHEET]).write([household([person("罗大山"), person("罗小花", "之女")], household_id="QY-001",
                                          village="龙井村", annual_net_income=10_000)])
    save_workbook(wb, path)
    return path


def debris(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".hx-excel"))


def whole(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip() is None and "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


COMMANDS = {
    "fill": ["fill", "{f}", "--restore-formulas"],
    "review": ["review", "{f}", "--month", "2022-07"],
    "extend": ["extend", "{f}", "--rows", "400"],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_leftovers_of_a_killed_run_are_removed_and_said_and_no_others(tmp_path, policy, command):
    ledger = make_ledger(tmp_path / "青岩镇.xlsx", policy)
    mine = tmp_path / ".hx-excel-青岩镇.k2j3h4.tmp"            # what a killed fill/review/extend leaves
    theirs = tmp_path / ".hx-excel-月报-2022-07.a8s7d6.tmp"    # a report another command is writing right now
    mine.write_bytes(b"PK\x03\x04 half")
    theirs.write_bytes(b"PK\x03\x04 being written")
    done = hx(*[a.format(f=ledger) for a in COMMANDS[command]])
    assert done.returncode == 0, done.stdout + done.stderr
    assert ("已删除上次中断的运行留下的 1 个临时文件（.hx-excel-青岩镇.k2j3h4.tmp）：都是没写完的副本，原有的文件未受影响。"
            in done.stdout)
    assert not mine.exists() and theirs.exists()


def _kill_when(process: subprocess.Popen, folder: Path, temps: int, deadline: float) -> bool:
    """kill -9 the moment `temps` temporary files are there at once; whether it landed before the run ended."""
    while time.monotonic() < deadline and process.poll() is None:
        if len(list(folder.glob(".hx-excel-*.tmp"))) >= temps:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
    process.wait()
    return False


@pytest.mark.parametrize("stage", [1, 2], ids=["while-writing-the-new-file", "while-writing-the-backup"])
def test_kill_9_leaves_the_ledger_and_every_backup_whole_and_the_next_run_cleans_up(tmp_path, policy, stage):
    """Stage 1: killed while the new workbook's temporary file is there; stage 2: while the backup is being copied
    (its own temporary file beside the new one). Whatever moment the kill lands: the ledger is the old file or the
    new one, whole; a file named as a backup is a whole copy of the old ledger; the next run removes the rest."""
    ledger = make_ledger(tmp_path / "青岩镇.xlsx", policy, rows=3000)       # big enough to be caught writing
    original = ledger.read_bytes()
    landed = 0
    for attempt in range(12):
        ledger.write_bytes(original)                 # the run before may have finished: fill has work again
        process = subprocess.Popen([sys.executable, "-m", "hx_excel", "fill", str(ledger), "--restore-formulas"],
                                   cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        landed += _kill_when(process, tmp_path, stage, time.monotonic() + 120)
        assert whole(ledger)                         # the old file or the new one, never a part of either
        for backup in tmp_path.glob("青岩镇.bak-*.xlsx"):
            assert backup.read_bytes() == original   # a backup's name is only ever on a whole copy
        if landed >= 2:
            break
    assert landed, "kill -9 never landed while the run was writing"
    assert debris(tmp_path)                                          # what the kill left…
    done = hx("fill", ledger)
    assert done.returncode == 0 and "已删除上次中断的运行留下的" in done.stdout
    assert debris(tmp_path) == []                                    # …the next run removed
    assert all(whole(b) for b in tmp_path.glob("青岩镇.bak-*.xlsx"))


@pytest.fixture
def small_disk():
    """A 600 KB tmpfs: room for a ledger, not for its new copy and backup too. Skipped where mounting is refused."""
    folder = Path(tempfile.mkdtemp(prefix="hx-full-"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        folder.rmdir()
        pytest.skip("this machine does not let the tests mount a small tmpfs (needs root)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)
        folder.rmdir()


@pytest.mark.parametrize("command", COMMANDS)
def test_a_full_disk_is_one_chinese_line_exit_2_and_nothing_left(small_disk, tmp_path, policy, command):
    ledger = make_ledger(tmp_path / "青岩镇.xlsx", policy, rows=200)
    target = small_disk / ledger.name
    shutil.copy(ledger, target)
    filler = small_disk / "占位.bin"                  # fill the disk up to ~40 KB under the ledger's size
    free = shutil.disk_usage(small_disk).free
    filler.write_bytes(b"\0" * max(free - target.stat().st_size + 40_000, 0))
    before = target.read_bytes()
    done = hx(*[a.format(f=target) for a in COMMANDS[command]])
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip() == (f"错误：无法写入 {target}：磁盘已满。原文件未改动；请删除不用的文件腾出磁盘空间"
                                   "（或换一个磁盘）后重试。")
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert target.read_bytes() == before
    assert sorted(p.name for p in small_disk.iterdir()) == sorted([target.name, filler.name])


@pytest.mark.parametrize("command", COMMANDS)
def test_a_ledger_behind_a_symbolic_link_is_updated_and_the_link_stays(tmp_path, policy, command):
    real = make_ledger(tmp_path / "存档" / "青岩镇.xlsx", policy)
    link = tmp_path / "青岩镇-快捷.xlsx"
    link.symlink_to(real)
    before = real.read_bytes()
    done = hx(*[a.format(f=link) for a in COMMANDS[command]])
    assert done.returncode == 0, done.stdout + done.stderr
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert real.read_bytes() != before and whole(real)
    backups = list(real.parent.glob("青岩镇.bak-*.xlsx"))            # the backup beside the file it copies
    assert len(backups) == 1 and backups[0].read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["存档", "青岩镇-快捷.xlsx"]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_link_to_nowhere_or_in_a_loop_is_refused_with_a_reason(tmp_path, command):
    (tmp_path / "甲.xlsx").symlink_to(tmp_path / "乙.xlsx")
    (tmp_path / "乙.xlsx").symlink_to(tmp_path / "甲.xlsx")
    (tmp_path / "断.xlsx").symlink_to(tmp_path / "已删除.xlsx")
    for name in ("甲.xlsx", "断.xlsx"):
        done = hx(*[a.format(f=tmp_path / name) for a in COMMANDS[command]])
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert done.stderr.strip() == (f"错误：{tmp_path / name} 是一个快捷方式（符号链接），但它指向的文件不存在或链接绕成了圈。"
                                       "请直接写出台账文件本身的路径。")


# root reads every file whatever its mode: the command then runs without the two capabilities that allow it
WITHOUT_READ_OVERRIDE = (["setpriv", "--bounding-set=-dac_override,-dac_read_search",
                          "--inh-caps=-dac_override,-dac_read_search"] if os.geteuid() == 0 else [])


@pytest.mark.parametrize("command", COMMANDS)
def test_a_ledger_the_user_may_not_read_is_refused_with_a_reason(tmp_path, policy, command):
    if WITHOUT_READ_OVERRIDE and not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: every file is readable")
    ledger = make_ledger(tmp_path / "青岩镇.xlsx", policy)
    ledger.chmod(0o000)
    before = sorted(p.name for p in tmp_path.iterdir())
    done = subprocess.run([*WITHOUT_READ_OVERRIDE, sys.executable, "-m", "hx_excel",
                           *[a.format(f=ledger) for a in COMMANDS[command]]],
                          capture_output=True, text=True, cwd=ROOT, env=ENV, timeout=300)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip() == (f"错误：无法读取台账文件 {ledger}：没有权限。请检查文件权限（或把它复制到自己的文件夹）"
                                   "后重试。没有改动该文件。")
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    ledger.chmod(0o644)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_busy_folder_names_wait_which_the_command_accepts(tmp_path, policy, command):
    ledger = make_ledger(tmp_path / "青岩镇.xlsx", policy)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from hx_excel.files.lock import FolderLock;"
         "l = FolderLock(sys.argv[1], 'hx-excel summary'); l.acquire(); print('held', flush=True);"
         "time.sleep(float(sys.argv[2])); l.release()", str(tmp_path), "3"],
        stdout=subprocess.PIPE, text=True, cwd=ROOT, env=ENV)
    try:
        assert holder.stdout.readline().strip() == "held"
        before = ledger.read_bytes()
        busy = hx(*[a.format(f=ledger) for a in COMMANDS[command]])
        assert busy.returncode == 2 and "加 --wait 秒数" in busy.stderr and ledger.read_bytes() == before
        waited = hx(*[a.format(f=ledger) for a in COMMANDS[command]], "--wait", "60")
        assert waited.returncode == 0 and "等待它结束" in waited.stderr, waited.stdout + waited.stderr
        assert ledger.read_bytes() != before
    finally:
        holder.kill()
        holder.wait()


def test_a_report_written_through_a_symbolic_link_updates_the_file_it_points_to(tmp_path, policy):
    ledger = make_ledger(tmp_path / "青岩镇.xlsx", policy)
    (tmp_path / "共享").mkdir()
    real = tmp_path / "共享" / "月报.xlsx"
    real.write_bytes(b"last month's report")
    link = tmp_path / "月报.xlsx"
    link.symlink_to(real)
    done = hx("summary", ledger, "--month", "2022-07", "-o", link)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    assert link.is_symlink() and whole(real)
    backups = list(real.parent.glob("月报.bak-*.xlsx"))
    assert len(backups) == 1 and backups[0].read_bytes() == b"last month's report"


def test_a_report_aimed_at_links_in_a_loop_is_refused_before_reading(tmp_path, policy):
    ledger = make_ledger(tmp_path / "青岩镇.xlsx", policy)
    (tmp_path / "甲.xlsx").symlink_to(tmp_path / "乙.xlsx")
    (tmp_path / "乙.xlsx").symlink_to(tmp_path / "甲.xlsx")
    done = hx("check", ledger, "-o", tmp_path / "甲.xlsx")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == (f"错误：无法写入 {tmp_path / '甲.xlsx'}：它是绕成了圈的快捷方式（符号链接）。"
                                   "请换一个文件名，或删去这个链接。")
    assert (tmp_path / "甲.xlsx").is_symlink() and (tmp_path / "乙.xlsx").is_symlink()


@pytest.mark.parametrize("command", ["check", "summary", "notice", "generate"])
def test_reports_and_generate_remove_their_own_leftovers_and_say_so(tmp_path, policy, command):
    ledger = make_ledger(tmp_path / "青岩镇.xlsx", policy)
    out = tmp_path / "输出"
    out.mkdir()
    name = {"check": "检查结果", "summary": "月报", "notice": "公示", "generate": "花溪区-青岩镇-防贫监测台账-2022"}[command]
    mine = out / f".hx-excel-{name}.x1y2z3.tmp"
    mine.write_bytes(b"PK\x03\x04 half")
    args = {"check": ["check", ledger, "-o", out / "检查结果.xlsx"],
            "summary": ["summary", ledger, "--month", "2022-07", "-o", out / "月报.xlsx"],
            "notice": ["notice", ledger, "--village", "龙井村", "--from", "2022-07-10", "-o", out / "公示.xlsx"],
            "generate": ["generate", "--out", out]}[command]
    done = hx(*args)
    assert "Traceback" not in done.stderr
    assert f"已删除上次中断的运行留下的 1 个临时文件（{mine.name}）" in done.stdout, done.stdout + done.stderr
    assert not mine.exists() and debris(out) == []


def test_a_report_through_a_link_into_a_missing_folder_is_refused(tmp_path, policy):
    ledger = make_ledger(tmp_path / "青岩镇.xlsx", policy)
    link = tmp_path / "月报.xlsx"
    link.symlink_to(tmp_path / "没有的文件夹" / "月报.xlsx")
    done = hx("summary", ledger, "--month", "2022-07", "-o", link)
    assert done.returncode == 2 and done.stderr.strip() == (
        f"错误：无法写入 {link}：它是快捷方式（符号链接），指向的文件夹 {tmp_path / '没有的文件夹'} 不存在。"
        "请换一个文件名，或改正这个链接。")
    assert not (tmp_path / "没有的文件夹").exists() and link.is_symlink()


def test_extend_refuses_a_stray_cell_far_outside_at_once(tmp_path, policy):
    """A value at XFD1048576 (of 参数 here) cannot be carried into the rebuilt workbook; comparing up to it took extend
    over 13 minutes. Refused in seconds, naming the cell; the file as it was."""
    import openpyxl
    ledger = make_ledger(tmp_path / "青岩镇.xlsx", policy)
    wb = openpyxl.load_workbook(ledger)
    wb["参数"]["XFD1048576"] = "误填"
    wb.save(ledger)
    before = ledger.read_bytes()
    started = time.monotonic()
    done = hx("extend", ledger, "--rows", "100")
    assert done.returncode == 2 and done.stderr.strip() == (
        "错误：青岩镇.xlsx 的“参数”表 XFD1048576 有内容（“误填”），远在表格之外，重建时带不过去，为免丢失，没有改动该文件："
        "如是误填请删除，否则移到另一个工作簿后再运行本命令")
    assert ledger.read_bytes() == before and debris(tmp_path) == []
    assert time.monotonic() - started < 120                     # not a timing goal: the difference is minutes
