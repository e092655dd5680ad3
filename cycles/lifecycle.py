"""A cycle's and a teacher's data over their life: what a cycle needs before it moves to another
stage; a teacher's data exported for the teacher, and erased when they leave.

Erasing keeps the coaching time: log entries stay, linked to an anonymous "former teacher" row, so
time-use reports (hours, teachers reached) do not change. What was the teacher's is gone: their
reflections, their goals and evidence, requests, links, name, email and sign-in.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from coaching.models import LogEntry
from learning.models import SignUp
from teachers.audit import AuditAction, audit_record
from teachers.models import Teacher, User

from .models import Adjustment, Cycle, Debrief, Evidence, Goal, Kickoff, PlanStep, Reflection, ReflectionLink, Stage


@dataclass(frozen=True)
class Requirement:
    """One thing a move needs: `label` names it on the checklist, `todo` says what to do, in the
    words of the move's refusal; `key` names the editor that supplies it (goal, peers, strategy)."""

    key: str
    label: str
    todo: str
    met: bool


@dataclass(frozen=True)
class Readiness:
    """What moving a cycle from one stage to another needs, and which of it is there."""

    from_stage: Stage
    to_stage: Stage
    requirements: tuple[Requirement, ...]

    @property
    def met(self) -> list[Requirement]:
        return [r for r in self.requirements if r.met]

    @property
    def missing(self) -> list[Requirement]:
        return [r for r in self.requirements if not r.met]

    @property
    def ready(self) -> bool:
        return not self.missing

    @property
    def todo(self) -> str:
        """What is left to do, e.g. "write the PEERS goal and choose the teaching strategy"."""
        return " and ".join(r.todo for r in self.missing)

    def refusal(self) -> str:
        """The sentence a refused move gives (empty when nothing is missing)."""
        return f"Before leaving {self.from_stage.label}, {self.todo}." if self.missing else ""


def move_readiness(cycle: Cycle, to_stage: str) -> Readiness:
    """What moving `cycle` to `to_stage` needs from the cycle itself: the one rule that both the
    cycle page's checklist and `services.cycle_move` apply, so the two never disagree. Leaving
    Identify (for Learn or Improve) needs a current PEERS goal that passes all five letters and a
    teaching strategy; other moves need nothing of the cycle (a reason, or how a closed cycle
    ended, is asked by the move's form)."""
    current, target = Stage(cycle.stage), Stage(to_stage)
    requirements: list[Requirement] = []
    if current == Stage.IDENTIFY and target in (Stage.LEARN, Stage.IMPROVE):
        goal = cycle.goals.filter(is_current=True).first()
        if goal is None:
            requirements.append(Requirement("goal", "PEERS goal", "write the PEERS goal", met=False))
        else:
            requirements.append(Requirement("goal", "goal", "write the PEERS goal", met=True))
            requirements.append(Requirement("peers", "PEERS check", "check the goal against all five PEERS letters",
                                            met=goal.is_peers))  # fmt: skip
        requirements.append(
            Requirement("strategy", "strategy", "choose the teaching strategy", met=bool(cycle.strategy))
        )
    return Readiness(current, target, tuple(requirements))


def teacher_data(teacher: Teacher) -> dict[str, Any]:
    """Everything Fulcrum holds about a teacher, as JSON-ready values (never a coach's private notes)."""
    cycles = (
        Cycle.objects.filter(teachers=teacher)
        .select_related("coach__user", "school", "kickoff")
        .prefetch_related("goals__measures", "plan_steps", "debriefs")
    )
    sessions = LogEntry.objects.filter(teachers=teacher).select_related("activity", "focus_area", "coach__user")
    # fmt: off
    return {
        "exported_at": timezone.now().isoformat(),
        "teacher": {"first_name": teacher.first_name, "last_name": teacher.last_name, "email": teacher.email,
                    "school": teacher.school.name, "district": teacher.district.name,
                    "grade_band": teacher.grade_band, "subject": teacher.subject},
        "cycles": [
            {"title": c.title, "stage": c.stage, "started_on": c.started_on.isoformat(),
             "closed_on": c.closed_on.isoformat() if c.closed_on else None, "coach": c.coach.user.display_name,
             "current_reality": c.current_reality, "strategy": c.strategy, "shared_with_admins": c.shared_with_admins,
             "goals": [{"statement": g.statement, "measure": g.measure, "baseline": str(g.baseline),
                        "target": str(g.target), "deadline": g.deadline.isoformat(), "current": g.is_current,
                        "progress": [{"date": m.date.isoformat(), "value": str(m.value)} for m in g.measures.all()]}
                       for g in c.goals.all()],
             **_meetings_data(c)}
            for c in cycles
        ],
        "reflections": [
            {"date": r.created_at.isoformat(), "occasion": r.occasion, "what_happened": r.what_happened,
             "what_worked": r.what_worked, "what_was_hard": r.what_was_hard, "what_next": r.what_next,
             "confidence": r.confidence, "partnership_principle": r.principle}
            for r in Reflection.objects.filter(teacher=teacher)
        ],
        "coaching_sessions": [
            {"date": e.date.isoformat(), "minutes": e.minutes, "activity": e.activity.name,
             "focus_area": e.focus_area.name if e.focus_area else "", "coach": e.coach.user.display_name}
            for e in sessions
        ],
        "classroom_requests": [
            {"session": s.session.title, "kind": s.kind, "status": s.status, "date_preferences": s.date_preferences,
             "note": s.note}
            for s in SignUp.objects.filter(teacher=teacher).select_related("session")
        ],
    }
    # fmt: on


