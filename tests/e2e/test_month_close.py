"""Month close in a browser: a coach submits last month, the director approves it, the contracts
page shows it approved; the month pages have no serious accessibility violation at 1280 and 375 px
and do not scroll sideways."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coaching.models import CoachMonth, MonthStatus
from coaching.tests.factories import ContractFactory, LogEntryFactory
from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility import audit
from toolkit.schoolyear import school_year_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_coach_submits_a_month_and_the_director_approves_it(live_server, guarded_page, tenant_a):
    today = timezone.localdate()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    year = school_year_of(last_month)
    tenant_a.contract.school_year = year
    tenant_a.contract.save()
    if school_year_of(today) != year:
        ContractFactory(program=tenant_a.program, district=tenant_a.district, school_year=school_year_of(today))
    for n, minutes in ((1, 300), (2, 200)):
        LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, school=tenant_a.school,
                        date=last_month + dt.timedelta(days=n), minutes=minutes)  # fmt: skip
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
    check(f"/months/?year={year}")
    page.goto(f"{live_server.url}/months/?year={year}")
    page.get_by_role("button", name=f"Submit {last_month:%B}").click()
    page.get_by_text("is submitted for approval").first.wait_for()
    assert CoachMonth.objects.get().status == MonthStatus.SUBMITTED

    page.context.clear_cookies()
    sign_in(page, live_server.url, "director_A")
    check("/approvals/")
    record = CoachMonth.objects.get()
    check(f"/approvals/{record.pk}/return/")
    page.goto(f"{live_server.url}/approvals/")
    page.get_by_role("button", name="Approve").click()
    page.get_by_text(f"Approved {last_month:%B %Y}").first.wait_for()
    record.refresh_from_db()
    assert record.status == MonthStatus.APPROVED
    check(f"/approvals/?show=decided&year={year}")
    check(f"/approvals/{record.pk}/reopen/")
    check(f"/contracts/?year={year}")
    page.goto(f"{live_server.url}/contracts/?year={year}")
    assert "✓ approved" in page.locator('[data-testid="months"]').inner_text()
    assert page.locator('[data-testid="days-approved"]').inner_text() == "1.5"
    assert problems == []
