"""Reads for group learning: the library's search. (A check-in's results are frozen on the
check-in when it closes: `learning.services.checkin_close`.)"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from coaching.models import FocusArea
from teachers.models import User

from .models import PDSession, Resource

MAX_SEARCH_WORDS = 5


def resource_list(
    *, resources: QuerySet[Resource], q: str = "", kind: str = "", focus_area: FocusArea | None = None,
    grade_band: str = "",
) -> QuerySet[Resource]:  # fmt: skip
    """Narrow an already-scoped library by its filters: every word of `q` (up to five) in the
    title, description or tags; by title."""
    for word in q.split()[:MAX_SEARCH_WORDS]:
        resources = resources.filter(
            Q(title__icontains=word) | Q(description__icontains=word) | Q(tags__icontains=word)
        )
    if kind:
        resources = resources.filter(kind=kind)
    if focus_area:
        resources = resources.filter(focus_area=focus_area)
    if grade_band:
        resources = resources.filter(grade_band=grade_band)
    return resources.select_related("focus_area").order_by("title", "pk")


# A teacher's page lists the shared spaces of their latest sessions.
ATTENDED_LISTED = 10


def pd_sessions_attended_list(*, user: User) -> list[PDSession]:
    """The PD sessions a signed-in teacher attended, newest first: each has a shared space of
    classroom examples for its attendees."""
    return list(PDSession.objects.filter(attendees__user=user).order_by("-date", "-pk")[:ATTENDED_LISTED])
