"""Writing workbooks without ever losing what was there.

A workbook is written in two steps. `write_temp` saves it to a temporary file in the target's own folder and flushes
it to disk; `commit` then moves it over the target in one step (`os.replace`), so a crash, a full disk or a power cut
leaves either the old file or the new one, never half of one. Before the move, `commit` can keep the previous file
as a backup beside it and can make sure the target is still exactly the file that was checked (its `fingerprint`):
a file changed since, say by a clerk saving it in Excel during a long run, is left alone (`FileChanged`).
`save_workbook` does both steps at once; `save_csv` does the same for a CSV file.

Backups are made the same way: copied into a temporary file, flushed, then given their `.bak-…` name in one step, so a
file with a backup's name is always whole. A workbook is serialised in memory before a byte reaches the disk, so a full
disk fails one plain write (no half-closed zip left for the garbage collector to complain about).

Temporary files are named `.hx-excel-<name>.<random>.tmp`; `clean_leftovers` removes those a killed run left behind.
Call it only while holding the folder's lock (`lock.FolderLock`), when no other run can be writing one.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable

from openpyxl import Workbook

from hx_excel.files.inputs import reason
from hx_excel.files.text import csv_text
from hx_excel.ledger.schema import SHEET
from hx_excel.ledger.printing import fit_print_area

TEMP_PREFIX = ".hx-excel-"
TEMP_SUFFIX = ".tmp"
UNCHECKED = object()   # commit(expected=…) default: replace whatever is there


class SaveError(ValueError):
    """A workbook could not be written; the message is Chinese, names the file and says what to do."""


class FileChanged(SaveError):
    """The target is no longer the file that was checked; it was left as it is."""

    def __init__(self, path: Path):
        self.path = path
        super().__init__(f"{path} 在本次运行期间被改动过（可能有人在 Excel 或 WPS 中保存了它），为免丢失其中的内容，没有替换它。")


def fingerprint(path: str | Path) -> str | None:
    """SHA-256 of the file's bytes; None when nothing is there."""
    try:
        with open(path, "rb") as source:
            return hashlib.file_digest(source, "sha256").hexdigest()
    except FileNotFoundError:
        return None


def save_workbook(wb: Workbook, path: str | Path, *, keep_previous: bool = True) -> Path | None:
    """Save `wb` to `path` atomically. When `path` already exists and `keep_previous` is true, the old file is kept
    as `<name>.bak-YYYYMMDD-HHMMSS.xlsx` next to it (never overwriting another backup); that path is returned."""
    path = through_link(Path(path))
    return commit(write_temp(wb, path), path, keep_previous=keep_previous)


def through_link(path: Path) -> Path:
    """The file a symbolic link points to (the file itself otherwise): writing replaces that file, so the link stays
    a link to the new content instead of being replaced by a plain file."""
    if not path.is_symlink():
        return path
    try:
        return Path(os.path.realpath(path, strict=True))
    except FileNotFoundError:             # a link to a file not there yet: that file is written, in its folder
        target = Path(os.path.realpath(path))
        if not target.parent.is_dir():
            raise SaveError(f"无法写入 {path}：它是快捷方式（符号链接），指向的文件夹 {target.parent} 不存在。"
                            "请换一个文件名，或改正这个链接。") from None
        return target
    except (OSError, RuntimeError):       # links in a loop: nothing to write through
        raise SaveError(f"无法写入 {path}：它是绕成了圈的快捷方式（符号链接）。请换一个文件名，或删去这个链接。") from None


def write_temp(wb: Workbook, path: str | Path) -> Path:
    """Save `wb` into a new temporary file beside `path`, flushed to disk and with the mode `path` has (or would
    have). The caller commits or removes it."""
    return write_temp_bytes(workbook_bytes(wb), path)


def workbook_bytes(wb: Workbook) -> bytes:
    """The .xlsx file of `wb`, in memory: a failing disk write must not leave openpyxl's zip half-open, and a
    workbook built in another process comes back as these bytes (files are written by the process that holds the
    folder's lock)."""
    if SHEET in wb.sheetnames:
        fit_print_area(wb[SHEET])   # the print area follows the filled rows (ledger.printing)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write_temp_bytes(data: bytes, path: str | Path) -> Path:
    """`data` into a new temporary file beside `path`, as write_temp."""
    return _write_temp(Path(path), lambda out: out.write(data))


def save_csv(path: str | Path, header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> Path | None:
    """Write a CSV that Excel and WPS open correctly (UTF-8 with BOM) and safely (`text.csv_cell`), atomically and
    keeping the previous file as a backup (returned)."""
    path = through_link(Path(path))
    data = csv_text(header, rows).encode("utf-8-sig")
    return commit(_write_temp(path, lambda out: out.write(data)), path, keep_previous=True)


def _write_temp(path: Path, write: Callable[[BinaryIO], Any]) -> Path:
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SaveError(f"无法创建输出文件夹 {folder}：{reason(exc)}。请检查路径和权限，或换一个有写入权限的文件夹。") from None
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.stem}.", suffix=TEMP_SUFFIX, dir=folder)
    except OSError as exc:
        raise SaveError(f"无法在 {folder} 中写文件：{reason(exc)}。请检查该文件夹的权限和磁盘空间，或换一个文件夹。") from None
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        _set_mode(temp, path)
    except BaseException as exc:
        temp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise SaveError(_not_written(path, exc)) from None
        raise
    return temp


