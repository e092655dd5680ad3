"""Time-use dashboards: the latest snapshot at once, a refresh that runs as a job with a progress
bar, and exports (CSV of every table, a one-to-two page PDF)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from coaching.access import school_years_visible_to
from teachers.access import Request
from teachers.audit import AuditAction, audit_record
from teachers.models import User
from toolkit.csv_export import csv_response

from . import services
from .access import ScopeChoice, authorize_scope, default_scope, may_use_reports, scope_choices
from .models import ReportRun, Snapshot
from .pdf import report_pdf_bytes
from .picker import picker_version
from .scopes import Period, Scope, period_choices

QUEUED_TOO_LONG_SECONDS = 10

TABLES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    # table key -> (figures key, [(column header, row key)]). Every table carries exact minutes;
    # hours are the page's own figures (two decimals, adding up to the total).
    "activity": ("by_activity", [("activity", "name"), ("kind", "kind"), ("side", "balance"), ("minutes", "minutes"),
                                 ("hours", "hours"), ("share_percent", "share"), ("entries", "entries")]),
    "focus": ("by_focus", [("focus_area", "name"), ("minutes", "minutes"), ("hours", "hours"),
                           ("share_percent", "share")]),
    "balance": ("balance", [("side", "name"), ("minutes", "minutes"), ("hours", "hours"), ("share_percent", "share")]),
    "school": ("by_school", [("school", "name"), ("minutes", "minutes"), ("hours", "hours"),
                             ("share_percent", "share")]),
    "coach": ("by_coach", [("coach", "name"), ("minutes", "minutes"), ("hours", "hours"), ("share_percent", "share")]),
    "district": ("by_district", [("district", "name"), ("minutes", "minutes"), ("hours", "hours"),
                                 ("share_percent", "share"), ("service_dates", "service_dates")]),
    "program": ("by_program", [("program", "name"), ("minutes", "minutes"), ("hours", "hours"),
                               ("share_percent", "share"), ("service_dates", "service_dates")]),
    "month": ("by_month", [("month", "month"), ("output_minutes", "output"), ("input_minutes", "input"),
                           ("non_coaching_minutes", "non_coaching"), ("total_minutes", "minutes"),
                           ("output_hours", "output_hours"), ("input_hours", "input_hours"),
                           ("non_coaching_hours", "non_coaching_hours"), ("total_hours", "hours")]),
    "contracts": ("contracts", [("district", "district"), ("program", "program"), ("school_year", "school_year"),
                                ("contracted_days", "contracted"), ("days_used_in_period", "used_in_period"),
                                ("days_used_year_to_date", "used"), ("year_to_date_through", "through"),
                                ("days_left", "left"), ("percent_used", "percent"), ("days_per_week", "days_per_week"),
                                ("outlook", "outlook")]),
    # Impact (already suppressed to groups of five cycles or more when built) and the comparison.
    "impact": ("impact.rows", [("breakdown", "breakdown"), ("group", "group"), ("cycles", "cycles"),
                               ("average_growth_percent", "growth"), ("goals_met", "goals_met"),
                               ("median_days_to_goal", "median_days"),
                               ("linked_minutes_of_goals_met", "linked_minutes_met"),
                               ("hours_per_goal_met", "hours_per_goal"), ("cost_per_goal_met", "cost_per_goal")]),
    "comparison": ("district_comparison", [
        ("district", "name"), ("minutes", "minutes"), ("hours", "hours"), ("output_share_percent", "output_share"),
        ("input_share_percent", "input_share"), ("non_coaching_share_percent", "non_coaching_share"),
        ("non_coaching_over_threshold", "non_coaching_flag"), ("impact_cycles", "impact_cycles"),
        ("impact_goals_met", "impact_goals_met"), ("impact_average_growth_percent", "impact_growth"),
        ("off_plan_points", "plan_distance"), ("plan_non_coaching_exceeded", "plan_non_coaching_exceeded")]),
    # The agreed time plan against the time logged (figures["plan"]["lines"]), furthest off first.
    "plan": ("plan.lines", [("line", "name"), ("kind", "kind"), ("plan_share_percent", "plan_share"),
                            ("actual_share_percent", "actual_share"), ("variance_points", "variance"),
                            ("expected_minutes", "expected_minutes"), ("actual_minutes", "minutes"),
                            ("plan_hours", "plan_hours"), ("actual_hours", "hours"),
                            ("above_ceiling", "exceeded")]),
    # Time and cycles by priority of the districts' coaching plans (reports/priorities.py).
    "priorities": ("priorities", [("priority", "name"), ("district", "district"), ("minutes", "minutes"),
                                  ("hours", "hours"), ("share_percent", "share"), ("entries", "entries"),
                                  ("cycles_started", "cycles")]),
    # Student agency: closed cycles whose plan and close answered the question (groups of five or more).
    "agency": ("agency.rows", [("breakdown", "breakdown"), ("group", "group"), ("cycles_closed", "cycles"),
                               ("planned", "planned"), ("revisited_at_close", "revisited"), ("both", "both"),
                               ("both_percent", "both_share")]),
    # issue 16: standards — time and cycles by domain (rows overlap), then the principles' counts when shown.
    "standards": ("standards.csv", [("lens", "lens"), ("row", "name"), ("minutes", "minutes"), ("hours", "hours"),
                                    ("share_of_all_time_percent", "share"), ("cycles", "cycles"),
                                    ("answers", "answers")]),
    # Differentiated follow-up after PD: follow-up groups by the next step offered (counts only).
    "followups": ("followups.rows", [("next_step", "name"), ("groups", "groups"), ("offered", "offered"),
                                     ("done", "done")]),
}  # fmt: skip


def _cell(value: object) -> object:
    """A CSV cell: a figure that is not shown (None) is an empty cell, not the word None."""
    return "" if value is None else value


def _scope_and_period(request: Request, data: QueryDict) -> tuple[Scope, Period]:
    if not may_use_reports(request.user):
        raise PermissionDenied("Reports are for coaches and administrators.")
    scope = Scope.parse(data.get("scope")) or default_scope(request.user)
    if scope is None:
        raise Http404("No report you can open.")
    scope = authorize_scope(request.user, scope)
    period = _period(data)
    return scope, period


def _period(data: QueryDict) -> Period:
    today = timezone.localdate()
    key = data.get("period", "")
    if key == "custom":
        key = f"c-{data.get('start', '')}-{data.get('end', '')}"
    return Period.parse(key, today=today)


CHOICES_SECONDS = 60


def _scope_choices_cached(user: User) -> list[ScopeChoice]:
    """The picker's options, kept a minute per person (and per process): a display only, every
    request is still authorized by `authorize_scope`, so a stale option at worst leads to a 404."""
    cache = caches["fragments"]
    key = f"report-choices-{user.pk}-{user.role}-v{picker_version()}"
    choices: list[ScopeChoice] | None = cache.get(key)
    if choices is None:
        choices = scope_choices(user)
        cache.set(key, choices, CHOICES_SECONDS)
    return choices


def _query(scope: Scope, period: Period) -> str:
    return urlencode({"scope": scope.key, "period": period.key})


@login_required
@never_cache
@require_GET
def dashboard(request: Request) -> HttpResponse:
    """The latest snapshot of a report, at once. A GET never builds: without a snapshot the page
    offers a button (a POST) to build it."""
    scope, period = _scope_and_period(request, request.GET)
    # The figures (a large JSON document) are read and decoded only when the rendered report is
    # not in the fragment cache already.
    state = services.dashboard_state(scope, period)
    snapshot, pending = state.snapshot, state.pending
    context = {
        "scope": scope,
        "period": period,
        # Callables: the template calls them only when the picker is not in the fragment cache.
        "choices": lambda: _scope_choices_cached(request.user),
        "picker_version": picker_version(),
        "periods": lambda: period_choices(
            today=timezone.localdate(), years=school_years_visible_to(request.user), selected=period
        ),
        "today": timezone.localdate(),
        "snapshot": snapshot,
        "figures": SimpleLazyObject(lambda: snapshot.figures) if snapshot else None,
        "changed": state.changed,
        "pending": pending,
        "failure": state.failure,
        "query": _query(scope, period),
        "queued_too_long": bool(
            pending
            and pending.status == "queued"
            and (timezone.now() - pending.created_at).total_seconds() > QUEUED_TOO_LONG_SECONDS
        ),
    }
    return render(request, "reports/dashboard.html", context)


@login_required
@require_POST
def refresh(request: Request) -> HttpResponse:
    """Build (or rebuild) a report: a job, limited per person per hour."""
    scope, period = _scope_and_period(request, request.POST)
    if services.pending_run_for(scope, period) is None and services.builds_left_for(request.user) <= 0:
        context = {"limit": settings.REPORTS_BUILDS_PER_HOUR, "query": _query(scope, period)}
        response = render(request, "reports/too_many_builds.html", context, status=429)
        response["Retry-After"] = "600"
        return response
    run = services.report_request(scope=scope, period=period, by=request.user)
    if run.status == "queued" and run.published_at is None and not services.jobs_run_in_process():
        messages.warning(request, "Queued. The job service is not answering; the report will build when it is back.")
    return redirect(f"{reverse('reports:dashboard')}?{_query(scope, period)}")


@login_required
@require_GET
def run_status(request: Request, pk: int) -> HttpResponse:
    """htmx: the progress bar of a run; tells the page to reload when the snapshot is in."""
    run = get_object_or_404(ReportRun, pk=pk)
    authorize_scope(request.user, Scope(run.scope_kind, run.scope_id))
    response = render(request, "reports/partials/_run_status.html", {"pending": run})
    if not run.is_pending:
        response["HX-Refresh"] = "true"
    return response


def _snapshot_or_404(scope: Scope, period: Period) -> Snapshot:
    snapshot = services.snapshot_for(scope, period)
    if snapshot is None:
        raise Http404("This report has not been built yet.")
    return snapshot


def _audit_export(request: Request, scope: Scope, period: Period, what: str) -> None:
    district = scope.pk if scope.kind == "district" else None
    audit_record(action=AuditAction.EXPORT, actor=request.user, request=request, district=district,
                 object_type="report", object_ref=scope.key, detail=f"{what}, {period.label}")  # fmt: skip


@login_required
@require_GET
def export_csv(request: Request) -> StreamingHttpResponse:
    scope, period = _scope_and_period(request, request.GET)
    table = request.GET.get("table", "")
    if table not in TABLES:
        raise Http404("No such table.")
    snapshot = _snapshot_or_404(scope, period)
    key, columns = TABLES[table]
    found: Any = snapshot.figures
    for part in key.split("."):  # "impact.rows": a table inside a section of the figures
        found = found.get(part, {}) if isinstance(found, dict) else {}
    rows = ([_cell(row.get(field)) for _, field in columns] for row in (found if isinstance(found, list) else []))
    filename = f"fulcrum-{table}-{scope.key}-{period.key}.csv"
    _audit_export(request, scope, period, f"time-use table “{table}” as CSV")
    return csv_response(filename, [header for header, _ in columns], rows)


@login_required
@require_GET
def export_pdf(request: Request) -> HttpResponse:
    scope, period = _scope_and_period(request, request.GET)
    snapshot = _snapshot_or_404(scope, period)
    pdf = report_pdf_bytes(snapshot=snapshot, scope=scope, base_url=request.build_absolute_uri("/"))
    _audit_export(request, scope, period, "time-use report as PDF")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="fulcrum-time-use-{scope.key}-{period.key}.pdf"'
    return response
