"""Measure bringing history in: a 20,000-line program-wide file, read, checked and imported.

    python manage.py bench_history_import [--lines 20000] [--coaches 20]

It seeds a small bench-style program (districts, schools, teachers, coaches, contracts for this
school year and the last, all named "Bench History …"), writes a CSV of `--lines` rows (one to
three teachers each, a few blocks a day per coach, some activity names the program does not know,
mapped as the preview would map them), and prints the time to read the file, to check it (every
rule, in memory), to import it (checked again under the lock, then bulk inserts) and to preview
the same file again (every row already imported). Everything runs in one transaction that is
rolled back at the end, so the database is left as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from coaching.history import history_check, history_import, history_read, history_upload_save
from coaching.models import Activity, Coach, Contract, LogEntry, Program
from teachers.models import District, Role, School, Teacher, User
from toolkit.schoolyear import school_year_of

UNKNOWN_NAME = "Coaching cycle mtg (old system)"


class Command(BaseCommand):
    help = "Time reading, checking and importing a 20,000-line history file (rolled back afterwards)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lines", type=int, default=20_000)
        parser.add_argument("--coaches", type=int, default=20)

    def handle(self, *args: Any, **options: Any) -> None:
        lines: int = options["lines"]
        coach_count: int = options["coaches"]
        with transaction.atomic():
            director, coaches, data = self._seed(lines, coach_count)
            self._measure(director, coaches, data, lines)
            transaction.set_rollback(True)
        self.stdout.write("rolled back: the database is as it was")

    def _seed(self, lines: int, coach_count: int) -> tuple[User, list[Coach], bytes]:
        today = timezone.localdate()
        program = Program.objects.create(name="Bench History Program")
        director = User.objects.create(username="bench_history_director", role=Role.PROGRAM_DIRECTOR)
        program.directors.add(director)
        districts = District.objects.bulk_create(District(name=f"Bench History District {i}") for i in range(5))
        schools = School.objects.bulk_create(
            School(district=d, name=f"Bench History School {d.pk}-{j}") for d in districts for j in range(4)
        )
        teachers = Teacher.objects.bulk_create(
            Teacher(district_id=s.district_id, school=s, first_name="T", last_name=f"{s.pk}-{k}",
                    email=f"bench.history.{s.pk}.{k}@example.org", grade_band="K-2")
            for s in schools for k in range(25)
        )  # fmt: skip
        users = User.objects.bulk_create(
            User(username=f"bench_history_coach_{i}", email=f"bench.history.coach{i}@example.org", role=Role.COACH)
            for i in range(coach_count)
        )
        coaches = Coach.objects.bulk_create(Coach(user=u, program=program) for u in users)
        year = school_year_of(today)
        Contract.objects.bulk_create(
            Contract(program=program, district=d, school_year=y, contracted_days=120, daily_rate=Decimal(400))
            for d in districts for y in (year - 1, year)
        )  # fmt: skip
        earliest = dt.date(year - 1, 7, 1)
        by_district: dict[int, list[Teacher]] = {}
        for teacher in teachers:
            by_district.setdefault(teacher.district_id, []).append(teacher)
        school_of = {s.pk: s for s in schools}
        activities = ["Coaching Cycles", "Modeling", "Co-Teaching", UNKNOWN_NAME]
        known = set(Activity.objects.filter(program=None, name__in=activities).values_list("name", flat=True))
        activities = [a for a in activities if a in known or a == UNKNOWN_NAME]
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["date", "minutes", "district", "school", "activity", "focus_area", "teacher_emails", "notes",
                         "coach_email"])  # fmt: skip
        span = (today - earliest).days
        for n in range(lines):
            coach, k = users[n % coach_count], n // coach_count
            day = today - dt.timedelta(days=(k // 3) % span)
            district = districts[(n // 7) % len(districts)]
            pool = by_district[district.pk]
            chosen = [pool[(n + i * 11) % len(pool)] for i in range(1 + n % 3)]
            school = school_of[chosen[0].school_id]
            writer.writerow([day.isoformat(), 30 + 15 * (n % 3), district.name, school.name,
                             activities[n % len(activities)], "Technology integration",
                             "; ".join(t.email for t in chosen), f'Bench note {n}, "quoted"', coach.email])  # fmt: skip
        return director, coaches, out.getvalue().encode()

    def _measure(self, director: User, coaches: list[Coach], data: bytes, lines: int) -> None:
        out = self.stdout.write
        out(f"file: {lines:,} lines, {len(data) / 1024 / 1024:.1f} MB, {len(coaches)} coaches")
        started = time.perf_counter()
        rows = history_read(data, program_wide=True)
        read = time.perf_counter() - started
        coach_rows = list(Coach.objects.filter(pk__in=[c.pk for c in coaches]).select_related("user"))
        started = time.perf_counter()
        check = history_check(rows=rows, coaches=coach_rows, program_wide=True)
        checked = time.perf_counter() - started
        if check.errors:
            raise SystemExit(f"the bench file has errors: {[str(e) for e in check.errors[:5]]}")
        mapping = {name.lower(): Activity.objects.get(program=None, name="Coaching Cycles").pk
                   for name in check.unknown_activities}  # fmt: skip
        upload = history_upload_save(owner=director, program_wide=True, filename="bench.csv", rows=rows)
        started = time.perf_counter()
        result = history_import(upload=upload, coaches=coach_rows, mapping=mapping)
        imported = time.perf_counter() - started
        started = time.perf_counter()
        again = history_check(rows=rows, coaches=coach_rows, program_wide=True, mapping=mapping)
        rechecked = time.perf_counter() - started
        links = LogEntry.teachers.through.objects.filter(logentry__coach__in=coach_rows).count()
        out(f"read (decode, CSV):                      {read * 1000:8.0f} ms")
        out(f"check (every rule, in memory):           {checked * 1000:8.0f} ms")
        out(f"import (checked again, bulk inserts):    {imported * 1000:8.0f} ms  "
            f"({result.created:,} entries, {links:,} teacher links)")  # fmt: skip
        out(f"preview again (all already imported):    {rechecked * 1000:8.0f} ms  "
            f"({again.already_imported:,} already imported, {len(again.planned)} new)")  # fmt: skip
        out(f"total, upload to imported:               {(read + checked + imported):8.2f} s")
