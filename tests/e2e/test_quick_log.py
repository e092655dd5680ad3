"""The coach's minute: logging time counted in interactions (a click, a field typed into, a choice,
a key pressed: one each), with the database checked after every journey.

Targets: a typical entry in at most 4 from My week; "the same as yesterday", one entry or a
whole day, in 1; an informal touch (10 minutes, informal coaching, a recent teacher) in 2 from
another coach page. Also: focus on open, Enter never submits, the focus area marked required as
soon as a coaching activity is chosen, the teacher list narrowed by the school; axe and 44 px
touch targets on the form and My week at 1280 and 375 px."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from coaching.models import LogEntry
from coaching.tests.factories import LogEntryFactory, activity, focus_area
from teachers.tests.factories import SchoolFactory, TeacherFactory
from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility import audit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


class Counter:
    """Playwright actions, each counted as one interaction."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.count = 0

    def click(self, locator: Locator) -> None:
        self.count += 1
        locator.click()

    def fill(self, locator: Locator, value: str) -> None:
        self.count += 1
        locator.fill(value)

    def select_option(self, locator: Locator, **choice: str) -> None:
        self.count += 1
        locator.select_option(**choice)

    def press(self, key: str) -> None:
        self.count += 1
        self.page.keyboard.press(key)


def today() -> dt.date:
    return timezone.localdate()


def _history(tenant) -> None:
    """A coach who has logged before: yesterday a co-planning session with a teacher and a
    substitution; a roster of 30 teachers in two schools."""
    ensure = activity()  # the built-in lists
    assert ensure
    north = SchoolFactory(district=tenant.district, name="North Middle")
    for i in range(15):
        TeacherFactory(school=tenant.school, first_name=f"Aa{i}", last_name=f"South{i}")
        TeacherFactory(school=north, first_name=f"Bb{i}", last_name=f"North{i}")
    yesterday = today() - dt.timedelta(days=1)
    plan = LogEntryFactory(coach=tenant.coach, district=tenant.district, school=tenant.school, date=yesterday,
                           minutes=45, start_time=dt.time(8, 0), end_time=dt.time(8, 45),
                           activity=activity("Co-Planning"), focus_area=focus_area("Literacy"))  # fmt: skip
    plan.teachers.add(tenant.teacher)
    LogEntryFactory(coach=tenant.coach, district=tenant.district, date=yesterday, minutes=180, start_time=None,
                    activity=activity("Substituting"), focus_area=None)  # fmt: skip


def _open_week_of_yesterday(page: Page, base: str) -> None:
    page.goto(f"{base}/week/?week={(today() - dt.timedelta(days=1)).isoformat()}")


def test_a_typical_entry_takes_at_most_4_interactions_from_my_week(live_server, guarded_page, tenant_a):
    _history(tenant_a)
    page = guarded_page
    sign_in(page, live_server.url, tenant_a.coach.user.username)
    page.goto(f"{live_server.url}/week/")
    act = Counter(page)

    act.click(page.get_by_role("link", name="Co-Planning · Literacy · School A"))
    expect(page.get_by_label("Minutes")).to_be_focused()  # the first field that needs input
    act.click(page.get_by_role("button", name="45 min"))
    act.click(
        page.get_by_role("button", name=f"{tenant_a.teacher.first_name} {tenant_a.teacher.last_name}", exact=True)
    )
    act.press("Control+Enter")

    expect(page.get_by_role("heading", name="My week")).to_be_visible()
    expect(page.get_by_role("status").first).to_contain_text("Logged 45 minutes of Co-Planning")
    assert act.count <= 4, act.count
    entry = LogEntry.objects.get(date=today())
    assert (entry.minutes, entry.district, entry.school, entry.activity, entry.focus_area) == (
        45, tenant_a.district, tenant_a.school, activity("Co-Planning"), focus_area("Literacy"))  # fmt: skip
    assert list(entry.teachers.all()) == [tenant_a.teacher]


def test_the_same_as_yesterday_is_one_interaction_for_an_entry_and_for_a_whole_day(live_server, guarded_page, tenant_a):
    _history(tenant_a)
    page = guarded_page
    sign_in(page, live_server.url, tenant_a.coach.user.username)
    _open_week_of_yesterday(page, live_server.url)
    act = Counter(page)
    act.click(page.get_by_role("button", name="Repeat today: Co-Planning"))
    expect(page.get_by_role("status").first).to_contain_text("Repeated Co-Planning (45 min) today")
    assert act.count == 1
    copy = LogEntry.objects.get(date=today())
    assert (copy.minutes, copy.activity, list(copy.teachers.all())) == (45, activity("Co-Planning"),
                                                                          [tenant_a.teacher])  # fmt: skip

    _open_week_of_yesterday(page, live_server.url)
    act = Counter(page)
    act.click(page.get_by_role("button", name=f"Repeat {today() - dt.timedelta(days=1):%A}’s 2 entries today"))
    expect(page.get_by_role("status").first).to_contain_text("Repeated")
    assert act.count == 1
    assert sorted(LogEntry.objects.filter(date=today()).values_list("minutes", flat=True)) == [45, 45, 180]


