"""What a report covers (scope) and when (period), parsed from and written to URLs."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from coaching.schoolyear import school_year_bounds, school_year_label, school_year_of

from .models import ScopeKind


@dataclass(frozen=True)
class Scope:
    kind: str
    pk: int
    name: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.pk}"

    @classmethod
    def parse(cls, value: str | None) -> Scope | None:
        kind, _, pk = (value or "").partition("-")
        if kind not in ScopeKind.values or not pk.isdigit():
            return None
        return cls(kind, int(pk))


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    label: str
    key: str

    @classmethod
    def school_year(cls, year: int) -> Period:
        start, end = school_year_bounds(year)
        return cls(start, end, f"{school_year_label(year)} school year", f"sy-{year}")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        last = calendar.monthrange(year, month)[1]
        start = dt.date(year, month, 1)
        return cls(start, dt.date(year, month, last), start.strftime("%B %Y"), f"m-{year}-{month:02d}")

    @classmethod
    def custom(cls, start: dt.date, end: dt.date) -> Period:
        label = f"{start:%b} {start.day}, {start.year} – {end:%b} {end.day}, {end.year}"
        return cls(start, end, label, f"c-{start.isoformat()}-{end.isoformat()}")

    @classmethod
    def parse(cls, value: str | None, *, today: dt.date) -> Period:
        """A period from its key; anything unreadable falls back to the current school year."""
        value = value or ""
        try:
            if value.startswith("sy-"):
                return cls.school_year(int(value[3:]))
            if value.startswith("m-"):
                year, month = value[2:].split("-")
                return cls.month(int(year), int(month))
            if value.startswith("c-"):
                start, end = dt.date.fromisoformat(value[2:12]), dt.date.fromisoformat(value[13:23])
                if start <= end and (end - start).days <= 3660:
                    return cls.custom(start, end)
        except ValueError:
            pass
        return cls.school_year(school_year_of(today))

    @property
    def school_years(self) -> list[int]:
        return list(range(school_year_of(self.start), school_year_of(self.end) + 1))


def period_choices(*, today: dt.date, first_year: int | None = None) -> list[Period]:
    """The periods offered in the picker: school years (newest first), then this year's months."""
    current = school_year_of(today)
    first = min(first_year or current, current)
    years = [Period.school_year(y) for y in range(current, first - 1, -1)]
    start, _ = school_year_bounds(current)
    months = []
    day = start
    while day <= today:
        months.append(Period.month(day.year, day.month))
        day = dt.date(day.year + (day.month // 12), day.month % 12 + 1, 1)
    return years + list(reversed(months))
