"""Contract statements in a browser: the director picks a month of service in one click, issues the
statement and opens it; the district's administrator reads it. The statement pages have no serious
accessibility violation at 1280 and 375 px and do not scroll sideways."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coaching.models import CoachMonth, MonthStatus
from coaching.tests.factories import ContractFactory, LogEntryFactory
from programs.models import Statement
from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility import audit
from toolkit.schoolyear import school_year_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_director_issues_a_statement_and_the_district_administrator_reads_it(live_server, guarded_page, tenant_a):
    year = school_year_of(timezone.localdate()) - 1
    ContractFactory(program=tenant_a.program, district=tenant_a.district, school_year=year)
    september = dt.date(year, 9, 1)
    for day, minutes in ((2, 300), (3, 180)):  # a full day and a half day
        LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, school=tenant_a.school,
                        date=september.replace(day=day), minutes=minutes)  # fmt: skip
    CoachMonth.objects.create(coach=tenant_a.coach, month=september, status=MonthStatus.APPROVED,
                              submitted_at=timezone.now())  # fmt: skip
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

    sign_in(page, live_server.url, "director_A")
    page.goto(f"{live_server.url}/statements/new/")
    page.get_by_label("District").select_option(str(tenant_a.district.pk))
    page.get_by_label("Contract year").select_option(str(year))
    page.get_by_label("First month").fill(f"{year}-09")
    page.get_by_label("Last month").fill(f"{year}-09")
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("link", name=f"Every month approved so far: September {year}").click()
    assert page.get_by_test_id("days").inner_text() == "1.5"
    check(page.url.removeprefix(live_server.url))
    page.get_by_role("button", name="Issue statement").click()
    page.get_by_text("issued.").first.wait_for()
    statement = Statement.objects.get()
    assert page.get_by_test_id("number").inner_text() == statement.number
    check(f"/statements/{statement.pk}/")
    check("/statements/")

    page.context.clear_cookies()
    sign_in(page, live_server.url, "admin_A")
    check(f"/statements/{statement.pk}/")
    page.goto(f"{live_server.url}/statements/{statement.pk}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename == f"statement-{statement.number}.pdf"
    assert not problems, "\n".join(problems)
