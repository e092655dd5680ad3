"""A coach schedules a PD session, marks attendance, makes the follow-up links, and an
attendee answers the follow-up reflection (asking for a modeled lesson) through their link."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coaching.models import LogEntry
from coaching.tests.factories import ensure_builtin_lists
from cycles.models import Reflection
from learning.models import PDSession, SignUp
from teachers.tests.factories import TeacherFactory
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_session_attendance_and_a_follow_up_through_the_link(live_server, guarded_page, browser, tenant_a):
    ensure_builtin_lists()
    k2 = [tenant_a.teacher] + [TeacherFactory(school=tenant_a.school, grade_band="K-2", last_name=f"Kay{i}")
                               for i in range(2)]  # fmt: skip
    TeacherFactory(school=tenant_a.school, grade_band="6-8", last_name="Middle")
    page = guarded_page
    sign_in(page, live_server.url, tenant_a.coach.user.username)

    page.goto(f"{live_server.url}/cycles/pd/new/")
    page.get_by_label("Title").fill("K–2 Number Sense PLC")
    page.get_by_role("combobox", name="District").select_option(str(tenant_a.district.pk))
    page.get_by_label("Date").fill(timezone.localdate().isoformat())
    page.get_by_label("Starts at").fill("07:30")
    page.get_by_label("Length (minutes)").fill("45")
    page.get_by_label("Focus area").select_option(label="Math")
    page.get_by_role("button", name="Schedule").click()
    expect(page.get_by_role("heading", name="K–2 Number Sense PLC")).to_be_visible()

    page.get_by_role("button", name=f"All {tenant_a.school.name} K–2").click()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_role("status")).to_contain_text("Attendance saved: 3 teachers")
    expect(page.get_by_test_id("attended")).to_have_text("3")
    session = PDSession.objects.get()
    assert set(session.attendees.all()) == set(k2)
    assert LogEntry.objects.filter(pd_session=session, minutes=45).count() == 1

    page.get_by_role("button", name="Make follow-up reflection links for the 3 attendees").click()
    urls = page.get_by_test_id("followup-url")
    expect(urls).to_have_count(3)
    expect(page.locator("figure.qr-figure svg")).to_have_count(3)
    link = urls.first.input_value()

    visitor = browser.new_context()
    visitor.route("**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url or
                  "localhost" in route.request.url else route.abort())  # fmt: skip
    teacher_page = visitor.new_page()
    teacher_page.goto(link)
    expect(teacher_page.get_by_text("After “K–2 Number Sense PLC”")).to_be_visible()
    teacher_page.get_by_label("What happened?").fill("Used dot cards for a number talk.")
    teacher_page.get_by_label("5", exact=True).check()
    teacher_page.get_by_label("Would you like your coach in your classroom?").select_option("modeled_lesson")
    teacher_page.get_by_label("Days and times that suit you").fill("Tuesday mornings")
    teacher_page.get_by_role("button", name="Submit reflection").click()
    expect(teacher_page.get_by_role("heading", name="Thank you")).to_be_visible()
    visitor.close()

    page.goto(f"{live_server.url}/cycles/pd/{session.public_id}/")
    expect(page.get_by_test_id("responses")).to_have_text("1")
    expect(page.locator("#signups")).to_contain_text("A modeled lesson in my classroom")
    reflection = Reflection.objects.get()
    assert (reflection.pd_session, reflection.via_link, reflection.confidence) == (session, True, 5)
    assert SignUp.objects.get().teacher == reflection.teacher
