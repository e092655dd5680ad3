"""Report builds read a real PostgreSQL streaming replica when it has caught up, and the primary
when it lags or is down; either way the figures include every write committed before the build.

A primary and a replica (pg_basebackup -R, streaming) are started for the test on free ports
of 127.0.0.1, in a temporary directory, as the postgres user. The app runs in subprocesses with
DATABASE_URL on the primary and FULCRUM_REPORTS_DATABASE_URL on the replica, as in production.

Which server a build read is proved by the servers' own statement logs (log_statement = all,
each line prefixed with the client's application_name): every build runs with its own
application_name, and its two aggregate SELECTs over the log entries (the grouped figures with
the contract days of the school year, and the scalar figures) appear in the log of the server it
read and in no other. The
figures are checked against a direct SUM on the primary.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import router

from coaching.models import LogEntry
from config.settings.base import reports_database
from conftest import need
from reports.models import Snapshot
from reports.replica import ReadSource, report_reads
from reports.routers import REPLICA_ALIAS, ReportsReplicaRouter, build_reads_from

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "fulcrum"

SEED = """
import json
from coaching.tests.factories import CoachFactory, ContractFactory, LogEntryFactory, ProgramFactory, activity
from teachers.tests.factories import DistrictFactory, SchoolFactory

program = ProgramFactory(name="Replica Program")
district = DistrictFactory(name="Replica District")
school = SchoolFactory(district=district, name="Replica School")
coach = CoachFactory(program=program)
ContractFactory(program=program, district=district).coaches.add(coach)
for minutes, name in ((90, "Co-Planning"), (45, "Substituting"), (120, "Coaching Cycles")):
    LogEntryFactory(coach=coach, district=district, school=school, minutes=minutes, activity=activity(name))
print(json.dumps({"district": district.pk, "coach": coach.pk}))
"""

# Optionally log a new entry (on the primary), then queue and build the district's report the way
# the dashboard does (jobs run in-process here), timing how long choosing the database took.
BUILD = """
import json, os, time
from collections.abc import Iterator
from contextlib import contextmanager
from django.utils import timezone
from coaching.models import Coach
from toolkit.schoolyear import school_year_of
from coaching.tests.factories import LogEntryFactory
from reports import services
from reports.replica import ReadSource
from reports.scopes import Period, Scope
from teachers.models import District

args = json.loads(os.environ["REPLICA_TEST_BUILD"])
district = District.objects.get(pk=args["district"])
added = None
if args.get("add_minutes"):
    # The rebuild a new entry triggers on its own is switched off here: each case times one build.
    from coaching.changes import entries_changed

    entries_changed.disconnect(dispatch_uid="reports_refresh_on_entry_change")
    coach = Coach.objects.get(pk=args["coach"])
    added = LogEntryFactory(coach=coach, district=district, minutes=args["add_minutes"]).pk
timing = {}
choose = services.report_reads

@contextmanager
def timed() -> Iterator[ReadSource]:
    started = time.monotonic()
    with choose() as source:
        timing["choose_s"] = round(time.monotonic() - started, 3)
        yield source

services.report_reads = timed
period = Period.school_year(school_year_of(timezone.localdate()))
run = services.report_request(scope=Scope("district", district.pk, district.name), period=period, by=None)
run.refresh_from_db()
snapshot = run.snapshot
print(json.dumps({"status": run.status, "error": run.error, "added": added, "note": snapshot.source,
                  "total_minutes": snapshot.figures["total_minutes"], "period": snapshot.figures["period"],
                  "build_ms": snapshot.build_ms, **timing}))
