"""Calendar pages: import an .ics into drafts, confirm or discard drafts, and the private feed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from coaching.access import coach_required
from coaching.forms import LogEntryForm
from coaching.models import Coach
from coaching.services import EntryValues
from teachers.access import Request
from toolkit.ratelimit import Limit, by_address, rate_limited

from . import ics, selectors, services
from .access import coach_for_feed_token, get_draft_for
from .forms import CalendarImportForm
from .models import CalendarDraft, CalendarFeed


def _by_feed(request: HttpRequest) -> list[str]:
    """The feed address itself (its token is in the path), from wherever it is read."""
    return [f"path:{request.path}"]


# A feed is polled by calendar apps. Two limits: per client address, wide (a school's network or a
# calendar service polls many coaches' feeds from one address, and guessing tokens from one place
# is still stopped), and per feed, narrow (one leaked address cannot be hammered from many places).
FEED_BY_ADDRESS = Limit("calendar_feed_address", by_address, methods=("GET", "HEAD"))
FEED_BY_TOKEN = Limit("calendar_feed", _by_feed, methods=("GET", "HEAD"))


@coach_required
@never_cache
@require_http_methods(["GET", "POST"])
def calendar_import(request: Request, coach: Coach) -> HttpResponse:
    result = None
    if request.method == "POST":
        form = CalendarImportForm(request.POST, request.FILES)
        if form.is_valid():
            result = _import(request, coach, form)
    else:
        form = CalendarImportForm()
    return render(request, "calendars/import.html", {"form": form, "result": result})


def _import(request: Request, coach: Coach, form: CalendarImportForm) -> services.ImportResult | None:
    """Read the checked file and draft its events; a file that cannot be read drafts nothing."""
    try:
        text = form.data_bytes.decode("utf-8")
        calendar = ics.parse(text)
    except UnicodeDecodeError:
        form.add_error("file", "The file is not UTF-8 text: export it again from your calendar.")
        return None
    except ics.IcsError as exc:
        form.add_error("file", f"Nothing was imported: {exc}")
        return None
    window = services.import_window(form.cleaned_data["date_from"], form.cleaned_data["date_to"])
    events = ics.occurrences(calendar, local=services.local_zone(), window=window)
    return services.calendar_import(coach=coach, events=events, actor=request.user, request=request)


def _drafts_page(request: Request, coach: Coach, errors: dict[int, list[str]] | None = None) -> HttpResponse:
    drafts = list(selectors.draft_list(coach=coach))
    rows = [(draft, services.draft_missing(draft), (errors or {}).get(draft.pk, [])) for draft in drafts]
    return render(request, "calendars/drafts.html", {"rows": rows})


@coach_required
@never_cache
@require_safe
def draft_list(request: Request, coach: Coach) -> HttpResponse:
    return _drafts_page(request, coach)


@coach_required
@never_cache
@require_POST
def draft_confirm(request: Request, coach: Coach, pk: int) -> HttpResponse:
    draft = get_draft_for(request.user, pk)
    try:
        entry = services.draft_confirm(draft=draft)
    except ValidationError as exc:
        return _drafts_page(request, coach, errors={draft.pk: exc.messages})
    messages.success(
        request, f"Logged {entry.minutes} minutes of {entry.activity} on {entry.date:%a %b} {entry.date.day}."
    )
    return redirect("calendars:drafts")


def _draft_initial(draft: CalendarDraft) -> dict[str, Any]:
    return {
        "date": min(draft.date, timezone.localdate()),
        "minutes": draft.minutes,
        "start_time": draft.start_time,
        "end_time": draft.end_time,
        "district": draft.district_id,
        "school": draft.school_id,
        "teachers": [t.pk for t in draft.teachers.all()],
        "activity": draft.activity_id,
        "focus_area": draft.focus_area_id,
        "format": draft.format,
        "notes": draft.title,
    }


@coach_required
@never_cache
@require_http_methods(["GET", "POST"])
def draft_edit(request: Request, coach: Coach, pk: int) -> HttpResponse:
    """The time log's own form, filled in from the draft; saving it confirms the draft."""
    draft = get_draft_for(request.user, pk)
    if request.method == "POST":
        form = LogEntryForm(request.POST, coach=coach, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            values: EntryValues = {
                "date": data["date"], "minutes": data["minutes"], "district": data["district"],
                "school": data["school"], "teachers": data["teachers"] or [], "activity": data["activity"],
                "focus_area": data["focus_area"], "format": data["format"], "notes": data["notes"] or "",
                "start_time": data["start_time"], "end_time": data["end_time"],
            }  # fmt: skip
            try:
                entry = services.draft_confirm(draft=draft, values=values)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    f"Logged {entry.minutes} minutes of {entry.activity} on {entry.date:%a %b} {entry.date.day}.",
                )
                return redirect("calendars:drafts")
    else:
        form = LogEntryForm(initial=_draft_initial(draft), coach=coach, user=request.user)
    return render(request, "calendars/draft_edit.html", {"form": form, "draft": draft})


@coach_required
@never_cache
@require_POST
def draft_discard(request: Request, coach: Coach, pk: int) -> HttpResponse:
    draft = get_draft_for(request.user, pk)
    try:
        services.draft_discard(draft=draft)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"Discarded “{draft.title or 'the event'}”; importing it again will not bring it back."
        )
    return redirect("calendars:drafts")


@coach_required
@never_cache
@require_http_methods(["GET", "POST"])
def feed_settings(request: Request, coach: Coach) -> HttpResponse:
    """Create, replace or turn off the private feed; a new address is shown once, here."""
    address = ""
    if request.method == "POST":
        if request.POST.get("action") == "off":
            if services.feed_delete(coach=coach, actor=request.user, request=request):
                messages.success(request, "Your calendar feed is off; its address no longer works.")
            return redirect("calendars:feed_settings")
        token = services.feed_create(coach=coach, actor=request.user, request=request)
        address = request.build_absolute_uri(reverse("calendars:feed", args=[token]))
    feed = CalendarFeed.objects.filter(coach=coach).first()
    context = {"feed": feed, "address": address, "webcal": address.replace("https://", "webcal://", 1)
               .replace("http://", "webcal://", 1), "days_back": selectors.FEED_DAYS_BACK,
               "days_ahead": selectors.FEED_DAYS_AHEAD}  # fmt: skip
    return render(request, "calendars/feed.html", context)


@rate_limited(FEED_BY_ADDRESS)
@rate_limited(FEED_BY_TOKEN)
@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed: public to whoever holds the address (a capability URL), 404 for a replaced
    or unknown one, or once the coach is no longer active."""
    coach = coach_for_feed_token(token)
    now = timezone.now()
    events = selectors.feed_event_list(coach=coach, today=timezone.localdate())
    body = ics.calendar_write(events, name=f"Fulcrum · {coach.user.get_full_name() or 'coaching'}", stamp=now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    # Calendar apps poll: a private cache for five minutes is allowed (never a shared one).
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
