"""The demo's contract statement (one issued for the earliest month of the demo year that every
coach of a contract has had approved; nothing when the demo has no approved month yet), the
districts' coaching plans, and the demo's impact page: its schools' enrollment, and the page
published."""

from __future__ import annotations

import datetime as dt
from typing import Any

from coaching import coaching_plans
from coaching.models import CoachingPlan, Contract, LogEntry, Program, ServiceKind, VisitKind
from coaching.months import contract_approvals_add
from coaching.selectors import contract_usage_list
from cycles.models import Cycle
from learning.models import PDSession
from teachers.models import District, School, User
from toolkit.schoolyear import school_year_bounds, school_year_of

from .impact_services import impact_publish
from .models import Statement
from .statements import statement_issue

DEMO_PROGRAM = "Prairie Regional Learning Center"


def load_statement_demo(*, today: dt.date) -> dict[str, int]:
    """Issue the demo statement once (a second run adds nothing); returns how many statements exist."""
    program = Program.objects.filter(name=DEMO_PROGRAM).prefetch_related("directors").first()
    director = next(iter(program.directors.all()), None) if program else None
    if program is None or director is None:
        return {}
    if not Statement.objects.filter(program=program).exists():
        contracts = Contract.objects.filter(program=program, school_year=school_year_of(today))
        usage = contract_approvals_add(usage=contract_usage_list(contracts=contracts, as_of=today), as_of=today)
        # A district with an administrator first, so the demo's administrator has a statement to read.
        administered = set(District.objects.filter(administrators__isnull=False).values_list("pk", flat=True))
        approved = sorted(
            (m.month, u.contract.district_id not in administered, u.contract.district.name, u.contract)
            for u in usage
            for m in u.approval_months
            if m.state == "approved" and m.month < today.replace(day=1)
        )
        if approved:
            month, _unadministered, _name, contract = approved[0]
            statement_issue(contract=contract, start=month, end=month, by=director)
    return {"statements": Statement.objects.filter(program=program).count()}


def load_impact_demo(*, today: dt.date) -> dict[str, int]:
    """Enrollment figures for the demo program's schools (all but one, so the impact page shows a
    school without a figure), and the impact page published. Loading twice changes nothing."""
    program = Program.objects.filter(name=DEMO_PROGRAM).prefetch_related("directors").first()
    director = next(iter(program.directors.all()), None) if program else None
    if program is None or director is None:
        return {}
    schools = list(School.objects.filter(district__contracts__program=program).distinct().order_by("name"))
    for school in schools[:-1]:
        if school.enrollment is None:
            # A plausible building: 180 to 679 students, the same for a school on every load.
            school.enrollment = 180 + sum(school.name.encode()) % 500
            school.enrollment_year = school_year_of(today)
            school.save(update_fields=["enrollment", "enrollment_year"])
    impact_publish(program=program, by=director)
    return {"schools_with_enrollment": sum(1 for s in schools if s.enrollment is not None)}


def demo_loaded_receiver(sender: object, *, today: dt.date, **kwargs: Any) -> dict[str, int]:
    return {**load_statement_demo(today=today), **load_impact_demo(today=today)}


# --------------------------------------------------------------------------- the district's coaching plan

MAPLE = "Maple Grove CUSD 5"
RIVERBEND = "Riverbend SD 12"
MAPLE_PRIORITIES = (
    ("Student agency with digital tools", "Students choose how they show what they learned, grades 3–8."),
    ("Formative assessment in grades 3–5", "Quick checks for understanding that change tomorrow's lesson."),
    ("New teachers' first year with Google Workspace", "Classroom, Forms and Drive routines by October."),
)
MAPLE_SERVICES: dict[str, int | None] = {
    ServiceKind.CYCLES: 12, ServiceKind.TEAM_DISCUSSIONS: 12, ServiceKind.GROUP_PD: 4,
    ServiceKind.MODELED_LESSONS: 10, ServiceKind.CO_PLANNING: 20,
}  # fmt: skip
MAPLE_NOTES = (
    "Kick-off call with the superintendent and the three principals. The district's technology plan asks for "
    "more student choice; the elementary school wants grade-level teams to use exit tickets every week."
)


