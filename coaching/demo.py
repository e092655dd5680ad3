"""A demo program: three districts, two coaches, a term of logged time, and its months closed (the
past ones approved, a couple waiting, one returned with a note). Safe to load twice."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from teachers.models import District, GradeBand, Role, School, Teacher, User
from toolkit.schoolyear import school_year_of

from .models import (
    Activity,
    ActivityKind,
    Coach,
    CoachMonth,
    Contract,
    FocusArea,
    Format,
    LogEntry,
    MonthStatus,
    Program,
)

# Bandit B105: the published password of the demo accounts.
DEMO_PASSWORD = "fulcrum-demo-2026"  # nosec B105
# Sent by `load_demo` once every app below has loaded its demo (keyword argument `today`), so an app
# above them (program statements) adds its part without those apps importing it.
demo_loaded = Signal()

DISTRICTS = {
    "Maple Grove CUSD 5": ["Maple Grove Elementary", "Maple Grove Middle School", "Maple Grove High School"],
    "Riverbend SD 12": ["Riverbend Primary", "Riverbend Intermediate", "Riverbend Junior High"],
    "Cedar Falls CSD 3": ["Cedar Falls Elementary", "Cedar Falls High School"],
}
FIRST = ["Ava", "Ben", "Carla", "Dev", "Elena", "Finn", "Grace", "Hiro", "Imani", "Jonah", "Kira", "Luis", "Maya",
         "Noah", "Olive", "Priya", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Victor", "Wren", "Yusuf", "Zoe"]  # fmt: skip
LAST = ["Alvarez", "Brooks", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Hughes", "Ibrahim", "Jensen", "Kowalski",
        "Lopez", "Murphy", "Nguyen", "Okafor", "Patel", "Quist", "Rossi", "Schmidt", "Tanaka", "Usman", "Vargas",
        "Walsh", "Young", "Zimmer"]  # fmt: skip
SUBJECTS = ["Math", "ELA", "Science", "Social Studies", "Art", "Music", "PE", "Special Education", ""]


@dataclass
class DemoPerson:
    username: str
    role: str
    first_name: str
    last_name: str


PEOPLE = [
    DemoPerson("coach", Role.COACH, "Casey", "Rivera"),
    DemoPerson("coach2", Role.COACH, "Jordan", "Lee"),
    DemoPerson("coach3", Role.COACH, "Sam", "Ortiz"),
    DemoPerson("coach4", Role.COACH, "Priya", "Shah"),
    DemoPerson("director", Role.PROGRAM_DIRECTOR, "Dana", "Whitfield"),
    DemoPerson("admin.maple", Role.DISTRICT_ADMIN, "Morgan", "Hale"),
    DemoPerson("admin.riverbend", Role.DISTRICT_ADMIN, "Riley", "Stone"),
    DemoPerson("teacher", Role.TEACHER, "Ava", "Alvarez"),
]


def _user(person: DemoPerson) -> User:
    user, created = User.objects.get_or_create(
        username=person.username,
        defaults={
            "role": person.role,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "email": f"{person.username}@demo.fulcrum.invalid",
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _grade_band(school: str, rng: random.Random) -> str:
    if "High" in school:
        return GradeBand.G912
    if "Middle" in school or "Junior" in school:
        return GradeBand.G68
    return rng.choice([GradeBand.K2, GradeBand.K2, GradeBand.G35, GradeBand.G35, GradeBand.PK])


@transaction.atomic
def load_demo(*, today: dt.date) -> dict[str, int]:
    """Create the demo program if it is missing; returns how many rows of each kind exist."""
    # Bandit B311: reproducible demo data, not secrets.
    rng = random.Random(2026)  # nosec B311
    users = {person.username: _user(person) for person in PEOPLE}
    if not User.objects.filter(username="siteadmin").exists():
        User.objects.create_superuser(
            "siteadmin", "siteadmin@demo.fulcrum.invalid", DEMO_PASSWORD, role=Role.SITE_ADMIN,
            first_name="Site", last_name="Admin",
        )  # fmt: skip
    program, _ = Program.objects.get_or_create(name="Prairie Regional Learning Center")
    program.directors.add(users["director"])

    districts: dict[str, District] = {}
    for district_name, school_names in DISTRICTS.items():
        district, _ = District.objects.get_or_create(name=district_name)
        districts[district_name] = district
        for school_name in school_names:
            school, _ = School.objects.get_or_create(district=district, name=school_name)
            for i in range(14):
                first, last = FIRST[(i * 7 + len(school_name)) % 25], LAST[(i * 3 + len(school_name)) % 25]
                slug = f"{first}.{last}".lower()
                Teacher.objects.get_or_create(
                    district=district,
                    email=f"{slug}.{school.pk}@{district_name.split()[0].lower()}.demo.invalid",
                    defaults={
                        "school": school,
                        "first_name": first,
                        "last_name": last,
                        "grade_band": _grade_band(school_name, rng),
                        "subject": SUBJECTS[(i + len(school_name)) % len(SUBJECTS)],
                    },
                )
    users["admin.maple"].administered_districts.add(districts["Maple Grove CUSD 5"])
    users["admin.riverbend"].administered_districts.add(districts["Riverbend SD 12"])
    ava = Teacher.objects.filter(district=districts["Maple Grove CUSD 5"], first_name="Ava").order_by("pk").first()
    if ava is not None and ava.user_id is None and not Teacher.objects.filter(user=users["teacher"]).exists():
        ava.user = users["teacher"]
        ava.save(update_fields=["user"])
    # The demo teacher has one name everywhere: her roster row's is her account's.
    teacher = users["teacher"]
    Teacher.objects.filter(user=teacher).update(first_name=teacher.first_name, last_name=teacher.last_name)

    casey, _ = Coach.objects.get_or_create(user=users["coach"], defaults={"program": program})
    jordan, _ = Coach.objects.get_or_create(user=users["coach2"], defaults={"program": program})
    sam, _ = Coach.objects.get_or_create(user=users["coach3"], defaults={"program": program})
    priya, _ = Coach.objects.get_or_create(user=users["coach4"], defaults={"program": program})
    year = school_year_of(today)
    # Every demo coach serves a district this year (Sam and Priya have logged nothing yet).
    plan = [
        ("Maple Grove CUSD 5", 60, Decimal("425.00"), [casey, priya]),
        ("Riverbend SD 12", 90, Decimal("425.00"), [casey, jordan]),
        ("Cedar Falls CSD 3", 40, Decimal("450.00"), [jordan, sam]),
    ]
    for district_name, days, rate, coaches in plan:
        contract, _ = Contract.objects.get_or_create(
            program=program,
            district=districts[district_name],
            school_year=year,
            defaults={"contracted_days": days, "daily_rate": rate},
        )
        contract.coaches.add(*coaches)

    weekly_plan = {
        casey: ["Maple Grove CUSD 5", "Maple Grove CUSD 5", "Riverbend SD 12", "Maple Grove CUSD 5", "Riverbend SD 12"],
        jordan: ["Cedar Falls CSD 3", "Riverbend SD 12", "Riverbend SD 12", "Cedar Falls CSD 3", "Riverbend SD 12"],
    }
    for coach, weekdays in weekly_plan.items():
        if not LogEntry.objects.filter(coach=coach).exists():
            _log_term(coach, {i: districts[name] for i, name in enumerate(weekdays)}, today=today, rng=rng)
    _close_months(casey, director=users["director"], today=today, returned=False)
    _close_months(jordan, director=users["director"], today=today, returned=True)
    return {
        "districts": District.objects.count(),
        "schools": School.objects.count(),
        "teachers": Teacher.objects.count(),
        "entries": LogEntry.objects.count(),
    }


RETURN_NOTE = "Please check the activities of your Riverbend visits against the cycle calendar, then submit again."


# The PD session and coach-group meetings of the other demos are logged within the last four weeks,
# through the time log's rules: a month that ended less than this long ago is left editable.
RECENT_DAYS = 28


def _close_months(coach: Coach, *, director: User, today: dt.date, returned: bool) -> None:
    """The coach's past months with entries: older ones approved, the last that ended over
    RECENT_DAYS ago submitted and waiting; a month that ended since is returned with a note
    (when `returned`) or left open. The current month stays open."""
    current = today.replace(day=1)
    months = sorted({d.replace(day=1) for d in LogEntry.objects.filter(coach=coach, date__lt=current)
                     .values_list("date", flat=True)})  # fmt: skip
    settled = today - dt.timedelta(days=RECENT_DAYS)
    closable = [m for m in months if (m.replace(day=28) + dt.timedelta(days=4)).replace(day=1) <= settled]
    plan: dict[dt.date, str] = dict.fromkeys(closable[:-1], MonthStatus.APPROVED)
    if closable:
        plan[closable[-1]] = MonthStatus.SUBMITTED
    recent = [m for m in months if m not in plan]
    if returned and recent:
        plan[recent[-1]] = MonthStatus.RETURNED
    elif returned and closable:
        plan[closable[-1]] = MonthStatus.RETURNED
    now = timezone.now()
    for month, status in plan.items():
        decided = status != MonthStatus.SUBMITTED
        CoachMonth.objects.get_or_create(
            coach=coach,
            month=month,
            defaults={
                "status": status,
                "submitted_at": now,
                "decided_at": now if decided else None,
                "decided_by": director if decided else None,
                "note": RETURN_NOTE if status == MonthStatus.RETURNED else "",
            },
        )


def _log_term(coach: Coach, district_by_weekday: dict[int, District], *, today: dt.date, rng: random.Random) -> None:
    """A believable term of entries from mid-August (or twelve weeks back) to today."""
    coaching = list(Activity.objects.filter(program=None, kind=ActivityKind.COACHING))
    weights = [9 if a.name in ("Coaching Cycles", "Informal Coaching", "Co-Planning") else 3 for a in coaching]
    duties = list(Activity.objects.filter(program=None, kind=ActivityKind.NON_COACHING))
    focus = list(FocusArea.objects.filter(program=None))
    focus_weights = [8, 4, 4, 2, 2, 3, 2, 3, 2, 2][: len(focus)]
    start = max(dt.date(school_year_of(today), 8, 17), today - dt.timedelta(weeks=12))
    rosters = {
        d.pk: list(Teacher.objects.filter(district=d).select_related("school")) for d in district_by_weekday.values()
    }
    entries: list[LogEntry] = []
    teacher_links: list[tuple[int, list[Teacher]]] = []
    day = start
    while day <= today:
        if day.weekday() < 5 and rng.random() < 0.85:
            district = district_by_weekday[day.weekday()]
            clock = dt.datetime.combine(day, dt.time(7, 45))
            half_day = rng.random() < 0.15
            blocks = rng.randint(2, 3) if half_day else rng.randint(4, 6)
            for _ in range(blocks):
                minutes = rng.choice([30, 45, 45, 60, 60, 75, 90])
                if rng.random() < 0.08:
                    activity, focus_area = rng.choice(duties), None
                else:
                    activity = rng.choices(coaching, weights)[0]
                    focus_area = rng.choices(focus, focus_weights)[0]
                roster = rosters[district.pk]
                school = rng.choice(roster).school if roster else None
                people = [t for t in roster if t.school_id == (school.pk if school else None)]
                chosen = rng.sample(people, k=min(len(people), rng.choice([0, 1, 1, 1, 2, 3])))
                entries.append(
                    LogEntry(
                        coach=coach,
                        program_id=coach.program_id,
                        date=day,
                        school_year=school_year_of(day),
                        minutes=minutes,
                        start_time=clock.time(),
                        end_time=(clock + dt.timedelta(minutes=minutes)).time(),
                        district=district,
                        school=school,
                        activity=activity,
                        focus_area=focus_area,
                        format=Format.VIRTUAL if rng.random() < 0.15 else Format.IN_PERSON,
                    )
                )
                teacher_links.append((len(entries) - 1, chosen))
                clock += dt.timedelta(minutes=minutes + rng.choice([0, 15, 15, 30]))
        day += dt.timedelta(days=1)
    LogEntry.objects.bulk_create(entries, batch_size=500)
    through = LogEntry.teachers.through
    through.objects.bulk_create(
        [through(logentry_id=entries[i].pk, teacher_id=t.pk) for i, chosen in teacher_links for t in chosen],
        batch_size=1000,
    )
