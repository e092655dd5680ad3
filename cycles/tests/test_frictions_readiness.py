"""Before a move, the cycle page shows what the next stage needs, by the very rule the move
applies (cycles.lifecycle.move_readiness), with a way to open each missing part's editor."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cycles import lifecycle, services
from cycles.models import Cycle, Outcome, Stage, StageChange
from cycles.tests.factories import CycleFactory, GoalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(tenant_a) -> Cycle:
    return CycleFactory(coach=tenant_a.coach, school=tenant_a.school, teachers=[tenant_a.teacher], title="Talk moves")


def set_state(cycle: Cycle, *, goal: str, strategy: bool) -> None:
    """goal: "none", "not_peers" (four letters of five) or "peers"."""
    if goal != "none":
        GoalFactory(cycle=cycle, easy=goal == "peers")
    if strategy:
        Cycle.objects.filter(pk=cycle.pk).update(strategy="Think-pair-share")
    cycle.refresh_from_db()


def move_refusal(cycle: Cycle, to_stage: str, user) -> str:
    """What cycle_move says about the cycle's readiness ("" when it moved), the row unchanged."""
    kwargs = {"reason": "Skipping ahead"} if to_stage == Stage.IMPROVE else {}
    try:
        services.cycle_move(cycle=cycle, to_stage=to_stage, by=user, **kwargs)
    except ValidationError as exc:
        return " ".join(exc.message_dict.get("to_stage", []))
    return ""


STATES = [("none", False), ("none", True), ("not_peers", False), ("not_peers", True), ("peers", False),
          ("peers", True)]  # fmt: skip


@pytest.mark.parametrize(("goal", "strategy"), STATES)
@pytest.mark.parametrize("to_stage", [Stage.LEARN, Stage.IMPROVE])
def test_the_checklist_is_exactly_what_a_move_out_of_identify_refuses(tenant_a, cycle, goal, strategy, to_stage):
    set_state(cycle, goal=goal, strategy=strategy)
    readiness = lifecycle.move_readiness(cycle, to_stage)
    refusal = move_refusal(cycle, to_stage, tenant_a.coach.user)
    assert refusal == readiness.refusal()
    cycle.refresh_from_db()
    assert (cycle.stage == to_stage) is readiness.ready
    assert readiness.ready is (goal == "peers" and strategy)
    for item in readiness.missing:
        assert item.todo in refusal


def test_what_the_checklist_names_for_each_state(tenant_a, cycle):
    def names(r: lifecycle.Readiness) -> tuple[list[str], list[str]]:
        return [i.label for i in r.met], [i.label for i in r.missing]

    assert names(lifecycle.move_readiness(cycle, Stage.LEARN)) == ([], ["PEERS goal", "strategy"])
    GoalFactory(cycle=cycle, easy=False)
    assert names(lifecycle.move_readiness(cycle, Stage.LEARN)) == (["goal"], ["PEERS check", "strategy"])
    Cycle.objects.filter(pk=cycle.pk).update(strategy="Think-pair-share")
    cycle.refresh_from_db()
    assert names(lifecycle.move_readiness(cycle, Stage.LEARN)) == (["goal", "strategy"], ["PEERS check"])
    cycle.goals.update(easy=True)
    assert names(lifecycle.move_readiness(cycle, Stage.LEARN)) == (["goal", "PEERS check", "strategy"], [])


@pytest.mark.parametrize("stage", [Stage.LEARN, Stage.IMPROVE])
def test_later_stages_need_nothing_of_the_cycle_and_the_move_agrees(tenant_a, stage):
    cycle = CycleFactory(coach=tenant_a.coach, school=tenant_a.school, teachers=[tenant_a.teacher], stage=stage)
    target = Stage.IMPROVE if stage == Stage.LEARN else Stage.CLOSED
    readiness = lifecycle.move_readiness(cycle, target)
    assert readiness.ready
    assert readiness.requirements == ()
    extra = {"outcome": Outcome.ENDED, "goal_met": False} if target == Stage.CLOSED else {}
    services.cycle_move(cycle=cycle, to_stage=target, by=tenant_a.coach.user, **extra)
    assert Cycle.objects.get(pk=cycle.pk).stage == target


def page(client, cycle: Cycle, query: str = "") -> str:
    response = client.get(reverse("cycles:detail", args=[cycle.public_id]) + query)
    assert response.status_code == 200
    return response.content.decode()


