"""Replay the attacks the privacy and abuse rules exist for, against a running server (loopback
only, every loop bounded), and print what each one got:

    make probe        # a throwaway SQLite database with the demo, gunicorn behind one "proxy"

It starts gunicorn on a free 127.0.0.1 port with FULCRUM_TRUSTED_PROXIES=1 (as behind the nginx of
the README) on the database DATABASE_URL names, which must hold the demo (`load_demo`). Exit
status 1 if any attack got through.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import socket
import subprocess  # nosec B404
import sys
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from coaching.models import Coach
from learning.models import CheckIn, PDSession

HOST = "127.0.0.1"  # never anything but loopback
DEMO_PASSWORD = "fulcrum-demo-2026"  # noqa: S105  # nosec B105 (the demo's published password)
MAX_TRIES = 40  # a bound on every loop


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    text: str


@dataclass
class Visitor:
    """A browser: cookies, CSRF, and the address a proxy would forward for it."""

    port: int
    address: str
    cookies: dict[str, str] = field(default_factory=dict)

    def ask(self, method: str, path: str, form: dict[str, Any] | None = None) -> Answer:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "X-Forwarded-For": self.address}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            headers["Referer"] = f"http://{HOST}/"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(header).items():
                self.cookies[key] = morsel.value
        return Answer(response.status, response.headers, text)

    def form(self, path: str, fields: dict[str, Any]) -> Answer:
        page = self.ask("GET", path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        return self.ask("POST", path, {**fields, "csrfmiddlewaretoken": token.group(1) if token else ""})

    def sign_in(self, username: str, password: str = DEMO_PASSWORD) -> Answer:
        return self.form("/login/", {"username": username, "password": password})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


class Command(BaseCommand):
    help = "Replay privacy and abuse attacks against gunicorn on 127.0.0.1 and print what each got."

    def handle(self, *args: Any, **options: Any) -> None:
        if not Coach.objects.filter(user__username="coach").exists():
            raise CommandError("The probe needs the demo: run `manage.py load_demo` on this database first.")
        port = _free_port()
        env = {**os.environ, "FULCRUM_TRUSTED_PROXIES": "1", "DJANGO_SETTINGS_MODULE": "config.settings.local",
               "DJANGO_DEBUG": "false",
               "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"}  # fmt: skip
        # A fixed command line (this interpreter, gunicorn, a loopback address): no untrusted input.
        server = subprocess.Popen(  # noqa: S603  # nosec B603
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"{HOST}:{port}", "--workers", "1",
             "--log-level", "warning", "--env", "DJANGO_SETTINGS_MODULE=config.settings.local"],
            cwd=Path(settings.BASE_DIR), env=env,
        )  # fmt: skip
        results: list[tuple[str, bool, str]] = []
        try:
            self._wait(port, server)
            for attack in self._attacks():
                name = (attack.__doc__ or attack.__name__).strip().splitlines()[0]
                try:
                    held, detail = attack(port)
                except Exception as exc:  # an attack that crashes the probe is reported, not hidden
                    held, detail = False, f"probe error: {exc!r}"
                results.append((name, held, detail))
        finally:
            server.terminate()
            server.wait(timeout=20)
        width = max(len(name) for name, _, _ in results)
        for name, held, detail in results:
            self.stdout.write(f"{'held ' if held else 'FAILED'}  {name:<{width}}  {detail}")
        failed = [name for name, held, _ in results if not held]
        self.stdout.write(f"\n{len(results) - len(failed)} of {len(results)} attacks held.")
        if failed:
            raise SystemExit(1)

    def _wait(self, port: int, server: subprocess.Popen[bytes]) -> None:
        until = time.monotonic() + 30
        while time.monotonic() < until:
            if server.poll() is not None:
                raise CommandError("gunicorn exited at start")
            try:
                with socket.create_connection((HOST, port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise CommandError("gunicorn did not start within 30 s")

    def _attacks(self) -> list[Callable[[int], tuple[bool, str]]]:
        return [self.lockout_as_a_weapon, self.forged_forwarded_for, self.password_reset_flood,
                self.check_in_padding, self.check_in_differencing, self.link_hammering, self.pd_average_of_one,
                self.cached_confidential_pages, self.teacher_csv]  # fmt: skip

    # ------------------------------------------------------------------------------ the attacks

    def lockout_as_a_weapon(self, port: int) -> tuple[bool, str]:
        """Lock a coach out by failing their password from another address"""
        attacker = Visitor(port, "203.0.113.66")
        for _ in range(settings.AXES_FAILURE_LIMIT + 2):
            attacker.sign_in("coach2", "not-the-password")
        victim = Visitor(port, "198.51.100.7")
        answer = victim.sign_in("coach2")
        return answer.status == 302, f"the victim's own sign-in: HTTP {answer.status} (302 = signed in)"

    def forged_forwarded_for(self, port: int) -> tuple[bool, str]:
        """Dodge a lockout by forging X-Forwarded-For on every try"""
        answers = []
        for n in range(settings.AXES_FAILURE_LIMIT + 2):
            forger = Visitor(port, f"6.6.6.{n}, 203.0.113.77")  # the proxy appends the real one on the right
            answers.append(forger.sign_in("director", "not-the-password").status)
        last = Visitor(port, "203.0.113.77").sign_in("director")
        return last.status == 429, f"after forged tries, the real address is locked: HTTP {last.status}"

    def password_reset_flood(self, port: int) -> tuple[bool, str]:
        """Send 20 password-reset emails to one person"""
        ask = {"email": "coach@demo.fulcrum.invalid"}
        statuses = [Visitor(port, f"198.51.100.{n}").form("/password-reset/", ask).status for n in range(20)]
        sent = statuses.count(302)
        return sent <= settings.RATE_LIMITS["password_reset"][
            0
        ], f"{sent} accepted, {statuses.count(429)} refused (429)"

    def check_in_padding(self, port: int) -> tuple[bool, str]:
        """Pad a check-in with the coach's own answers"""
        checkin = CheckIn.objects.filter(closed_at__isnull=True).first()
        if checkin is None:
            return False, "the demo has no open check-in"
        coach = Visitor(port, "198.51.100.20")
        coach.sign_in("coach")
        answers = dict.fromkeys(("equality", "choice", "voice", "dialogue", "reflection", "praxis", "reciprocity"), "5")
        statuses = {coach.form(f"/check-in/{guess}/", answers).status
                    for guess in (checkin.public_id, secrets.token_urlsafe(32), "x")}  # fmt: skip
        return statuses == {404}, f"posting without an invited link: HTTP {sorted(statuses)}"

    def check_in_differencing(self, port: int) -> tuple[bool, str]:
        """Read an open check-in's averages before and after one answer"""
        coach = Visitor(port, "198.51.100.21")
        coach.sign_in("coach")
        page = coach.ask("GET", "/check-ins/").text
        open_one = page.split("Results appear once it closes")[0].rsplit("<section", 1)[-1]
        return "avg-" not in open_one, "no averages are shown for an open check-in"

    def link_hammering(self, port: int) -> tuple[bool, str]:
        """Guess private reflection links as fast as one can"""
        visitor = Visitor(port, "203.0.113.90")
        visitor.ask("GET", "/login/")  # a page first, for the CSRF cookie
        token = visitor.cookies.get("csrftoken", "")
        statuses = []
        for _ in range(min(MAX_TRIES, settings.RATE_LIMITS["reflection_link"][0] + 5)):
            guess = secrets.token_urlsafe(24)
            statuses.append(visitor.ask("POST", f"/r/{guess}/", {"csrfmiddlewaretoken": token}).status)
        return 429 in statuses, f"{statuses.count(404)} guesses answered 404, then {statuses.count(429)} refused (429)"

    def pd_average_of_one(self, port: int) -> tuple[bool, str]:
        """Read one teacher's answer from a PD session's average"""
        session = PDSession.objects.filter(reflections__isnull=False).distinct().first()
        if session is None:
            return True, "no PD session with follow-ups in the demo: nothing to read"
        count = session.reflections.count()
        director = Visitor(port, "198.51.100.30")
        director.sign_in("director")
        page = director.ask("GET", f"/cycles/pd/{session.public_id}/").text
        shown = re.search(r'data-testid="confidence">\s*([0-9.]+) / 5', page)
        held = count >= 5 or shown is None
        return held, f"{count} follow-up answer(s); average shown to the director: {shown.group(1) if shown else 'no'}"

    def cached_confidential_pages(self, port: int) -> tuple[bool, str]:
        """Find a confidential page a shared browser or proxy may keep"""
        checks = {
            "admin.maple": ["/roster/", "/audit/", "/contracts/", "/reports/"],
            "coach": ["/check-ins/", "/week/"],
        }
        stored = []
        for username, paths in checks.items():
            visitor = Visitor(port, "198.51.100.40")
            visitor.sign_in(username)
            for path in paths:
                answer = visitor.ask("GET", path)
                if "no-store" not in (answer.headers.get("Cache-Control") or ""):
                    stored.append(f"{path} ({answer.status})")
        return not stored, ", ".join(stored) or "every page: Cache-Control no-store"

    def teacher_csv(self, port: int) -> tuple[bool, str]:
        """Export a teacher's own data and look for formulas a spreadsheet would run"""
        teacher = Visitor(port, "198.51.100.50")
        teacher.sign_in("teacher")
        answer = teacher.ask("GET", "/cycles/my-data.csv")
        cells = [c for line in answer.text.splitlines() for c in line.split(",")]
        risky = [c for c in cells if c[:1] in ("=", "+", "@") and not c[1:2].isdigit()]
        bom = answer.text.startswith("\ufeff")
        held = answer.status == 200 and bom and not risky
        return held, f"HTTP {answer.status}, BOM {'yes' if bom else 'no'}, risky cells {len(risky)}"