"""

# The builder's own statements over the entries for a district report: the grouped one, the scalar
# subqueries (teachers reached), the impact's (the time linked to the cycles), the time by the
# coaching plan's priorities, student agency's (each cycle's focus area, from its linked time) and
# the time by standards domain.
ENTRY_STATEMENTS = 6


def _bindir() -> Path | None:
    """Where initdb and pg_basebackup are: pg_config's answer, else Debian's versioned folders."""
    candidates: list[Path] = []
    if shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(Path(found.stdout.strip()))
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        candidates += sorted(debian.glob("*/bin"), key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
                             reverse=True)  # fmt: skip
    return next((c for c in candidates if (c / "initdb").exists() and (c / "pg_basebackup").exists()), None)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Pair:
    """A primary and its streaming replica, and the app's view of them."""

    bindir: Path
    root: Path
    primary_port: int = field(default_factory=_free_port)
    replica_port: int = field(default_factory=_free_port)
    ids: dict[str, int] = field(default_factory=dict)

    def pg(self, tool: str, *args: str, timeout: float = 60) -> None:
        command = [str(self.bindir / tool), *args]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True, timeout=timeout)

    def start(self, name: str) -> None:
        port = self.primary_port if name == "primary" else self.replica_port
        self.pg("pg_ctl", "-D", str(self.root / name), "-l", str(self.root / f"{name}.log"), "-w",
                "-o", f"-p {port} -k {self.root} -c listen_addresses=127.0.0.1", "start")  # fmt: skip

    def stop(self, name: str) -> None:
        self.pg("pg_ctl", "-D", str(self.root / name), "-m", "fast", "-w", "stop")

    def running(self, name: str) -> bool:
        return (self.root / name / "postmaster.pid").exists()

    def postmaster_pid(self, name: str) -> int:
        return int((self.root / name / "postmaster.pid").read_text().split()[0])

    def sql(self, name: str, query: str, params: tuple[Any, ...] = (), dbname: str = DATABASE) -> Any:
        port = self.primary_port if name == "primary" else self.replica_port
        with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname=dbname, autocommit=True,
                             connect_timeout=5, application_name="checker") as conn:  # fmt: skip
            cursor = conn.execute(query, params)
            row = cursor.fetchone() if cursor.description else None
            return row[0] if row else None

    def url(self, name: str) -> str:
        port = self.primary_port if name == "primary" else self.replica_port
        return f"postgres://postgres@127.0.0.1:{port}/{DATABASE}"

    def env(self, app: str, **extra: str) -> dict[str, str]:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(("FULCRUM_", "REDIS_", "DATABASE_"))}
        return {**inherited, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": self.url("primary"),
                "FULCRUM_REPORTS_DATABASE_URL": self.url("replica"), "PGAPPNAME": app, "DJANGO_LOG_LEVEL": "WARNING",
                **extra}  # fmt: skip

    def manage(self, *args: str, app: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env(app, **extra),
                              capture_output=True, text=True, timeout=120, check=True)  # fmt: skip

    def build_command(self) -> list[str]:
        return [sys.executable, "manage.py", "shell", "-c", BUILD]

    def build_env(self, app: str, add_minutes: int = 0, **extra: str) -> dict[str, str]:
        args = {**self.ids, "add_minutes": add_minutes}
        return self.env(app, REPLICA_TEST_BUILD=json.dumps(args), **extra)

    def build(self, app: str, add_minutes: int = 0, **extra: str) -> dict[str, Any]:
        done = subprocess.run(self.build_command(), cwd=ROOT, env=self.build_env(app, add_minutes, **extra),
                              capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    def primary_sum(self, period: dict[str, str]) -> int:
        return int(self.sql("primary", "SELECT COALESCE(SUM(minutes), 0) FROM coaching_logentry "
                            "WHERE district_id = %s AND date BETWEEN %s AND %s",
                            (self.ids["district"], period["start"], period["end"])))  # fmt: skip

    def entry_reads(self, name: str, app: str, *, raw: bool = False) -> int:
        """How many SELECTs over the log entries the server logged for this application_name: the
        ORM's, or (raw) the builder's hand-written statements (multi-line, the entries aliased "e")."""
        statements: list[str] = []
        for line in (self.root / f"{name}.log").read_text(errors="replace").splitlines():
            if line.startswith("app="):
                statements.append(line)
            elif statements:  # a multi-line statement goes on without the prefix
                statements[-1] += f" {line.strip()}"
        table = "coaching_logentry e" if raw else '"coaching_logentry"'
        return sum(1 for text in statements if text.startswith(f"app={app} LOG:") and "SELECT " in text
                   and "INSERT " not in text and table in text)  # fmt: skip

    def caught_up(self, timeout: float = 30) -> None:
        target = self.sql("primary", "SELECT pg_current_wal_lsn()::text")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            behind = self.sql("replica", "SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())", (target,))
            if behind is not None and behind <= 0:
                return
            time.sleep(0.05)
        pytest.fail(f"the replica did not catch up with the primary within {timeout} s")

    def healthy(self) -> None:
        """Whatever the last case did: the replica is up, replaying, and caught up."""
        if not self.running("replica"):
            self.start("replica")
        self.sql("replica", "SELECT pg_wal_replay_resume()")
        self.caught_up()


@pytest.fixture
def pair() -> Iterator[Pair]:
    bindir = _bindir()
    need(bindir is not None, "PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) are not installed")
    if os.geteuid() == 0:
        need(bool(shutil.which("runuser")), "runuser is needed to run PostgreSQL as the postgres user")
    root = Path(tempfile.mkdtemp(prefix="fulcrum-replica-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    pair = Pair(bindir, root)
    try:
        pair.pg("initdb", "-D", str(root / "primary"), "-A", "trust", "-U", "postgres")
        with open(root / "primary" / "pg_hba.conf", "a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        with open(root / "primary" / "postgresql.conf", "a") as conf:  # copied to the replica by the base backup
            conf.write("fsync = off\nlog_statement = 'all'\nlog_line_prefix = 'app=%a '\n")
        pair.start("primary")
        pair.pg("pg_basebackup", "-h", "127.0.0.1", "-p", str(pair.primary_port), "-U", "postgres",
                "-D", str(root / "replica"), "-R", "-X", "stream", "-c", "fast")  # fmt: skip
        pair.start("replica")
        pair.sql("primary", f"CREATE DATABASE {DATABASE}", dbname="postgres")
        pair.manage("migrate", "--noinput", app="migrate")
        seeded = pair.manage("shell", "-c", SEED, app="seed")
        pair.ids = json.loads(seeded.stdout.strip().splitlines()[-1])
        pair.caught_up()
        yield pair
    finally:
        if pair.running("replica"):
            os.kill(pair.postmaster_pid("replica"), signal.SIGCONT)
        for name in ("replica", "primary"):
            if pair.running(name):
                pair.stop(name)
        shutil.rmtree(root, ignore_errors=True)


def _app(case: str) -> str:
    return f"build-{case}-{uuid.uuid4().hex[:6]}"


def _report(case: str, started: float, result: dict[str, Any], pair: Pair, app: str) -> None:
    print(f"\n[{case}] {time.monotonic() - started:.2f} s in all; choosing the database {result['choose_s']:.3f} s; "
          f"build {result['build_ms']} ms; note: {result['note']!r}; SELECTs over the entries: "
          f"replica {pair.entry_reads('replica', app)} + {pair.entry_reads('replica', app, raw=True)} raw, "
          f"primary {pair.entry_reads('primary', app)} + {pair.entry_reads('primary', app, raw=True)} raw")  # fmt: skip


def a_healthy_replica_is_read(pair: Pair) -> None:
    """The proof is the statement logs: this build's SELECTs over the log entries were run by the
    replica, none by the primary (it only saw the WAL position query and the snapshot's writes).
    The figures equal a direct SUM on the primary."""
    app, started = _app("healthy"), time.monotonic()
    result = pair.build(app)
    _report("healthy replica", started, result, pair, app)
    assert result["status"] == "done", result["error"]
    assert result["note"] == "read from the replica"
    assert result["total_minutes"] == pair.primary_sum(result["period"]) == 255
    # The grouped figures (with the year's contract days) and the scalar ones (teachers reached...).
    assert pair.entry_reads("replica", app, raw=True) == ENTRY_STATEMENTS
    assert pair.entry_reads("primary", app) == pair.entry_reads("primary", app, raw=True) == 0


def a_lagging_replica_leaves_the_build_on_the_primary_with_the_new_entry(pair: Pair) -> None:
    """Replay is paused on the replica, then an entry is logged on the primary: the replica cannot
    have it. The build waits its 1 s, reads the primary, and its figures include the entry."""
    pair.sql("replica", "SELECT pg_wal_replay_pause()")
    app, started = _app("lagging"), time.monotonic()
    result = pair.build(app, add_minutes=30, FULCRUM_REPORTS_REPLICA_MAX_WAIT_SECONDS="1")
    _report("lagging replica, 1 s wait", started, result, pair, app)
    assert result["status"] == "done", result["error"]
    assert result["note"] == "replica more than 1.0 s behind; read from the primary"
    assert 1.0 <= result["choose_s"] < 2.5
    # The replica has not replayed the new entry; the figures include it all the same.
    assert pair.sql("replica", "SELECT count(*) FROM coaching_logentry WHERE id = %s", (result["added"],)) == 0
    assert result["total_minutes"] == pair.primary_sum(result["period"]) == 255 + 30
    assert pair.entry_reads("primary", app, raw=True) == ENTRY_STATEMENTS
    assert pair.entry_reads("replica", app) == pair.entry_reads("replica", app, raw=True) == 0


def a_replica_that_catches_up_during_the_wait_is_read(pair: Pair) -> None:
    """As above, but replay is resumed half a second into the build's wait (the default 10 s): the
    build reads the replica, whose figures now include the entry logged just before the build."""
    before = pair.sql("primary", "SELECT COALESCE(SUM(minutes), 0) FROM coaching_logentry")
    pair.sql("replica", "SELECT pg_wal_replay_pause()")
    app, started = _app("resumed"), time.monotonic()
    build = subprocess.Popen(pair.build_command(), cwd=ROOT, env=pair.build_env(app, add_minutes=15), text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        # The build is waiting once its connection shows on the replica (it logs the entry first).
        deadline = time.monotonic() + 30
        query = "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
        while not pair.sql("replica", query, (app,)):
            assert build.poll() is None, build.communicate()
            assert time.monotonic() < deadline, "the build never asked the replica"
            time.sleep(0.05)
        time.sleep(0.5)
        pair.sql("replica", "SELECT pg_wal_replay_resume()")
        out, err = build.communicate(timeout=60)
    finally:
        if build.poll() is None:
            build.kill()
    assert build.returncode == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    _report("replica resumed during the wait", started, result, pair, app)
    assert result["status"] == "done", result["error"]
    assert result["note"].startswith("read from the replica after waiting "), result["note"]
    assert 0.5 <= result["choose_s"] < 10
    # Read from the replica, and yet the entry logged just before the build is in the figures.
    assert result["total_minutes"] == pair.primary_sum(result["period"]) == before + 15
    assert pair.entry_reads("replica", app, raw=True) == ENTRY_STATEMENTS
    assert pair.entry_reads("primary", app, raw=True) == 0


def a_replica_that_is_down_or_hung_leaves_the_build_on_the_primary_at_once(pair: Pair) -> None:
    """Hung, then stopped: the build reads the primary within the connect timeout and says so."""
    # Hung: the postmaster is stopped (SIGSTOP), so the kernel accepts the connection and nothing
    # answers; the replica's two-second connect timeout bounds the wait.
    postmaster = pair.postmaster_pid("replica")
    os.kill(postmaster, signal.SIGSTOP)
    try:
        app, started = _app("hung"), time.monotonic()
        result = pair.build(app, add_minutes=20)
    finally:
        os.kill(postmaster, signal.SIGCONT)
    _report("replica hung", started, result, pair, app)
    assert result["note"] == "replica unreachable; read from the primary"
    assert result["choose_s"] < 3.5
    assert result["total_minutes"] == pair.primary_sum(result["period"])
    assert pair.entry_reads("primary", app, raw=True) == ENTRY_STATEMENTS

    # Down: the server is stopped; the connection is refused at once.
    pair.stop("replica")
    app, started = _app("down"), time.monotonic()
    result = pair.build(app, add_minutes=10)
    _report("replica down", started, result, pair, app)
    assert result["note"] == "replica unreachable; read from the primary"
    assert result["choose_s"] < 1
    assert result["total_minutes"] == pair.primary_sum(result["period"])
    assert pair.entry_reads("primary", app, raw=True) == ENTRY_STATEMENTS

    # The shell command says where its figures came from, on stderr.
    report = pair.manage("time_use_report", "--district", str(pair.ids["district"]), app=_app("command"))
    figures = json.loads(report.stdout)
    assert figures["total_minutes"] == pair.primary_sum(figures["period"])
    assert "Report figures: replica unreachable; read from the primary" in report.stderr


@pytest.mark.postgres
def test_report_builds_against_a_real_streaming_replica(pair: Pair) -> None:
    """The cases share one primary and replica (about 12 s to make and migrate), so they run in one
    test, in one process; each starts from a replica that is up, replaying and caught up."""
    for case in (
        a_healthy_replica_is_read,
        a_lagging_replica_leaves_the_build_on_the_primary_with_the_new_entry,
        a_replica_that_catches_up_during_the_wait_is_read,
        a_replica_that_is_down_or_hung_leaves_the_build_on_the_primary_at_once,
    ):
        pair.healthy()
        case(pair)


def test_without_a_replica_every_read_and_write_goes_to_default() -> None:
    assert REPLICA_ALIAS not in settings.DATABASES
    assert settings.DATABASE_ROUTERS == ["reports.routers.ReportsReplicaRouter"]
    own = ReportsReplicaRouter()
    assert own.db_for_read(LogEntry) is None
    assert router.db_for_read(LogEntry) == "default"
    with report_reads() as source:
        assert source == ReadSource("default", "")
        assert router.db_for_read(LogEntry) == "default"
    assert router.db_for_write(Snapshot) == "default"
    assert own.allow_migrate("default", "reports")
    assert not own.allow_migrate("reports", "reports")
    assert own.allow_relation(Snapshot(), LogEntry())


def test_during_a_build_on_the_replica_reads_go_there_and_writes_stay_on_default() -> None:
    token = build_reads_from.set(REPLICA_ALIAS)
    try:
        assert router.db_for_read(LogEntry) == REPLICA_ALIAS
        assert router.db_for_write(Snapshot) == "default"
    finally:
        build_reads_from.reset(token)
    assert router.db_for_read(LogEntry) == "default"


def test_the_reports_database_is_a_test_mirror_with_a_short_connect_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FULCRUM_REPORTS_DATABASE_URL", raising=False)
    assert reports_database({"CONN_MAX_AGE": 60}) == {}
    monkeypatch.setenv("FULCRUM_REPORTS_DATABASE_URL", "postgres://reader@replica.example:5433/fulcrum?sslmode=require")
    config = reports_database({"CONN_MAX_AGE": 60, "ATOMIC_REQUESTS": False, "OPTIONS": {"sslmode": "prefer"}})
    reports = config["reports"]
    assert (reports["HOST"], reports["PORT"], reports["USER"], reports["NAME"]) == ("replica.example", 5433, "reader",
                                                                                    "fulcrum")  # fmt: skip
    assert reports["OPTIONS"] == {"sslmode": "require", "connect_timeout": 2}
    assert (reports["CONN_MAX_AGE"], reports["ATOMIC_REQUESTS"], reports["TEST"]) == (60, False, {"MIRROR": "default"})