def readiness_text(html: str) -> str:
    block = re.search(r'data-testid="readiness">(.*?)</div>', html, re.S)
    assert block, "no readiness checklist on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", block.group(1)).split())


def test_the_page_says_what_is_ready_and_what_is_missing_and_disables_the_move(client, tenant_a, cycle):
    GoalFactory(cycle=cycle)
    client.force_login(tenant_a.coach.user)
    html = page(client, cycle)
    assert "Moving to Learn. Ready: goal, PEERS check; missing: strategy." in readiness_text(html)
    assert re.search(r'<button[^>]*disabled[^>]*data-testid="move-blocked"[^>]*>Move to Learn</button>', html)
    assert "Not yet: first choose the teaching strategy." in html
    # The missing part's editor, one link away, that works without a script.
    assert 'href="?edit=strategy#plan-edit">Choose the strategy</a>' in html
    assert not re.search(r'<details id="plan-edit"[^>]* open', html)
    opened = page(client, cycle, "?edit=strategy")
    assert re.search(r'<details id="plan-edit"[^>]* open', opened)
    assert re.search(r'<input[^>]*name="strategy"[^>]*autofocus|<input[^>]*autofocus[^>]*name="strategy"', opened)


def test_a_missing_goal_and_peers_check_link_to_the_goal_editor(client, tenant_a, cycle):
    client.force_login(tenant_a.coach.user)
    goal_url = reverse("cycles:goal", args=[cycle.public_id])
    html = page(client, cycle)
    assert "missing: PEERS goal, strategy." in readiness_text(html)
    assert f'href="{goal_url}">Write the PEERS goal</a>' in html
    GoalFactory(cycle=cycle, student_focused=False)
    html = page(client, cycle)
    assert f'href="{goal_url}#peers">Check the goal against PEERS</a>' in html
    assert 'id="peers"' in client.get(goal_url).content.decode()


def test_a_page_with_nothing_missing_says_ready_and_the_move_goes_through(client, tenant_a, cycle):
    GoalFactory(cycle=cycle)
    Cycle.objects.filter(pk=cycle.pk).update(strategy="Think-pair-share")
    client.force_login(tenant_a.coach.user)
    html = page(client, cycle)
    assert "Ready: goal, PEERS check, strategy." in readiness_text(html)
    assert "missing" not in readiness_text(html)
    assert 'data-testid="move-blocked"' not in html
    cycle.refresh_from_db()
    response = client.post(reverse("cycles:move", args=[cycle.public_id]),
                           {"version": cycle.version, "to_stage": "learn"})  # fmt: skip
    assert response.status_code == 302
    assert Cycle.objects.get(pk=cycle.pk).stage == Stage.LEARN
    assert "Ready to move to Improve." in readiness_text(page(client, cycle))


def test_a_post_still_refuses_a_move_with_something_missing(client, tenant_a, cycle):
    client.force_login(tenant_a.coach.user)
    response = client.post(reverse("cycles:move", args=[cycle.public_id]),
                           {"version": cycle.version, "to_stage": "learn"})  # fmt: skip
    assert response.status_code == 400
    assert (
        "Before leaving Identify, write the PEERS goal and choose the teaching strategy." in response.content.decode()
    )
    assert Cycle.objects.get(pk=cycle.pk).stage == Stage.IDENTIFY
    assert not StageChange.objects.filter(cycle=cycle, to_stage=Stage.LEARN).exists()


def test_closing_early_stays_possible_while_the_next_stage_is_not_ready(client, tenant_a, cycle):
    client.force_login(tenant_a.coach.user)
    html = page(client, cycle)
    assert "Close the cycle early instead" in html
    response = client.post(reverse("cycles:move", args=[cycle.public_id]),
                           {"version": cycle.version, "to_stage": "closed", "reason": "The teacher moved school",
                            "outcome": Outcome.ENDED, "goal_met": "no"})  # fmt: skip
    assert response.status_code == 302
    assert Cycle.objects.get(pk=cycle.pk).stage == Stage.CLOSED


def test_the_teacher_sees_no_move_checklist(client, tenant_a, cycle):
    client.force_login(tenant_a.teacher.user)
    assert 'data-testid="readiness"' not in page(client, cycle)
