"""Writing workbooks without ever losing what was there.

`save_workbook` writes a temporary file in the target's own folder, flushes it to disk and only then moves it over
the target in one step (`os.replace`), so a crash, a full disk or a power cut leaves either the old file or the new
one, never half of one. The previous file, if any, is first copied to a backup next to it.

`workbook_has_data` says whether a file holds anything a clerk typed into the ledger; anything it cannot read as a
ledger counts as holding data, so that nothing we do not understand is ever overwritten.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from hx_excel.ledger.reader import ledger_rows, open_workbook
from hx_excel.ledger.schema import COLUMNS, SHEET
from hx_excel.ledger.template import apply_print_area

INPUT_INDEXES = tuple(i for i, c in enumerate(COLUMNS) if c.kind == "input")


class SaveError(ValueError):
    """A workbook could not be written; the message is Chinese, names the file and says what to do."""


def save_workbook(wb: Workbook, path: str | Path, *, keep_previous: bool = True) -> Path | None:
    """Save `wb` to `path` atomically. When `path` already exists and `keep_previous` is true, the old file is kept
    as `<name>.bak-YYYYMMDD-HHMMSS.xlsx` next to it (never overwriting another backup); that path is returned."""
    path = Path(path)
    if SHEET in wb.sheetnames:
        apply_print_area(wb[SHEET])
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SaveError(f"无法创建输出文件夹 {folder}：{exc.strerror or exc}。请检查路径和权限，或用 --out 换一个文件夹。") from None
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise SaveError(f"无法在 {folder} 中写文件：{exc.strerror or exc}。请检查权限，或用 --out 换一个文件夹。") from None
    temp = Path(temp_name)
    backup: Path | None = None
    try:
        with os.fdopen(handle, "wb") as out:
            wb.save(out)
            out.flush()
            os.fsync(out.fileno())
        _set_mode(temp, path)
        if keep_previous and path.is_file():
            backup = _backup(path)
        os.replace(temp, path)
    except BaseException as exc:
        temp.unlink(missing_ok=True)
        if backup is not None:  # the target was not replaced: its backup is a needless copy
            backup.unlink(missing_ok=True)
        if isinstance(exc, PermissionError):
            raise SaveError(f"无法写入 {path}：没有权限，或文件正在 Excel、WPS 中打开。请关闭该文件后重试。") from None
        if isinstance(exc, IsADirectoryError):
            raise SaveError(f"无法写入 {path}：同名的文件夹已存在。请改名或用 --out 换一个文件夹。") from None
        if isinstance(exc, OSError):
            raise SaveError(f"无法写入 {path}：{exc.strerror or exc}。原文件未改动。") from None
        raise
    _sync_folder(folder)
    return backup


def backup_path(path: Path, when: datetime | None = None) -> Path:
    """`name.bak-YYYYMMDD-HHMMSS.xlsx` beside `path`, with -2, -3 … added if that name is taken."""
    stamp = f"{when or datetime.now():%Y%m%d-%H%M%S}"
    candidate = path.with_name(f"{path.stem}.bak-{stamp}{path.suffix}")
    number = 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.stem}.bak-{stamp}-{number}{path.suffix}")
    return candidate


def _backup(path: Path) -> Path:
    while True:
        target = backup_path(path)
        try:
            with open(path, "rb") as source, open(target, "xb") as copy:  # "x": never overwrite another backup
                shutil.copyfileobj(source, copy)
                copy.flush()
                os.fsync(copy.fileno())
        except FileExistsError:  # taken between the check and the open: pick the next name
            continue
        shutil.copystat(path, target)
        return target


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


# ---- what is already there ------------------------------------------------------------------------------------

def ledger_inputs(path: str | Path) -> dict[tuple[int, int], Any]:
    """Every typed input cell of 台账's data rows, as {(row, column): value}; blank cells are left out.

    Raises LedgerFileError when the file is not a ledger this tool can read (not a workbook, no 台账 sheet, columns
    renamed or moved). Cells are read as stored (a formula typed into an input cell counts as typed)."""
    path = Path(path)
    wb = open_workbook(path, read_only=True, data_only=False)
    try:
        cells: dict[tuple[int, int], Any] = {}
        for number, values in ledger_rows(wb, path.name):
            for index in INPUT_INDEXES:
                value = values[index] if index < len(values) else None
                if value is None or (isinstance(value, str) and not value.strip()):
                    continue
                cells[(number, index + 1)] = comparable(value)
        return cells
    finally:
        wb.close()


def comparable(value: Any) -> Any:
    """A cell value in the form it has after a save and a read (dates come back as midnight datetimes)."""
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def workbook_has_data(path: str | Path) -> bool:
    """Whether overwriting `path` could lose something: any typed input cell in 台账's data rows. A file that is not
    a ledger we can read (another workbook, a renamed column, not a workbook at all) counts as holding data.
    A path where nothing exists holds none."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return False
    try:
        return bool(ledger_inputs(path))
    except Exception:  # noqa: BLE001 — whatever we cannot read, we must not overwrite
        return True
