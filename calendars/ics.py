"""A small, careful reader and writer of iCalendar (RFC 5545) files: enough for the exports of
Google Calendar and Outlook, and for a feed that calendar apps subscribe to.

Reading: lines are unfolded (a line starting with a space or a tab continues the previous one),
parameters may be quoted, text values are unescaped. Times are UTC (`...Z`), local to a TZID
(an IANA name, a Windows name as Outlook writes them, e.g. "Eastern Standard Time", or a
Mozilla-style "/mozilla.org/.../America/Chicago"), or floating (read in the site's time zone).
Recurring events are expanded only for simple daily and weekly rules (INTERVAL, COUNT, UNTIL,
BYDAY without ordinals, EXDATE, and moved occurrences by RECURRENCE-ID) inside a bounded window;
any other rule is reported and skipped.

Writing: CRLF line ends, lines folded at 75 octets (never inside a UTF-8 character), text escaped,
times in UTC."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_EVENTS = 5000  # VEVENTs in one file
MAX_OCCURRENCES = 1000  # of one recurring event inside the window

# Outlook writes Windows time zone names in TZID. The common ones (CLDR's windowsZones, territory
# "001"); anything else may still be an IANA name.
WINDOWS_ZONES = {
    "Dateline Standard Time": "Etc/GMT+12",
    "Hawaiian Standard Time": "Pacific/Honolulu",
    "Alaskan Standard Time": "America/Anchorage",
    "Pacific Standard Time": "America/Los_Angeles",
    "US Mountain Standard Time": "America/Phoenix",
    "Mountain Standard Time": "America/Denver",
    "Central Standard Time": "America/Chicago",
    "Canada Central Standard Time": "America/Regina",
    "Eastern Standard Time": "America/New_York",
    "US Eastern Standard Time": "America/Indiana/Indianapolis",
    "Atlantic Standard Time": "America/Halifax",
    "Newfoundland Standard Time": "America/St_Johns",
    "SA Pacific Standard Time": "America/Bogota",
    "Central Standard Time (Mexico)": "America/Mexico_City",
    "E. South America Standard Time": "America/Sao_Paulo",
    "UTC": "Etc/UTC",
    "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik",
    "W. Europe Standard Time": "Europe/Berlin",
    "Central Europe Standard Time": "Europe/Budapest",
    "Central European Standard Time": "Europe/Warsaw",
    "Romance Standard Time": "Europe/Paris",
    "E. Europe Standard Time": "Europe/Chisinau",
    "FLE Standard Time": "Europe/Kiev",
    "India Standard Time": "Asia/Calcutta",
    "China Standard Time": "Asia/Shanghai",
    "Tokyo Standard Time": "Asia/Tokyo",
    "AUS Eastern Standard Time": "Australia/Sydney",
    "New Zealand Standard Time": "Pacific/Auckland",
    # Older Outlook versions write the display name instead, e.g. "(UTC-05:00) Eastern Time (US & Canada)".
    "Eastern Time (US & Canada)": "America/New_York",
    "Central Time (US & Canada)": "America/Chicago",
    "Mountain Time (US & Canada)": "America/Denver",
    "Pacific Time (US & Canada)": "America/Los_Angeles",
    "Arizona": "America/Phoenix",
    "Alaska": "America/Anchorage",
    "Hawaii": "Pacific/Honolulu",
}
WEEKDAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}


class IcsError(ValueError):
    """The file is not a calendar Fulcrum can read; the message says why, for the person."""


@dataclass
class Property:
    name: str
    params: dict[str, str]
    value: str


@dataclass
class Component:
    name: str
    properties: list[Property] = field(default_factory=list)
    children: list[Component] = field(default_factory=list)

    def first(self, name: str) -> Property | None:
        return next((p for p in self.properties if p.name == name), None)

    def all(self, name: str) -> list[Property]:
        return [p for p in self.properties if p.name == name]

    def text(self, name: str) -> str:
        prop = self.first(name)
        return unescape_text(prop.value) if prop else ""


def unfold(text: str) -> list[tuple[int, str]]:
    """Logical lines with the number of the physical line each starts on (CRLF, LF or CR ends)."""
    lines: list[tuple[int, str]] = []
    for number, raw in enumerate(re.split(r"\r\n|\n|\r", text), start=1):
        if raw[:1] in (" ", "\t") and lines:
            start, previous = lines[-1]
            lines[-1] = (start, previous + raw[1:])
        elif raw.strip():
            lines.append((number, raw))
    return lines


def _split_content_line(line: str, number: int) -> Property:
    """NAME;PARAM=value;PARAM="quoted: value":VALUE, with colons and semicolons inside quotes kept."""
    in_quotes = False
    parts: list[str] = []
    current = ""
    for index, char in enumerate(line):
        if char == '"':
            in_quotes = not in_quotes
            current += char
        elif char == ";" and not in_quotes:
            parts.append(current)
            current = ""
        elif char == ":" and not in_quotes:
            parts.append(current)
            value = line[index + 1 :]
            break
        else:
            current += char
    else:
        raise IcsError(f"Line {number} is not a calendar line (it has no “:”).")
    name = parts[0].strip().upper()
    if not name or not re.fullmatch(r"[A-Z0-9-]+", name):
        raise IcsError(f"Line {number} is not a calendar line.")
    params: dict[str, str] = {}
    for part in parts[1:]:
        key, _, raw_value = part.partition("=")
        params[key.strip().upper()] = raw_value.strip().strip('"')
    return Property(name, params, value)


def parse(text: str) -> Component:
    """The VCALENDAR of a file's text; IcsError if it is not one."""
    text = text.lstrip("\ufeff")
    lines = unfold(text)
    if not lines or lines[0][1].strip().upper() != "BEGIN:VCALENDAR":
        raise IcsError("This is not a calendar file (.ics): it does not begin with BEGIN:VCALENDAR.")
    stack: list[Component] = []
    root: Component | None = None
    events = 0
    for number, line in lines:
        prop = _split_content_line(line, number)
        if prop.name == "BEGIN":
            component = Component(prop.value.strip().upper())
            if stack:
                stack[-1].children.append(component)
            elif root is not None:
                raise IcsError(f"Line {number}: the file holds more than one calendar.")
            else:
                root = component
            stack.append(component)
            if component.name == "VEVENT":
                events += 1
                if events > MAX_EVENTS:
                    raise IcsError(f"The file holds more than {MAX_EVENTS:,} events. Export a shorter period.")
        elif prop.name == "END":
            if not stack or stack[-1].name != prop.value.strip().upper():
                raise IcsError(f"Line {number}: END:{prop.value.strip()} does not close what was opened.")
            stack.pop()
        elif not stack:
            raise IcsError(f"Line {number} is outside the calendar.")
        else:
            stack[-1].properties.append(prop)
    if stack or root is None:
        raise IcsError("The file ends before the calendar does (no END:VCALENDAR): it may be cut short.")
    return root


