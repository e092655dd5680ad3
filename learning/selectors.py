"""Reads for group learning: the library's search and the partnership check-ins' summaries."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import TypedDict, cast

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


class CheckInSummary(TypedDict):
    """One coach's check-in answers in aggregate: how many, each principle's average (one
    decimal), and the comments in no particular order."""

    n: int
    principles: list[tuple[str, float]]
    comments: list[str]


def checkin_summary_get(*, checkins: QuerySet[CheckIn]) -> CheckInSummary | None:
    """Averages per principle over the given check-ins' answers (all one coach's), or None below
    five answers, so that no answer can be traced to one teacher."""
    summaries = checkin_summary_by_coach(checkins=checkins)
    coach_id = next(iter({c.coach_id for c in checkins}), None)
    return summaries.get(coach_id) if coach_id is not None else None


def checkin_summary_by_coach(*, checkins: QuerySet[CheckIn]) -> dict[int, CheckInSummary | None]:
    """The same for many coaches at once, in two queries whatever their number: per coach, the
    averages per principle, or None below five answers."""
    responses = CheckInResponse.objects.filter(checkin__in=checkins)
    rows = responses.values("checkin__coach").annotate(n=Count("pk"), **{p: Avg(p) for p in PRINCIPLES})
    results: dict[int, CheckInSummary | None] = {}
    for row in rows:
        coach_id = row["checkin__coach"]
        results[coach_id] = None
        if row["n"] >= MIN_CHECKIN_RESPONSES:
            # The principles' averages (floats: answers are 1 to 5) are annotated by names from a
            # list, which the row's type cannot know.
            averages = cast("Mapping[str, float]", row)
            results[coach_id] = {"n": row["n"], "principles": [(p, round(averages[p], 1)) for p in PRINCIPLES],
                                 "comments": []}  # fmt: skip
    shown = {coach_id: result for coach_id, result in results.items() if result}
    for coach_id, comment in (
        responses.filter(checkin__coach__in=list(shown)).exclude(comment="").values_list("checkin__coach", "comment")
    ):
        shown[coach_id]["comments"].append(comment)
    for result in shown.values():
        random.SystemRandom().shuffle(result["comments"])  # no order that matches the order of answering
    return results
