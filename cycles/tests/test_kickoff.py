"""From kickoff to debrief: the kickoff and the action plan in Identify and Learn, a debrief after each
lesson in Improve, each meeting logged once as the coach's time, and student agency asked at the
kickoff and again at the close."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from coaching.models import CoachMonth, LogEntry, MonthStatus
from coaching.selectors import week_get
from coaching.tests.factories import ProgramFactory, activity, focus_area
from cycles import kickoff, services
from cycles.access import CycleView
from cycles.models import Cycle, CycleTime, Debrief, Kickoff, LearnMode, PlanStep, Stage, StepKind
from cycles.selectors import cycle_page_get
from learning import services as learning
from teachers.models import Role
from teachers.tests.factories import TeacherFactory, UserFactory
from toolkit.schoolyear import monday_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(tenant_a):
    activity()  # the built-in activities and focus areas
    return services.cycle_start(coach=tenant_a.coach, teachers=[tenant_a.teacher], title="Feedback with Snaps")


def _stage(cycle, stage):
    Cycle.objects.filter(pk=cycle.pk).update(stage=stage)
    cycle.refresh_from_db()


def _url(name, cycle, *args):
    return reverse(f"cycles:{name}", args=[cycle.public_id, *args])


def _kickoff_post(**extra):
    return {"held_on": timezone.localdate().isoformat(), "agency": "Students choose how they show the feedback loop",
            "brainstorm": "Snaps for quick feedback", "students_know": "what good feedback is",
            "students_understand": "feedback helps them revise", "students_do": "revise a paragraph",
            "other_resources": "Feedback stems poster", **extra}  # fmt: skip


def test_the_coach_writes_the_kickoff_with_its_time_logged_once(client, tenant_a, cycle):
    mine = learning.resource_create(program=tenant_a.program, by=tenant_a.coach.user, title="Snaps how-to",
                                    kind="video", link="https://example.org/snaps")  # fmt: skip
    theirs = learning.resource_create(program=ProgramFactory(), by=tenant_a.coach.user, title="Other program's",
                                      kind="video", link="https://example.org/x")  # fmt: skip
    client.force_login(tenant_a.coach.user)
    data = _kickoff_post(minutes="50", start_time="14:00", focus_area=focus_area().pk, resources=[mine.pk])
    response = client.post(_url("kickoff", cycle), data)
    assert response.status_code == 302
    saved = Kickoff.objects.get(cycle=cycle)
    assert saved.agency == "Students choose how they show the feedback loop"
    assert list(saved.resources.all()) == [mine]
    entry = LogEntry.objects.get()
    assert saved.entry == entry
    assert (entry.minutes, entry.activity.name, entry.focus_area, entry.notes) == (50, "Co-Planning", focus_area(), "")
    assert (entry.start_time, entry.end_time) == (dt.time(14, 0), dt.time(14, 50))
    assert (entry.district, entry.school, list(entry.teachers.all())) == (
        tenant_a.district,
        tenant_a.school,
        [tenant_a.teacher],
    )
    assert CycleTime.objects.get(cycle=cycle).entry == entry
    # Saved again, it is not logged again: once its time is logged the form has no length field,
    # and the service refuses a second length.
    page = client.get(_url("kickoff", cycle)).content.decode()
    assert 'name="minutes"' not in page
    data = _kickoff_post(agency="Students pick their own revision goal", minutes="50")
    assert client.post(_url("kickoff", cycle), data).status_code == 302
    assert Kickoff.objects.get(cycle=cycle).agency == "Students pick their own revision goal"
    assert LogEntry.objects.count() == 1
    with pytest.raises(Exception, match="already logged"):
        kickoff.kickoff_save(cycle=cycle, by=tenant_a.coach.user, held_on=timezone.localdate(), minutes=20,
                             focus_area=focus_area())  # fmt: skip
    assert LogEntry.objects.count() == 1
    week = week_get(coach=tenant_a.coach, monday=monday_of(entry.date))
    assert (week.minutes, week.entry_count) == (50, 1)
    assert cycle_page_get(cycle=cycle, view=CycleView.COACH).minutes_invested == 50
    assert theirs not in Kickoff.objects.get(cycle=cycle).resources.all()


def test_a_kickoff_after_learn_is_refused_beside_the_date_and_nothing_changes(client, tenant_a, cycle):
    client.force_login(tenant_a.coach.user)
    _stage(cycle, Stage.IMPROVE)
    response = client.post(_url("kickoff", cycle), _kickoff_post(minutes="30", focus_area=focus_area().pk))
    assert response.status_code == 400
    page = response.content.decode()
    assert "The kickoff is held in Identify or Learn; this cycle is in Improve" in page
    assert '<span id="error_1_id_held_on"><strong>The kickoff is held in Identify or Learn' in page
    assert not Kickoff.objects.exists()
    assert not LogEntry.objects.exists()


def test_the_plan_is_written_in_identify_and_learn_and_steps_are_done_later(client, tenant_a, cycle):
    client.force_login(tenant_a.coach.user)
    today = timezone.localdate()
    for kind, days in ((StepKind.MODELING, 0), (StepKind.CO_TEACHING, 7), (StepKind.TEACHER_ALONE, 14)):
        data = {"kind": kind, "planned_on": (today + dt.timedelta(days=days)).isoformat(), "note": "Period 3"}
        assert client.post(_url("plan_step_add", cycle), data).status_code == 302
    assert list(PlanStep.objects.values_list("kind", flat=True)) == ["modeling", "co_teaching", "teacher_alone"]
    _stage(cycle, Stage.IMPROVE)
    refused = client.post(_url("plan_step_add", cycle), {"kind": StepKind.MODELING, "planned_on": today.isoformat()})
    assert refused.status_code == 400
    assert "The action plan is written in Identify or Learn; this cycle is in Improve" in refused.content.decode()
    assert PlanStep.objects.count() == 3
    modeling, _co, alone = PlanStep.objects.all()
    done = client.post(_url("plan_step_done", cycle, modeling.pk),
                       {"done_on": today.isoformat(), "minutes": "45", "focus_area": focus_area().pk})  # fmt: skip
    assert done.status_code == 302
    modeling.refresh_from_db()
    assert modeling.done_on == today
    assert modeling.entry is not None
    assert (modeling.entry.activity.name, modeling.entry.minutes) == ("Modeling or Co-teaching", 45)
    # The teacher teaching alone is not the coach's time: a length is no field of its form, and the service refuses it.
    assert client.post(_url("plan_step_done", cycle, alone.pk), {"done_on": today.isoformat(),
                                                                  "minutes": "30"}).status_code == 302  # fmt: skip
    alone.refresh_from_db()
    assert (alone.done_on, alone.entry) == (today, None)
    assert LogEntry.objects.count() == 1
    future = client.post(_url("plan_step_done", cycle, _co.pk),
                         {"done_on": (today + dt.timedelta(days=2)).isoformat()})  # fmt: skip
    assert future.status_code == 400
    assert "not in the future" in future.content.decode()


def test_a_teacher_alone_step_with_a_length_is_refused_by_the_service(tenant_a, cycle):
    step = PlanStep.objects.create(cycle=cycle, kind=StepKind.TEACHER_ALONE, planned_on=timezone.localdate())
    with pytest.raises(Exception, match="models or co-teaches"):
        kickoff.plan_step_done(step=step, by=tenant_a.coach.user, done_on=timezone.localdate(), minutes=30,
                               focus_area=focus_area())  # fmt: skip
    step.refresh_from_db()
    assert step.done_on is None
    assert not LogEntry.objects.exists()


def test_a_modeled_step_is_the_cycles_modeled_lesson_so_it_is_never_logged_twice(client, tenant_a, cycle):
    today = timezone.localdate()
    Cycle.objects.filter(pk=cycle.pk).update(stage=Stage.LEARN, learn_mode=LearnMode.COACH_MODELS, learn_date=today)
    step = PlanStep.objects.create(cycle=cycle, kind=StepKind.MODELING, planned_on=today)
    kickoff.plan_step_done(step=step, by=tenant_a.coach.user, done_on=today, minutes=40, focus_area=focus_area())
    cycle.refresh_from_db()
    step.refresh_from_db()
    assert cycle.modeled_entry == step.entry
    client.force_login(tenant_a.coach.user)
    page = client.get(_url("detail", cycle)).content.decode()
    assert "Record the modeled lesson" not in page
    assert "Modeled lesson recorded" in page
    assert cycle_page_get(cycle=cycle, view=CycleView.COACH).minutes_invested == 40


def test_a_debrief_is_refused_outside_improve_and_logged_once_in_improve(client, tenant_a, cycle):
    client.force_login(tenant_a.coach.user)
    today = timezone.localdate()
    _stage(cycle, Stage.LEARN)
    step = PlanStep.objects.create(cycle=cycle, kind=StepKind.CO_TEACHING, planned_on=today)
    data = {"held_on": today.isoformat(), "step": step.pk, "impact": "Students asked for Snaps feedback twice",
            "next_time": "Give the stems first", "minutes": "20", "focus_area": focus_area().pk}  # fmt: skip
    refused = client.post(_url("debrief_add", cycle), data)
    assert refused.status_code == 400
    assert "Debriefs follow the lessons of Improve; this cycle is in Learn" in refused.content.decode()
    assert not Debrief.objects.exists()
    assert not LogEntry.objects.exists()
    _stage(cycle, Stage.IMPROVE)
    assert client.post(_url("debrief_add", cycle), data).status_code == 302
    debrief = Debrief.objects.get()
    assert (debrief.step, debrief.impact, debrief.next_time) == (step, data["impact"], "Give the stems first")
    assert (debrief.entry.activity.name, debrief.entry.minutes) == ("Observation or Feedback", 20)
    assert CycleTime.objects.filter(cycle=cycle, entry=debrief.entry).count() == 1
    page = client.get(_url("kickoff", cycle)).content.decode()
    assert "Students asked for Snaps feedback twice" in page
    assert "20 min" in page


def _debrief_data(step=None, **extra):
    today = timezone.localdate()
    return {"held_on": today.isoformat(), "step": step.pk if step else "", "impact": "Quieter students wrote more",
            "minutes": "30", "focus_area": focus_area().pk, **extra}  # fmt: skip


def test_a_locked_month_refuses_the_debrief_beside_the_date_keeps_the_input_and_saves_nothing(client, tenant_a, cycle):
    client.force_login(tenant_a.coach.user)
    _stage(cycle, Stage.IMPROVE)
    today = timezone.localdate()
    CoachMonth.objects.create(coach=tenant_a.coach, month=today.replace(day=1), status=MonthStatus.SUBMITTED,
                              submitted_at=timezone.now())  # fmt: skip
    response = client.post(_url("debrief_add", cycle), _debrief_data())
    assert response.status_code == 400
    page = response.content.decode()
    assert "submitted" in page.lower()
    assert "Quieter students wrote more" in page
    assert not Debrief.objects.exists()
    assert not LogEntry.objects.exists()
    assert not CycleTime.objects.exists()


def test_a_day_over_sixteen_hours_refuses_the_kickoff_and_saves_nothing(client, tenant_a, cycle):
    client.force_login(tenant_a.coach.user)
    services.evidence_add(cycle=cycle, by=tenant_a.coach.user, kind="observation", note="All day",
                          date=timezone.localdate(), minutes=720, focus_area=focus_area())  # fmt: skip
    services.evidence_add(cycle=cycle, by=tenant_a.coach.user, kind="observation", note="Evening",
                          date=timezone.localdate(), minutes=200, focus_area=focus_area())  # fmt: skip
    before = (LogEntry.objects.count(), CycleTime.objects.count())
    response = client.post(_url("kickoff", cycle), _kickoff_post(minutes="90", focus_area=focus_area().pk))
    assert response.status_code == 400
    page = response.content.decode()
    assert "a day cannot exceed 16 hours" in page
    assert 'value="90"' in page
    assert "Students choose how they show the feedback loop" in page
    assert not Kickoff.objects.exists()
    assert (LogEntry.objects.count(), CycleTime.objects.count()) == before


def test_a_district_off_the_contracts_refuses_the_step_time_and_the_step_stays_undone(client, tenant_a, cycle):
    client.force_login(tenant_a.coach.user)
    step = PlanStep.objects.create(cycle=cycle, kind=StepKind.MODELING, planned_on=timezone.localdate())
    type(tenant_a.contract).objects.filter(pk=tenant_a.contract.pk).update(
        school_year=tenant_a.contract.school_year - 1
    )
    response = client.post(_url("plan_step_done", cycle, step.pk), {"done_on": timezone.localdate().isoformat(),
                                                                     "minutes": "45"})  # fmt: skip
    assert response.status_code == 400
    assert "is not on one of your contracts" in response.content.decode()
    step.refresh_from_db()
    assert (step.done_on, step.entry) == (None, None)
    assert not LogEntry.objects.exists()


def test_closing_asks_student_agency_again(client, tenant_a, cycle):
    _stage(cycle, Stage.IMPROVE)
    client.force_login(tenant_a.coach.user)
    data = {"version": cycle.version, "to_stage": Stage.CLOSED, "outcome": "goal_met", "goal_met": "yes",
            "agency_at_close": "Students now choose their feedback tool"}  # fmt: skip
    response = client.post(_url("move", cycle), data)
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.agency_at_close == "Students now choose their feedback tool"
    assert "Students now choose their feedback tool" in client.get(_url("kickoff", cycle)).content.decode()
    detail = client.get(_url("detail", cycle)).content.decode()
    assert "How it empowered learners:</strong> Students now choose their feedback tool" in detail


# ---------------------------------------------------------------------------- who sees it


def _meetings(tenant_a, cycle):
    today = timezone.localdate()
    kickoff.kickoff_save(cycle=cycle, by=tenant_a.coach.user, held_on=today, agency="SECRET-AGENCY",
                         brainstorm="SECRET-BRAINSTORM")  # fmt: skip
    step = kickoff.plan_step_add(cycle=cycle, by=tenant_a.coach.user, kind=StepKind.MODELING, planned_on=today,
                                 note="SECRET-STEP")  # fmt: skip
    _stage(cycle, Stage.IMPROVE)
    kickoff.debrief_add(cycle=cycle, by=tenant_a.coach.user, held_on=today, step=step, impact="SECRET-DEBRIEF")
    cycle.refresh_from_db()


def test_the_cycles_teacher_and_coach_see_the_meetings_and_administrators_never_do(client, tenant_a, tenant_b, cycle):
    _meetings(tenant_a, cycle)
    services.cycle_share(cycle=cycle, teacher=tenant_a.teacher, shared=True)
    for user in (tenant_a.coach.user, tenant_a.teacher.user):
        client.force_login(user)
        page = client.get(_url("kickoff", cycle)).content.decode()
        for secret in ("SECRET-AGENCY", "SECRET-BRAINSTORM", "SECRET-STEP", "SECRET-DEBRIEF"):
            assert secret in page
    peer = TeacherFactory(school=tenant_a.school, user=UserFactory(username="peer", role=Role.TEACHER))
    for user in (tenant_a.district_admin, tenant_a.director, peer.user, tenant_b.coach.user, tenant_b.district_admin):
        client.force_login(user)
        assert client.get(_url("kickoff", cycle)).status_code == 404
        assert client.post(_url("debrief_add", cycle), _debrief_data()).status_code == 404
        detail = client.get(_url("detail", cycle))
        assert "SECRET" not in detail.content.decode()
    assert Debrief.objects.count() == 1


def test_a_teacher_writes_the_plan_but_never_logs_time(client, tenant_a, cycle):
    chosen = learning.resource_create(program=tenant_a.program, by=tenant_a.coach.user, title="Snaps how-to",
                                      kind="video", link="https://example.org/snaps")  # fmt: skip
    kickoff.kickoff_save(cycle=cycle, by=tenant_a.coach.user, held_on=timezone.localdate(), resources=[chosen])
    client.force_login(tenant_a.teacher.user)
    page = client.get(_url("kickoff", cycle)).content.decode()
    assert 'name="minutes"' not in page
    assert client.post(_url("kickoff", cycle), _kickoff_post(minutes="40")).status_code == 302
    saved = Kickoff.objects.get(cycle=cycle)
    assert saved.entry is None
    assert saved.agency == "Students choose how they show the feedback loop"
    assert list(saved.resources.all()) == [chosen]  # the coach's choice from the library stays
    assert not LogEntry.objects.exists()
    _stage(cycle, Stage.IMPROVE)
    with pytest.raises(Exception, match="Only the cycle's coach logs time"):
        kickoff.debrief_add(cycle=cycle, by=tenant_a.teacher.user, held_on=timezone.localdate(), impact="x",
                            minutes=30, focus_area=focus_area())  # fmt: skip


def test_the_kickoff_page_takes_as_many_queries_for_many_steps_as_for_one(
    client, tenant_a, cycle, django_assert_max_num_queries
):
    client.force_login(tenant_a.coach.user)
    today = timezone.localdate()
    kickoff.kickoff_save(cycle=cycle, by=tenant_a.coach.user, held_on=today, agency="a")
    PlanStep.objects.create(cycle=cycle, kind=StepKind.MODELING, planned_on=today)
    _stage(cycle, Stage.IMPROVE)
    Debrief.objects.create(cycle=cycle, held_on=today, impact="x")
    with django_assert_max_num_queries(30) as small:
        assert client.get(_url("kickoff", cycle)).status_code == 200
    for _ in range(12):
        step = kickoff.plan_step_done(step=PlanStep.objects.create(cycle=cycle, kind=StepKind.MODELING,
                                                                   planned_on=today),
                                      by=tenant_a.coach.user, done_on=today, minutes=10,
                                      focus_area=focus_area())  # fmt: skip
        kickoff.debrief_add(cycle=cycle, by=tenant_a.coach.user, held_on=today, step=step, impact="y", minutes=5,
                            focus_area=focus_area())  # fmt: skip
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(_url("kickoff", cycle)).status_code == 200
    with django_assert_max_num_queries(40) as detail_small:
        client.get(_url("detail", cycle))
    print("kickoff page queries:", len(small.captured_queries), "cycle page:", len(detail_small.captured_queries))


def test_the_teachers_export_holds_the_meetings_and_erasing_the_teacher_removes_them(tenant_a, cycle):
    from cycles.lifecycle import teacher_data, teacher_erase

    _meetings(tenant_a, cycle)
    services.cycle_move(cycle=cycle, to_stage=Stage.CLOSED, by=tenant_a.coach.user, outcome="ended", goal_met=False,
                        reason="Moved school", agency_at_close="SECRET-CLOSE")  # fmt: skip
    exported = next(c for c in teacher_data(tenant_a.teacher)["cycles"] if c["title"] == cycle.title)
    assert (exported["kickoff"]["agency"], exported["kickoff"]["brainstorm"]) == ("SECRET-AGENCY", "SECRET-BRAINSTORM")
    assert [s["note"] for s in exported["action_plan"]] == ["SECRET-STEP"]
    assert [d["impact"] for d in exported["debriefs"]] == ["SECRET-DEBRIEF"]
    assert exported["agency_at_close"] == "SECRET-CLOSE"
    teacher_erase(teacher=tenant_a.teacher, by=tenant_a.district_admin)
    assert not Kickoff.objects.filter(cycle=cycle).exists()
    assert not PlanStep.objects.filter(cycle=cycle).exists()
    assert not Debrief.objects.filter(cycle=cycle).exists()
    cycle.refresh_from_db()
    assert cycle.agency_at_close == ""
