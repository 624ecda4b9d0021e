"""`hx-excel generate`: one ledger workbook per township, from the district settings, optionally pre-filled from a
roster (名单, see `hx_excel.roster`), and optionally a sample-filled workbook for trying the tool out.

Nothing a clerk typed or added is ever lost, anywhere in a workbook:
1. One run at a time per output folder (`files.lock.FolderLock`); a second run says who holds the folder, and waits
   or stops. Temporary files a killed run left behind are removed once the lock is held.
2. Every workbook is first built and saved to a temporary file beside its target ("staged"); targets that exist
   are staged first. An existing target may be replaced without `force` only when it holds exactly what the new
   file holds — sheets, every cell that is not a formula we write, comments, defined names, embedded objects
   (`files.content`) — so regenerating a blank template, the unchanged sample, or an import of the same roster
   just works, and anything else (an added sheet, a village typed on 参数, a value typed over a formula) refuses
   the whole run, naming each file and what was found, before any file is replaced.
3. Only then are the staged files moved into place, one by one, each after checking that its target is still the
   very file that was examined (`files.save.commit`): one saved in Excel meanwhile is left alone and reported.
   With `force` the previous file, whatever it holds, is always kept as a backup beside the new one.
A failure or Ctrl-C before step 3 leaves the folder as it was; during step 3, every file is either the old one or
the new one.
"""

from __future__ import annotations

import os
import re
from contextlib import nullcontext
from dataclasses import dataclass, field
from itertools import repeat
from datetime import date
from pathlib import Path
from typing import Callable, Iterable


from hx_excel.core.models import Household
from hx_excel.districts import DistrictSettings, Township, default_townships
from hx_excel.files.bulk import process_pool
from hx_excel.files.content import differences, read_content, same_parts, summary
from hx_excel.files.inputs import InputFileError, reason
from hx_excel.files.lock import FolderLock, open_in_office
from hx_excel.files.save import (UNCHECKED, FileChanged, SaveError, clean_leftovers, commit, fingerprint,
                                 workbook_bytes, write_temp, write_temp_bytes)
from hx_excel.ledger.book import read_book
from hx_excel.ledger.reader import Problem
from hx_excel.ledger.schema import COLUMNS, FIRST_DATA_ROW, SHEET
from hx_excel.ledger.template import VILLAGE_SLOTS, build_workbook, policy_year
from hx_excel.policy import Policy
from hx_excel.roster import Roster, RosterHousehold, RosterMapping, read_roster
from hx_excel.roster.into_ledger import write_households
from hx_excel.roster.report import problems_workbook
from hx_excel.samples import sample_households

SAMPLE_TOWNSHIP = "青岩镇"
SAMPLE_SUFFIX = "-示例"
SPARE_ROWS = 200          # empty rows left under imported households
PROBLEMS_FILE = "导入问题-{stem}.xlsx"


class GenerateError(ValueError):
    """Generation refused or failed; the message is Chinese, names every file concerned and says what to do."""


@dataclass
class GeneratedWorkbook:
    township: str
    path: Path
    rows: int                              # formula rows in 台账
    households: int = 0                    # pre-filled households (roster or samples)
    persons: int = 0
    sample: bool = False
    as_of: date | None = None              # the 评估日期 written, None for =TODAY()
    backup: Path | None = None             # where the previous file was kept (force=True)
    replaced: bool = False                 # a previous file with nothing to lose was regenerated
    skipped: str | None = None             # skip_filled: why the existing file was left alone (nothing written)
    refused: str | None = None             # changed since it was examined: left alone, the run reports it
    problems: list[Problem] = field(default_factory=list)   # roster problems of this township's rows


@dataclass
class GenerateRun:
    """What a run did: the workbooks, and where the roster's problems were written (if it had any)."""

    workbooks: list[GeneratedWorkbook]
    problems_file: Path | None = None
    cleaned: list[Path] = field(default_factory=list)     # temporary files of an earlier killed run, removed

    @property
    def refused(self) -> list[GeneratedWorkbook]:
        return [w for w in self.workbooks if w.refused]


