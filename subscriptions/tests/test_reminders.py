"""Reminders to log time: a coach silent for the program's number of working days gets one email
(through a real SMTP server on loopback), not two for the same silence, and none when the program
or the coach turned them off."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coaching.tests.factories import CoachFactory, LogEntryFactory
from subscriptions import services
from subscriptions.models import Reminder
from subscriptions.periods import working_days_between

THURSDAY = dt.date(2026, 11, 26)
FRIDAY, MONDAY, TUESDAY, WEDNESDAY = (THURSDAY + dt.timedelta(days=n) for n in (1, 4, 5, 6))


def test_working_days_skip_the_weekend():
    assert working_days_between(THURSDAY, TUESDAY) == 2  # Friday and Monday
    assert working_days_between(THURSDAY, WEDNESDAY) == 3
    assert working_days_between(FRIDAY, MONDAY) == 0
    assert working_days_between(MONDAY, MONDAY) == 0


@pytest.fixture
def silent_since_thursday(tenant_a, tenant_b):
    """A's coach logged last on Thursday; B's coach logged on Tuesday. Both joined long before."""
    joined = timezone.make_aware(dt.datetime(2026, 8, 1, 9))
    for tenant in (tenant_a, tenant_b):
        type(tenant.coach.user).objects.filter(pk=tenant.coach.user.pk).update(date_joined=joined)
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=THURSDAY - dt.timedelta(days=3))
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=THURSDAY)
    LogEntryFactory(coach=tenant_b.coach, district=tenant_b.district, date=TUESDAY)
    return tenant_a.coach


@pytest.mark.django_db
def test_a_coach_silent_three_working_days_over_a_weekend_gets_one_reminder(smtp_server, silent_since_thursday,
                                                                          tenant_a):  # fmt: skip
    coach = silent_since_thursday
    assert services.reminders_send(today=TUESDAY) == 0  # Friday and Monday: two working days
    assert smtp_server.messages == []
    assert services.reminders_send(today=WEDNESDAY) == 1
    assert services.reminders_send(today=WEDNESDAY) == 0  # the task ran twice
    assert services.reminders_send(today=WEDNESDAY + dt.timedelta(days=1)) == 0  # the same silence
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == coach.user.email
    assert message["Subject"] == "Fulcrum: nothing logged since Thursday, November 26"
    body = message.get_body(("plain",)).get_content()
    assert "3 working days without an entry" in body
    assert f"http://127.0.0.1:8000{reverse('coaching:entry_add')}" in body
    assert f"http://127.0.0.1:8000{reverse('subscriptions:my_reminders')}" in body
    assert Reminder.objects.get().since == THURSDAY

    # Logging again ends the silence; the next one is reminded again, once.
    LogEntryFactory(coach=coach, district=tenant_a.district, date=WEDNESDAY)
    services.reminders_send(today=WEDNESDAY + dt.timedelta(days=7))
    to_a = [m for m in smtp_server.messages if m["To"] == coach.user.email]
    assert [m["Subject"] for m in to_a][1:] == ["Fulcrum: nothing logged since Wednesday, December 2"]


@pytest.mark.django_db
def test_no_reminder_when_the_program_turned_them_off(smtp_server, silent_since_thursday, tenant_a):
    services.reminder_days_set(program_id=tenant_a.program.pk, days=0, by=tenant_a.director)
    services.reminders_send(today=WEDNESDAY + dt.timedelta(days=10))
    assert [m["To"] for m in smtp_server.messages] == ["coach_B@example.org"]  # B's program still reminds


@pytest.mark.django_db
def test_no_reminder_when_the_coach_turned_them_off(client, smtp_server, silent_since_thursday):
    coach = silent_since_thursday
    client.force_login(coach.user)
    response = client.post(reverse("subscriptions:my_reminders"), {})  # the box unticked
    assert response.status_code == 302
    assert client.get(reverse("subscriptions:my_reminders")).context["on"] is False
    assert services.reminders_send(today=WEDNESDAY) == 0
    assert smtp_server.messages == []
    client.post(reverse("subscriptions:my_reminders"), {"reminders": "on"})
    assert services.reminders_send(today=WEDNESDAY) == 1


@pytest.mark.django_db
def test_no_reminder_to_a_coach_who_has_not_set_a_password_yet(smtp_server, silent_since_thursday):
    user = silent_since_thursday.user
    user.set_unusable_password()
    user.save()
    assert services.reminders_send(today=WEDNESDAY) == 0
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_a_longer_setting_waits_longer(smtp_server, silent_since_thursday, tenant_a):
    services.reminder_days_set(program_id=tenant_a.program.pk, days=5, by=tenant_a.director)
    assert services.reminders_send(today=WEDNESDAY) == 0
    assert services.reminders_send(today=WEDNESDAY + dt.timedelta(days=2)) == 1  # Friday: Fri, Mon–Thu


@pytest.mark.django_db
def test_a_failed_reminder_is_kept_and_sent_the_next_day(settings, smtp_server, silent_since_thursday):
    port = smtp_server.port
    settings.EMAIL_PORT = 9  # the discard port: nothing listens on loopback
    assert services.reminders_send(today=WEDNESDAY) == 0
    reminder = Reminder.objects.get()
    assert reminder.sent_at is None
    assert reminder.attempts == 1
    assert "Error" in reminder.last_error
    settings.EMAIL_PORT = port
    assert services.reminders_send(today=WEDNESDAY + dt.timedelta(days=1)) == 1
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db
def test_the_directors_setting_page(client, tenant_a, tenant_b):
    client.force_login(tenant_a.director)
    url = reverse("subscriptions:reminders")
    assert "after 3 working days" in client.get(url).content.decode()
    bad = client.post(f"{url}?program={tenant_a.program.pk}", {"days": "31", "program": tenant_a.program.pk})
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "from 0 (off) to 30" in page
    assert 'value="31"' in page
    assert client.post(url, {"days": "4", "program": tenant_a.program.pk}).status_code == 302
    assert services.reminder_days_for(tenant_a.program.pk) == 4
    assert client.get(f"{url}?program={tenant_b.program.pk}").status_code == 404
    assert client.post(url, {"days": "0", "program": tenant_b.program.pk}).status_code == 404
    assert client.get(f"{url}?program=abc").status_code == 404
    assert services.reminder_days_for(tenant_b.program.pk) == 3
    client.force_login(tenant_a.coach.user)
    assert client.get(url).status_code == 403
    client.force_login(tenant_a.district_admin)
    assert client.get(url).status_code == 403


def _silent_coaches(tenant, n: int) -> None:
    joined = timezone.make_aware(dt.datetime(2026, 8, 1, 9))
    for coach in CoachFactory.create_batch(n, program=tenant.program):
        type(coach.user).objects.filter(pk=coach.user.pk).update(date_joined=joined)
        LogEntryFactory(coach=coach, district=tenant.district, date=THURSDAY)


@pytest.mark.django_db
def test_reminders_read_and_write_their_rows_in_the_same_few_queries_for_3_or_30_coaches(smtp_server, tenant_a):
    """Beyond the one update that records each email as sent, the queries do not grow with the coaches."""
    counts = []
    for n, today in ((3, WEDNESDAY), (30, WEDNESDAY + dt.timedelta(days=7))):
        Reminder.objects.all().delete()
        _silent_coaches(tenant_a, n)
        with CaptureQueriesContext(connection) as queries:
            sent = services.reminders_send(today=today)
        assert sent == Reminder.objects.filter(sent_at__isnull=False).count() >= n
        counts.append(len(queries) - sent)
    assert counts[0] == counts[1] <= 4
