"""Demo Impact Cycles for the demo program, at every stage. Safe to load twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from coaching.models import Coach, LogEntry
from teachers.models import Teacher

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
