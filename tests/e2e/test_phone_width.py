"""At a phone's width (375 px) the pages with wide tables scroll inside their table, never
sideways as a whole page (a visually hidden header once widened the roster to 748 px)."""

import pytest

from coaching.tests.factories import LogEntryFactory
from teachers.tests.factories import TeacherFactory
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def scrolls_sideways(page) -> int:
    page.evaluate("window.scrollTo(1000, 0)")
    return int(page.evaluate("window.scrollX"))


def test_wide_tables_do_not_scroll_the_page_sideways_at_375px(live_server, guarded_page, tenant_a):
    for i in range(3):
        TeacherFactory(school=tenant_a.school, email=f"a.rather.long.address.{i}@a-long-district-name.example")
    entry = LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district)
    entry.teachers.add(tenant_a.teacher)
    page = guarded_page
    page.set_viewport_size({"width": 375, "height": 800})
    for username, path in (("admin_A", "/roster/"), ("admin_A", "/cycles/caseloads/"), ("coach_A", "/cycles/caseload/"),
                           ("coach_A", "/entries/")):  # fmt: skip
        page.context.clear_cookies()
        sign_in(page, live_server.url, username)
        page.goto(f"{live_server.url}{path}")
        assert scrolls_sideways(page) == 0, f"{path} scrolls sideways at 375 px for {username}"
