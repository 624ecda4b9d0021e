"""A ledger's households graded by the core: the common first step of check, fill, review, summary and notice.

Every operation recomputes from the typed facts (never trusting a value the sheet cached) on one assessment date:
the one given, else the fixed 评估日期 typed on 参数, else today — the date the sheet itself computes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from hx_excel.core.grading import Assessment, assess
from hx_excel.core.models import Member
from hx_excel.core.workflow import Plan, plan
from hx_excel.ledger.book import LedgerBook, read_book
from hx_excel.ledger.reader import LedgerHousehold, Problem
from hx_excel.policy import Policy, PolicyError


@dataclass
class AssessedHousehold:
    entry: LedgerHousehold            # the household as read, with its head row and rows
    assessment: Assessment | None     # None when the ledger's year has no income line (a Problem says so)
    plan: Plan | None

    @property
    def household(self):
        return self.entry.household

    @property
    def head(self) -> Member | None:
        """The household's head (与户主关系 户主), else its first member; None for a household of no rows."""
        members = self.entry.household.members
        return next((m for m in members if m.relation == "户主"), members[0] if members else None)


@dataclass
class AssessedLedger:
    book: LedgerBook
    policy: Policy
    as_of: date
    households: list[AssessedHousehold] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)    # cells and households the reader could not use

    @property
    def name(self) -> str:
        return self.book.name

    @property
    def township(self) -> str:
        """参数's 乡镇, else the file name's stem."""
        return self.book.settings.township or Path(self.book.name).stem


def assess_book(book: LedgerBook, policy: Policy, as_of: date | None = None, *,
                rows: list[tuple[int, tuple]] | None = None) -> AssessedLedger:
    """Grade and plan every household of `book` on `as_of` (else 参数's fixed date, else today), in the workbook's
    核算年度 as the sheet does; only those of `rows`, when given (a part of the sheet, reader.in_runs)."""
    day = as_of or book.settings.as_of or date.today()
    read = book.read(policy, rows)
    result = AssessedLedger(book, policy, day, problems=list(read.problems))
    year = book.settings.year
    for entry in read.households:
        household = entry.household
        if year and household.year is None:
            household = household.model_copy(update={"year": year})
            entry.household = household
        try:
            assessment = assess(household, policy, day)
        except PolicyError as exc:   # the year has no income line: said once, the households stay listed
            if not any(p.sheet == "参数" for p in result.problems):
                fix = ("请在“参数”表改正核算年度" if "参数" in book.sheet_names else
                       f"台账中没有“参数”工作表，核算年度无从得知，按评估日期的年份 {household.year or day.year} 计算："
                       "请从 hx-excel generate 生成的同年台账中把“参数”表复制过来")
                result.problems.append(Problem("参数", 0, "核算年度", f"{exc}；{fix}"))
            result.households.append(AssessedHousehold(entry, None, None))
            continue
        result.households.append(AssessedHousehold(entry, assessment, plan(household, policy, day, assessment)))
    return result


def assess_file(path: str | Path, policy: Policy, as_of: date | None = None) -> AssessedLedger:
    return assess_book(read_book(path), policy, as_of)
