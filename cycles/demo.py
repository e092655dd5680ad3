"""Demo Impact Cycles for the demo program, at every stage. Safe to load twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from coaching.models import Coach, LogEntry
from teachers.models import Teacher
from toolkit.schoolyear import school_year_bounds, school_year_of

from . import services
from .models import (
    Adjustment,
    AdjustmentKind,
    Cycle,
    Evidence,
    EvidenceKind,
    Goal,
    LearnMode,
    Occasion,
    Outcome,
    ProgressMeasure,
    Reflection,
    Stage,
    StageChange,
)

PLANS = [
    # (title, stage, goal statement, measure, baseline, target, points, shared)
    ("Exit tickets in Grade 2", Stage.IMPROVE, "90% of students score 4/5 or better on daily math exit tickets",
     "exit-ticket score ≥ 4/5", "52", "90", ["58", "64", "71", "76"], True),
    ("Student talk in science", Stage.LEARN, "Every student explains their reasoning aloud at least once a lesson",
     "students who explain reasoning aloud", "35", "100", [], False),
    ("Reading conferences", Stage.IDENTIFY, "", "", "", "", [], False),
    ("Number talks routine", Stage.CLOSED, "85% of students use two strategies to solve a number talk",
     "students using two strategies", "30", "85", ["45", "62", "79", "88"], False),
    ("Chromebook routines", Stage.IMPROVE, "Students start the digital task within 2 minutes of the signal",
     "students on task within 2 minutes", "40", "95", ["55", "70"], False),
    # Shared by their teachers, so the district's impact figures (five cycles at least) show in the demo.
    ("Fractions on a number line", Stage.IMPROVE, "80% of students place fractions correctly on a number line",
     "students placing fractions correctly", "20", "80", ["35", "50", "62"], True),
    ("Writing conferences", Stage.CLOSED, "75% of students revise a paragraph after a conference",
     "students who revise after a conference", "40", "75", ["50", "66", "78"], True),
    ("Math discourse moves", Stage.IMPROVE, "70% of students build on a classmate's idea in discussion",
     "students building on an idea", "25", "70", ["30", "41"], True),
    ("Vocabulary routines", Stage.CLOSED, "85% of students use the week's words in writing",
     "students using the week's words", "45", "85", ["60", "72", "86"], True),
]  # fmt: skip
# The first five demo cycles started a week apart, the most recent two weeks ago; the later ones
# (with every measure in the past) a few months ago.
RECENT_PLANS = 5


@transaction.atomic
def load_cycles_demo(*, today: dt.date) -> int:
    """Open the demo cycles for the first demo coach if none exist yet; returns the cycle count."""
    coach = Coach.objects.filter(user__username="coach").select_related("user").first()
    if coach is None:
        return Cycle.objects.count()
    if not Cycle.objects.filter(coach=coach).exists():
        _cycles_demo(coach, today=today)
    _pd_demo(coach, today=today)
    _kickoff_demo(coach, today=today)
    _pd_followup_demo(coach, today=today)
    return Cycle.objects.count()


def _cycles_demo(coach: Coach, *, today: dt.date) -> None:
    user = coach.user
    ava = Teacher.objects.filter(user__username="teacher").first()
    others = Teacher.objects.filter(district__name="Maple Grove CUSD 5")
    district_teachers = list((others.exclude(pk=ava.pk) if ava else others)[:8])
    partners = [ava, *district_teachers] if ava else district_teachers
    for index, (title, stage, statement, measure, baseline, target, points, shared) in enumerate(PLANS):
        teacher = partners[index % len(partners)]
        started = today - dt.timedelta(weeks=10 - index if index < RECENT_PLANS else 9 + index)
        cycle = services.cycle_start(coach=coach, teachers=[teacher], title=title, started_on=started)
        services.cycle_update_plan(
            cycle=cycle, by=user, current_reality="Observed two lessons; collected a week of student work.",
            strategy="Exit tickets with immediate feedback" if index == 0 else "Think-pair-share with sentence frames",
            strategy_description="Students answer one question at the end of the lesson; the teacher sorts them "
            "into three piles and starts the next lesson from the middle pile.",
            learn_mode=LearnMode.COACH_MODELS, learn_date=started + dt.timedelta(days=10),
        )  # fmt: skip
        services.evidence_add(
            cycle=cycle, by=user, kind=EvidenceKind.OBSERVATION,
            note="Two lessons observed: about half the class answered the closing question.",
        )  # fmt: skip
        for text in (
            "State the learning target",
            "Model one worked example",
            "Students answer alone",
            "Sort into piles",
        ):
            services.checklist_add(cycle=cycle, text=text)
        if not statement:
            continue
        services.goal_set(
            cycle=cycle, by=user, statement=statement, measure=measure, unit="% of students",
            baseline=Decimal(baseline), target=Decimal(target), deadline=today + dt.timedelta(weeks=8),
            powerful=True, easy=True, emotionally_compelling=True, reachable=True, student_focused=True,
        )  # fmt: skip
        services.cycle_move(cycle=cycle, to_stage=Stage.LEARN, by=user)
        if stage == Stage.LEARN:
            continue
        services.cycle_move(cycle=cycle, to_stage=Stage.IMPROVE, by=user)
        for week, value in enumerate(points):
            services.progress_record(
                cycle=cycle, by=user, date=started + dt.timedelta(weeks=3 + week), value=Decimal(value), n_students=24
            )
        if index == 4:
            services.adjustment_record(
                cycle=cycle, by=user, kind=AdjustmentKind.CHANGE_TEACHING,
                note="Add a visual timer and practise the start signal twice.",
            )  # fmt: skip
        if stage == Stage.CLOSED:
            services.cycle_move(cycle=cycle, to_stage=Stage.CLOSED, by=user, outcome=Outcome.GOAL_MET, goal_met=True,
                                closing_note="Goal met two weeks early.")  # fmt: skip
        if shared:
            services.cycle_share(cycle=cycle, teacher=teacher, shared=True)
        entries = LogEntry.objects.filter(
            coach=coach, school=teacher.school, date__gte=started, cycle_link__isnull=True
        ).order_by("date", "pk")[:4]
        services.time_link(cycle=cycle, entries=entries)
        services.reflection_write(
            author=teacher.user, teacher=teacher, cycle=cycle, occasion=Occasion.AFTER_IMPLEMENTING,
            what_happened="Tried the routine for a week.", what_worked="Students liked seeing their own progress.",
            what_was_hard="Finding five minutes at the end of the lesson.", what_next="Move it to right after recess.",
            confidence=4,
        )  # fmt: skip
    for cycle in Cycle.objects.filter(coach=coach).prefetch_related("goals__measures"):
        _date_history(cycle)


# When each step of a demo cycle happened, in days after the cycle started: a cycle opens in
# Identify, gathers evidence, sets its goal within a week, moves to Learn a week or so in and
# to Improve before the first data point (week 3); it closes a few days after its last one.
EVIDENCE_DAY, GOAL_DAY, LEARN_DAY, IMPROVE_DAY = 2, 6, 8, 17


def _date_history(cycle: Cycle) -> None:
    """Date a demo cycle's history over the weeks since it started (never after now), instead of
    the moment the demo was loaded: stage changes, evidence, goals, adjustments, reflections."""
    started = cycle.started_on
    now = timezone.now()

    def at(days: int, hour: int = 9) -> dt.datetime:
        moment = timezone.make_aware(dt.datetime.combine(started + dt.timedelta(days=days), dt.time(hour)))
        return min(moment, now)

    last_point = max((m.date for g in cycle.goals.all() for m in g.measures.all()), default=None)
    close_day = (last_point - started).days + 3 if last_point else IMPROVE_DAY + 14
    for to_stage, day in ((Stage.IDENTIFY, 0), (Stage.LEARN, LEARN_DAY), (Stage.IMPROVE, IMPROVE_DAY),
                          (Stage.CLOSED, close_day)):  # fmt: skip
        StageChange.objects.filter(cycle=cycle, to_stage=to_stage).update(changed_at=at(day))
    Evidence.objects.filter(cycle=cycle).update(added_at=at(EVIDENCE_DAY, 15))
    Goal.objects.filter(cycle=cycle).update(created_at=at(GOAL_DAY, 16), updated_at=at(GOAL_DAY, 16))
    for measure in ProgressMeasure.objects.filter(goal__cycle=cycle):
        ProgressMeasure.objects.filter(pk=measure.pk).update(recorded_at=at((measure.date - started).days, 15))
    adjustment_day = (last_point - started).days + 1 if last_point else IMPROVE_DAY + 7
    Adjustment.objects.filter(cycle=cycle).update(made_at=at(adjustment_day, 15))
    Reflection.objects.filter(cycle=cycle).update(created_at=at(IMPROVE_DAY + 6, 17))
    fields: dict[str, object] = {"created_at": at(0, 8)}
    if cycle.shared_with_admins:
        fields["shared_changed_at"] = at(IMPROVE_DAY + 1, 18)
    if cycle.is_closed:
        fields["closed_on"] = at(close_day).date()
    Cycle.objects.filter(pk=cycle.pk).update(**fields)


def _pd_demo(coach: Coach, *, today: dt.date) -> None:
    """A K–2 Number Sense PLC session two weeks ago, its attendance, follow-ups and a sign-up."""
    from coaching.models import FocusArea
    from learning.models import PDSession, Resource
    from learning.services import pd_attendance_set, pd_session_schedule, signup_decide, signup_request
    from teachers.models import District

    if PDSession.objects.filter(facilitator=coach).exists():
        return
    district = District.objects.get(name="Maple Grove CUSD 5")
    school = district.schools.get(name="Maple Grove Elementary")
    day = today - dt.timedelta(days=14)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    session = pd_session_schedule(
        coach=coach, district=district, title="K–2 Number Sense PLC", date=day, start_time=dt.time(15, 30),
        minutes=60, focus_area=FocusArea.objects.get(program=None, name="Math"), schools=[school], grade_band="K-2",
        audience="K–2 teachers, grade-level PLC", description="Number talks, dot cards and a modeled lesson offer.",
        capacity=20, resources=Resource.objects.filter(program_id=coach.program_id)[:2],
    )  # fmt: skip
    attendees = list(Teacher.objects.filter(school=school).order_by("last_name")[:9])
    pd_attendance_set(session=session, teachers=attendees)
    for teacher, confidence in zip(attendees[:4], (4, 3, 5, 4), strict=True):
        services.reflection_write(
            author=teacher.user, teacher=teacher, cycle=None, pd_session=session, occasion=Occasion.AFTER_IMPLEMENTING,
            what_happened="Tried a number talk with dot cards.", what_worked="Everyone had a way in.",
            what_was_hard="Keeping it to ten minutes.", confidence=confidence,
        )  # fmt: skip
    signup = signup_request(
        session=session, teacher=attendees[1], kind="modeled_lesson",
        date_preferences="Tuesday or Thursday mornings", note="Grade 1, math block at 9:15",
    )  # fmt: skip
    signup_decide(signup=signup, accept=True, scheduled_for=today + dt.timedelta(days=3))
    signup_request(session=session, teacher=attendees[2], kind="co_teaching", date_preferences="Any afternoon")


def _kickoff_demo(coach: Coach, *, today: dt.date) -> None:
    """The kickoff, action plan and debriefs of the "Exit tickets in Grade 2" cycle (in Improve), and
    the student-agency answers of the closed cycles. Once: a cycle with a kickoff is left alone."""
    from django.core.exceptions import ValidationError

    from coaching.models import FocusArea
    from learning.models import Resource

    from .kickoff import debrief_add
    from .models import Debrief, Kickoff, PlanStep, StepKind

    cycle = Cycle.objects.filter(coach=coach, title="Exit tickets in Grade 2").first()
    if cycle is None or Kickoff.objects.filter(cycle__coach=coach).exists():
        return
    started = cycle.started_on
    kickoff = Kickoff.objects.create(
        cycle=cycle, held_on=started + dt.timedelta(days=3), updated_by=coach.user,
        agency="Students read their own exit-ticket results and choose the next practice set, so they steer their "
        "own review instead of waiting for the teacher's sort.",
        brainstorm="Paper tickets take a planning period to sort. Try a quick digital exit ticket with instant "
        "feedback; keep paper for students who prefer it.",
        other_resources="Sentence stems for feedback (laminated cards)",
        students_know="What a strong written explanation of a strategy looks like",
        students_understand="That a wrong answer tells them which practice set to pick next",
        students_do="Answer one exit question, read the feedback, and choose a practice set",
    )  # fmt: skip
    kickoff.resources.set(Resource.objects.filter(program_id=coach.program_id).order_by("title")[:2])
    # The lessons of the last two weeks, each followed by its debrief the next day; the last is next week.
    steps = [
        PlanStep.objects.create(cycle=cycle, kind=kind, planned_on=today + dt.timedelta(days=days), note=note,
                                done_on=today + dt.timedelta(days=days) if done else None)
        for kind, days, note, done in (
            (StepKind.MODELING, -10, "Coach models the exit ticket with the Grade 2 math block", True),
            (StepKind.CO_TEACHING, -3, "Co-teach: the teacher leads the launch, the coach the feedback", True),
            (StepKind.TEACHER_ALONE, 4, "The teacher runs it alone; the coach drops in for ten minutes", False),
        )
    ]  # fmt: skip
    math = FocusArea.objects.filter(program=None, name="Math").first()
    for step, days_ago, impact, next_time in (
        (steps[0], 9, "Students who usually wait asked to see their feedback; 19 of 24 chose a practice set.",
         "Show the three practice sets before the ticket, not after."),
        (steps[1], 2, "Fewer blank answers (2 instead of 7); the choice of practice set kept the room working.",
         "Let students explain their choice to a partner for one minute."),
    ):  # fmt: skip
        day = today - dt.timedelta(days=days_ago)
        try:
            debrief_add(cycle=cycle, by=coach.user, held_on=day, step=step, impact=impact, next_time=next_time,
                        minutes=20, focus_area=math)  # fmt: skip
        except ValidationError:  # a month already submitted, or a full day: the debrief without its time
            Debrief.objects.create(cycle=cycle, held_on=day, step=step, impact=impact, next_time=next_time,
                                   added_by=coach.user)  # fmt: skip
    for closed in Cycle.objects.filter(coach=coach, stage=Stage.CLOSED):
        answer = "Students track their own progress on a chart and pick the next goal with the teacher."
        held_on = closed.started_on + dt.timedelta(days=3)
        Kickoff.objects.get_or_create(cycle=closed, defaults={"held_on": held_on, "updated_by": coach.user,
                                                              "agency": answer})  # fmt: skip
        Cycle.objects.filter(pk=closed.pk, agency_at_close="").update(
            agency_at_close="Students set their own target for the next unit and explain it at conferences."
        )


# ---------------------------------------------------------------------------- the standards as a lens

# The demo cycles' Teacher Leader Model Standards domains (by number), and their goals'.
CYCLE_DOMAINS = {
    "Exit tickets in Grade 2": (4, 5), "Student talk in science": (4,), "Number talks routine": (3, 4),
    "Chromebook routines": (4,), "Fractions on a number line": (2, 5), "Writing conferences": (4,),
    "Math discourse moves": (1, 4), "Vocabulary routines": (4,),
}  # fmt: skip
GOAL_DOMAINS = {"Exit tickets in Grade 2": (5,), "Fractions on a number line": (5,)}
# The principle each demo teacher's reflection names, in cycle order (one stays silent).
REFLECTION_PRINCIPLES = ["voice", "choice", "dialogue", "", "voice", "reflection", "praxis", "choice"]
# Last school year's closed cycles of the second coach, each with a reflection naming a principle:
# six teachers, so the program's report of that finished year shows the counts.
PAST_CYCLES = [
    ("Reading rotations", "voice"), ("Lab notebooks", "voice"), ("Station rotation", "choice"),
    ("Exit slips in Grade 7", "dialogue"), ("Math journals", "reflection"), ("Socratic seminar", "praxis"),
]  # fmt: skip


@transaction.atomic
def load_standards_demo(*, today: dt.date) -> dict[str, int]:
    """Tag the demo's cycles, goals, PD session and resources with the standards' domains, name a
    partnership principle in the demo teachers' reflections, and give the second coach a finished
    school year of reflections (six teachers). Safe to load twice: tags are set, not added, and
    last year's cycles are made once."""
    from coaching.models import StandardsDomain
    from learning.models import PDSession, Resource

    domains = {d.number: d for d in StandardsDomain.objects.all()}
    if not domains:
        return {}
    coach = Coach.objects.filter(user__username="coach").first()
    if coach is not None:
        cycles = list(Cycle.objects.filter(coach=coach).order_by("started_on", "pk"))
        for cycle in cycles:
            cycle.domains.set([domains[n] for n in CYCLE_DOMAINS.get(cycle.title, ())])
            goal = cycle.goals.filter(is_current=True).first()
            if goal is not None:
                goal.domains.set([domains[n] for n in GOAL_DOMAINS.get(cycle.title, ())])
        reflections = Reflection.objects.filter(cycle__coach=coach, teacher__isnull=False).order_by("cycle__started_on")
        for reflection, principle in zip(reflections, REFLECTION_PRINCIPLES, strict=False):
            Reflection.objects.filter(pk=reflection.pk).update(principle=principle)
        for session in PDSession.objects.filter(facilitator=coach):
            session.domains.set([domains[1], domains[3]])
        for resource, numbers in zip(Resource.objects.filter(program_id=coach.program_id).order_by("pk"),
                                     ((3,), (4, 5), (3,)), strict=False):  # fmt: skip
            resource.domains.set([domains[n] for n in numbers])
    _past_year_demo(today=today)
    return {"cycles tagged with a standard": Cycle.objects.filter(domains__isnull=False).distinct().count()}