def unescape_text(value: str) -> str:
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            out.append("\n" if following in ("n", "N") else following)
        else:
            out.append(char)
    return "".join(out)


def escape_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\n").replace("\n", "\\n")
    )


def zone_for(tzid: str) -> ZoneInfo | None:
    """The time zone a TZID names: IANA, Windows (Outlook), or a Mozilla-style path; else None."""
    name = tzid.strip()
    display = re.sub(r"^\((UTC|GMT)[+-]?[\d:]*\)\s*", "", name)  # "(UTC-05:00) Eastern Time (US & Canada)"
    candidates = [WINDOWS_ZONES.get(name, ""), WINDOWS_ZONES.get(display, ""), name]
    if "/" in name:
        segments = [s for s in name.split("/") if s]
        candidates += ["/".join(segments[-2:]), "/".join(segments[-3:])]
    for candidate in candidates:
        if not candidate or not re.fullmatch(r"[A-Za-z0-9_+\-/]+", candidate):
            continue
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return None


class _Unreadable(Exception):
    """One event cannot be read (its reason is the message); the rest of the file can."""


def _parse_when(prop: Property, local: ZoneInfo) -> tuple[dt.datetime | dt.date, bool]:
    """A DTSTART/DTEND/RECURRENCE-ID/EXDATE value: (aware datetime, False) or (date, True)."""
    value = prop.value.strip().split(",")[0]
    try:
        if prop.params.get("VALUE", "").upper() == "DATE" or re.fullmatch(r"\d{8}", value):
            return dt.datetime.strptime(value, "%Y%m%d").date(), True
        if value.endswith("Z"):
            return dt.datetime.strptime(value[:-1], "%Y%m%dT%H%M%S").replace(tzinfo=dt.UTC), False
        naive = dt.datetime.strptime(value, "%Y%m%dT%H%M%S")
    except ValueError as exc:
        raise _Unreadable(f"its time “{value}” could not be read") from exc
    tzid = prop.params.get("TZID")
    if tzid:
        zone = zone_for(tzid)
        if zone is None:
            raise _Unreadable(f"its time zone “{tzid}” is not one Fulcrum knows")
        return naive.replace(tzinfo=zone), False
    return naive.replace(tzinfo=local), False


