"""Importing a calendar file: drafts made, matched, skipped with reasons, never twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from calendars.models import CalendarDraft
from calendars.tests.samples import crlf, google_ics, outlook_ics, ymd
from coaching.models import LogEntry
from teachers.models import AuditEvent
from teachers.tests.factories import DistrictFactory, SchoolFactory, TeacherFactory

pytestmark = pytest.mark.django_db
URL = reverse("calendars:import")


def upload(client, data: bytes, *, name: str = "calendar.ics", first=None, last=None):
    today = timezone.localdate()
    return client.post(URL, {
        "file": SimpleUploadedFile(name, data, content_type="text/calendar"),
        "date_from": (first or today - dt.timedelta(days=14)).isoformat(),
        "date_to": (last or today).isoformat(),
    })  # fmt: skip


@pytest.fixture
def day():
    return timezone.localdate() - dt.timedelta(days=1)


@pytest.fixture
def google(tenant_a, day):
    return google_ics(day, coach_email=tenant_a.coach.user.email, teacher_email=tenant_a.teacher.email,
                      school=tenant_a.school.name)  # fmt: skip


def test_the_page_offers_the_last_two_weeks_by_default(client, coach):
    client.force_login(coach)
    response = client.get(URL)
    today = timezone.localdate()
    assert response.status_code == 200
    assert f'value="{(today - dt.timedelta(days=14)).isoformat()}"' in response.content.decode()
    assert f'value="{today.isoformat()}"' in response.content.decode()


def test_a_google_export_drafts_entries_matched_to_school_teacher_and_activity(client, tenant_a, google, day):
    client.force_login(tenant_a.coach.user)
    response = upload(client, google)
    assert response.status_code == 200
    observation = CalendarDraft.objects.get(uid="4k2vq3c5n8hj1p0example@google.com")
    assert (observation.date, observation.start_time, observation.end_time, observation.minutes) == (
        day, dt.time(9, 0), dt.time(9, 45), 45,
    )  # fmt: skip
    assert observation.district == tenant_a.district
    assert observation.school == tenant_a.school
    assert list(observation.teachers.all()) == [tenant_a.teacher]  # matched by email, whatever its case
    assert observation.unmatched_emails == ["friend@elsewhere.example"]  # the coach's own address left out
    assert observation.activity.name == "Observation or Feedback"
    assert observation.focus_area.name == "Math"
    assert observation.coach == tenant_a.coach
    assert not LogEntry.objects.filter(coach=tenant_a.coach).exists()  # nothing is logged yet
    body = response.content.decode()
    assert "Skipped: an all-day event" in body
    assert "Inservice day" in body
    assert "Skipped: you declined it." in body
    assert "Staff meeting" in body
    assert AuditEvent.objects.filter(action="import", object_type="calendar import").count() == 1


def test_an_outlook_export_with_windows_time_zones_matches_the_district_by_name(client, tenant_a, day):
    tenant_a.district.name = "Maple Grove CUSD 5"
    tenant_a.district.save()
    client.force_login(tenant_a.coach.user)
    response = upload(client, outlook_ics(day, teacher_email=tenant_a.teacher.email, district="Maple Grove"))
    draft = CalendarDraft.objects.get(coach=tenant_a.coach)
    assert (draft.start_time, draft.end_time, draft.minutes) == (
        dt.time(10, 0),
        dt.time(11, 0),
        60,
    )  # Eastern → Central
    assert draft.district == tenant_a.district
    assert draft.school is None
    assert list(draft.teachers.all()) == [tenant_a.teacher]
    assert draft.activity.name == "Co-Planning"
    assert draft.format == "virtual"
    assert "Skipped: longer than 12 hours." in response.content.decode()


def test_a_district_is_left_for_the_coach_when_two_could_be_meant(client, tenant_a, day):
    second = DistrictFactory(name="Riverbend SD 12")
    tenant_a.contract.pk = None
    tenant_a.contract.district = second
    tenant_a.contract.save()
    client.force_login(tenant_a.coach.user)
    data = crlf(f"""
BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
UID:vague
DTSTART:{ymd(day)}T150000Z
DTEND:{ymd(day)}T160000Z
SUMMARY:Check in with principals
END:VEVENT
BEGIN:VEVENT
UID:riverbend
DTSTART:{ymd(day)}T170000Z
DTEND:{ymd(day)}T173000Z
SUMMARY:Riverbend data meeting
END:VEVENT
END:VCALENDAR
""")
    upload(client, data)
    assert CalendarDraft.objects.get(uid="vague").district is None
    riverbend = CalendarDraft.objects.get(uid="riverbend")
    assert riverbend.district == second
    assert riverbend.activity.name == "Data Analysis"


def test_attendees_from_another_district_are_not_matched(client, tenant_a, tenant_b, day):
    client.force_login(tenant_a.coach.user)
    stranger = TeacherFactory(school=SchoolFactory(district=tenant_b.district), email="t.b@school.example")
    data = crlf(f"""
BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
UID:cross
DTSTART:{ymd(day)}T150000Z
DTEND:{ymd(day)}T160000Z
SUMMARY:{tenant_a.school.name} coaching cycle debrief
ATTENDEE:mailto:{stranger.email}
END:VEVENT
END:VCALENDAR
""")
    upload(client, data)
    draft = CalendarDraft.objects.get(uid="cross")
    assert draft.district == tenant_a.district
    assert list(draft.teachers.all()) == []
    assert draft.unmatched_emails == [stranger.email]


def test_importing_the_same_file_again_drafts_nothing_twice(client, tenant_a, google):
    client.force_login(tenant_a.coach.user)
    upload(client, google)
    first = CalendarDraft.objects.filter(coach=tenant_a.coach).count()
    assert first >= 2  # the observation and the weekly PLC's occurrences in the window
    CalendarDraft.objects.filter(uid="4k2vq3c5n8hj1p0example@google.com").update(discarded_at=timezone.now())
    response = upload(client, google)
    assert CalendarDraft.objects.filter(coach=tenant_a.coach).count() == first
    assert f"{first} already imported before" in response.content.decode()


def test_a_file_that_is_not_a_calendar_creates_nothing_and_says_why(client, tenant_a):
    client.force_login(tenant_a.coach.user)
    response = upload(client, b"date,minutes,district\n2026-11-01,30,Maple\n", name="calendar.ics")
    assert response.status_code == 200
    assert "does not begin with BEGIN:VCALENDAR" in response.content.decode()
    response = upload(client, b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\n")
    assert "ends before the calendar does" in response.content.decode()
    response = upload(client, b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, name="calendar.ics")
    assert "This is not a calendar file" in response.content.decode()
    assert not CalendarDraft.objects.exists()
    assert not AuditEvent.objects.filter(action="import").exists()


def test_events_that_have_not_happened_yet_are_skipped(client, tenant_a):
    client.force_login(tenant_a.coach.user)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    data = crlf(f"""
BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
UID:future
DTSTART;TZID=America/Chicago:{ymd(tomorrow)}T090000
DTEND;TZID=America/Chicago:{ymd(tomorrow)}T100000
SUMMARY:Observation
END:VEVENT
END:VCALENDAR
""")
    response = upload(client, data, last=tomorrow)
    assert "it has not happened yet" in response.content.decode()
    assert not CalendarDraft.objects.exists()


def test_the_date_range_is_checked(client, tenant_a, google):
    client.force_login(tenant_a.coach.user)
    today = timezone.localdate()
    response = upload(client, google, first=today, last=today - dt.timedelta(days=3))
    assert "must be on or after" in response.content.decode()
    assert not CalendarDraft.objects.exists()


def test_only_coaches_import(client, teacher, district_admin, program_director):
    for user in (teacher, district_admin, program_director):
        client.force_login(user)
        assert client.get(URL).status_code == 403
