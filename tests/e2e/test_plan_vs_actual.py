"""A director records the agreed time plan on its set-up page (lines, shares, activities ticked),
builds the program's report and reads plan against actual: the paired bars drawn, the lines
furthest off first, the non-coaching ceiling flagged, no sideways scroll on a phone."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coaching.tests.factories import LogEntryFactory, activity
from tests.e2e.conftest import sign_in
from tests.e2e.test_admin_opens_report import PAINTED

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_director_records_a_plan_and_reads_plan_against_actual(live_server, guarded_page, tenant_a, tmp_path):
    today = timezone.localdate()
    first = today.replace(day=1)
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=first, minutes=300,
                    activity=activity("Coaching Cycles"))  # fmt: skip
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=first + dt.timedelta(days=1), minutes=100,
                    activity=activity("Substituting"), focus_area=None)  # fmt: skip
    page = guarded_page
    sign_in(page, live_server.url, tenant_a.director.username)
    page.goto(f"{live_server.url}/setup/plan/")
    expect(page.get_by_test_id("no-plans")).to_be_visible()
    page.get_by_role("link", name="+ A new plan").click()
    page.get_by_label("Applies from").fill(f"{first:%Y-%m}")
    page.get_by_label("Line 1: name").fill("Coaching cycles and direct support")
    page.locator("#id_line-0-share").fill("80")
    page.locator("[data-testid=line]").nth(0).get_by_label("Coaching Cycles").check()
    page.get_by_label("Line 2: name").fill("Non-coaching duties")
    page.locator("#id_line-1-kind").select_option("at_most")
    page.locator("#id_line-1-share").fill("10")
    page.locator("[data-testid=line]").nth(1).get_by_label("Substituting").check()
    page.get_by_role("button", name="Save the plan").click()
    expect(page.get_by_text("Plan saved")).to_be_visible()
    expect(page.get_by_test_id("plan")).to_have_count(1)

    page.goto(f"{live_server.url}/reports/?scope=program-{tenant_a.program.pk}")
    page.get_by_role("button", name="Build this report").first.click()
    section = page.get_by_test_id("plan-section")
    expect(section).to_be_visible()
    painted = page.wait_for_function(f"() => ({PAINTED})(document.querySelector('canvas[data-chart=plan]'))",
                                     timeout=10_000)  # fmt: skip
    assert painted.json_value(), "the plan chart drew nothing"
    # 300 + 100 minutes: coaching 75% of a planned 80, duties 25% of at most 10, the rest 0 of 10.
    rows = section.locator("tbody tr")
    expect(rows.nth(0)).to_contain_text("Non-coaching duties")
    expect(rows.nth(0)).to_contain_text("+15.0")
    expect(rows.nth(0)).to_contain_text("above its ceiling")
    expect(section.get_by_test_id("plan-flag")).to_be_visible()
    section.screenshot(path=str(tmp_path / "plan-vs-actual.png"))
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()  # the charts are laid out for the width they load at
    expect(section).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    section.screenshot(path=str(tmp_path / "plan-vs-actual-phone.png"))
