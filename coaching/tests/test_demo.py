"""The demo is a program a director could have set up: every coach can log time in a district
they serve, and the demo teacher has one name everywhere."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from coaching.access import contracts_served_by
from coaching.models import Coach
from teachers.models import Teacher, User

pytestmark = pytest.mark.django_db


def test_every_demo_coach_serves_a_district_and_the_teacher_has_one_name(client):
    call_command("load_demo", stdout=io.StringIO())
    for coach in Coach.objects.select_related("user"):
        assert contracts_served_by(coach).exists(), f"{coach.user.username} can log no time"
        client.force_login(coach.user)
        form = client.get(reverse("coaching:entry_add")).context["form"]
        assert form.fields["district"].queryset.exists(), f"{coach.user.username} has no district to log time in"
    user = User.objects.get(username="teacher")
    row = Teacher.objects.get(user=user)
    assert (row.first_name, row.last_name) == (user.first_name, user.last_name)
