"""The set-up pages in a browser: axe-core finds no serious or critical violation at 1280 px and
at a phone's 375 px, nothing scrolls sideways, and a director reorders the program's activities
with the keyboard alone (the up and down buttons are plain forms)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from coaching.models import Activity, Balance, FocusArea
from coaching.tests.factories import LogEntryFactory
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
AXE = (Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core" / "axe.min.js").read_text()
SERIOUS = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter(v => ["serious", "critical"].includes(v.impact))
    .map(v => `${v.id}: ${v.nodes.map(n => n.target.join(" ")).slice(0, 3).join(", ")}`);
}"""


def test_the_set_up_pages_have_no_serious_violations_and_fit_a_phone(live_server, guarded_page, tenant_a):
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district)
    own = Activity.objects.create(program=tenant_a.program, name="Lesson Study", balance=Balance.OUTPUT)
    area = FocusArea.objects.create(program=tenant_a.program, name="Early numeracy")
    director = ["/setup/", "/setup/districts/", "/setup/districts/add/", f"/setup/districts/{tenant_a.district.pk}/",
                f"/setup/schools/{tenant_a.school.pk}/", "/setup/contracts/", "/setup/contracts/add/",
                f"/setup/contracts/{tenant_a.contract.pk}/", "/setup/coaches/", "/setup/coaches/add/",
                f"/setup/coaches/{tenant_a.coach.pk}/move/", "/setup/administrators/", "/setup/administrators/add/",
                "/setup/activities/", "/setup/activities/add/", f"/setup/activities/{own.pk}/", "/setup/focus-areas/",
                f"/setup/focus-areas/{area.pk}/", "/setup/threshold/", "/setup/history/"]  # fmt: skip
    admin = ["/setup/", "/setup/districts/", "/setup/contracts/", "/setup/administrators/",
             f"/setup/districts/{tenant_a.district.pk}/schools/add/"]  # fmt: skip
    page = guarded_page
    problems = []
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 800})
        for username, paths in (("director_A", director), ("admin_A", admin)):
            page.context.clear_cookies()
            sign_in(page, live_server.url, username)
            for path in paths:
                response = page.goto(f"{live_server.url}{path}")
                assert response is not None
                assert response.status == 200, path
                page.evaluate(AXE)
                problems += [f"{path} at {width} px: {v}" for v in page.evaluate(SERIOUS)]
                page.evaluate("window.scrollTo(1000, 0)")
                if page.evaluate("window.scrollX"):
                    problems.append(f"{path} scrolls sideways at {width} px")
    assert problems == []


def test_a_director_reorders_activities_with_the_keyboard(live_server, guarded_page, tenant_a):
    for position, name in enumerate(("Lesson Study", "Walkthroughs"), start=1):
        Activity.objects.create(program=tenant_a.program, name=name, balance=Balance.OUTPUT, position=position)
    page = guarded_page
    sign_in(page, live_server.url, "director_A")
    page.goto(f"{live_server.url}/setup/activities/")
    page.get_by_role("button", name="Move Walkthroughs up").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    names = list(Activity.objects.filter(program=tenant_a.program).order_by("position").values_list("name", flat=True))
    assert names == ["Walkthroughs", "Lesson Study"]
    own = page.locator("tbody").first.inner_text()
    assert own.index("Walkthroughs") < own.index("Lesson Study")
