"""The demo program's agreed time plan: one from the start of the school year, and the plan as
changed at the mid-year review, from January, so the demo report shows plan against actual."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from coaching.models import Activity, ActivityKind, Program
from toolkit.schoolyear import school_year_bounds, school_year_of

from .models import PlanLineKind, TimePlan, TimePlanLine

DIRECT = ["Coaching Cycles", "Informal Coaching", "Co-Planning", "Modeling or Co-teaching", "Observation or Feedback",
          "Goal Setting", "Problem Solving"]  # fmt: skip
LEARNING = ["Facilitation of Professional Development", "Small or Large Group Instruction", "Technical Training",
            "Continuous Learning", "Coach Group Meeting"]  # fmt: skip
# (first month, note, [(line, share, kind)])
PLANS = [
    (False, "Agreed with the superintendents at the start of the year.",
     [("Coaching cycles and direct support", "60", PlanLineKind.TARGET),
      ("Professional learning", "15", PlanLineKind.TARGET),
      ("Non-coaching duties", "10", PlanLineKind.AT_MOST)]),
    (True, "Changed at the mid-year review: more time in cycles, fewer duties.",
     [("Coaching cycles and direct support", "65", PlanLineKind.TARGET),
      ("Professional learning", "15", PlanLineKind.TARGET),
      ("Non-coaching duties", "5", PlanLineKind.AT_MOST)]),
]  # fmt: skip


def load_plans_demo(*, today: dt.date) -> int:
    """The demo program's two plans of this school year, if they are missing; returns how many
    plans the program has."""
    program = Program.objects.get(name="Prairie Regional Learning Center")
    year = school_year_of(today)
    start = school_year_bounds(year)[0]
    activities = {a.name: a for a in Activity.objects.filter(program=None)}
    duties = [a for a in activities.values() if a.kind == ActivityKind.NON_COACHING]
    members = {"Coaching cycles and direct support": [activities[n] for n in DIRECT if n in activities],
               "Professional learning": [activities[n] for n in LEARNING if n in activities],
               "Non-coaching duties": duties}  # fmt: skip
    for january, note, lines in PLANS:
        starts_on = dt.date(year + 1, 1, 1) if january else start
        plan, created = TimePlan.objects.get_or_create(
            program=program, district=None, coach=None, starts_on=starts_on, defaults={"note": note}
        )
        if not created:
            continue
        for i, (name, share, kind) in enumerate(lines):
            line = TimePlanLine.objects.create(plan=plan, name=name, share=Decimal(share), kind=kind, position=i)
            line.activities.set(members[name])
    return TimePlan.objects.filter(program=program).count()
