"""Writes for coaching. Every business rule on a log entry is checked here, once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NotRequired, TypedDict

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Sum
from django.utils import timezone

from teachers.models import District, School, Teacher
from toolkit.models import model_update
from toolkit.schoolyear import school_year_label, school_year_of

from .access import contracts_served_by
from .coaching_plans import priority_check
from .models import (
    MAX_DAY_MINUTES,
    Activity,
    ActivityKind,
    Coach,
    FocusArea,
    LogEntry,
    PlanPriority,
    Program,
    StandardsDomain,
)
from .months import month_lock_check
from .selectors import activity_list, focus_area_list


def domains_tag(*, obj: models.Model, program: Program, domains: Iterable[StandardsDomain] | None) -> bool:
    """Tag a cycle, goal, PD session or resource (`obj`, with a `domains` relation) with the
    standards' domains, replacing its tags. Only while the program has the standards lens on: when
    it is off, posted tags are ignored and the tags already given are kept. Returns whether it
    tagged. `None` means the form did not offer the tags: nothing changes."""
    if domains is None or not program.standards_lens:
        return False
    getattr(obj, "domains").set(list(domains))  # noqa: B009 - each tagged model names the relation "domains"
    return True


def _validate_entry(
    *,
    coach: Coach,
    date: dt.date,
    minutes: int,
    district: District,
    school: School | None,
    teachers: Iterable[Teacher],
    activity: Activity,
    focus_area: FocusArea | None,
    priority: PlanPriority | None = None,
    exclude_pk: int | None = None,
) -> None:
    """Raise ValidationError (keyed by field) if the entry breaks a business rule."""
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if date > today:
        errors.setdefault("date", []).append("The date cannot be in the future.")
    year = school_year_of(date)
    if not contracts_served_by(coach).filter(district=district, school_year=year).exists():
        errors.setdefault("district", []).append(
            f"{district} is not on one of your contracts for the {school_year_label(year)} school year."
        )
    if school is not None and school.district_id != district.pk:
        errors.setdefault("school", []).append(f"{school} is not a school of {district}.")
    outsiders = [t.full_name for t in teachers if t.district_id != district.pk]
    if outsiders:
        errors.setdefault("teachers", []).append(f"Not on the {district} roster: {', '.join(outsiders)}.")
    if not activity_list(coach=coach).filter(pk=activity.pk).exists():
        errors.setdefault("activity", []).append("Choose an activity from the list.")
    if focus_area is not None and not focus_area_list(coach=coach).filter(pk=focus_area.pk).exists():
        errors.setdefault("focus_area", []).append("Choose a focus area from the list.")
    if focus_area is None and activity.kind == ActivityKind.COACHING:
        errors.setdefault("focus_area", []).append("Choose what this coaching time was about.")
    try:
        priority_check(priority=priority, program_id=coach.program_id, district_id=district.pk, school_year=year)
    except ValidationError as exc:
        errors.setdefault("priority", []).extend(exc.messages)
    others = LogEntry.objects.filter(coach=coach, date=date)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    day_total = (others.aggregate(total=Sum("minutes"))["total"] or 0) + minutes
    if day_total > MAX_DAY_MINUTES:
        logged = day_total - minutes
        errors.setdefault("minutes", []).append(
            f"That makes {day_total / 60:.1f} hours on {date:%b} {date.day}; a day cannot exceed "
            f"{MAX_DAY_MINUTES // 60} hours ({logged / 60:.1f} hours are already logged)."
        )
    if errors:
        raise ValidationError(errors)


class EntryValues(TypedDict):
    """What is said of an entry when it is logged or changed: the keyword arguments of `entry_log`
    (besides its coach) and of `entry_update` (besides the entry), for a caller to pass on whole."""

    date: dt.date
    minutes: int
    district: District
    activity: Activity
    focus_area: NotRequired[FocusArea | None]
    school: NotRequired[School | None]
    teachers: NotRequired[Iterable[Teacher]]
    format: NotRequired[str]
    notes: NotRequired[str]
    start_time: NotRequired[dt.time | None]
    end_time: NotRequired[dt.time | None]
    priority: NotRequired[PlanPriority | None]


# What an entry's form may change (its coach and program never change).
ENTRY_FIELDS = ("date", "school_year", "minutes", "district", "school", "activity", "focus_area", "format", "notes",
                "start_time", "end_time", "teachers", "priority")  # fmt: skip


@transaction.atomic
def entry_log(
    *,
    coach: Coach,
    date: dt.date,
    minutes: int,
    district: District,
    activity: Activity,
    focus_area: FocusArea | None = None,
    school: School | None = None,
    teachers: Iterable[Teacher] = (),
    format: str = "in_person",
    notes: str = "",
    start_time: dt.time | None = None,
    end_time: dt.time | None = None,
    priority: PlanPriority | None = None,
) -> LogEntry:
    """Record a block of a coach's time after checking every rule (its month must not be submitted or
    approved); returns the saved entry."""
    teachers = list(teachers)
    # Lock the coach row so two quick saves cannot both pass the 16-hour day check.
    Coach.objects.select_for_update().filter(pk=coach.pk).exists()
    month_lock_check(coach=coach, dates=[date])
    _validate_entry(
        coach=coach,
        date=date,
        minutes=minutes,
        district=district,
        school=school,
        teachers=teachers,
        activity=activity,
        focus_area=focus_area,
        priority=priority,
    )
    entry = LogEntry(
        coach=coach,
        program_id=coach.program_id,
        date=date,
        school_year=school_year_of(date),
        minutes=minutes,
        district=district,
        school=school,
        activity=activity,
        focus_area=focus_area,
        format=format,
        notes=notes,
        start_time=start_time,
        end_time=end_time,
        priority=priority,
    )
    entry.full_clean()
    entry.save()
    entry.teachers.set(teachers)
    return entry


@transaction.atomic
def entry_update(
    *,
    entry: LogEntry,
    date: dt.date,
    minutes: int,
    district: District,
    activity: Activity,
    focus_area: FocusArea | None = None,
    school: School | None = None,
    teachers: Iterable[Teacher] = (),
    format: str = "in_person",
    notes: str = "",
    start_time: dt.time | None = None,
    end_time: dt.time | None = None,
    priority: PlanPriority | None = None,
) -> LogEntry:
    """Change an entry under the same rules as logging it (and only in months still open or returned)."""
    teachers = list(teachers)
    Coach.objects.select_for_update().filter(pk=entry.coach_id).exists()
    # Neither the month the entry is in nor the one it would move to may be submitted or approved.
    month_lock_check(coach=entry.coach, dates=[entry.date, date])
    _validate_entry(
        coach=entry.coach,
        date=date,
        minutes=minutes,
        district=district,
        school=school,
        teachers=teachers,
        activity=activity,
        focus_area=focus_area,
        priority=priority,
        exclude_pk=entry.pk,
    )
    data = {"date": date, "school_year": school_year_of(date), "minutes": minutes, "district": district,
            "school": school, "activity": activity, "focus_area": focus_area, "format": format, "notes": notes,
            "start_time": start_time, "end_time": end_time, "teachers": teachers,
            "priority": priority}  # fmt: skip
    entry, _ = model_update(instance=entry, fields=ENTRY_FIELDS, data=data)
    return entry


@transaction.atomic
def entry_delete(*, entry: LogEntry) -> None:
    """Remove an entry and its teacher links, unless its month is submitted or approved."""
    Coach.objects.select_for_update().filter(pk=entry.coach_id).exists()
    month_lock_check(coach=entry.coach, dates=[entry.date])
    entry.delete()


@transaction.atomic
def entries_repeat(*, coach: Coach, entries: Iterable[LogEntry], date: dt.date) -> list[LogEntry]:
    """Log each of the coach's `entries` again on `date` (same minutes, times, district, school,
    teachers, activity, focus area and format; no notes), each under `entry_log`'s rules: all of
    them or, if any breaks a rule, none, the ValidationError listing every problem."""
    entries = list(entries)
    if any(entry.coach_id != coach.pk for entry in entries):
        raise ValueError("Only a coach's own entries are repeated.")
    month_lock_check(coach=coach, dates=[date])
    created: list[LogEntry] = []
    problems: list[str] = []
    for entry in entries:
        try:
            created.append(
                entry_log(
                    coach=coach,
                    date=date,
                    minutes=entry.minutes,
                    district=entry.district,
                    activity=entry.activity,
                    focus_area=entry.focus_area,
                    school=entry.school,
                    teachers=entry.teachers.all(),
                    format=entry.format,
                    start_time=entry.start_time,
                    end_time=entry.end_time,
                )
            )
        except ValidationError as exc:  # entry_log's own savepoint is rolled back; go on to list them all
            label = f"{entry.activity} ({entry.minutes} min, {entry.district})"
            problems += [f"{label}: {message}" for message in exc.messages if f"{label}: {message}" not in problems]
    if problems:
        raise ValidationError(problems)  # leaves the outer transaction: nothing of the day is kept
    return created
