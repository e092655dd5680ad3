"""Realistic calendar exports, as Google Calendar and Outlook write them (dates filled in)."""

from __future__ import annotations

import datetime as dt


def crlf(text: str) -> bytes:
    return text.strip("\n").replace("\n", "\r\n").encode("utf-8") + b"\r\n"


def ymd(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def google_ics(day: dt.date, *, coach_email: str, teacher_email: str, school: str) -> bytes:
    """A Google Calendar export: X-WR-TIMEZONE, a VTIMEZONE, UTC and TZID times, folded ATTENDEE
    lines (Google folds at 75 octets), an all-day event, a declined one, a weekly series."""
    d = ymd(day)
    monday = day - dt.timedelta(days=day.weekday() + 14)
    return crlf(f"""
BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:PUBLISH
X-WR-CALNAME:{coach_email}
X-WR-TIMEZONE:America/Chicago
BEGIN:VTIMEZONE
TZID:America/Chicago
X-LIC-LOCATION:America/Chicago
BEGIN:DAYLIGHT
TZOFFSETFROM:-0600
TZOFFSETTO:-0500
TZNAME:CDT
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0500
TZOFFSETTO:-0600
TZNAME:CST
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
DTSTART;TZID=America/Chicago:{d}T090000
DTEND;TZID=America/Chicago:{d}T094500
DTSTAMP:{d}T120000Z
ORGANIZER;CN={coach_email}:mailto:{coach_email}
UID:4k2vq3c5n8hj1p0example@google.com
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN={coach_email};X-NUM-GUESTS=0:mailto:{coach_email}
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;CN=
 {teacher_email};X-NUM-GUESTS=0:mailto:{teacher_email.upper()}
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN=friend@elsewhere.example;X-NUM-GUESTS=0:mailto:friend@elsewhere.example
CREATED:{d}T110000Z
DESCRIPTION:Classroom observation\\, then feedback.\\nBring the checklist.
LAST-MODIFIED:{d}T110500Z
LOCATION:{school}\\, room 12
SEQUENCE:0
STATUS:CONFIRMED
SUMMARY:Classroom observation – math
TRANSP:OPAQUE
END:VEVENT
BEGIN:VEVENT
DTSTART;VALUE=DATE:{d}
DTEND;VALUE=DATE:{ymd(day + dt.timedelta(days=1))}
DTSTAMP:{d}T120000Z
UID:allday0001@google.com
SUMMARY:Inservice day
TRANSP:TRANSPARENT
END:VEVENT
BEGIN:VEVENT
DTSTART:{d}T200000Z
DTEND:{d}T210000Z
DTSTAMP:{d}T120000Z
UID:declined0001@google.com
ORGANIZER;CN=principal@school.example:mailto:principal@school.example
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=DECLINED;CN={coach_email};X-NUM-GUESTS=0:mailto:{coach_email}
SUMMARY:Staff meeting
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=America/Chicago:{ymd(monday)}T143000
DTEND;TZID=America/Chicago:{ymd(monday)}T153000
RRULE:FREQ=WEEKLY;WKST=SU;COUNT=3;BYDAY=MO
DTSTAMP:{d}T120000Z
UID:weekly-plc-0001@google.com
SUMMARY:Grade 3 PLC
LOCATION:{school}
END:VEVENT
END:VCALENDAR
""")


def outlook_ics(day: dt.date, *, teacher_email: str, district: str) -> bytes:
    """An Outlook export: Windows time zone names in quoted TZIDs, a long folded UID, LANGUAGE on
    SUMMARY, an online-meeting description, and an event of 13 hours."""
    d = ymd(day)
    return crlf(f"""
BEGIN:VCALENDAR
PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN
VERSION:2.0
METHOD:PUBLISH
X-CALSTART:{d}T000000Z
X-WR-RELCALID:{{0000002E-1234-ABCD-0000-000000000000}}
X-WR-CALNAME:Calendar
X-PRIMARY-CALENDAR:TRUE
X-MS-OLK-WKHRSTART;TZID="Eastern Standard Time":080000
BEGIN:VTIMEZONE
TZID:Eastern Standard Time
BEGIN:STANDARD
DTSTART:16011104T020000
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010311T020000
RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
ATTENDEE;CN="Teacher, Some";RSVP=TRUE:mailto:{teacher_email}
CLASS:PUBLIC
CREATED:{d}T140000Z
DESCRIPTION:Microsoft Teams meeting\\nJoin on your computer: https://teams.mic
 rosoft.com/l/meetup-join/19%3ameeting_example\\n
DTEND;TZID="Eastern Standard Time":{d}T120000
DTSTAMP:{d}T140000Z
DTSTART;TZID="Eastern Standard Time":{d}T110000
LAST-MODIFIED:{d}T140000Z
LOCATION:Microsoft Teams Meeting
PRIORITY:5
SEQUENCE:0
SUMMARY;LANGUAGE=en-us:{district}: co-planning unit 4
TRANSP:OPAQUE
UID:040000008200E00074C5B7101A82E00800000000F0A1B2C3D4E5D901000000000000000
 01000000012345678901234567890ABCDEF
X-MICROSOFT-CDO-BUSYSTATUS:BUSY
X-MICROSOFT-CDO-IMPORTANCE:1
END:VEVENT
BEGIN:VEVENT
CLASS:PUBLIC
DTEND;TZID="Eastern Standard Time":{d}T210000
DTSTAMP:{d}T140000Z
DTSTART;TZID="Eastern Standard Time":{d}T080000
SUMMARY;LANGUAGE=en-us:Conference day
UID:040000008200E00074C5B7101A82E008000000000000000000000000000000000000000000000002
END:VEVENT
END:VCALENDAR
""")
