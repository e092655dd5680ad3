"""Contract statements: the figures of a district's contract over whole months (days by the
half-day rule, the daily rate, the amount, hours by activity, each month's approval, the coaches
who served), and issuing them under a number that is never reused.

The figures are counted the way the contracts page and the time-use report count them (the same
day rows, `coaching.months.contract_month_rows`; hours split with `reports.builder.hours_split`),
so a statement, the report and the contracts page agree to the cent and the half day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone

from coaching.models import Coach, Contract, LogEntry
from coaching.months import (
    OPEN,
    coach_month_statuses,
    contract_approvals_add,
    contract_month_rows,
    month_end,
    month_label,
    month_start,
    next_month,
)
from coaching.selectors import MonthApproval, contract_usage_list
from reports.builder import hours_split, hours_text
from teachers.audit import AuditAction, audit_record
from teachers.models import User
from toolkit.schoolyear import school_year_bounds

from .models import Statement, StatementCounter, statement_number

CENT = Decimal("0.01")
# What a statement says of a month where it is not approved for every coach who served.
STATE_TEXT = {
    "approved": "approved",
    OPEN: "not submitted",
    "submitted": "submitted, not yet approved",
    "returned": "returned to the coach",
}
# The figures compared to tell whether an issued statement still says what the entries say now.
COMPARED = ("days", "days_approved", "minutes", "amount", "activities", "months", "coaches")


def days_text(value: Decimal) -> str:
    """Contract days as people say them: 16, 12.5 (never 16.0)."""
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:.1f}"


def money_text(value: Decimal) -> str:
    return f"{value.quantize(CENT):.2f}"


def period_months(start: dt.date, end: dt.date) -> list[dt.date]:
    """The first days of the months from `start`'s to `end`'s."""
    months, month = [], month_start(start)
    while month <= end:
        months.append(month)
        month = next_month(month)
    return months


def period_label(start: dt.date, end: dt.date) -> str:
    if month_start(start) == month_start(end):
        return month_label(start)
    if start.year == end.year:
        return f"{start:%B} – {end:%B %Y}"
    return f"{start:%B %Y} – {end:%B %Y}"


def _month_state(statuses: list[str]) -> tuple[str, str]:
    """(state, text) of a month with service: approved, partly, or the one coach's status."""
    approval = MonthApproval(month=dt.date.min, statuses=sorted(statuses))
    state = approval.state
    if state == "partly":
        return state, f"{approval.approved} of {approval.coaches} coaches approved"
    return state, STATE_TEXT.get(state, state)


@dataclass
class _Tally:
    """Days, minutes and coaches' month statuses added up for a month or a coach."""

    days: Decimal = Decimal(0)
    minutes: int = 0
    statuses: list[str] = field(default_factory=list)

    def add(self, days: Decimal, minutes: int, status: str) -> None:
        self.days += days
        self.minutes += minutes
        self.statuses.append(status)


