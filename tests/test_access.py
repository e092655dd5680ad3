"""What each role may do with a coach's entries, what the contracts and sessions pages show, and
where each role starts. (Which status each role gets on each URL is declared once, in
tests/test_access_matrix.py.)"""

from __future__ import annotations

import pytest
from django.urls import reverse

from coaching.tests.factories import LogEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(tenant_a, tenant_b, site_admin):
    entry = LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district)
    users = {
        "anonymous": None,
        "coach": tenant_a.coach.user,
        "other_coach": tenant_b.coach.user,
        "teacher": tenant_a.teacher.user,
        "district_admin": tenant_a.district_admin,
        "program_director": tenant_a.director,
        "site_admin": site_admin,
    }
    return users, entry


@pytest.mark.parametrize("role", ["other_coach", "teacher", "district_admin", "program_director"])
def test_nobody_else_can_change_or_delete_a_coaches_entry(client, cast, role):
    users, entry = cast
    client.force_login(users[role])
    client.post(reverse("coaching:entry_edit", args=[entry.pk]), {"minutes": "1"})
    client.post(reverse("coaching:entry_delete", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.minutes == 60


def test_contracts_page_shows_only_the_admins_district(client, tenant_a, tenant_b):
    client.force_login(tenant_a.district_admin)
    html = client.get(reverse("coaching:contracts")).content.decode()
    assert tenant_a.district.name in html
    assert tenant_b.district.name not in html


def test_director_sees_the_programs_contracts_only(client, tenant_a, tenant_b):
    client.force_login(tenant_a.director)
    usage = client.get(reverse("coaching:contracts")).context["usage"]
    assert [u.contract for u in usage] == [tenant_a.contract]


def test_coach_sees_only_contracts_they_serve(client, tenant_a, tenant_b):
    client.force_login(tenant_a.coach.user)
    usage = client.get(reverse("coaching:contracts")).context["usage"]
    assert [u.contract for u in usage] == [tenant_a.contract]


def test_teacher_sees_their_sessions_without_the_coaches_notes(client, tenant_a, tenant_b):
    mine = LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, notes="private observation")
    mine.teachers.add(tenant_a.teacher)
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, notes="someone else")
    theirs = LogEntryFactory(coach=tenant_b.coach, district=tenant_b.district)
    theirs.teachers.add(tenant_b.teacher)
    client.force_login(tenant_a.teacher.user)
    response = client.get(reverse("coaching:my_sessions"))
    assert list(response.context["page"].object_list) == [mine]
    assert "private observation" not in response.content.decode()


def test_home_sends_each_role_to_its_start_page(client, cast):
    users, _ = cast
    starts = {
        "coach": reverse("coaching:my_week"),
        "teacher": reverse("cycles:list"),
        "district_admin": reverse("reports:dashboard"),
        "program_director": reverse("reports:dashboard"),
        "site_admin": reverse("admin:index"),
    }
    for role, start in starts.items():
        client.force_login(users[role])
        assert client.get(reverse("home"))["Location"] == start
