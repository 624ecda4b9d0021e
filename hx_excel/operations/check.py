"""Checking ledgers before they go up: every problem of one workbook, or of a district's worth, as rows naming
file, sheet, row, column, severity, clause and what to fix.

The sheet checks each row live through its window (formulas.HOUSEHOLD_ROWS); what needs the whole sheet, several
files, the workbook's own structure or the core's full plan runs here, over a ledger already read and graded
(`assessed.assess_book`; reading files stays at the edge, `check_files`):
- every problem the reader finds in typed cells and households: values off their lists, text in number or date
  cells, an ID stored as a number, a member without a head, two heads;
- required member facts left blank (姓名, 与户主关系, 身份证号, 劳动技能);
- what the core finds in each household: bad ID numbers (checksum, birth date, 15-digit legacy), relation against
  sex, 待补充, out of scope (S1/S2), dates out of order (D2, D5), and every step overdue (D1–D5; D3 is a red or
  yellow household without contact or measures 10 days after entry);
- 户类型 against the member rows (S2), no 开发式帮扶 after six months (五(二)), risk eliminated too early (D5)
  (`core.follow_up`);
- a computed cell whose formula is gone (typed over or cleared), and a grade the file shows that differs from the
  core's (the file was not recalculated, or a formula was changed);
- ID numbers that stand twice, compared normalised, within a file and across the files checked together;
- a household whose rows are split, whose head is not its first row, or that runs past the window.
"""

from __future__ import annotations

import re

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Container, Iterable, Literal

from hx_excel.core import follow_up, id_number
from hx_excel.core.clauses import INCOMPLETE
from hx_excel.core.workflow import STEP_DATES, unreadable_date
from hx_excel.files.bulk import can_fork, collector_paused, in_fork
from hx_excel.files.inputs import InputFileError
from hx_excel.files.report import is_report
from hx_excel.ledger import formulas
from hx_excel.ledger.book import LedgerBook, headers, read_book, typed
from hx_excel.ledger.cells import filled
from hx_excel.ledger.reader import in_runs
from hx_excel.ledger.schema import BY_KEY, COLUMNS, SHEET, column_index
from hx_excel.ledger.template import PARAMS
from hx_excel.operations.assessed import AssessedHousehold, AssessedLedger, assess_book
from hx_excel.policy import Policy

Severity = Literal["错误", "提示"]
_HID, _REL, _ID = (column_index(k) - 1 for k in ("household_id", "relation", "id_number"))
_REQUIRED_MEMBER = [(i, c) for i, c in enumerate(COLUMNS) if c.kind == "input" and c.required and c.level == "member"]
_COMPUTED = frozenset(i for i, c in enumerate(COLUMNS) if c.kind == "computed")
_GRADE = column_index("grade") - 1

@dataclass(frozen=True)
class Finding:
    file: str
    sheet: str
    row: int
    column: str
    severity: Severity
    clause: str
    message: str


@dataclass
class CheckResult:
    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)           # every file looked at
    read: list[str] = field(default_factory=list)            # the ledgers among them that could be read
    notes: list[str] = field(default_factory=list)           # columns added, hidden or moved: tolerated
    checked_on: date = field(default_factory=date.today)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "错误"]


def check_ledger(ledger: AssessedLedger) -> list[Finding]:
    """Everything one ledger shows, from the reader, the core and the workbook's formulas."""
    return _in_order(_of_households(ledger), whole=_of_whole_book(ledger.book))


def _of_households(ledger: AssessedLedger) -> tuple[list[Finding], list[Finding]]:
    """What the reader found in the rows `ledger` was read from, and what the core finds in its households."""
    file = ledger.name
    read = [Finding(file, p.sheet, p.row, p.column, "错误", "", p.message) for p in ledger.problems]
    return read, [found for item in ledger.households for found in _household(file, item, ledger.as_of, ledger)]


def _of_whole_book(book: LedgerBook) -> tuple[list[Finding], list[Finding]]:
    """What only the whole sheet shows: (formulas typed into input cells and required cells left blank; formulas
    gone and the households' layout)."""
    file = book.name
    return (_typed_formulas(file, book) + _required(file, book.rows, book.typed_formulas),
            _formulas(file, book) + _layout(file, book.rows))


def _in_order(*parts: tuple[list[Finding], list[Finding]], whole: tuple[list[Finding], list[Finding]]
              ) -> list[Finding]:
    """The findings of each part of the sheet (`_of_households`) and of the whole (`_of_whole_book`), in the order
    one part holding all the rows gives them. A problem of 参数 (its year) is said once, not once a part."""
    found = list(dict.fromkeys(f for read, _ in parts for f in read if f.sheet == PARAMS))
    found += [f for read, _ in parts for f in read if f.sheet != PARAMS]
    found += whole[0]
    for _, households in parts:
        found += households
    return found + whole[1]