def _parse_duration(value: str) -> dt.timedelta:
    match = re.fullmatch(r"([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", value.strip())
    if not match or value.strip() in ("P", "PT"):
        raise _Unreadable(f"its duration “{value}” could not be read")
    sign, weeks, days, hours, minutes, seconds = match.groups()
    span = dt.timedelta(weeks=int(weeks or 0), days=int(days or 0), hours=int(hours or 0),
                        minutes=int(minutes or 0), seconds=int(seconds or 0))  # fmt: skip
    return -span if sign == "-" else span


@dataclass(frozen=True)
class Attendee:
    email: str
    declined: bool


@dataclass(frozen=True)
class Occurrence:
    """One event, or one occurrence of a recurring one, as read: `skip` says why it cannot become
    an entry (empty when it can)."""

    uid: str
    start: dt.datetime  # aware; for an all-day event, midnight in the site's time zone
    end: dt.datetime
    all_day: bool
    summary: str
    location: str
    description: str
    attendees: tuple[Attendee, ...]
    organizer: str
    cancelled: bool
    skip: str = ""


def _email(value: str) -> str:
    value = value.strip()
    if value.lower().startswith("mailto:"):
        value = value[7:]
    return value.strip().lower() if "@" in value else ""


def _as_datetime(value: dt.datetime | dt.date, local: ZoneInfo) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time(0), tzinfo=local)


def _rule(value: str) -> dict[str, str]:
    return {k.upper(): v for k, _, v in (part.partition("=") for part in value.split(";") if part)}


