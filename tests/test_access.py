"""Each role against each page of the time log, roster and contracts: allowed, 403 or 404.

Two tenants are seeded; tenant A's coach owns the entry used for the per-object URLs.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from coaching.tests.factories import LogEntryFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "coach", "other_coach", "teacher", "district_admin", "program_director", "site_admin"]

# url name -> expected status per role, in ROLES order (302 for anonymous: sent to sign in).
C, T, A = "coach", "teacher", "admin"
MATRIX: dict[str, tuple[int, ...]] = {
    #                              anon coach other teach dadm  dir  site
    "coaching:my_week":          (302, 200, 200, 403, 403, 403, 403),
    "coaching:entry_list":       (302, 200, 200, 403, 403, 403, 403),
    "coaching:entry_export":     (302, 200, 200, 403, 403, 403, 403),
    "coaching:entry_add":        (302, 200, 200, 403, 403, 403, 403),
    "coaching:district_fields":  (302, 200, 200, 403, 403, 403, 403),
    "coaching:entry_edit":       (302, 200, 404, 403, 403, 403, 403),
    "coaching:entry_delete":     (302, 200, 404, 403, 403, 403, 403),
    "coaching:contracts":        (302, 200, 200, 403, 200, 200, 200),
    "coaching:my_sessions":      (302, 403, 403, 200, 403, 403, 403),
    "teachers:roster":           (302, 403, 403, 403, 200, 200, 200),
    "teachers:roster_export":    (302, 403, 403, 403, 200, 200, 200),
    "teachers:roster_import":    (302, 403, 403, 403, 200, 200, 200),
    "teachers:roster_template":  (302, 403, 403, 403, 200, 200, 200),
}  # fmt: skip


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


def url_for(name: str, entry) -> str:
    if name in ("coaching:entry_edit", "coaching:entry_delete"):
        return reverse(name, args=[entry.pk])
    return reverse(name)


@pytest.mark.parametrize("name", list(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_role_gets_the_declared_status(client, cast, name, role):
    users, entry = cast
    if users[role] is not None:
        client.force_login(users[role])
    response = client.get(url_for(name, entry))
    expected = MATRIX[name][ROLES.index(role)]
    assert response.status_code == expected, f"{role} GET {name}"
    if expected == 302:
        assert response["Location"].startswith(reverse("login"))


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
