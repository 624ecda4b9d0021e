"""Where the month's clue workbooks go: one folder a month (`-o OUT/`), holding each township's 线索交办单 and the
district's 线索总台账. Written as every report is (atomically, the previous file kept as a backup, never over a file
open in Excel, WPS or LibreOffice), under the folder's lock; a 交办单 that already holds a township's feedback is
never written over."""

from __future__ import annotations

from pathlib import Path

from hx_excel.clues import ClueError
from hx_excel.core.id_number import mask_in
from hx_excel.files.lock import FolderLock
from hx_excel.files.inputs import InputFileError, reason
from hx_excel.files.report import check_target, save_report
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
    if not intake.lists:
        raise ClueError("没有读进任何部门名单，没有写出文件：" + "；".join(f"{n}：{w}" for n, w in intake.refused[:3]))
    if not intake.ledgers:
        raise ClueError("没有读进任何乡镇台账，无从比对，没有写出文件：请用 --ledgers 指定各乡镇台账（文件或文件夹）"
                        + ("；" + "；".join(f"{n}：{w}" for n, w in intake.unread_ledgers[:3]) if intake.unread_ledgers else ""))
    if out_dir.exists() and not out_dir.is_dir():
        raise ClueError(f"输出位置 {out_dir} 是一个文件，不是文件夹：请用 -o 指定一个文件夹")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ClueError(f"无法建立输出文件夹 {out_dir}：{reason(exc)}。请用 -o 换一个可以写入的文件夹") from None
    lock = FolderLock(out_dir, command)
    lock.acquire()
    try:
        targets = [(t, task_path(out_dir, intake.month, t)) for t in intake.townships]
        ours = {p for _, p in targets}
        answered, stale = [], []
        for path in sorted(out_dir.glob(f"{TASK_PREFIX}-{intake.month}-*.xlsx")):
            if ".bak-" in path.name:
                continue
            try:
                filled = any(f.answered or f.note for f in read_feedback(path).rows)
            except (ClueError, InputFileError):
                filled = True            # cannot be read: whether a township answered in it is not known
            if filled:
                answered.append(path.name)
            elif path not in ours:
                stale.append(path.name)
        if answered:
            raise ClueError(f"{'、'.join(answered)} 已有乡镇填写的内容（或无法读取，不能确认），为免覆盖或对错线索编号，本次没有写入任何文件："
                            "请把本月的线索写到另一个文件夹（-o），或先用 hx-excel clues status 汇总后把这些文件移走")
        if stale:
            raise ClueError(f"{'、'.join(stale)} 是此前写出的交办单，这次的线索中没有这些乡镇，留着会与新的线索编号对不上，"
                            "本次没有写入任何文件：请写到另一个文件夹（-o），或先把这些文件移走")
        register = register_path(out_dir, intake.month)
        for path in [register, *ours]:            # every target checked before any is written
            check_target(path, what="线索文件")
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
