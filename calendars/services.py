"""Writes for calendars: drafting entries from a calendar's events, confirming a draft through the
time log's own rules, discarding one, and the private feed's address."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.http import HttpRequest
from django.utils import timezone

from coaching.models import MAX_ENTRY_MINUTES, ActivityKind, Coach, LogEntry
from coaching.selectors import activity_list, focus_area_list
from coaching.services import EntryValues, entry_log
from teachers.access import districts_visible_to
from teachers.audit import AuditAction, audit_record
from teachers.invitations import token_hash
from teachers.models import School, Teacher, User

from .ics import Occurrence
from .matching import Matcher
from .models import CalendarDraft, CalendarFeed

DEFAULT_IMPORT_DAYS = 14
MAX_IMPORT_DAYS = 366


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def import_window(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The instants an import covers: from the first day's midnight to the last day's end, locally."""
    zone = local_zone()
    return dt.datetime.combine(date_from, dt.time(0), tzinfo=zone), dt.datetime.combine(
        date_to, dt.time(23, 59, 59), tzinfo=zone
    )


@dataclass(frozen=True)
class Skipped:
    date: dt.date
    title: str
    reason: str


@dataclass
class ImportResult:
    drafted: int = 0
    already: int = 0
    skipped: list[Skipped] = field(default_factory=list)


def _skip_reason(event: Occurrence, *, own_email: str, today: dt.date) -> str:
    minutes = (event.end - event.start).total_seconds() / 60
    if event.skip:
        return f"Skipped: {event.skip}."
    if event.cancelled:
        return "Skipped: the event is cancelled."
    if event.all_day:
        return "Skipped: an all-day event (give it a start and end time to import it)."
    if minutes > MAX_ENTRY_MINUTES:
        return "Skipped: longer than 12 hours."
    if minutes < 1:
        return "Skipped: it has no length."
    if any(a.email == own_email and a.declined for a in event.attendees):
        return "Skipped: you declined it."
    if event.start.astimezone(local_zone()).date() > today:
        return "Skipped: it has not happened yet (import it once it has)."
    return ""


