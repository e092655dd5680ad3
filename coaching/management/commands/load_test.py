"""A bounded load test against gunicorn on 127.0.0.1 (loopback only):

    make load        # or: python manage.py load_test --seconds 60 --coaches 50 --admins 10

It seeds its own throwaway users ("load…", in "Bench load" districts) into the database that
DATABASE_URL points at (PostgreSQL), starts gunicorn on a free loopback port, signs everyone in,
then for a fixed time coaches log entries while administrators open dashboards. It prints
throughput, p50/p95/p99 and the error count, and checks that every entry the server
acknowledged is in the database.
"""

from __future__ import annotations

import http.client
import os
import random
import re
import socket
import statistics
import subprocess  # nosec B404
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from decimal import Decimal
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from coaching.models import Activity, Coach, Contract, FocusArea, LogEntry, Program
from teachers.models import District, Role, School, User
from toolkit.schoolyear import school_year_of

HOST = "127.0.0.1"  # never anything but loopback
PASSWORD = "load-test-password-123"  # noqa: S105  # nosec B105
MAX_REQUESTS_PER_USER = 5000  # a bound on every loop, whatever the duration


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    timings: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    created: int = 0

    def add(self, ms: float, error: str | None = None, created: bool = False) -> None:
        with self.lock:
            self.timings.append(ms)
            if error:
                self.errors.append(error)
            if created:
                self.created += 1


