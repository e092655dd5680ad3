"""Month close: a coach submits a month that has ended, the program's director approves it or
returns it with a note, and an approved month can be reopened (with a reason). While a month is
submitted or approved its entries are locked; contract days billable are those of approved months.

Services (writes, audited) and selectors (reads, in a fixed number of queries) for months.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from teachers.audit import AuditAction, audit_record
from teachers.models import District, User
from toolkit.schoolyear import school_year_bounds

from .models import HALF_DAY_MINUTES, LOCKED_MONTH_STATUSES, Coach, CoachMonth, Contract, LogEntry, MonthStatus
from .selectors import ContractUsage, MonthApproval, _month_sql

OPEN = "open"  # the status of a month with no CoachMonth row
NOTE_MAX_LENGTH = 2000


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_end(month: dt.date) -> dt.date:
    return next_month(month) - dt.timedelta(days=1)


def month_label(month: dt.date) -> str:
    return f"{month:%B %Y}"


def school_year_months(year: int) -> list[dt.date]:
    """The twelve months of a school year, July to June."""
    first, _ = school_year_bounds(year)
    months = [first]
    for _ in range(11):
        months.append(next_month(months[-1]))
    return months


# --------------------------------------------------------------------------- the lock


def _lock_message(record: CoachMonth) -> str:
    label = month_label(record.month)
    if record.status == MonthStatus.APPROVED:
        return f"{label} is approved, so its entries are locked; your program director can reopen it."
    return (f"{label} is submitted for approval, so its entries are locked; your program director can "
            "return it to you if something needs changing.")  # fmt: skip


def locked_months(*, coach: Coach | int, months: Iterable[dt.date] | None = None) -> dict[dt.date, CoachMonth]:
    """The coach's submitted or approved months (among `months`, when given), by first day: one query."""
    coach_id = coach if isinstance(coach, int) else coach.pk
    rows = CoachMonth.objects.filter(coach_id=coach_id, status__in=LOCKED_MONTH_STATUSES)
    if months is not None:
        rows = rows.filter(month__in={month_start(m) for m in months})
    return {row.month: row for row in rows}


def month_lock_check(*, coach: Coach, dates: Iterable[dt.date]) -> None:
    """Raise ValidationError on `date` if any of these dates falls in a submitted or approved month."""
    found = locked_months(coach=coach, months=list(dates))
    if found:
        raise ValidationError({"date": [_lock_message(found[m]) for m in sorted(found)]})


# --------------------------------------------------------------------------- day rows


@dataclass(frozen=True)
class MonthDayRow:
    """One coach's service in one month to one district for one program: contract days (a date
    under four hours counts half), minutes and entries."""

    coach_id: int
    program_id: int
    district_id: int
    school_year: int
    month: dt.date
    days: Decimal
    minutes: int
    entries: int


def _month_day_rows(*, where: str, params: list[int | dt.date]) -> list[MonthDayRow]:
    """Entries grouped by coach, program, district and date (as contract days are counted), then
    by month: one query. `where` is a fixed SQL condition on the entries `e` with placeholders."""
    alias = router.db_for_read(LogEntry) or "default"
    conn = connections[alias]
    month = _month_sql("d.date", conn.vendor)
    # Bandit B608: only placeholders, the model's table name and fixed expressions are interpolated.
    sql = f"""
        SELECT d.coach_id, d.program_id, d.district_id, d.school_year, {month} AS month,
               SUM(CASE WHEN d.total < %s THEN 0.5 ELSE 1.0 END), SUM(d.total), SUM(d.n)
        FROM (
            SELECT e.coach_id, e.program_id, e.district_id, e.school_year, e.date,
                   SUM(e.minutes) AS total, COUNT(*) AS n
            FROM {LogEntry._meta.db_table} e
            WHERE {where}
            GROUP BY e.coach_id, e.program_id, e.district_id, e.school_year, e.date
        ) d
        GROUP BY d.coach_id, d.program_id, d.district_id, d.school_year, {month}
        ORDER BY month
    """  # noqa: S608  # nosec B608
    with conn.cursor() as cursor:
        cursor.execute(sql, [HALF_DAY_MINUTES, *params])
        fetched = cursor.fetchall()
    return [
        MonthDayRow(coach_id=int(r[0]), program_id=int(r[1]), district_id=int(r[2]), school_year=int(r[3]),
                    month=dt.date.fromisoformat(f"{r[4]}-01"), days=Decimal(str(r[5])), minutes=int(r[6]),
                    entries=int(r[7]))
        for r in fetched
    ]  # fmt: skip


