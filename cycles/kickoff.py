"""A cycle from kickoff to debrief, inside the Impact Cycle's stages (seed 002): the kickoff meeting
and the action plan are written in Identify and Learn, a debrief follows each lesson in Improve.

Log once: a kickoff, a debrief, or a modeled or co-taught step marked done, given its length, is the
coach's log entry under the LTC activity that fits (Co-Planning, Observation or Feedback, Modeling
or Co-teaching), with the cycle's district, school and teachers and no note, counted toward the
cycle through CycleTime. Every rule of the log applies; a refusal is raised beside the field and
nothing is saved.

Student agency is a standing question: "How will this empower learners?" is asked at the kickoff
and again at the close (`Cycle.agency_at_close`, set by `services.cycle_move`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from coaching.models import FocusArea, LogEntry
from learning.models import Resource
from teachers.models import User

from .models import (
    DEBRIEF_ACTIVITY,
    KICKOFF_ACTIVITY,
    MODELED_ACTIVITY,
    MODELED_MODES,
    TIMED_STEPS,
    Cycle,
    Debrief,
    Kickoff,
    PlanStep,
    Stage,
)
from .services import _cycle_entry_log

PLANNING_STAGES = (Stage.IDENTIFY, Stage.LEARN)


def planning_open(cycle: Cycle) -> bool:
    """The kickoff and the action plan are written while the cycle is in Identify or Learn."""
    return cycle.stage in PLANNING_STAGES


def debriefs_open(cycle: Cycle) -> bool:
    """Debriefs follow the lessons of Improve."""
    return cycle.stage == Stage.IMPROVE


def _stage_refusal(cycle: Cycle, what: str, when: str) -> str:
    return f"{what} {when}; this cycle is in {Stage(cycle.stage).label}, so it cannot change now."


def _locked(cycle: Cycle) -> Cycle:
    """The cycle row, locked and read fresh, with what logging its time needs."""
    return Cycle.objects.select_for_update().select_related("coach", "district", "school").get(pk=cycle.pk)


def _meeting_entry_log(
    *,
    cycle: Cycle,
    by: User,
    activity_name: str,
    date: dt.date,
    minutes: int,
    start_time: dt.time | None,
    focus_area: FocusArea | None,
    date_field: str,
) -> LogEntry:
    """Log a meeting of the cycle as the coach's time (only the coach logs time), its refusals keyed
    by the meeting form's own date field."""
    if cycle.coach.user_id != by.pk:
        raise ValidationError({"minutes": "Only the cycle's coach logs time."})
    try:
        return _cycle_entry_log(cycle=cycle, activity_name=activity_name, date=date, minutes=minutes,
                                start_time=start_time, focus_area=focus_area)  # fmt: skip
    except ValidationError as exc:
        raise ValidationError(
            {(date_field if field == "date" else field): messages for field, messages in exc.message_dict.items()}
        ) from exc


@transaction.atomic
def kickoff_save(
    *,
    cycle: Cycle,
    by: User,
    held_on: dt.date,
    brainstorm: str = "",
    resources: Iterable[Resource] | None = None,
    other_resources: str = "",
    students_know: str = "",
    students_understand: str = "",
    students_do: str = "",
    agency: str = "",
    minutes: int | None = None,
    start_time: dt.time | None = None,
    focus_area: FocusArea | None = None,
) -> Kickoff:
    """Write (or rewrite) the cycle's kickoff, in Identify or Learn only. With a length, the meeting
    is also the coach's log entry, once: a kickoff whose time is logged changes its minutes in the log.
    `resources` None leaves the chosen library resources as they are (a teacher does not see the library)."""
    cycle = _locked(cycle)
    if not planning_open(cycle):
        raise ValidationError({"held_on": _stage_refusal(cycle, "The kickoff is held", "in Identify or Learn")})
    kickoff = Kickoff.objects.filter(cycle=cycle).first() or Kickoff(cycle=cycle)
    kickoff.held_on = held_on
    kickoff.brainstorm, kickoff.other_resources = brainstorm.strip(), other_resources.strip()
    kickoff.students_know, kickoff.students_understand = students_know.strip(), students_understand.strip()
    kickoff.students_do, kickoff.agency = students_do.strip(), agency.strip()
    kickoff.updated_by = by
    if minutes is not None:
        if kickoff.entry_id is not None:
            raise ValidationError({"minutes": "The kickoff's time is already logged: change its minutes in the log."})
        kickoff.entry = _meeting_entry_log(cycle=cycle, by=by, activity_name=KICKOFF_ACTIVITY, date=held_on,
                                           minutes=minutes, start_time=start_time, focus_area=focus_area,
                                           date_field="held_on")  # fmt: skip
    kickoff.full_clean()
    kickoff.save()
    if resources is not None:
        kickoff.resources.set([r for r in resources if r.program_id == cycle.coach.program_id])
    return kickoff


@transaction.atomic
def plan_step_add(*, cycle: Cycle, by: User, kind: str, planned_on: dt.date, note: str = "") -> PlanStep:
    """Add a dated step to the action plan, in Identify or Learn only."""
    cycle = _locked(cycle)
    if not planning_open(cycle):
        raise ValidationError(
            {"planned_on": _stage_refusal(cycle, "The action plan is written", "in Identify or Learn")}
        )
    step = PlanStep(cycle=cycle, kind=kind, planned_on=planned_on, note=note.strip())
    step.full_clean()
    step.save()
    return step