def _expand(
    start: dt.datetime, rule: dict[str, str], exdates: set[dt.datetime], window: tuple[dt.datetime, dt.datetime]
) -> Iterator[dt.datetime]:
    """Starts of a simple DAILY/WEEKLY rule that fall in the window (wall-clock steps in the event's
    own zone, so 9:00 stays 9:00 across a daylight-saving change)."""
    freq = rule.get("FREQ", "").upper()
    interval = int(rule.get("INTERVAL", "1") or 1)
    count = int(rule["COUNT"]) if rule.get("COUNT", "").isdigit() else None
    until: dt.datetime | None = None
    if rule.get("UNTIL"):
        raw = rule["UNTIL"]
        if raw.endswith("Z"):
            until = dt.datetime.strptime(raw[:-1], "%Y%m%dT%H%M%S").replace(tzinfo=dt.UTC)
        elif "T" in raw:
            until = dt.datetime.strptime(raw, "%Y%m%dT%H%M%S").replace(tzinfo=start.tzinfo)
        else:
            until = dt.datetime.combine(dt.datetime.strptime(raw, "%Y%m%d").date(), dt.time.max, tzinfo=start.tzinfo)
    if freq == "WEEKLY":
        days = sorted({WEEKDAYS[d.strip().upper()] for d in rule.get("BYDAY", "").split(",") if d.strip()}) or [
            start.weekday()
        ]
        week_start = start - dt.timedelta(days=start.weekday())

        def candidates() -> Iterator[dt.datetime]:
            week = 0
            while True:
                base = week_start + dt.timedelta(weeks=week * interval)
                for day in days:
                    moment = base + dt.timedelta(days=day)
                    if moment >= start:
                        yield moment
                week += 1
    else:

        def candidates() -> Iterator[dt.datetime]:
            step = 0
            while True:
                yield start + dt.timedelta(days=step * interval)
                step += 1

    produced = 0
    for index, moment in enumerate(candidates()):
        if (count is not None and index >= count) or (until is not None and moment > until) or moment > window[1]:
            return
        if index > 20_000 or produced >= MAX_OCCURRENCES:
            return
        if moment >= window[0] and moment not in exdates:
            produced += 1
            yield moment


SIMPLE_RULE_KEYS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "WKST"}


def occurrences(calendar: Component, *, local: ZoneInfo, window: tuple[dt.datetime, dt.datetime]) -> list[Occurrence]:
    """Every event of the calendar that starts inside the window (aware datetimes), recurring ones
    expanded when their rule is simple; events that cannot be read come back with a `skip`."""
    events = [c for c in calendar.children if c.name == "VEVENT"]
    moved: dict[tuple[str, dt.datetime], Component] = {}
    for event in events:
        recurrence_id = event.first("RECURRENCE-ID")
        if recurrence_id is not None:
            try:
                when, _ = _parse_when(recurrence_id, local)
            except _Unreadable:
                continue
            moved[(event.text("UID"), _as_datetime(when, local))] = event
    found: list[Occurrence] = []
    for event in events:
        uid = event.text("UID") or f"no-uid:{event.text('SUMMARY')}:{event.text('DTSTART')}"
        is_override = event.first("RECURRENCE-ID") is not None
        try:
            start_prop = event.first("DTSTART")
            if start_prop is None:
                raise _Unreadable("it has no start time")
            start_value, all_day = _parse_when(start_prop, local)
            start = _as_datetime(start_value, local)
            end_prop, duration = event.first("DTEND"), event.first("DURATION")
            if end_prop is not None:
                end = _as_datetime(_parse_when(end_prop, local)[0], local)
            elif duration is not None:
                end = start + _parse_duration(duration.value)
            else:
                end = start + (dt.timedelta(days=1) if all_day else dt.timedelta(0))
            rrule = event.first("RRULE")
            if rrule is not None and not is_override:
                rule = _rule(rrule.value)
                unsupported = set(rule) - SIMPLE_RULE_KEYS
                days = [d.strip().upper() for d in rule.get("BYDAY", "").split(",") if d.strip()]
                if rule.get("FREQ", "").upper() not in ("DAILY", "WEEKLY") or unsupported or any(
                    d not in WEEKDAYS for d in days
                ) or (days and rule.get("FREQ", "").upper() != "WEEKLY"):  # fmt: skip
                    raise _Unreadable("it repeats in a way Fulcrum does not expand (only simple daily and weekly)")
                exdates: set[dt.datetime] = set()
                for ex in event.all("EXDATE"):
                    for value in ex.value.split(","):
                        exdates.add(_as_datetime(_parse_when(Property("EXDATE", ex.params, value), local)[0], local))
                starts = list(_expand(start, rule, exdates, window))
            else:
                starts = [start] if window[0] <= start <= window[1] else []
        except (_Unreadable, ValueError, KeyError) as exc:
            day = _rough_day(event, window)
            if day is not None:  # reported only when it may fall in the window
                reason = str(exc) if isinstance(exc, _Unreadable) else "it could not be read"
                moment = dt.datetime.combine(day, dt.time(0), tzinfo=local)
                found.append(_occurrence(event, uid, moment, all_day=False, skip=reason))
            continue
        length = end - start
        for moment in starts:
            source = event
            if not is_override and (uid, moment) in moved:
                continue  # that occurrence was moved: its own VEVENT (with RECURRENCE-ID) stands for it
            found.append(_occurrence(source, uid, moment, end=moment + length, all_day=all_day))
    return found


