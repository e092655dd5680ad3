"""What a report covers (scope) and when (period), parsed from and written to URLs."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from toolkit.schoolyear import school_year_bounds, school_year_label, school_year_of

from .models import ScopeKind

MAX_ID = 2**63 - 1  # a bigint: anything larger is no row's id


def month_label(key: str) -> str:
    """ "2026-09" -> "September 2026" (what people read; the key stays for sorting and CSV)."""
    try:
        year, month = (int(part) for part in key.split("-"))
        return dt.date(year, month, 1).strftime("%B %Y")
    except ValueError:
        return key


@dataclass(frozen=True)
class Scope:
    """Whose time a report covers. `program` narrows a district's or a school's report to one
    program's time and contracts (0: every program serving it)."""

    kind: str
    pk: int
    name: str = ""
    program: int = 0

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.pk}" + (f"-p{self.program}" if self.program else "")

    @classmethod
    def parse(cls, value: str | None) -> Scope | None:
        """A scope from its key ("district-5", "district-5-p2"); None for anything else."""
        kind, _, rest = (value or "").partition("-")
        pk, _, program = rest.partition("-p")
        if kind not in ScopeKind.values or not pk.isdigit() or (program and not program.isdigit()):
            return None
        if int(pk) > MAX_ID or (program and int(program) > MAX_ID):
            return None
        return cls(kind, int(pk), program=int(program or 0))


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


def period_choices(*, today: dt.date, years: list[int], selected: Period) -> list[Period]:
    """The periods offered in the picker: every school year with work (newest first, the current
    one always), then the months of the selected period's school year up to today, so whatever
    period the URL names is one of the options."""
    current = school_year_of(today)
    shown_year = school_year_of(selected.start)
    all_years = sorted({*years, current, shown_year}, reverse=True)
    choices = [Period.school_year(y) for y in all_years]
    start, end = school_year_bounds(shown_year)
    months = []
    day = start
    while day <= min(end, today):
        months.append(Period.month(day.year, day.month))
        day = dt.date(day.year + (day.month // 12), day.month % 12 + 1, 1)
    return choices + list(reversed(months))