class Session:
    """A tiny HTTP client with cookies and CSRF, on one keep-alive loopback connection."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection(HOST, port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, Any] | None = None) -> tuple[int, str, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers.update({"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken":
                            self.cookies.get("csrftoken", ""), "Referer": f"http://{HOST}/"})  # fmt: skip
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        return response.status, response.headers.get("Location", ""), text

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        _, _, page = self.request("GET", "/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        form = {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1) if token else ""}
        status, _, _ = self.request("POST", "/login/", form)
        if status != 302:
            raise CommandError(f"{username} could not sign in (HTTP {status})")


def wait_for_port(port: int, server: subprocess.Popen[bytes], deadline: float | None = None) -> None:
    """Return once gunicorn answers on the port (at most 30 s, or until `deadline`)."""
    until = min(deadline or float("inf"), time.monotonic() + 30)
    while time.monotonic() < until:
        if server.poll() is not None:
            raise CommandError("gunicorn exited at start")
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise CommandError("gunicorn did not start within 30 s")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


class Command(BaseCommand):
    help = "Load-test gunicorn on 127.0.0.1: coaches logging time, administrators opening dashboards."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seconds", type=int, default=60)
        parser.add_argument("--coaches", type=int, default=50)
        parser.add_argument("--admins", type=int, default=10)
        parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")

    def handle(self, *args: Any, **o: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("The load test needs PostgreSQL: set DATABASE_URL (see `make load`).")
        coaches, admins, district_ids, form = self._seed(o["coaches"], o["admins"])
        port = _free_port()
        # A fixed command line (this interpreter, gunicorn, a loopback address): no untrusted input.
        server = subprocess.Popen(  # noqa: S603  # nosec B603
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"{HOST}:{port}", "--workers",
             str(o["workers"]), "--threads", "4", "--log-level", "warning"],
            cwd=Path(settings.BASE_DIR), env=dict(os.environ),
        )  # fmt: skip
        try:
            wait_for_port(port, server)
            self._run(port, coaches, admins, district_ids, form, o["seconds"])
        finally:
            server.terminate()
            server.wait(timeout=20)

    def _seed(self, n_coaches: int, n_admins: int) -> tuple[list[str], list[str], list[int], dict[str, Any]]:
        """Throwaway users and districts for the run (removed and made again each time)."""
        LogEntry.objects.filter(coach__user__username__startswith="load.").delete()
        Coach.objects.filter(user__username__startswith="load.").delete()
        Contract.objects.filter(program__name="Bench load program").delete()
        User.objects.filter(username__startswith="load.").delete()
        program, _ = Program.objects.get_or_create(name="Bench load program")
        districts = [District.objects.get_or_create(name=f"Bench load district {i}")[0] for i in range(n_admins)]
        for d in districts:
            School.objects.get_or_create(district=d, name=f"Bench load school {d.pk}")
            Contract.objects.create(program=program, district=d, school_year=school_year_of(timezone.localdate()),
                                    contracted_days=170, daily_rate=Decimal(400))  # fmt: skip
        from django.contrib.auth.hashers import make_password

        hashed = make_password(PASSWORD)
        coaches = []
        for i in range(n_coaches):
            user = User.objects.create(username=f"load.coach{i}", role=Role.COACH, password=hashed)
            Coach.objects.create(user=user, program=program)
            coaches.append(user.username)
        admins = []
        for i, d in enumerate(districts):
            user = User.objects.create(username=f"load.admin{i}", role=Role.DISTRICT_ADMIN, password=hashed)
            user.administered_districts.add(d)
            admins.append(user.username)
        focus_area = FocusArea.objects.filter(program=None).first()
        if focus_area is None:
            raise CommandError("No built-in focus area: run the migrations first.")
        form = {
            "activity": Activity.objects.get(program=None, name="Coaching Cycles").pk,
            "focus_area": focus_area.pk,
            "format": "in_person",
        }
        return coaches, admins, [d.pk for d in districts], form

    def _run(self, port: int, coaches: list[str], admins: list[str], district_ids: list[int], form: dict[str, Any],
             seconds: int) -> None:  # fmt: skip
        stats = Stats()
        stop_at = time.monotonic() + seconds
        today = timezone.localdate().isoformat()
        rng = random.Random(7)  # noqa: S311  # nosec B311

        def coach(username: str, district_id: int) -> None:
            s = Session(port)
            s.sign_in(username)
            for _ in range(MAX_REQUESTS_PER_USER):
                if time.monotonic() >= stop_at:
                    return
                data = {**form, "date": today, "minutes": rng.randint(1, 5), "district": district_id,
                        "csrfmiddlewaretoken": s.cookies.get("csrftoken", "")}  # fmt: skip
                started = time.perf_counter()
                try:
                    status, location, _ = s.request("POST", "/entries/new/", data)
                except (OSError, http.client.HTTPException) as exc:
                    stats.add((time.perf_counter() - started) * 1000, f"coach: {exc}")
                    s = Session(port)
                    s.sign_in(username)
                    continue
                ok = status == 302 and "/week/" in location
                stats.add((time.perf_counter() - started) * 1000, None if ok else f"coach: HTTP {status}", ok)

        def admin(username: str, district_id: int) -> None:
            s = Session(port)
            s.sign_in(username)
            for _ in range(MAX_REQUESTS_PER_USER):
                if time.monotonic() >= stop_at:
                    return
                started = time.perf_counter()
                try:
                    status, _, _ = s.request("GET", f"/reports/?scope=district-{district_id}")
                except (OSError, http.client.HTTPException) as exc:
                    stats.add((time.perf_counter() - started) * 1000, f"admin: {exc}")
                    continue
                stats.add((time.perf_counter() - started) * 1000, None if status == 200 else f"admin: HTTP {status}")

        threads = [threading.Thread(target=coach, args=(u, district_ids[i % len(district_ids)]))
                   for i, u in enumerate(coaches)]  # fmt: skip
        threads += [threading.Thread(target=admin, args=(u, district_ids[i])) for i, u in enumerate(admins)]
        began = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=seconds + 120)
        elapsed = time.monotonic() - began
        timings = sorted(stats.timings)

        def pct(p: float) -> float:
            return timings[min(len(timings) - 1, int(len(timings) * p))] if timings else 0.0

        stored = LogEntry.objects.filter(coach__user__username__startswith="load.").count()
        self.stdout.write(
            f"{len(coaches)} coaches logging time, {len(admins)} administrators opening dashboards, {elapsed:.0f} s\n"
            f"requests: {len(timings)}, throughput {len(timings) / elapsed:.1f}/s\n"
            f"latency: p50 {statistics.median(timings) if timings else 0:.0f} ms, p95 {pct(0.95):.0f} ms, "
            f"p99 {pct(0.99):.0f} ms\n"
            f"errors: {len(stats.errors)}{' — ' + '; '.join(sorted(set(stats.errors))[:5]) if stats.errors else ''}\n"
            f"entries acknowledged: {stats.created}, in the database: {stored}"
        )
        if stats.errors or stored != stats.created:
            raise CommandError("The load test found errors or lost entries.")
