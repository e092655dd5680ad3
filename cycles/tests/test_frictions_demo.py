"""The demo's cycles have a believable history: each step dated over the weeks since the cycle
started, in order, never in the future, and not all on the day the demo was loaded."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cycles.demo import PLANS
from cycles.models import Adjustment, Cycle, Evidence, Goal, ProgressMeasure, Reflection, Stage, StageChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> list[Cycle]:
    call_command("load_demo", stdout=io.StringIO())
    return list(Cycle.objects.filter(coach__user__username="coach").order_by("started_on"))


def test_every_stage_change_is_dated_in_order_since_the_cycle_started(demo):
    now, today = timezone.now(), timezone.localdate()
    assert len(demo) == len(PLANS)
    for cycle in demo:
        changes = list(StageChange.objects.filter(cycle=cycle).order_by("pk"))
        moments = [c.changed_at for c in changes]
        assert moments == sorted(moments), cycle.title
        assert all(m <= now for m in moments), cycle.title
        assert timezone.localdate(moments[0]) == cycle.started_on < today, cycle.title
        assert [c.to_stage for c in changes] == [Stage.IDENTIFY, Stage.LEARN, Stage.IMPROVE, Stage.CLOSED][
            : len(changes)
        ]
        if len(changes) > 1:
            assert (moments[-1] - moments[0]).days > 1, cycle.title
            learn = timezone.localdate(changes[1].changed_at)
            assert 7 <= (learn - cycle.started_on).days <= 14, "Learn a week or two after the start"


def test_nothing_of_the_history_is_on_the_load_day_or_later(demo):
    now, today = timezone.now(), timezone.localdate()
    moments = [
        *StageChange.objects.filter(cycle__in=demo).values_list("changed_at", flat=True),
        *Evidence.objects.filter(cycle__in=demo).values_list("added_at", flat=True),
        *Goal.objects.filter(cycle__in=demo).values_list("created_at", flat=True),
        *Adjustment.objects.filter(cycle__in=demo).values_list("made_at", flat=True),
        *Reflection.objects.filter(cycle__in=demo).values_list("created_at", flat=True),
        *ProgressMeasure.objects.filter(goal__cycle__in=demo).values_list("recorded_at", flat=True),
    ]
    assert len(moments) > 20
    assert all(m <= now for m in moments)
    assert all(timezone.localdate(m) < today for m in moments)
    assert len({timezone.localdate(m) for m in moments}) > 10


def test_each_cycle_goes_evidence_goal_learn_progress_close_in_that_order(demo):
    today = timezone.localdate()
    for cycle in demo:
        evidence = Evidence.objects.get(cycle=cycle)
        changes = {c.to_stage: c.changed_at for c in StageChange.objects.filter(cycle=cycle)}
        assert changes[Stage.IDENTIFY] < evidence.added_at
        goal = Goal.objects.filter(cycle=cycle).first()
        if goal is None:
            assert cycle.stage == Stage.IDENTIFY
            continue
        assert evidence.added_at < goal.created_at < changes[Stage.LEARN]
        points = list(ProgressMeasure.objects.filter(goal=goal).order_by("pk"))
        dates = [p.date for p in points]
        assert dates == sorted(dates)
        assert len(set(dates)) == len(dates)
        assert all(timezone.localdate(p.recorded_at) == p.date for p in points)
        if points:
            assert timezone.localdate(changes[Stage.IMPROVE]) < dates[0] <= today
        for reflection in Reflection.objects.filter(cycle=cycle):
            assert changes[Stage.IMPROVE] < reflection.created_at
        for adjustment in Adjustment.objects.filter(cycle=cycle):
            assert changes[Stage.IMPROVE] < adjustment.made_at
        if cycle.stage == Stage.CLOSED:
            assert goal.met_on is not None
            assert dates[-1] <= cycle.closed_on < today
            assert goal.met_on <= cycle.closed_on == timezone.localdate(changes[Stage.CLOSED])


def test_the_cycle_page_shows_the_dated_history(client, demo):
    closed = next(c for c in demo if c.stage == Stage.CLOSED)
    client.force_login(closed.coach.user)
    html = client.get(reverse("cycles:detail", args=[closed.public_id])).content.decode()
    for change in StageChange.objects.filter(cycle=closed):
        assert f"{timezone.localtime(change.changed_at):%b} {timezone.localtime(change.changed_at).day}, " in html
    assert f"{timezone.localdate():%b} {timezone.localdate().day}, {timezone.localdate().year} ·" not in html
