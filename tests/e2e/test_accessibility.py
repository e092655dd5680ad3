"""axe-core (vendored, static/vendor/axe-core) on the pages added for check-ins, invitations,
caseloads and the history import, at 1280 px and at a phone's 375 px: no serious or critical
violation, and no sideways scroll."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from coaching.tests.factories import LogEntryFactory
from learning import services as learning
from teachers.invitations import teacher_accounts_invite
from teachers.tests.factories import TeacherFactory
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
AXE = (Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core" / "axe.min.js").read_text()
SERIOUS = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter(v => ["serious", "critical"].includes(v.impact))
    .map(v => `${v.id}: ${v.nodes.map(n => n.target.join(" ")).slice(0, 3).join(", ")}`);
}"""


def audit(page) -> list[str]:
    page.evaluate(AXE)  # evaluated by the browser's tooling, not as a page script: the CSP stays as it is
    return page.evaluate(SERIOUS)


def test_the_new_pages_have_no_serious_accessibility_violations(live_server, guarded_page, tenant_a):
    teachers = [TeacherFactory(school=tenant_a.school, email=f"t{i}@school.example", user=None) for i in range(6)]
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district).teachers.add(teachers[0])
    links: list[str] = []
    learning.checkin_open(coach=tenant_a.coach, closes_on=timezone.localdate() + dt.timedelta(days=5),
                          teachers=teachers, deliver=lambda c, i: links.extend(x.token for x in i))  # fmt: skip
    invitation: list[str] = []
    teacher_accounts_invite(teachers=teachers[:1], by=None, link_for=lambda t: invitation.append(t) or t)
    pages = [(None, f"/check-in/{links[0]}/"), (None, f"/invitation/{invitation[0]}/"),
             ("coach_A", "/check-ins/"), ("coach_A", "/cycles/caseload/"), ("coach_A", "/history/import/"),
             ("admin_A", "/roster/"), ("admin_A", "/cycles/caseloads/"),
             ("director_A", "/cycles/caseloads/")]  # fmt: skip
    page = guarded_page
    problems = []
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 800})
        for username, path in pages:
            page.context.clear_cookies()
            if username:
                sign_in(page, live_server.url, username)
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None
            assert response.status == 200, path
            problems += [f"{path} at {width} px: {v}" for v in audit(page)]
            page.evaluate("window.scrollTo(1000, 0)")
            if page.evaluate("window.scrollX"):
                problems.append(f"{path} scrolls sideways at {width} px")
    assert problems == []