def statement_figures(*, contract: Contract, start: dt.date, end: dt.date, today: dt.date) -> dict[str, Any]:
    """Every figure of a statement of `contract` from the month of `start` to the month of `end`,
    as JSON-ready values: six queries whatever the number of entries, coaches or months."""
    start, end = month_start(start), month_end(month_start(end))
    rows = contract_month_rows(contract=contract, start=start, end=end)
    coach_ids = sorted({r.coach_id for r in rows})
    statuses = coach_month_statuses(coach_ids=coach_ids, first=start, last=end) if rows else {}
    names = {c.pk: c.user.display_name for c in Coach.objects.filter(pk__in=coach_ids).select_related("user")}
    activity_rows = (
        LogEntry.objects.filter(district_id=contract.district_id, program_id=contract.program_id,
                                school_year=contract.school_year, date__range=(start, end))
        .values("activity__name", "activity__kind")
        .annotate(minutes=Sum("minutes"), entries=Count("id"))
        .order_by()
    )  # fmt: skip
    # Days to date and left, counted through the period's end (or today, if sooner), as the report does.
    as_of = min(today, end)
    usage = contract_usage_list(contracts=Contract.objects.filter(pk=contract.pk), as_of=as_of, period=(start, end))[0]

    total_minutes = sum(r.minutes for r in rows)
    total_days = sum((r.days for r in rows), Decimal(0))
    approved_days = sum((r.days for r in rows if statuses.get((r.coach_id, r.month), OPEN) == "approved"), Decimal(0))
    rate = Decimal(contract.daily_rate)

    activities: list[dict[str, Any]] = sorted(
        ({"name": a["activity__name"], "kind": a["activity__kind"], "minutes": int(a["minutes"]),
          "entries": int(a["entries"])} for a in activity_rows),
        key=lambda a: (-a["minutes"], a["name"]),
    )  # fmt: skip
    for item, hours in zip(activities, hours_split([a["minutes"] for a in activities], total_minutes), strict=True):
        item["hours"] = hours

    per_month = {m: _Tally() for m in period_months(start, end)}
    per_coach: dict[int, _Tally] = defaultdict(_Tally)
    for r in rows:
        status = statuses.get((r.coach_id, r.month), OPEN)
        per_month[r.month].add(r.days, r.minutes, status)
        per_coach[r.coach_id].add(r.days, r.minutes, status)
    months: list[dict[str, Any]] = []
    for month, tally in per_month.items():
        state, text = _month_state(tally.statuses) if tally.statuses else ("none", "no service")
        months.append({"month": f"{month:%Y-%m}", "label": month_label(month), "days": days_text(tally.days),
                       "minutes": tally.minutes, "state": state, "text": text,
                       "coaches": len(tally.statuses)})  # fmt: skip
    for item, hours in zip(months, hours_split([m["minutes"] for m in months], total_minutes), strict=True):
        item["hours"] = hours
    coaches: list[dict[str, Any]] = sorted(
        ({"name": names.get(pk, ""), "days": days_text(c.days), "minutes": c.minutes} for pk, c in per_coach.items()),
        key=lambda c: (-c["minutes"], c["name"]),
    )
    for item, hours in zip(coaches, hours_split([c["minutes"] for c in coaches], total_minutes), strict=True):
        item["hours"] = hours
    unapproved = [m["label"] for m in months if m["state"] not in ("approved", "none")]
    return {
        "program": contract.program.name,
        "district": contract.district.name,
        "school_year": contract.school_year_label,
        "period": {"start": start.isoformat(), "end": end.isoformat(), "label": period_label(start, end)},
        "contracted_days": contract.contracted_days,
        "daily_rate": money_text(rate),
        "days": days_text(total_days),
        "days_approved": days_text(approved_days),
        "amount": money_text(total_days * rate),
        "amount_approved": money_text(approved_days * rate),
        "minutes": total_minutes,
        "hours": hours_text(total_minutes),
        "activities": activities,
        "months": months,
        "coaches": coaches,
        "unapproved": unapproved,
        "days_to_date": days_text(usage.days_used),
        "days_left": days_text(usage.days_left),
        "through": usage.through.isoformat(),
        "through_label": f"{usage.through:%b} {usage.through.day}, {usage.through.year}",
        "half_day_hours": 4,
    }


def unapproved_banner(figures: dict[str, Any]) -> str:
    """What a statement says on its face when a month of it is not approved (empty when all are)."""
    months = figures.get("unapproved") or []
    if not months:
        return ""
    return f"Includes months not yet approved: {', '.join(months)} — figures may change."


def figures_differ(issued: dict[str, Any], current: dict[str, Any]) -> bool:
    """Whether the entries now say something other than what the statement said when issued."""
    return any(issued.get(key) != current.get(key) for key in COMPARED)


def period_check(*, contract: Contract, start: dt.date, end: dt.date, today: dt.date) -> list[str]:
    """What is wrong with a period for a statement of this contract (nothing: an empty list)."""
    errors = []
    first, last = school_year_bounds(contract.school_year)
    if end < start:
        errors.append("The last month comes before the first.")
    if start < first or end > last:
        errors.append(f"Choose months of the {contract.school_year_label} school year (July to June).")
    if month_start(end) > month_start(today):
        errors.append("A statement can only cover months that have begun.")
    return errors


