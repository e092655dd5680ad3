"""A district administrator opens the time-use dashboard, sees the charts drawn, changes the
period, and downloads a table as CSV."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coaching.tests.factories import LogEntryFactory, activity, ensure_builtin_lists
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAINTED = """c => {
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  for (let i = 3; i < d.length; i += 4) { if (d[i] !== 0) return true; }
  return false;
}"""


def test_admin_sees_charts_changes_period_and_downloads_csv(live_server, guarded_page, tenant_a, tenant_b):
    ensure_builtin_lists()
    today = timezone.localdate()
    first_of_month = today.replace(day=1)
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=first_of_month, minutes=120)
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=first_of_month, minutes=60,
                    activity=activity("Substituting"), focus_area=None)  # fmt: skip
    earlier = first_of_month - dt.timedelta(days=20)
    if earlier.year == today.year or earlier.month >= 7:
        LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=earlier, minutes=30)
    LogEntryFactory(coach=tenant_b.coach, district=tenant_b.district, date=first_of_month, minutes=500)

    page = guarded_page
    sign_in(page, live_server.url, tenant_a.district_admin.username)
    expect(page.get_by_role("heading", name="How is coaching time spent?")).to_be_visible()
    page.get_by_role("button", name="Build this report").first.click()  # a GET never builds
    for kind in ("activity", "balance", "focus", "month"):
        canvas = page.locator(f"canvas[data-chart={kind}]")
        expect(canvas).to_be_visible()
        # Chart.js draws after the page's scripts run (later on a busy machine): wait, bounded.
        painted = page.wait_for_function(f"() => ({PAINTED})(document.querySelector('canvas[data-chart={kind}]'))",
                                         timeout=10_000)  # fmt: skip
        assert painted.json_value(), f"the {kind} chart drew nothing"
        assert canvas.get_attribute("aria-label")

    page.get_by_label("Period").select_option(label=first_of_month.strftime("%B %Y"))
    expect(page).to_have_url(re.compile(rf"period=m-{first_of_month:%Y-%m}"))
    page.get_by_role("button", name="Build this report").first.click()
    expect(page.get_by_test_id("total-hours")).to_have_text("3.00")
    expect(page.get_by_test_id("non-coaching-share")).to_have_text("33.3%")

    with page.expect_download() as download_info:
        page.locator("#h-balance").locator("..").get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    content = Path(download.path()).read_text(encoding="utf-8-sig")
    assert content.splitlines() == ["side,minutes,hours,share_percent", "output,120,2.00,66.7", "input,0,0.00,0.0",
                                    "non_coaching,60,1.00,33.3"]  # fmt: skip
