"""A coach opens a cycle, writes a PEERS goal, moves to Learn and records progress; the teacher
answers a reflection through the private link without signing in; the coach reads it."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coaching.tests.factories import ensure_builtin_lists
from cycles.models import Cycle, Reflection
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_cycle_from_identify_to_a_reflection_through_the_private_link(live_server, guarded_page, browser, tenant_a):
    ensure_builtin_lists()
    page = guarded_page
    teacher = tenant_a.teacher
    sign_in(page, live_server.url, tenant_a.coach.user.username)

    page.goto(f"{live_server.url}/cycles/new/")
    page.get_by_label(f"{teacher.last_name}, {teacher.first_name}").check()
    page.get_by_label("Title").fill("Exit tickets in 2B")
    page.get_by_role("button", name="Open cycle").click()
    expect(page.get_by_role("heading", name="Exit tickets in 2B")).to_be_visible()

    page.get_by_role("link", name="Write the goal").click()
    page.get_by_label("Goal").fill("90% of students score 4/5 or better on exit tickets")
    page.get_by_label("Student measure").fill("exit-ticket score ≥ 4/5")
    page.get_by_label("Baseline (now)").fill("50")
    page.get_by_label("Target").fill("90")
    page.get_by_label("Deadline").fill((timezone.localdate().replace(day=1) + timezone.timedelta(days=62)).isoformat())
    for letter in ("Powerful", "Easy", "Emotionally compelling", "Reachable", "Student-focused"):
        page.get_by_label(letter, exact=True).check()
    page.get_by_role("button", name="Save goal").click()
    expect(page.get_by_text("Goal saved.")).to_be_visible()

    page.locator("#plan summary").click()
    page.get_by_label("Teaching strategy").fill("Exit tickets with next-day feedback")
    page.locator("#plan").get_by_role("button", name="Save").click()
    expect(page.locator("#plan")).to_contain_text("Exit tickets with next-day feedback")

    page.get_by_label("Move to").select_option("learn")
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.get_by_text("Moved to Learn.")).to_be_visible()
    expect(page.locator(".stage-track [aria-current=step]")).to_have_text("Learn")

    today = timezone.localdate()
    for days_ago, value in ((7, "62"), (0, "74")):
        page.locator("#progress").get_by_label("Date").fill((today - timezone.timedelta(days=days_ago)).isoformat())
        page.locator("#progress").get_by_label("Value (% of students)").fill(value)
        page.get_by_role("button", name="Add data point").click()
        expect(page.get_by_text("Progress recorded.")).to_be_visible()
    canvas = page.locator("#progress-chart")
    expect(canvas).to_be_visible()
    assert canvas.evaluate("c => c.width > 0 && c.height > 0")
    page.locator("#progress summary").click()
    expect(page.get_by_test_id("measure-value")).to_have_text(["62", "74"])

    page.locator("#reflections summary").click()
    page.get_by_role("button", name="Create link").click()
    link_url = page.get_by_test_id("link-url").input_value()
    expect(page.locator("figure.qr-figure svg")).to_be_visible()

    # The teacher has no session: a fresh browser context, nothing but the link.
    visitor = browser.new_context()
    visitor.route("**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url or
                  "localhost" in route.request.url else route.abort())  # fmt: skip
    teacher_page = visitor.new_page()
    teacher_page.goto(link_url)
    expect(teacher_page.get_by_role("heading", name=f"Reflection for {teacher.first_name}")).to_be_visible()
    expect(teacher_page.get_by_text("90% of students score")).to_have_count(0)
    teacher_page.get_by_label("What happened?").fill("Ran exit tickets every day this week.")
    # The question names the cycle's strategy.
    worked = teacher_page.get_by_label("What worked with “Exit tickets with next-day feedback”?")
    worked.fill("Sorting into three piles took five minutes.")
    teacher_page.get_by_label("4", exact=True).check()
    teacher_page.get_by_role("button", name="Submit reflection").click()
    expect(teacher_page.get_by_role("heading", name=f"Thank you, {teacher.first_name}")).to_be_visible()
    teacher_page.goto(link_url)
    expect(teacher_page.get_by_text("already been submitted")).to_be_visible()
    visitor.close()

    page.get_by_role("link", name="Back to the cycle").click()
    page.locator("#reflections").get_by_role("link", name="via link").click()
    expect(page.get_by_text("Ran exit tickets every day this week.")).to_be_visible()
    expect(page.get_by_text("4 / 5")).to_be_visible()

    cycle = Cycle.objects.get()
    assert cycle.stage == "learn"
    reflection = Reflection.objects.get()
    assert (reflection.cycle, reflection.teacher, reflection.via_link) == (cycle, teacher, True)
