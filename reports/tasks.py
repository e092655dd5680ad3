"""Scheduled report jobs (Celery beat). Thin: services do the work. Safe to run twice (acks late).

The build task itself, "reports.build" (`report_build`), lives in `reports.services` beside the
function it runs, so that services can publish it without importing this module; importing this
module (as the worker's autodiscovery does) registers it too.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from coaching.models import Contract, Program
from toolkit.schoolyear import school_year_of

from .models import ScopeKind
from .scopes import Period, Scope
from .services import report_request, requeue_stale


@shared_task(name="reports.build_district_years", acks_late=True, ignore_result=True)
def report_build_district_years() -> int:
    """Nightly: every district with a contract this school year gets its school-year report rebuilt."""
    today = timezone.localdate()
    year = school_year_of(today)
    period = Period.school_year(year)
    district_ids = Contract.objects.filter(school_year=year).values_list("district_id", flat=True).distinct()
    for district_id in district_ids:
        report_request(scope=Scope(ScopeKind.DISTRICT, district_id), period=period, by=None, trigger="schedule")
    return len(district_ids)


@shared_task(name="reports.build_program_months", acks_late=True, ignore_result=True)
def report_build_program_months() -> int:
    """On the 1st: each program's report for the month that just ended."""
    today = timezone.localdate()
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    period = Period.month(last_month.year, last_month.month)
    program_ids = list(Program.objects.values_list("pk", flat=True))
    for program_id in program_ids:
        report_request(scope=Scope(ScopeKind.PROGRAM, program_id), period=period, by=None, trigger="schedule")
    return len(program_ids)


@shared_task(name="reports.requeue_stale", acks_late=True, ignore_result=True)
def report_requeue_stale() -> int:
    """Publish again runs still queued after two minutes (the broker was down or lost them)."""
    return requeue_stale(older_than_seconds=120)