def _required(file: str, rows: list[tuple[int, tuple[Any, ...]]],
              formulas: Container[tuple[int, int]] = frozenset()) -> list[Finding]:
    """Blank member facts the reader does not report (a blank is not a fault of the cell); a cell holding a formula
    is said as such (`_typed_formulas`), not as blank."""
    found = []
    for number, values in rows:
        if not typed(values):
            continue
        blank = [c.header for i, c in _REQUIRED_MEMBER if not filled(values[i]) and (number, i) not in formulas]
        if blank:
            found.append(Finding(file, SHEET, number, blank[0], "错误", "",
                                 f"{'、'.join(blank)}未填：每人一行都要填写，请补充"))
    return found



def _household(file: str, item: AssessedHousehold, as_of: date, ledger: AssessedLedger) -> list[Finding]:
    entry, a, p = item.entry, item.assessment, item.plan
    if a is None or p is None:
        return []
    hid = entry.household.household_id
    found = []

    def add(row: int, column: str, level: str, clause: str | None, message: str) -> None:
        found.append(Finding(file, SHEET, row, column, level, clause or "", f"户编号“{hid}”：{message}"))

    for finding in a.findings:
        if finding.message.startswith("一户应有且只有"):   # the reader names the rows of the heads already
            continue
        row = entry.rows[finding.member] if finding.member is not None and finding.member < len(entry.rows) \
            else entry.head_row
        column = "身份证号" if "身份证号" in finding.message else "与户主关系" if "与户主关系" in finding.message \
            else "预警分级" if finding.message.startswith(INCOMPLETE) else ""
        add(row, column, finding.level, finding.clause, finding.message)
    for problem in p.problems:
        add(entry.head_row, "", problem.level, problem.clause, problem.message)
    for step in p.overdue:
        column = BY_KEY[STEP_DATES[step.key]].header if step.key in STEP_DATES else ""
        if unreadable_date(entry.household, step):   # the reader names the cell; the step is not called undone
            add(entry.head_row, column, "错误", step.clause,
                f"{step.clause} “{step.title}”的期限 {step.due:%Y-%m-%d} 已过，但“{column}”填写的内容无法识别为日期，"
                "是否按时完成无法判断：请按 2022-07-15 的格式改正")
            continue
        what = (f"纳入监测已过 {ledger.policy.deadlines.contact_and_measures_days} 天仍未"
                if step.clause == "D3" else "")
        add(entry.head_row, column, "错误", step.clause,
            f"{step.clause} {what}“{step.title}”已逾期（期限 {step.due:%Y-%m-%d}）" + (f"，{step.note}" if step.note else "")
            + (f"：请尽快办理，并填写“{column}”" if column else "：请尽快办理"))
    for extra in (follow_up.type_contradiction(entry.household, a, ledger.policy),
                  follow_up.development_help_missing(entry.household, ledger.policy, as_of),
                  follow_up.elimination_too_early(entry.household)):
        if extra:
            column = {"S2": "户类型", "五(二)": "措施类别", "D5": "标注风险消除日期"}.get(extra.clause or "", "")
            add(entry.head_row, column, extra.level, extra.clause, extra.message)
    cached = cached_grade(ledger, entry.head_row)
    if cached is not None and a.grade != cached:
        add(entry.head_row, "预警分级", "错误", "",
            f"表中“预警分级”为“{cached}”，按文件规则应为“{a.grade}”：文件保存前没有重新计算，或公式被改动；"
            "请在 Excel 中按 Ctrl+Alt+F9 重新计算后保存，仍不一致时用 hx-excel fill --restore-formulas 恢复公式")
    return found


def cached_grade(ledger: AssessedLedger, row: int) -> str | None:
    """The grade the file shows on a head row, when its formula is there and a spreadsheet computed it."""
    if not ledger.book.has_formula(row, _GRADE):
        return None
    values = ledger.book.values_at(row)
    value = values[_GRADE] if values else None
    return str(value).strip() if filled(value) else None


# cmd|' /C calc'!A0, DDE("cmd";…), DDEAUTO: a call to another program (Dynamic Data Exchange)
_DDE = re.compile(r"^\s*[+\-=@]*\s*'?[\w.\s]+'?\||\bDDE(?:AUTO)?\s*\(", re.IGNORECASE)
_LINK = re.compile(r"HYPERLINK\s*\(\s*\"([^\"]*)", re.IGNORECASE)
_CALLS = re.compile(r"\b(WEBSERVICE|FILTERXML|CALL|REGISTER\.ID|EXEC|RTD)\s*\(", re.IGNORECASE)


