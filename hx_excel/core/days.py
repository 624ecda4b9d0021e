"""Counting days for the deadlines of D1-D5, in calendar days or Chinese working days.

Working days follow the State Council's statutory holidays and adjusted working weekends as published each year,
taken from the maintained `chinesecalendar` package rather than a hand-typed list. A year the package does not know
yet can be given in the policy file (`[calendar.2027]`, `Policy.calendar`), as the State Council publishes it each
winter; a year known to neither is a clear error saying what to add: a wrong deadline is worse than none.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal, Mapping, Protocol

import chinese_calendar

DayMode = Literal["calendar", "working"]

# The years a monitoring date can be in. The ledger began in 2022; a date far outside is a typing slip, and near year
# 9999 adding a deadline's days runs off Python's calendar. The command line refuses dates outside these years.
FIRST_YEAR, LAST_YEAR = 2000, 2099


def in_range(day: date) -> bool:
    return FIRST_YEAR <= day.year <= LAST_YEAR


class StatutoryYear(Protocol):
    """One year's statutory calendar as the policy file gives it (policy.StatutoryYear)."""

    holidays: tuple[date, ...]   # 放假的日期
    workdays: tuple[date, ...]   # 调休上班的周末


Extra = Mapping[int, StatutoryYear]


class CalendarNotAvailable(ValueError):
    """Working days are asked for in a year neither chinesecalendar nor the policy file knows."""


def is_working_day(day: date, extra: Extra | None = None) -> bool:
    """A statutory working day: chinesecalendar's answer, else the policy file's year, else CalendarNotAvailable."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        pass
    year = (extra or {}).get(day.year)
    if year is None:
        raise CalendarNotAvailable(
            f"工作日口径需要 {day.year} 年的法定节假日安排：当前安装的 chinesecalendar 尚未收录，政策参数中也没有。"
            f"请按国务院办公厅公布的放假安排，在政策参数文件中加入（日期照写，不加引号）：\n"
            f"[calendar.{day.year}]\nholidays = [{day.year}-01-01, …]   # 放假的日期，每天一项\n"
            f"workdays = [{day.year}-02-07, …]   # 调休上班的周末\n"
            f"或升级 chinesecalendar（pip install -U chinesecalendar），或把 [deadlines] day_mode 改为 \"calendar\"（自然日）。")
    if day in year.holidays:
        return False
    return day in year.workdays or day.weekday() < 5


def covered_years(extra: Extra | None = None) -> range:
    """The years whose statutory holidays are known: chinesecalendar's, then the policy file's that follow on."""
    years = {day.year for day in chinese_calendar.holidays}
    last = max(years)
    while last + 1 in (extra or {}):
        last += 1
    return range(min(years), last + 1)


def add_days(start: date, days: int, mode: DayMode, extra: Extra | None = None) -> date:
    """The date `days` days after `start` (start itself not counted): `start + 7` for D1's "within 7 days"."""
    if mode == "calendar":
        return start + timedelta(days=days)
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        counted += is_working_day(day, extra)
    return day


def workday(start: date, days: int, extra: Extra | None = None) -> date:
    """Excel's WORKDAY with the Chinese statutory calendar: the working day `days` working days after `start`
    (before it when negative; `start` itself when 0)."""
    if days >= 0:
        return add_days(start, days, "working", extra)
    day, counted = start, 0
    while counted > days:
        day -= timedelta(days=1)
        counted -= is_working_day(day, extra)
    return day


def notice_last_day(start: date, days: int, mode: DayMode, extra: Extra | None = None) -> date:
    """The day on which a notice posted on `start` has run `days` days, `start` counted (1-5 April for 5 days)."""
    return add_days(start - timedelta(days=1), days, mode, extra)


def months_after(start: date, months: int) -> date:
    """The same day `months` later, clamped to that month's end (31 Aug + 6 months = 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, _month_length(year, month)))


def month_end(day: date, months_later: int = 0) -> date:
    """The last day of the month `months_later` months after `day`'s month."""
    index = day.month - 1 + months_later
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, _month_length(year, month))


def _month_length(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day