def load_coaching_plan_demo(*, today: dt.date) -> dict[str, int]:
    """The Maple Grove plan of this school year (priorities, services, a checklist half ticked, two
    site visits) with part of the year's time, cycles and PD sessions filed under its priorities,
    and a shorter Riverbend plan. A second run adds nothing."""
    program = Program.objects.filter(name=DEMO_PROGRAM).prefetch_related("directors").first()
    director = next(iter(program.directors.all()), None) if program else None
    maple = District.objects.filter(name=MAPLE).first()
    if program is None or director is None or maple is None:
        return {}
    year = school_year_of(today)
    if not CoachingPlan.objects.filter(program=program, district=maple, school_year=year).exists():
        _maple_plan(program, maple, director, year=year, today=today)
    riverbend = District.objects.filter(name=RIVERBEND).first()
    if riverbend and not CoachingPlan.objects.filter(program=program, district=riverbend, school_year=year).exists():
        plan = coaching_plans.coaching_plan_create(program=program, district=riverbend, school_year=year, by=director)
        coaching_plans.coaching_plan_save(
            plan=plan, kickoff_on=school_year_bounds(year)[0] + dt.timedelta(days=52), notes="", by=director,
            priorities=[coaching_plans.PriorityValues(None, "Math talk in K–2", "Number talks in every K–2 room.")],
            services={ServiceKind.CYCLES: 6, ServiceKind.GROUP_PD: 3},
            items=[coaching_plans.ItemValues(i.pk, i.text) for i in plan.onboarding_items.all()],
        )  # fmt: skip
    return {"coaching plans": CoachingPlan.objects.filter(program=program).count()}


def _maple_plan(program: Program, maple: District, director: User, *, year: int, today: dt.date) -> None:
    plan = coaching_plans.coaching_plan_create(program=program, district=maple, school_year=year, by=director)
    kickoff = min(school_year_bounds(year)[0] + dt.timedelta(days=45), today)
    coaching_plans.coaching_plan_save(
        plan=plan, kickoff_on=kickoff, notes=MAPLE_NOTES, by=director,
        priorities=[coaching_plans.PriorityValues(None, title, text) for title, text in MAPLE_PRIORITIES],
        services=dict(MAPLE_SERVICES),
        items=[coaching_plans.ItemValues(i.pk, i.text) for i in plan.onboarding_items.all()],
    )  # fmt: skip
    for item in list(plan.onboarding_items.all())[:4]:
        coaching_plans.onboarding_item_tick(item=item, done=True, by=director)
    coaching_plans.site_visit_record(plan=plan, kind=VisitKind.SITE_VISIT, date=kickoff + dt.timedelta(days=21),
                                     notes="Walked the elementary with the principal; coach is welcomed in grade 4.",
                                     by=director)  # fmt: skip
    check_in = min(kickoff + dt.timedelta(days=70), today)
    coaching_plans.site_visit_record(plan=plan, kind=VisitKind.CHECK_IN, date=check_in,
                                     notes="Check-in with the superintendent: asks for a spring PD on agency.",
                                     by=director)  # fmt: skip
    priorities = list(plan.priorities.all())
    # File the year's Maple Grove time under the priorities, by focus area, as the coaches would
    # have when logging it (the demo's entries were logged before the plan existed). Written
    # directly: the entries may sit in approved months, whose time the plan does not change.
    entries = LogEntry.objects.filter(program=program, district=maple, school_year=year, priority__isnull=True)
    entries.filter(focus_area__name__in=["Student engagement & agency", "Technology integration"]).update(
        priority=priorities[0])  # fmt: skip
    entries.filter(focus_area__name__in=["Assessment & data", "Math", "Literacy"]).update(priority=priorities[1])
    entries.filter(focus_area__name__in=["Digital citizenship", "Classroom management"]).update(
        priority=priorities[2])  # fmt: skip
    started = school_year_bounds(year)[0]
    cycles = list(Cycle.objects.filter(district=maple, coach__program=program, started_on__gte=started)
                  .order_by("started_on", "pk").values_list("pk", flat=True))  # fmt: skip
    for i, pk in enumerate(cycles):
        Cycle.objects.filter(pk=pk).update(priority=priorities[i % 2])
    PDSession.objects.filter(district=maple, program=program, date__gte=school_year_bounds(year)[0]).update(
        priority=priorities[0])  # fmt: skip


def coaching_plan_demo_receiver(sender: object, *, today: dt.date, **kwargs: Any) -> dict[str, int]:
    return load_coaching_plan_demo(today=today)
