"""Changing a ledger in place, the one way fill and review do it (and the ribbon will): nothing a clerk typed is
touched, the file is replaced atomically with the previous one kept as a backup, and a run that would change
nothing writes nothing.

1. Refused before anything is read: a folder, a missing file, a workbook open in Excel or WPS (its `~$` owner file)
   or LibreOffice (`.~lock.NAME#`), another hx-excel run in the same folder (`files.lock.FolderLock`).
2. The ledger is read (`book.read_book`: a file that is not a ledger is refused with its reason), and refused when
   it holds what openpyxl cannot carry over a save (pictures, charts, macros, pivot tables …: `content.extras_in`).
3. `change(workbook, book)` makes the edits and returns what it did (`Edits`); it writes only computed cells, empty
   input cells the operation owns (户编号 of a member row) and sheets of the tool's own (待办, 月度研判记录).
4. With edits, the workbook is saved to a temporary file and moved over the ledger only if the ledger is still the
   file that was read (`save.commit`), the previous file kept as `.bak-…`.
"""

from __future__ import annotations

import errno
import io
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from openpyxl import Workbook, load_workbook

from hx_excel.files import inputs
from hx_excel.files.content import extras_in
from hx_excel.files.lock import FolderLock, open_in_office
from hx_excel.files.save import clean_leftovers, commit, fingerprint, write_temp
from hx_excel.ledger.book import WHAT, LedgerBook, read_book
from hx_excel.operations.assessed import AssessedLedger


# The sheet where the Excel add-in's buttons put their outcome (addin.ribbon). The command line never writes it, but
# it is the tool's own: extend carries it over as it carries 待办 and 月度研判记录.
RESULT_SHEET = "hx-excel结果"


class EditRefused(ValueError):
    """The ledger was not changed; the message (Chinese) says why and what to do."""


@dataclass
class Edits:
    cells: int = 0                                         # cells written
    sheets: list[str] = field(default_factory=list)         # sheets rebuilt or appended to
    report: list[str] = field(default_factory=list)         # lines for the clerk
    problems: int = 0                                       # of them, things left for the clerk to put right

    @property
    def any(self) -> bool:
        return bool(self.cells or self.sheets)


@dataclass
class Edited:
    path: Path
    edits: Edits
    backup: Path | None = None
    saved: bool = False
    cleaned: list[Path] = field(default_factory=list)     # temporary files of an earlier killed run, removed


@dataclass
class InHand:
    """A ledger held for changing: `path` is the file itself (a symbolic link followed, so the link stays a link and
    the file it points to is the one updated), `fingerprint` its bytes' digest as checked, `cleaned` the temporary
    files an earlier killed run left beside it, removed under the lock."""

    path: Path
    fingerprint: str | None
    cleaned: list[Path]


@contextmanager
def ledger_in_hand(path: Path, command: str, refuse: Callable[[str], Exception] = EditRefused, *,
                   doing: str = "", wait_seconds: float = 0,
                   on_wait: Callable[[str], None] | None = None) -> Iterator[InHand]:
    """What every command that replaces a ledger refuses before reading it — a folder, a missing or unreadable file,
    a symbolic link going nowhere, a workbook open in Excel, WPS or LibreOffice — then the folder's lock, held until
    the block ends (waiting up to `wait_seconds` for another run). The fingerprint yielded is checked again by the
    save (`save.commit`), so a file saved in Excel meanwhile is never replaced."""
    try:
        real = Path(os.path.realpath(path, strict=True))
    except (OSError, RuntimeError) as exc:
        if path.is_symlink() or isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP:
            raise refuse(f"{path} 是一个快捷方式（符号链接），但它指向的文件不存在或链接绕成了圈。"
                         "请直接写出台账文件本身的路径。") from None
        raise refuse(f"找不到台账文件 {path}。请检查路径和文件名。") from None
    if real.is_dir():
        raise refuse(f"{path} 是一个文件夹，请写出{doing}台账文件（.xlsx）")
    if not real.is_file():
        raise refuse(f"{path} 不是普通文件，请写出{doing}台账文件（.xlsx）")
    try:
        with open(real, "rb"):
            pass
    except OSError as exc:
        raise refuse(f"无法读取台账文件 {path}：{inputs.reason(exc)}。请检查文件权限（或把它复制到自己的文件夹）后重试。"
                     "没有改动该文件。") from None
    busy = open_in_office(real)
    if busy:
        raise refuse(f"{path.name} {busy}。没有改动该文件。")
    lock = FolderLock(real.parent, command)
    lock.acquire(wait_seconds, on_wait)
    try:
        cleaned = clean_leftovers(real.parent, real.stem)
        yield InHand(real, fingerprint(real), cleaned)
    finally:
        lock.release()


def edit_ledger(path: str | Path, change: Callable[[Workbook, LedgerBook], Edits], *,
                command: str = "hx-excel", wait_seconds: float = 0,
                on_wait: Callable[[str], None] | None = None) -> Edited:
    path = Path(path)
    with ledger_in_hand(path, command, wait_seconds=wait_seconds, on_wait=on_wait) as hand:
        data = inputs.read_bytes(hand.path, WHAT)
        book = read_book(path, data=data)
        dropped = extras_in(io.BytesIO(data), WHAT, name=path)
        if dropped:
            raise EditRefused(f"{path.name} 中有{'、'.join(sorted(dropped))}，本工具保存时无法保留，为免丢失，没有改动该文件。"
                              "请把它们移到另一个工作簿后重试。")
        try:
            wb = load_workbook(io.BytesIO(data), data_only=False)
        except Exception as exc:  # noqa: BLE001 — calamine read it, openpyxl could not: damaged for our purpose
            raise inputs.damaged(path, WHAT, exc) from None
        edits = change(wb, book)
        if not edits.any:
            return Edited(path, edits, cleaned=hand.cleaned)
        temp = write_temp(wb, hand.path)
        backup = commit(temp, hand.path, keep_previous=True, expected=hand.fingerprint)
        return Edited(path, edits, backup, saved=True, cleaned=hand.cleaned)


def unread_facts(ledger: AssessedLedger, edits: Edits) -> None:
    """The cells and households the reader could not use: counted, and left to `hx-excel check` to list."""
    if ledger.problems:
        edits.problems += len(ledger.problems)
        first = ledger.problems[0]
        edits.report.append(f"台账有 {len(ledger.problems)} 处填写问题（如{first}），这些格按未填计算；"
                            f"请运行 hx-excel check {ledger.name} 逐条查看并改正")
