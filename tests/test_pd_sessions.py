"""PD sessions: scheduling in a served district, attendance that logs the facilitation time once
(and feeds the time-use report), follow-up reflections through private links and QR codes,
sign-ups that open an Impact Cycle, the room sheet, and who sees what."""

from __future__ import annotations

import base64
import datetime as dt
import io

import pytest
import zxingcpp
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from PIL import Image

from coaching.models import LogEntry
from coaching.tests.factories import CoachFactory, ContractFactory, activity, focus_area
from cycles.models import Cycle, Reflection, ReflectionLink
from learning import services
from learning import services as learning
from learning.models import PDSession, ResourceKind, SignUp, SignUpKind, SignUpStatus
from reports.builder import build_figures
from reports.models import ScopeKind
from reports.scopes import Period, Scope
from teachers.models import Role, Teacher
from teachers.tests.factories import DistrictFactory, SchoolFactory, TeacherFactory, UserFactory
from toolkit.schoolyear import school_year_of

pytestmark = pytest.mark.django_db

FACILITATION = "Facilitation of Professional Development"
TITLE = "K–2 Number Sense PLC"
# Measured (SQLite and PostgreSQL): session, user, coach, the session, attendees, responses, schools,
# resources, reflections, sign-ups, link count, follow-up groups, the roster twice (bulk groups, checkboxes),
# session save (3).
SESSION_PAGE_QUERIES = 17


