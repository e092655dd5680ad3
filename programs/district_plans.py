"""Reads for the districts' coaching plans: the plans of a school year with their priorities and
the progress of each service chosen — services delivered against the plan, counted from the time
log, the cycles and the PD sessions in a fixed number of statements, whatever the data size.

What counts for each service (the same for every page that shows progress):
- one-on-one coaching cycles: cycles started that school year in the district by the program's coaches;
- grade-level team discussions, modeled lessons, co-planning, technical trainings: the program's
  log entries in the district that school year of the built-in activity named in SERVICE_SOURCES
  (one entry is one session, whatever its length);
- large-group professional learning: the program's PD sessions in the district that school year
  held by today (dated today or before).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, IntegerField, Prefetch, QuerySet, Value, When
from django.db.models.functions import ExtractYear

from coaching.access import (
    coaching_plans_visible_to,
    coaching_plans_writable_by,
    contracts_visible_to,
    programs_directed_by,
)
from coaching.models import CoachingPlan, LogEntry, OnboardingItem, PlanPriority, PlanService, ServiceKind
from cycles.models import Cycle
from learning.models import PDSession
from teachers.models import User
from toolkit.schoolyear import school_year_bounds

CYCLES, PD_SESSIONS, ACTIVITY = "cycles", "pd_sessions", "activity"

# Each service kind: where it is counted from, the built-in activity (for log entries), and what
# the page says is counted.
SERVICE_SOURCES: dict[str, tuple[str, str, str]] = {
    ServiceKind.CYCLES: (CYCLES, "", "cycles started this school year"),
    ServiceKind.TEAM_DISCUSSIONS: (ACTIVITY, "Individual or Team Meeting", "entries of Individual or Team Meeting"),
    ServiceKind.GROUP_PD: (PD_SESSIONS, "", "PD sessions held"),
    ServiceKind.MODELED_LESSONS: (ACTIVITY, "Modeling or Co-teaching", "entries of Modeling or Co-teaching"),
    ServiceKind.CO_PLANNING: (ACTIVITY, "Co-Planning", "entries of Co-Planning"),
    ServiceKind.TECHNICAL_TRAINING: (ACTIVITY, "Technical Training", "entries of Technical Training"),
}


@dataclass
class ServiceProgress:
    kind: str
    label: str
    planned: int
    delivered: int
    counts: str

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.delivered / self.planned)) if self.planned else 0

    @property
    def text(self) -> str:
        return f"{self.delivered} of {self.planned}"


@dataclass
class PlanRow:
    plan: CoachingPlan
    services: list[ServiceProgress] = field(default_factory=list)

    @property
    def onboarding_done(self) -> int:
        return sum(1 for item in self.plan.onboarding_items.all() if item.done_at is not None)


Key = tuple[int, int, int]  # (program, district, school year)


def _school_year_expression(date_field: str) -> Any:
    """The school year of a date, in SQL: its calendar year, less one before July."""
    before_july = Case(When(**{f"{date_field}__month__lt": 7}, then=Value(1)), default=Value(0),
                       output_field=IntegerField())  # fmt: skip
    return ExtractYear(date_field) - before_july


def _delivered(plans: list[CoachingPlan], today: dt.date) -> dict[tuple[Key, str], int]:
    """What was delivered under each plan's program, district and year, by service kind: three
    statements (entries, cycles, PD sessions) for any number of plans."""
    if not plans:
        return {}
    programs = {p.program_id for p in plans}
    districts = {p.district_id for p in plans}
    years = {p.school_year for p in plans}
    start, end = school_year_bounds(min(years))[0], school_year_bounds(max(years))[1]
    by_activity = {name: kind for kind, (source, name, _) in SERVICE_SOURCES.items() if source == ACTIVITY}
    found: dict[tuple[Key, str], int] = {}
    entries = (
        LogEntry.objects.filter(program_id__in=programs, district_id__in=districts, school_year__in=years,
                                activity__program__isnull=True, activity__name__in=list(by_activity))
        .values_list("program_id", "district_id", "school_year", "activity__name")
        .annotate(n=Count("id")).order_by()
    )  # fmt: skip
    for program, district, year, name, n in entries:
        found[((program, district, year), by_activity[name])] = n
    cycles = (
        Cycle.objects.filter(coach__program_id__in=programs, district_id__in=districts, started_on__gte=start,
                             started_on__lte=end)
        .annotate(year=_school_year_expression("started_on"))
        .values_list("coach__program_id", "district_id", "year").annotate(n=Count("id")).order_by()
    )  # fmt: skip
    for program, district, year, n in cycles:
        found[((program, district, year), ServiceKind.CYCLES)] = n
    sessions = (
        PDSession.objects.filter(program_id__in=programs, district_id__in=districts, date__gte=start,
                                 date__lte=min(end, today))
        .annotate(year=_school_year_expression("date"))
        .values_list("program_id", "district_id", "year").annotate(n=Count("id")).order_by()
    )  # fmt: skip
    for program, district, year, n in sessions:
        found[((program, district, year), ServiceKind.GROUP_PD)] = n
    return found


def plan_rows_list(*, plans: QuerySet[CoachingPlan], today: dt.date) -> list[PlanRow]:
    """Plans with their priorities, checklist, services and the progress of each service: six
    statements whatever the number of plans, entries, cycles or sessions."""
    loaded = list(
        plans.select_related("program", "district").prefetch_related(
            Prefetch("priorities", PlanPriority.objects.order_by("position", "pk")),
            Prefetch("services", PlanService.objects.order_by("pk")),
            Prefetch("onboarding_items", OnboardingItem.objects.select_related("done_by").order_by("position", "pk")),
        )
    )
    delivered = _delivered(loaded, today)
    labels = dict(ServiceKind.choices)
    order = list(ServiceKind.values)
    rows = []
    for plan in loaded:
        key = (plan.program_id, plan.district_id, plan.school_year)
        services = sorted(plan.services.all(), key=lambda s: order.index(s.kind))
        rows.append(PlanRow(plan=plan, services=[
            ServiceProgress(kind=s.kind, label=labels[s.kind], planned=s.planned,
                            delivered=delivered.get((key, s.kind), 0), counts=SERVICE_SOURCES[s.kind][2])
            for s in services
        ]))  # fmt: skip
    return rows


@dataclass(frozen=True)
class Unplanned:
    """A district a director's program serves in the year, with no plan yet."""

    program_id: int
    program_name: str
    district_id: int
    district_name: str


def unplanned_list(*, user: User, school_year: int) -> list[Unplanned]:
    """Districts served that year by a program this person writes plans for, with no plan yet."""
    writable = coaching_plans_writable_by(user).filter(school_year=school_year)
    planned = set(writable.values_list("program_id", "district_id"))
    contracts = (
        contracts_visible_to(user).filter(school_year=school_year, program__in=programs_directed_by(user))
        .select_related("program", "district").order_by("district__name", "program__name")
    )  # fmt: skip
    return [
        Unplanned(c.program_id, c.program.name, c.district_id, c.district.name)
        for c in contracts
        if (c.program_id, c.district_id) not in planned
    ]


def plan_years_list(*, user: User, current: int) -> list[int]:
    """School years with a plan or a contract this person may see, and the current one, newest first."""
    years = set(coaching_plans_visible_to(user).values_list("school_year", flat=True).distinct())
    years |= set(contracts_visible_to(user).values_list("school_year", flat=True).distinct())
    return sorted(years | {current}, reverse=True)
