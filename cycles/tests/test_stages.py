"""The Impact Cycle's stages, the PEERS goal, progress measures and time invested (services)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from coaching.tests.factories import LogEntryFactory
from cycles import services
from cycles.models import Cycle, Goal, Stage, StageChange
from cycles.selectors import cycle_stage_counts, progress_chart_get
from teachers.tests.factories import SchoolFactory, TeacherFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def start(tenant, **kwargs) -> Cycle:
    return services.cycle_start(coach=tenant.coach, teachers=kwargs.pop("teachers", [tenant.teacher]),
                                title=kwargs.pop("title", "Exit tickets"), **kwargs)  # fmt: skip


def peers_goal(cycle, user, **overrides) -> Goal:
    values = {
        "statement": "90% of students score 4/5 on exit tickets",
        "measure": "exit-ticket score ≥ 4/5",
        "unit": "% of students",
        "baseline": Decimal(50),
        "target": Decimal(90),
        "deadline": TODAY() + dt.timedelta(weeks=6),
        **dict.fromkeys(("powerful", "easy", "emotionally_compelling", "reachable", "student_focused"), True),
    }
    values.update(overrides)
    return services.goal_set(cycle=cycle, by=user, **values)


def ready(tenant) -> Cycle:
    cycle = start(tenant)
    user = tenant.coach.user
    peers_goal(cycle, user)
    services.cycle_update_plan(cycle=cycle, by=user, strategy="Exit tickets with feedback")
    return cycle


def test_a_cycle_opens_in_identify_and_records_who_opened_it(tenant_a):
    cycle = start(tenant_a)
    assert cycle.stage == Stage.IDENTIFY
    [change] = cycle.stage_changes.all()
    assert (change.from_stage, change.to_stage, change.changed_by) == ("", Stage.IDENTIFY, tenant_a.coach.user)
    assert (cycle.district, cycle.school) == (tenant_a.district, tenant_a.school)


def test_a_team_must_share_one_school_and_stay_small(tenant_a):
    other_school = TeacherFactory(school=SchoolFactory(district=tenant_a.district))
    with pytest.raises(ValidationError, match="same school"):
        start(tenant_a, teachers=[tenant_a.teacher, other_school])
    team = [TeacherFactory(school=tenant_a.school) for _ in range(7)]
    with pytest.raises(ValidationError, match="at most 6"):
        start(tenant_a, teachers=team)
    assert start(tenant_a, teachers=team[:6]).teachers.count() == 6


def test_a_coach_cannot_open_a_cycle_in_a_district_they_do_not_serve(tenant_a, tenant_b):
    with pytest.raises(ValidationError, match="district you serve"):
        start(tenant_a, teachers=[tenant_b.teacher])


def test_leaving_identify_needs_a_peers_goal_and_a_strategy(tenant_a):
    cycle = start(tenant_a)
    user = tenant_a.coach.user
    with pytest.raises(ValidationError) as excinfo:
        services.cycle_move(cycle=cycle, to_stage=Stage.LEARN, by=user)
    assert "write the PEERS goal and choose the teaching strategy" in str(excinfo.value)
    peers_goal(cycle, user, easy=False)
    services.cycle_update_plan(cycle=cycle, by=user, strategy="Exit tickets")
    with pytest.raises(ValidationError, match="all five PEERS letters"):
        services.cycle_move(cycle=cycle, to_stage=Stage.LEARN, by=user)
    peers_goal(cycle, user)
    assert services.cycle_move(cycle=cycle, to_stage=Stage.LEARN, by=user).stage == Stage.LEARN


def test_forward_one_stage_at_a_time_needs_no_reason(tenant_a):
    cycle = ready(tenant_a)
    user = tenant_a.coach.user
    services.cycle_move(cycle=cycle, to_stage=Stage.LEARN, by=user)
    services.cycle_move(cycle=cycle, to_stage=Stage.IMPROVE, by=user)
    services.cycle_move(cycle=cycle, to_stage=Stage.CLOSED, by=user, outcome="goal_met", goal_met=True)
    cycle.refresh_from_db()
    assert cycle.stage == Stage.CLOSED
    assert cycle.closed_on == TODAY()
    assert list(cycle.stage_changes.values_list("to_stage", flat=True)) == ["identify", "learn", "improve", "closed"]
    assert cycle.goals.get().met_on == TODAY()


@pytest.mark.parametrize(
    ("path", "target"),
    [((), Stage.IMPROVE), ((), Stage.CLOSED), ((Stage.LEARN,), Stage.CLOSED)],
)
def test_skipping_a_stage_needs_a_reason_and_records_it(tenant_a, path, target):
    cycle = ready(tenant_a)
    user = tenant_a.coach.user
    for stage in path:
        services.cycle_move(cycle=cycle, to_stage=stage, by=user)
    extra = {"outcome": "ended", "goal_met": False} if target == Stage.CLOSED else {}
    with pytest.raises(ValidationError) as excinfo:
        services.cycle_move(cycle=cycle, to_stage=target, by=user, **extra)
    assert "say why" in excinfo.value.message_dict["reason"][0]
    services.cycle_move(cycle=cycle, to_stage=target, by=user, reason="Teacher moved schools", **extra)
    assert cycle.stage_changes.last().reason == "Teacher moved schools"


def test_improve_can_loop_back_to_learn_with_a_reason_but_nothing_else_goes_back(tenant_a):
    cycle = ready(tenant_a)
    user = tenant_a.coach.user
    services.cycle_move(cycle=cycle, to_stage=Stage.LEARN, by=user)
    with pytest.raises(ValidationError, match="only go back from Improve to Learn"):
        services.cycle_move(cycle=cycle, to_stage=Stage.IDENTIFY, by=user, reason="oops")
    services.cycle_move(cycle=cycle, to_stage=Stage.IMPROVE, by=user)
    with pytest.raises(ValidationError):
        services.cycle_move(cycle=cycle, to_stage=Stage.LEARN, by=user)
    services.cycle_move(cycle=cycle, to_stage=Stage.LEARN, by=user, reason="Revisit the strategy")
    assert cycle.stage == Stage.LEARN


def test_revisiting_the_strategy_as_an_adjustment_moves_back_to_learn(tenant_a):
    cycle = ready(tenant_a)
    user = tenant_a.coach.user
    services.cycle_move(cycle=cycle, to_stage=Stage.LEARN, by=user)
    with pytest.raises(ValidationError, match="Improve stage"):
        services.adjustment_record(cycle=cycle, by=user, kind="change_teaching", note="x")
    services.cycle_move(cycle=cycle, to_stage=Stage.IMPROVE, by=user)
    services.adjustment_record(cycle=cycle, by=user, kind="revisit_strategy", note="Students need a model first")
    cycle.refresh_from_db()
    assert cycle.stage == Stage.LEARN
    assert cycle.stage_changes.last().reason == "Students need a model first"


def test_closing_needs_an_outcome_and_whether_the_goal_was_met_and_then_nothing_moves(tenant_a):
    cycle = ready(tenant_a)
    user = tenant_a.coach.user
    services.cycle_move(cycle=cycle, to_stage=Stage.LEARN, by=user)
    services.cycle_move(cycle=cycle, to_stage=Stage.IMPROVE, by=user)
    with pytest.raises(ValidationError) as excinfo:
        services.cycle_move(cycle=cycle, to_stage=Stage.CLOSED, by=user)
    assert "outcome" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        services.cycle_move(cycle=cycle, to_stage=Stage.CLOSED, by=user, outcome="ended")
    assert "goal_met" in excinfo.value.message_dict
    services.cycle_move(cycle=cycle, to_stage=Stage.CLOSED, by=user, outcome="ended", goal_met=False)
    with pytest.raises(ValidationError, match="closed"):
        services.cycle_move(cycle=cycle, to_stage=Stage.IMPROVE, by=user, reason="reopen")
    with pytest.raises(ValidationError, match="closed"):
        services.cycle_update_plan(cycle=cycle, by=user, strategy="late change")


def test_a_stale_edit_is_refused_and_nothing_is_overwritten(tenant_a):
    cycle = start(tenant_a)
    user = tenant_a.coach.user
    opened = cycle.version
    services.cycle_update_plan(cycle=cycle, by=user, expected_version=opened, strategy="First coach's strategy")
    with pytest.raises(services.StaleEdit, match="Someone else changed this cycle"):
        services.cycle_update_plan(cycle=cycle, by=user, expected_version=opened, strategy="Second")
    cycle.refresh_from_db()
    assert cycle.strategy == "First coach's strategy"
    assert cycle.version == opened + 1


def test_stale_move_is_refused_too(tenant_a):
    cycle = ready(tenant_a)
    version = Cycle.objects.get(pk=cycle.pk).version
    services.cycle_update_plan(cycle=cycle, by=tenant_a.coach.user, expected_version=version, title="Renamed")
    with pytest.raises(services.StaleEdit):
        services.cycle_move(cycle=cycle, to_stage=Stage.LEARN, by=tenant_a.coach.user, expected_version=version)
    assert Cycle.objects.get(pk=cycle.pk).stage == Stage.IDENTIFY
    assert StageChange.objects.filter(cycle=cycle).count() == 1


def test_a_reachable_goal_needs_a_target_and_deadline(tenant_a):
    cycle = start(tenant_a)
    with pytest.raises(ValidationError, match="measurable target and a deadline"):
        peers_goal(cycle, tenant_a.coach.user, target=None)


def test_a_new_goal_keeps_the_old_one_as_history(tenant_a):
    cycle = start(tenant_a)
    first = peers_goal(cycle, tenant_a.coach.user)
    second = services.goal_set(cycle=cycle, by=tenant_a.teacher.user, replace=True, statement="New", measure="m",
                               unit="%", target=Decimal(80), deadline=TODAY())  # fmt: skip
    first.refresh_from_db()
    assert (first.is_current, second.is_current) == (False, True)
    assert cycle.goals.filter(is_current=True).get() == second
    assert second.created_by == tenant_a.teacher.user


def test_progress_needs_a_goal_and_marks_it_met_at_the_target(tenant_a):
    cycle = start(tenant_a)
    user = tenant_a.coach.user
    with pytest.raises(ValidationError, match="Write the goal"):
        services.progress_record(cycle=cycle, by=user, date=TODAY(), value=Decimal(60))
    goal = peers_goal(cycle, user)
    with pytest.raises(ValidationError, match="future"):
        services.progress_record(cycle=cycle, by=user, date=TODAY() + dt.timedelta(days=1), value=Decimal(60))
    services.progress_record(cycle=cycle, by=user, date=TODAY() - dt.timedelta(days=7), value=Decimal(70))
    goal.refresh_from_db()
    assert goal.met_on is None
    services.progress_record(cycle=cycle, by=user, date=TODAY(), value=Decimal(91), n_students=24)
    goal.refresh_from_db()
    assert goal.met_on == TODAY()


def test_progress_chart_data_lists_points_against_baseline_and_target(tenant_a):
    cycle = start(tenant_a)
    user = tenant_a.coach.user
    goal = peers_goal(cycle, user)
    for days, value in ((14, "55.5"), (7, "70"), (0, "82")):
        services.progress_record(cycle=cycle, by=user, date=TODAY() - dt.timedelta(days=days), value=Decimal(value))
    chart = progress_chart_get(goal=goal, measures=list(goal.measures.all())).as_json()
    assert chart["values"] == [55.5, 70.0, 82.0]
    assert chart["labels"] == [(TODAY() - dt.timedelta(days=d)).isoformat() for d in (14, 7, 0)]
    assert (chart["baseline"], chart["target"], chart["unit"]) == (50.0, 90.0, "% of students")


def test_time_invested_counts_the_coaches_own_linked_entries_once(tenant_a, tenant_b):
    cycle = start(tenant_a)
    mine = [LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, minutes=m) for m in (30, 45)]
    theirs = LogEntryFactory(coach=tenant_b.coach, district=tenant_b.district, minutes=500)
    assert services.time_link(cycle=cycle, entries=[*mine, theirs]) == 2
    assert services.time_link(cycle=cycle, entries=mine) == 0
    from cycles.access import CycleView
    from cycles.selectors import cycle_list_columns, cycle_page_get

    assert cycle_page_get(cycle=cycle, view=CycleView.COACH).minutes_invested == 75
    assert cycle_list_columns(cycles=Cycle.objects.filter(pk=cycle.pk)).get().minutes_invested == 75


def test_stage_counts_cover_each_stage_and_goals_met(tenant_a):
    user = tenant_a.coach.user
    start(tenant_a)
    done = ready(tenant_a)
    services.cycle_move(cycle=done, to_stage=Stage.CLOSED, by=user, reason="short", outcome="goal_met", goal_met=True)
    counts = cycle_stage_counts(cycles=Cycle.objects.all())
    assert counts == {"total": 2, "identify": 1, "learn": 0, "improve": 0, "closed": 1, "goal_met": 1}


def test_only_the_cycles_teacher_can_share_it(tenant_a):
    cycle = start(tenant_a)
    stranger = TeacherFactory(school=tenant_a.school)
    with pytest.raises(ValidationError):
        services.cycle_share(cycle=cycle, teacher=stranger, shared=True)
    services.cycle_share(cycle=cycle, teacher=tenant_a.teacher, shared=True)
    cycle.refresh_from_db()
    assert cycle.shared_with_admins
    assert cycle.shared_changed_at is not None