@dataclass
class _Target:
    township: Township
    path: Path
    villages: tuple[str, ...]
    items: list[Household | RosterHousehold]
    as_of: date | None
    rows: int
    sample: bool = False
    problems: list[Problem] = field(default_factory=list)
    temp: Path | None = None               # the staged new file
    found: str | None = None               # fingerprint of the target when examined (None: no file)
    conflict: str | None = None            # what replacing it would lose
    in_use: bool = False                   # open in Excel, WPS or LibreOffice: never replaced

    @property
    def persons(self) -> int:
        return sum(i.persons if isinstance(i, RosterHousehold) else max(1, len(i.members)) for i in self.items)

    def __post_init__(self) -> None:
        self.rows = max(self.rows, self.persons + SPARE_ROWS)   # formula rows: the settings' count, or more


def generate(settings: DistrictSettings, policy: Policy, out_dir: str | Path, *,
             roster: Roster | str | Path | None = None, mapping: RosterMapping | str | Path | None = None,
             force: bool = False, as_of: date | None = None, samples: bool = False, skip_filled: bool = False,
             wait_seconds: float = 0, command: str = "hx-excel generate",
             progress: Callable[[GeneratedWorkbook], None] | None = None,
             status: Callable[[str], None] | None = None,
             waiting: Callable[[str], None] | None = None, workers: int | None = None) -> GenerateRun:
    """Write one ledger workbook per township of `settings` into `out_dir` (and, with `samples`, the sample-filled
    青岩镇 workbook), as the module docstring describes. `skip_filled` leaves workbooks that hold a clerk's content
    alone and reports them (`GeneratedWorkbook.skipped`) instead of refusing the run. `progress` is called with each
    result as its file is moved into place (or skipped); `status` with a progress line; `waiting` once, saying who
    holds the folder, when the run has to wait for another (`wait_seconds`). `workers`: processes building the
    workbooks (`_stage`; None: two on a two-core machine for four workbooks or more)."""
    out_dir = Path(out_dir)
    year = settings.year or policy_year(policy)
    policy.income_line(year)  # a year with no income line is an error, never a default
    if roster is not None and not isinstance(roster, Roster):
        roster = read_roster(roster, settings, policy, mapping)
    targets = []
    for township in settings.townships:
        items = list(roster.for_township(township.name)) if roster else []
        villages = _villages(township, (i.village for i in items), roster)
        targets.append(_Target(township, out_dir / settings.file_name(township, year), villages, items, as_of,
                               settings.rows, problems=roster.problems_for(township.name) if roster else []))
    if samples:
        targets.append(_sample_target(settings, policy, out_dir, year))
    _check_names(targets)

    created = _make_folder(out_dir)
    lock = FolderLock(out_dir, command)
    locked = False
    try:
        lock.acquire(wait_seconds, on_wait=waiting)
        locked = True
        cleaned = clean_leftovers(out_dir)
        _stage(targets, policy, year, force=force, skip_filled=skip_filled, status=status, workers=workers)
        run = _commit(targets, roster, out_dir, force=force, skip_filled=skip_filled, progress=progress)
        run.cleaned = cleaned
        return run
    finally:
        for target in targets:
            if target.temp is not None:
                target.temp.unlink(missing_ok=True)
        if locked:   # a Ctrl-C between a temporary file's creation and its name being returned: ours all the same
            clean_leftovers(out_dir)
        lock.release()
        if created and not any(out_dir.iterdir()):
            out_dir.rmdir()   # refused or interrupted before writing: leave no empty folder behind


def _make_folder(out_dir: Path) -> bool:
    """Create the output folder if needed; whether it was created."""
    if out_dir.exists() and not out_dir.is_dir():
        raise GenerateError(f"输出位置 {out_dir} 是一个文件，不是文件夹。请用 --out 指定一个文件夹。")
    if out_dir.is_dir():
        return False
    try:
        out_dir.mkdir(parents=True)
    except OSError as exc:
        raise GenerateError(f"无法创建输出文件夹 {out_dir}：{reason(exc)}。请检查路径和权限，或用 --out 换一个文件夹。") from None
    return True


PARALLEL_FROM = 4       # workbooks: from this many on, built on two cores (below, starting a process costs more)


