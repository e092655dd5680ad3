"""The URLs of one Impact Cycle, a POST that succeeds on each of its write URLs, and a snapshot of
everything such a request could change: shared by the access matrix (tests/test_access_matrix.py)
and the cycle visibility tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from coaching.models import LogEntry
from coaching.tests.factories import activity, focus_area
from cycles import urls as cycles_urls
from cycles.models import (
    Adjustment,
    AdjustmentKind,
    ChecklistItem,
    Cycle,
    CycleTime,
    Debrief,
    Evidence,
    Goal,
    Kickoff,
    LearnMode,
    Occasion,
    PlanStep,
    ProgressMeasure,
    Reflection,
    ReflectionLink,
    Stage,
)
from learning.models import Resource
from teachers.models import Teacher


def cycle_url_names() -> list[str]:
    """Every URL of one cycle (or of one of its reflections), walked from the app's patterns."""
    return sorted(
        f"cycles:{pattern.name}" for pattern in cycles_urls.urlpatterns
        if str(pattern.pattern).startswith(("<uuid:public_id>", "reflections/<uuid:public_id>"))
    )  # fmt: skip


# The cycle URLs that take a POST; the others (detail, evidence_file, reflection, link) only show.
WRITE_URLS = (
    "cycles:adjust", "cycles:checklist_add", "cycles:checklist_delete", "cycles:checklist_toggle",
    "cycles:evidence_add", "cycles:goal", "cycles:link_new", "cycles:move", "cycles:plan", "cycles:progress_add",
    "cycles:reflection_new", "cycles:share", "cycles:strategy_resources", "cycles:time_link", "cycles:time_log",
    "cycles:time_unlink", "cycles:link_email", "cycles:modeled_lesson",
    # issue 16: kickoff
    "cycles:kickoff", "cycles:plan_step_add", "cycles:plan_step_done", "cycles:debrief_add",
)  # fmt: skip


def valid_post(
    name: str, *, cycle: Cycle, teacher: Teacher, resource: Resource, free_entry: LogEntry, token: str = ""
) -> dict:
    """A POST that succeeds (and changes something) when the person is allowed to make it, on a
    cycle in Improve: `resource` is in the coach's program's library and not yet attached,
    `free_entry` is logged with the teacher and not yet counted toward the cycle; `token` is the
    raw token of the cycle's live reflection link (emailing it changes no row: it sends a mail)."""
    today = timezone.localdate()
    if name == "cycles:modeled_lesson":  # the coach models the strategy, planned for today
        Cycle.objects.filter(pk=cycle.pk).update(learn_mode=LearnMode.COACH_MODELS, learn_date=today)
    cycle = Cycle.objects.get(pk=cycle.pk)
    peers = dict.fromkeys(("powerful", "easy", "emotionally_compelling", "reachable", "student_focused"), "on")
    data: dict[str, dict[str, Any]] = {
        "cycles:plan": {"version": cycle.version, "title": "Exit tickets in 3B, second try",
                        "current_reality": cycle.current_reality, "strategy": cycle.strategy},
        "cycles:goal": {"statement": "Every student in 3B explains their reasoning", "measure": "rubric ≥ 3",
                        "unit": "% of students", "baseline": "40", "target": "95",
                        "deadline": (today + dt.timedelta(days=30)).isoformat(), **peers},
        "cycles:evidence_add": {"kind": "observation", "note": "Second observation"},
        "cycles:checklist_add": {"text": "Model one answer first"},
        "cycles:checklist_toggle": {},
        "cycles:checklist_delete": {},
        "cycles:progress_add": {"date": today.isoformat(), "value": "71"},
        "cycles:adjust": {"kind": AdjustmentKind.CHANGE_TEACHING, "note": "Two questions instead of four"},
        "cycles:move": {"version": cycle.version, "to_stage": Stage.LEARN, "reason": "Revisit the strategy"},
        "cycles:share": {} if cycle.shared_with_admins else {"shared": "on"},
        "cycles:strategy_resources": {"resources": [resource.pk]},
        "cycles:reflection_new": {"occasion": Occasion.FREE, "what_happened": "The second lesson went better"},
        "cycles:link_new": {"teacher": teacher.pk, "occasion": Occasion.AFTER_IMPLEMENTING},
        "cycles:time_link": {"entries": [free_entry.pk]},
        "cycles:time_log": {"date": today.isoformat(), "minutes": "30", "district": cycle.district_id,
                            "school": cycle.school_id, "teachers": [teacher.pk], "activity": activity().pk,
                            "focus_area": focus_area().pk, "format": "in_person"},
        "cycles:time_unlink": {},
        "cycles:link_email": {"token": token},
        "cycles:modeled_lesson": {"date": today.isoformat(), "minutes": "45", "focus_area": focus_area().pk},
        # issue 16: kickoff. The cycle is in Improve: its kickoff and plan are refused (400), a step is
        # marked done and a debrief recorded (the coach's with its time; a teacher's form has no length).
        "cycles:kickoff": {"held_on": today.isoformat(), "agency": "Students choose the tool"},
        "cycles:plan_step_add": {"kind": "co_teaching", "planned_on": today.isoformat()},
        "cycles:plan_step_done": {"done_on": today.isoformat(), "minutes": "45", "focus_area": focus_area().pk},
        "cycles:debrief_add": {"held_on": today.isoformat(), "impact": "They asked for feedback", "minutes": "20",
                               "focus_area": focus_area().pk},
    }  # fmt: skip
    assert set(data) == set(WRITE_URLS)
    return data[name]


def snapshot(cycle: Cycle) -> dict[str, Any]:
    """Everything a request to a cycle URL could change."""
    c = Cycle.objects.get(pk=cycle.pk)
    return {
        "cycle": (c.title, c.stage, c.version, c.shared_with_admins, c.current_reality, c.coach_notes),
        "goals": sorted(Goal.objects.filter(cycle=c).values_list("pk", "statement", "is_current")),
        "evidence": Evidence.objects.filter(cycle=c).count(),
        "checklist": sorted(ChecklistItem.objects.filter(cycle=c).values_list("pk", "done")),
        "measures": ProgressMeasure.objects.filter(goal__cycle=c).count(),
        "adjustments": Adjustment.objects.filter(cycle=c).count(),
        "reflections": Reflection.objects.count(),
        "links": ReflectionLink.objects.count(),
        "time": sorted(CycleTime.objects.filter(cycle=c).values_list("entry_id", flat=True)),
        "strategy_resources": sorted(c.strategy_resources.values_list("pk", flat=True)),
        "entries": LogEntry.objects.count(),
        # issue 16: kickoff
        "kickoff": list(Kickoff.objects.filter(cycle=c).values_list("agency", "entry_id")),
        "plan_steps": sorted(PlanStep.objects.filter(cycle=c).values_list("pk", "done_on", "entry_id")),
        "debriefs": Debrief.objects.filter(cycle=c).count(),
    }
