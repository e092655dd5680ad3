"""Reads for coaching: querysets with their joins applied, and small computed views."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from teachers.models import Teacher

from .models import HALF_DAY_MINUTES, Activity, Coach, Contract, FocusArea, LogEntry
from .schoolyear import school_year_bounds


def entries_with_related(entries: QuerySet[LogEntry]) -> QuerySet[LogEntry]:
    """Everything a list of entries shows, in a fixed number of queries."""
    return entries.select_related("district", "school", "activity", "focus_area").prefetch_related(
        Prefetch("teachers", queryset=Teacher.objects.only("id", "first_name", "last_name"))
    )


def activities_for(coach: Coach) -> QuerySet[Activity]:
    """Built-in activities plus the coach's program's own, active ones only."""
    return Activity.objects.filter(active=True, program__isnull=True) | Activity.objects.filter(
        active=True, program_id=coach.program_id
    )


def focus_areas_for(coach: Coach) -> QuerySet[FocusArea]:
    return FocusArea.objects.filter(active=True, program__isnull=True) | FocusArea.objects.filter(
        active=True, program_id=coach.program_id
    )


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


# The days whose week My week can show: its seven days and the Mondays of the weeks before and after
# it (the page links to them) must exist in Python's calendar, 0001-01-01 (a Monday) to 9999-12-31.
FIRST_WEEK_DAY = dt.date.min + dt.timedelta(days=7)  # 0001-01-08
LAST_WEEK_DAY = monday_of(dt.date.max) - dt.timedelta(days=1)  # 9999-12-26, a Sunday


@dataclass
class Day:
    date: dt.date
    entries: list[LogEntry] = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return sum(entry.minutes for entry in self.entries)


@dataclass
class Week:
    monday: dt.date
    days: list[Day]

    @property
    def minutes(self) -> int:
        return sum(day.minutes for day in self.days)

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    @property
    def previous(self) -> dt.date:
        return self.monday - dt.timedelta(days=7)

    @property
    def next(self) -> dt.date:
        return self.monday + dt.timedelta(days=7)

    @property
    def entry_count(self) -> int:
        return sum(len(day.entries) for day in self.days)


def week_for_coach(coach: Coach, monday: dt.date) -> Week:
    """A coach's entries for one Monday-to-Sunday week, grouped by day (two queries)."""
    days = [Day(monday + dt.timedelta(days=offset)) for offset in range(7)]
    entries = entries_with_related(
        LogEntry.objects.filter(coach=coach, date__range=(monday, monday + dt.timedelta(days=6)))
    ).order_by("date", "start_time", "created_at")
    for entry in entries:
        days[(entry.date - monday).days].entries.append(entry)
    return Week(monday=monday, days=days)


@dataclass
class ContractUsage:
    """Days used, left and the projected run-out date of one contract."""

    contract: Contract
    days_used: Decimal
    first_day: dt.date | None
    last_day: dt.date | None
    today: dt.date

    @property
    def days_left(self) -> Decimal:
        return Decimal(self.contract.contracted_days) - self.days_used

    @property
    def percent_used(self) -> int:
        share = 100 * self.days_used / self.contract.contracted_days
        return min(100, int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP)))

    @property
    def days_per_week(self) -> Decimal | None:
        """Current pace: days used per calendar week since the first day of service."""
        if not self.first_day or not self.days_used:
            return None
        end = min(self.today, school_year_bounds(self.contract.school_year)[1])
        weeks = max(Decimal(1), Decimal((end - self.first_day).days + 1) / 7)
        return (self.days_used / weeks).quantize(Decimal("0.01"))

    @property
    def projected_runout(self) -> dt.date | None:
        """The date the days run out at the current pace, or None without a pace."""
        pace = self.days_per_week
        if pace is None or pace <= 0:
            return None
        if self.days_left <= 0:
            return self.last_day
        weeks_left = self.days_left / pace
        return self.today + dt.timedelta(days=int(weeks_left * 7))

    @property
    def runs_out_before_year_end(self) -> bool:
        runout = self.projected_runout
        return runout is not None and runout <= school_year_bounds(self.contract.school_year)[1]


def contract_usage(contracts: QuerySet[Contract], *, today: dt.date) -> list[ContractUsage]:
    """Days used for each contract, computed in two queries whatever the number of entries.

    A contract day is one coach's service to the district on one date (a date under four
    hours counts as half a day); only the contract's program's coaches count against it.
    """
    contracts_list = list(contracts.select_related("district", "program").order_by("-school_year", "district__name"))
    if not contracts_list:
        return []
    districts = sorted({c.district_id for c in contracts_list})
    years = sorted({c.school_year for c in contracts_list})
    entry_table = LogEntry._meta.db_table
    coach_table = Coach._meta.db_table
    district_marks = ", ".join(["%s"] * len(districts))
    year_marks = ", ".join(["%s"] * len(years))
    # Bandit B608: only placeholders and table names from model metadata are interpolated.
    sql = f"""
        SELECT day.district_id, day.school_year, day.program_id,
               SUM(CASE WHEN day.total < %s THEN 0.5 ELSE 1.0 END) AS days,
               MIN(day.date) AS first_day, MAX(day.date) AS last_day
        FROM (
            SELECT e.district_id, e.school_year, c.program_id, e.coach_id, e.date, SUM(e.minutes) AS total
            FROM {entry_table} e JOIN {coach_table} c ON c.id = e.coach_id
            WHERE e.district_id IN ({district_marks}) AND e.school_year IN ({year_marks})
            GROUP BY e.district_id, e.school_year, c.program_id, e.coach_id, e.date
        ) day
        GROUP BY day.district_id, day.school_year, day.program_id
    """  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql, [HALF_DAY_MINUTES, *districts, *years])
        found = {(row[0], row[1], row[2]): row[3:] for row in cursor.fetchall()}

    def as_date(value: object) -> dt.date | None:
        if value is None or isinstance(value, dt.date):
            return value
        return dt.date.fromisoformat(str(value))

    usage = []
    for contract in contracts_list:
        days, first, last = found.get(
            (contract.district_id, contract.school_year, contract.program_id), (0, None, None)
        )
        usage.append(
            ContractUsage(
                contract=contract,
                days_used=Decimal(str(days or 0)).quantize(Decimal("0.1")),
                first_day=as_date(first),
                last_day=as_date(last),
                today=today,
            )
        )
    return usage


def entry_list_for_coach(
    coach: Coach,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    district_id: int | None = None,
    activity_id: int | None = None,
    q: str = "",
) -> QuerySet[LogEntry]:
    """A coach's own entries, newest first, narrowed by the list filters."""
    entries = LogEntry.objects.filter(coach=coach)
    if date_from:
        entries = entries.filter(date__gte=date_from)
    if date_to:
        entries = entries.filter(date__lte=date_to)
    if district_id:
        entries = entries.filter(district_id=district_id)
    if activity_id:
        entries = entries.filter(activity_id=activity_id)
    if q:
        through = LogEntry.teachers.through
        teacher_match = through.objects.filter(logentry_id=OuterRef("pk")).filter(
            Q(teacher__first_name__icontains=q) | Q(teacher__last_name__icontains=q)
        )
        entries = entries.filter(Q(notes__icontains=q) | Exists(teacher_match))
    return entries_with_related(entries).order_by("-date", "-start_time", "-created_at")