@transaction.atomic
def plan_step_done(
    *,
    step: PlanStep,
    by: User,
    done_on: dt.date,
    minutes: int | None = None,
    start_time: dt.time | None = None,
    focus_area: FocusArea | None = None,
) -> PlanStep:
    """Mark a step done (in any stage of an open cycle: steps are often done after the plan is
    written). A modeled or co-taught step given a length is the coach's log entry under Modeling or
    Co-teaching; it is also the cycle's modeled lesson when that is still to record, so the same
    lesson is never logged twice."""
    cycle = _locked(step.cycle)
    step = PlanStep.objects.select_for_update().get(pk=step.pk)
    if cycle.is_closed:
        raise ValidationError({"done_on": "This cycle is closed."})
    if step.done_on is not None:
        raise ValidationError({"done_on": f"This step was marked done on {step.done_on:%b} {step.done_on.day}."})
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": "A step is marked done on the day it happened, not in the future."})
    step.done_on = done_on
    if minutes is not None:
        if step.kind not in TIMED_STEPS:
            raise ValidationError({"minutes": "Time is logged for a step the coach models or co-teaches."})
        step.entry = _meeting_entry_log(cycle=cycle, by=by, activity_name=MODELED_ACTIVITY, date=done_on,
                                        minutes=minutes, start_time=start_time, focus_area=focus_area,
                                        date_field="done_on")  # fmt: skip
        if cycle.modeled_entry_id is None and cycle.learn_mode in MODELED_MODES:
            cycle.modeled_entry = step.entry
            cycle.save(update_fields=["modeled_entry", "updated_at"])
    step.full_clean()
    step.save()
    return step


@transaction.atomic
def debrief_add(
    *,
    cycle: Cycle,
    by: User,
    held_on: dt.date,
    impact: str,
    next_time: str = "",
    step: PlanStep | None = None,
    minutes: int | None = None,
    start_time: dt.time | None = None,
    focus_area: FocusArea | None = None,
) -> Debrief:
    """Record the debrief after a lesson, in Improve only; with a length it is also the coach's log
    entry under Observation or Feedback, counted toward the cycle."""
    cycle = _locked(cycle)
    if not debriefs_open(cycle):
        raise ValidationError({"held_on": _stage_refusal(cycle, "Debriefs follow the lessons", "of Improve")})
    if step is not None and step.cycle_id != cycle.pk:
        raise ValidationError({"step": "Choose a step of this cycle's plan."})
    if not impact.strip():
        raise ValidationError({"impact": "Say how the tool or strategy affected learning."})
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": "A debrief is recorded after it took place, not in the future."})
    debrief = Debrief(cycle=cycle, held_on=held_on, step=step, impact=impact.strip(), next_time=next_time.strip(),
                      added_by=by)  # fmt: skip
    if minutes is not None:
        debrief.entry = _meeting_entry_log(cycle=cycle, by=by, activity_name=DEBRIEF_ACTIVITY, date=held_on,
                                           minutes=minutes, start_time=start_time, focus_area=focus_area,
                                           date_field="held_on")  # fmt: skip
    debrief.full_clean()
    debrief.save()
    return debrief


# ---------------------------------------------------------------------------- reads


@dataclass(frozen=True)
class KickoffPage:
    """The kickoff, plan and debriefs of one cycle, for its coach and teachers (never administrators)."""

    kickoff: Kickoff | None
    resources: list[Resource]
    steps: list[PlanStep]
    debriefs: list[Debrief]

    @property
    def steps_done(self) -> int:
        return sum(1 for step in self.steps if step.done_on is not None)


def kickoff_page_get(*, cycle: Cycle) -> KickoffPage:
    """Load the kickoff page's rows in a fixed number of queries (four), whatever their number."""
    kickoff = Kickoff.objects.filter(cycle=cycle).select_related("entry").first()
    resources = list(kickoff.resources.order_by("title")) if kickoff else []
    steps = list(PlanStep.objects.filter(cycle=cycle).select_related("entry"))
    by_pk = {step.pk: step for step in steps}
    debriefs = list(Debrief.objects.filter(cycle=cycle).select_related("entry"))
    for debrief in debriefs:  # the step each follows, from the rows already read
        if debrief.step_id is not None and debrief.step_id in by_pk:
            debrief.step = by_pk[debrief.step_id]
    return KickoffPage(kickoff, resources, steps, debriefs)


@dataclass(frozen=True)
class KickoffSummary:
    """What the cycle page says of its kickoff, plan and debriefs (one query)."""

    held_on: dt.date | None
    agency: bool
    steps: int
    steps_done: int
    debriefs: int


def kickoff_summary_get(*, cycle: Cycle) -> KickoffSummary:
    row = (
        Cycle.objects.filter(pk=cycle.pk)
        .annotate(
            n_steps=Count("plan_steps", distinct=True),
            n_done=Count("plan_steps", filter=Q(plan_steps__done_on__isnull=False), distinct=True),
            n_debriefs=Count("debriefs", distinct=True),
        )
        .values("kickoff__held_on", "kickoff__agency", "n_steps", "n_done", "n_debriefs")
        .get()
    )
    return KickoffSummary(held_on=row["kickoff__held_on"], agency=bool(row["kickoff__agency"]),
                          steps=row["n_steps"], steps_done=row["n_done"], debriefs=row["n_debriefs"])  # fmt: skip