PAST_DOMAINS = [(4,), (2, 4), (3,), (4,), (5,), (1, 7)]


def _past_year_demo(*, today: dt.date) -> None:
    from coaching.models import StandardsDomain

    coach = Coach.objects.filter(user__username="coach2").first()
    if coach is None or Cycle.objects.filter(coach=coach, title__in=[t for t, _ in PAST_CYCLES]).exists():
        return
    year = school_year_of(today) - 1
    start, _end = school_year_bounds(year)
    teachers = list(Teacher.objects.filter(district__name="Riverbend SD 12").select_related("school")
                    .order_by("last_name", "pk")[: len(PAST_CYCLES)])  # fmt: skip
    zone = timezone.get_current_timezone()
    for index, ((title, principle), teacher) in enumerate(zip(PAST_CYCLES, teachers, strict=False)):
        started = start + dt.timedelta(days=70 + 14 * index)
        closed = started + dt.timedelta(days=90)
        cycle = Cycle.objects.create(
            coach=coach, district_id=teacher.district_id, school=teacher.school, title=title, started_on=started,
            stage=Stage.CLOSED, outcome=Outcome.GOAL_MET, goal_met=True, closed_on=closed,
            strategy="Think-pair-share with sentence frames",
        )  # fmt: skip
        cycle.teachers.add(teacher)
        StageChange.objects.create(cycle=cycle, from_stage="", to_stage=Stage.IDENTIFY)
        StageChange.objects.create(cycle=cycle, from_stage=Stage.IMPROVE, to_stage=Stage.CLOSED,
                                   reason="Closed at the end of the cycle.")  # fmt: skip
        StageChange.objects.filter(cycle=cycle, to_stage=Stage.IDENTIFY).update(
            changed_at=dt.datetime.combine(started, dt.time(9), tzinfo=zone))  # fmt: skip
        StageChange.objects.filter(cycle=cycle, to_stage=Stage.CLOSED).update(
            changed_at=dt.datetime.combine(closed, dt.time(15), tzinfo=zone))  # fmt: skip
        cycle.domains.set(StandardsDomain.objects.filter(number__in=PAST_DOMAINS[index]))
        reflection = Reflection.objects.create(
            cycle=cycle, teacher=teacher, author=teacher.user, occasion=Occasion.CYCLE_CLOSE,
            what_happened="We closed the cycle.", what_worked="Seeing the students' progress every week.",
            confidence=4, principle=principle,
        )  # fmt: skip
        Reflection.objects.filter(pk=reflection.pk).update(
            created_at=dt.datetime.combine(closed, dt.time(16), tzinfo=zone))  # fmt: skip


