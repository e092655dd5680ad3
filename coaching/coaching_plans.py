"""Writes for the district's coaching plan (priorities, services, onboarding checklist, the
director's site visits and check-ins), and the one rule every record naming a priority obeys: the
priority belongs to the plan of that record's program, district and school year."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from teachers.audit import AuditAction, audit_record
from teachers.models import District, User
from toolkit.schoolyear import school_year_label

from .models import CoachingPlan, OnboardingItem, PlanPriority, PlanService, Program, ServiceKind, SiteVisit

# Written into every new plan's onboarding checklist; the director edits, adds and removes items.
DEFAULT_ONBOARDING = (
    "Kick-off call held with the district's leaders",
    "Priorities and services agreed",
    "Coach introduced to the building principals",
    "Coach's accounts and building access set up",
    "Bell schedules and school calendar shared with the coach",
    "Teachers told how to ask for coaching",
    "First coaching conversations scheduled",
)

PRIORITY_ELSEWHERE = "Choose a priority of the coaching plan of this district for this school year."


def priority_check(
    *, priority: PlanPriority | None, program_id: int, district_id: int, school_year: int, field: str = "priority"
) -> None:
    """Refuse (a ValidationError on `field`) a priority that is not one of the plan of this
    program, district and school year. Every service that saves a priority calls it."""
    if priority is None:
        return
    plan = CoachingPlan.objects.filter(pk=priority.plan_id).values("program_id", "district_id", "school_year").first()
    if plan != {"program_id": program_id, "district_id": district_id, "school_year": school_year}:
        raise ValidationError({field: PRIORITY_ELSEWHERE})


@transaction.atomic
def coaching_plan_create(
    *, program: Program, district: District, school_year: int, by: User, request: HttpRequest | None = None
) -> CoachingPlan:
    """Start a district's plan for a school year, with the default onboarding checklist. The
    program must serve the district that year (a contract)."""
    if not program.contracts.filter(district=district, school_year=school_year).exists():
        raise ValidationError(
            {"district": f"{program} has no contract with {district} for {school_year_label(school_year)}."}
        )
    if CoachingPlan.objects.filter(program=program, district=district, school_year=school_year).exists():
        raise ValidationError({"district": f"{district} already has a plan for {school_year_label(school_year)}."})
    plan = CoachingPlan(program=program, district=district, school_year=school_year)
    plan.full_clean()
    plan.save()
    OnboardingItem.objects.bulk_create(
        [OnboardingItem(plan=plan, text=text, position=i) for i, text in enumerate(DEFAULT_ONBOARDING)]
    )
    _audit(plan, by, request, "started the coaching plan")
    return plan


@dataclass(frozen=True)
class PriorityValues:
    """A priority as typed on the plan's form: `pk` None for a new one, `delete` to take it out."""

    pk: int | None
    title: str
    description: str
    delete: bool = False


@dataclass(frozen=True)
class ItemValues:
    pk: int | None
    text: str
    delete: bool = False


@transaction.atomic
def coaching_plan_save(
    *,
    plan: CoachingPlan,
    kickoff_on: dt.date | None,
    notes: str,
    priorities: list[PriorityValues],
    services: dict[str, int | None],
    items: list[ItemValues],
    by: User,
    request: HttpRequest | None = None,
) -> CoachingPlan:
    """Write a plan whole: its kick-off date and notes, its priorities in the order given, the
    planned number of each service (None or 0 leaves a service out) and its checklist's items
    (ticks stay with their items). A priority or item not given (or given with `delete`, or
    left empty) is taken out; a taken-out priority leaves the entries, cycles and sessions that
    named it without one."""
    titles = [p.title.strip().casefold() for p in priorities if not p.delete and p.title.strip()]
    if len(titles) != len(set(titles)):
        raise ValidationError({"priorities": "Two priorities have the same title."})
    unknown = set(services) - set(ServiceKind.values)
    if unknown:
        raise ValidationError({"services": f"Unknown services: {', '.join(sorted(unknown))}."})
    plan.kickoff_on, plan.notes = kickoff_on, notes.strip()
    plan.full_clean()
    plan.save()
    _priorities_write(plan, priorities)
    for kind, planned in services.items():
        if not planned:
            PlanService.objects.filter(plan=plan, kind=kind).delete()
        else:
            PlanService.objects.update_or_create(plan=plan, kind=kind, defaults={"planned": planned})
    _items_write(plan, items)
    _audit(plan, by, request, "changed the coaching plan")
    return plan


def _priorities_write(plan: CoachingPlan, priorities: list[PriorityValues]) -> None:
    mine = {p.pk: p for p in plan.priorities.all()}
    kept = [p for p in priorities if not p.delete and p.title.strip()]
    PlanPriority.objects.filter(pk__in=set(mine) - {p.pk for p in kept}).delete()
    # Titles are unique per plan: park the kept rows' titles first so a swap of two titles saves.
    for values in kept:
        if values.pk in mine:
            PlanPriority.objects.filter(pk=values.pk).update(title=f"~{values.pk}~")
    for position, values in enumerate(kept):
        row = mine.get(values.pk) if values.pk is not None else None
        row = row or PlanPriority(plan=plan)
        row.title, row.description, row.position = values.title.strip(), values.description.strip(), position
        row.full_clean(validate_unique=False)
        row.save()


def _items_write(plan: CoachingPlan, items: list[ItemValues]) -> None:
    mine = {i.pk: i for i in plan.onboarding_items.all()}
    kept = [i for i in items if not i.delete and i.text.strip()]
    OnboardingItem.objects.filter(pk__in=set(mine) - {i.pk for i in kept}).delete()
    for position, values in enumerate(kept):
        row = mine.get(values.pk) if values.pk is not None else None
        row = row or OnboardingItem(plan=plan)
        row.text, row.position = values.text.strip(), position
        row.full_clean()
        row.save()


@transaction.atomic
def onboarding_item_tick(*, item: OnboardingItem, done: bool, by: User) -> OnboardingItem:
    """Tick a checklist item (who and when are kept) or untick it (both are cleared)."""
    if done and item.done_at is None:
        item.done_at, item.done_by = timezone.now(), by
    elif not done:
        item.done_at, item.done_by = None, None
    item.save(update_fields=["done_at", "done_by"])
    return item


@transaction.atomic
def site_visit_record(
    *, plan: CoachingPlan, kind: str, date: dt.date, notes: str, by: User, request: HttpRequest | None = None
) -> SiteVisit:
    """Record a director's site visit or check-in. Audited with the program only: the district's
    administrators read their district's audit events, and these visits are the directors'."""
    visit = SiteVisit(plan=plan, kind=kind, date=date, notes=notes.strip(), recorded_by=by)
    visit.full_clean()
    visit.save()
    audit_record(action=AuditAction.SETUP_CHANGE, actor=by, request=request, program=plan.program_id,
                 object_type="site visit", object_ref=visit.pk, detail="recorded a site visit or check-in")  # fmt: skip
    return visit


def _audit(plan: CoachingPlan, by: User, request: HttpRequest | None, what: str) -> None:
    audit_record(action=AuditAction.SETUP_CHANGE, actor=by, request=request, program=plan.program_id,
                 district=plan.district_id, object_type="coaching plan", object_ref=plan.pk,
                 detail=f"{what} {plan}")  # fmt: skip
