"""Reads for coaching: querysets with their joins applied, and small computed views."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connections, router
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from teachers.models import Teacher
from toolkit.schoolyear import add_weekdays, monday_of, school_year_bounds, weekdays_between

from .models import HALF_DAY_MINUTES, Activity, Coach, Contract, FocusArea, LogEntry, Program, StandardsDomain


def entry_prefetch(*, entries: QuerySet[LogEntry]) -> QuerySet[LogEntry]:
    """Everything a list of entries shows, in a fixed number of queries."""
    return entries.select_related("district", "school", "activity", "focus_area").prefetch_related(
        Prefetch("teachers", queryset=Teacher.objects.only("id", "first_name", "last_name"))
    )


def activity_list(*, coach: Coach) -> QuerySet[Activity]:
    """Built-in activities plus the coach's program's own, active ones only."""
    return Activity.objects.filter(active=True, program__isnull=True) | Activity.objects.filter(
        active=True, program_id=coach.program_id
    )


def standards_domain_list(*, program: Program | None) -> QuerySet[StandardsDomain]:
    """The seven domains a program's forms offer as tags, in order; none when the program's
    director turned the standards lens off (or there is no program)."""
    if program is None or not program.standards_lens:
        return StandardsDomain.objects.none()
    return StandardsDomain.objects.order_by("number")


def focus_area_list(*, coach: Coach) -> QuerySet[FocusArea]:
    return FocusArea.objects.filter(active=True, program__isnull=True) | FocusArea.objects.filter(
        active=True, program_id=coach.program_id
    )


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


def week_get(*, coach: Coach, monday: dt.date) -> Week:
    """A coach's entries for one Monday-to-Sunday week, grouped by day (two queries)."""
    days = [Day(monday + dt.timedelta(days=offset)) for offset in range(7)]
    entries = entry_prefetch(
        entries=LogEntry.objects.filter(coach=coach, date__range=(monday, monday + dt.timedelta(days=6)))
    ).order_by("date", "start_time", "created_at")
    for entry in entries:
        days[(entry.date - monday).days].entries.append(entry)
    return Week(monday=monday, days=days)


HALF = Decimal("0.5")


def _days(value: Decimal) -> str:
    """Contract days as people say them: 16, 12.5 (never 16.0 or 12.50)."""
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:.1f}"


@dataclass(frozen=True)
class Outlook:
    """What a contract's days look like: what happened (a year that has ended) or where the pace
    leads (a current year), never a date past the year's last day."""

    status: str  # no_service, ended, used_up, runs_out, left_at_year_end
    text: str
    date: dt.date | None = None
    days: Decimal | None = None


@dataclass(frozen=True)
class MonthApproval:
    """One month of a contract's service and where its coaches' months stand (one status per coach
    who served the contract that month: open, submitted, returned or approved)."""

    month: dt.date
    statuses: list[str]

    @property
    def coaches(self) -> int:
        return len(self.statuses)

    @property
    def approved(self) -> int:
        return sum(1 for s in self.statuses if s == "approved")

    @property
    def state(self) -> str:
        """approved (every coach's month), partly, or the one coach's status."""
        if self.approved == self.coaches:
            return "approved"
        if self.coaches > 1:
            return "partly"
        return self.statuses[0]

    @property
    def text(self) -> str:
        """What the contracts page and its CSV say of the month, e.g. "2 of 3 coaches approved"."""
        if self.state == "partly":
            return f"{self.approved} of {self.coaches} coaches approved"
        return self.state