def decode_qr_png(data_uri: str) -> str:
    assert data_uri.startswith("data:image/png;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(data_uri.split(",", 1)[1])))
    results = zxingcpp.read_barcodes(image)
    assert len(results) == 1
    return results[0].text


def schedule(tenant, *, date: dt.date | None = None, **fields) -> PDSession:
    values = {
        "district": tenant.district,
        "title": TITLE,
        "date": date or timezone.localdate(),
        "start_time": dt.time(15, 30),
        "minutes": 90,
        "focus_area": focus_area("Math"),
        "schools": [tenant.school],
        "grade_band": "K-2",
        "audience": "K–2 teachers",
    } | fields
    return learning.pd_session_schedule(coach=tenant.coach, **values)


def session_url(session: PDSession, name: str = "cycles:pd_session") -> str:
    return reverse(name, args=[session.public_id])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def session(tenant_a) -> PDSession:
    return schedule(tenant_a)


@pytest.fixture
def k2(tenant_a) -> list[Teacher]:
    """Three K–2 teachers of tenant A's school: the one with an account and two without."""
    return [
        tenant_a.teacher,
        *(TeacherFactory(school=tenant_a.school, user=None, last_name=f"Kay{i}") for i in range(2)),
    ]


@pytest.fixture
def colleague(tenant_a):
    """Another coach of program A who serves district A, so sees the session, but does not facilitate it."""
    coach = CoachFactory(program=tenant_a.program, user=UserFactory(username="colleague_A", role=Role.COACH))
    tenant_a.contract.coaches.add(coach)
    return coach


def mark_attendance(client, session: PDSession, teachers) -> object:
    return client.post(session_url(session, "cycles:pd_attendance"), {"teachers": [t.pk for t in teachers]})


def make_links(client, session: PDSession) -> list[dict]:
    response = client.post(session_url(session, "cycles:pd_followup_links"))
    assert response.status_code == 200
    return response.context["slips"]


def answer(client, url: str, *, confidence: int, signup: dict | None = None):
    data = {
        "what_happened": "Dot cards in a number talk",
        "what_worked": "Turn and talk",
        "what_next": "Try it daily",
        "confidence": str(confidence),
    }
    for key, value in (signup or {}).items():
        data[f"signup-{key}"] = value
    return client.post(url, data)


# ---------------------------------------------------------------------------- scheduling


def test_a_coach_schedules_a_session_in_a_district_of_their_contract(client, tenant_a):
    client.force_login(tenant_a.coach.user)
    response = client.post(
        reverse("learning:pd_session_new"),
        {
            "title": TITLE,
            "district": tenant_a.district.pk,
            "date": timezone.localdate().isoformat(),
            "start_time": "07:30",
            "minutes": "45",
            "focus_area": focus_area("Math").pk,
            "schools": [tenant_a.school.pk],
            "capacity": "25",
        },
    )
    session = PDSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == session_url(session)
    assert (session.facilitator, session.program, session.district) == (
        tenant_a.coach,
        tenant_a.program,
        tenant_a.district,
    )
    assert (session.minutes, session.capacity, list(session.schools.all())) == (45, 25, [tenant_a.school])
    assert session.log_entry is None  # nothing is logged until attendance is marked


def test_scheduling_in_another_tenants_district_is_refused_by_the_service(tenant_a, tenant_b):
    with pytest.raises(ValidationError) as caught:
        schedule(tenant_a, district=tenant_b.district, schools=[])
    assert caught.value.message_dict["district"] == [
        f"{tenant_b.district} is not on one of your contracts for that school year."
    ]
    assert not PDSession.objects.exists()


def test_scheduling_in_a_program_district_the_coach_is_not_assigned_to_is_refused(tenant_a):
    elsewhere = DistrictFactory(name="District A-elsewhere")
    other = CoachFactory(program=tenant_a.program)
    ContractFactory(program=tenant_a.program, district=elsewhere).coaches.add(other)
    with pytest.raises(ValidationError, match="is not on one of your contracts"):
        schedule(tenant_a, district=elsewhere, schools=[])
    assert not PDSession.objects.exists()


def test_the_schedule_form_offers_no_district_outside_the_coachs_contracts(client, tenant_a, tenant_b):
    client.force_login(tenant_a.coach.user)
    response = client.post(
        reverse("learning:pd_session_new"),
        {
            "title": TITLE,
            "district": tenant_b.district.pk,
            "date": timezone.localdate().isoformat(),
            "start_time": "07:30",
            "minutes": "45",
            "focus_area": focus_area("Math").pk,
        },
    )
    assert response.status_code == 200
    assert "district" in response.context["form"].errors
    assert not PDSession.objects.exists()


def test_schools_of_another_district_are_refused(tenant_a, tenant_b):
    with pytest.raises(ValidationError, match="Choose schools of"):
        schedule(tenant_a, schools=[tenant_b.school])


# ---------------------------------------------------------------------------- attendance


def test_attendance_before_the_session_date_is_refused(client, tenant_a, k2):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    # Written directly: the day after today may fall in a school year with no contract yet.
    future = PDSession.objects.create(
        program=tenant_a.program,
        district=tenant_a.district,
        facilitator=tenant_a.coach,
        title=TITLE,
        date=tomorrow,
        start_time=dt.time(15, 30),
        minutes=60,
        focus_area=focus_area("Math"),
    )
    with pytest.raises(ValidationError) as caught:
        learning.pd_attendance_set(session=future, teachers=k2)
    assert caught.value.message_dict == {"teachers": ["Attendance is marked on or after the day of the session."]}

    client.force_login(tenant_a.coach.user)
    response = mark_attendance(client, future, k2)
    assert response.status_code == 400
    assert (
        "Attendance is marked on or after the day of the session."
        in response.context["attendance_form"].errors["teachers"]
    )
    assert not future.attendees.exists()
    assert not LogEntry.objects.exists()


def test_attendance_logs_the_facilitation_once_for_the_facilitator(client, tenant_a, session, k2):
    client.force_login(tenant_a.coach.user)
    response = mark_attendance(client, session, k2)
    assert response.status_code == 302
    assert response["Location"] == session_url(session) + "#attendance"
    assert "Attendance saved: 3 teachers." in messages_of(response)[0]
    entry = LogEntry.objects.get()
    session.refresh_from_db()
    assert session.log_entry == entry
    assert (entry.coach, entry.activity.name, entry.minutes) == (tenant_a.coach, FACILITATION, 90)
    assert (entry.date, entry.district, entry.school, entry.start_time) == (
        session.date,
        tenant_a.district,
        tenant_a.school,
        dt.time(15, 30),
    )
    assert entry.focus_area.name == "Math"
    assert set(entry.teachers.all()) == set(k2) == set(session.attendees.all())


def test_saving_attendance_again_updates_the_same_entry_and_never_counts_twice(client, tenant_a, session, k2):
    client.force_login(tenant_a.coach.user)
    mark_attendance(client, session, k2)
    first = LogEntry.objects.get()
    before = LogEntry.objects.count()
    late = TeacherFactory(school=tenant_a.school, user=None, last_name="Latecomer")
    changed = [k2[0], late]
    assert mark_attendance(client, session, changed).status_code == 302
    assert LogEntry.objects.count() == before == 1
    entry = LogEntry.objects.get()
    assert entry.pk == first.pk
    assert set(entry.teachers.all()) == set(changed) == set(session.attendees.all())
    assert LogEntry.objects.filter(coach=tenant_a.coach, activity__name=FACILITATION).count() == 1


def test_teachers_of_another_district_are_refused(client, tenant_a, tenant_b, session, k2):
    client.force_login(tenant_a.coach.user)
    response = mark_attendance(client, session, [*k2, tenant_b.teacher])
    assert response.status_code == 400
    assert "Select a valid choice" in response.context["attendance_form"].errors["teachers"][0]
    assert not session.attendees.exists()
    with pytest.raises(ValidationError) as caught:
        learning.pd_attendance_set(session=session, teachers=[*k2, tenant_b.teacher])
    assert caught.value.message_dict == {
        "teachers": [f"Not on the {tenant_a.district} roster: {tenant_b.teacher.full_name}."]
    }
    assert not LogEntry.objects.exists()


def test_more_attendees_than_the_capacity_is_refused_with_a_clear_message(client, tenant_a, k2):
    small = schedule(tenant_a, capacity=2)
    client.force_login(tenant_a.coach.user)
    response = mark_attendance(client, small, k2)
    message = "3 attendees is more than the session's capacity of 2."
    assert response.status_code == 400
    assert response.context["attendance_form"].errors["teachers"] == [message]
    assert escape(message) in response.content.decode()
    assert not small.attendees.exists()
    assert not LogEntry.objects.exists()
    assert mark_attendance(client, small, k2[:2]).status_code == 302


def test_attendance_feeds_the_districts_time_use_report(client, tenant_a, session, k2):
    client.force_login(tenant_a.coach.user)
    mark_attendance(client, session, k2)
    today = timezone.localdate()
    period = Period.school_year(school_year_of(today))
    figures = build_figures(Scope(ScopeKind.DISTRICT, tenant_a.district.pk), period, today=today)
    assert figures["teachers_reached"] == 3
    assert figures["group_learning"] == {"sessions": 1, "attendance": 3, "teachers": 3, "hours": "1.50", "minutes": 90}
    assert [(a["name"], a["minutes"]) for a in figures["by_activity"]] == [(FACILITATION, 90)]

    mark_attendance(client, session, k2[:1])  # corrected: one teacher, the same session and entry
    figures = build_figures(Scope(ScopeKind.DISTRICT, tenant_a.district.pk), period, today=today)
    assert figures["teachers_reached"] == 1
    assert figures["total_minutes"] == 90
    assert figures["group_learning"] == {"sessions": 1, "attendance": 1, "teachers": 1, "hours": "1.50", "minutes": 90}


def test_facilitation_that_would_break_the_16_hour_day_is_refused_with_the_reason(client, tenant_a, session, k2):
    today = timezone.localdate()
    for minutes in (720, 180):  # 15 hours already logged on the session's day
        services.entry_log(
            coach=tenant_a.coach,
            date=today,
            minutes=minutes,
            district=tenant_a.district,
            activity=activity(),
            focus_area=focus_area(),
        )
    client.force_login(tenant_a.coach.user)
    response = mark_attendance(client, session, k2)
    assert response.status_code == 400
    assert "a day cannot exceed 16 hours" in response.content.decode()
    assert not session.attendees.exists()
    assert LogEntry.objects.count() == 2


def test_a_session_not_yet_held_is_not_counted_as_group_learning(tenant_a, session, k2):
    learning.pd_attendance_set(session=session, teachers=k2)
    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    PDSession.objects.create(
        program=tenant_a.program,
        district=tenant_a.district,
        facilitator=tenant_a.coach,
        title="Next week's PLC",
        date=tomorrow,
        start_time=dt.time(15, 30),
        minutes=90,
    )
    period = Period.custom(today - dt.timedelta(days=30), today + dt.timedelta(days=30))
    figures = build_figures(Scope(ScopeKind.DISTRICT, tenant_a.district.pk), period, today=today)
    assert figures["group_learning"] == {"sessions": 1, "attendance": 3, "teachers": 3, "hours": "1.50", "minutes": 90}
    assert figures["total_minutes"] == 90


def test_only_the_facilitator_marks_attendance(client, tenant_a, tenant_b, session, k2, colleague):
    client.force_login(colleague.user)
    page = client.get(session_url(session))
    assert page.status_code == 200
    assert page.context["is_facilitator"] is False
    assert "attendance_form" not in page.context
    assert mark_attendance(client, session, k2).status_code == 403

    client.force_login(tenant_b.coach.user)
    assert client.get(session_url(session)).status_code == 404
    assert mark_attendance(client, session, k2).status_code == 404
    assert not session.attendees.exists()
    assert not LogEntry.objects.exists()


# ---------------------------------------------------------------------------- follow-up links


def test_follow_up_links_are_one_per_attendee_and_shown_once(client, tenant_a, session, k2):
    client.force_login(tenant_a.coach.user)
    mark_attendance(client, session, k2)
    response = client.post(session_url(session, "cycles:pd_followup_links"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    slips = response.context["slips"]
    links = ReflectionLink.objects.filter(pd_session=session)
    assert links.count() == 3
    assert sorted(s["teacher"].pk for s in slips) == sorted(t.pk for t in k2)
    assert {link.teacher_id for link in links} == {t.pk for t in k2}
    body = response.content.decode()
    for slip in slips:
        assert slip["url"].startswith("http://testserver/r/")
        assert body.count(f'value="{slip["url"]}"') == 1
    assert len({s["url"] for s in slips}) == 3
    stored = " ".join(link.token_hash for link in links)
    assert all(s["url"].rstrip("/").rsplit("/", 1)[-1] not in stored for s in slips)  # only hashes are kept


def test_follow_up_links_are_refused_before_attendance_is_marked(client, tenant_a, session):
    client.force_login(tenant_a.coach.user)
    response = client.post(session_url(session, "cycles:pd_followup_links"))
    assert response.status_code == 302
    assert response["Location"] == session_url(session) + "#attendance"
    assert messages_of(response) == ["Mark who attended first: follow-up links go to attendees."]
    assert not ReflectionLink.objects.exists()


def test_a_slips_png_qr_code_decodes_to_that_slips_url(client, tenant_a, session, k2):
    client.force_login(tenant_a.coach.user)
    mark_attendance(client, session, k2)
    for slip in make_links(client, session):
        assert decode_qr_png(slip["png"]) == slip["url"]
        assert slip["svg"].startswith("data:image/svg+xml")


def test_only_the_facilitator_makes_follow_up_links(client, tenant_a, session, k2, colleague):
    learning.pd_attendance_set(session=session, teachers=k2)
    client.force_login(colleague.user)
    assert client.post(session_url(session, "cycles:pd_followup_links")).status_code == 403
    assert not ReflectionLink.objects.exists()


def test_an_attendee_answers_the_follow_up_and_signs_up_without_signing_in(client, tenant_a, session, k2):
    client.force_login(tenant_a.coach.user)
    mark_attendance(client, session, k2)
    slip = next(s for s in make_links(client, session) if s["teacher"] == k2[1])
    client.logout()

    page = client.get(slip["url"])
    assert page.status_code == 200
    assert page.context["session"] == session
    assert page.context["signup_form"].prefix == "signup"
    response = answer(
        client,
        slip["url"],
        confidence=4,
        signup={
            "kind": SignUpKind.MODELED_LESSON,
            "date_preferences": " Tuesday mornings ",
            "note": "Small room",
        },
    )
    assert response.status_code == 200
    reflection = Reflection.objects.get()
    assert (reflection.pd_session, reflection.teacher, reflection.via_link) == (session, k2[1], True)
    assert (reflection.cycle, reflection.confidence) == (None, 4)
    signup = SignUp.objects.get()
    assert (signup.session, signup.teacher, signup.kind) == (session, k2[1], SignUpKind.MODELED_LESSON)
    assert (signup.date_preferences, signup.note, signup.status) == ("Tuesday mornings", "Small room", "requested")
    assert ReflectionLink.objects.get(teacher=k2[1]).used_at is not None
    assert client.get(slip["url"]).status_code == 404  # used once


def test_a_follow_up_without_a_sign_up_makes_no_sign_up(client, tenant_a, session, k2):
    client.force_login(tenant_a.coach.user)
    mark_attendance(client, session, k2)
    slip = make_links(client, session)[0]
    client.logout()
    assert answer(client, slip["url"], confidence=3, signup={"kind": ""}).status_code == 200
    assert Reflection.objects.count() == 1
    assert not SignUp.objects.exists()


def test_a_link_holder_removed_from_the_attendance_gets_no_server_error(client, tenant_a, session, k2):
    client.force_login(tenant_a.coach.user)
    mark_attendance(client, session, k2)
    slip = next(s for s in make_links(client, session) if s["teacher"] == k2[2])
    mark_attendance(client, session, k2[:2])  # attendance corrected after the slips were printed
    client.logout()
    response = answer(client, slip["url"], confidence=3, signup={"kind": SignUpKind.MODELED_LESSON})
    assert response.status_code < 500
    assert not SignUp.objects.exists()
    assert Reflection.objects.exists() or ReflectionLink.objects.get(teacher=k2[2]).used_at is None


def test_the_facilitator_sees_the_response_count_and_average_confidence(client, tenant_a, session, k2):
    client.force_login(tenant_a.coach.user)
    mark_attendance(client, session, k2)
    slips = make_links(client, session)
    client.logout()
    answer(client, slips[0]["url"], confidence=4)
    answer(client, slips[1]["url"], confidence=5)
    client.force_login(tenant_a.coach.user)
    response = client.get(session_url(session))
    assert response.context["responses"].answers == 2
    assert response.context["responses"].confidence == pytest.approx(4.5)
    assert "4.5 / 5" in response.content.decode()
    assert len(response.context["reflections"]) == 2


def test_a_director_sees_no_average_of_fewer_than_five_follow_ups(client, tenant_a, session):
    """'Average confidence 2.0/5' from one answer is that teacher's answer: anyone but the
    facilitator sees an average only from five answers up, and never the answers themselves."""
    teachers = [tenant_a.teacher, *(TeacherFactory(school=tenant_a.school, user=None) for _ in range(5))]
    client.force_login(tenant_a.coach.user)
    mark_attendance(client, session, teachers)
    slips = make_links(client, session)
    client.logout()
    answer(client, slips[0]["url"], confidence=2)
    client.force_login(tenant_a.director)
    page = client.get(session_url(session))
    assert (page.context["responses"].answers, page.context["responses"].confidence) == (1, None)
    html = page.content.decode()
    assert "2.0 / 5" not in html
    assert "Shown from 5 answers" in html
    assert page.context["reflections"] == []
    client.logout()
    for slip, confidence in zip(slips[1:5], (3, 4, 5, 4), strict=True):
        answer(client, slip["url"], confidence=confidence)
    client.force_login(tenant_a.director)
    page = client.get(session_url(session))
    assert page.context["responses"].answers == 5
    assert page.context["responses"].confidence == pytest.approx(3.6)
    assert "3.6 / 5" in page.content.decode()
    assert page.context["reflections"] == []


# ---------------------------------------------------------------------------- sign-ups and cycles


@pytest.fixture
def signup(session, k2) -> SignUp:
    learning.pd_attendance_set(session=session, teachers=k2)
    return learning.signup_request(
        session=session, teacher=k2[1], kind=SignUpKind.CO_TEACHING, date_preferences="Thursdays"
    )


def decide_url(signup: SignUp, name: str = "learning:pd_signup_decide") -> str:
    return reverse(name, args=[signup.session.public_id, signup.pk])


def test_an_accepted_sign_up_opens_one_impact_cycle_with_that_teacher(client, tenant_a, signup):
    client.force_login(tenant_a.coach.user)
    visit = timezone.localdate() + dt.timedelta(days=7)
    response = client.post(decide_url(signup), {"decision": "accept", "scheduled_for": visit.isoformat()})
    assert response.status_code == 302
    signup.refresh_from_db()
    assert (signup.status, signup.scheduled_for) == (SignUpStatus.ACCEPTED, visit)

    response = client.post(decide_url(signup, "cycles:pd_signup_cycle"))
    cycle = Cycle.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cycles:detail", args=[cycle.public_id])
    assert cycle.from_signup == signup
    assert (cycle.coach, list(cycle.teachers.all())) == (tenant_a.coach, [signup.teacher])
    assert cycle.title == f"Co-teaching in my classroom: {TITLE}"

    again = client.post(decide_url(signup, "cycles:pd_signup_cycle"))
    assert again["Location"] == response["Location"]
    assert Cycle.objects.count() == 1


def test_accepting_a_sign_up_without_a_date_is_refused(client, tenant_a, signup):
    client.force_login(tenant_a.coach.user)
    response = client.post(decide_url(signup), {"decision": "accept", "scheduled_for": ""})
    assert response.status_code == 302
    assert messages_of(response) == ["Choose the date of the visit."]
    signup.refresh_from_db()
    assert (signup.status, signup.scheduled_for) == (SignUpStatus.REQUESTED, None)


def test_a_requested_sign_up_does_not_open_a_cycle_before_it_is_accepted(client, tenant_a, signup):
    client.force_login(tenant_a.coach.user)
    response = client.post(decide_url(signup, "cycles:pd_signup_cycle"))
    assert response.status_code == 302
    assert messages_of(response) == ["Accept the request (with a date) before opening a cycle."]
    assert not Cycle.objects.exists()


def test_only_the_facilitator_decides_sign_ups_and_opens_cycles(client, signup, colleague):
    client.force_login(colleague.user)
    visit = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    assert client.post(decide_url(signup), {"decision": "accept", "scheduled_for": visit}).status_code == 403
    assert client.post(decide_url(signup, "cycles:pd_signup_cycle")).status_code == 403
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.REQUESTED
    assert not Cycle.objects.exists()


def test_a_teacher_who_did_not_attend_cannot_sign_up(tenant_a, session, k2):
    learning.pd_attendance_set(session=session, teachers=k2[:1])
    with pytest.raises(ValidationError, match="Only the session's attendees"):
        learning.signup_request(session=session, teacher=k2[2], kind=SignUpKind.MODELED_LESSON)
    assert not SignUp.objects.exists()


# ---------------------------------------------------------------------------- room sheet


def test_the_room_sheet_lists_the_sessions_resources_with_qr_codes(client, tenant_a):
    video = learning.resource_create(
        program=tenant_a.program,
        by=tenant_a.coach.user,
        title="Dot cards video",
        kind=ResourceKind.VIDEO,
        link="https://videos.example.org/dots",
    )
    template = learning.resource_create(
        program=tenant_a.program,
        by=tenant_a.coach.user,
        title="Number talk plan",
        kind=ResourceKind.TEMPLATE,
        link="https://docs.example.org/plan",
    )
    learning.resource_create(
        program=tenant_a.program,
        by=tenant_a.coach.user,
        title="Unrelated article",
        kind=ResourceKind.ARTICLE,
        link="https://journal.example.org/x",
    )
    session = schedule(tenant_a, resources=[video, template])
    client.force_login(tenant_a.coach.user)
    response = client.get(session_url(session, "learning:pd_room_sheet"))
    assert response.status_code == 200
    items = response.context["items"]
    assert {i["resource"].title for i in items} == {"Dot cards video", "Number talk plan"}
    body = response.content.decode()
    for item in items:
        assert item["url"] == f"http://testserver/open/{item['resource'].public_id}/"
        assert item["qr"].startswith("<svg")
        assert item["qr"] in body
        assert item["resource"].title in body
    assert "Unrelated article" not in body
    assert body.count("<svg") == 2


def test_another_programs_resource_is_never_attached_to_a_session(tenant_a, tenant_b):
    foreign = learning.resource_create(
        program=tenant_b.program,
        by=tenant_b.coach.user,
        title="B only",
        kind=ResourceKind.VIDEO,
        link="https://videos.example.org/b",
    )
    session = schedule(tenant_a, resources=[foreign])
    assert not session.resources.exists()


# ---------------------------------------------------------------------------- reflections' privacy


def test_follow_up_reflections_are_the_facilitators_alone(client, tenant_a, tenant_b, session, k2, colleague):
    client.force_login(tenant_a.coach.user)
    mark_attendance(client, session, k2)
    slip = make_links(client, session)[0]
    client.logout()
    answer(client, slip["url"], confidence=2)
    url = reverse("cycles:reflection", args=[Reflection.objects.get().public_id])

    client.force_login(tenant_a.coach.user)
    assert client.get(url).status_code == 200
    for outsider in (colleague.user, tenant_a.district_admin, tenant_a.director, tenant_b.coach.user):
        client.force_login(outsider)
        assert client.get(url).status_code == 404, outsider.username


# ---------------------------------------------------------------------------- query counts


def _page_queries(client, session: PDSession) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(session_url(session)).status_code == 200
    return len(captured)


def test_the_session_page_costs_the_same_queries_for_5_and_60_attendees(
    client, tenant_a, session, django_assert_max_num_queries
):
    schools = [tenant_a.school, SchoolFactory(district=tenant_a.district, name="School A2")]
    roster = [TeacherFactory(school=schools[i % 2], user=None, grade_band=("K-2", "3-5")[i % 2]) for i in range(60)]
    client.force_login(tenant_a.coach.user)
    learning.pd_attendance_set(session=session, teachers=roster[:5])
    client.get(session_url(session))  # warm caches
    five = _page_queries(client, session)
    learning.pd_attendance_set(session=session, teachers=roster)
    sixty = _page_queries(client, session)
    assert len(client.get(session_url(session)).context["attendees"]) == 60
    assert five == sixty == SESSION_PAGE_QUERIES
    with django_assert_max_num_queries(SESSION_PAGE_QUERIES):
        client.get(session_url(session))
