"""Checking ledgers on demand: what the sheet cannot check live without searching it on every edit.

The ledger's own formulas check each row and each household through its window (formulas.HOUSEHOLD_ROWS). What needs
the whole sheet, or several sheets, runs here, over rows already read (the workbook reading stays at the edge,
`check_files`):
- every problem the reader finds in typed cells and households (values off their lists, text in number cells, a
  household without a head or with two);
- ID numbers that stand twice, compared in their normalised form (spaces, hyphens and a lower-case x do not hide a
  duplicate), within a file and across the files checked together: a person in two townships' ledgers;
- a household whose rows are split over several places of the sheet, whose head is not its first row, or that runs
  past the window the formulas read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Literal

from hx_excel.core import id_number
from hx_excel.ledger import formulas
from hx_excel.files.inputs import InputFileError
from hx_excel.ledger.reader import ledger_rows, open_workbook, read_rows
from hx_excel.ledger.schema import SHEET, column_index
from hx_excel.policy import Policy

Severity = Literal["错误", "提示"]
_HID, _REL, _ID, _NAME = (column_index(k) - 1 for k in ("household_id", "relation", "id_number", "name"))


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
    files: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "错误"]


def check_rows(file: str, rows: list[tuple[int, tuple[Any, ...]]], policy: Policy) -> list[Finding]:
    """One ledger's findings, from its numbered rows (as `reader.ledger_rows` gives them)."""
    read = read_rows(rows, policy)
    found = [Finding(file, p.sheet, p.row, p.column, "错误", "", p.message) for p in read.problems]
    return found + _layout(file, rows)


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
    """The .xlsx files named, and those in the folders named (our backups and temporary files left out)."""
    files = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(p for p in path.glob("*.xlsx") if ".bak-" not in p.name and not p.name.startswith((".", "~$")))
        else:
            files.append(path)
    return files


def check_files(paths: Iterable[str | Path], policy: Policy) -> CheckResult:
    """Read each ledger once and check it, and all of them together for duplicate ID numbers. A file that is not a
    ledger is a finding of its own; the others are still checked."""
    result = CheckResult()
    read: list[tuple[str, list[tuple[int, tuple[Any, ...]]]]] = []
    for path in ledger_files(paths):
        result.files.append(path.name)
        try:
            wb = open_workbook(path)
            try:
                rows = [(n, tuple(v)) for n, v in ledger_rows(wb, path.name)]
            finally:
                wb.close()
        except InputFileError as exc:
            result.findings.append(Finding(path.name, "", 0, "", "错误", "", str(exc)))
            continue
        read.append((path.name, rows))
        result.findings += check_rows(path.name, rows, policy)
    result.findings += duplicate_ids(read)
    result.findings.sort(key=lambda f: (result.files.index(f.file) if f.file in result.files else -1, f.row))
    return result