def _typed_formulas(file: str, book) -> list[Finding]:
    """A formula typed (or pasted) into a column a clerk fills in: said with what it would do. A link or a call to
    another program is an error — clicking it can send the row's ID number out, or run a program; plain arithmetic
    (=3000+4500) a hint, since its result is what the ledger holds but nobody typed that value."""
    found = []
    at = [(SHEET, row, COLUMNS[index].header, text) for (row, index), text in sorted(book.typed_formulas.items())]
    at += [(PARAMS, row, label, text) for row, label, text in book.settings.typed_formulas]
    for sheet, row, header, text in at:
        shown = (text[:60] + "…") if len(text) > 60 else text
        formula = f"公式 ={shown}" if text else "公式"
        link = _LINK.search(text)
        if _DDE.search(text):
            found.append(Finding(file, sheet, row, header, "错误", "",
                                 f"“{header}”格是{formula}，会调用电脑上的其他程序（DDE），是恶意表格常用的手法："
                                 f"请删除该格，直接填写{header}"))
        elif link or _CALLS.search(text):
            what = f"点击它会打开链接 {link.group(1)[:40]}" if link else "它会访问网络或调用其他程序"
            found.append(Finding(file, sheet, row, header, "错误", "",
                                 f"“{header}”格是{formula}，不是填写的内容：{what}，可能把本行的信息（如身份证号）发到外部。"
                                 f"请删除公式，直接填写{header}"))
        else:
            found.append(Finding(file, sheet, row, header, "提示", "",
                                 f"“{header}”格是{formula}，不是直接填写的内容：按公式的结果读取；"
                                 f"请确认结果无误后改为直接填写数值或文字"))
    return found


def _formulas(file: str, book: LedgerBook) -> list[Finding]:
    """Computed cells whose formula is gone, and typed rows with no formulas at all (`LedgerBook.formulas_gone`)."""
    if not book.has_formulas:
        return [Finding(file, SHEET, 0, "", "提示", "",
                        "计算列没有公式（导出或粘贴为数值的台账）：分级等按本工具计算，运行 hx-excel fill 可把结果填入")]
    found = []
    for number, gone in book.formulas_gone().items():
        if not any(book.has_formula(number, i) for i in _COMPUTED):    # a row inserted by hand, typed into
            found.append(Finding(file, SHEET, number, "序号", "错误", "",
                                 "本行没有公式（插入的行），不会计算分级、不进统计：请运行 hx-excel fill --restore-formulas 补上公式"))
            continue
        over = book.typed_over(number, gone)
        found.append(Finding(file, SHEET, number, COLUMNS[gone[0]].header, "错误", "",
                             f"{headers(gone)}列的公式被删除或被填写覆盖" + (f"（{'；'.join(over[:2])}）" if over else "")
                             + "：计算列请勿填写；运行 hx-excel fill --restore-formulas 可恢复公式（原值保留在备份中）"))
    last = book.last_formula_row
    for number, values in book.rows:
        if number > last and typed(values):
            found.append(Finding(file, SHEET, number, "序号", "错误", "",
                                 "本行在准备了公式的行以下，不会计算分级、不进统计：请运行 hx-excel extend 增加公式行"))
    return found


def _layout(file: str, rows: list[tuple[int, tuple[Any, ...]]]) -> list[Finding]:
    """Households split over several places, a head not on the first row, a household longer than the window."""
    def value(values, index):
        cell = values[index] if index < len(values) else None
        return str(cell).strip() if cell is not None and str(cell).strip() else ""

    blocks: list[tuple[str, list[tuple[int, str]]]] = []   # (household id, [(row, relation)]) in sheet order
    for number, values in rows:
        hid = value(values, _HID)
        if not hid:
            continue
        if blocks and blocks[-1][0] == hid and blocks[-1][1][-1][0] == number - 1:
            blocks[-1][1].append((number, value(values, _REL)))
        else:
            blocks.append((hid, [(number, value(values, _REL))]))
    found = []
    by_household: dict[str, list[list[tuple[int, str]]]] = {}
    for hid, block in blocks:
        by_household.setdefault(hid, []).append(block)
    for hid, parts in by_household.items():
        if len(parts) > 1:
            places = "、".join(f"第 {p[0][0]} 行" if len(p) == 1 else f"第 {p[0][0]}–{p[-1][0]} 行" for p in parts)
            found.append(Finding(file, SHEET, parts[1][0][0], "户编号", "错误", "",
                                 f"户编号“{hid}”的行分在 {len(parts)} 处（{places}）：同户各行须相连，请按户编号排序"))
        for block in parts:
            heads = [n for n, relation in block if relation == "户主"]
            if heads and heads[0] != block[0][0]:
                found.append(Finding(file, SHEET, heads[0], "与户主关系", "错误", "",
                                     f"户编号“{hid}”的户主行不在本户第一行（第 {block[0][0]} 行）：请把户主行移到本户最前"))
            if len(block) > formulas.HOUSEHOLD_ROWS:
                found.append(Finding(file, SHEET, block[formulas.HOUSEHOLD_ROWS][0], "户编号", "错误", "",
                                     f"户编号“{hid}”连续 {len(block)} 行，台账公式只读户主行起 {formulas.HOUSEHOLD_ROWS} 行："
                                     "请核对户编号，确为同一户时分户登记"))
    return found


