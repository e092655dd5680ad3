"""The README's backup procedure works: pg_dump of a database, pg_restore into a new one, and the
restored database gives the same time-use report figures (computed by the app itself)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from coaching.tests.factories import LogEntryFactory, activity
from conftest import need
from reports.builder import build_figures
from reports.scopes import Period, Scope

ROOT = Path(__file__).resolve().parent.parent


def _url(name: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


@pytest.mark.django_db(transaction=True)
def test_a_dump_restores_to_a_database_with_the_same_report_figures(tenant_a, tmp_path):
    need(connection.vendor == "postgresql", "backup and restore are PostgreSQL procedures")
    need(bool(shutil.which("pg_dump") and shutil.which("pg_restore")), "pg_dump and pg_restore are not installed")
    today = timezone.localdate()
    for minutes, name in ((90, "Co-Planning"), (45, "Substituting"), (120, "Coaching Cycles")):
        entry = LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=today, minutes=minutes,
                                activity=activity(name))  # fmt: skip
        entry.teachers.add(tenant_a.teacher)
    period = Period.school_year(tenant_a.contract.school_year)
    original = build_figures(Scope("district", tenant_a.district.pk, "x"), period, today=today)

    source, target = connection.settings_dict["NAME"], f"restore_{uuid.uuid4().hex[:8]}"
    dump = tmp_path / "fulcrum.dump"
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", _url(source)], check=True, env=env, timeout=120)
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{target}"')
    try:
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={_url(target)}", str(dump)], check=True, env=env,
                       timeout=120)  # fmt: skip
        result = subprocess.run(
            [sys.executable, "manage.py", "time_use_report", "--district", str(tenant_a.district.pk),
             "--from", period.start.isoformat(), "--to", period.end.isoformat(), "--format", "json"],
            cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
            env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": _url(target)},
        )  # fmt: skip
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
    restored = json.loads(result.stdout)
    for key in ("total_minutes", "by_activity", "balance", "teachers_reached", "by_month", "contracts"):
        assert restored[key] == original[key], key
    assert restored["total_minutes"] == 255
