"""A director of several programs and a coach in several groups choose which one they work in;
nothing picks "the first" behind their back, and a choice outside their own is never honoured."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coaching.tests.factories import ProgramFactory
from learning.models import CoachGoal
from learning.tests.factories import CoachGroupFactory, ResourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_programs(tenant_a, tenant_b):
    second = ProgramFactory(name="Zephyr Program")
    second.directors.add(tenant_a.director)
    ResourceFactory(program=tenant_a.program, title="Alpha library item")
    ResourceFactory(program=second, title="Zephyr library item")
    ResourceFactory(program=tenant_b.program, title="Other tenant item")
    return second


def test_a_director_of_two_programs_chooses_the_library(client, tenant_a, two_programs):
    client.force_login(tenant_a.director)
    first = client.get(reverse("learning:resources"))
    assert first.context["program"] == tenant_a.program  # "Program A" sorts first
    assert [r.title for r in first.context["page"]] == ["Alpha library item"]
    assert [p.name for p in first.context["programs"]] == ["Program A", "Zephyr Program"]
    assert 'name="program"' in first.content.decode()

    chosen = client.get(reverse("learning:resources"), {"program": two_programs.pk})
    assert [r.title for r in chosen.context["page"]] == ["Zephyr library item"]

    added = client.post(f"{reverse('learning:resource_new')}?program={two_programs.pk}",
                        {"title": "New for Zephyr", "kind": "article", "link": "https://example.org/z"})  # fmt: skip
    assert added.status_code == 302
    assert two_programs.resources.filter(title="New for Zephyr").exists()


def test_a_program_that_is_not_theirs_is_never_chosen(client, tenant_a, tenant_b, two_programs):
    client.force_login(tenant_a.director)
    response = client.get(reverse("learning:resources"), {"program": tenant_b.program.pk})
    assert response.context["program"] == tenant_a.program
    assert "Other tenant item" not in response.content.decode()
    client.post(f"{reverse('learning:resource_new')}?program={tenant_b.program.pk}",
                {"title": "Smuggled", "kind": "article", "link": "https://example.org/s"})  # fmt: skip
    assert not tenant_b.program.resources.filter(title="Smuggled").exists()
    assert tenant_a.program.resources.filter(title="Smuggled").exists()


def test_a_director_forms_a_group_in_the_program_they_chose(client, tenant_a, two_programs):
    client.force_login(tenant_a.director)
    page = client.get(reverse("learning:group_new"), {"program": two_programs.pk})
    assert page.context["program"] == two_programs


def test_a_coach_in_two_groups_chooses_which_one_sees_their_goal(client, tenant_a):
    coach = tenant_a.coach
    first = CoachGroupFactory(program=tenant_a.program, name="Monday circle", members=[coach])
    second = CoachGroupFactory(program=tenant_a.program, name="Thursday circle", members=[coach])
    client.force_login(coach.user)
    form = client.get(reverse("learning:coach_goal_new")).context["form"]
    assert list(form.fields["group"].queryset) == [first, second]
    answers = {"statement": "Ask more than I tell", "shared_with_group": "on", "group": second.pk}
    response = client.post(reverse("learning:coach_goal_new"), answers)
    goal = CoachGoal.objects.get(coach=coach)
    assert goal.group == second
    assert response["Location"] == reverse("learning:group", args=[second.pk])


def test_a_coach_cannot_share_a_goal_with_a_group_they_are_not_in(client, tenant_a):
    coach = tenant_a.coach
    CoachGroupFactory(program=tenant_a.program, name="Mine", members=[coach])
    CoachGroupFactory(program=tenant_a.program, name="Also mine", members=[coach])
    theirs = CoachGroupFactory(program=tenant_a.program, name="Not mine")
    client.force_login(coach.user)
    response = client.post(reverse("learning:coach_goal_new"),
                           {"statement": "Sneak in", "shared_with_group": "on", "group": theirs.pk})  # fmt: skip
    assert response.status_code == 200
    assert "group" in response.context["form"].errors
    assert not CoachGoal.objects.filter(group=theirs).exists()


def test_a_coach_in_one_group_shares_with_it_without_choosing(client, tenant_a):
    coach = tenant_a.coach
    only = CoachGroupFactory(program=tenant_a.program, name="Only circle", members=[coach])
    client.force_login(coach.user)
    assert "group" not in client.get(reverse("learning:coach_goal_new")).context["form"].fields
    client.post(reverse("learning:coach_goal_new"), {"statement": "Visit every school", "shared_with_group": "on"})
    assert CoachGoal.objects.get(coach=coach).group == only