def _stage(targets: list[_Target], policy: Policy, year: int, *, force: bool,
           skip_filled: bool, status: Callable[[str], None] | None, workers: int | None = None) -> None:
    """Build every workbook into a temporary file and examine every existing target; refuse the run when one holds
    what would be lost (unless force or skip_filled). Existing targets go first, so a refusal comes early.
    The workbooks are built on `workers` processes — by default two where the machine has two cores and there are
    PARALLEL_FROM or more: a district's 22 ledgers are built in about half the time."""
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if len(targets) >= PARALLEL_FROM else 1
    exists = [t for t in targets if t.path.exists() or t.path.is_symlink()]
    new = [t for t in targets if t not in exists]
    done = 0
    with (process_pool(workers) if workers > 1 else nullcontext()) as pool:
        for batch in (exists, new):
            if batch is new:
                _refuse_conflicts(targets, force=force, skip_filled=skip_filled)
            for target in _built(batch, policy, year, pool):
                done += 1
                if status:
                    status(f"正在生成 {done}/{len(targets)}：{target.path.name}")
                if batch is exists:
                    _examine(target)
    _refuse_conflicts(targets, force=force, skip_filled=skip_filled)


def _built(batch: list[_Target], policy: Policy, year: int, pool):
    """Each target of `batch`, in order, once its `temp` (the staged file) is written. The workbooks are built here or on `pool`'s processes,
    which hand back the file's bytes: only this process, which holds the folder's lock, writes into the folder, so
    a Ctrl-C or a failure leaves nothing behind that the caller does not know of (the targets' `temp`)."""
    specs = [(t.township.name, t.township.area, t.villages, t.as_of, t.rows, t.items) for t in batch]
    results = (map(_build_one, specs, repeat(policy), repeat(year)) if pool is None
               else pool.map(_build_one, specs, repeat(policy), repeat(year)))
    for target, data in zip(batch, results):
        try:
            target.temp = write_temp_bytes(data, target.path)   # known at once: a Ctrl-C from here on removes it
        except SaveError as exc:
            raise GenerateError(f"{exc}（本次没有替换任何文件）") from None
        yield target


def _build_one(spec: tuple, policy: Policy, year: int) -> bytes:
    """One township's workbook, built and saved in memory, wherever this runs."""
    township, area, villages, as_of, rows, items = spec
    wb = build_workbook(policy, township=township, county=area, villages=villages, year=year, as_of=as_of, rows=rows)
    write_households(wb[SHEET], items, policy, as_of, year)
    return workbook_bytes(wb)


def _examine(target: _Target) -> None:
    """What replacing the existing target by its staged file would lose (`conflict`), and whether it is open."""
    # fingerprint first: a save landing during the comparison then shows as a change at commit time
    try:
        target.found = None if target.path.is_dir() else fingerprint(target.path)
    except OSError as exc:
        target.conflict = f"无法读取（{reason(exc)}），无法确认其中没有需要保留的内容"
        return
    busy = open_in_office(target.path)
    target.in_use = busy is not None
    target.conflict = busy or _conflict(target.path, target.temp)


def _refuse_conflicts(targets: list[_Target], *, force: bool, skip_filled: bool) -> None:
    conflicts = [t for t in targets if t.conflict and (t.in_use or not force)]
    if not conflicts or skip_filled:
        return
    listed = "\n".join(f"  {t.path}：{t.conflict}" for t in conflicts)
    raise GenerateError(f"以下 {len(conflicts)} 个文件已存在，且有本次生成时会丢失的内容，为免覆盖，本次没有写入任何文件：\n{listed}\n"
                        "请换一个输出文件夹（--out），或先把这些文件移走；确需重新生成时加 --force（旧文件会另存为备份）。")


def _commit(targets: list[_Target], roster: Roster | None, out_dir: Path, *,
            force: bool, skip_filled: bool, progress: Callable[[GeneratedWorkbook], None] | None) -> GenerateRun:
    run = GenerateRun([])
    for target in targets:
        result = GeneratedWorkbook(target.township.name, target.path, target.rows, len(target.items), target.persons,
                                   target.sample, target.as_of, problems=target.problems)
        run.workbooks.append(result)
        if target.conflict and (target.in_use or not force):   # skip_filled: _stage refused otherwise
            result.skipped = target.conflict
        elif target.path.is_dir():
            result.refused = f"{target.path} 是一个文件夹，无法替换"
        else:
            existed = target.path.exists()
            try:
                # with force the previous file, whatever it is now, is kept; without, it must be what was examined
                result.backup = commit(target.temp, target.path, keep_previous=force and existed,
                                       expected=UNCHECKED if force else target.found)
                result.replaced = existed and result.backup is None
            except FileChanged as exc:
                result.refused = str(exc)
            except SaveError as exc:
                done = "、".join(r.path.name for r in run.workbooks[:-1] if not (r.skipped or r.refused))
                raise GenerateError(f"{exc}" + (f"\n此前已写好：{done}。" if done else "")) from None
            finally:
                target.temp = None
        if result.refused and skip_filled:
            result.skipped, result.refused = result.refused, None
        if progress:
            progress(result)
    if roster is not None and roster.problems:
        run.problems_file = _write_problems(roster, out_dir)
    return run


