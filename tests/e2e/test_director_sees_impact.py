"""A program director builds the program's report, reads the impact and the district-by-district
comparison, on a desktop and on a phone, and downloads the impact table as CSV."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reports.scopes import Period
from reports.tests.test_impact import make_cycle
from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility import audit
from toolkit.schoolyear import school_year_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_director_reads_impact_and_the_comparison(live_server, guarded_page, tenant_a):
    today = timezone.localdate()
    start = Period.school_year(school_year_of(today)).start
    tenant_a.contract.school_year = school_year_of(today)
    tenant_a.contract.save()
    for value in (2, 4, 6, 8, 10):  # growth 20% … 100%: an average of 60%
        make_cycle(tenant_a, started=start, baseline=0, target=10, measures=[(start, value)],
                   linked=[(start + dt.timedelta(days=1), 60, "Literacy")])  # fmt: skip
    page = guarded_page
    sign_in(page, live_server.url, tenant_a.director.username)
    page.get_by_role("button", name="Build this report").first.click()
    expect(page.get_by_role("heading", name="Impact: growth toward goals")).to_be_visible()
    expect(page.get_by_test_id("impact-policy")).to_have_text("Counts only cycles teachers shared.")
    expect(page.get_by_test_id("impact-total")).to_contain_text("60.0%")
    comparison = page.get_by_test_id("district-comparison")
    expect(comparison.get_by_role("rowheader", name="District A")).to_be_visible()
    expect(comparison).to_contain_text("60.0%")
    expect(page.get_by_test_id("no-plan")).to_be_visible()
    assert audit(page) == []

    with page.expect_download() as download_info:
        page.locator("#h-impact").locator("..").get_by_role("link", name="Download CSV").click()
    lines = Path(download_info.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[1].startswith("All cycles,,5,60.0,0,")

    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    expect(page.get_by_test_id("impact-total")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert audit(page) == []