# --------------------------------------------------------------------------- a coach's months


@dataclass
class MonthSummary:
    """One month of a coach's year: what was logged and where it stands."""

    month: dt.date
    minutes: int = 0
    entries: int = 0
    days: Decimal = Decimal(0)
    record: CoachMonth | None = None
    ended: bool = True

    @property
    def status(self) -> str:
        return self.record.status if self.record is not None else OPEN

    @property
    def status_label(self) -> str:
        return self.record.get_status_display() if self.record is not None else "Open"

    @property
    def locked(self) -> bool:
        return self.record is not None and self.record.locked

    @property
    def note(self) -> str:
        return self.record.note if self.record is not None and self.status == MonthStatus.RETURNED else ""

    @property
    def can_submit(self) -> bool:
        return self.ended and not self.locked and self.entries > 0

    @property
    def label(self) -> str:
        return month_label(self.month)

    @property
    def hours(self) -> str:
        return f"{self.minutes / 60:.2f}"


def coach_month_list(*, coach: Coach, school_year: int, today: dt.date) -> list[MonthSummary]:
    """The months of a school year in which the coach logged time or has a month on record,
    newest first: two queries."""
    first, last = school_year_bounds(school_year)
    summaries: dict[dt.date, MonthSummary] = {}
    rows = _month_day_rows(where="e.coach_id = %s AND e.date BETWEEN %s AND %s", params=[coach.pk, first, last])
    for row in rows:
        summary = summaries.setdefault(row.month, MonthSummary(month=row.month))
        summary.minutes += row.minutes
        summary.entries += row.entries
        summary.days += row.days
    for record in CoachMonth.objects.filter(coach=coach, month__range=(first, last)).select_related("decided_by"):
        summaries.setdefault(record.month, MonthSummary(month=record.month)).record = record
    current = month_start(today)
    for summary in summaries.values():
        summary.ended = summary.month < current
    return sorted(summaries.values(), key=lambda s: s.month, reverse=True)


# --------------------------------------------------------------------------- months to review


@dataclass
class ReviewMonth:
    """A coach's month as a director reviews it: hours, days of service and districts (never the
    entries, their teachers or notes)."""

    record: CoachMonth
    minutes: int = 0
    entries: int = 0
    days: Decimal = Decimal(0)
    districts: list[tuple[str, int]] = field(default_factory=list)  # (district name, minutes)

    @property
    def hours(self) -> str:
        return f"{self.minutes / 60:.2f}"

    @property
    def label(self) -> str:
        return month_label(self.record.month)


def month_review_list(*, months: QuerySet[CoachMonth]) -> list[ReviewMonth]:
    """Each month with its figures: three queries whatever the number of months or entries."""
    records = list(months.select_related("coach__user", "decided_by", "reopened_by").order_by("month", "coach"))
    if not records:
        return []
    coach_ids = sorted({r.coach_id for r in records})
    first = min(r.month for r in records)
    last = month_end(max(r.month for r in records))
    placeholders = ", ".join(["%s"] * len(coach_ids))
    rows = _month_day_rows(where=f"e.coach_id IN ({placeholders}) AND e.date BETWEEN %s AND %s",
                           params=[*coach_ids, first, last])  # fmt: skip
    district_names = dict(District.objects.filter(pk__in={r.district_id for r in rows}).values_list("pk", "name"))
    by_key: dict[tuple[int, dt.date], list[MonthDayRow]] = defaultdict(list)
    for row in rows:
        by_key[(row.coach_id, row.month)].append(row)
    review = []
    for record in records:
        item = ReviewMonth(record=record)
        per_district: dict[str, int] = defaultdict(int)
        for row in by_key.get((record.coach_id, record.month), []):
            item.minutes += row.minutes
            item.entries += row.entries
            item.days += row.days
            per_district[district_names.get(row.district_id, "")] += row.minutes
        item.districts = sorted(per_district.items())
        review.append(item)
    return review


