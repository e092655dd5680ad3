"""The year end of a coach's open cycles: carried into the next school year (nothing of the cycle
changes) or closed now through the normal close; a coach decides only their own cycles."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from coaching.tests.factories import CoachFactory, ContractFactory
from cycles.models import Cycle, Outcome, Stage, StageChange, YearEndChoice, YearEndDecision
from cycles.tests.factories import CycleFactory, GoalFactory, ReflectionFactory
from cycles.yearend import YearEndInput, year_end_counts, year_end_counts_row, year_end_decide
from teachers.tests.factories import TeacherFactory
from toolkit.schoolyear import school_year_bounds, school_year_of

pytestmark = pytest.mark.django_db

YEAR_END, CYCLES = reverse("cycles:yearend"), reverse("cycles:list")


def this_year() -> int:
    return school_year_of(timezone.localdate())


def open_cycle(tenant, stage=Stage.IMPROVE, **kwargs):
    teachers = kwargs.pop("teachers", [tenant.teacher])
    return CycleFactory(coach=tenant.coach, school=tenant.school, teachers=teachers, stage=stage, **kwargs)


def carry(cycle) -> dict[str, str]:
    return {f"{cycle.public_id}-decision": YearEndChoice.CARRIED, f"{cycle.public_id}-version": str(cycle.version)}


def close(cycle, outcome=Outcome.GOAL_MET, goal_met="yes", note="") -> dict[str, str]:
    return {f"{cycle.public_id}-decision": YearEndChoice.CLOSED, f"{cycle.public_id}-outcome": outcome,
            f"{cycle.public_id}-goal_met": goal_met, f"{cycle.public_id}-closing_note": note,
            f"{cycle.public_id}-version": str(cycle.version)}  # fmt: skip


def frozen(cycle) -> tuple:
    cycle = Cycle.objects.get(pk=cycle.pk)
    return (cycle.stage, cycle.outcome, cycle.closing_note, cycle.closed_on, cycle.version,
            cycle.stage_changes.count())  # fmt: skip


def test_the_page_lists_the_coachs_open_cycles_of_the_year_and_before_only(client, tenant_a, tenant_b):
    start, _ = school_year_bounds(this_year())
    mine = open_cycle(tenant_a, title="Exit tickets in 3B")
    older = open_cycle(tenant_a, title="Number talks from last year", started_on=start - dt.timedelta(days=40))
    open_cycle(tenant_a, stage=Stage.CLOSED, title="Closed already", closed_on=timezone.localdate(),
               outcome=Outcome.ENDED)  # fmt: skip
    CycleFactory(coach=tenant_b.coach, school=tenant_b.school, teachers=[tenant_b.teacher], title="Their cycle")
    client.force_login(tenant_a.coach.user)
    response = client.get(YEAR_END)
    assert response.status_code == 200
    listed = [cycle.pk for cycle, _ in response.context["rows"]]
    assert listed == [older.pk, mine.pk]
    text = response.content.decode()
    assert "Exit tickets in 3B" in text
    assert "Number talks from last year" in text
    assert "Closed already" not in text
    assert "Their cycle" not in text


def test_carrying_a_cycle_over_records_it_and_changes_nothing_of_the_cycle(client, tenant_a):
    cycle = open_cycle(tenant_a)
    goal = GoalFactory(cycle=cycle, statement="Every student explains their reasoning")
    reflection = ReflectionFactory(cycle=cycle, teacher=tenant_a.teacher, author=tenant_a.teacher.user,
                                   what_happened="We tried talk moves")  # fmt: skip
    before = frozen(cycle)
    client.force_login(tenant_a.coach.user)
    response = client.post(YEAR_END, carry(cycle))
    assert response.status_code == 302
    decision = YearEndDecision.objects.get(cycle=cycle)
    assert (decision.school_year, decision.decision, decision.decided_by) == (
        this_year(),
        YearEndChoice.CARRIED,
        tenant_a.coach.user,
    )
    assert frozen(cycle) == before
    # The teacher keeps everything of a carried cycle: its page, its goal, their reflection.
    client.force_login(tenant_a.teacher.user)
    assert goal.statement in client.get(reverse("cycles:detail", args=[cycle.public_id])).content.decode()
    assert (
        "We tried talk moves" in client.get(reverse("cycles:reflection", args=[reflection.public_id])).content.decode()
    )
    # Carried again: nothing changes, and no second decision is recorded.
    client.force_login(tenant_a.coach.user)
    client.post(YEAR_END, carry(cycle))
    assert YearEndDecision.objects.filter(cycle=cycle).count() == 1


def test_closing_a_cycle_goes_through_the_normal_close(client, tenant_a):
    cycle = open_cycle(tenant_a, stage=Stage.IMPROVE)
    goal = GoalFactory(cycle=cycle)
    client.force_login(tenant_a.coach.user)
    response = client.post(YEAR_END, close(cycle, note="Met in May"))
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert (cycle.stage, cycle.outcome, cycle.goal_met, cycle.closing_note, cycle.closed_on) == (
        Stage.CLOSED,
        Outcome.GOAL_MET,
        True,
        "Met in May",
        timezone.localdate(),
    )
    change = StageChange.objects.filter(cycle=cycle).last()
    assert (change.from_stage, change.to_stage, change.changed_by) == (Stage.IMPROVE, Stage.CLOSED, tenant_a.coach.user)
    assert "end of the" in change.reason
    goal.refresh_from_db()
    assert goal.met_on == timezone.localdate()
    assert YearEndDecision.objects.get(cycle=cycle).decision == YearEndChoice.CLOSED
    # A closed cycle is no longer on the page.
    assert client.get(YEAR_END).context["rows"] == []


def test_closing_early_from_identify_is_a_recorded_close_with_the_year_end_reason(client, tenant_a):
    cycle = open_cycle(tenant_a, stage=Stage.IDENTIFY)
    client.force_login(tenant_a.coach.user)
    client.post(YEAR_END, close(cycle, outcome=Outcome.ENDED, goal_met="no"))
    cycle.refresh_from_db()
    assert (cycle.stage, cycle.outcome, cycle.goal_met) == (Stage.CLOSED, Outcome.ENDED, False)
    change = StageChange.objects.filter(cycle=cycle).last()
    assert (change.from_stage, change.to_stage) == (Stage.IDENTIFY, Stage.CLOSED)
    assert change.reason


def test_a_close_without_outcome_shows_the_error_by_the_field_and_records_nothing(client, tenant_a):
    first, second = open_cycle(tenant_a), open_cycle(tenant_a)
    before = frozen(first), frozen(second)
    client.force_login(tenant_a.coach.user)
    response = client.post(YEAR_END, {**carry(first), **close(second, outcome="", goal_met=""),
                                      f"{second.public_id}-closing_note": "Typed note"})  # fmt: skip
    assert response.status_code == 400
    form = {c.pk: f for c, f in response.context["rows"]}[second.pk]
    assert form.errors["outcome"] == ["Choose how the cycle ended."]
    assert form.errors["goal_met"] == ["Say whether the goal was met."]
    assert "Typed note" in response.content.decode()
    assert not YearEndDecision.objects.exists()
    assert (frozen(first), frozen(second)) == before


def test_a_stale_close_rolls_every_decision_back(client, tenant_a):
    first, second = open_cycle(tenant_a), open_cycle(tenant_a)
    data = {**carry(first), **close(second)}
    Cycle.objects.filter(pk=second.pk).update(version=second.version + 1)  # someone saved it since
    client.force_login(tenant_a.coach.user)
    response = client.post(YEAR_END, data)
    assert response.status_code == 400
    form = {c.pk: f for c, f in response.context["rows"]}[second.pk]
    assert "Someone else changed this cycle" in str(form.non_field_errors())
    assert not YearEndDecision.objects.exists()
    assert Cycle.objects.get(pk=second.pk).stage == Stage.IMPROVE


def test_decide_later_takes_a_carry_back(client, tenant_a):
    cycle = open_cycle(tenant_a)
    client.force_login(tenant_a.coach.user)
    client.post(YEAR_END, carry(cycle))
    client.post(YEAR_END, {f"{cycle.public_id}-decision": "", f"{cycle.public_id}-version": str(cycle.version)})
    assert not YearEndDecision.objects.exists()


def test_posting_another_coachs_cycle_is_refused_and_changes_nothing(client, tenant_a, tenant_b):
    mine = open_cycle(tenant_a)
    colleague = CoachFactory(program=tenant_a.program)
    tenant_a.contract.coaches.add(colleague)
    theirs = [
        CycleFactory(coach=tenant_b.coach, school=tenant_b.school, teachers=[tenant_b.teacher]),
        CycleFactory(coach=colleague, school=tenant_a.school, teachers=[TeacherFactory(school=tenant_a.school)]),
    ]
    before = [frozen(c) for c in theirs]
    client.force_login(tenant_a.coach.user)
    for cycle in theirs:
        for data in ({**carry(mine), **close(cycle)}, carry(cycle)):
            assert client.post(YEAR_END, data).status_code == 404
    assert client.post(YEAR_END, {"not-a-uuid-decision": "carried"}).status_code == 404
    assert [frozen(c) for c in theirs] == before
    assert not YearEndDecision.objects.exists()
    # The service refuses too, whoever calls it.
    with pytest.raises(PermissionDenied):
        year_end_decide(coach=tenant_a.coach, school_year=this_year(), by=tenant_a.coach.user,
                        rows=[YearEndInput(cycle=theirs[1], decision=YearEndChoice.CARRIED)])  # fmt: skip
    assert not YearEndDecision.objects.exists()


def test_only_coaches_have_a_year_end_page(client, tenant_a):
    for user in (tenant_a.teacher.user, tenant_a.district_admin, tenant_a.director):
        client.force_login(user)
        assert client.get(YEAR_END).status_code == 403
        assert client.post(YEAR_END, {}).status_code == 403


def test_the_banner_shows_once_the_next_year_has_started_until_every_cycle_is_decided(client, tenant_a):
    cycle = open_cycle(tenant_a)
    client.force_login(tenant_a.coach.user)
    assert "year-end-banner" not in client.get(CYCLES).content.decode()
    ContractFactory(program=tenant_a.program, district=tenant_a.district, school_year=this_year() + 1)
    page = client.get(CYCLES).content.decode()
    assert "year-end-banner" in page
    assert "1 open cycle still to carry over or close" in page
    client.post(YEAR_END, carry(cycle))
    assert "year-end-banner" not in client.get(CYCLES).content.decode()


def test_counts_per_coach_name_no_cycle(tenant_a):
    carried, closed, _undecided = open_cycle(tenant_a), open_cycle(tenant_a), open_cycle(tenant_a)
    year_end_decide(coach=tenant_a.coach, school_year=this_year(), by=tenant_a.coach.user, rows=[
        YearEndInput(cycle=carried, decision=YearEndChoice.CARRIED),
        YearEndInput(cycle=closed, decision=YearEndChoice.CLOSED, outcome=Outcome.ENDED, goal_met=False),
    ])  # fmt: skip
    idle = CoachFactory(program=tenant_a.program, active=False)  # inactive, nothing to count: left out
    rows = [year_end_counts_row(v) for v in year_end_counts(coaches=tenant_a.program.coaches.all(),
                                                            school_year=this_year())]  # fmt: skip
    assert [(r.active, r.carried, r.closed, r.undecided) for r in rows] == [(2, 1, 1, 1)]
    assert idle.pk not in [v["pk"] for v in year_end_counts(coaches=tenant_a.program.coaches.all(),
                                                            school_year=this_year())]  # fmt: skip


@pytest.mark.parametrize("n", [3, 30])
def test_the_page_takes_the_same_queries_whatever_the_number_of_cycles(client, tenant_a, n,
                                                                       django_assert_max_num_queries):  # fmt: skip
    cycles = [open_cycle(tenant_a, teachers=[TeacherFactory(school=tenant_a.school)]) for _ in range(n)]
    client.force_login(tenant_a.coach.user)
    with django_assert_max_num_queries(9):
        assert client.get(YEAR_END).status_code == 200
    data: dict[str, str] = {}
    for cycle in cycles:
        data.update(carry(cycle))
    with django_assert_max_num_queries(16):  # carrying: a fixed number whatever the number of cycles
        assert client.post(YEAR_END, data).status_code == 302
    assert YearEndDecision.objects.filter(decision=YearEndChoice.CARRIED).count() == n
