"""Coach pages: My week, log/edit/duplicate/delete an entry, entry list and export, contracts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from teachers.access import Request, districts_visible_to
from teachers.audit import AuditAction, audit_record
from toolkit.csv_export import csv_response
from toolkit.params import parse_date_param, parse_id_param, parse_int_param
from toolkit.schoolyear import monday_of, school_year_of

from . import history, months, selectors, services
from .access import (
    coach_required,
    coaches_history_importable_by,
    contracts_visible_to,
    get_entry_for,
    history_import_is_program_wide,
    may_import_history,
    may_see_contract_amounts,
    may_see_contracts,
    may_see_own_sessions,
    school_years_visible_to,
    sessions_with_teacher,
)
from .forms import ActivityMappingForm, EntryFilterForm, HistoryUploadForm, LogEntryForm
from .models import Coach, LogEntry
from .selectors import (
    FIRST_WEEK_DAY,
    LAST_WEEK_DAY,
    contract_usage_list,
    week_get,
)


@coach_required
@never_cache
@require_GET
def my_week(request: Request, coach: Coach) -> HttpResponse:
    today = timezone.localdate()
    asked = request.GET.get("week")
    day = parse_date_param(asked, earliest=FIRST_WEEK_DAY, latest=LAST_WEEK_DAY)
    if asked and day is None:
        messages.warning(request, "That week is out of range or not a date (YYYY-MM-DD); here is this week.")
    monday = monday_of(day or today)
    week = week_get(coach=coach, monday=monday)
    locked = months.locked_months(coach=coach, months=[monday, week.sunday])
    context = {"week": week, "today": today, "coach": coach, "locked_months": locked}
    return render(request, "coaching/my_week.html", context)


def _save_entry(request: Request, form: LogEntryForm, coach: Coach, entry: LogEntry | None) -> LogEntry | None:
    """Run the service with a valid form's data; on a rule error, put messages on the form's fields."""
    data = form.cleaned_data
    values: services.EntryValues = {
        "date": data["date"],
        "minutes": data["minutes"],
        "district": data["district"],
        "school": data["school"],
        "teachers": data["teachers"] or [],
        "activity": data["activity"],
        "focus_area": data["focus_area"],
        "format": data["format"],
        "notes": data["notes"] or "",
        "start_time": data["start_time"],
        "end_time": data["end_time"],
    }
    try:
        if entry is None:
            return services.entry_log(coach=coach, **values)
        return services.entry_update(entry=entry, **values)
    except ValidationError as exc:
        form.add_error(None, exc)
        return None


def _week_url(day: dt.date) -> str:
    return f"{reverse('coaching:my_week')}?week={monday_of(day).isoformat()}"


@coach_required
@never_cache
@require_http_methods(["GET", "POST"])
def entry_add(request: Request, coach: Coach) -> HttpResponse:
    today = timezone.localdate()
    copy_of = None
    if request.method == "POST":
        form = LogEntryForm(request.POST, coach=coach, user=request.user)
        if form.is_valid():
            entry = _save_entry(request, form, coach, None)
            if entry is not None:
                messages.success(
                    request,
                    f"Logged {entry.minutes} minutes of {entry.activity} on {entry.date:%a %b} {entry.date.day}.",
                )
                if "save_another" in request.POST:
                    return redirect(f"{reverse('coaching:entry_add')}?date={entry.date.isoformat()}")
                return redirect(_week_url(entry.date))
    else:
        copy_pk = parse_id_param(request.GET.get("copy"))
        if copy_pk is not None:
            copy_of = get_entry_for(request.user, copy_pk)
            initial = LogEntryForm.initial_from(copy_of, date=today)
        else:
            initial = _fresh_initial(request, coach, parse_date_param(request.GET.get("date")) or today)
        form = LogEntryForm(initial=initial, coach=coach, user=request.user)
    return render(request, "coaching/entry_form.html", {"form": form, "copy_of": copy_of, "entry": None})


def _fresh_initial(request: Request, coach: Coach, day: dt.date) -> dict[str, Any]:
    """Sensible defaults: the date asked for, and the district and format used last time
    (or the coach's only district)."""
    initial: dict[str, Any] = {"date": min(day, timezone.localdate())}
    last = LogEntry.objects.filter(coach=coach).order_by("-date", "-created_at").only("district", "format").first()
    if last is not None:
        initial.update(district=last.district_id, format=last.format)
    else:
        districts = list(districts_visible_to(request.user).values_list("pk", flat=True)[:2])
        if len(districts) == 1:
            initial["district"] = districts[0]
    return initial


@coach_required
@never_cache
@require_http_methods(["GET", "POST"])
def entry_edit(request: Request, coach: Coach, pk: int) -> HttpResponse:
    entry = get_entry_for(request.user, pk)
    # Shown on the page; the service decides (a POST to a locked entry is refused there).
    lock = months.locked_months(coach=coach, months=[entry.date]).get(months.month_start(entry.date))
    if request.method == "POST":
        form = LogEntryForm(request.POST, coach=coach, user=request.user)
        if form.is_valid() and _save_entry(request, form, coach, entry) is not None:
            messages.success(request, "Entry updated.")
            return redirect(_week_url(entry.date))
    else:
        form = LogEntryForm(initial=LogEntryForm.initial_from(entry), coach=coach, user=request.user)
    context = {"form": form, "entry": entry, "copy_of": None, "lock": lock}
    return render(request, "coaching/entry_form.html", context)


@coach_required
@never_cache
@require_http_methods(["GET", "POST"])
def entry_delete(request: Request, coach: Coach, pk: int) -> HttpResponse:
    entry = get_entry_for(request.user, pk)
    if request.method == "POST":
        day = entry.date
        try:
            services.entry_delete(entry=entry)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Entry deleted.")
        return redirect(_week_url(day))
    lock = months.locked_months(coach=coach, months=[entry.date]).get(months.month_start(entry.date))
    return render(request, "coaching/entry_confirm_delete.html", {"entry": entry, "lock": lock})


@coach_required
@require_GET
def district_fields(request: Request, coach: Coach) -> HttpResponse:
    """htmx: the school and teacher pickers for the district just chosen."""
    form = LogEntryForm(initial={"district": request.GET.get("district")}, coach=coach, user=request.user)
    return render(request, "coaching/partials/_district_fields.html", {"form": form})


def _filtered_entries(request: Request, coach: Coach) -> tuple[EntryFilterForm, QuerySet[LogEntry]]:
    form = EntryFilterForm(request.GET or None, coach=coach, user=request.user)
    if not form.is_bound:
        return form, selectors.entry_list(coach=coach)
    if not form.is_valid():
        return form, LogEntry.objects.none()
    data = form.cleaned_data
    return form, selectors.entry_list(
        coach=coach,
        date_from=data["date_from"],
        date_to=data["date_to"],
        district_id=data["district"].pk if data["district"] else None,
        activity_id=data["activity"].pk if data["activity"] else None,
        q=data["q"].strip(),
    )


@coach_required
@never_cache
@require_GET
def entry_list(request: Request, coach: Coach) -> HttpResponse:
    form, entries = _filtered_entries(request, coach)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    locked = months.locked_months(coach=coach, months={e.date for e in page.object_list})
    return render(
        request,
        "coaching/entry_list.html",
        {"filter_form": form, "page": page, "query": query.urlencode(), "locked_months": locked},
    )


@coach_required
@require_GET
def entry_export(request: Request, coach: Coach) -> StreamingHttpResponse:
    _, entries = _filtered_entries(request, coach)
    header = ["date", "start", "end", "minutes", "district", "school", "teachers", "activity", "kind", "balance",
              "focus_area", "format", "notes"]  # fmt: skip

    def rows() -> Iterator[list[object]]:
        for entry in entries.iterator(chunk_size=2000):
            yield [
                entry.date.isoformat(),
                entry.start_time.strftime("%H:%M") if entry.start_time else "",
                entry.end_time.strftime("%H:%M") if entry.end_time else "",
                entry.minutes,
                entry.district.name,
                entry.school.name if entry.school else "",
                "; ".join(t.full_name for t in entry.teachers.all()),
                entry.activity.name,
                entry.activity.get_kind_display(),
                entry.activity.get_balance_display(),
                entry.focus_area.name if entry.focus_area else "",
                entry.get_format_display(),
                entry.notes,
            ]

    stamp = timezone.localdate().isoformat()
    audit_record(action=AuditAction.EXPORT, actor=request.user, request=request, object_type="time log",
                 detail=f"own time-log entries as CSV ({request.GET.urlencode() or 'all'})")  # fmt: skip
    return csv_response(f"fulcrum-time-log-{stamp}.csv", header, rows())


def _contract_usage(request: Request) -> tuple[list[selectors.ContractUsage], dict[str, Any]]:
    """The contracts of the chosen school year (the current one by default) with their days used,
    days approved and the approval of each month of service."""
    if not may_see_contracts(request.user):
        raise PermissionDenied("Contracts are for coaches and administrators.")
    today = timezone.localdate()
    current = school_year_of(today)
    years = sorted(set(school_years_visible_to(request.user)) | {current}, reverse=True)
    asked = request.GET.get("year")
    year = parse_int_param(asked, minimum=dt.MINYEAR, maximum=dt.MAXYEAR - 1)
    known = year is not None and year in years
    chosen = year if year is not None and known else current
    if asked and not known:
        messages.info(request, "There is nothing to show for that school year; here is the current one.")
    contracts = contracts_visible_to(request.user).filter(school_year=chosen)
    usage = months.contract_approvals_add(usage=contract_usage_list(contracts=contracts, as_of=today), as_of=today)
    context = {"years": years, "chosen_year": chosen, "today": today, "current_year": current,
               "show_amounts": may_see_contract_amounts(request.user)}  # fmt: skip
    return usage, context


@login_required
@never_cache
@require_GET
def contract_list(request: Request) -> HttpResponse:
    """Days used, approved, left and the outlook of each contract the person may see, for any
    school year with contracts or entries (the current one by default)."""
    usage, context = _contract_usage(request)
    return render(request, "coaching/contract_list.html", {"usage": usage, **context})


@login_required
@require_GET
def contract_export(request: Request) -> StreamingHttpResponse:
    """The contracts table of a school year as CSV: the same figures as the page."""
    usage, context = _contract_usage(request)
    amounts = context["show_amounts"]
    header = ["district", "program", "school_year", "contracted_days", "days_used", "days_left", "days_approved"]
    if amounts:
        header += ["daily_rate", "amount_approved"]
    header += ["days_per_week", "outlook", "months"]

    def rows() -> Iterator[list[object]]:
        for u in usage:
            row: list[object] = [u.contract.district.name, u.contract.program.name, u.contract.school_year_label,
                                 u.contract.contracted_days, u.days_used, u.days_left, u.days_approved]  # fmt: skip
            if amounts:
                row += [u.contract.daily_rate, u.amount_approved]
            row += [u.days_per_week or "", u.outlook.text,
                    "; ".join(f"{m.month:%b %Y} {m.text}" for m in u.approval_months)]  # fmt: skip
            yield row

    audit_record(action=AuditAction.EXPORT, actor=request.user, request=request, object_type="contracts",
                 detail=f"contract days of {context['chosen_year']} as CSV")  # fmt: skip
    return csv_response(f"fulcrum-contracts-{context['chosen_year']}.csv", header, rows())


@login_required
@never_cache
@require_GET
def my_sessions(request: Request) -> HttpResponse:
    """A teacher's own coaching history: when, with whom, doing what. Never the coach's notes."""
    if not may_see_own_sessions(request.user):
        raise PermissionDenied("This page lists a teacher's own coaching sessions.")
    entries = (
        sessions_with_teacher(request.user)
        .select_related("coach__user", "activity", "focus_area", "district", "school")
        .order_by("-date", "-start_time")
    )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "coaching/my_sessions.html", {"page": page})


