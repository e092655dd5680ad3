"""The iCalendar reader and writer, on Google and Outlook exports and on hand-made edge cases."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from calendars import ics
from calendars.tests.samples import crlf, google_ics, outlook_ics

CHICAGO = ZoneInfo("America/Chicago")
DAY = dt.date(2026, 11, 18)  # a Wednesday


def window(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime.combine(first, dt.time(0), tzinfo=CHICAGO), dt.datetime.combine(
        last, dt.time(23, 59, 59), tzinfo=CHICAGO
    )


def read(data: bytes, first: dt.date = DAY - dt.timedelta(days=30), last: dt.date = DAY) -> list[ics.Occurrence]:
    return ics.occurrences(ics.parse(data.decode()), local=CHICAGO, window=window(first, last))


def test_a_google_export_reads_times_attendees_folded_lines_and_escapes():
    events = read(google_ics(DAY, coach_email="coach@example.org", teacher_email="ann@school.example", school="Elm"))
    observation = next(e for e in events if e.uid == "4k2vq3c5n8hj1p0example@google.com")
    assert observation.start == dt.datetime(2026, 11, 18, 9, 0, tzinfo=CHICAGO)
    assert observation.end - observation.start == dt.timedelta(minutes=45)
    assert observation.summary == "Classroom observation – math"
    assert observation.location == "Elm, room 12"
    assert observation.description == "Classroom observation, then feedback.\nBring the checklist."
    # The folded ATTENDEE line is one attendee, its address lower-cased.
    assert [a.email for a in observation.attendees] == [
        "coach@example.org", "ann@school.example", "friend@elsewhere.example",
    ]  # fmt: skip
    assert observation.organizer == "coach@example.org"
    all_day = next(e for e in events if e.uid == "allday0001@google.com")
    assert all_day.all_day
    assert all_day.start.date() == DAY
    declined = next(e for e in events if e.uid == "declined0001@google.com")
    assert declined.attendees[0].declined
    assert declined.start == dt.datetime(2026, 11, 18, 20, 0, tzinfo=dt.UTC)


def test_a_weekly_series_is_expanded_inside_the_window_only():
    events = read(google_ics(DAY, coach_email="c@x.org", teacher_email="t@x.org", school="Elm"))
    plc = sorted(e.start for e in events if e.uid == "weekly-plc-0001@google.com")
    monday = DAY - dt.timedelta(days=DAY.weekday() + 14)
    assert plc == [dt.datetime.combine(monday + dt.timedelta(weeks=w), dt.time(14, 30), tzinfo=CHICAGO)
                   for w in range(3)]  # fmt: skip
    narrow = read(google_ics(DAY, coach_email="c@x.org", teacher_email="t@x.org", school="Elm"),
                  first=monday + dt.timedelta(days=1), last=DAY)  # fmt: skip
    assert len([e for e in narrow if e.uid == "weekly-plc-0001@google.com"]) == 2


def test_an_outlook_export_with_windows_time_zone_names_and_a_folded_uid():
    events = read(outlook_ics(DAY, teacher_email="ann@school.example", district="Maple Grove"))
    meeting = next(e for e in events if e.summary.endswith("co-planning unit 4"))
    # 11:00 "Eastern Standard Time" is 10:00 in Chicago.
    assert meeting.start.astimezone(CHICAGO) == dt.datetime(2026, 11, 18, 10, 0, tzinfo=CHICAGO)
    assert meeting.uid.startswith("040000008200E00074C5B7101A82E008")
    assert meeting.uid.endswith("90ABCDEF")
    assert " " not in meeting.uid
    assert "https://teams.microsoft.com/l/meetup-join/" in meeting.description
    assert meeting.attendees[0].email == "ann@school.example"


@pytest.mark.parametrize(
    ("tzid", "zone"),
    [
        ("Eastern Standard Time", "America/New_York"),
        ("Pacific Standard Time", "America/Los_Angeles"),
        ("Central Standard Time", "America/Chicago"),
        ("Europe/Paris", "Europe/Paris"),
        ("(UTC-05:00) Eastern Time (US & Canada)", "America/New_York"),
        ("/mozilla.org/20050126_1/America/Denver", "America/Denver"),
    ],
)
def test_time_zone_names_of_every_kind_are_understood(tzid, zone):
    assert ics.zone_for(tzid) == ZoneInfo(zone)


def test_an_unknown_time_zone_skips_that_event_with_its_reason():
    data = crlf("""
BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
UID:a
DTSTART;TZID=Atlantis Standard Time:20261118T090000
DTEND;TZID=Atlantis Standard Time:20261118T100000
SUMMARY:Somewhere
END:VEVENT
END:VCALENDAR
""")
    [event] = read(data)
    assert "Atlantis Standard Time" in event.skip


def test_daily_rules_with_interval_until_exdate_and_a_moved_occurrence():
    data = crlf("""
BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
UID:daily
DTSTART;TZID=America/Chicago:20261102T080000
DTEND;TZID=America/Chicago:20261102T083000
RRULE:FREQ=DAILY;INTERVAL=2;UNTIL=20261110T235959Z
EXDATE;TZID=America/Chicago:20261104T080000
SUMMARY:Check-in
END:VEVENT
BEGIN:VEVENT
UID:daily
RECURRENCE-ID;TZID=America/Chicago:20261106T080000
DTSTART;TZID=America/Chicago:20261106T130000
DTEND;TZID=America/Chicago:20261106T133000
SUMMARY:Check-in (moved)
END:VEVENT
END:VCALENDAR
""")
    events = sorted(read(data), key=lambda e: e.start)
    assert [(e.start.day, e.start.hour) for e in events] == [(2, 8), (6, 13), (8, 8), (10, 8)]
    assert events[1].summary == "Check-in (moved)"


def test_a_monthly_rule_is_skipped_with_a_message():
    data = crlf("""
BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
UID:monthly
DTSTART:20261102T150000Z
DTEND:20261102T160000Z
RRULE:FREQ=MONTHLY;BYDAY=1MO
SUMMARY:District planning
END:VEVENT
END:VCALENDAR
""")
    [event] = read(data)
    assert "repeats in a way Fulcrum does not expand" in event.skip
    assert event.start.date() == DAY - dt.timedelta(days=16)  # reported on its first day in the window
    # A series that ended before the window, or starts after it, is not reported at all.
    assert read(data.replace(b"BYDAY=1MO", b"BYDAY=1MO;UNTIL=20250101T000000Z")) == []
    assert read(data, first=dt.date(2025, 1, 1), last=dt.date(2025, 6, 1)) == []


def test_duration_instead_of_dtend_and_floating_times():
    data = crlf("""
BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
UID:d
DTSTART:20261118T130000
DURATION:PT1H15M
SUMMARY:Floating
END:VEVENT
END:VCALENDAR
""")
    [event] = read(data)
    assert event.start == dt.datetime(2026, 11, 18, 13, 0, tzinfo=CHICAGO)
    assert event.end - event.start == dt.timedelta(minutes=75)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "does not begin with BEGIN:VCALENDAR"),
        ("date,minutes\n2026-11-01,30\n", "does not begin with BEGIN:VCALENDAR"),
        ("BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:x\n", "ends before the calendar does"),
        ("BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VJOURNAL\nEND:VCALENDAR\n", "does not close what was opened"),
        ("BEGIN:VCALENDAR\nthis line is garbage\nEND:VCALENDAR\n", "Line 2"),
    ],
)
def test_garbage_is_refused_with_a_clear_message(text, message):
    with pytest.raises(ics.IcsError, match=message):
        ics.parse(text)


def test_written_lines_are_folded_at_75_octets_without_splitting_a_character():
    line = "SUMMARY:" + "Résumé – café " * 20
    folded = ics.fold(line)
    assert folded.endswith("\r\n")
    physical = folded[:-2].split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in physical)
    assert all(p.startswith(" ") for p in physical[1:])
    assert [text for _, text in ics.unfold(folded)] == [line]


def test_written_text_is_escaped_and_reads_back():
    event = ics.FeedEvent(uid="u1@fulcrum", summary="Math; PLC, grades 3\\5\nroom 2", location="", description="",
                          start=dt.datetime(2026, 11, 18, 15, 0, tzinfo=dt.UTC),
                          end=dt.datetime(2026, 11, 18, 16, 0, tzinfo=dt.UTC))  # fmt: skip
    body = ics.calendar_write([event], name="Feed", stamp=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    assert b"SUMMARY:Math\\; PLC\\, grades 3\\\\5\\nroom 2\r\n" in body
    [back] = ics.occurrences(ics.parse(body.decode()), local=CHICAGO, window=window(DAY, DAY))
    assert back.summary == "Math; PLC, grades 3\\5\nroom 2"