def _write_problems(roster: Roster, out_dir: Path) -> Path:
    """All the roster's problems, as a workbook beside the ledgers. A previous list is kept as a backup unless it
    holds exactly the same (a clerk may have marked it up)."""
    path = out_dir / PROBLEMS_FILE.format(stem=Path(roster.name).stem)
    try:
        temp = write_temp(problems_workbook(roster), path)
        keep = path.exists() and _conflict(path, temp) is not None
        commit(temp, path, keep_previous=keep)
    except SaveError as exc:
        raise GenerateError(f"台账已写好，但导入问题清单未能保存：{exc}") from None
    return path


def _conflict(path: Path, staged: Path) -> str | None:
    """What replacing `path` by the staged workbook would lose, or None when nothing."""
    if path.is_dir():
        return "同名的文件夹已存在"
    if same_parts(path, staged):
        return None
    try:
        found = read_content(path, "已有的文件")
    except InputFileError as exc:
        return f"不是本工具能读取的台账，无法确认其中没有需要保留的内容（{exc}）"
    if SHEET not in found.sheets:
        listed = differences(found, read_content(staged))
        return f"不是本工具生成的台账（没有“{SHEET}”表），其中的内容会丢失：{summary(listed)}"
    listed = differences(found, read_content(staged), place=_ledger_place(path))
    return summary(listed) if listed else None


def _ledger_place(path: Path):
    """Names a 台账 data cell by its row and column header, as the clerk sees it: the columns found by header with
    the reader every operation uses (`book.read_book`), so that a moved or added column is named as it stands."""
    try:
        columns = read_book(path).columns
        headers = {p: COLUMNS[i].header for i, p in enumerate(columns.positions) if p is not None}
        first = columns.header_row + 1
    except InputFileError:      # headers renamed or missing: fall back to the template's places
        headers, first = {i: c.header for i, c in enumerate(COLUMNS)}, FIRST_DATA_ROW

    def place(sheet: str, row: int, column: int) -> str | None:
        if sheet == SHEET and row >= first:
            header = headers.get(column - 1)
            return f"第 {row} 行“{header}”列" if header else None   # not a ledger column: its coordinate, as Excel shows
        return None
    return place


def _sample_target(settings: DistrictSettings, policy: Policy, out_dir: Path, year: int) -> _Target:
    township = settings.township(SAMPLE_TOWNSHIP) or next(t for t in default_townships() if t.name == SAMPLE_TOWNSHIP)
    sample_as_of, households = sample_households(policy)
    name = Path(settings.file_name(township, year))
    path = out_dir / f"{name.stem}{SAMPLE_SUFFIX}{name.suffix}"
    return _Target(township, path, _villages(township, (h.village for h in households), None), list(households),
                   sample_as_of, settings.rows, sample=True)


def _villages(township: Township, seen: Iterable[str], roster: Roster | None) -> tuple[str, ...]:
    """The settings' villages, then those the households name (so 统计 counts them), in first-seen order."""
    villages = list(township.villages)
    for village in seen:
        if village and village not in villages:
            villages.append(village)
    if len(villages) > VILLAGE_SLOTS and roster is not None:
        roster.problems.append(Problem(roster.name, roster.header_row, "村", f"{township.name}共有 {len(villages)} 个村（居），台账“参数”表只能列 "
                                       f"{VILLAGE_SLOTS} 个，“统计”表不计其后的：{'、'.join(villages[VILLAGE_SLOTS:])}"))
    return tuple(villages[:VILLAGE_SLOTS])


def _check_names(targets: list[_Target]) -> None:
    seen: dict[Path, str] = {}
    for target in targets:
        name = target.path.name
        if re.search(r'[<>:"/\\|?*\x00-\x1f]', name):
            raise GenerateError(f"{target.township.name}的台账文件名“{name}”含有文件名不能用的字符，请修改区设置中的乡镇名称或文件名格式。")
        if target.path in seen:
            raise GenerateError(f"{seen[target.path]}和{target.township.name}的台账文件名都是“{name}”，会互相覆盖。"
                                "请在文件名格式中加入 {township} 或 {code}。")
        seen[target.path] = target.township.name
