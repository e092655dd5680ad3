"""Reads for calendars: a coach's waiting drafts, and what their private feed lists."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db.models import Prefetch, QuerySet

from coaching.models import Coach
from cycles.models import Cycle, LearnMode, Stage
from learning.models import PDSession
from teachers.models import School, Teacher

from .ics import FeedEvent
from .models import CalendarDraft
from .services import local_zone

FEED_DAYS_BACK = 30
FEED_DAYS_AHEAD = 180
MODELED_LESSON_DESCRIPTION = (
    "A modeled lesson in a teacher's classroom (an Impact Cycle's Learn stage). Details in Fulcrum."
)


def draft_list(*, coach: Coach) -> QuerySet[CalendarDraft]:
    """The coach's drafts still waiting, oldest first, with what each matched."""
    return (
        CalendarDraft.objects.filter(coach=coach, confirmed_at__isnull=True, discarded_at__isnull=True)
        .select_related("district", "school", "activity", "focus_area")
        .prefetch_related(Prefetch("teachers", queryset=Teacher.objects.order_by("last_name", "first_name")))
    )


def _uid(kind: str, public_id: object) -> str:
    # Stable per event, and reveals no Fulcrum id: the feed leaves the building.
    return f"{kind}-{hashlib.sha256(f'{kind}:{public_id}'.encode()).hexdigest()[:32]}@fulcrum"


def feed_event_list(*, coach: Coach, today: dt.date) -> list[FeedEvent]:
    """The coach's feed, from 30 days ago to 180 days ahead: the PD sessions they facilitate (title,
    time, schools or district) and the modeled lessons their cycles have scheduled. A modeled lesson
    says only "Modeled lesson" and the school, all day on its date: never a teacher's name, nor the
    cycle's title or goal. (Sign-ups and attendance are teachers', so a coach's sessions are the ones
    they facilitate.)"""
    first, last = today - dt.timedelta(days=FEED_DAYS_BACK), today + dt.timedelta(days=FEED_DAYS_AHEAD)
    zone = local_zone()
    events: list[FeedEvent] = []
    sessions = (
        PDSession.objects.filter(facilitator=coach, date__range=(first, last))
        .select_related("district")
        .prefetch_related(Prefetch("schools", queryset=School.objects.order_by("name")))
        .order_by("date", "start_time")
    )
    for session in sessions:
        start = dt.datetime.combine(session.date, session.start_time, tzinfo=zone)
        schools = ", ".join(s.name for s in session.schools.all())
        description = f"PD session you facilitate · {session.district.name}"
        if session.audience:
            description += f" · {session.audience}"
        events.append(
            FeedEvent(
                uid=_uid("pd", session.public_id),
                summary=session.title,
                location=schools or session.district.name,
                description=description,
                start=start,
                end=start + dt.timedelta(minutes=session.minutes),
            )
        )
    cycles = (
        Cycle.objects.filter(coach=coach, learn_mode=LearnMode.COACH_MODELS, learn_date__range=(first, last))
        .exclude(stage=Stage.CLOSED)
        .select_related("school")
        .only("public_id", "learn_date", "school__name")
        .order_by("learn_date", "pk")
    )
    for cycle in cycles:
        if cycle.learn_date is None:  # filtered on its range; for the type checker
            continue
        events.append(
            FeedEvent(
                uid=_uid("modeled-lesson", cycle.public_id),
                summary=f"Modeled lesson · {cycle.school.name}",
                location=cycle.school.name,
                description=MODELED_LESSON_DESCRIPTION,
                start=cycle.learn_date,
                end=cycle.learn_date + dt.timedelta(days=1),
            )
        )
    return sorted(events, key=lambda e: (_day(e.start), e.uid))


def _day(value: dt.datetime | dt.date) -> dt.date:
    return value.astimezone(local_zone()).date() if isinstance(value, dt.datetime) else value
