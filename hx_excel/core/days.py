"""Counting days for the deadlines of D1-D5, in calendar days or Chinese working days.

Working days follow the State Council's statutory holidays and adjusted working weekends as published each year,
taken from the maintained `chinesecalendar` package rather than a hand-typed list. A year that package does not
know yet is a clear error: a wrong deadline is worse than none.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

import chinese_calendar

DayMode = Literal["calendar", "working"]


class CalendarNotAvailable(ValueError):
    """The working-day calendar of a year is not known to the installed chinesecalendar package."""


def is_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        raise CalendarNotAvailable(
            f"工作日口径需要 {day.year} 年的法定节假日安排，当前安装的 chinesecalendar 尚未收录。"
            f"请升级 chinesecalendar（pip install -U chinesecalendar），或在政策参数中把 day_mode 改为 \"calendar\"（自然日）。"
        ) from None


def covered_years() -> range:
    """The years whose statutory holidays the installed chinesecalendar knows."""
    years = {day.year for day in chinese_calendar.holidays}
    return range(min(years), max(years) + 1)


def add_days(start: date, days: int, mode: DayMode) -> date:
    """The date `days` days after `start` (start itself not counted): `start + 7` for D1's "within 7 days"."""
    if mode == "calendar":
        return start + timedelta(days=days)
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        counted += is_working_day(day)
    return day


def notice_last_day(start: date, days: int, mode: DayMode) -> date:
    """The day on which a notice posted on `start` has run `days` days, `start` counted (1-5 April for 5 days)."""
    return add_days(start - timedelta(days=1), days, mode)


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
