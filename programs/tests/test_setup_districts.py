"""Districts and schools: a director adds a district with its first contract and renames it;
directors and district administrators add and rename schools."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from coaching.models import Contract
from coaching.tests.factories import ContractFactory
from teachers.models import AuditAction, AuditEvent, District, School
from teachers.tests.factories import DistrictFactory, SchoolFactory, TeacherFactory
from toolkit.schoolyear import school_year_of

pytestmark = pytest.mark.django_db
YEAR = school_year_of(timezone.localdate())
NEW = {"name": "Willow Creek SD 7", "school_year": YEAR, "contracted_days": 45, "daily_rate": "395.50"}


def test_a_director_adds_a_district_with_its_first_contract(client, tenant_a):
    client.force_login(tenant_a.director)
    assert client.post(reverse("programs:district_add"), NEW).status_code == 302
    district = District.objects.get(name="Willow Creek SD 7")
    contract = Contract.objects.get(district=district)
    assert (contract.program, contract.school_year, contract.contracted_days) == (tenant_a.program, YEAR, 45)
    page = client.get(reverse("programs:districts")).content.decode()
    assert "Willow Creek SD 7" in page
    event = AuditEvent.objects.get(object_type="district")
    assert (event.action, event.program_id, event.district_id) == (AuditAction.SETUP_CHANGE, tenant_a.program.pk,
                                                                   district.pk)  # fmt: skip


def test_a_district_already_in_fulcrum_is_not_taken_on_and_the_form_keeps_its_values(client, tenant_a, tenant_b):
    client.force_login(tenant_a.director)
    response = client.post(reverse("programs:district_add"), {**NEW, "name": tenant_b.district.name.upper()})
    assert response.status_code == 400
    page = response.content.decode()
    assert "already in Fulcrum" in page
    assert 'value="45"' in page
    assert 'value="395.50"' in page
    assert not Contract.objects.filter(program=tenant_a.program, district=tenant_b.district).exists()


def test_district_add_refuses_days_out_of_range(client, tenant_a):
    client.force_login(tenant_a.director)
    response = client.post(reverse("programs:district_add"), {**NEW, "contracted_days": 200})
    assert response.status_code == 400
    assert "Contracted days must be between 10 and 170." in response.content.decode()
    assert not District.objects.filter(name=NEW["name"]).exists()


def test_a_director_renames_a_served_district_but_not_another(client, tenant_a, tenant_b):
    client.force_login(tenant_a.director)
    url = reverse("programs:district_edit", args=[tenant_a.district.pk])
    assert client.post(url, {"name": "Renamed District"}).status_code == 302
    tenant_a.district.refresh_from_db()
    assert tenant_a.district.name == "Renamed District"
    assert client.post(reverse("programs:district_edit", args=[tenant_b.district.pk]),
                       {"name": "Hijacked"}).status_code == 404  # fmt: skip
    clash = client.post(url, {"name": tenant_b.district.name})
    assert clash.status_code == 400
    assert "Another district already has this name." in clash.content.decode()


def test_a_district_administrator_adds_and_renames_their_schools(client, tenant_a):
    client.force_login(tenant_a.district_admin)
    assert client.post(reverse("programs:school_add", args=[tenant_a.district.pk]),
                       {"name": "North Middle"}).status_code == 302  # fmt: skip
    school = School.objects.get(name="North Middle")
    assert school.district == tenant_a.district
    assert (
        client.post(reverse("programs:school_edit", args=[school.pk]), {"name": "North Middle School"}).status_code
        == 302
    )
    school.refresh_from_db()
    assert school.name == "North Middle School"
    events = AuditEvent.objects.filter(object_type="school", district=tenant_a.district)
    assert events.count() == 2
    assert set(events.values_list("program_id", flat=True)) == {None}
    duplicate = client.post(
        reverse("programs:school_add", args=[tenant_a.district.pk]), {"name": "north middle school"}
    )
    assert duplicate.status_code == 400
    assert "already has a school of this name" in duplicate.content.decode()
    assert client.get(reverse("programs:district_edit", args=[tenant_a.district.pk])).status_code == 403


def test_a_district_administrator_cannot_touch_another_districts_schools(client, tenant_a, tenant_b):
    client.force_login(tenant_a.district_admin)
    assert client.post(reverse("programs:school_add", args=[tenant_b.district.pk]), {"name": "X"}).status_code == 404
    assert client.post(reverse("programs:school_edit", args=[tenant_b.school.pk]), {"name": "X"}).status_code == 404
    tenant_b.school.refresh_from_db()
    assert tenant_b.school.name == "School B"


@pytest.mark.parametrize("n", [3, 30])
def test_the_district_list_costs_the_same_queries_for_3_or_30_districts(client, tenant_a, n,
                                                                        django_assert_max_num_queries):  # fmt: skip
    for i in range(n):
        district = DistrictFactory(name=f"Dist {i}")
        ContractFactory(program=tenant_a.program, district=district)
        TeacherFactory(school=SchoolFactory(district=district))
    client.force_login(tenant_a.director)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("programs:districts"))
    assert len(response.context["districts"]) == n + 1