def _times(event: Occurrence) -> tuple[dt.date, dt.time | None, dt.time | None, int]:
    """Local date, start and end times (None when the event crosses midnight), and minutes."""
    zone = local_zone()
    start, end = event.start.astimezone(zone), event.end.astimezone(zone)
    start_time, end_time = start.time().replace(second=0, microsecond=0), end.time().replace(second=0, microsecond=0)
    if start.date() == end.date() and end_time > start_time:
        span = (dt.datetime.combine(start.date(), end_time) - dt.datetime.combine(start.date(), start_time)).seconds
        return start.date(), start_time, end_time, span // 60
    return start.date(), None, None, int((event.end - event.start).total_seconds() // 60)


def _matcher(coach: Coach, events: list[Occurrence]) -> Matcher:
    districts = list(districts_visible_to(coach.user))
    emails = {a.email for e in events for a in e.attendees}
    teachers = (
        Teacher.objects.annotate(email_lower=Lower("email"))
        .filter(district__in=districts, active=True, email_lower__in=emails)
        .select_related("school")
    )
    return Matcher(
        districts=districts,
        schools=School.objects.filter(district__in=districts),
        teachers=teachers,
        activities=activity_list(coach=coach),
        focus_areas=focus_area_list(coach=coach),
        own_email=coach.user.email,
    )


@transaction.atomic
def calendar_import(
    *, coach: Coach, events: list[Occurrence], actor: User, request: HttpRequest | None = None
) -> ImportResult:
    """Draft an entry for each event that can be one, matched to districts, schools, teachers,
    activities and focus areas where they can be; events drafted before (same UID and start, even
    if confirmed or discarded since) are counted, never drafted again. Nothing is logged yet."""
    Coach.objects.select_for_update().filter(pk=coach.pk).exists()  # one import at a time per coach
    today = timezone.localdate()
    own_email = coach.user.email.strip().lower()
    result = ImportResult()
    candidates: list[Occurrence] = []
    for event in sorted(events, key=lambda e: e.start):
        reason = _skip_reason(event, own_email=own_email, today=today)
        if reason:
            result.skipped.append(Skipped(event.start.astimezone(local_zone()).date(), event.summary[:200], reason))
        else:
            candidates.append(event)
    known = set(
        CalendarDraft.objects.filter(coach=coach, uid__in={e.uid for e in candidates}).values_list("uid", "starts_at")
    )
    matcher = _matcher(coach, candidates)
    drafts: list[tuple[CalendarDraft, list[Teacher]]] = []
    seen: set[tuple[str, dt.datetime]] = set()
    for event in candidates:
        key = (event.uid, event.start.astimezone(dt.UTC))
        if key in known or key in seen:
            result.already += 1
            continue
        seen.add(key)
        match = matcher.match(
            title=event.summary,
            location=event.location,
            description=event.description,
            attendees=[a.email for a in event.attendees if not a.declined],
        )
        date, start_time, end_time, minutes = _times(event)
        draft = CalendarDraft(
            coach=coach, uid=event.uid, starts_at=event.start, date=date, start_time=start_time, end_time=end_time,
            minutes=minutes, title=event.summary[:200], location=event.location[:200], district=match.district,
            school=match.school, unmatched_emails=match.unmatched_emails[:50], activity=match.activity,
            focus_area=match.focus_area, format=match.format,
        )  # fmt: skip
        drafts.append((draft, match.teachers))
    created = CalendarDraft.objects.bulk_create([d for d, _ in drafts])
    links = [
        CalendarDraft.teachers.through(calendardraft_id=draft.pk, teacher_id=teacher.pk)
        for draft, (_, teachers) in zip(created, drafts, strict=True)
        for teacher in teachers
    ]
    CalendarDraft.teachers.through.objects.bulk_create(links)
    result.drafted = len(created)
    if created:
        audit_record(
            action=AuditAction.IMPORT, actor=actor, request=request, program=coach.program_id,
            object_type="calendar import", object_ref=coach.pk,
            detail=f"{len(created)} draft entries from a calendar file",
        )  # fmt: skip
    return result


def draft_missing(draft: CalendarDraft) -> list[str]:
    """What a draft still needs before it can be confirmed in one click."""
    missing = []
    if draft.district_id is None:
        missing.append("district")
    if draft.activity_id is None:
        missing.append("activity")
    elif draft.focus_area_id is None and draft.activity is not None and draft.activity.kind == ActivityKind.COACHING:
        missing.append("focus area")
    if not 1 <= draft.minutes <= MAX_ENTRY_MINUTES:
        missing.append("minutes (1 to 720)")
    return missing


def draft_entry_values(draft: CalendarDraft) -> EntryValues:
    """The entry a complete draft stands for; ValidationError naming what is missing otherwise."""
    missing = draft_missing(draft)
    if missing or draft.district is None or draft.activity is None:
        raise ValidationError(f"Choose the {', '.join(missing)} first: use “Edit and confirm”.")
    return {
        "date": draft.date,
        "minutes": draft.minutes,
        "district": draft.district,
        "school": draft.school,
        "teachers": list(draft.teachers.all()),
        "activity": draft.activity,
        "focus_area": draft.focus_area,
        "format": draft.format,
        "notes": draft.title,
        "start_time": draft.start_time,
        "end_time": draft.end_time,
    }


@transaction.atomic
def draft_confirm(*, draft: CalendarDraft, values: EntryValues | None = None) -> LogEntry:
    """Log the draft as an entry through `entry_log` (every rule of the time log: contracts, locked
    months, the 16-hour day…), with the draft's values or the ones the coach edited; the draft then
    knows its entry. A draft is confirmed once: a second confirm is refused."""
    locked = CalendarDraft.objects.select_for_update().filter(pk=draft.pk).first()
    if locked is None or not locked.is_pending:
        raise ValidationError("This draft is already confirmed or discarded.")
    entry = entry_log(coach=locked.coach, **(values if values is not None else draft_entry_values(locked)))
    locked.entry = entry
    locked.confirmed_at = timezone.now()
    locked.full_clean()
    locked.save(update_fields=["entry", "confirmed_at"])
    return entry


@transaction.atomic
def draft_discard(*, draft: CalendarDraft) -> None:
    """Set a draft aside: it leaves the list, and importing the event again does not bring it back."""
    updated = CalendarDraft.objects.filter(pk=draft.pk, confirmed_at__isnull=True, discarded_at__isnull=True).update(
        discarded_at=timezone.now()
    )
    if not updated:
        raise ValidationError("This draft is already confirmed or discarded.")


@transaction.atomic
def feed_create(*, coach: Coach, actor: User, request: HttpRequest | None = None) -> str:
    """A new private feed address for the coach (256 random bits; only the hash is kept); any
    earlier address stops working. Returns the token, to be shown once."""
    token = secrets.token_urlsafe(32)
    _, created = CalendarFeed.objects.update_or_create(
        coach=coach, defaults={"token_hash": token_hash(token), "created_at": timezone.now()}
    )
    audit_record(
        action=AuditAction.EXPORT, actor=actor, request=request, program=coach.program_id,
        object_type="calendar feed", object_ref=coach.pk,
        detail="Created a private calendar feed" if created else "Replaced a private calendar feed address",
    )  # fmt: skip
    return token


@transaction.atomic
def feed_delete(*, coach: Coach, actor: User, request: HttpRequest | None = None) -> bool:
    """Turn the coach's feed off: its address stops working. False when there was none."""
    deleted, _ = CalendarFeed.objects.filter(coach=coach).delete()
    if deleted:
        audit_record(
            action=AuditAction.EXPORT, actor=actor, request=request, program=coach.program_id,
            object_type="calendar feed", object_ref=coach.pk, detail="Turned a private calendar feed off",
        )  # fmt: skip
    return bool(deleted)
