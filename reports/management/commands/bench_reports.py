"""Seed a state-network data set into PostgreSQL and measure the time-use reports.

    make bench            # or: python manage.py bench_reports

It prints: seed time; report build time for one district-year, one program-year and the whole
data set; the same aggregate as one raw SQL GROUP BY, timed in the same run, and the ratio;
the dashboard's median and p95 over 50 requests from a snapshot, and its query count.
Everything it seeds is named "Bench …", and it refuses a database holding anything else.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
import statistics
import time
from typing import Any

from django.apps import apps as django_apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coaching.models import Activity, Coach, Contract, FocusArea, LogEntry, Program
from coaching.schoolyear import school_year_of
from reports.builder import build_figures
from reports.models import ScopeKind
from reports.scopes import Period, Scope
from reports.services import report_request
from teachers.models import District, Role, School, Teacher, User

# Bandit B105: a throwaway account in a throwaway database.
PASSWORD = "bench-only-password"  # noqa: S105  # nosec B105


class Command(BaseCommand):
    help = "Seed a state-network data set (PostgreSQL) and print report and dashboard timings."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--programs", type=int, default=10)
        parser.add_argument("--districts", type=int, default=50)
        parser.add_argument("--schools", type=int, default=200)
        parser.add_argument("--teachers", type=int, default=8000)
        parser.add_argument("--coaches", type=int, default=300)
        parser.add_argument("--years", type=int, default=5)
        parser.add_argument("--entries-per-day", type=float, default=10.8, help="average entries per coach-day")
        parser.add_argument("--requests", type=int, default=50, help="dashboard requests to time")
        parser.add_argument("--reseed", action="store_true", help="drop the bench data and seed it again")

    def handle(self, *args: Any, **o: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark needs PostgreSQL: set DATABASE_URL (see `make bench`).")
        foreign = District.objects.exclude(name__startswith="Bench ").exists()
        if foreign:
            raise CommandError("This database holds non-benchmark districts; point DATABASE_URL at an empty one.")
        if o["reseed"]:
            self._wipe()
        if not LogEntry.objects.exists():
            started = time.perf_counter()
            self._seed(o)
            self.stdout.write(f"seed: {time.perf_counter() - started:.1f} s")
        entries = LogEntry.objects.count()
        self.stdout.write(
            f"data: {Program.objects.count()} programs, {District.objects.count()} districts, "
            f"{School.objects.count()} schools, {Teacher.objects.count()} teachers, {Coach.objects.count()} coaches, "
            f"{entries:,} log entries, {LogEntry.teachers.through.objects.count():,} teacher links"
        )
        self._measure(o)

    # ------------------------------------------------------------------ seeding

    def _wipe(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE reports_reportrun, reports_snapshot, coaching_logentry_teachers, coaching_logentry, "
                "coaching_contract_coaches, coaching_contract, coaching_coach, coaching_program_directors, "
                "coaching_program, teachers_teacher, teachers_school, teachers_user_administered_districts, "
                "teachers_district CASCADE"
            )
        User.objects.filter(username__startswith="bench").delete()
        # CASCADE from programs empties the activity and focus-area lists too: put the built-ins back.
        for name in ("0002_fill_activities_and_focus_areas", "0004_fill_coach_learning_activities"):
            importlib.import_module(f"coaching.migrations.{name}").fill(django_apps, None)

    @transaction.atomic
    def _seed(self, o: dict[str, Any]) -> None:
        # Bandit B311: reproducible benchmark data, not secrets.
        rng = random.Random(5)  # noqa: S311  # nosec B311
        today = timezone.localdate()
        programs = Program.objects.bulk_create(Program(name=f"Bench Program {i:02d}") for i in range(o["programs"]))
        districts = District.objects.bulk_create(
            District(name=f"Bench District {i:03d}") for i in range(o["districts"])
        )
        schools = School.objects.bulk_create(
            School(district=districts[i % len(districts)], name=f"Bench School {i:03d}") for i in range(o["schools"])
        )
        teachers = Teacher.objects.bulk_create(
            (Teacher(district_id=schools[i % len(schools)].district_id, school=schools[i % len(schools)],
                     first_name=f"T{i}", last_name="Bench", email=f"t{i}@bench.invalid", grade_band="K-2")
             for i in range(o["teachers"])), batch_size=2000,
        )  # fmt: skip
        users = User.objects.bulk_create(
            User(username=f"bench.coach{i:03d}", role=Role.COACH, first_name="Coach", last_name=f"{i:03d}")
            for i in range(o["coaches"])
        )
        coaches = Coach.objects.bulk_create(
            Coach(user=u, program=programs[i % len(programs)]) for i, u in enumerate(users)
        )
        director = User.objects.create_user("bench.director", password=PASSWORD, role=Role.PROGRAM_DIRECTOR)
        programs[0].directors.add(director)
        admin = User.objects.create_user("bench.admin", password=PASSWORD, role=Role.DISTRICT_ADMIN)
        admin.administered_districts.add(districts[0])
        first_year = school_year_of(today) - o["years"] + 1
        Contract.objects.bulk_create(
            Contract(program=programs[i % len(programs)], district=d, school_year=y, contracted_days=170,
                     daily_rate=425)
            for i, d in enumerate(districts) for y in range(first_year, first_year + o["years"])
        )  # fmt: skip
        activities = list(Activity.objects.filter(program=None))
        weights = [1 if a.kind == "non_coaching" else 6 for a in activities]
        focus = list(FocusArea.objects.filter(program=None))
        by_program_districts = {p.pk: [d for i, d in enumerate(districts) if i % len(programs) == j]
                                for j, p in enumerate(programs)}  # fmt: skip
        school_by_district: dict[int, list[School]] = {}
        for s in schools:
            school_by_district.setdefault(s.district_id, []).append(s)
        teacher_by_school: dict[int, list[int]] = {}
        for t in teachers:
            teacher_by_school.setdefault(t.school_id, []).append(t.pk)

        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence('coaching_logentry', 'id'))")
            next_id = cursor.fetchone()[0]
        entry_columns = ("id", "coach_id", "program_id", "date", "school_year", "minutes", "district_id", "school_id",
                         "activity_id", "focus_area_id", "format", "notes", "created_at", "updated_at")  # fmt: skip
        now = timezone.now()
        links: list[tuple[int, int]] = []
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY coaching_logentry ({', '.join(entry_columns)}) FROM STDIN") as copy,
        ):
            for coach in coaches:
                served = by_program_districts[coach.program_id]
                for year in range(first_year, first_year + o["years"]):
                    day = dt.date(year, 8, 20)
                    end = min(dt.date(year + 1, 6, 5), today)
                    while day <= end:
                        if day.weekday() < 5 and rng.random() < 0.86:
                            district = served[day.toordinal() % len(served)]
                            blocks = max(1, round(rng.gauss(o["entries_per_day"], 1.5)))
                            for _ in range(min(blocks, 14)):
                                activity = rng.choices(activities, weights)[0]
                                school = rng.choice(school_by_district[district.pk])
                                copy.write_row((
                                    next_id, coach.pk, coach.program_id, day, year,
                                    rng.choice((30, 45, 60, 60, 75, 90)), district.pk, school.pk, activity.pk,
                                    None if activity.kind == "non_coaching" else rng.choice(focus).pk,
                                    "in_person", "", now, now,
                                ))  # fmt: skip
                                if rng.random() < 0.8:
                                    links.append((next_id, rng.choice(teacher_by_school[school.pk])))
                                next_id += 1
                        day += dt.timedelta(days=1)
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence('coaching_logentry', 'id'), %s)", [next_id])
            with cursor.cursor.copy("COPY coaching_logentry_teachers (logentry_id, teacher_id) FROM STDIN") as copy:
                for link in links:
                    copy.write_row(link)
            cursor.execute("ANALYZE")

    # ------------------------------------------------------------------ measuring

    def _time(self, fn: Any, repeat: int = 3) -> tuple[float, Any]:
        """Best of a few runs, in seconds (the first run also warms the caches)."""
        best, result = float("inf"), None
        for _ in range(repeat):
            started = time.perf_counter()
            result = fn()
            best = min(best, time.perf_counter() - started)
        return best, result

    def _measure(self, o: dict[str, Any]) -> None:
        today = timezone.localdate()
        first = LogEntry.objects.order_by("date").values_list("date", flat=True).first()
        # The last complete school year when there is one, else the current one.
        last_complete = Period.school_year(school_year_of(today) - 1)
        year = last_complete if first <= last_complete.start else Period.school_year(school_year_of(today))
        district = District.objects.order_by("pk").first()
        program = Program.objects.order_by("pk").first()
        everything = Period.custom(first, today)
        cases = [
            ("district-year", Scope(ScopeKind.DISTRICT, district.pk, district.name), year),
            ("program-year", Scope(ScopeKind.PROGRAM, program.pk, program.name), year),
            ("whole data set", Scope(ScopeKind.ALL, 0, "all"), everything),
        ]
        self.stdout.write("\nreport builds (best of 3; every figure of the report):")
        for label, scope, period in cases:
            seconds, figures = self._time(lambda s=scope, p=period: build_figures(s, p, today=today))
            self.stdout.write(f"  {label:<15} {seconds * 1000:8.0f} ms   ({figures['entries']:,} entries)")

        scope, period = cases[1][1], cases[1][2]
        orm_s, _ = self._time(
            lambda: list(
                LogEntry.objects.filter(coach__program_id=scope.pk, date__range=(period.start, period.end))
                .values("activity__name", "activity__kind", "activity__balance")
                .annotate(minutes=Sum("minutes"))
            ),
            repeat=5,
        )
        sql = (
            "SELECT a.name, a.kind, a.balance, SUM(e.minutes) FROM coaching_logentry e "
            "JOIN coaching_coach c ON c.id = e.coach_id JOIN coaching_activity a ON a.id = e.activity_id "
            "WHERE c.program_id = %s AND e.date BETWEEN %s AND %s GROUP BY a.name, a.kind, a.balance"
        )

        def raw() -> list[Any]:
            with connection.cursor() as cursor:
                cursor.execute(sql, [scope.pk, period.start, period.end])
                return cursor.fetchall()

        raw_s, _ = self._time(raw, repeat=5)
        self.stdout.write(
            f"\nprogram-year time by activity: ORM {orm_s * 1000:.1f} ms, raw SQL GROUP BY {raw_s * 1000:.1f} ms, "
            f"ratio {orm_s / raw_s:.2f}"
        )
        build_s, _ = self._time(lambda: build_figures(scope, period, today=today))
        self.stdout.write(f"program-year whole report vs that one raw GROUP BY: ratio {build_s / raw_s:.1f}")

        report_request(scope=scope, period=period, by=None)  # a snapshot for the dashboard
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username="bench.director"))
        url = f"/reports/?scope={scope.key}&period={period.key}"
        # Bandit B101: a benchmark sanity check.
        assert client.get(url).status_code == 200  # noqa: S101  # nosec B101
        timings = []
        for _ in range(o["requests"]):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        timings.sort()
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
        self.stdout.write(
            f"\ndashboard from a snapshot ({o['requests']} requests): median {statistics.median(timings):.1f} ms, "
            f"p95 {p95:.1f} ms, {len(queries.captured_queries)} queries"
        )