def period_shortcuts(*, contract: Contract, today: dt.date) -> list[dict[str, str]]:
    """Periods to pick in one click: every month approved so far (from the first month of service
    through the last of an unbroken run of months approved for every coach), then each month of
    service with its approval: three queries."""
    usage = contract_usage_list(contracts=Contract.objects.filter(pk=contract.pk), as_of=today)
    served = contract_approvals_add(usage=usage, as_of=today)[0].approval_months if usage else []
    shortcuts = []
    run = []
    for month in served:
        if month.state != "approved":
            break
        run.append(month.month)
    if run:
        shortcuts.append({"label": f"Every month approved so far: {period_label(run[0], run[-1])}",
                          "start": f"{run[0]:%Y-%m}", "end": f"{run[-1]:%Y-%m}"})  # fmt: skip
    for month in served:
        text = _month_state(month.statuses)[1]
        shortcuts.append({"label": f"{month_label(month.month)}: {text}", "start": f"{month.month:%Y-%m}",
                          "end": f"{month.month:%Y-%m}"})  # fmt: skip
    return shortcuts


# --------------------------------------------------------------------------- reads


def statement_list(*, statements: QuerySet[Statement]) -> QuerySet[Statement]:
    """Statements as the list shows them: one query per page."""
    return statements.select_related("district", "program", "contract", "issued_by", "superseded_by").order_by(
        "-issued_at", "-pk"
    )


def statement_current_for_period(*, contract: Contract, start: dt.date, end: dt.date) -> Statement | None:
    """The statement in force (not superseded) for exactly this contract and period."""
    return (
        Statement.objects.filter(contract=contract, period_start=start, period_end=end, superseded_by__isnull=True)
        .order_by("-issued_at")
        .first()
    )


# --------------------------------------------------------------------------- issuing


def _next_number(*, program_id: int, year: int) -> int:
    """The program's next number in `year`, its counter row locked until the transaction ends."""
    StatementCounter.objects.bulk_create([StatementCounter(program_id=program_id, year=year)], ignore_conflicts=True)
    counter = StatementCounter.objects.select_for_update().get(program_id=program_id, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


@transaction.atomic
def statement_issue(
    *, contract: Contract, start: dt.date, end: dt.date, by: User, request: HttpRequest | None = None
) -> Statement:
    """Issue a statement of a contract for whole months: figures frozen, the next number of the
    program and year; a statement already in force for the same period is superseded by it."""
    now = timezone.now()
    today = timezone.localdate()
    start, end = month_start(start), month_end(month_start(end))
    errors = period_check(contract=contract, start=start, end=end, today=today)
    if errors:
        raise ValidationError(errors)
    sequence = _next_number(program_id=contract.program_id, year=today.year)
    previous = (
        Statement.objects.select_for_update()
        .filter(contract=contract, period_start=start, period_end=end, superseded_by__isnull=True)
        .first()
    )
    statement = Statement.objects.create(
        program_id=contract.program_id, district_id=contract.district_id, contract=contract, period_start=start,
        period_end=end, year=today.year, sequence=sequence, number=statement_number(year=today.year, sequence=sequence),
        issued_by=by, issued_at=now, figures=statement_figures(contract=contract, start=start, end=end, today=today),
    )  # fmt: skip
    if previous is not None:
        previous.superseded_by = statement
        previous.save(update_fields=["superseded_by"])
    again = f", superseding {previous.number}" if previous is not None else ""
    audit_record(action=AuditAction.EXPORT, actor=by, request=request, program=contract.program_id,
                 district=contract.district_id, object_type="statement", object_ref=statement.number,
                 detail=f"issued statement {statement.number} ({period_label(start, end)}){again}")  # fmt: skip
    return statement


def statement_download_audit(*, statement: Statement, by: User, request: HttpRequest, kind: str) -> None:
    audit_record(action=AuditAction.EXPORT, actor=by, request=request, program=statement.program_id,
                 district=statement.district_id, object_type="statement", object_ref=statement.number,
                 detail=f"downloaded statement {statement.number} as {kind}")  # fmt: skip
