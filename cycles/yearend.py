"""The end of a school year for a coach's open cycles: each is carried into the next year (it stays
open and nothing of it changes, so its teachers keep everything) or closed with an outcome through
the normal close, with its checks and its stage change.

The decision is the coach's alone. Program directors see the decisions as counts per coach, never a
cycle's title, teachers or goal (`year_end_counts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from coaching.access import coach_for
from coaching.models import Coach, Contract
from teachers.models import Teacher, User
from toolkit.schoolyear import school_year_bounds, school_year_label

from . import services
from .models import Cycle, Stage, YearEndChoice, YearEndDecision


def may_decide_year_end(user: User) -> bool:
    """A coach decides the year end of their own open cycles; nobody else decides for them."""
    return coach_for(user) is not None


def _open_cycles(*, coach: Coach | OuterRef, school_year: int) -> QuerySet[Cycle]:
    """Open cycles of a coach started in the school year or before: the ones a year end decides."""
    _, last_day = school_year_bounds(school_year)
    return Cycle.objects.filter(coach=coach, started_on__lte=last_day).exclude(stage=Stage.CLOSED)


def year_end_cycles(*, coach: Coach, school_year: int) -> QuerySet[Cycle]:
    """The coach's open cycles started in the ending school year or before, oldest first, each
    with its teachers and the decision already recorded for that year (`year_end`, or None)."""
    decided = YearEndDecision.objects.filter(cycle=OuterRef("pk"), school_year=school_year)
    return (
        _open_cycles(coach=coach, school_year=school_year)
        .select_related("school")
        .prefetch_related(Prefetch("teachers", queryset=Teacher.objects.only("id", "first_name", "last_name")))
        .annotate(year_end=Subquery(decided.values("decision")[:1]))
        .order_by("started_on", "pk")
    )


def year_end_undecided_count(*, coach: Coach, school_year: int) -> int:
    """How many of the coach's open cycles have no decision yet for the ending year (one query)."""
    decided = YearEndDecision.objects.filter(cycle=OuterRef("pk"), school_year=school_year)
    return _open_cycles(coach=coach, school_year=school_year).filter(~Exists(decided)).count()


def year_end_started(*, program_id: int, school_year: int) -> bool:
    """Whether the school year after `school_year` is being set up for the program: it has a
    contract in that year (copied by the director's rollover, or set up by hand)."""
    return Contract.objects.filter(program_id=program_id, school_year=school_year + 1).exists()


def year_end_banner_count(*, coach: Coach, school_year: int) -> int:
    """The coach's undecided open cycles once their program's next year has started; 0 before."""
    if not year_end_started(program_id=coach.program_id, school_year=school_year):
        return 0
    return year_end_undecided_count(coach=coach, school_year=school_year)


@dataclass(frozen=True)
class YearEndInput:
    """One row of the coach's year-end form. `decision` is "" (decide later), carried or closed."""

    cycle: Cycle
    decision: str
    outcome: str = ""
    goal_met: bool | None = None
    closing_note: str = ""
    version: int | None = None


class YearEndRowError(ValidationError):
    """A decision that could not be recorded; `cycle` says which row it belongs to."""

    def __init__(self, cycle: Cycle, error: ValidationError) -> None:
        super().__init__(error.error_dict if hasattr(error, "error_dict") else error.messages)
        self.cycle = cycle


@dataclass(frozen=True)
class YearEndResult:
    carried: int
    closed: int
    undone: int


