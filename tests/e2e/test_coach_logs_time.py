"""A coach signs in, makes a mistake logging time, fixes it, and sees it in My week."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coaching.models import LogEntry
from coaching.tests.factories import ensure_builtin_lists
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_coach_fixes_a_validation_error_and_sees_the_entry_in_my_week(live_server, guarded_page, tenant_a):
    ensure_builtin_lists()
    page = guarded_page
    sign_in(page, live_server.url, tenant_a.coach.user.username)
    expect(page.get_by_role("heading", name="My week")).to_be_visible()
    expect(page.get_by_test_id("week-total")).to_have_text("0 min")

    page.get_by_role("link", name="+ Log time").first.click()
    expect(page.get_by_label("District")).to_have_value(str(tenant_a.district.pk))  # the only district
    page.get_by_label("Minutes").fill("900")
    page.get_by_label("Activity").select_option(label="Co-Planning")
    page.get_by_label("Focus area").select_option(label="Literacy")
    page.get_by_label("Filter teachers").fill(tenant_a.teacher.last_name[:4])
    page.get_by_label(f"{tenant_a.teacher.last_name}, {tenant_a.teacher.first_name}").check()
    page.get_by_label("Notes").fill("Planned the exit-ticket routine")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator("#id_minutes_error")).to_contain_text("Enter between 1 and 720 minutes")
    expect(page.get_by_label("Minutes")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Notes")).to_have_value("Planned the exit-ticket routine")
    expect(page.get_by_label(f"{tenant_a.teacher.last_name}, {tenant_a.teacher.first_name}")).to_be_checked()
    assert LogEntry.objects.count() == 0

    page.get_by_role("button", name="1½ h").click()
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_role("heading", name="My week")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Logged 90 minutes of Co-Planning")
    today = timezone.localdate().isoformat()
    expect(page.get_by_test_id(f"day-total-{today}")).to_have_text("1 h 30 min")
    expect(page.get_by_test_id("week-total")).to_have_text("1 h 30 min")
    expect(page.get_by_text(f"With {tenant_a.teacher.first_name} {tenant_a.teacher.last_name}")).to_be_visible()
    entry = LogEntry.objects.get()
    assert (entry.minutes, entry.coach_id) == (90, tenant_a.coach.pk)
