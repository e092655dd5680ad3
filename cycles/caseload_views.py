"""Caseloads: a coach's teachers, by name, for that coach; counts per coach for program directors
and district administrators, never a teacher's name. Access is decided in cycles.access."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from coaching.access import coach_required
from coaching.models import Coach
from teachers.access import Request
from teachers.audit import AuditAction, audit_record
from toolkit.csv_export import csv_response
from toolkit.schoolyear import school_year_label, school_year_of

from .access import caseload_counts_scope_for
from .forms import CaseloadFilterForm, CaseloadYearForm
from .selectors import (
    CASELOAD_STAGES,
    STALE_AFTER_DAYS,
    caseload_as_of,
    caseload_counts,
    caseload_counts_row,
    caseload_list,
    caseload_row,
    caseload_stale_before,
    caseload_years,
)

PER_PAGE = 25


def _chosen_year(form: CaseloadYearForm, today: dt.date) -> int:
    """The year asked for when it is one of those offered; the current school year otherwise."""
    if form.is_bound and form.is_valid() and form.cleaned_data["year"] is not None:
        return int(form.cleaned_data["year"])
    return school_year_of(today)


def _caseload(request: Request, coach: Coach) -> tuple[CaseloadFilterForm, Any, int]:
    today = timezone.localdate()
    years = caseload_years(coaches=Coach.objects.filter(pk=coach.pk), today=today)
    form = CaseloadFilterForm(request.GET or None, years=years)
    year = _chosen_year(form, today)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {"q": data["q"].strip(), "stale": data["stale"], "sort": data["sort"] or "name"}
    return form, caseload_list(coach=coach, school_year=year, today=today, **filters), year


def _counts(request: Request) -> tuple[CaseloadYearForm, Any, int, bool]:
    """The counts table of the year asked for, in the asker's scope (decided in cycles.access)."""
    today = timezone.localdate()
    current = school_year_of(today)
    scope = caseload_counts_scope_for(request.user, school_year=current)
    years = caseload_years(coaches=scope.coaches, districts=scope.districts, today=today)
    form = CaseloadYearForm(request.GET or None, years=years)
    year = _chosen_year(form, today)
    if year != current:
        scope = caseload_counts_scope_for(request.user, school_year=year)
    counted = caseload_counts(coaches=scope.coaches, school_year=year, districts=scope.districts,
                              programs=scope.programs)  # fmt: skip
    return form, counted, year, scope.districts is not None


def _query_without_page(request: Request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@coach_required
@never_cache
@require_GET
def caseload(request: Request, coach: Coach) -> HttpResponse:
    """The teachers this coach works with: last contact, the year's sessions and hours, the open cycle's stage."""
    form, teachers, year = _caseload(request, coach)
    today = timezone.localdate()
    page = Paginator(teachers, PER_PAGE).get_page(request.GET.get("page"))
    rows = [caseload_row(values) for values in page.object_list]
    return render(
        request,
        "cycles/caseload.html",
        {"filter_form": form, "page": page, "rows": rows, "year_label": school_year_label(year),
         "past_year": year < school_year_of(today), "stale_days": STALE_AFTER_DAYS,
         "stale_before": caseload_stale_before(today=caseload_as_of(school_year=year, today=today)),
         "query": _query_without_page(request)},
    )  # fmt: skip


@coach_required
@require_GET
def caseload_csv(request: Request, coach: Coach) -> StreamingHttpResponse:
    """The coach's caseload table as CSV (the same filters and order), with the exact minutes."""
    _, teachers, year = _caseload(request, coach)
    header = ["teacher", "school", "last_contact", "sessions_this_year", "minutes_this_year", "hours_this_year",
              "open_cycle_stage"]  # fmt: skip

    def rows() -> Iterator[list[object]]:
        for values in teachers.iterator(chunk_size=2000):
            row = caseload_row(values)
            last = row.last_contact.isoformat() if row.last_contact else ""
            yield [row.name, row.school, last, row.sessions, row.minutes, row.hours, row.stage]

    audit_record(action=AuditAction.EXPORT, actor=request.user, request=request, object_type="caseload",
                 detail=f"own caseload as CSV ({request.GET.urlencode() or 'all'})")  # fmt: skip
    return csv_response(f"fulcrum-caseload-{year}.csv", header, rows())


@login_required
@never_cache
@require_GET
def caseload_counts_view(request: Request) -> HttpResponse:
    """Directors and district administrators: each coach's caseload as counts, no teacher named."""
    form, counted, year, in_districts = _counts(request)
    page = Paginator(counted, 50).get_page(request.GET.get("page"))
    rows = [caseload_counts_row(values) for values in page.object_list]
    return render(
        request,
        "cycles/caseload_counts.html",
        {"page": page, "rows": rows, "year_form": form, "year_label": school_year_label(year),
         "past_year": year < school_year_of(timezone.localdate()), "stages": CASELOAD_STAGES,
         "in_districts": in_districts, "query": _query_without_page(request)},
    )  # fmt: skip


@login_required
@require_GET
def caseload_counts_csv(request: Request) -> StreamingHttpResponse:
    """The counts table as CSV, every coach in scope, with the exact minutes; no teacher named."""
    _, counted, year, _ = _counts(request)
    header = ["coach", "program", "teachers_on_caseload", "sessions_this_year", "contacts_this_year",
              "minutes_this_year", "hours_this_year",
              *(f"cycles_{stage.value}" for stage in CASELOAD_STAGES)]  # fmt: skip

    def rows() -> Iterator[list[object]]:
        for values in counted.iterator(chunk_size=2000):
            row = caseload_counts_row(values)
            yield [row.coach, row.program, row.teachers, row.sessions, row.contacts, row.minutes, row.hours,
                   *(count for _, count in row.cycles_by_stage)]  # fmt: skip

    audit_record(action=AuditAction.EXPORT, actor=request.user, request=request, object_type="caseload counts",
                 detail=f"caseload counts per coach for {year} as CSV")  # fmt: skip
    return csv_response(f"fulcrum-caseload-counts-{year}.csv", header, rows())