def _meetings_data(cycle: Cycle) -> dict[str, Any]:
    """A cycle's kickoff, action plan, debriefs and student-agency answers, for the teacher's export."""
    kickoff: Kickoff | None = getattr(cycle, "kickoff", None)  # None: no kickoff row
    return {
        "kickoff": None if kickoff is None else {
            "held_on": kickoff.held_on.isoformat(), "agency": kickoff.agency, "brainstorm": kickoff.brainstorm,
            "other_resources": kickoff.other_resources, "students_know": kickoff.students_know,
            "students_understand": kickoff.students_understand, "students_do": kickoff.students_do},
        "action_plan": [{"kind": s.kind, "planned_on": s.planned_on.isoformat(), "note": s.note,
                         "done_on": s.done_on.isoformat() if s.done_on else None} for s in cycle.plan_steps.all()],
        "debriefs": [{"held_on": d.held_on.isoformat(), "impact": d.impact, "next_time": d.next_time}
                     for d in cycle.debriefs.all()],
        "agency_at_close": cycle.agency_at_close,
    }  # fmt: skip


TEACHER_DATA_CSV_HEADER = ["kind", "date", "title_or_activity", "detail", "value"]


def teacher_data_rows(data: dict[str, Any]) -> Iterator[list[object]]:
    """The export as CSV rows: one per item, its kind first, so a spreadsheet can filter it (the
    view writes them through the one formula-safe CSV writer, `toolkit.csv_export`)."""
    for c in data["cycles"]:
        yield ["cycle", c["started_on"], c["title"], c["strategy"], c["stage"]]
        for g in c["goals"]:
            yield ["goal", g["deadline"], g["statement"], g["measure"], g["target"]]
            for m in g["progress"]:
                yield ["progress", m["date"], g["statement"], "", m["value"]]
    for r in data["reflections"]:
        yield ["reflection", r["date"], r["occasion"], r["what_happened"], r["confidence"]]
    for s in data["coaching_sessions"]:
        yield ["coaching session", s["date"], s["activity"], s["focus_area"], s["minutes"]]
    for s in data["classroom_requests"]:
        yield ["classroom request", "", s["session"], s["note"], s["status"]]


@transaction.atomic
def teacher_erase(*, teacher: Teacher, by: User) -> dict[str, int]:
    """Erase a teacher who left. Their time stays (anonymously) so reports do not change."""
    district_id = teacher.district_id
    counts = {"reflections": Reflection.objects.filter(teacher=teacher).delete()[0]}
    ReflectionLink.objects.filter(teacher=teacher).delete()
    counts["requests"] = SignUp.objects.filter(teacher=teacher).delete()[0]
    cycles = Cycle.objects.filter(teachers=teacher).annotate(n=Count("teachers"))
    solo = [c.pk for c in cycles if c.n == 1]
    counts["goals"] = Goal.objects.filter(cycle__in=solo).delete()[0]
    # The files go once the erasure is committed: a rollback keeps the rows, so it keeps their files.
    stored = [(e.file.storage, e.file.name) for e in Evidence.objects.filter(cycle__in=solo) if e.file.name]

    def delete_files() -> None:
        for storage, name in stored:
            if name:
                storage.delete(name)

    transaction.on_commit(delete_files)
    Evidence.objects.filter(cycle__in=solo).delete()
    Adjustment.objects.filter(cycle__in=solo).delete()
    for model in (Kickoff, Debrief, PlanStep):  # the kickoff, plan and debriefs; their logged time stays
        model.objects.filter(cycle__in=solo).delete()
    Cycle.objects.filter(pk__in=solo).update(
        title="Erased cycle", current_reality="", strategy="", strategy_description="", coach_notes="",
        closing_note="", agency_at_close="", shared_with_admins=False,
    )  # fmt: skip
    for cycle in cycles:
        if cycle.pk not in solo:
            cycle.teachers.remove(teacher)
    counts["cycles"] = len(solo)
    if teacher.user_id:
        User.objects.filter(pk=teacher.user_id).delete()
    tag = uuid.uuid4().hex[:10]
    Teacher.objects.filter(pk=teacher.pk).update(
        first_name="Former", last_name=f"teacher {tag}", email=f"erased-{tag}@erased.invalid", subject="",
        active=False, user=None,
    )  # fmt: skip
    audit_record(
        action=AuditAction.TEACHER_ERASED,
        actor=by,
        district=district_id,
        object_type="teacher",
        object_ref=f"former teacher {tag}",
        detail="teacher erased; coaching time kept anonymously",
    )
    return counts