def commit(temp: Path, path: Path, *, keep_previous: bool, expected: str | None | object = UNCHECKED) -> Path | None:
    """Move `temp` over `path`. With `keep_previous`, an existing file is first copied to a backup, whose path is
    returned. With `expected` (a `fingerprint`, None for "there was no file"), the target must still be that file,
    else FileChanged; the check is made on the backup copy itself when there is one, so the backup is exactly the
    file that was checked. On any failure the temporary file is removed and the target is left untouched."""
    backup: Path | None = None
    try:
        if keep_previous and path.is_file():
            backup, digest = _backup(path)
            if expected is not UNCHECKED and digest != expected:
                raise FileChanged(path)
        elif expected is not UNCHECKED and fingerprint(path) != expected:
            raise FileChanged(path)
        os.replace(temp, path)
    except BaseException as exc:
        temp.unlink(missing_ok=True)
        if backup is not None:  # the target was not replaced: its backup is a needless copy
            backup.unlink(missing_ok=True)
        if isinstance(exc, PermissionError):
            raise SaveError(f"无法写入 {path}：没有权限，或文件正在 Excel、WPS 中打开。请关闭该文件后重试。") from None
        if isinstance(exc, IsADirectoryError):
            raise SaveError(f"无法写入 {path}：同名的文件夹已存在。请把该文件夹改名，或换一个文件名。") from None
        if isinstance(exc, OSError):
            raise SaveError(_not_written(path, exc)) from None
        raise
    _sync_folder(path.parent)
    return backup


def _not_written(path: Path, exc: OSError) -> str:
    """Why `path` was not written, that nothing there changed, and what to do."""
    told = f"无法写入 {path}：{reason(exc)}。" + ("原文件未改动" if path.exists() else "没有写出任何文件")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return told + "；请删除不用的文件腾出磁盘空间（或换一个磁盘）后重试。"
    return told + "。"


def clean_leftovers(folder: str | Path, stem: str | None = None) -> list[Path]:
    """Remove the temporary files a killed run left in `folder` (only those of the file named `stem`, when given:
    a report being written into the same folder by another command is not touched). The caller holds the folder's
    lock."""
    removed = []
    prefix = f"{TEMP_PREFIX}{stem}." if stem is not None else TEMP_PREFIX
    try:
        names = [entry.name for entry in os.scandir(folder)]
    except OSError:
        return removed
    for name in names:
        if name.startswith(prefix) and name.endswith(TEMP_SUFFIX):
            temp = Path(folder) / name
            try:
                temp.unlink()
                removed.append(temp)
            except OSError:
                pass
    return removed


def backup_path(path: Path, when: datetime | None = None) -> Path:
    """`name.bak-YYYYMMDD-HHMMSS.xlsx` beside `path`, with -2, -3 … added if that name is taken."""
    stamp = f"{when or datetime.now():%Y%m%d-%H%M%S}"
    candidate = path.with_name(f"{path.stem}.bak-{stamp}{path.suffix}")
    number = 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.stem}.bak-{stamp}-{number}{path.suffix}")
    return candidate


def _backup(path: Path) -> tuple[Path, str]:
    """Copy `path` to a fresh backup name; the copy's path and the SHA-256 of the bytes copied. The copy is made as
    a temporary file and named last, so a kill or a full disk never leaves a partial file under a backup's name."""
    digest = hashlib.sha256()

    def copy(out: BinaryIO) -> None:
        with open(path, "rb") as source:
            while chunk := source.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)

    temp = _write_temp(path, copy)
    try:
        shutil.copystat(path, temp)
        while True:
            target = backup_path(path)
            if _name_new(temp, target):
                return target, digest.hexdigest()
    finally:
        temp.unlink(missing_ok=True)


def _name_new(temp: Path, target: Path) -> bool:
    """Give `temp`'s content the name `target` only if no file has it (False when one has: pick another name)."""
    try:
        os.link(temp, target)          # fails, never overwrites, when the name is taken
        return True
    except FileExistsError:
        return False
    except OSError:                    # no hard links (a FAT/exFAT USB stick): rename, after looking
        if target.exists():
            return False
        os.rename(temp, target)
        return True


def _set_mode(temp: Path, path: Path) -> None:
    """mkstemp creates the file readable by its owner only; give it the old file's mode or the usual one."""
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    try:
        os.chmod(temp, mode)
    except OSError:
        pass


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); Windows has no directory handles to flush."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