def demo_loaded_receiver(sender: object, *, today: dt.date, **kwargs: Any) -> dict[str, int]:
    return load_standards_demo(today=today)


def _pd_followup_demo(coach: Coach, *, today: dt.date) -> None:
    """The PD session's follow-up groups, as the coach would sort them: the attendees who
    answered are placed by their answers, three who did not by the coach (two left unplaced);
    each group offered its next step a few days after the session."""
    from learning.models import FollowUpNeed, FollowUpStep, PDSession
    from learning.services import FollowUpOffer, followup_groups_set

    from .selectors import pd_followup_needs_suggest

    session = PDSession.objects.filter(facilitator=coach).order_by("pk").first()
    if session is None or session.followup_groups.exists():
        return
    suggested = pd_followup_needs_suggest(session=session)
    placements = {pk: s.need for pk, s in suggested.items()}
    unanswered = list(session.attendees.exclude(pk__in=placements).order_by("last_name", "first_name", "pk"))
    placements.update({t.pk: FollowUpNeed.GUIDANCE for t in unanswered[:3]})

    def after(days: int) -> dt.date:
        return min(session.date + dt.timedelta(days=days), today)

    offers: dict[str, FollowUpOffer] = {
        FollowUpNeed.MASTERED: FollowUpOffer(FollowUpStep.EXTENSION, "Number talks with 2-digit strings, and a "
                                             "student-led version to try.", after(2), after(9)),
        FollowUpNeed.GUIDANCE: FollowUpOffer(FollowUpStep.SMALL_GROUP, "A 30-minute small-group session on "
                                             "choosing dot-card images.", after(3)),
        FollowUpNeed.MODELING: FollowUpOffer(FollowUpStep.MICRO_MODELING, "A 10-minute number talk modeled in "
                                             "their own math block.", after(2)),
    }  # fmt: skip
    followup_groups_set(session=session, placements=placements, offers=offers)