# --------------------------------------------------------------------------- contracts


def contract_approvals_add(*, usage: list[ContractUsage], as_of: dt.date) -> list[ContractUsage]:
    """Fill in each contract's days approved (contract days of approved coach-months only) and the
    months of its school year with their approval state: two queries for any number of contracts."""
    if not usage:
        return usage
    keys = sorted({(u.contract.district_id, u.contract.program_id, u.contract.school_year) for u in usage})
    condition = " OR ".join(["(e.district_id = %s AND e.program_id = %s AND e.school_year = %s)"] * len(keys))
    params: list[int | dt.date] = [value for key in keys for value in key]
    rows = _month_day_rows(where=f"({condition}) AND e.date <= %s", params=[*params, as_of])
    statuses: dict[tuple[int, dt.date], str] = {}
    if rows:
        statuses = coach_month_statuses(coach_ids={r.coach_id for r in rows}, first=min(r.month for r in rows),
                                        last=max(r.month for r in rows))  # fmt: skip
    by_contract: dict[tuple[int, int, int], list[MonthDayRow]] = defaultdict(list)
    for row in rows:
        by_contract[(row.district_id, row.program_id, row.school_year)].append(row)
    for u in usage:
        contract_rows = by_contract.get((u.contract.district_id, u.contract.program_id, u.contract.school_year), [])
        approved_days = Decimal(0)
        per_month: dict[dt.date, dict[int, str]] = defaultdict(dict)
        for row in contract_rows:
            status = statuses.get((row.coach_id, row.month), OPEN)
            per_month[row.month][row.coach_id] = status
            if status == MonthStatus.APPROVED:
                approved_days += row.days
        u.days_approved = approved_days
        u.approval_months = [
            MonthApproval(month=month, statuses=sorted(per_month[month].values()))
            for month in school_year_months(u.contract.school_year)
            if month in per_month
        ]
    return usage


def contract_month_rows(*, contract: Contract, start: dt.date, end: dt.date) -> list[MonthDayRow]:
    """One contract's service from `start` to `end`, by coach and month, its contract days counted
    by the half-day rule exactly as the contracts page counts them: one query."""
    return _month_day_rows(
        where="e.district_id = %s AND e.program_id = %s AND e.school_year = %s AND e.date BETWEEN %s AND %s",
        params=[contract.district_id, contract.program_id, contract.school_year, start, end],
    )


def coach_month_statuses(*, coach_ids: Iterable[int], first: dt.date, last: dt.date) -> dict[tuple[int, dt.date], str]:
    """(coach, month) -> the month's status, for the coaches' months from `first` to `last`
    (a month with no row is open): one query."""
    return {
        (coach_id, month): status
        for coach_id, month, status in CoachMonth.objects.filter(
            coach_id__in=set(coach_ids), month__range=(month_start(first), month_start(last))
        ).values_list("coach_id", "month", "status")
    }


# --------------------------------------------------------------------------- services


def _audit(*, record: CoachMonth, by: User, request: HttpRequest | None, what: str) -> None:
    audit_record(action=AuditAction.MONTH_CLOSE, actor=by, request=request, program=record.coach.program_id,
                 object_type="coach month", object_ref=record.pk,
                 detail=f"{record.coach} · {month_label(record.month)}: {what}")  # fmt: skip


def _clean_text(text: str, *, field_name: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field_name: [f"Write {what}."]})
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError({field_name: [f"Keep it under {NOTE_MAX_LENGTH:,} characters."]})
    return text


