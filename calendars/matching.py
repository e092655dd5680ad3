"""Turning a calendar event into what an entry needs: the district (by a district's or a school's
name in the title or location, among the districts the coach logs for), the teachers (attendees'
addresses, exactly, in that district's roster), an activity and a focus area when a keyword makes
them obvious, and the format. What cannot be told is left for the coach."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from coaching.models import Activity, FocusArea, Format
from teachers.models import District, School, Teacher

# (pattern on the lower-cased title, built-in activity name). An activity is guessed only when
# exactly one of them fits.
ACTIVITY_KEYWORDS: list[tuple[str, str]] = [
    (r"\bobserv|\bwalk-?through|\bfeedback\b", "Observation or Feedback"),
    (r"\bco-?plan", "Co-Planning"),
    (r"\bco-?teach|\bmodel(ed|led|ing|ling)? lesson|\bmodel(l)?ing\b", "Modeling or Co-teaching"),
    (r"\bplc\b|\bprofessional development\b|\bpd\b|\bworkshop\b", "Facilitation of Professional Development"),
    (r"\bgoal[- ]setting\b|\bset goals?\b", "Goal Setting"),
    (r"\bdata (meeting|analysis|dive|review)\b", "Data Analysis"),
    (r"\bcoaching cycle\b|\bimpact cycle\b|\bdebrief", "Coaching Cycles"),
    (r"\bcurriculum\b", "Curriculum Work"),
    (r"\btech(nical|nology)? training\b", "Technical Training"),
    (r"\bsubstitut|\bsubbing\b", "Substituting"),
]
# Other words for the built-in focus areas; any focus area is also found by its own name.
FOCUS_KEYWORDS: dict[str, str] = {
    "Math": r"\bmath(s|ematics)?\b|\bnumber sense\b",
    "Literacy": r"\bliteracy\b|\breading\b|\bwriting\b|\bela\b|\bphonics\b",
    "Science": r"\bscience\b|\bstem\b",
    "Social-emotional learning": r"\bsel\b|\bsocial[- ]emotional\b",
    "Technology integration": r"\btech(nology)? integration\b|\bedtech\b",
    "Assessment & data": r"\bassessments?\b",
    "Classroom management": r"\bclassroom management\b|\bbehaviou?r\b",
}
VIRTUAL = re.compile(r"zoom\.us|teams\.microsoft|meet\.google|microsoft teams|webex|\bvirtual\b|\bonline\b", re.I)
DISTRICT_SUFFIX = re.compile(r"\s+(c?u?sd|isd|usd|cusd|school district|public schools|schools|district)\b.*$", re.I)


def _contains(text: str, name: str) -> bool:
    name = name.strip().lower()
    return len(name) >= 3 and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) is not None


def district_short_name(name: str) -> str:
    """ "Maple Grove CUSD 5" → "maple grove": how a calendar title usually names a district."""
    return DISTRICT_SUFFIX.sub("", name.strip().lower()).strip()


@dataclass
class Match:
    district: District | None = None
    school: School | None = None
    teachers: list[Teacher] = field(default_factory=list)
    unmatched_emails: list[str] = field(default_factory=list)
    activity: Activity | None = None
    focus_area: FocusArea | None = None
    format: str = Format.IN_PERSON


class Matcher:
    """Matches events for one coach, from lookups loaded once (the districts the coach logs for,
    their schools, the roster teachers whose addresses the file names, the coach's activities and
    focus areas), so a file of any length costs the same few queries."""

    def __init__(
        self,
        *,
        districts: Iterable[District],
        schools: Iterable[School],
        teachers: Iterable[Teacher],
        activities: Iterable[Activity],
        focus_areas: Iterable[FocusArea],
        own_email: str,
    ) -> None:
        self.districts = list(districts)
        by_id = {d.pk: d for d in self.districts}
        # Longest names first, so "Lincoln Middle School" wins over "Lincoln".
        self.schools = sorted((s for s in schools if s.district_id in by_id), key=lambda s: -len(s.name))
        self.district_of = by_id
        self.teachers: dict[tuple[int, str], Teacher] = {(t.district_id, t.email.lower()): t for t in teachers}
        self.activities = {a.name.lower(): a for a in activities}
        self.focus_areas = list(focus_areas)
        self.own_email = own_email.strip().lower()

    def _district(self, text: str, emails: list[str]) -> tuple[District | None, School | None]:
        schools = [s for s in self.schools if _contains(text, s.name)]
        school_districts = {s.district_id for s in schools}
        if len(school_districts) == 1:
            district = self.district_of[schools[0].district_id]
            return district, schools[0] if len(schools) == 1 else None
        if len(school_districts) > 1:
            return None, None
        named = [d for d in self.districts if _contains(text, d.name) or _contains(text, district_short_name(d.name))]
        if len(named) == 1:
            return named[0], None
        if len(named) > 1:
            return None, None
        by_attendees = {d for d in self.districts for e in emails if (d.pk, e) in self.teachers}
        if len(by_attendees) == 1:
            return by_attendees.pop(), None
        if not by_attendees and len(self.districts) == 1:
            return self.districts[0], None  # the coach's only district
        return None, None

    def _activity(self, title: str) -> Activity | None:
        names = {name for pattern, name in ACTIVITY_KEYWORDS if re.search(pattern, title)}
        names |= {a for a in self.activities if _contains(title, a)}
        found = {self.activities[n.lower()] for n in names if n.lower() in self.activities}
        return found.pop() if len(found) == 1 else None

    def _focus_area(self, title: str) -> FocusArea | None:
        found = [
            f for f in self.focus_areas
            if _contains(title, f.name) or (f.name in FOCUS_KEYWORDS and re.search(FOCUS_KEYWORDS[f.name], title))
        ]  # fmt: skip
        return found[0] if len(found) == 1 else None

    def match(self, *, title: str, location: str, description: str, attendees: Iterable[str]) -> Match:
        title_l = title.lower()
        emails = list(dict.fromkeys(e.lower() for e in attendees if e and e.lower() != self.own_email))
        district, school = self._district(f"{title_l} {location.lower()}", emails)
        teachers: list[Teacher] = []
        unmatched: list[str] = []
        for email in emails:
            teacher = self.teachers.get((district.pk, email)) if district is not None else None
            if teacher is not None:
                teachers.append(teacher)
            else:
                unmatched.append(email)
        virtual = VIRTUAL.search(location) or VIRTUAL.search(description[:2000])
        return Match(
            district=district,
            school=school,
            teachers=teachers,
            unmatched_emails=unmatched,
            activity=self._activity(title_l),
            focus_area=self._focus_area(title_l),
            format=Format.VIRTUAL if virtual else Format.IN_PERSON,
        )
