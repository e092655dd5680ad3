"""Reads for group learning: the library's search and the partnership check-ins' summaries."""

from __future__ import annotations

import random
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet

from coaching.models import FocusArea

from .models import MIN_CHECKIN_RESPONSES, PRINCIPLES, CheckIn, CheckInResponse, Resource

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


def checkin_summary_get(*, checkins: QuerySet[CheckIn]) -> dict[str, Any] | None:
    """Averages per principle over the given check-ins' answers (all one coach's), or None below
    five answers, so that no answer can be traced to one teacher."""
    return checkin_summary_by_coach(checkins=checkins).get(next(iter({c.coach_id for c in checkins}), None))


def checkin_summary_by_coach(*, checkins: QuerySet[CheckIn]) -> dict[int, dict[str, Any] | None]:
    """The same for many coaches at once, in two queries whatever their number: per coach, the
    averages per principle, or None below five answers."""
    responses = CheckInResponse.objects.filter(checkin__in=checkins)
    rows = responses.values("checkin__coach").annotate(n=Count("pk"), **{p: Avg(p) for p in PRINCIPLES})
    results: dict[int, dict[str, Any] | None] = {}
    for row in rows:
        coach_id = row["checkin__coach"]
        results[coach_id] = None
        if row["n"] >= MIN_CHECKIN_RESPONSES:
            results[coach_id] = {"n": row["n"], "principles": [(p, round(row[p], 1)) for p in PRINCIPLES],
                                 "comments": []}  # fmt: skip
    shown = [coach_id for coach_id, result in results.items() if result]
    for coach_id, comment in (
        responses.filter(checkin__coach__in=shown).exclude(comment="").values_list("checkin__coach", "comment")
    ):
        results[coach_id]["comments"].append(comment)  # type: ignore[index]
    for result in results.values():
        if result:
            random.SystemRandom().shuffle(result["comments"])  # no order that matches the order of answering
    return results
