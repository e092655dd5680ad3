"""The Email reports pages and a received report email in Chromium: axe-core finds no serious or
critical violation at 1280 px and at 375 px, nothing scrolls sideways, the pages' targets are 44 px,
and an administrator subscribes through the form and sees its error beside the field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from coaching.tests.factories import LogEntryFactory
from reports.models import ScopeKind
from reports.scopes import Scope
from subscriptions import services
from subscriptions.models import Delivery, DeliveryStatus, Frequency, Subscription
from tests.e2e.conftest import sign_in
from tests.e2e.test_every_page import LAYOUT

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
AXE = (Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core" / "axe.min.js").read_text()
SERIOUS = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter(v => ["serious", "critical"].includes(v.impact))
    .map(v => `${v.id}: ${v.nodes.map(n => n.target.join(" ")).slice(0, 3).join(", ")}`);
}"""


def _check(page, label: str, width: int, *, layout: bool = True) -> list[str]:
    """axe-core's serious findings, a sideways scroll, and on a page (not the email) the every-page
    layout rules: 44 px targets."""
    page.evaluate(AXE)
    problems = [f"{label} at {width} px: {v}" for v in page.evaluate(SERIOUS)]
    if layout:
        problems += [f"{label} at {width} px: {p}" for p in page.evaluate(LAYOUT)]
    page.evaluate("window.scrollTo(1000, 0)")
    if page.evaluate("window.scrollX"):
        problems.append(f"{label} scrolls sideways at {width} px")
    return problems


def test_the_pages_and_the_email_fit_a_phone_and_have_no_serious_violations(
    live_server, guarded_page, smtp_server, tenant_a
):
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=dt.date(2026, 11, 3), minutes=95)
    sub = services.subscription_add(user=tenant_a.district_admin, frequency=Frequency.MONTHLY,
                                    scope=Scope(ScopeKind.DISTRICT, tenant_a.district.pk))  # fmt: skip
    Subscription.objects.filter(pk=sub.pk).update(created_at=timezone.now() - dt.timedelta(days=90))
    services.deliveries_send_due(now=timezone.make_aware(dt.datetime(2026, 12, 1, 7)))
    Delivery.objects.create(subscription=sub, period_start=dt.date(2026, 10, 1), period_end=dt.date(2026, 10, 31),
                            period_label="October 2026", status=DeliveryStatus.FAILED, attempts=5,
                            last_error="SMTPServerDisconnected: Connection unexpectedly closed")  # fmt: skip
    message = smtp_server.messages[0]
    html = message.get_body(("html",)).get_content()
    unsubscribe = message["List-Unsubscribe"].strip()[1:-1].removeprefix("http://127.0.0.1:8000")
    page = guarded_page
    problems: list[str] = []
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 800})
        page.set_content(html)
        problems += _check(page, "the email", width, layout=False)
        for username, path in (("admin_A", "/email/"), ("director_A", "/email/reminders/"),
                               ("coach_A", "/email/my-reminders/"), ("", unsubscribe)):  # fmt: skip
            page.context.clear_cookies()
            if username:
                sign_in(page, live_server.url, username)
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None
            assert response.status == 200, path
            problems += _check(page, path, width)
    assert problems == []


def test_an_administrator_subscribes_and_a_refused_choice_is_shown_beside_the_field(
    live_server, guarded_page, tenant_a
):
    page = guarded_page
    sign_in(page, live_server.url, "admin_A")
    page.goto(f"{live_server.url}/email/")
    page.get_by_role("button", name="Email me this report").click()
    field = page.get_by_label("Report")
    assert field.get_attribute("aria-invalid") == "true" or "is-invalid" in (field.get_attribute("class") or "")
    assert "This field is required." in page.locator("#error_1_id_scope").inner_text()
    field.select_option(label="District A (district)")
    page.get_by_label("How often").select_option("weekly")
    page.get_by_role("button", name="Email me this report").click()
    assert "You will receive District A's report by email, weekly." in page.locator("main").inner_text()
    row = page.get_by_test_id("subscription")
    assert "District A" in row.inner_text()
    assert Subscription.objects.get().frequency == "weekly"
