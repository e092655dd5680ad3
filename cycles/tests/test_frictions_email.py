"""The coach emails a reflection link just made to its teacher, from Fulcrum: through a real
SMTP server on loopback, the link in the mail opens that teacher's form, once."""

from __future__ import annotations

import re

import pytest
from django.core.cache import caches
from django.urls import reverse

from cycles.models import Cycle, Reflection, ReflectionLink
from cycles.tests.factories import CycleFactory
from teachers.models import AuditAction, AuditEvent, Teacher
from teachers.tests.factories import TeacherFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def marisol(tenant_a) -> Teacher:
    return TeacherFactory(school=tenant_a.school, first_name="Marisol", last_name="Okonkwo-Vance", user=None,
                          email="marisol@school.example")  # fmt: skip


@pytest.fixture
def cycle(tenant_a, marisol) -> Cycle:
    return CycleFactory(coach=tenant_a.coach, school=tenant_a.school, teachers=[marisol], title="Exit tickets in 3B",
                        strategy="Exit tickets with next-day feedback", coach_notes="PRIVATE-COACH-NOTE")  # fmt: skip


def create_link(client, cycle: Cycle, teacher: Teacher) -> tuple[ReflectionLink, str, str]:
    """The coach makes a link on the cycle page: the row, its token, and the page shown once."""
    response = client.post(reverse("cycles:link_new", args=[cycle.public_id]),
                           {"teacher": teacher.pk, "occasion": "after_implementing"})  # fmt: skip
    assert response.status_code == 200
    return response.context["link"], response.context["token"], response.content.decode()


def email_url(cycle: Cycle, link: ReflectionLink) -> str:
    return reverse("cycles:link_email", args=[cycle.public_id, link.public_id])


def test_the_emailed_link_opens_the_teachers_form_and_works_once(client, tenant_a, cycle, marisol, smtp_server):
    client.force_login(tenant_a.coach.user)
    link, token, html = create_link(client, cycle, marisol)
    assert "Send by email to Marisol Okonkwo-Vance" in html
    response = client.post(email_url(cycle, link), {"token": token})
    assert response.status_code == 200
    assert "Sent to Marisol Okonkwo-Vance (marisol@school.example)." in response.content.decode()

    [message] = smtp_server.messages
    assert message["To"] == "marisol@school.example"
    coach_name = tenant_a.coach.user.display_name
    assert coach_name in message["Subject"]
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Hello Marisol," in body
    assert coach_name in body
    assert '"Exit tickets in 3B"' in body
    assert "Exit tickets with next-day feedback" in body
    assert "PRIVATE-COACH-NOTE" not in body
    [url] = re.findall(r"https?://\S+", body)
    path = re.sub(r"^https?://[^/]+", "", url)
    assert path == reverse("reflect", args=[token])

    client.logout()
    page = client.get(path)
    assert page.status_code == 200
    assert "Reflection for Marisol" in page.content.decode()
    answered = client.post(path, {"what_happened": "Tried it on Tuesday"})
    assert answered.status_code == 200
    assert Reflection.objects.get(teacher=marisol, cycle=cycle, via_link=True).what_happened == "Tried it on Tuesday"
    assert client.post(path, {"what_happened": "Again"}).status_code == 404
    assert Reflection.objects.filter(teacher=marisol).count() == 1


def test_sending_is_audited_and_stores_no_link(client, tenant_a, cycle, marisol, smtp_server):
    client.force_login(tenant_a.coach.user)
    link, token, _html = create_link(client, cycle, marisol)
    client.post(email_url(cycle, link), {"token": token})
    event = AuditEvent.objects.get(action=AuditAction.INVITATION, object_ref=str(link.public_id))
    assert event.actor == tenant_a.coach.user
    assert event.district_id == cycle.district_id
    assert event.program_id == tenant_a.program.pk
    assert event.object_type == "reflection link"
    assert token not in event.detail
    assert "Marisol" not in event.detail
    assert ReflectionLink.objects.count() == 1
    assert not ReflectionLink.objects.filter(token_hash=token).exists()
    row = ReflectionLink.objects.values().get()
    assert all(token not in str(value) for value in row.values())


def test_a_wrong_token_sends_nothing(client, tenant_a, cycle, marisol, smtp_server):
    client.force_login(tenant_a.coach.user)
    link, _token, _html = create_link(client, cycle, marisol)
    _other, other_token, _ = create_link(client, cycle, marisol)
    for token in ("", "guess", other_token):
        response = client.post(email_url(cycle, link), {"token": token})
        assert response.status_code == 400
        assert "not the address of that link" in response.content.decode()
    assert smtp_server.messages == []
    assert not AuditEvent.objects.filter(action=AuditAction.INVITATION).exists()


def test_a_used_link_is_not_sent(client, tenant_a, cycle, marisol, smtp_server):
    client.force_login(tenant_a.coach.user)
    link, token, _html = create_link(client, cycle, marisol)
    client.post(reverse("reflect", args=[token]), {"what_happened": "Done already"})
    response = client.post(email_url(cycle, link), {"token": token})
    assert response.status_code == 400
    assert "has been used or has expired" in response.content.decode()
    assert smtp_server.messages == []


def test_a_teacher_without_an_email_gets_no_button_and_the_reason(client, tenant_a, cycle, marisol, smtp_server):
    Teacher.objects.filter(pk=marisol.pk).update(email="")
    client.force_login(tenant_a.coach.user)
    link, token, html = create_link(client, cycle, marisol)
    assert "Send by email" not in html
    assert "The roster has no email address for Marisol Okonkwo-Vance." in html
    response = client.post(email_url(cycle, link), {"token": token})
    assert response.status_code == 400
    assert smtp_server.messages == []


def test_a_mail_server_that_refuses_leaves_the_link_to_copy(client, tenant_a, cycle, marisol, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    client.force_login(tenant_a.coach.user)
    link, token, _html = create_link(client, cycle, marisol)
    response = client.post(email_url(cycle, link), {"token": token})
    assert response.status_code == 400
    html = response.content.decode()
    assert "The email could not be sent" in html
    assert reverse("reflect", args=[token]) in html  # still shown, to copy
    assert not AuditEvent.objects.filter(action=AuditAction.INVITATION).exists()


def test_each_coach_may_send_only_so_many_an_hour(client, tenant_a, cycle, marisol, settings, smtp_server):
    caches["default"].clear()
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "reflection_link_email": (2, 3600)}
    client.force_login(tenant_a.coach.user)
    answers = []
    for _ in range(3):
        link, token, _html = create_link(client, cycle, marisol)
        answers.append(client.post(email_url(cycle, link), {"token": token}).status_code)
    assert answers == [200, 200, 429]
    assert len(smtp_server.messages) == 2


def test_only_the_cycles_coach_may_send(client, tenant_a, tenant_b, cycle, marisol, smtp_server):
    client.force_login(tenant_a.coach.user)
    link, token, _html = create_link(client, cycle, marisol)
    client.force_login(tenant_b.coach.user)
    assert client.post(email_url(cycle, link), {"token": token}).status_code == 404
    client.force_login(tenant_a.district_admin)
    assert client.post(email_url(cycle, link), {"token": token}).status_code == 404
    assert smtp_server.messages == []
