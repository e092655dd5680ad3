"""The reflection form names what the teacher reflects on: the cycle's title and its strategy,
and no more of the cycle than the teacher's own cycle page shows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cycles import services
from cycles.models import Cycle, Occasion
from cycles.tests.factories import CycleFactory, GoalFactory
from learning.tests.factories import PDSessionFactory
from teachers.tests.factories import TeacherFactory

pytestmark = pytest.mark.django_db

TITLE = "Exit tickets in 3B"
STRATEGY = "Exit tickets with next-day feedback"
PRIVATE = ("CONFIDENTIAL-COACH-NOTE: worried", "REALITY-half the class off task", "DESCRIPTION-three piles")


@pytest.fixture
def cycle(tenant_a) -> Cycle:
    cycle = CycleFactory(coach=tenant_a.coach, school=tenant_a.school, teachers=[tenant_a.teacher], title=TITLE,
                         strategy=STRATEGY, coach_notes=PRIVATE[0], current_reality=PRIVATE[1],
                         strategy_description=PRIVATE[2])  # fmt: skip
    GoalFactory(cycle=cycle, statement="GOAL-ninety percent explain")
    return cycle


def link_page(client, cycle: Cycle, teacher) -> str:
    _link, token = services.reflection_link_create(cycle=cycle, teacher=teacher, by=cycle.coach.user,
                                                   occasion=Occasion.AFTER_IMPLEMENTING)  # fmt: skip
    response = client.get(reverse("reflect", args=[token]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_link_page_names_the_cycle_and_its_strategy_and_asks_about_it(client, tenant_a, cycle):
    html = link_page(client, cycle, tenant_a.teacher)
    assert f"Reflecting on: <strong>{TITLE}</strong> —" in html
    assert f"strategy: <strong>{STRATEGY}</strong>" in html
    assert f"How confident do you feel about “{STRATEGY}” now?" in html
    assert f"What worked with “{STRATEGY}”?" in html
    assert "this strategy" not in html


def test_the_link_page_shows_nothing_else_of_the_cycle(client, tenant_a, cycle):
    html = link_page(client, cycle, tenant_a.teacher)
    for private in (*PRIVATE, "GOAL-ninety percent explain", str(cycle.public_id)):
        assert private not in html, private


def test_the_teachers_own_cycle_page_shows_the_title_and_strategy_already(client, tenant_a, cycle):
    """The link page shows no more than this."""
    client.force_login(tenant_a.teacher.user)
    html = client.get(reverse("cycles:detail", args=[cycle.public_id])).content.decode()
    assert TITLE in html
    assert STRATEGY in html


def test_without_a_strategy_the_wording_stays_sensible(client, tenant_a, cycle):
    Cycle.objects.filter(pk=cycle.pk).update(strategy="")
    html = link_page(client, cycle, tenant_a.teacher)
    assert f"Reflecting on: <strong>{TITLE}</strong>" in html
    assert "no strategy chosen yet" in html
    assert "How confident do you feel about what you are working on now?" in html
    assert "What worked?" in html
    assert "“”" not in html
    assert "this strategy" not in html


def test_the_signed_in_form_names_them_too(client, tenant_a, cycle):
    client.force_login(tenant_a.teacher.user)
    html = client.get(reverse("cycles:reflection_new", args=[cycle.public_id])).content.decode()
    assert f"Reflecting on: <strong>{TITLE}</strong>" in html
    assert f"How confident do you feel about “{STRATEGY}” now?" in html
    for private in PRIVATE:
        assert private not in html


def test_a_pd_follow_up_link_keeps_its_own_heading(client, tenant_a):
    session = PDSessionFactory(facilitator=tenant_a.coach, district=tenant_a.district)
    teacher = TeacherFactory(school=tenant_a.school)
    session.attendees.add(teacher)
    [(_link, token)] = services.pd_followup_links_create(session=session, by=tenant_a.coach.user)
    html = client.get(reverse("reflect", args=[token])).content.decode()
    assert "Reflecting on:" not in html
    assert session.title in html
