"""Roster pages: list with search and filters, CSV export, CSV import."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from toolkit.csv_export import csv_response

from .access import (
    Request,
    districts_with_roster_managed_by,
    may_manage_rosters,
    may_read_audit_log,
    teachers_visible_to,
)
from .audit import AuditAction, audit_events_visible_to, audit_record
from .forms import RosterFilterForm, RosterImportForm
from .models import District, Teacher
from .selectors import roster_list
from .services import ROSTER_COLUMNS, RosterImportError, RosterRowError, roster_import


def _managed_districts(request: Request) -> QuerySet[District]:
    if not may_manage_rosters(request.user):
        raise PermissionDenied("Only district administrators and program directors manage rosters.")
    return districts_with_roster_managed_by(request.user)


def _filtered_roster(request: Request) -> tuple[RosterFilterForm, QuerySet[Teacher]]:
    districts = _managed_districts(request)
    form = RosterFilterForm(request.GET or None, districts=districts)
    teachers = teachers_visible_to(request.user)
    if form.is_bound and not form.is_valid():
        return form, teachers.none()
    data = form.cleaned_data if form.is_bound else {}
    return form, roster_list(
        teachers=teachers,
        q=data.get("q", ""),
        district=data.get("district"),
        school=data.get("school"),
        grade_band=data.get("grade_band", ""),
        include_inactive=data.get("show_inactive", False),
    )


@login_required
@require_GET
def roster(request: Request) -> HttpResponse:
    form, teachers = _filtered_roster(request)
    page = Paginator(teachers, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "teachers/roster.html", {"filter_form": form, "page": page, "query": query.urlencode()})


@login_required
@require_GET
def roster_export(request: Request) -> StreamingHttpResponse:
    form, teachers = _filtered_roster(request)
    rows = (
        [t.district.name, t.school.name, t.first_name, t.last_name, t.email, t.grade_band, t.subject,
         "yes" if t.active else "no"]
        for t in teachers.iterator(chunk_size=2000)
    )  # fmt: skip
    header = ["district", "school", "first_name", "last_name", "email", "grade_band", "subject", "active"]
    # The district the export was filtered to, once the form has checked it is one of theirs (an
    # unreadable or foreign id leaves the export empty, and the event with no district).
    district = form.cleaned_data.get("district") if form.is_bound and form.is_valid() else None
    audit_record(action=AuditAction.EXPORT, actor=request.user, request=request, object_type="roster",
                 district=district, detail="roster as CSV")  # fmt: skip
    return csv_response(f"fulcrum-roster-{timezone.localdate().isoformat()}.csv", header, rows)


@login_required
@require_GET
def roster_template(request: Request) -> StreamingHttpResponse:
    """A sample file with the expected header, to fill in a spreadsheet."""
    _managed_districts(request)
    sample = [["Lincoln Elementary", "Ada", "Lovelace", "ada.lovelace@example.org", "K-2", "Math"]]
    return csv_response("fulcrum-roster-template.csv", list(ROSTER_COLUMNS), sample)


@login_required
@require_http_methods(["GET", "POST"])
def roster_import_view(request: Request) -> HttpResponse:
    districts = _managed_districts(request)
    errors: list[RosterRowError] = []
    if request.method == "POST":
        form = RosterImportForm(request.POST, request.FILES, districts=districts)
        if form.is_valid():
            district = form.cleaned_data["district"]
            try:
                result = roster_import(district=district, data=form.cleaned_data["file"].read())
            except RosterImportError as exc:
                errors = exc.errors
            else:
                messages.success(
                    request,
                    f"{district}: {result.rows} rows imported — {result.teachers_created} teachers added, "
                    f"{result.teachers_updated} updated, {result.teachers_unchanged} unchanged, "
                    f"{result.schools_created} new schools.",
                )
                return redirect(f"{reverse('teachers:roster')}?district={district.pk}")
    else:
        form = RosterImportForm(districts=districts)
    return render(request, "teachers/roster_import.html", {"form": form, "errors": errors, "columns": ROSTER_COLUMNS})


@login_required
@require_GET
def audit_log(request: Request) -> HttpResponse:
    """Who signed in, exported, changed roles or sharing, or read confidential content — never what."""
    events = audit_events_visible_to(request.user)
    if not may_read_audit_log(request.user):
        raise PermissionDenied("The audit log is for site and district administrators.")
    action = request.GET.get("action", "")
    if action in AuditAction.values:
        events = events.filter(action=action)
    page = Paginator(events.order_by("-at", "-pk"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"page": page, "actions": AuditAction.choices, "action": action, "query": query.urlencode()}
    return render(request, "teachers/audit_log.html", context)
