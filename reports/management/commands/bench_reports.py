"""Seed a state-network data set into PostgreSQL and measure the time-use reports.

    make bench            # or: python manage.py bench_reports [--runs 5] [--scale 4] [--requests 200]

Every comparison runs its sides interleaved (A, B, A, B, ...) after one warm-up of each, so
drift in the machine hits all of them, and prints medians. It prints:

0. the data set (and the seed time when it seeds; a VACUUM, once, when the entries are not as
   autovacuum would leave them); the program-year snapshot the dashboard shows, built with
   `reports.services.report_request`;
1. the report builder (`build_figures`) against hand-written SQL carried here, for the same
   figures. It first checks that both give the same total and entries, minutes per activity,
   focus area, school, coach and month (by side), minutes and service dates per district and
   program, teachers reached, cycles, goals, PD, and contract days used per contract (in the
   period, to date and by month), and fails if not; then the median time of each and the
   ratio, for the last complete school year of one district and of one program (5 runs) and
   for the whole data set (3 runs). Where the builder is over 1.3x: each of its statements
   alone and an EXPLAIN (ANALYZE, BUFFERS) summary of each;
2. scale: a district-year built at 1x rows, with 4x the year's rows in the district's history
   (copies of the year in earlier school years) and with 4x rows in the year itself (four
   districts' year in one), and the ratios to 1x. The copies are made once, with INSERT ...
   SELECT, in districts named "Bench Scale <year> ..." and a program "Bench Scale Program"
   (a second run finds them and copies nothing; `--drop-scale` removes them; `--scale 0`
   skips the step);
3. gunicorn on 127.0.0.1 (two workers, started and stopped here): 200 GETs of the dashboard
   (the program-year snapshot) and 200 of `/healthz`, interleaved, both signed in as the
   bench director and so through the same middleware stack: median and p95 of each and the
   p95 ratio. A fixed request count, a 30 s socket timeout and an overall bound;
4. the dashboard from that snapshot in-process (Django's test client): median, p95 and query
   count, and its slowest query.

Everything it seeds is named "Bench …", and it refuses a database holding anything else.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import math
import os
import random
import re
import statistics

# Bandit B404: subprocess starts gunicorn on loopback, with a fixed command line.
import subprocess  # nosec B404
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.apps import apps as django_apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coaching.management.commands.load_test import HOST, Session, _free_port, wait_for_port
from coaching.models import HALF_DAY_MINUTES, Activity, Coach, Contract, FocusArea, LogEntry, Program
from reports import builder
from reports.builder import build_figures
from reports.models import RunStatus, ScopeKind
from reports.scopes import Period, Scope
from reports.services import report_request, snapshot_for
from teachers.models import District, Role, School, Teacher, User
from toolkit.schoolyear import school_year_label, school_year_of

# Bandit B105: a throwaway account in a throwaway database.
PASSWORD = "bench-only-password"  # noqa: S105  # nosec B105
WORK_MEM = "64MB"  # what the builder gives its transaction; the hand-written SQL gets the same
SCALE_PREFIX = "Bench Scale "
SCALE_PROGRAM = "Bench Scale Program"
BUILDER_TARGET, SCALE_TARGET, HTTP_TARGET = 1.3, 1.2, 2.0
MAX_RUNS = 100  # a bound on every timing loop, whatever the options say
MAX_REQUESTS = 5000

Timed = Callable[[], object]


# ---------------------------------------------------------------------- the hand-written SQL

# The keys of the one GROUPING SETS read, in GROUPING() order, and the sets over them.
HAND_KEYS = ("activity_id", "focus_area_id", "school_id", "coach_id", "district_id", "program_id", "school_year",
             "date", "month")  # fmt: skip
HAND_SETS = {
    "activity": ("activity_id",),
    "focus": ("focus_area_id",),
    "school": ("school_id",),
    "coach": ("coach_id",),
    "month": ("month", "activity_id"),
    # One coach's service to one district for one program on one date: service dates and
    # contract days (the half-day rule) are both counted from these rows.
    "day": ("coach_id", "district_id", "program_id", "school_year", "date"),
}


def _hand_mask(keys: tuple[str, ...]) -> int:
    """What GROUPING(every key) is on the rows of the set grouped by `keys`."""
    return sum(1 << (len(HAND_KEYS) - 1 - i) for i, key in enumerate(HAND_KEYS) if key not in keys)


def _hand_scope(scope: Scope, alias: str) -> tuple[str, str, str]:
    """The scope's filter on entries, on cycles and on PD sessions (fixed text; values are
    parameters)."""
    kind = ScopeKind(scope.kind)
    if kind == ScopeKind.DISTRICT:
        entry, cycle, pd = f"{alias}.district_id = %(pk)s", "cy.district_id = %(pk)s", "pd.district_id = %(pk)s"
        if scope.program:
            entry += f" AND {alias}.program_id = %(program)s"
            cycle += " AND cy.coach_id IN (SELECT id FROM coaching_coach WHERE program_id = %(program)s)"
            pd += " AND pd.program_id = %(program)s"
        return entry, cycle, pd
    if kind == ScopeKind.PROGRAM:
        coached = "cy.coach_id IN (SELECT id FROM coaching_coach WHERE program_id = %(pk)s)"
        return f"{alias}.program_id = %(pk)s", coached, "pd.program_id = %(pk)s"
    if kind == ScopeKind.ALL:
        return "TRUE", "TRUE", "TRUE"
    raise CommandError(f"The hand-written SQL covers district, program and all-data scopes, not {kind}.")


def hand_written_sql(scope: Scope, period: Period, *, today: dt.date) -> tuple[str, dict[str, Any]]:
    """One statement for every figure of a report: the scope's entries read once, grouped every
    way at once; service dates and contract days from the day rows of that same read; teachers
    reached, cycles, goals and PD as scalar subqueries. Rows are (kind, name, name2, month,
    minutes, entries, n1, n2).

    Contract days are counted from the scope's entries, so the period must hold every entry of
    its contracts' school years up to the as-of date: true of a whole school year and of the
    whole data set, the periods measured here (and the figures check would say if not)."""
    entry, cycle, pd = _hand_scope(scope, "e")
    where = f"e.school_year = ANY(%(years)s) AND e.date BETWEEN %(start)s AND %(end)s AND {entry}"
    expr = {k: ("date_trunc('month', e.date)" if k == "month" else f"e.{k}") for k in HAND_KEYS}
    grouping = ", ".join(expr[k] for k in HAND_KEYS)
    sets = ", ".join("(" + ", ".join(expr[k] for k in keys) + ")" for keys in HAND_SETS.values())
    m = {name: _hand_mask(keys) for name, keys in HAND_SETS.items()}
    if ScopeKind(scope.kind) == ScopeKind.ALL:
        # Most links: one hashed join reads them all once (2 s here, where probing the index
        # for each of 2.5 million entries takes 10 s).
        teachers = (
            "SELECT COUNT(*) FROM (SELECT DISTINCT l.teacher_id FROM coaching_logentry_teachers l "  # noqa: S608  # nosec B608
            f"JOIN coaching_logentry e ON e.id = l.logentry_id WHERE {where}) t"
        )
    else:
        # A district's or a program's links: the entry ids, sorted, probe the links' index in one
        # pass (90 ms for a program-year, where the planner would hash all 2 million links: 400 ms).
        teachers = (
            "SELECT COUNT(DISTINCT l.teacher_id) FROM coaching_logentry_teachers l WHERE l.logentry_id = "  # noqa: S608  # nosec B608
            f"ANY(ARRAY(SELECT e.id FROM coaching_logentry e WHERE {where} ORDER BY e.id))"
        )
    side = ("CASE WHEN a.kind = 'non_coaching' THEN 'non_coaching' "
            "ELSE COALESCE(NULLIF(a.balance, ''), 'output') END")  # fmt: skip
    # Bandit B608: the interpolated text is fixed SQL from this file and integers; every value
    # is a parameter.
    sql = f"""
        WITH g AS (
            SELECT GROUPING({grouping}) AS set_id, {", ".join(f"{expr[k]} AS {k}" for k in HAND_KEYS)},
                   SUM(e.minutes) AS minutes, COUNT(*) AS entries
            FROM coaching_logentry e
            WHERE {where}
            GROUP BY GROUPING SETS ({sets})
        ),
        days AS (
            SELECT coach_id, district_id, program_id, school_year, date, minutes, entries
              FROM g WHERE set_id = {m["day"]}
        )
        SELECT 'activity' AS kind, a.name, NULL AS name2, NULL AS month, g.minutes, g.entries,
               NULL::numeric AS n1, NULL::numeric AS n2
          FROM g JOIN coaching_activity a ON a.id = g.activity_id WHERE g.set_id = {m["activity"]}
        UNION ALL
        SELECT 'focus', f.name, NULL, NULL, g.minutes, g.entries, NULL, NULL
          FROM g LEFT JOIN coaching_focusarea f ON f.id = g.focus_area_id WHERE g.set_id = {m["focus"]}
        UNION ALL
        SELECT 'school', s.name, NULL, NULL, g.minutes, g.entries, NULL, NULL
          FROM g LEFT JOIN teachers_school s ON s.id = g.school_id WHERE g.set_id = {m["school"]}
        UNION ALL
        SELECT 'coach', u.first_name, u.last_name, NULL, g.minutes, g.entries, NULL, NULL
          FROM g JOIN coaching_coach c ON c.id = g.coach_id JOIN teachers_user u ON u.id = c.user_id
         WHERE g.set_id = {m["coach"]}
        UNION ALL
        SELECT 'month', {side}, NULL, to_char(g.month, 'YYYY-MM'), g.minutes, g.entries, NULL, NULL
          FROM g JOIN coaching_activity a ON a.id = g.activity_id WHERE g.set_id = {m["month"]}
        UNION ALL
        SELECT CASE x.set_id WHEN 1 THEN 'district' WHEN 2 THEN 'program' ELSE 'total' END,
               COALESCE(di.name, p.name), NULL, NULL, x.minutes, x.entries, x.dates, NULL
          FROM (SELECT GROUPING(district_id, program_id) AS set_id, district_id, program_id,
                       SUM(minutes) AS minutes, SUM(entries) AS entries, COUNT(DISTINCT date) AS dates
                  FROM days GROUP BY GROUPING SETS ((district_id), (program_id), ())) x
          LEFT JOIN teachers_district di ON di.id = x.district_id
          LEFT JOIN coaching_program p ON p.id = x.program_id
        UNION ALL
        SELECT 'contract', di.name, p.name, k.month, NULL, k.school_year, k.days, k.in_period
          FROM (SELECT ct.district_id, ct.program_id, ct.school_year, to_char(d.date, 'YYYY-MM') AS month,
                       SUM(CASE WHEN d.minutes < %(half_day)s THEN 0.5 ELSE 1.0 END) AS days,
                       SUM(CASE WHEN d.date < %(start)s OR d.date > %(end)s THEN 0
                                WHEN d.minutes < %(half_day)s THEN 0.5 ELSE 1.0 END) AS in_period
                  FROM days d
                  JOIN coaching_contract ct ON ct.district_id = d.district_id AND ct.program_id = d.program_id
                                           AND ct.school_year = d.school_year
                 WHERE d.date <= %(as_of)s
                 GROUP BY ct.district_id, ct.program_id, ct.school_year, to_char(d.date, 'YYYY-MM')) k
          JOIN teachers_district di ON di.id = k.district_id JOIN coaching_program p ON p.id = k.program_id
        UNION ALL
        SELECT 'teachers_reached', NULL, NULL, NULL, NULL, NULL, ({teachers}), NULL
        UNION ALL
        SELECT 'cycles_started', NULL, NULL, NULL, NULL, NULL,
               (SELECT COUNT(*) FROM cycles_cycle cy WHERE {cycle}
                   AND cy.started_on BETWEEN %(start)s AND %(end)s), NULL
        UNION ALL
        SELECT 'cycles_active', NULL, NULL, NULL, NULL, NULL,
               (SELECT COUNT(*) FROM cycles_cycle cy WHERE {cycle} AND cy.started_on <= %(end)s
                   AND (cy.closed_on IS NULL OR cy.closed_on > %(end)s)), NULL
        UNION ALL
        SELECT 'cycles_completed', NULL, NULL, NULL, NULL, NULL,
               (SELECT COUNT(*) FROM cycles_cycle cy WHERE {cycle} AND cy.stage = 'closed'
                   AND cy.closed_on BETWEEN %(start)s AND %(end)s), NULL
        UNION ALL
        SELECT 'goals_met', NULL, NULL, NULL, NULL, NULL,
               (SELECT COUNT(*) FROM cycles_goal go JOIN cycles_cycle cy ON cy.id = go.cycle_id
                 WHERE {cycle} AND go.met_on BETWEEN %(start)s AND %(end)s), NULL
        UNION ALL
        SELECT 'pd', NULL, NULL, NULL, pd.minutes, pd.sessions, at.attendance, at.teachers
          FROM (SELECT COUNT(*) AS sessions, COALESCE(SUM(pd.minutes), 0) AS minutes FROM coaching_pdsession pd
                 WHERE {pd} AND pd.date BETWEEN %(start)s AND %(pd_end)s) pd,
               (SELECT COUNT(*) AS attendance, COUNT(DISTINCT at.teacher_id) AS teachers
                  FROM coaching_pdsession_attendees at JOIN coaching_pdsession pd ON pd.id = at.pdsession_id
                 WHERE {pd} AND pd.date BETWEEN %(start)s AND %(pd_end)s) at
    """  # noqa: S608  # nosec B608
    params = {
        "pk": scope.pk, "program": scope.program, "years": period.school_years, "start": period.start,
        "end": period.end, "as_of": min(today, period.end), "pd_end": min(today, period.end),
        "half_day": HALF_DAY_MINUTES,
    }  # fmt: skip
    return sql, params


def run_hand_written(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The statement in its own transaction with the builder's work_mem, rows fetched."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


# ---------------------------------------------------------------------- the figures compared


def _num(value: Any) -> float:
    return float(value or 0)


def hand_written_figures(rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    """The hand-written rows as the figures the check compares."""
    f: dict[str, Any] = {key: {} for key in ("by_activity", "by_focus", "by_school", "by_coach", "by_month",
                                             "by_district", "by_program", "contracts")}  # fmt: skip
    f.update(total_minutes=0, entries=0, service_dates=0)
    burns: dict[tuple[str, str, str], list[tuple[str, float, float]]] = {}
    for kind, name, name2, month, minutes, entries, n1, n2 in rows:
        if kind == "activity":
            f["by_activity"][name] = (int(minutes), int(entries))
        elif kind == "focus":
            f["by_focus"][name or builder.NO_FOCUS] = int(minutes)
        elif kind == "school":
            f["by_school"][name or builder.NO_SCHOOL] = int(minutes)
        elif kind == "coach":
            f["by_coach"][f"{name or ''} {name2 or ''}".strip()] = int(minutes)
        elif kind == "month":
            sides = f["by_month"].setdefault(month, {"output": 0, "input": 0, "non_coaching": 0})
            sides[name] += int(minutes)
        elif kind in ("district", "program"):
            f[f"by_{kind}"][name] = (int(minutes), int(n1))
        elif kind == "total":
            f.update(total_minutes=int(minutes or 0), entries=int(entries or 0), service_dates=int(n1 or 0))
        elif kind == "contract":
            burns.setdefault((name, name2, school_year_label(int(entries))), []).append((month, _num(n1), _num(n2)))
        elif kind == "pd":
            f["group_learning"] = (int(entries), int(minutes), int(n1), int(n2))
        else:
            f[kind] = int(n1 or 0)
    for key, months in burns.items():
        months.sort()
        running, burn = 0.0, []
        for month, days, _ in months:
            running += days
            burn.append((month, running))
        f["contracts"][key] = (running, sum(m[2] for m in months), tuple(burn))
    return f


def builder_figures(figures: dict[str, Any]) -> dict[str, Any]:
    """The same figures, read from `build_figures`' result."""
    f: dict[str, Any] = {
        "total_minutes": figures["total_minutes"],
        "entries": figures["entries"],
        "service_dates": figures["service_dates"],
        "by_activity": {r["name"]: (r["minutes"], r["entries"]) for r in figures["by_activity"]},
        "by_focus": {r["name"]: r["minutes"] for r in figures["by_focus"]},
        "by_school": {r["name"]: r["minutes"] for r in figures["by_school"]},
        "by_coach": {r["name"]: r["minutes"] for r in figures["by_coach"]},
        "by_month": {r["month"]: {s: r[s] for s in ("output", "input", "non_coaching")} for r in figures["by_month"]},
        "by_district": {r["name"]: (r["minutes"], r["service_dates"]) for r in figures["by_district"]},
        "by_program": {r["name"]: (r["minutes"], r["service_dates"]) for r in figures["by_program"]},
        "teachers_reached": figures["teachers_reached"],
        "cycles_started": figures["cycles"]["started"],
        "cycles_active": figures["cycles"]["active"],
        "cycles_completed": figures["cycles"]["completed"],
        "goals_met": figures["cycles"]["goals_met"],
        "group_learning": tuple(figures["group_learning"][k] for k in ("sessions", "minutes", "attendance",
                                                                       "teachers")),
        "contracts": {
            (c["district"], c["program"], c["school_year"]):
                (c["used"], c["used_in_period"], tuple((str(p["month"]), p["used"]) for p in c["burn"]))
            for c in figures["contracts"] if c["used"] or c["burn"]
        },
    }  # fmt: skip
    return f


