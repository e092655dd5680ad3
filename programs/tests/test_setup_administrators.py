"""District administrators: listed per district, added (one account per address, invited by
email), removed from a district; a district administrator invites one more for their district."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from teachers.models import AuditAction, AuditEvent, Invitation, Role, User
from teachers.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NEW = {"first_name": "Lena", "last_name": "Park", "email": "lena.park@district.example"}


def test_a_director_adds_an_administrator_who_is_invited(client, tenant_a, mailoutbox):
    client.force_login(tenant_a.director)
    response = client.post(reverse("programs:administrator_add"), {**NEW, "district": tenant_a.district.pk})
    assert response.status_code == 302
    user = User.objects.get(email=NEW["email"])
    assert user.role == Role.DISTRICT_ADMIN
    assert not user.has_usable_password()
    assert list(user.administered_districts.all()) == [tenant_a.district]
    [message] = mailoutbox
    link = re.search(r"(/invitation/[^/\s]+/)", message.body).group(1)
    assert Client().get(link).status_code == 200
    page = client.get(reverse("programs:administrators")).content.decode()
    assert "Lena Park" in page
    assert "Invitation sent, pending until" in page
    actions = set(AuditEvent.objects.filter(object_ref=str(user.pk)).values_list("action", flat=True))
    assert actions == {AuditAction.SETUP_CHANGE, AuditAction.INVITATION}


def test_an_existing_administrator_account_is_reused_for_another_district(client, tenant_a, tenant_b, mailoutbox):
    tenant_b.contract.program = tenant_a.program  # A's program now serves district B too
    tenant_b.contract.save()
    client.force_login(tenant_a.director)
    response = client.post(reverse("programs:administrator_add"), {
        "first_name": "X", "last_name": "Y", "email": tenant_b.district_admin.email.upper(),
        "district": tenant_a.district.pk,
    })  # fmt: skip
    assert response.status_code == 302
    assert User.objects.filter(email__iexact=tenant_b.district_admin.email).count() == 1
    assert set(tenant_b.district_admin.administered_districts.all()) == {tenant_a.district, tenant_b.district}
    assert mailoutbox == []  # they sign in already


def test_an_address_of_another_role_is_refused(client, tenant_a, mailoutbox):
    client.force_login(tenant_a.director)
    response = client.post(reverse("programs:administrator_add"), {
        **NEW, "email": tenant_a.teacher.user.email, "district": tenant_a.district.pk,
    })  # fmt: skip
    assert response.status_code == 400
    page = response.content.decode()
    assert "already signs in to Fulcrum as a teacher" in page
    assert 'value="Lena"' in page
    tenant_a.teacher.user.refresh_from_db()
    assert tenant_a.teacher.user.role == Role.TEACHER
    assert not tenant_a.teacher.user.administered_districts.exists()


def test_an_administrator_cannot_be_added_to_a_district_one_does_not_serve(client, tenant_a, tenant_b):
    for person in (tenant_a.director, tenant_a.district_admin):
        client.force_login(person)
        response = client.post(reverse("programs:administrator_add"), {**NEW, "district": tenant_b.district.pk})
        assert response.status_code == 400
    assert not User.objects.filter(email=NEW["email"]).exists()


def test_a_district_administrator_invites_one_more_and_removes_them_but_not_themself(client, tenant_a, mailoutbox):
    client.force_login(tenant_a.district_admin)
    assert (
        client.post(reverse("programs:administrator_add"), {**NEW, "district": tenant_a.district.pk}).status_code == 302
    )
    colleague = User.objects.get(email=NEW["email"])
    assert len(mailoutbox) == 1
    client.post(reverse("programs:administrator_invite", args=[colleague.pk]), {"action": "revoke"})
    assert not Invitation.objects.filter(user=colleague, revoked_at__isnull=True).exists()
    remove = reverse("programs:administrator_remove", args=[tenant_a.district.pk, colleague.pk])
    assert client.post(remove).status_code == 302
    assert not colleague.administered_districts.exists()
    assert AuditEvent.objects.filter(detail="removed a district administrator", district=tenant_a.district).exists()
    itself = reverse("programs:administrator_remove", args=[tenant_a.district.pk, tenant_a.district_admin.pk])
    client.post(itself)
    assert tenant_a.district_admin.administered_districts.filter(pk=tenant_a.district.pk).exists()


def test_another_districts_administrator_cannot_be_removed(client, tenant_a, tenant_b):
    client.force_login(tenant_a.district_admin)
    url = reverse("programs:administrator_remove", args=[tenant_b.district.pk, tenant_b.district_admin.pk])
    assert client.post(url).status_code == 404
    mixed = reverse("programs:administrator_remove", args=[tenant_a.district.pk, tenant_b.district_admin.pk])
    assert client.post(mixed).status_code == 404
    assert tenant_b.district_admin.administered_districts.exists()


@pytest.mark.parametrize("n", [3, 30])
def test_the_administrator_list_costs_the_same_queries_for_3_or_30(client, tenant_a, n, django_assert_max_num_queries):
    for i in range(n):
        UserFactory(username=f"adm{i}", role=Role.DISTRICT_ADMIN).administered_districts.add(tenant_a.district)
    client.force_login(tenant_a.director)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("programs:administrators"))
    assert len(response.context["groups"][0].admins) == n + 1