# --------------------------------------------------------------------------- bringing history in


def _history_coaches(request: Request) -> QuerySet[Coach]:
    if not may_import_history(request.user):
        raise PermissionDenied("Coaches import their own past time; program directors their program's.")
    return coaches_history_importable_by(request.user).select_related("user")


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def history_import(request: Request) -> HttpResponse:
    """Step one: upload a past time log as CSV; it is read and kept for the preview."""
    _history_coaches(request)
    program_wide = history_import_is_program_wide(request.user)
    errors: list[history.HistoryRowError] = []
    if request.method == "POST":
        form = HistoryUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                rows = history.history_read(upload.read(), program_wide=program_wide)
            except history.HistoryImportError as exc:
                errors = exc.errors
                form.add_error("file", "This file cannot be read; see the problems listed.")
            else:
                history.history_upload_save(owner=request.user, program_wide=program_wide, filename=upload.name or "",
                                            rows=rows)  # fmt: skip
                return redirect("coaching:history_preview")
    else:
        form = HistoryUploadForm()
    columns = history.history_columns(program_wide=program_wide)
    context = {"form": form, "errors": errors, "columns": columns, "program_wide": program_wide}
    return render(request, "coaching/history_import.html", context)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def history_preview(request: Request) -> HttpResponse:
    """Step two: what the file holds, every bad line, the activity mapping; then Import (POST)."""
    coaches = _history_coaches(request)
    upload = history.history_upload_get(owner=request.user)
    if upload is None:
        messages.info(request, "Upload a file first (an upload is kept for 24 hours).")
        return redirect("coaching:history_import")
    rows = history.upload_rows(upload)
    if request.method == "POST" and "cancel" in request.POST:
        history.history_upload_discard(owner=request.user)
        messages.info(request, "The uploaded file was discarded; nothing was imported.")
        return redirect("coaching:history_import")
    check = history.history_check(rows=rows, coaches=coaches, program_wide=upload.program_wide)
    mapping_form = ActivityMappingForm(request.POST if request.method == "POST" else None,
                                       names=check.unknown_activities, activities=check.activities)  # fmt: skip
    errors = check.errors
    if request.method == "POST" and not errors and mapping_form.is_valid():
        try:
            result = history.history_import(upload=upload, coaches=coaches, mapping=mapping_form.mapping())
        except history.HistoryImportError as exc:
            errors = exc.errors
        else:
            audit_record(action=AuditAction.IMPORT, actor=request.user, request=request, object_type="time log",
                         detail=f"{result.created} past time-log entries from CSV "
                                f"({'program-wide' if upload.program_wide else 'own'}; "
                                f"{result.already_imported} already imported)")  # fmt: skip
            noun = "entry" if result.created == 1 else "entries"
            messages.success(request, f"Imported {result.created} {noun} ({result.minutes / 60:.2f} hours); "
                                      f"{result.already_imported} already imported.")  # fmt: skip
            return redirect("coaching:entry_list" if not upload.program_wide else "coaching:contracts")
    context = {"upload": upload, "check": check, "errors": errors, "mapping_form": mapping_form}
    return render(request, "coaching/history_preview.html", context)


@login_required
@require_GET
def history_template(request: Request) -> StreamingHttpResponse:
    """A sample file with the expected header, to fill in a spreadsheet."""
    _history_coaches(request)
    program_wide = history_import_is_program_wide(request.user)
    sample: list[object] = ["2025-09-15", 45, "Maple Grove CUSD 5", "Maple Grove Elementary", "Coaching Cycles",
                            "Technology integration", "ava.reyes@example.org; ben.ortiz@example.org",
                            "Planning meeting"]  # fmt: skip
    if program_wide:
        sample.append("coach@example.org")
    return csv_response("fulcrum-time-log-template.csv", list(history.history_columns(program_wide=program_wide)),
                        [sample])  # fmt: skip