@transaction.atomic
def month_submit(*, coach: Coach, month: dt.date, by: User, request: HttpRequest | None = None) -> CoachMonth:
    """Submit a coach's month that has ended (open or returned) for approval; its entries lock."""
    month = month_start(month)
    today = timezone.localdate()
    if month >= month_start(today):
        when = "has not ended yet" if month == month_start(today) else "is still to come"
        raise ValidationError(f"{month_label(month)} {when}; you can submit it from {next_month(month):%B} 1.")
    # The coach's row is the lock logging time takes: no entry slips into the month as it closes.
    Coach.objects.select_for_update().filter(pk=coach.pk).exists()
    record = CoachMonth.objects.select_for_update().filter(coach=coach, month=month).first()
    if record is not None and record.locked:
        raise ValidationError(f"{month_label(month)} is already {record.get_status_display().lower()}.")
    entries = LogEntry.objects.filter(coach=coach, date__range=(month, month_end(month)))
    count = entries.count()
    if not count:
        raise ValidationError(f"Nothing is logged in {month_label(month)}; there is nothing to submit.")
    now = timezone.now()
    if record is None:
        record = CoachMonth(coach=coach, month=month)
    record.status = MonthStatus.SUBMITTED
    record.submitted_at = now
    record.decided_at = None
    record.decided_by = None
    record.full_clean()
    record.save()
    again = " again" if record.note else ""
    _audit(
        record=record, by=by, request=request, what=f"submitted{again} ({count} {'entry' if count == 1 else 'entries'})"
    )
    return record


def _decidable(record: CoachMonth, *, status: str, doing: str) -> CoachMonth:
    locked = CoachMonth.objects.select_for_update().select_related("coach__user").get(pk=record.pk)
    if locked.status != status:
        raise ValidationError(
            f"{month_label(locked.month)} of {locked.coach} is {locked.get_status_display().lower()}; "
            f"only a {status} month can be {doing}."
        )
    return locked


@transaction.atomic
def month_approve(*, record: CoachMonth, by: User, request: HttpRequest | None = None) -> CoachMonth:
    """Approve a submitted month: its entries stay locked and its days count as billable."""
    record = _decidable(record, status=MonthStatus.SUBMITTED, doing="approved")
    record.status = MonthStatus.APPROVED
    record.decided_at = timezone.now()
    record.decided_by = by
    record.note = ""
    record.save(update_fields=["status", "decided_at", "decided_by", "note"])
    _audit(record=record, by=by, request=request, what="approved")
    return record


@transaction.atomic
def month_return(*, record: CoachMonth, by: User, note: str, request: HttpRequest | None = None) -> CoachMonth:
    """Send a submitted month back to its coach with a note (required): its entries unlock."""
    note = _clean_text(note, field_name="note", what="a note for the coach: what needs another look")
    record = _decidable(record, status=MonthStatus.SUBMITTED, doing="returned")
    record.status = MonthStatus.RETURNED
    record.decided_at = timezone.now()
    record.decided_by = by
    record.note = note
    record.save(update_fields=["status", "decided_at", "decided_by", "note"])
    _audit(record=record, by=by, request=request, what="returned with a note")
    return record


@transaction.atomic
def month_reopen(*, record: CoachMonth, by: User, reason: str, request: HttpRequest | None = None) -> CoachMonth:
    """Reopen an approved month (a reason is required): it goes back to its coach as returned, with
    the reason as the note, so its entries can be changed and the month submitted again."""
    reason = _clean_text(reason, field_name="reason", what="why the month is reopened")
    record = _decidable(record, status=MonthStatus.APPROVED, doing="reopened")
    now = timezone.now()
    record.status = MonthStatus.RETURNED
    record.decided_at = now
    record.decided_by = by
    record.note = reason
    record.reopened_at = now
    record.reopened_by = by
    record.reopen_reason = reason
    record.save(update_fields=["status", "decided_at", "decided_by", "note", "reopened_at", "reopened_by",
                               "reopen_reason"])  # fmt: skip
    _audit(record=record, by=by, request=request, what="reopened")
    return record
