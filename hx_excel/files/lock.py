"""One run at a time per folder: a lock file that names who holds it.

`FolderLock(folder, command)` creates `folder/.hx-excel.lock`, locks it with the operating system's own file lock
(flock on Linux and macOS, a byte-range lock on Windows) and writes the holder into it: process id, computer, user,
start time and command. A second run finds the lock taken, reads who holds it, and either waits (`wait_seconds`)
or stops with `FolderBusy`, whose Chinese message names the holder. The operating system releases the lock when the
holding process ends in any way, Ctrl-C and a crash included, so a lock is never left stale; the file itself is
removed on release.

Temporary files of a run killed outright are cleaned by the next run (`save.clean_leftovers`) once it holds the lock,
which is what makes cleaning them safe: no other run can be writing into the folder at that moment.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import time
from datetime import datetime
from pathlib import Path
from typing import Callable

from hx_excel.files.inputs import reason

LOCK_NAME = ".hx-excel.lock"
POLL_SECONDS = 0.5
_WINDOWS_LOCK_OFFSET = 1 << 30   # lock a byte far past the text, so that others can still read who holds the lock

if os.name == "nt":
    import msvcrt
else:
    import fcntl


class LockError(RuntimeError):
    """The folder cannot be locked; the message is Chinese and says what to do."""


class FolderBusy(LockError):
    """Another run holds the folder's lock; the message names it."""


def _holder_text(raw: bytes) -> str:
    try:
        info = json.loads(raw.decode("utf-8"))
        return (f"进程 {info['pid']}（计算机 {info['host']}，用户 {info['user']}），{info['started']} 开始运行："
                f"{info['command']}")
    except (ValueError, KeyError, TypeError):
        return "另一个 hx-excel 进程（正在启动，尚未写明身份）"


class FolderLock:
    def __init__(self, folder: str | Path, command: str):
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME
        self.command = command
        self._fd: int | None = None

    def acquire(self, wait_seconds: float = 0, on_wait: Callable[[str], None] | None = None) -> None:
        """Take the lock, waiting up to `wait_seconds` for another run to finish; FolderBusy if it does not."""
        deadline = time.monotonic() + max(wait_seconds, 0)
        told = False
        while True:
            try:
                holder = self._try()
            except OSError as exc:
                raise LockError(f"无法在文件夹 {self.folder} 中建立锁定文件 {LOCK_NAME}：{reason(exc)}。"
                                "请检查该文件夹的写入权限，或换一个有写入权限的文件夹。") from None
            if holder is None:
                return
            if time.monotonic() >= deadline:
                raise FolderBusy(
                    f"文件夹 {self.folder} 正被另一个 hx-excel 使用：{holder}。为免两次运行互相覆盖，本次没有写入任何文件。"
                    f"请等它结束后重试，或加 --wait 秒数 等它结束后自动继续。")
            if on_wait and not told:
                on_wait(f"文件夹 {self.folder} 正被另一个 hx-excel 使用：{holder}。等待它结束……")
                told = True
            time.sleep(POLL_SECONDS)

    def _try(self) -> str | None:
        """None once the lock is ours; else who holds it."""
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
            try:
                if not _lock(fd):
                    holder = _holder_text(_read_all(fd))
                    os.close(fd)
                    return holder
                if not _still_named(fd, self.path):   # removed by its last holder after we opened it: open anew
                    _unlock(fd)
                    os.close(fd)
                    continue
                info = {"pid": os.getpid(), "host": socket.gethostname(), "user": _user(),
                        "started": f"{datetime.now():%Y-%m-%d %H:%M:%S}", "command": self.command}
                os.ftruncate(fd, 0)
                os.lseek(fd, 0, os.SEEK_SET)
                os.write(fd, json.dumps(info, ensure_ascii=False).encode("utf-8"))
            except BaseException:
                os.close(fd)
                raise
            self._fd = fd
            return None

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        if os.name != "nt":
            self.path.unlink(missing_ok=True)   # while still holding it, so no one locks a file about to vanish
        _unlock(fd)
        os.close(fd)
        if os.name == "nt":
            try:
                self.path.unlink()
            except OSError:
                pass   # another run has it open and will take it over

    def __enter__(self) -> "FolderLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 — no user name in the environment: not worth failing a run for
        return "未知"


def _read_all(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 4096):
        chunks.append(chunk)
        if sum(map(len, chunks)) > 65536:
            break
    return b"".join(chunks)


def _lock(fd: int) -> bool:
    if os.name == "nt":
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _unlock(fd: int) -> None:
    if os.name == "nt":
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _still_named(fd: int, path: Path) -> bool:
    """Whether `path` still names the file `fd` has open (POSIX; Windows cannot remove an open file)."""
    if os.name == "nt":
        return True
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def open_in_office(path: Path) -> str | None:
    """Excel and WPS keep an owner file `~$name` beside a workbook they have open (for a long name, `~$` stands in
    for its first two characters), LibreOffice a lock file `.~lock.name#`; a file replaced under an open window would
    be saved over again. Says which program has it open (and, from LibreOffice's lock, who), or None."""
    lo_lock = path.with_name(f".~lock.{path.name}#")
    if lo_lock.exists() or lo_lock.is_symlink():   # first: LibreOffice on Windows may leave a `~$` file as well
        who = _libreoffice_owner(lo_lock)
        return (f"正在 LibreOffice 中打开（有锁定文件 {lo_lock.name}{'，' + who if who else ''}）。"
                "请先在 LibreOffice 中关闭它；如确认没有打开，删除该锁定文件（是隐藏文件）后重试")
    for owner in (path.with_name("~$" + path.name), path.with_name("~$" + path.name[2:])):
        if owner.exists():
            return f"正在 Excel 或 WPS 中打开（有锁定文件 {owner.name}）。请先关闭它；如确认没有打开，删除该锁定文件后重试"
    return None


def _libreoffice_owner(lock: Path) -> str:
    """Who has a workbook open, from LibreOffice's lock file — one entry `名字,系统用户,计算机,日.月.年 时:分,配置;`
    (commas, semicolons and backslashes in a field escaped with a backslash) — or "" when it cannot be read."""
    try:
        if not lock.is_file():   # a folder or a pipe of that name: nothing to read (and a pipe would block)
            return ""
        with lock.open("rb") as f:
            text = f.read(4096).decode("utf-8", errors="replace")
    except OSError:
        return ""
    fields: list[str] = []
    current, escaped = "", False
    for ch in text:
        if escaped:
            current, escaped = current + ch, False
        elif ch == "\\":
            escaped = True
        elif ch in ",;":
            fields.append("".join(c for c in current if c.isprintable()).strip())
            current = ""
            if ch == ";":
                break
        else:
            current += ch
    if len(fields) < 4:
        return ""
    name, user, host, when = fields[0] or fields[1], fields[1], fields[2], fields[3]
    try:
        when = f"{datetime.strptime(when, '%d.%m.%Y %H:%M'):%Y-%m-%d %H:%M}"
    except ValueError:
        when = ""
    details = [d for d in (user if user != name else "", f"计算机 {host}" if host else "") if d]
    if name:
        who = f"用户 {name}" + (f"（{'，'.join(details)}）" if details else "")
    elif host:
        who = f"计算机 {host} 上的用户"
    else:
        return ""
    return who + (" " if who[-1].isascii() else "") + (f"于 {when} 打开" if when else "打开")
