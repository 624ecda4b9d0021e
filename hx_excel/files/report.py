"""Saving a workbook a command made (a check report, a monthly summary, a notice) where the user asked: atomically,
never over one of the files it was made from, never over a file open in Excel or WPS, and with any previous file of
that name kept as a backup beside it."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Callable, Iterable

from openpyxl import Workbook

from hx_excel.files.fonts import use_chinese_font
from hx_excel.files.lock import open_in_office
from hx_excel.files.save import SaveError, clean_leftovers, save_workbook, through_link


REPORT_CATEGORY = "hx-excel 报表"   # set on every workbook saved here, so a folder of ledgers can tell them apart


def is_report(path: str | Path) -> bool:
    """Whether `path` is a workbook this tool wrote as a report (a check result, a monthly summary, a notice)."""
    try:
        with zipfile.ZipFile(path) as archive:
            core = archive.read("docProps/core.xml").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile, ValueError):
        return False
    return f">{REPORT_CATEGORY}<" in core


def check_target(path: str | Path, *, sources: Iterable[str | Path] = (), what: str = "结果") -> Path:
    """Refuse (SaveError, in Chinese) an output path that save_report would refuse — checked before any reading, so
    that a mistyped -o stops a command at once rather than after every ledger has been read."""
    path = Path(path)
    through_link(path)                         # links in a loop: refused now, before any ledger is read
    if path.is_dir():
        raise SaveError(f"{path} 是一个文件夹：-o 后请写{what}的文件名（如 {path / (what + '.xlsx')}）")
    if path.suffix.lower() != ".xlsx":
        raise SaveError(f"{what}文件 {path} 须以 .xlsx 结尾（-o 后写文件名，如 {what}.xlsx）")
    target = os.path.realpath(path)          # not Path.resolve: a link in a loop must not raise
    for source in map(Path, sources):
        if source.exists() and os.path.realpath(source) == target:
            raise SaveError(f"{what}不能写到读取的文件 {path} 上（会覆盖台账）：请用 -o 另写一个文件名")
    busy = open_in_office(path) if path.exists() else None
    if busy:
        raise SaveError(f"{path.name} {busy}")
    return path


def report_leftovers(path: str | Path) -> list[Path]:
    """Remove the temporary files an earlier run writing this same report left when it was killed (only this
    report's: another report or a ledger being written in the folder is not touched)."""
    path = Path(path)
    return clean_leftovers(path.parent, path.stem) if path.parent.is_dir() else []


def _rewrite_text(wb: Workbook, text: Callable[[str], str]) -> None:
    """Every text cell through `text`; still text afterwards (openpyxl makes any string assigned that starts with "="
    a live formula: a name typed as =HYPERLINK(…) in a list must stay the text it was). Formulas are not text."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "s" and isinstance(cell.value, str):
                    new = text(cell.value)
                    if new != cell.value:
                        cell.value = new
                        cell.data_type = "s"


def save_report(wb: Workbook, path: str | Path, *, sources: Iterable[str | Path] = (), what: str = "结果",
                text: Callable[[str], str] | None = None) -> Path | None:
    """Save `wb` to `path`, every text cell passed through `text` first (the commands give `id_number.mask_in`: an
    ID-shaped number is masked whatever its column); the backup of the file it replaced, if any. SaveError (Chinese)
    when refused."""
    path = check_target(path, sources=sources, what=what)
    if text is not None:
        _rewrite_text(wb, text)
    use_chinese_font(wb)
    wb.properties.category = REPORT_CATEGORY
    return save_workbook(wb, path, keep_previous=True)