def test_the_informal_touch_takes_2_interactions_from_another_coach_page(live_server, guarded_page, tenant_a):
    _history(tenant_a)
    page = guarded_page
    sign_in(page, live_server.url, tenant_a.coach.user.username)
    page.goto(f"{live_server.url}/cycles/")
    act = Counter(page)
    act.press("n")
    expect(page.get_by_role("heading", name="Log time")).to_be_visible()
    name = f"{tenant_a.teacher.first_name} {tenant_a.teacher.last_name}"
    act.click(page.get_by_role("button", name=f"Log 10 min informal coaching with {name}"))

    expect(page.get_by_role("heading", name="My week")).to_be_visible()
    expect(page.get_by_test_id("undo")).to_be_visible()
    assert act.count == 2
    entry = LogEntry.objects.get(date=today())
    assert (entry.minutes, entry.activity, entry.focus_area) == (10, activity("Informal Coaching"),
                                                                 focus_area("Literacy"))  # fmt: skip
    assert list(entry.teachers.all()) == [tenant_a.teacher]

    page.get_by_role("button", name="Undo").click()  # nothing kept by accident
    expect(page.get_by_role("status").first).to_contain_text("Entry deleted")
    assert not LogEntry.objects.filter(date=today()).exists()


def test_the_form_marks_what_is_required_narrows_teachers_and_enter_never_submits(live_server, guarded_page,
                                                                                  tenant_a):  # fmt: skip
    _history(tenant_a)
    page = guarded_page
    sign_in(page, live_server.url, tenant_a.coach.user.username)
    page.goto(f"{live_server.url}/entries/new/")
    minutes = page.get_by_label("Minutes")
    expect(minutes).to_be_focused()
    minutes.fill("30")
    minutes.press("Enter")
    page.get_by_label("Filter teachers").press("Enter")
    assert page.url.endswith("/entries/new/")
    assert not LogEntry.objects.filter(date=today()).exists()

    focus = page.get_by_label("Focus area")
    page.get_by_label("Activity").select_option(label="Substituting")
    expect(focus).to_have_attribute("aria-required", "false")
    page.get_by_label("Activity").select_option(label="Informal Coaching")
    expect(focus).to_have_attribute("aria-required", "true")
    expect(page.locator("label[for=id_focus_area] .asteriskField")).to_be_visible()

    page.get_by_label("School", exact=True).select_option(label="North Middle")
    expect(page.get_by_label("North0, Bb0 · North Middle")).to_be_visible()
    expect(page.get_by_label("South0, Aa0 · School A")).to_be_hidden()
    page.get_by_label("Filter teachers").fill("north1")
    page.get_by_label("Filter teachers").press("Enter")  # picks the first match, submits nothing
    expect(page.get_by_label("North1, Bb1 · North Middle")).to_be_checked()
    page.get_by_role("button", name="3 h").click()
    expect(minutes).to_have_value("180")
    page.get_by_label("Focus area").select_option(label="Literacy")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", name="My week")).to_be_visible()
    entry = LogEntry.objects.get(date=today())
    assert (entry.minutes, entry.school.name, [t.last_name for t in entry.teachers.all()]) == (
        180, "North Middle", ["North1"])  # fmt: skip


def test_the_form_and_my_week_pass_axe_with_44_px_targets_at_both_widths(live_server, guarded_page, tenant_a):
    _history(tenant_a)
    page = guarded_page
    sign_in(page, live_server.url, tenant_a.coach.user.username)
    problems: list[str] = []
    targets = ".quick-target:visible, .minute-buttons .btn:visible, .entry-row form .btn:visible"
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 800})
        for path in ("/entries/new/", f"/week/?week={(today() - dt.timedelta(days=1)).isoformat()}"):
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None
            assert response.status == 200
            problems += [f"{path} at {width} px: {v}" for v in audit(page)]
            boxes = page.locator(targets).evaluate_all(
                "els => els.map(e => [e.textContent.trim(), e.getBoundingClientRect().height,"
                " e.getBoundingClientRect().width])"
            )
            assert boxes, path
            problems += [f"{path} at {width} px: {t!r} is {h:.0f}×{w:.0f}" for t, h, w in boxes if h < 44 or w < 44]
            page.evaluate("window.scrollTo(1000, 0)")
            if page.evaluate("window.scrollX"):
                problems.append(f"{path} scrolls sideways at {width} px")
    assert problems == []
