"""School years run from July 1 to June 30 and are named by the year they start in."""

from __future__ import annotations

import datetime as dt

FIRST_MONTH = 7  # July


def school_year_of(day: dt.date) -> int:
    """The school year a date falls in: 2026-11-23 -> 2026 (the 2026–27 year)."""
    return day.year if day.month >= FIRST_MONTH else day.year - 1


def school_year_bounds(year: int) -> tuple[dt.date, dt.date]:
    """First and last day of a school year."""
    return dt.date(year, FIRST_MONTH, 1), dt.date(year + 1, FIRST_MONTH, 1) - dt.timedelta(days=1)


def school_year_label(year: int) -> str:
    return f"{year}–{str(year + 1)[-2:]}"


def weekdays_between(start: dt.date, end: dt.date) -> int:
    """Monday-to-Friday dates from start to end, both included (0 if end is before start)."""
    if end < start:
        return 0
    days = (end - start).days + 1
    weeks, extra = divmod(days, 7)
    count = weeks * 5
    for offset in range(extra):
        if (start.weekday() + offset) % 7 < 5:
            count += 1
    return count


def add_weekdays(day: dt.date, count: int) -> dt.date:
    """The date `count` weekdays after `day` (not counting `day` itself)."""
    weeks, rest = divmod(max(count, 0), 5)
    result = day + dt.timedelta(weeks=weeks)
    while rest:
        result += dt.timedelta(days=1)
        if result.weekday() < 5:
            rest -= 1
    return result


def monday_of(day: dt.date) -> dt.date:
    """The Monday of a date's week (weeks run Monday to Sunday)."""
    return day - dt.timedelta(days=day.weekday())
