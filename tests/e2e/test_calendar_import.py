"""Calendars in a browser: a coach uploads a Google Calendar export, confirms a draft in one click,
and makes a feed address; the pages have no serious accessibility violation at 1280 and 375 px
and do not scroll sideways."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from calendars.models import CalendarDraft, CalendarFeed
from calendars.tests.samples import google_ics
from coaching.models import LogEntry
from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility import audit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_coach_imports_a_calendar_confirms_a_draft_and_makes_a_feed(live_server, guarded_page, tenant_a, tmp_path):
    day = timezone.localdate() - dt.timedelta(days=1)
    sample = tmp_path / "coach.ics"
    sample.write_bytes(google_ics(day, coach_email=tenant_a.coach.user.email, teacher_email=tenant_a.teacher.email,
                                  school=tenant_a.school.name))  # fmt: skip
    page = guarded_page
    problems: list[str] = []

    def check(path: str) -> None:
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 800})
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None
            assert response.status == 200, path
            problems.extend(f"{path} at {width} px: {v}" for v in audit(page))
            page.evaluate("window.scrollTo(1000, 0)")
            if page.evaluate("window.scrollX"):
                problems.append(f"{path} scrolls sideways at {width} px")
        page.set_viewport_size({"width": 1280, "height": 800})

    sign_in(page, live_server.url, "coach_A")
    check("/calendar/")
    page.goto(f"{live_server.url}/calendar/")
    page.get_by_label("Calendar file (.ics)").set_input_files(str(sample))
    page.get_by_role("button", name="Import into drafts").click()
    page.locator("#import-result").wait_for()
    assert "Skipped: an all-day event" in page.locator("#import-skipped").inner_text()
    observation = CalendarDraft.objects.get(uid="4k2vq3c5n8hj1p0example@google.com")

    check("/calendar/drafts/")
    page.goto(f"{live_server.url}/calendar/drafts/")
    page.locator(f"#draft-{observation.pk}").get_by_role("button", name="Confirm").click()
    page.get_by_text("Logged 45 minutes of Observation or Feedback").wait_for()
    entry = LogEntry.objects.get(coach=tenant_a.coach)
    assert list(entry.teachers.all()) == [tenant_a.teacher]
    check(f"/calendar/drafts/{CalendarDraft.objects.filter(entry=None).first().pk}/edit/")

    check("/calendar/feed/")
    page.goto(f"{live_server.url}/calendar/feed/")
    page.get_by_role("button", name="Make my feed address").click()
    address = page.get_by_label("Copy it into your calendar app", exact=False).input_value()
    assert CalendarFeed.objects.filter(coach=tenant_a.coach).exists()
    response = page.request.get(address)
    assert response.status == 200
    assert response.text().startswith("BEGIN:VCALENDAR")
    assert not problems, "\n".join(problems)