def duplicate_ids(ledgers: Iterable[tuple[str, list[tuple[int, tuple[Any, ...]]]]]) -> list[Finding]:
    """Each ID number, in its normalised form, on a second row: within a file, or in another file checked with it.
    The message names where it stood first, never the number."""
    entries = (((file, number), values[_ID] if _ID < len(values) else None) for file, rows in ledgers
               for number, values in rows)
    found = []
    for (file, number), (other_file, other_row) in id_number.repeats(entries):
        where = f"第 {other_row} 行" if other_file == file else f" {other_file} 第 {other_row} 行"
        found.append(Finding(file, SHEET, number, "身份证号", "错误", "",
                             f"身份证号与{where}相同：同一人登记了两次，请核对后删去多余的一行"))
    return found


def ledger_files(paths: Iterable[str | Path]) -> list[Path]:
    """The .xlsx files named, and those in the folders named — our backups, lock and temporary files, and the
    reports this tool wrote there (月报, 公示, 检查结果: `files.report.is_report`), left out."""
    files = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(p for p in path.glob("*.xlsx") if ".bak-" not in p.name
                            and not p.name.startswith((".", "~$")) and not is_report(p))
        else:
            files.append(path)
    return files


def check_files(paths: Iterable[str | Path], policy: Policy, as_of: date | None = None, *,
                progress: Callable[[int, int, str], None] | None = None) -> CheckResult:
    """Read each ledger once and check it, and all of them together for duplicate ID numbers. A file that is not a
    ledger is a finding of its own; the others are still checked. `progress(done, total, name)` before each file."""
    result = CheckResult()
    read: list[tuple[str, list[tuple[int, tuple[Any, ...]]]]] = []
    files = ledger_files(paths)
    with collector_paused():       # millions of small objects and no cycles: a third of the time went to the collector
        for number, path in enumerate(files, start=1):
            if progress:
                progress(number, len(files), path.name)
            result.files.append(path.name)
            try:
                book = read_book(path)
            except InputFileError as exc:
                result.findings.append(Finding(path.name, "", 0, "", "错误", "", str(exc)))
                continue
            _check_one(book, policy, as_of, result, read)
        result.findings += duplicate_ids(read)
    order = {name: i for i, name in enumerate(result.files)}
    result.findings.sort(key=lambda f: (order.get(f.file, -1), f.row, f.severity != "错误"))
    return result


def check_book(book: LedgerBook, policy: Policy, as_of: date | None = None) -> CheckResult:
    """One ledger already read (a file, or the workbook open in Excel: addin.book), checked as check_files does."""
    result = CheckResult()
    result.files.append(book.name)
    read: list[tuple[str, list[tuple[int, tuple[Any, ...]]]]] = []
    _check_one(book, policy, as_of, result, read)
    result.findings += duplicate_ids(read)
    result.findings.sort(key=lambda f: (f.row, f.severity != "错误"))
    return result


# Rows: from this many on, a ledger's households are read, graded and checked on two processes where this system can
# fork (`bulk.can_fork`): the rulebook's Python runs on one core, and a 10,000-person ledger spends as long on it as
# calamine does reading the sheet (benchmarks/README.md, bench_month). Below, starting the copy costs more than it saves.
SPLIT_FROM = 3000


def _check_one(book: LedgerBook, policy: Policy, as_of: date | None, result: CheckResult,
               read: list[tuple[str, list[tuple[int, tuple[Any, ...]]]]], *, split: bool | None = None) -> None:
    """`split`: whether to share the households with a forked copy (None: when the ledger is large and it can)."""
    if split is None:
        split = len(book.rows) >= SPLIT_FROM and can_fork()
    if split:
        first, second = in_runs(book.rows, policy)
        later = in_fork(lambda: _of_households(assess_book(book, policy, as_of, rows=second)))
        mine, whole = _of_households(assess_book(book, policy, as_of, rows=first)), _of_whole_book(book)
        found = _in_order(mine, later(), whole=whole)
    else:
        found = check_ledger(assess_book(book, policy, as_of))
    result.read.append(book.name)
    result.notes += book.notes
    read.append((book.name, book.rows))
    result.findings += found
