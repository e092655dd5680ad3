"""A real Celery worker on a real Redis, reading the real test database (CI runs this always)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from coaching.tasks import contract_days_used
from coaching.tests.factories import LogEntryFactory, activity, focus_area
from config.celery import app, ping
from conftest import need
from cycles import services as cycle_services
from reports.models import ReportRun, ScopeKind, Snapshot
from reports.scopes import Period, Scope
from reports.services import report_request
from reports.tasks import report_requeue_stale

ROOT = Path(__file__).resolve().parent.parent


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


VISIBILITY_TIMEOUT = 4  # seconds before Redis hands an unacknowledged job to another worker


def start_worker(queue: str) -> subprocess.Popen[str]:
    """`celery worker` on a private queue against the test database, answering pings."""
    return start_worker_on(queue, os.environ["REDIS_URL"])


def start_worker_on(queue: str, redis_url: str) -> subprocess.Popen[str]:
    node = f"{queue}-{uuid.uuid4().hex[:4]}@localhost"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": _database_url(),
           "REDIS_URL": redis_url, "FULCRUM_BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT)}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-c", "1", "-Q", queue, "-n", node,
         "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the worker exited early:\n{process.stdout.read()}")
        if app.control.ping(destination=[node], timeout=0.5):
            return process
    process.kill()
    pytest.fail("the worker did not answer a ping within 30 s")


def stop_worker(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@pytest.fixture
def worker_queue(transactional_db):
    """A private queue the app publishes to; the tests start and stop workers on it."""
    need(bool(os.environ.get("REDIS_URL")), "REDIS_URL is not set (a real Redis is needed)")
    need(connection.vendor == "postgresql", "a worker process cannot share an SQLite test database")
    queue = f"fulcrum-test-{uuid.uuid4().hex[:8]}"
    saved = app.conf.task_always_eager, app.conf.task_default_queue
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue  # what the app publishes goes to this queue alone
    try:
        yield queue
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = saved


@pytest.fixture
def worker(worker_queue):
    """One worker consuming the private queue for the whole test."""
    process = start_worker(worker_queue)
    try:
        yield worker_queue
    finally:
        stop_worker(process)


def test_a_task_round_trips_through_redis_and_a_worker(worker):
    result = ping.apply_async(queue=worker)
    assert result.get(timeout=20) == "pong"


def test_the_worker_reads_committed_rows_from_the_database(worker, tenant_a):
    day = dt.date(2026, 9, 1)
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=day, minutes=300)
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=day + dt.timedelta(days=1), minutes=60)
    tenant_a.contract.school_year = 2026
    tenant_a.contract.save()
    result = contract_days_used.apply_async(args=[tenant_a.contract.pk], queue=worker)
    assert result.get(timeout=20) == "1.5"


def _wait_for(run_id: int, status: str, timeout: float = 30) -> ReportRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = ReportRun.objects.get(pk=run_id)
        if run.status == status:
            return run
        time.sleep(0.2)
    pytest.fail(f"run {run_id} is {run.status!r}, not {status!r}, after {timeout} s")


def test_a_report_is_built_by_the_worker_and_a_failed_rebuild_keeps_the_old_snapshot(worker, tenant_a, client):
    today = timezone.localdate()
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=today, minutes=90)
    scope = Scope(ScopeKind.DISTRICT, tenant_a.district.pk, tenant_a.district.name)
    period = Period.parse("", today=today)

    run = report_request(scope=scope, period=period, by=None)
    assert run.published_at is not None  # handed to Redis, not built in this process
    run = _wait_for(run.pk, "done")
    snapshot = Snapshot.objects.get()
    assert (run.snapshot_id, snapshot.figures["total_minutes"]) == (snapshot.pk, 90)
    client.force_login(tenant_a.district_admin)
    page = client.get(f"/reports/?scope={scope.key}&period={period.key}")
    assert page.context["figures"]["total_minutes"] == 90

    # Make the database refuse to update snapshots, as a failing disk would, and rebuild.
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION fulcrum_test_refuse() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'simulated storage failure'; END $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER fulcrum_test_refuse BEFORE UPDATE ON reports_snapshot "
            "FOR EACH ROW EXECUTE FUNCTION fulcrum_test_refuse()"
        )
    try:
        LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=today, minutes=30)
        failed = _wait_for(report_request(scope=scope, period=period, by=None).pk, "failed")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER fulcrum_test_refuse ON reports_snapshot")
            cursor.execute("DROP FUNCTION fulcrum_test_refuse()")
    assert "simulated storage failure" in failed.error
    assert Snapshot.objects.get().figures["total_minutes"] == 90
    html = client.get(f"/reports/?scope={scope.key}&period={period.key}").content.decode()
    assert "The last build failed" in html
    assert "The figures below are from the previous build" in html


def test_a_worker_killed_mid_build_leaves_no_snapshot_and_the_job_finishes_on_another(worker_queue, tenant_a):
    """acks late + reject on worker lost: the job goes back to Redis and another worker builds it."""
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=timezone.localdate(), minutes=90)
    scope = Scope(ScopeKind.DISTRICT, tenant_a.district.pk, tenant_a.district.name)
    period = Period.parse("", today=timezone.localdate())
    with connection.cursor() as cursor:  # make saving the snapshot slow enough to kill the worker inside it
        cursor.execute("CREATE FUNCTION fulcrum_test_slow() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(5); "
                       "RETURN NEW; END $$ LANGUAGE plpgsql")  # fmt: skip
        cursor.execute("CREATE TRIGGER fulcrum_test_slow BEFORE INSERT ON reports_snapshot "
                       "FOR EACH ROW EXECUTE FUNCTION fulcrum_test_slow()")  # fmt: skip
    first = start_worker(worker_queue)
    try:
        run = report_request(scope=scope, period=period, by=None)
        _wait_for(run.pk, "running", timeout=30)
        time.sleep(1.5)  # inside the slow snapshot insert
        first.kill()  # SIGKILL: no warm shutdown, no acknowledgement
        first.wait(timeout=10)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER fulcrum_test_slow ON reports_snapshot")
            cursor.execute("DROP FUNCTION fulcrum_test_slow()")
    assert not Snapshot.objects.exists()  # the killed transaction left nothing half-written
    second = start_worker(worker_queue)
    try:
        done = _wait_for(run.pk, "done", timeout=60)
    finally:
        stop_worker(second)
    assert done.attempts == 2
    assert Snapshot.objects.count() == 1
    assert Snapshot.objects.get().figures["total_minutes"] == 90


def _redis(port: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    pytest.fail(f"redis-server did not start on port {port}")


def _use_broker(url: str) -> None:
    """Point this process's Celery app at another broker (dropping pooled connections)."""
    app.conf.broker_url = url
    app.conf.result_backend = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_people_keep_working_and_queued_reports_run_when_it_is_back(tenant_a, client):
    need(bool(shutil.which("redis-server")), "redis-server is not installed")
    need(connection.vendor == "postgresql", "a worker process cannot share an SQLite test database")
    port = 6390
    url = f"redis://127.0.0.1:{port}/0"
    saved = app.conf.broker_url, app.conf.result_backend, app.conf.task_always_eager, app.conf.task_default_queue
    queue = f"fulcrum-test-{uuid.uuid4().hex[:8]}"
    redis = _redis(port)
    worker_process = None
    try:
        _use_broker(url)
        app.conf.task_always_eager, app.conf.task_default_queue = False, queue
        redis.terminate()  # the job service goes away
        redis.wait(timeout=10)

        cycle = cycle_services.cycle_start(coach=tenant_a.coach, teachers=[tenant_a.teacher], title="t")
        _, token = cycle_services.reflection_link_create(cycle=cycle, teacher=tenant_a.teacher, by=None,
                                                         occasion="free")  # fmt: skip
        client.force_login(tenant_a.coach.user)
        logged = client.post("/entries/new/", {"date": timezone.localdate().isoformat(), "minutes": "45",
                             "district": tenant_a.district.pk, "activity": activity().pk,
                             "focus_area": focus_area().pk, "format": "in_person"})  # fmt: skip
        assert logged.status_code == 302
        client.logout()
        answered = client.post(f"/r/{token}/", {"what_happened": "Fine without Redis"})
        assert "Thank you" in answered.content.decode()

        client.force_login(tenant_a.district_admin)
        scope = f"district-{tenant_a.district.pk}"
        started = time.monotonic()
        response = client.post("/reports/refresh/", {"scope": scope}, follow=True)
        elapsed = time.monotonic() - started
        print(f"report refresh with Redis down answered in {elapsed:.2f} s")
        assert elapsed < 5, "a dead broker must not hang the request"
        assert "will build when it is back" in response.content.decode()
        run = ReportRun.objects.get()
        assert (run.status, run.published_at) == ("queued", None)

        redis = _redis(port)  # the job service is back
        _use_broker(url)
        worker_process = start_worker_on(queue, url)
        ReportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))
        assert report_requeue_stale() == 1
        done = _wait_for(run.pk, "done", timeout=60)
        assert Snapshot.objects.get(pk=done.snapshot_id).figures["total_minutes"] == 45
    finally:
        if worker_process is not None:
            stop_worker(worker_process)
        redis.terminate()
        redis.wait(timeout=10)
        _use_broker(saved[0])
        app.conf.result_backend, app.conf.task_always_eager, app.conf.task_default_queue = saved[1:]
