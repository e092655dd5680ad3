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
