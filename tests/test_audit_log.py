"""The append-only audit log: what is recorded, who may read it, and that it cannot change."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from coaching.tests.factories import LogEntryFactory
from cycles import services as cycle_services
from teachers.models import AuditAction, AuditEvent
from teachers.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


def test_sign_ins_and_failed_sign_ins_are_recorded(client):
    UserFactory(username="amy", password="correct-horse-battery")
    client.post(reverse("login"), {"username": "amy", "password": "nope"})
    client.post(reverse("login"), {"username": "amy", "password": "correct-horse-battery"})
    assert actions() == [AuditAction.SIGN_IN_FAILED, AuditAction.SIGN_IN]
    failed = AuditEvent.objects.get(action=AuditAction.SIGN_IN_FAILED)
    assert failed.actor_label == "unknown (amy)"
    assert "nope" not in f"{failed.detail}{failed.actor_label}"


def test_exports_are_recorded(client, tenant_a):
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district)
    client.force_login(tenant_a.coach.user)
    b"".join(client.get(reverse("coaching:entry_export")).streaming_content)
    client.force_login(tenant_a.district_admin)
    b"".join(client.get(reverse("teachers:roster_export") + f"?district={tenant_a.district.pk}").streaming_content)
    events = list(AuditEvent.objects.filter(action=AuditAction.EXPORT).order_by("pk"))
    assert [e.object_type for e in events] == ["time log", "roster"]
    assert events[1].district_id == tenant_a.district.pk


def test_sharing_changes_and_an_administrators_read_are_recorded_without_content(client, tenant_a):
    cycle = cycle_services.cycle_start(coach=tenant_a.coach, teachers=[tenant_a.teacher], title="Private title")
    cycle_services.cycle_share(cycle=cycle, teacher=tenant_a.teacher, shared=True)
    client.force_login(tenant_a.district_admin)
    assert client.get(reverse("cycles:detail", args=[cycle.public_id])).status_code == 200
    client.force_login(tenant_a.coach.user)
    client.get(reverse("cycles:detail", args=[cycle.public_id]))  # the coach is an author: not a logged read
    share, read = AuditEvent.objects.exclude(action=AuditAction.SIGN_IN).order_by("pk")
    assert (share.action, share.district_id, share.object_ref) == ("sharing_change", tenant_a.district.pk,
                                                                   str(cycle.public_id))  # fmt: skip
    assert (read.action, read.actor_id) == ("confidential_read", tenant_a.district_admin.pk)
    assert all("Private title" not in f"{e.detail}{e.object_ref}" for e in (share, read))


def test_the_coach_reading_a_teachers_reflection_is_recorded(client, tenant_a):
    cycle = cycle_services.cycle_start(coach=tenant_a.coach, teachers=[tenant_a.teacher], title="t")
    reflection = cycle_services.reflection_write(author=tenant_a.teacher.user, teacher=tenant_a.teacher, cycle=cycle,
                                                 occasion="free", what_happened="A private worry")  # fmt: skip
    client.force_login(tenant_a.teacher.user)
    client.get(reverse("cycles:reflection", args=[reflection.public_id]))  # its author: not recorded
    client.force_login(tenant_a.coach.user)
    client.get(reverse("cycles:reflection", args=[reflection.public_id]))
    [event] = AuditEvent.objects.filter(action=AuditAction.CONFIDENTIAL_READ)
    assert (event.actor_id, event.object_ref) == (tenant_a.coach.user.pk, str(reflection.public_id))
    assert "worry" not in event.detail


def test_site_admin_reads_all_a_district_admin_their_district_and_others_nothing(client, tenant_a, tenant_b,
                                                                                     site_admin):  # fmt: skip
    for tenant in (tenant_a, tenant_b):
        cycle = cycle_services.cycle_start(coach=tenant.coach, teachers=[tenant.teacher], title="t")
        cycle_services.cycle_share(cycle=cycle, teacher=tenant.teacher, shared=True)
    client.force_login(tenant_a.district_admin)
    page = client.get(reverse("audit")).context["page"]
    assert {e.district_id for e in page.object_list} == {tenant_a.district.pk}
    client.force_login(site_admin)
    everything = client.get(reverse("audit") + "?action=sharing_change").context["page"].object_list
    assert {e.district_id for e in everything} == {tenant_a.district.pk, tenant_b.district.pk}
    for user in (tenant_a.coach.user, tenant_a.teacher.user, tenant_a.director):
        client.force_login(user)
        assert client.get(reverse("audit")).status_code == 403


def test_the_log_is_append_only():
    event = AuditEvent.objects.create(actor_label="x", action=AuditAction.EXPORT)
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    if connection.vendor == "postgresql":  # the database itself refuses, whatever the code does
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).update(detail="changed")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).delete()
        # TRUNCATE too, in any session that has not said otherwise (only the test runner's do).
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL fulcrum.audit_truncate = off")
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                cursor.execute("TRUNCATE teachers_auditevent")
    assert AuditEvent.objects.get(pk=event.pk).detail == ""


def test_an_outsiders_export_is_never_filed_in_another_districts_log(client, tenant_a, tenant_b):
    """An export names the district only once the request's district is checked to be the
    person's own: asking for another district's roster or report files nothing under it."""
    client.force_login(tenant_b.district_admin)
    client.get(reverse("teachers:roster_export"), {"district": tenant_a.district.pk})
    report = client.get(reverse("reports:export_csv"), {"scope": f"district-{tenant_a.district.pk}",
                                                         "period": "sy-2026", "table": "activity"})  # fmt: skip
    assert report.status_code == 404
    assert not AuditEvent.objects.filter(district_id=tenant_a.district.pk).exists()
    client.force_login(tenant_a.district_admin)
    assert "roster as CSV" not in client.get(reverse("audit")).content.decode()