@transaction.atomic
def year_end_decide(*, coach: Coach, school_year: int, rows: list[YearEndInput], by: User) -> YearEndResult:
    """Record the coach's decisions for the ending year, all or nothing: a carried cycle is
    remembered as carried (and stays as it is); a closed one goes through `services.cycle_move`
    to Closed with its outcome; "decide later" on a cycle carried earlier takes the carry back.
    A cycle that is not one of the coach's open cycles of that year is refused (PermissionDenied)."""
    own = set(_open_cycles(coach=coach, school_year=school_year).values_list("pk", flat=True))
    if any(row.cycle.pk not in own for row in rows):
        raise PermissionDenied("A coach decides for their own open cycles only.")
    reason = f"Closed at the end of the {school_year_label(school_year)} school year."
    now = timezone.now()
    later = [row.cycle.pk for row in rows if row.decision == ""]
    undone = YearEndDecision.objects.filter(
        cycle__in=later, school_year=school_year, decision=YearEndChoice.CARRIED
    ).delete()[0] if later else 0  # fmt: skip
    decided: list[YearEndDecision] = []
    for row in rows:
        if row.decision == "":
            continue
        if row.decision == YearEndChoice.CLOSED:
            try:
                # A copy of the row: a later row's failure rolls the close back, and the page then
                # still shows the cycle as it is.
                services.cycle_move(
                    cycle=Cycle.objects.get(pk=row.cycle.pk), to_stage=Stage.CLOSED, by=by, reason=reason,
                    outcome=row.outcome, goal_met=row.goal_met, closing_note=row.closing_note,
                    expected_version=row.version,
                )  # fmt: skip
            except ValidationError as exc:
                raise YearEndRowError(row.cycle, exc) from exc
        elif row.decision != YearEndChoice.CARRIED:
            raise YearEndRowError(row.cycle, ValidationError({"decision": "Choose carry over or close."}))
        decided.append(YearEndDecision(cycle=row.cycle, school_year=school_year, decision=row.decision,
                                       decided_at=now, decided_by=by))  # fmt: skip
    # One statement for every decision, a carry recorded again replacing the earlier one.
    YearEndDecision.objects.bulk_create(
        decided, update_conflicts=True, unique_fields=["cycle", "school_year"],
        update_fields=["decision", "decided_at", "decided_by"],
    )  # fmt: skip
    carried = sum(1 for d in decided if d.decision == YearEndChoice.CARRIED)
    closed = len(decided) - carried
    return YearEndResult(carried=carried, closed=closed, undone=undone)


# ---------------------------------------------------------------------------- counts for directors


def _count(queryset: QuerySet[Any]) -> Coalesce:
    value = queryset.order_by().annotate(_n=Count("pk")).values("_n")
    return Coalesce(Subquery(value, output_field=IntegerField()), Value(0))


def year_end_counts(*, coaches: QuerySet[Coach], school_year: int) -> QuerySet[Any, dict[str, Any]]:
    """Each coach's year-end as counts, never a cycle: open cycles started in the ending year or
    before, how many were carried over and closed at year end, and how many open ones are still to
    decide. Coaches who are inactive and have nothing to count are left out. One query."""
    coach = OuterRef("pk")
    open_cycles = _open_cycles(coach=coach, school_year=school_year)
    decisions = YearEndDecision.objects.filter(cycle__coach=coach, school_year=school_year)
    decided = YearEndDecision.objects.filter(cycle=OuterRef("pk"), school_year=school_year)
    # Grouping by the coach inside each subquery gives one count per coach (a correlated COUNT).
    rows = (
        coaches.annotate(
            open_count=_count(open_cycles.values("coach")),
            carried=_count(decisions.filter(decision=YearEndChoice.CARRIED).values("cycle__coach")),
            closed=_count(decisions.filter(decision=YearEndChoice.CLOSED).values("cycle__coach")),
            undecided=_count(open_cycles.filter(~Exists(decided)).values("coach")),
        )
        .filter(Q(active=True) | Q(open_count__gt=0) | Q(carried__gt=0) | Q(closed__gt=0))
        .order_by("user__last_name", "user__first_name", "pk")
        .values(
            "pk",
            "user__first_name",
            "user__last_name",
            "user__username",
            "open_count",
            "carried",
            "closed",
            "undecided",
        )
    )
    return cast("QuerySet[Any, dict[str, Any]]", rows)  # the stubs type the rows as a TypedDict


@dataclass(frozen=True)
class YearEndCountsRow:
    """One coach's year-end decisions as counts: nothing in it names a cycle or a teacher."""

    coach: str
    active: int
    carried: int
    closed: int
    undecided: int


def year_end_counts_row(values: dict[str, Any]) -> YearEndCountsRow:
    name = f"{values['user__first_name']} {values['user__last_name']}".strip() or values["user__username"]
    return YearEndCountsRow(coach=name, active=values["open_count"], carried=values["carried"], closed=values["closed"],
                            undecided=values["undecided"])  # fmt: skip
