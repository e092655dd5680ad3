"""The cast every test can use: two tenants (program, district, coach, teacher, admins) so each
test can ask "and the other one?". Also the browser and service fixtures, which fail instead of
skipping when CI is set."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest

from coaching.models import Coach, Contract, Program
from coaching.tests.factories import CoachFactory, ContractFactory, ProgramFactory
from teachers.models import District, Role, School, Teacher, User
from teachers.tests.factories import DistrictFactory, SchoolFactory, TeacherFactory, UserFactory

# Playwright runs an event loop in the test thread; Django's ORM calls from there are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def need(condition: bool, reason: str) -> None:
    """Skip locally when a real service or browser is missing; fail in CI, where nothing may skip."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI must run this test but cannot: {reason}")
    pytest.skip(reason)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked postgres run only on a PostgreSQL suite database (skipped locally on SQLite)."""
    if item.get_closest_marker("postgres"):
        from django.db import connection

        need(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")


@dataclass
class Tenant:
    program: Program
    district: District
    school: School
    contract: Contract
    coach: Coach
    teacher: Teacher
    district_admin: User
    director: User


def _tenant(tag: str) -> Tenant:
    program = ProgramFactory(name=f"Program {tag}")
    district = DistrictFactory(name=f"District {tag}")
    school = SchoolFactory(district=district, name=f"School {tag}")
    coach = CoachFactory(user=UserFactory(username=f"coach_{tag}", role=Role.COACH), program=program)
    contract = ContractFactory(program=program, district=district)
    contract.coaches.add(coach)
    teacher_user = UserFactory(username=f"teacher_{tag}", role=Role.TEACHER)
    teacher = TeacherFactory(school=school, user=teacher_user, first_name="Teacher", last_name=f"Of{tag}")
    admin = UserFactory(username=f"admin_{tag}", role=Role.DISTRICT_ADMIN)
    admin.administered_districts.add(district)
    director = UserFactory(username=f"director_{tag}", role=Role.PROGRAM_DIRECTOR)
    program.directors.add(director)
    return Tenant(program, district, school, contract, coach, teacher, admin, director)


@pytest.fixture
def tenant_a(db) -> Tenant:
    return _tenant("A")


@pytest.fixture
def tenant_b(db) -> Tenant:
    return _tenant("B")


@pytest.fixture
def coach(tenant_a) -> User:
    return tenant_a.coach.user


@pytest.fixture
def other_coach(tenant_b) -> User:
    return tenant_b.coach.user


@pytest.fixture
def teacher(tenant_a) -> User:
    return tenant_a.teacher.user


@pytest.fixture
def other_teacher(tenant_b) -> User:
    return tenant_b.teacher.user


@pytest.fixture
def district_admin(tenant_a) -> User:
    return tenant_a.district_admin


@pytest.fixture
def other_district_admin(tenant_b) -> User:
    return tenant_b.district_admin


@pytest.fixture
def program_director(tenant_a) -> User:
    return tenant_a.director


@pytest.fixture
def other_program_director(tenant_b) -> User:
    return tenant_b.director


@pytest.fixture
def site_admin(db) -> User:
    return UserFactory(username="site_admin", role=Role.SITE_ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Browser journeys run without Fulcrum's service worker: it belongs to the phone that installs
    it, and a journey that switches people by clearing cookies must reach the server as the next
    person. The offline journeys turn it on (`@pytest.mark.browser_context_args(service_workers="allow")`)."""
    return {**browser_context_args, "service_workers": "block"}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Drive Debian's Chromium, never a downloaded browser, and keep it on loopback."""
    need(os.path.exists(CHROMIUM), f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--proxy-server=http://127.0.0.1:9",
            "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
        ],
    }


@pytest.fixture(scope="session", autouse=True)
def _close_stray_database_sessions(django_db_setup, django_db_blocker):
    """After the session, end connections that server threads (live_server's keep-alive request
    threads) still hold, so PostgreSQL can drop the test database cleanly."""
    yield
    from django.db import OperationalError, connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            try:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
            except OperationalError:  # no selected test used the database, so none was made
                pass


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    """Rendered reports and report pickers are cached per process, and so are the rate-limit
    counts in tests (a per-process memory cache, see config/settings/test.py): each test starts
    with none of another test's."""
    from django.core.cache import caches

    caches["fragments"].clear()
    caches["default"].clear()


@dataclass
class SmtpServer:
    """A real SMTP server on loopback (aiosmtpd), and the messages it received."""

    host: str
    port: int
    messages: list[Any]


@pytest.fixture
def smtp_server(settings: Any) -> Any:
    """Start a real SMTP server on 127.0.0.1 for one test and point Django's SMTP backend at it."""
    import email
    import email.policy
    import socket

    from aiosmtpd.controller import Controller

    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's hook name
            received.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    try:
        yield SmtpServer("127.0.0.1", port, received)
    finally:
        controller.stop()
