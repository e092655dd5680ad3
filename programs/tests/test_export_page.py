"""A district's export page: its administrators download their own districts' zip (recorded in
the audit log); another district is a 404; directors, coaches and teachers are refused."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.urls import reverse

from coaching.tests.factories import LogEntryFactory
from teachers.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

URL = reverse("programs:export")


def test_an_administrator_downloads_their_districts_export(client, tenant_a, district_admin):
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, minutes=75, notes="Private note")
    client.force_login(district_admin)
    page = client.get(URL)
    assert page.status_code == 200
    assert f"?district={tenant_a.district.pk}" in page.content.decode()

    response = client.get(URL, {"district": tenant_a.district.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f"fulcrum-export-district-{tenant_a.district.pk}-" in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        entries = json.loads(archive.read("data/coaching.logentry.json"))
        everything = b"".join(archive.read(name) for name in archive.namelist())
    assert manifest["scope"]["districts"] == [{"id": tenant_a.district.pk, "name": tenant_a.district.name}]
    assert [e["fields"]["minutes"] for e in entries] == [75]
    assert b"Private note" not in everything
    event = AuditEvent.objects.get(action=AuditAction.EXPORT, object_type="district export")
    assert (event.actor_id, event.district_id) == (district_admin.pk, tenant_a.district.pk)


def test_another_district_is_a_404_and_other_roles_are_refused(client, tenant_a, tenant_b, district_admin):
    client.force_login(district_admin)
    assert client.get(URL, {"district": tenant_b.district.pk}).status_code == 404
    assert client.get(URL, {"district": "99999999999999999999"}).status_code == 200  # unreadable: the page
    for person in (tenant_a.director, tenant_a.coach.user, tenant_a.teacher.user):
        client.force_login(person)
        assert client.get(URL, {"district": tenant_a.district.pk}).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_the_export_page_costs_the_same_queries_for_one_and_four_districts(
    client, tenant_a, district_admin, django_assert_max_num_queries
):
    from teachers.tests.factories import DistrictFactory

    client.force_login(district_admin)
    with django_assert_max_num_queries(9) as one:
        assert client.get(URL).status_code == 200
    district_admin.administered_districts.add(*[DistrictFactory(name=f"Extra {i}") for i in range(3)])
    with django_assert_max_num_queries(9) as four:
        page = client.get(URL).content.decode()
    assert page.count("?district=") == 4
    assert len(four.captured_queries) == len(one.captured_queries)
