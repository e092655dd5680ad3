"""A real Celery worker on a real Redis sends a report email through a real SMTP server on
loopback, once however often the beat task runs (CI runs this always)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from coaching.tests.factories import LogEntryFactory
from reports.models import ScopeKind
from reports.scopes import Scope
from subscriptions.models import Delivery, DeliveryStatus, Frequency, Subscription
from subscriptions.periods import last_full_period
from subscriptions.services import subscription_add
from subscriptions.tasks import subscriptions_send_due
from tests.test_celery_worker import start_worker, stop_worker, worker_queue  # noqa: F401  (a fixture)

pytestmark = pytest.mark.services


@pytest.fixture
def mail_worker(worker_queue, smtp_server, monkeypatch):  # noqa: F811
    """A worker whose Django sends through the test's SMTP server, from hour 0 (never "too early")."""
    monkeypatch.setenv("FULCRUM_TEST_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
    monkeypatch.setenv("DJANGO_EMAIL_HOST", smtp_server.host)
    monkeypatch.setenv("DJANGO_EMAIL_PORT", str(smtp_server.port))
    monkeypatch.setenv("FULCRUM_MAIL_SEND_HOUR", "0")
    process = start_worker(worker_queue)
    try:
        yield worker_queue
    finally:
        stop_worker(process)


def test_the_beat_task_on_a_worker_sends_the_last_weeks_report_once(mail_worker, smtp_server, tenant_a):
    week = last_full_period(Frequency.WEEKLY, today=timezone.localdate())
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=week.start, minutes=90)
    sub = subscription_add(user=tenant_a.district_admin, scope=Scope(ScopeKind.DISTRICT, tenant_a.district.pk),
                           frequency=Frequency.WEEKLY)  # fmt: skip
    Subscription.objects.filter(pk=sub.pk).update(created_at=timezone.now() - dt.timedelta(days=30))

    subscriptions_send_due.apply_async(queue=mail_worker)
    subscriptions_send_due.apply_async(queue=mail_worker)  # the beat ticked twice
    ping = subscriptions_send_due.app.send_task("fulcrum.ping", queue=mail_worker)
    assert ping.get(timeout=120) == "pong"  # one worker, in order: both ran before it
    deadline = time.monotonic() + 10
    while not smtp_server.messages and time.monotonic() < deadline:
        time.sleep(0.2)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.period_start) == (DeliveryStatus.SENT, 1, week.start)
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == tenant_a.district_admin.email
    assert "Total hours: 1.50" in message.get_body(("plain",)).get_content()
    pdf = next(p for p in message.iter_attachments() if p.get_content_type() == "application/pdf")
    assert pdf.get_content().startswith(b"%PDF")