def differences(expected: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """Where two sets of figures differ, one line each (empty when they agree)."""
    out = []
    for key in sorted(set(expected) | set(got)):
        a, b = expected.get(key), got.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out += [f"{key}[{k!r}]: builder {a.get(k)!r}, hand-written {b.get(k)!r}"
                    for k in sorted(set(a) | set(b), key=str) if a.get(k) != b.get(k)]  # fmt: skip
        elif a != b:
            out.append(f"{key}: builder {a!r}, hand-written {b!r}")
    return out


# ---------------------------------------------------------------------- timing


def interleaved(sides: dict[str, Timed], runs: int, *, warm: bool = True) -> dict[str, list[float]]:
    """Milliseconds of each side, run A, B, A, B, ... `runs` times, after one warm-up of each
    (`warm=False` when the caller has just run both)."""
    for fn in sides.values() if warm else ():
        fn()
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(min(runs, MAX_RUNS)):
        for name, fn in sides.items():
            started = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - started) * 1000)
    return times


def median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


def p95(values: list[float]) -> float:
    """The 95th percentile, nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * 0.95) - 1)] if ordered else math.nan


def verdict(ratio: float, target: float) -> str:
    return f"(target {target:g}: {'met' if ratio <= target else 'MISSED'})"


@dataclass(frozen=True)
class Case:
    label: str
    scope: Scope
    period: Period
    runs: int


class Command(BaseCommand):
    help = "Seed a state-network data set (PostgreSQL) and print report and dashboard timings."
    http_p95: tuple[float, float] | None = None  # the dashboard's and /healthz's on gunicorn

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--programs", type=int, default=10)
        parser.add_argument("--districts", type=int, default=50)
        parser.add_argument("--schools", type=int, default=200)
        parser.add_argument("--teachers", type=int, default=8000)
        parser.add_argument("--coaches", type=int, default=300)
        parser.add_argument("--years", type=int, default=5)
        parser.add_argument("--entries-per-day", type=float, default=10.8, help="average entries per coach-day")
        parser.add_argument("--reseed", action="store_true", help="drop the bench data and seed it again")
        parser.add_argument("--runs", type=int, default=5, help="timed runs of each side, after one warm-up")
        parser.add_argument("--all-runs", type=int, default=3, help="timed runs of each side for the whole data set")
        parser.add_argument("--scale", type=int, default=4, help="rows factor of the scale step (0: skip it)")
        parser.add_argument("--drop-scale", action="store_true", help="remove the scale step's copies, then stop")
        parser.add_argument("--requests", type=int, default=200, help="dashboard and /healthz requests, each")
        parser.add_argument("--http-timeout", type=int, default=300, help="a bound on the gunicorn step, seconds")
        parser.add_argument("--no-http", action="store_true", help="skip the gunicorn step")

    def handle(self, *args: Any, **o: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark needs PostgreSQL: set DATABASE_URL (see `make bench`).")
        foreign = District.objects.exclude(name__startswith="Bench ").exists()
        if foreign:
            raise CommandError("This database holds non-benchmark districts; point DATABASE_URL at an empty one.")
        if not 1 <= o["runs"] <= MAX_RUNS or not 1 <= o["all_runs"] <= MAX_RUNS:
            raise CommandError(f"--runs and --all-runs must be between 1 and {MAX_RUNS}.")
        if not 1 <= o["requests"] <= MAX_REQUESTS or o["scale"] not in range(0, 9):
            raise CommandError(f"--requests must be between 1 and {MAX_REQUESTS}, --scale between 0 and 8.")
        if o["reseed"]:
            self._wipe()
        if o["drop_scale"]:
            self._drop_scale()
            return
        if not LogEntry.objects.exists():
            started = time.perf_counter()
            self._seed(o)
            self.stdout.write(f"seed: {time.perf_counter() - started:.1f} s")

        today = timezone.localdate()
        seeded = LogEntry.objects.exclude(district__name__startswith=SCALE_PREFIX)
        first = seeded.order_by("date").values_list("date", flat=True).first()
        district = District.objects.exclude(name__startswith=SCALE_PREFIX).order_by("pk").first()
        program = Program.objects.exclude(name=SCALE_PROGRAM).order_by("pk").first()
        if first is None or district is None or program is None:
            raise CommandError("Nothing to measure outside the scale step's copies: run with --reseed.")
        # The last complete school year when there is one, else the current one.
        last_complete = Period.school_year(school_year_of(today) - 1)
        year = last_complete if first <= last_complete.start else Period.school_year(school_year_of(today))
        self._vacuum_if_needed()
        # The scale step's copies are made before anything is measured, so every run reads the same data.
        scale = self._ensure_scale(district, year, o["scale"]) if o["scale"] else None

        entries = LogEntry.objects.count()
        with connection.cursor() as cursor:
            cursor.execute("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'coaching_logentry'")
            dead = cursor.fetchone()[0]
        self.stdout.write(
            f"data: {Program.objects.count()} programs, {District.objects.count()} districts, "
            f"{School.objects.count()} schools, {Teacher.objects.count()} teachers, {Coach.objects.count()} coaches, "
            f"{entries:,} log entries, {LogEntry.teachers.through.objects.count():,} teacher links; "
            f"{dead:,} dead entry row versions"
        )
        # Never None (`first` is among them); `or first` says so to the type checker.
        first_all = LogEntry.objects.order_by("date").values_list("date", flat=True).first() or first
        cases = [
            Case("district-year", Scope(ScopeKind.DISTRICT, district.pk, district.name), year, o["runs"]),
            Case("program-year", Scope(ScopeKind.PROGRAM, program.pk, program.name), year, o["runs"]),
            Case("whole data set", Scope(ScopeKind.ALL, 0, "all"), Period.custom(first_all, today), o["all_runs"]),
        ]
        program_year = cases[1]
        self._snapshot(program_year)
        self._builder_vs_sql(cases, today)
        if scale:
            self._scale(scale, year, today, o["runs"], o["scale"])
        url = f"/reports/?scope={program_year.scope.key}&period={program_year.period.key}"
        if not o["no_http"]:
            self._http(url, o["requests"], o["http_timeout"])
        self._in_process(url, o["requests"])

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

    def _vacuum_if_needed(self) -> None:
        """Leave the entries as autovacuum would: rows an UPDATE replaced (a migration's, with
        autovacuum off) double what every scan reads, and pages never vacuumed (a fresh COPY)
        keep index-only scans going to the table. Once, when under 90% of the pages are all-visible."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname, c.relpages, c.relallvisible, s.n_dead_tup FROM pg_class c "
                "JOIN pg_stat_user_tables s ON s.relid = c.oid "
                "WHERE c.relname IN ('coaching_logentry', 'coaching_logentry_teachers') ORDER BY c.relname"
            )
            rows = cursor.fetchall()
            if all(pages == 0 or visible >= 0.9 * pages for _, pages, visible, _ in rows):
                return
            started = time.perf_counter()
            cursor.execute("VACUUM (ANALYZE) coaching_logentry, coaching_logentry_teachers")
        state = ", ".join(f"{name}: {dead:,} dead row versions, {visible:,} of {pages:,} pages all-visible"
                          for name, pages, visible, dead in rows)  # fmt: skip
        self.stdout.write(f"vacuum: {time.perf_counter() - started:.1f} s (before it, {state})")

    def _snapshot(self, case: Case) -> None:
        """Build the program-year snapshot the dashboard shows (in-process without a broker)."""
        with quiet("celery", "kombu", "reports.services"):
            run = report_request(scope=case.scope, period=case.period, by=None)
        run.refresh_from_db()
        if run.status != RunStatus.DONE:
            raise CommandError(f"The program-year build ended {run.status}: {run.error or '(no error)'}")
        snapshot = snapshot_for(case.scope, case.period)
        if snapshot is None:
            raise CommandError("No program-year snapshot for the dashboard to show.")
        self.stdout.write(f"snapshot: program-year, built {snapshot.built_at:%Y-%m-%d %H:%M} in {snapshot.build_ms} ms")

    # ------------------------------------------------------------------ 1. builder vs hand-written SQL

    def _builder_vs_sql(self, cases: list[Case], today: dt.date) -> None:
        self.stdout.write(
            "\n1. report builder vs hand-written SQL for the same figures (checked equal first; medians, "
            "interleaved, after one warm-up; the SQL's time includes fetching its rows)"
        )
        for case in cases:
            sql, params = hand_written_sql(case.scope, case.period, today=today)

            def build(c: Case = case) -> dict[str, Any]:
                return build_figures(c.scope, c.period, today=today)

            def hand(sql: str = sql, params: dict[str, Any] = params) -> list[tuple[Any, ...]]:
                return run_hand_written(sql, params)

            # The check is the warm-up run of both sides.
            figures, rows = build(), hand()
            diff = differences(builder_figures(figures), hand_written_figures(rows))
            if diff:
                raise CommandError(
                    f"{case.label}: the builder and the hand-written SQL disagree:\n  " + "\n  ".join(diff[:40])
                )
            times = interleaved({"builder": build, "sql": hand}, case.runs, warm=False)
            b, h = median(times["builder"]), median(times["sql"])
            self.stdout.write(
                f"  {case.label:<15} builder {b:9.1f} ms   hand-written SQL {h:9.1f} ms   ratio {b / h:5.2f}  "
                f"{verdict(b / h, BUILDER_TARGET)}   ({figures['entries']:,} entries, {len(rows)} rows, "
                f"median of {case.runs}; figures equal)"
            )
            if b / h > BUILDER_TARGET:
                self._breakdown(case, today, sql, params)

    def _breakdown(self, case: Case, today: dt.date, sql: str, params: dict[str, Any]) -> None:
        """Where the builder's time goes: its two statements timed alone (with the build's own
        settings: work_mem 64 MB, JIT off), and an EXPLAIN (ANALYZE, BUFFERS) summary of each."""
        scope, period = case.scope, case.period
        grouped = builder._grouped_sql(scope, period, "postgresql")
        scalars = builder._scalars_sql(scope, period, today, "postgresql")

        def statement(text: str, values: Any) -> Timed:
            return lambda: in_transaction(lambda cursor: (cursor.execute(text, values), cursor.fetchall()), jit=False)

        parts: dict[str, Timed] = {
            "statement 1 (GROUPING SETS, contract days)": statement(*grouped),
            "statement 2 (scalar subqueries)": statement(*scalars),
            "the hand-written SQL": statement(sql, params),
        }
        times = interleaved(parts, case.runs, warm=False)
        self.stdout.write(
            f"    {case.label} is over {BUILDER_TARGET}x: its statements, each alone (medians of {case.runs}):"
        )
        for name, values in times.items():
            self.stdout.write(f"      {name:<60} {median(values):9.1f} ms")
        self.stdout.write("    EXPLAIN (ANALYZE, BUFFERS), summed up:")
        for name, (text, statement_params) in {"statement 1": grouped, "statement 2": scalars}.items():
            self.stdout.write(f"      {name:<28} {explain_summary(text, statement_params)}")

    # ------------------------------------------------------------------ 2. scale

    def _scale_names(self, year: Period, factor: int) -> tuple[str, str, str]:
        label = year.key.removeprefix("sy-")
        return (f"{SCALE_PREFIX}{label} 1x", f"{SCALE_PREFIX}{label} history x{factor}",
                f"{SCALE_PREFIX}{label} rows x{factor}")  # fmt: skip

    def _ensure_scale(self, district: District, year: Period, factor: int) -> tuple[District, District, District]:
        """Three districts holding copies of the measured district-year, made once (INSERT ...
        SELECT, in one transaction): the year alone (1x); the year with `factor` copies of it in
        earlier school years (its history); and the year with `factor` districts' year in it."""
        names = self._scale_names(year, factor)
        found = {d.name: d for d in District.objects.filter(name__in=names)}
        if len(found) == len(names):  # made by an earlier run: never copied twice
            return found[names[0]], found[names[1]], found[names[2]]
        if found:
            raise CommandError("Some of the scale step's districts are missing: run with --drop-scale first.")
        started = time.perf_counter()
        y = school_year_of(year.start)
        sources = list(District.objects.exclude(name__startswith=SCALE_PREFIX).order_by("pk")[:factor])
        if len(sources) < factor or sources[0] != district:
            raise CommandError(f"The scale step needs {factor} seeded districts.")
        with transaction.atomic():
            program, _ = Program.objects.get_or_create(name=SCALE_PROGRAM)
            one, history, rows = (District.objects.get_or_create(name=n)[0] for n in names)
            copies = [(one, district, 0), (history, district, 0), (rows, district, 0)]
            copies += [(history, district, back) for back in range(1, factor + 1)]
            copies += [(rows, source, 0) for source in sources[1:]]
            for target, source, back in copies:
                self._copy_year(source, target, program, y, back)
            contract = Contract.objects.filter(district=district, school_year=y).first()
            days = contract.contracted_days if contract else 170
            for target in (one, history, rows):
                defaults = {"contracted_days": days, "daily_rate": Decimal(425)}
                Contract.objects.get_or_create(district=target, program=program, school_year=y, defaults=defaults)
            with connection.cursor() as cursor:
                cursor.execute("SELECT setval(pg_get_serial_sequence('coaching_logentry', 'id'), "
                               "(SELECT MAX(id) FROM coaching_logentry))")  # fmt: skip
        # Statistics for the new rows (and a visibility map, as autovacuum would make).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) coaching_logentry, coaching_logentry_teachers")
        self.stdout.write(
            f"scale step: {len(copies)} copies of a district-year made in {time.perf_counter() - started:.1f} s"
        )
        return one, history, rows

    def _copy_year(self, source: District, target: District, program: Program, year: int, back: int) -> None:
        """Copy one district's school year of entries (and their teacher links) into `target`,
        `back` school years earlier, as `program`'s time: ids shifted past the largest one."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT MAX(id) FROM coaching_logentry")
            offset = cursor.fetchone()[0]
            params = {"offset": offset, "back": back, "target": target.pk, "program": program.pk,
                      "source": source.pk, "year": year}  # fmt: skip
            cursor.execute(
                "INSERT INTO coaching_logentry (id, date, school_year, minutes, start_time, end_time, format, notes, "
                "created_at, updated_at, activity_id, coach_id, district_id, focus_area_id, school_id, program_id) "
                "SELECT e.id + %(offset)s, (e.date - make_interval(years => %(back)s))::date, "
                "e.school_year - %(back)s, e.minutes, e.start_time, e.end_time, e.format, e.notes, e.created_at, "
                "e.updated_at, e.activity_id, e.coach_id, %(target)s, e.focus_area_id, e.school_id, %(program)s "
                "FROM coaching_logentry e WHERE e.district_id = %(source)s AND e.school_year = %(year)s",
                params,
            )
            cursor.execute(
                "INSERT INTO coaching_logentry_teachers (logentry_id, teacher_id) "
                "SELECT l.logentry_id + %(offset)s, l.teacher_id FROM coaching_logentry_teachers l "
                "JOIN coaching_logentry e ON e.id = l.logentry_id "
                "WHERE e.district_id = %(source)s AND e.school_year = %(year)s",
                params,
            )

    def _drop_scale(self) -> None:
        """Remove every copy the scale step made (whatever its year and factor)."""
        with transaction.atomic(), connection.cursor() as cursor:
            ids = list(District.objects.filter(name__startswith=SCALE_PREFIX).values_list("pk", flat=True))
            if ids:
                cursor.execute(
                    "DELETE FROM coaching_logentry_teachers WHERE logentry_id IN "
                    "(SELECT id FROM coaching_logentry WHERE district_id = ANY(%s))",
                    [ids],
                )
                cursor.execute("DELETE FROM coaching_logentry WHERE district_id = ANY(%s)", [ids])
            Contract.objects.filter(district_id__in=ids).delete()
            District.objects.filter(pk__in=ids).delete()
            Program.objects.filter(name=SCALE_PROGRAM).delete()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) coaching_logentry, coaching_logentry_teachers")
        self.stdout.write(f"scale step: {len(ids)} districts of copies removed")

    def _scale(self, districts: tuple[District, District, District], year: Period, today: dt.date, runs: int,
               factor: int) -> None:  # fmt: skip
        one, history, rows = districts
        in_year = {d.pk: LogEntry.objects.filter(district=d, school_year=school_year_of(year.start)).count()
                   for d in districts}  # fmt: skip
        in_all = {d.pk: LogEntry.objects.filter(district=d).count() for d in districts}

        def build(d: District) -> Timed:
            return lambda: build_figures(Scope(ScopeKind.DISTRICT, d.pk, d.name), year, today=today)

        sides: dict[str, Timed] = {d.name: build(d) for d in districts}
        times = interleaved(sides, runs)
        base = median(times[one.name])
        self.stdout.write(
            f"\n2. scale: one district-year, {year.label}, built at 1x and {factor}x rows (medians of {runs}, "
            "interleaved, after one warm-up)"
        )
        about = {
            one.pk: "1x: a copy of the measured district-year, no other year",
            history.pk: f"{factor}x history: that year plus {factor} copies of it in earlier years",
            rows.pk: f"{factor}x rows in the year: {factor} districts' year in one",
        }
        for d in districts:
            value = median(times[d.name])
            ratio = value / base
            target = f"   ratio {ratio:5.2f}  " + (verdict(ratio, SCALE_TARGET) if d == history else
                                                    "(rows the report must add up: no target)")  # fmt: skip
            self.stdout.write(
                f"  {about[d.pk]:<58} {value:8.1f} ms   ({in_year[d.pk]:,} entries in the year, "
                f"{in_all[d.pk]:,} in the district)" + ("" if d == one else target)
            )

    # ------------------------------------------------------------------ 3. gunicorn

    def _http(self, url: str, requests: int, timeout: int) -> None:
        """The dashboard against /healthz on gunicorn (loopback, two workers), interleaved."""
        if HOST not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
            raise CommandError(f"ALLOWED_HOSTS must allow {HOST} for the gunicorn step.")
        port = _free_port()
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE}
        deadline = time.monotonic() + timeout
        # A fixed command line (this interpreter, gunicorn, a loopback address): no untrusted input.
        server = subprocess.Popen(  # noqa: S603  # nosec B603
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"{HOST}:{port}", "--workers", "2",
             "--log-level", "warning"],
            cwd=Path(settings.BASE_DIR), env=env,
        )  # fmt: skip
        try:
            wait_for_port(port, server, deadline)
            session = Session(port)
            session.sign_in("bench.director", PASSWORD)
            paths = {"dashboard": url, "/healthz": "/healthz"}
            for _ in range(10):  # warm-up: both workers import, compile templates, cache the figures body
                for path in paths.values():
                    get(session, path)
            status, body = get(session, url)
            if status != 200 or 'data-testid="total-hours"' not in body:
                raise CommandError(f"The dashboard did not show the snapshot (HTTP {status}).")
            times: dict[str, list[float]] = {name: [] for name in paths}
            for _ in range(requests):
                if time.monotonic() > deadline:
                    raise CommandError(f"The gunicorn step passed its {timeout} s bound.")
                for name, path in paths.items():
                    started = time.perf_counter()
                    status, _ = get(session, path)
                    times[name].append((time.perf_counter() - started) * 1000)
                    if status != 200:
                        raise CommandError(f"{path}: HTTP {status}")
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=20)
        d, h = times["dashboard"], times["/healthz"]
        self.http_p95 = (p95(d), p95(h))
        self.stdout.write(
            f"\n3. gunicorn on {HOST} (2 workers): {requests} GETs each, interleaved, signed in as bench.director; "
            "/healthz runs the same middleware (session read and saved, CSRF, CSP, axes; it never reads the user) "
            "and SELECT 1"
        )
        self.stdout.write(f"  dashboard (program-year snapshot)  median {median(d):6.1f} ms   p95 {p95(d):6.1f} ms")
        self.stdout.write(f"  /healthz                           median {median(h):6.1f} ms   p95 {p95(h):6.1f} ms")
        self.stdout.write(f"  p95 ratio {p95(d) / p95(h):.2f}  {verdict(p95(d) / p95(h), HTTP_TARGET)}")

    # ------------------------------------------------------------------ 4. in-process dashboard

    def _in_process(self, url: str, requests: int) -> None:
        """The dashboard through Django's test client: median, p95, its query count and its
        slowest query."""
        director = User.objects.get(username="bench.director")
        client = Client(HTTP_HOST=HOST)
        client.force_login(director)
        response = client.get(url)
        if response.status_code != 200 or b'data-testid="total-hours"' not in response.content:
            raise CommandError(f"The dashboard did not show the snapshot (HTTP {response.status_code}).")
        times = interleaved({"as is": lambda: client.get(url)}, requests)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        d = times["as is"]
        self.stdout.write(
            f"\n4. dashboard from a snapshot in-process ({requests} requests, test client): "
            f"median {median(d):.1f} ms, p95 {p95(d):.1f} ms, {len(queries.captured_queries)} queries"
        )
        slowest = max(queries.captured_queries, key=lambda q: float(q["time"]))
        self.stdout.write(f"  its slowest query, {float(slowest['time']) * 1000:.1f} ms: {slowest['sql'][:150]}")


# ---------------------------------------------------------------------- helpers


PLAN_NODE = re.compile(
    r"^[ \t]*(?:->[ \t]*)?([A-Z][^(\n]+?)[ \t]+\(cost=[^)\n]*\) \(actual time=[0-9.]+\.\.([0-9.]+)", re.M
)


def explain_summary(sql: str, params: Any) -> str:
    """One line from EXPLAIN (ANALYZE, BUFFERS): execution, the slowest table or index read (per
    process, for a parallel one), buffers, and what JIT compiling cost (summed over the
    processes of a parallel plan)."""

    def plan(cursor: Any) -> str:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())

    text = str(in_transaction(plan))
    execution = re.search(r"Execution Time: ([0-9.]+) ms", text)
    buffers = re.search(r"Buffers: (shared [^\n]+)", text)
    jit = re.search(r"Options: ([^\n]+)\n\s*Timing: .*Total ([0-9.]+) ms", text)
    scans = [(float(m.group(2)), m.group(1).strip()) for m in PLAN_NODE.finditer(text)
             if "Scan" in m.group(1) and not m.group(1).startswith(("CTE", "Subquery"))]  # fmt: skip
    slowest = max(scans, default=(0.0, "-"))
    parts = [
        f"execution {float(execution.group(1)) if execution else math.nan:.1f} ms",
        f"slowest read: {slowest[1]} {slowest[0]:.1f} ms",
        buffers.group(1) if buffers else "no buffers",
        f"JIT {float(jit.group(2)):.1f} ms ({jit.group(1)})" if jit else "no JIT",
    ]
    return "; ".join(parts)


def in_transaction(fn: Callable[[Any], object], *, jit: bool = True) -> object:
    """Run `fn(cursor)` in a transaction with the builder's work_mem (and JIT off if asked)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        if not jit:
            cursor.execute("SET LOCAL jit = off")
        return fn(cursor)


@contextmanager
def quiet(*names: str) -> Iterator[None]:
    """Loggers silenced for a while: an in-process build logs its task, and the bench reports a
    failed build itself."""
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def get(session: Session, path: str) -> tuple[int, str]:
    status, _, body = session.request("GET", path)
    return status, body
