"""Coach pages: My week, log/edit/duplicate/delete an entry, entry list and export, contracts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Max, QuerySet
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from teachers.access import Request, districts_visible_to
from teachers.audit import AuditAction, audit_record
from teachers.models import Teacher
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
from .forms import ActivityMappingForm, EntryFilterForm, HistoryUploadForm, LogEntryForm, recent_teachers
from .models import Activity, Coach, FocusArea, Format, LogEntry
from .selectors import (
    FIRST_WEEK_DAY,
    LAST_WEEK_DAY,
    activity_list,
    contract_usage_list,
    entry_prefetch,
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
    locked = months.locked_months(coach=coach, months=[monday, week.sunday, today])
    context = {"week": week, "today": today, "coach": coach, "locked_months": locked,
               "today_locked": months.month_start(today) in locked, "kinds": _recent_kinds(coach),
               "undo": _undo_entry(request, coach)}  # fmt: skip
    if monday == monday_of(today):
        # "The same as yesterday" when yesterday is not in this week (a Monday repeats a Friday).
        last = LogEntry.objects.filter(coach=coach, date__lt=monday).aggregate(last=Max("date"))["last"]
        earlier = [d for d in week.days if d.date < today and d.entries]
        if last is not None and not earlier:
            context["last_day"] = last
            context["last_day_count"] = LogEntry.objects.filter(coach=coach, date=last).count()
    return render(request, "coaching/my_week.html", context)


# How many recent entries are read for "start like" shortcuts, and how many are shown.
KIND_SCAN, KIND_SHOWN = 40, 4


def _recent_kinds(coach: Coach) -> list[LogEntry]:
    """The coach's last few distinct kinds of entry (activity, focus area, district, school), the
    newest first, for one-tap "log another like this" links (one query)."""
    seen: set[tuple[int, int | None, int, int | None]] = set()
    kinds: list[LogEntry] = []
    recent = (
        LogEntry.objects.filter(coach=coach)
        .select_related("activity", "focus_area", "district", "school")
        .order_by("-date", "-created_at")[:KIND_SCAN]
    )
    for entry in recent:
        key = (entry.activity_id, entry.focus_area_id, entry.district_id, entry.school_id)
        if key not in seen and entry.activity.active:
            seen.add(key)
            kinds.append(entry)
        if len(kinds) == KIND_SHOWN:
            break
    return kinds


LAST_SAVED = "quicklog_last_entry"  # session: the entry just saved, whose defaults the next form takes
UNDO = "quicklog_undo"  # session: the entry a one-tap quick log just made, offered for undo once


def _undo_entry(request: Request, coach: Coach) -> LogEntry | None:
    """The entry a quick log just made (offered once, on the next My week), if it is still there."""
    pk = request.session.pop(UNDO, None)
    if not isinstance(pk, int):
        return None
    return LogEntry.objects.filter(coach=coach, pk=pk).select_related("activity").first()


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
        "priority": data.get("priority"),
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
                request.session[LAST_SAVED] = entry.pk
                messages.success(
                    request,
                    f"Logged {entry.minutes} minutes of {entry.activity} on {entry.date:%a %b} {entry.date.day}.",
                )
                if "save_another" in request.POST:
                    return redirect(f"{reverse('coaching:entry_add')}?date={entry.date.isoformat()}")
                return redirect(_week_url(entry.date))
    else:
        copy_pk = parse_id_param(request.GET.get("copy"))
        like_pk = parse_id_param(request.GET.get("like"))
        informal_pk = parse_id_param(request.GET.get("informal"))
        if copy_pk is not None:
            copy_of = get_entry_for(request.user, copy_pk)
            initial = LogEntryForm.initial_from(copy_of, date=today)
        elif like_pk is not None:
            initial = _fresh_initial(request, coach, today)
            initial.update(LogEntryForm.initial_like(get_entry_for(request.user, like_pk)))
        elif informal_pk is not None:
            initial = _fresh_initial(request, coach, today)
            initial.update(_informal_values(request, coach, _quick_teacher(request, informal_pk)))
        else:
            initial = _fresh_initial(request, coach, parse_date_param(request.GET.get("date")) or today)
        form = LogEntryForm(initial=initial, coach=coach, user=request.user)
    informal = _informal_activity(coach)
    served = districts_visible_to(request.user)
    quick = recent_teachers(coach=coach, districts=served, limit=QUICK_TEACHERS) if informal is not None else []
    context = {"form": form, "copy_of": copy_of, "entry": None, "quick_teachers": quick,
               "quick_minutes": INFORMAL_MINUTES}  # fmt: skip
    return render(request, "coaching/entry_form.html", context)


def _fresh_initial(request: Request, coach: Coach, day: dt.date) -> dict[str, Any]:
    """Sensible defaults: the date asked for; the district, school, format and focus area of the
    entry just saved (else of the latest entry, else the coach's only district); and a start time
    at the end of that day's last timed entry."""
    day = min(day, timezone.localdate())
    initial: dict[str, Any] = {"date": day}
    entries = LogEntry.objects.filter(coach=coach).only("district", "school", "format", "focus_area")
    saved = request.session.get(LAST_SAVED)
    last = entries.filter(pk=saved).first() if isinstance(saved, int) else None
    if last is None:
        last = entries.order_by("-date", "-created_at").first()
    if last is not None:
        initial.update(district=last.district_id, school=last.school_id, format=last.format,
                       focus_area=last.focus_area_id)  # fmt: skip
    else:
        districts = list(districts_visible_to(request.user).values_list("pk", flat=True)[:2])
        if len(districts) == 1:
            initial["district"] = districts[0]
    end = LogEntry.objects.filter(coach=coach, date=day).aggregate(end=Max("end_time"))["end"]
    if end is not None:
        initial["start_time"] = end
    return initial


# The informal touch: a short informal-coaching conversation with a recent teacher, in one tap.
INFORMAL_ACTIVITY = "Informal Coaching"
INFORMAL_MINUTES = 10
QUICK_TEACHERS = 4


def _informal_activity(coach: Coach) -> Activity | None:
    return activity_list(coach=coach).filter(name=INFORMAL_ACTIVITY).order_by("program_id").first()


def _quick_teacher(request: Request, pk: int) -> Teacher:
    """An active teacher of a district the coach serves, or 404 (missing and elsewhere alike)."""
    teachers = Teacher.objects.filter(district__in=districts_visible_to(request.user), active=True)
    try:
        return teachers.select_related("district", "school").get(pk=pk)
    except Teacher.DoesNotExist as exc:
        raise Http404("No such teacher.") from exc


def _informal_values(request: Request, coach: Coach, teacher: Teacher) -> dict[str, Any]:
    """What an informal touch with this teacher is: 10 minutes today, in person, at their school,
    about what the coach last worked on with them (else the coach's last focus area)."""
    entries = LogEntry.objects.filter(coach=coach, focus_area__isnull=False).order_by("-date", "-created_at")
    last = entries.filter(teachers=teacher).only("focus_area").first() or entries.only("focus_area").first()
    informal = _informal_activity(coach)
    return {"date": timezone.localdate(), "minutes": INFORMAL_MINUTES, "start_time": None, "end_time": None,
            "district": teacher.district_id, "school": teacher.school_id, "teachers": [teacher.pk],
            "activity": informal.pk if informal else None, "format": Format.IN_PERSON,
            "focus_area": last.focus_area_id if last else None}  # fmt: skip


@coach_required
@require_POST
def entry_quick(request: Request, coach: Coach) -> HttpResponse:
    """One tap: log 10 minutes of informal coaching today with a recent teacher, then offer Undo
    on My week. When a rule refuses it (or no focus area is known), the prefilled form opens."""
    teacher_pk = parse_id_param(request.POST.get("teacher"))
    if teacher_pk is None:
        messages.error(request, "Choose a teacher for the informal conversation.")
        return redirect("coaching:entry_add")
    teacher = _quick_teacher(request, teacher_pk)
    values = _informal_values(request, coach, teacher)
    form_url = f"{reverse('coaching:entry_add')}?informal={teacher.pk}"
    activity = Activity.objects.filter(pk=values["activity"]).first()
    focus = FocusArea.objects.filter(pk=values["focus_area"]).first()
    if activity is None or focus is None:
        messages.info(request, "Choose a focus area for this conversation, then save.")
        return redirect(form_url)
    try:
        entry = services.entry_log(coach=coach, date=values["date"], minutes=INFORMAL_MINUTES,
                                   district=teacher.district, school=teacher.school, teachers=[teacher],
                                   activity=activity, focus_area=focus, format=Format.IN_PERSON)  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(form_url)
    request.session[LAST_SAVED] = entry.pk
    request.session[UNDO] = entry.pk
    messages.success(request, f"Logged {INFORMAL_MINUTES} minutes of {activity} with {teacher.full_name} today "
                              f"({focus}).")  # fmt: skip
    return redirect(_week_url(entry.date))


def _repeat(request: Request, coach: Coach, entries: list[LogEntry], what: str) -> HttpResponse:
    today = timezone.localdate()
    try:
        created = services.entries_repeat(coach=coach, entries=entries, date=today)
    except ValidationError as exc:
        messages.error(request, f"Nothing was repeated: {' '.join(exc.messages)}")
    else:
        request.session[LAST_SAVED] = created[-1].pk
        total = sum(e.minutes for e in created)
        messages.success(request, f"Repeated {what} today ({total // 60} h {total % 60} min).")
    return redirect(_week_url(today))


@coach_required
@require_POST
def entry_repeat(request: Request, coach: Coach, pk: int) -> HttpResponse:
    """One tap: log this entry again today, under the same rules."""
    entry = get_entry_for(request.user, pk)
    return _repeat(request, coach, [entry], f"{entry.activity} ({entry.minutes} min)")


@coach_required
@require_POST
def day_repeat(request: Request, coach: Coach) -> HttpResponse:
    """One tap: log every entry of an earlier day again today, all of them or none."""
    today = timezone.localdate()
    day = parse_date_param(request.POST.get("day"), latest=today - dt.timedelta(days=1))
    entries = list(
        entry_prefetch(entries=LogEntry.objects.filter(coach=coach, date=day)).order_by("start_time", "created_at")
        if day is not None
        else []
    )
    if day is None or not entries:
        messages.error(request, "Choose an earlier day with entries to repeat.")
        return redirect(_week_url(today))
    noun = "entry" if len(entries) == 1 else f"{len(entries)} entries"
    return _repeat(request, coach, entries, f"{day:%A}'s {noun}")


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