@dataclass
class ContractUsage:
    """Days used, left and the outlook of one contract, as of a date (today, or a period's end)."""

    contract: Contract
    days_used: Decimal
    first_day: dt.date | None
    last_day: dt.date | None
    as_of: dt.date
    days_in_period: Decimal = Decimal(0)
    months: list[tuple[str, Decimal]] = field(default_factory=list)
    service_dates: int = 0
    # Filled in by `coaching.months.contract_approvals_add` where a page shows them (None until then):
    # contract days of approved coach-months only, and the months of service with their approval.
    days_approved: Decimal | None = None
    approval_months: list[MonthApproval] = field(default_factory=list)

    @property
    def year_end(self) -> dt.date:
        return school_year_bounds(self.contract.school_year)[1]

    @property
    def through(self) -> dt.date:
        """The last date the figures count: the as-of date, or the year's end if that came first."""
        return min(self.as_of, self.year_end)

    @property
    def days_left(self) -> Decimal:
        return Decimal(self.contract.contracted_days) - self.days_used

    @property
    def amount_approved(self) -> Decimal | None:
        """What the approved days bill at the contract's daily rate."""
        if self.days_approved is None:
            return None
        return (self.days_approved * self.contract.daily_rate).quantize(Decimal("0.01"))

    @property
    def percent_used(self) -> int:
        share = 100 * self.days_used / self.contract.contracted_days
        return min(100, int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP)))

    @property
    def _weeks(self) -> Decimal:
        """Weeks of service: weekdays from the first day of service to the figures' last date,
        over five; at least one week, and never fewer than the dates served over five (weekend
        service), so one coach's pace can never be more than five days a week."""
        assert self.first_day is not None  # noqa: S101  # nosec B101: only called with service
        weekdays = weekdays_between(self.first_day, self.through)
        return max(Decimal(1), Decimal(weekdays) / 5, Decimal(self.service_dates) / 5)

    @property
    def days_per_week(self) -> Decimal | None:
        """Pace: contract days used per week of service (at most five per coach serving)."""
        if not self.first_day or not self.days_used:
            return None
        return (self.days_used / self._weeks).quantize(Decimal("0.01"))

    @property
    def outlook(self) -> Outlook:
        """The one projection of a contract, shown the same on every page and in every export."""
        left, end = self.days_left, self.year_end
        ended = self.as_of >= end
        if ended:
            if left > 0:
                return Outlook("ended", f"ended with {_days(left)} days unused", end, left)
            if left == 0:
                return Outlook("ended", "ended with every contracted day used", end, left)
            return Outlook("ended", f"ended {_days(-left)} days over the contract", end, left)
        if left <= 0:
            last = self.last_day
            assert last is not None  # noqa: S101  # nosec B101: only service uses up a contract's 10+ days
            over = f", {_days(-left)} over" if left < 0 else ""
            return Outlook("used_up", f"all days used by {last:%b} {last.day}{over}", last, left)
        if not self.first_day or not self.days_used:
            return Outlook("no_service", "no service yet", None, left)
        pace = self.days_used / self._weeks  # unrounded, so the outlook does not drift
        weekdays_to_end = weekdays_between(self.through + dt.timedelta(days=1), end)
        will_use = pace * weekdays_to_end / 5
        if will_use >= left:
            runout = add_weekdays(self.through, int((left / pace * 5).to_integral_value(rounding=ROUND_HALF_UP)))
            return Outlook("runs_out", f"runs out around {runout:%b} {runout.day}, {runout.year} at this pace",
                           min(runout, end), left)  # fmt: skip
        remaining = ((left - will_use) / HALF).to_integral_value(rounding=ROUND_HALF_UP) * HALF
        return Outlook(
            "left_at_year_end",
            f"at this pace, {_days(remaining)} days will be left on {end:%B} {end.day}",
            end,
            remaining,
        )

    @property
    def runs_out_before_year_end(self) -> bool:
        return self.outlook.status in ("runs_out", "used_up")

    def burn(self) -> list[dict[str, object]]:
        """Cumulative days used and left at the end of each month of service, for the burn-down."""
        running, points = Decimal(0), []
        for month, days in self.months:
            running += days
            points.append({"month": month, "used": float(running),
                           "left": float(self.contract.contracted_days - running)})  # fmt: skip
        return points


def _month_sql(column: str, vendor: str) -> str:
    if vendor == "postgresql":
        return f"to_char({column}, 'YYYY-MM')"
    return f"strftime('%%Y-%%m', {column})"


