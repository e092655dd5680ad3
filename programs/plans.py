"""The agreed time plans of a program: selectors for the plan pages, and the one write (a plan
with its lines, created or replaced whole), audited as a set-up change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest

from coaching.models import Activity, Coach, Program
from reports.models import TimePlan, TimePlanLine
from reports.plans import EVERYTHING_ELSE
from reports.services import snapshots_refresh_for_plan
from teachers.audit import AuditAction, audit_record
from teachers.models import District, User


def plan_activities_list(*, program: Program, keep: set[int] | None = None) -> list[Activity]:
    """Activities a plan's lines may name: the built-in ones and the program's own, active (and
    any the plan names already, retired since)."""
    condition = Q(program__isnull=True) | Q(program=program)
    active = Q(active=True) | Q(pk__in=keep or set())
    return list(Activity.objects.filter(condition, active).order_by("kind", "balance", "position", "name"))


def plans_with_lines(plans: QuerySet[TimePlan]) -> QuerySet[TimePlan]:
    """Plans with their scope's names and their lines' activities, in three statements."""
    lines = TimePlanLine.objects.prefetch_related(Prefetch("activities", Activity.objects.order_by("name")))
    return plans.select_related("district", "coach__user", "program").prefetch_related(
        Prefetch("lines", lines.order_by("position", "pk"))
    )


def plan_series_list(*, plans: list[TimePlan], today: dt.date) -> list[dict[str, Any]]:
    """Plans grouped by what they are for (the program, a district, a coach), the newest first,
    each marked in force, planned (starts later) or past."""
    series: dict[tuple[int, int | None, int | None], list[TimePlan]] = {}
    for plan in sorted(plans, key=lambda p: p.starts_on, reverse=True):
        series.setdefault((plan.program_id, plan.district_id, plan.coach_id), []).append(plan)
    month = today.replace(day=1)
    rows = []
    for key, found in series.items():
        current = next((p for p in found if p.starts_on <= month), None)
        first = found[0]
        rows.append({
            "label": first.scope_label, "program": first.program,
            "order": (key[1] is not None, key[2] is not None, first.scope_label),
            "plans": [{"plan": p, "status": _status(p, current, month), "rest": _rest(p)} for p in found],
        })  # fmt: skip
    return sorted(rows, key=lambda r: (r["program"].name, r["order"]))


def _status(plan: TimePlan, current: TimePlan | None, month: dt.date) -> str:
    if plan is current:
        return "in force"
    return "planned" if plan.starts_on > month else "past"


def _rest(plan: TimePlan) -> Decimal:
    """The share of "Everything else": what the lines leave."""
    return max(Decimal(0), 100 - sum((line.share for line in plan.lines.all()), Decimal(0)))


@transaction.atomic
def time_plan_save(
    *, program: Program, district: District | None, coach: Coach | None, starts_on: dt.date, note: str,
    lines: list[dict[str, Any]], by: User, request: HttpRequest | None = None, plan: TimePlan | None = None,
) -> TimePlan:  # fmt: skip
    """Create a plan, or replace one's scope, first month, note and lines. Shares add up to at
    most 100; an activity is in one line at most; one plan per scope starts in a given month."""
    if district is not None and coach is not None:
        raise ValidationError({"scope": "A plan is for the program, one district or one coach."})
    starts_on = starts_on.replace(day=1)
    if sum((Decimal(line["share"]) for line in lines), Decimal(0)) > 100:
        raise ValidationError("The lines add up to more than 100%.")
    if any(line["name"].strip().casefold() == EVERYTHING_ELSE.casefold() for line in lines):
        raise ValidationError(f"“{EVERYTHING_ELSE}” is the report's line for the activities in no line.")
    named = [pk for line in lines for pk in line["activities"]]
    if len(named) != len(set(named)):
        raise ValidationError("An activity belongs to one line only.")
    clash = TimePlan.objects.filter(program=program, district=district, coach=coach, starts_on=starts_on)
    if plan is not None:
        clash = clash.exclude(pk=plan.pk)
    if clash.exists():
        raise ValidationError({"starts_on": f"Another plan for this starts in {starts_on:%B %Y}: edit that one, "
                                            "or choose another month."})  # fmt: skip
    allowed = {a.pk for a in plan_activities_list(program=program, keep=set(named))}
    if not set(named) <= allowed:
        raise ValidationError("Choose the program's own or built-in activities.")
    created = plan is None
    # The reports comparing this plan, from its first month (or its old one, when moved earlier or later).
    since = starts_on if plan is None else min(starts_on, plan.starts_on)
    if plan is None:
        plan = TimePlan(program=program, created_by=by)
    else:
        plan.lines.all().delete()
    plan.district, plan.coach, plan.starts_on, plan.note = district, coach, starts_on, note
    plan.save()
    for i, line in enumerate(lines):
        row = TimePlanLine.objects.create(plan=plan, name=line["name"], share=line["share"], kind=line["kind"],
                                          position=i)  # fmt: skip
        row.activities.set(line["activities"])
    summary = "; ".join(f"{line['name']} {line['kind'].replace('_', ' ')} {line['share']}%" for line in lines)
    audit_record(action=AuditAction.SETUP_CHANGE, actor=by, request=request, program=program.pk, district=district,
                 object_type="time plan", object_ref=plan.pk,
                 detail=f"{'added' if created else 'changed'} the time plan {plan}: {summary}")  # fmt: skip
    transaction.on_commit(lambda: snapshots_refresh_for_plan(program=program.pk, since=since))
    return plan
