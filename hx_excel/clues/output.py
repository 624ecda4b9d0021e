"""Where the month's clue workbooks go: one folder a month (`-o OUT/`), holding each township's 线索交办单 and the
district's 线索总台账. Written as every report is (atomically, the previous file kept as a backup, never over a file
open in Excel, WPS or LibreOffice), under the folder's lock; a 交办单 that already holds a township's feedback is
never written over."""

from __future__ import annotations

from pathlib import Path

from hx_excel.clues import ClueError
from hx_excel.core.id_number import mask_in
from hx_excel.files.lock import FolderLock
from hx_excel.files.report import save_report
from hx_excel.clues.sheets import register_workbook, task_workbook

TASK_PREFIX = "线索交办单"
REGISTER_PREFIX = "线索总台账"


def task_path(out_dir: Path, month: str, township: str) -> Path:
    return out_dir / f"{TASK_PREFIX}-{month}-{township}.xlsx"


def register_path(out_dir: Path, month: str) -> Path:
    return out_dir / f"{REGISTER_PREFIX}-{month}.xlsx"


def write_intake(intake, out_dir: str | Path, *, command: str = "hx-excel clues intake") -> list[Path]:
    """Write the townships' 交办单 and the 总台账 of `intake` into `out_dir`; the paths written, 总台账 first."""
    from hx_excel.clues.status import ClueState, _count_sheet, read_feedback     # status reads what intake writes
    from hx_excel.clues.sheets import WAITING

    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ClueError(f"输出位置 {out_dir} 是一个文件，不是文件夹：请用 -o 指定一个文件夹")
    out_dir.mkdir(parents=True, exist_ok=True)
    lock = FolderLock(out_dir, command)
    lock.acquire()
    try:
        targets = [(t, task_path(out_dir, intake.month, t)) for t in intake.townships]
        answered = [p.name for _, p in targets if p.exists() and any(f.answered for f in read_feedback(p).rows)]
        if answered:
            raise ClueError(f"{'、'.join(answered)} 已填有乡镇交回的核实结果，为免覆盖，本次没有写入任何文件："
                            "请把本月的线索写到另一个文件夹（-o），或先用 hx-excel clues status 汇总后把这些文件移走")
        register = register_path(out_dir, intake.month)
        written = [register]
        book = register_workbook(intake)
        _count_sheet(book, [ClueState(c.number, c.person.township, WAITING, None, "", "", None) for c in intake.clues],
                     intake.received_on)
        save_report(book, register, what="线索总台账", text=mask_in)
        for township, path in targets:
            save_report(task_workbook(intake, township), path, what="交办单")
            written.append(path)
        return written
    finally:
        lock.release()