def contract_usage_list(
    *,
    contracts: QuerySet[Contract],
    as_of: dt.date,
    period: tuple[dt.date, dt.date] | None = None,
    day_rows: dict[tuple[int, int, int], list[tuple[object, ...]]] | None = None,
) -> list[ContractUsage]:
    """Days used for each contract through `as_of` (and within `period`, when given), with the
    months of the burn-down: two queries whatever the number of entries.

    A contract day is one coach's service to the district on one date (a date under four
    hours counts as half a day); only time delivered for the contract's program counts.
    `day_rows` ((district, program, school year) -> [(month, days, days in period, first date,
    last date, dates)]) are used instead of the second query when the caller already read them
    (the report builder, from its own pass over the entries of whole school years).
    """
    contracts_list = list(contracts.select_related("district", "program").order_by("-school_year", "district__name"))
    if not contracts_list:
        return []
    found = day_rows if day_rows is not None else _contract_day_rows(contracts_list, as_of=as_of, period=period)
    return _usage_from_rows(contracts_list, found, as_of=as_of)


def _contract_day_rows(
    contracts_list: list[Contract], *, as_of: dt.date, period: tuple[dt.date, dt.date] | None
) -> dict[tuple[int, int, int], list[tuple[object, ...]]]:
    """One day-level pass over the contracts' entries, grouped by contract and month."""
    keys = sorted({(c.district_id, c.program_id, c.school_year) for c in contracts_list})
    alias = router.db_for_read(LogEntry) or "default"
    conn = connections[alias]
    month = _month_sql("d.date", conn.vendor)
    start, end = period or (dt.date.min, dt.date.max)
    # Bandit B608: only placeholders, model table names and a fixed expression are interpolated.
    sql = f"""
        SELECT d.district_id, d.program_id, d.school_year, {month} AS month,
               SUM(CASE WHEN d.total < %s THEN 0.5 ELSE 1.0 END) AS days,
               SUM(CASE WHEN d.date BETWEEN %s AND %s THEN (CASE WHEN d.total < %s THEN 0.5 ELSE 1.0 END)
                        ELSE 0 END) AS in_period,
               MIN(d.date), MAX(d.date), COUNT(DISTINCT d.date)
        FROM (
            SELECT e.district_id, e.program_id, e.school_year, e.coach_id, e.date, SUM(e.minutes) AS total
            FROM {LogEntry._meta.db_table} e
            WHERE ({" OR ".join(["(e.district_id = %s AND e.program_id = %s AND e.school_year = %s)"] * len(keys))})
              AND e.date <= %s
            GROUP BY e.district_id, e.program_id, e.school_year, e.coach_id, e.date
        ) d
        GROUP BY d.district_id, d.program_id, d.school_year, {month}
        ORDER BY month
    """  # noqa: S608  # nosec B608
    params: list[int | dt.date] = [HALF_DAY_MINUTES, start, end, HALF_DAY_MINUTES]
    for key in keys:
        params.extend(key)
    params.append(as_of)
    found: dict[tuple[int, int, int], list[tuple[object, ...]]] = {}
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        for district_id, program_id, year, month_key, *rest in cursor.fetchall():
            found.setdefault((district_id, program_id, year), []).append((month_key, *rest))
    return found


def _usage_from_rows(
    contracts_list: list[Contract], found: dict[tuple[int, int, int], list[tuple[object, ...]]], *, as_of: dt.date
) -> list[ContractUsage]:

    def as_date(value: object) -> dt.date | None:
        if value is None or isinstance(value, dt.date):
            return value
        return dt.date.fromisoformat(str(value))

    usage = []
    for contract in contracts_list:
        rows = found.get((contract.district_id, contract.program_id, contract.school_year), [])
        months = [(str(r[0]), Decimal(str(r[1]))) for r in rows]
        firsts = [d for d in (as_date(r[3]) for r in rows) if d]
        lasts = [d for d in (as_date(r[4]) for r in rows) if d]
        dates = sum(int(str(r[5])) for r in rows)
        usage.append(
            ContractUsage(
                contract=contract,
                days_used=sum((m[1] for m in months), Decimal(0)),
                first_day=min(firsts, default=None),
                last_day=max(lasts, default=None),
                as_of=as_of,
                days_in_period=sum((Decimal(str(r[2])) for r in rows), Decimal(0)),
                months=months,
                service_dates=dates,
            )
        )
    return usage


def entry_list(
    *,
    coach: Coach,
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
    return entry_prefetch(entries=entries).order_by("-date", "-start_time", "-created_at")