def _raw_day(value: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(value.strip()[:8], "%Y%m%d").date()
    except ValueError:
        return None


def _rough_day(event: Component, window: tuple[dt.datetime, dt.datetime]) -> dt.date | None:
    """For an event that cannot be read in full: the day to report it on when it may fall in the
    window (by the dates written in DTSTART and a rule's UNTIL, a day either side), else None."""
    start = event.first("DTSTART")
    day = _raw_day(start.value) if start is not None else None
    first, last = window[0].date() - dt.timedelta(days=1), window[1].date() + dt.timedelta(days=1)
    if day is None or day > last:
        return None
    rrule = event.first("RRULE")
    if rrule is None:
        return day if day >= first else None
    until = _raw_day(_rule(rrule.value).get("UNTIL", ""))
    if until is not None and until < first:
        return None
    return max(day, window[0].date())


def _occurrence(
    event: Component, uid: str, start: dt.datetime, *, end: dt.datetime | None = None, all_day: bool, skip: str = ""
) -> Occurrence:
    attendees = tuple(
        Attendee(email=_email(p.value), declined=p.params.get("PARTSTAT", "").upper() == "DECLINED")
        for p in event.all("ATTENDEE")
        if _email(p.value)
    )
    organizer = event.first("ORGANIZER")
    return Occurrence(
        uid=uid[:255],
        start=start,
        end=end or start,
        all_day=all_day,
        summary=event.text("SUMMARY").strip(),
        location=event.text("LOCATION").strip(),
        description=event.text("DESCRIPTION").strip(),
        attendees=attendees,
        organizer=_email(organizer.value) if organizer else "",
        cancelled=event.text("STATUS").strip().upper() == "CANCELLED",
        skip=skip,
    )


# --------------------------------------------------------------------------- writing


def fold(line: str) -> str:
    """A content line folded at 75 octets (continuations start with a space), CRLF-terminated."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line + "\r\n"
    pieces: list[str] = []
    current = b""
    limit = 75
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > limit:
            pieces.append(current.decode("utf-8"))
            current = b""
            limit = 74  # the leading space of a continuation counts
        current += encoded
    pieces.append(current.decode("utf-8"))
    return "\r\n ".join(pieces) + "\r\n"


def utc_stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


@dataclass(frozen=True)
class FeedEvent:
    uid: str
    summary: str
    location: str
    description: str
    start: dt.datetime | dt.date  # a date is an all-day event
    end: dt.datetime | dt.date


def calendar_write(events: Iterable[FeedEvent], *, name: str, stamp: dt.datetime) -> bytes:
    """A VCALENDAR (METHOD:PUBLISH) of the events, times in UTC, dates as VALUE=DATE."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Fulcrum//Coaching calendar//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
    ]
    for event in events:
        lines += ["BEGIN:VEVENT", f"UID:{event.uid}", f"DTSTAMP:{utc_stamp(stamp)}"]
        for prop, value in (("DTSTART", event.start), ("DTEND", event.end)):
            if isinstance(value, dt.datetime):
                lines.append(f"{prop}:{utc_stamp(value)}")
            else:
                lines.append(f"{prop};VALUE=DATE:{value:%Y%m%d}")
        lines.append(f"SUMMARY:{escape_text(event.summary)}")
        if event.location:
            lines.append(f"LOCATION:{escape_text(event.location)}")
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        lines += ["TRANSP:OPAQUE", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) for line in lines).encode("utf-8")
