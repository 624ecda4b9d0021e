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

import io
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from openpyxl import Workbook, load_workbook

from hx_excel.files import inputs
from hx_excel.files.content import extras_in
from hx_excel.files.lock import FolderLock, open_in_office
from hx_excel.files.save import commit, fingerprint, write_temp
from hx_excel.ledger.book import WHAT, LedgerBook, read_book
from hx_excel.operations.assessed import AssessedLedger


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


@contextmanager
def ledger_in_hand(path: Path, command: str, refuse: Callable[[str], Exception] = EditRefused, *,
                   doing: str = "") -> Iterator[str | None]:
    """What every command that replaces a ledger refuses before reading it — a folder, a missing file, a workbook
    open in Excel, WPS or LibreOffice — then the folder's lock, held until the block ends. Yields the file's
    fingerprint, which the save checks again (`save.commit`), so a file saved in Excel meanwhile is never replaced."""
    if path.is_dir():
        raise refuse(f"{path} 是一个文件夹，请写出{doing}台账文件（.xlsx）")
    if not path.is_file():
        raise refuse(f"找不到台账文件 {path}。请检查路径和文件名。")
    busy = open_in_office(path)
    if busy:
        raise refuse(f"{path.name} {busy}。没有改动该文件。")
    lock = FolderLock(path.parent, command)
    lock.acquire(0)
    try:
        yield fingerprint(path)
    finally:
        lock.release()


def edit_ledger(path: str | Path, change: Callable[[Workbook, LedgerBook], Edits], *,
                command: str = "hx-excel") -> Edited:
    path = Path(path)
    with ledger_in_hand(path, command) as found:
        data = inputs.read_bytes(path, WHAT)
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
            return Edited(path, edits)
        temp = write_temp(wb, path)
        backup = commit(temp, path, keep_previous=True, expected=found)
        return Edited(path, edits, backup, saved=True)


def unread_facts(ledger: AssessedLedger, edits: Edits) -> None:
    """The cells and households the reader could not use: counted, and left to `hx-excel check` to list."""
    if ledger.problems:
        edits.problems += len(ledger.problems)
        first = ledger.problems[0]
        edits.report.append(f"台账有 {len(ledger.problems)} 处填写问题（如{first}），这些格按未填计算；"
                            f"请运行 hx-excel check {ledger.name} 逐条查看并改正")
