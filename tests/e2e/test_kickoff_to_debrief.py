"""A coach opens a cycle, holds the kickoff with its time, writes the action plan, moves to Improve,
records a debrief with its time and closes with the student-agency answer; each meeting is one
entry of the coach's log, counted once toward the cycle."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coaching.models import FocusArea, LogEntry
from cycles import services
from cycles.models import Cycle, CycleTime, Debrief, Kickoff, PlanStep
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_cycle_from_kickoff_to_debrief_logs_each_meeting_once(live_server, guarded_page, tenant_a):
    page = guarded_page
    coach = tenant_a.coach.user
    teacher = tenant_a.teacher
    today = timezone.localdate()
    sign_in(page, live_server.url, coach.username)

    page.goto(f"{live_server.url}/cycles/new/")
    page.get_by_label(f"{teacher.last_name}, {teacher.first_name}").check()
    page.get_by_label("Title").fill("Feedback with Snaps")
    page.get_by_role("button", name="Open cycle").click()
    expect(page.get_by_role("heading", name="Feedback with Snaps")).to_be_visible()
    cycle = Cycle.objects.get()
    # The PEERS goal and the strategy (the cycle journey's own part) let the cycle leave Identify.
    services.goal_set(cycle=cycle, by=coach, statement="Every student revises after feedback", measure="revisions",
                      target=Decimal(90), deadline=today + dt.timedelta(days=40), powerful=True, easy=True,
                      emotionally_compelling=True, reachable=True, student_focused=True)  # fmt: skip
    services.cycle_update_plan(cycle=cycle, by=coach, strategy="Quick digital feedback")

    page.get_by_role("link", name="Open the kickoff, action plan and debriefs").click()
    expect(page.get_by_role("heading", name="From kickoff to debrief")).to_be_visible()
    kickoff = page.locator("#kickoff")
    kickoff.get_by_label("Date of the kickoff").fill(today.isoformat())
    kickoff.get_by_label("Length (minutes)").fill("45")
    kickoff.get_by_label("Focus area").select_option(label="Technology integration")
    kickoff.get_by_label("How will this empower learners?").fill("Students choose when to ask for feedback")
    kickoff.get_by_label("Brainstorm").fill("Snaps for quick feedback, paper for those who prefer it")
    kickoff.get_by_label("Students should know").fill("what useful feedback sounds like")
    kickoff.get_by_label("Students should understand").fill("feedback is for revising")
    kickoff.get_by_label("Students should be able to do").fill("revise one paragraph after feedback")
    kickoff.get_by_role("button", name="Save the kickoff").click()
    expect(page.get_by_text("Kickoff saved, and 45 minutes logged as your time.")).to_be_visible()
    expect(page.get_by_test_id("kickoff-agency")).to_have_text("Students choose when to ask for feedback")

    plan = page.locator("#plan")
    for kind, days in (("Coach models the lesson", 0), ("Co-teaching, with gradual release", 7),
                       ("Teacher teaches alone", 14)):  # fmt: skip
        plan.get_by_label("Step").select_option(label=kind)
        plan.get_by_label("Planned for").fill((today + dt.timedelta(days=days)).isoformat())
        plan.get_by_role("button", name="Add the step").click()
        expect(page.get_by_text("Step added to the plan.")).to_be_visible()
    expect(page.get_by_test_id("plan-step")).to_have_count(3)

    page.get_by_role("link", name="Feedback with Snaps").click()
    for stage, label in (("learn", "Learn"), ("improve", "Improve")):
        page.get_by_label("Move to").select_option(stage)
        page.get_by_role("button", name="Move", exact=True).click()
        expect(page.get_by_text(f"Moved to {label}.")).to_be_visible()

    page.get_by_role("link", name="Open the kickoff, action plan and debriefs").click()
    modeled = page.get_by_test_id("plan-step").first
    modeled.locator("summary").click()
    modeled.get_by_label("Length (minutes)").fill("40")
    modeled.get_by_role("button", name="Mark done").click()
    expect(page.get_by_text("Step marked done, and 40 minutes logged as your time.")).to_be_visible()

    debriefs = page.locator("#debriefs")
    debriefs.locator("summary").click()
    debriefs.get_by_label("The lesson it follows").select_option(index=1)
    debriefs.get_by_label("How did the tool or strategy affect learning?").fill("Nine students asked for feedback")
    debriefs.get_by_label("What to change next time").fill("Show the stems first")
    debriefs.get_by_label("Length (minutes)").fill("20")
    debriefs.get_by_label("Focus area").select_option(label="Technology integration")
    debriefs.get_by_role("button", name="Save the debrief").click()
    expect(page.get_by_text("Debrief saved, and 20 minutes logged as your time.")).to_be_visible()
    expect(page.get_by_test_id("debrief")).to_contain_text("Nine students asked for feedback")

    page.get_by_role("link", name="Feedback with Snaps").click()
    page.get_by_label("Move to").select_option("closed")
    page.get_by_label("Outcome (when closing)").select_option("goal_met")
    page.get_by_label("Goal met? (when closing)").select_option("yes")
    page.get_by_label("How did this empower learners? (when closing)").fill("Students now pick their feedback tool")
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.get_by_text("Moved to Closed.")).to_be_visible()
    expect(page.get_by_text("Students now pick their feedback tool")).to_be_visible()

    # The log shows each meeting once, under the activity that fits.
    page.goto(f"{live_server.url}/entries/")
    for activity, minutes in (("Co-Planning", "45 min"), ("Modeling or Co-teaching", "40 min"),
                              ("Observation or Feedback", "20 min")):  # fmt: skip
        row = page.locator("tr", has_text=activity)
        expect(row).to_have_count(1)
        expect(row).to_contain_text(minutes)

    cycle.refresh_from_db()
    entries = LogEntry.objects.filter(coach=tenant_a.coach)
    assert sorted(entries.values_list("activity__name", "minutes")) == [
        ("Co-Planning", 45), ("Modeling or Co-teaching", 40), ("Observation or Feedback", 20)
    ]  # fmt: skip
    assert set(entries.values_list("focus_area", flat=True)) == {
        FocusArea.objects.get(program=None, name="Technology integration").pk
    }
    assert sorted(CycleTime.objects.filter(cycle=cycle).values_list("entry_id", flat=True)) == sorted(
        entries.values_list("pk", flat=True)
    )
    assert Kickoff.objects.get(cycle=cycle).entry.minutes == 45
    assert PlanStep.objects.filter(cycle=cycle, done_on=today).count() == 1
    assert Debrief.objects.get(cycle=cycle).entry.minutes == 20
    assert (cycle.stage, cycle.agency_at_close) == ("closed", "Students now pick their feedback tool")
