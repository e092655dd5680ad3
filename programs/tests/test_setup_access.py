"""Who reaches which set-up: a program's directors their program's; district administrators
their districts' schools, administrators and contracts (read-only); coaches and teachers nothing.
Another program's or district's object is a 404, whatever id is posted."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coaching.models import Contract, Program
from teachers.models import School

pytestmark = pytest.mark.django_db

DIRECTOR_ONLY = ["programs:district_add", "programs:contract_add", "programs:coaches", "programs:coach_add",
                 "programs:activities", "programs:activity_add", "programs:focus_areas", "programs:focus_area_add",
                 "programs:threshold", "programs:history"]  # fmt: skip
SHARED = ["programs:setup", "programs:districts", "programs:contracts", "programs:administrators",
          "programs:administrator_add"]  # fmt: skip


@pytest.mark.parametrize("name", DIRECTOR_ONLY + SHARED)
def test_coaches_and_teachers_get_403(client, tenant_a, name):
    for person in (tenant_a.coach.user, tenant_a.teacher.user):
        client.force_login(person)
        assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", DIRECTOR_ONLY)
def test_district_administrators_get_403_on_the_programs_set_up(client, tenant_a, name):
    client.force_login(tenant_a.district_admin)
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", SHARED)
def test_district_administrators_see_their_districts_part(client, tenant_a, tenant_b, name):
    client.force_login(tenant_a.district_admin)
    response = client.get(reverse(name))
    assert response.status_code == 200
    page = response.content.decode()
    assert tenant_b.district.name not in page


def test_a_district_administrator_reads_their_districts_contracts_without_editing(client, tenant_a):
    client.force_login(tenant_a.district_admin)
    page = client.get(reverse("programs:contracts")).content.decode()
    assert tenant_a.district.name in page
    assert tenant_a.program.name in page
    assert reverse("programs:contract_edit", args=[tenant_a.contract.pk]) not in page
    assert client.post(reverse("programs:contract_edit", args=[tenant_a.contract.pk]),
                       {"contracted_days": 170, "daily_rate": "1"}).status_code == 403  # fmt: skip


def test_another_programs_director_gets_404_for_this_programs_objects(client, tenant_a, tenant_b):
    client.force_login(tenant_b.director)
    urls = [
        reverse("programs:contract_edit", args=[tenant_a.contract.pk]),
        reverse("programs:coach_move", args=[tenant_a.coach.pk]),
        reverse("programs:coach_active", args=[tenant_a.coach.pk]),
        reverse("programs:coach_invite", args=[tenant_a.coach.pk]),
        reverse("programs:district_edit", args=[tenant_a.district.pk]),
        reverse("programs:school_add", args=[tenant_a.district.pk]),
        reverse("programs:school_edit", args=[tenant_a.school.pk]),
        reverse("programs:administrator_invite", args=[tenant_a.district_admin.pk]),
        reverse("programs:administrator_remove", args=[tenant_a.district.pk, tenant_a.district_admin.pk]),
    ]
    for url in urls:
        assert client.post(url, {"contracted_days": 170, "daily_rate": "1", "name": "Taken", "active": "0"}
                           ).status_code == 404, url  # fmt: skip
    tenant_a.contract.refresh_from_db()
    tenant_a.coach.refresh_from_db()
    assert (tenant_a.contract.contracted_days, tenant_a.coach.active) == (60, True)
    assert not School.objects.filter(name="Taken").exists()
    assert tenant_a.district_admin.administered_districts.exists()


def test_choosing_another_program_with_the_query_string_shows_ones_own(client, tenant_a, tenant_b):
    client.force_login(tenant_a.director)
    response = client.get(reverse("programs:coaches"), {"program": tenant_b.program.pk})
    assert response.context["program"] == tenant_a.program
    assert tenant_b.coach.user.display_name not in response.content.decode()
    client.post(f"{reverse('programs:threshold')}?program={tenant_b.program.pk}", {"threshold": 50})
    tenant_b.program.refresh_from_db()
    assert tenant_b.program.non_coaching_threshold == 10


def test_a_director_of_two_programs_picks_one(client, tenant_a):
    second = Program.objects.create(name="Second program")
    second.directors.add(tenant_a.director)
    client.force_login(tenant_a.director)
    page = client.get(reverse("programs:setup"), {"program": second.pk}).content.decode()
    assert "Set-up: Second program" in page
    assert 'id="program-switch"' in page
    client.post(f"{reverse('programs:threshold')}?program={second.pk}", {"threshold": 30})
    second.refresh_from_db()
    tenant_a.program.refresh_from_db()
    assert (second.non_coaching_threshold, tenant_a.program.non_coaching_threshold) == (30, 10)


def test_a_site_administrator_reaches_every_programs_set_up(client, tenant_a, tenant_b, site_admin):
    client.force_login(site_admin)
    assert client.get(reverse("programs:contract_edit", args=[tenant_b.contract.pk])).status_code == 200
    assert client.get(reverse("programs:coaches"), {"program": tenant_b.program.pk}).status_code == 200


def test_the_menu_offers_set_up_to_directors_and_district_administrators_only(client, tenant_a):
    for person, shown in ((tenant_a.director, True), (tenant_a.district_admin, True), (tenant_a.coach.user, False),
                          (tenant_a.teacher.user, False)):  # fmt: skip
        client.force_login(person)
        assert (f'href="{reverse("programs:setup")}"' in client.get(reverse("home"), follow=True).content.decode()) \
            is shown, person  # fmt: skip


def test_a_contract_id_of_another_program_in_a_form_changes_nothing(client, tenant_a, tenant_b):
    client.force_login(tenant_a.director)
    before = Contract.objects.filter(program=tenant_b.program).count()
    client.post(reverse("programs:contract_add"), {
        "district": tenant_b.district.pk, "school_year": tenant_b.contract.school_year,
        "contracted_days": 20, "daily_rate": "1",
    })  # fmt: skip
    assert Contract.objects.filter(program=tenant_b.program).count() == before
    assert not Contract.objects.filter(program=tenant_a.program, district=tenant_b.district).exists()
