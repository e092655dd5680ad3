"""Leaving with everything: a whole export loads into a fresh Fulcrum (another database, another
process) with every row, every uploaded file and every report figure equal; a district
administrator's export holds nothing confidential; an import that cannot be whole is refused."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from coaching.models import LogEntry
from cycles.models import Cycle, Goal, Reflection
from learning.models import Resource
from programs import portability
from programs.portability import ExportRefused, export_zip, import_zip, undecided_tables
from reports.builder import build_figures
from reports.scopes import Period, Scope
from teachers.models import District, Teacher
from toolkit.schoolyear import school_year_of

ROOT = Path(__file__).resolve().parent.parent
MARKER = "Zanzibar-7731"  # written into every confidential field; must never reach an administrator


def _pg_url(name: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


@pytest.fixture
def fresh_database(tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of the suite's own kind, for a second Fulcrum."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    import psycopg

    name = f"fresh_{uuid.uuid4().hex[:8]}"
    # A connection of its own, outside the test's transaction (CREATE DATABASE runs in none).
    with psycopg.connect(_pg_url(connection.settings_dict["NAME"]), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(name)
    finally:
        with psycopg.connect(_pg_url(connection.settings_dict["NAME"]), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def second_fulcrum(url: str, media: Path, *args: str) -> str:
    """Run manage.py in another process, on the other database and its own media folder."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": url, "REDIS_URL": "",
           "DJANGO_MEDIA_ROOT": str(media), "FULCRUM_TEST_MEDIA_ON_DISK": "1", "PGCONNECT_TIMEOUT": "10"}  # fmt: skip
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def export_bytes(**kwargs: Any) -> bytes:
    out = io.BytesIO()
    export_zip(out=out, **kwargs)
    return out.getvalue()


def confidential_data() -> None:
    """The demo, with the marker in every kind of confidential content, and an uploaded file."""
    call_command("load_demo", stdout=io.StringIO())
    cycle = Cycle.objects.select_related("coach").first()
    assert cycle is not None
    Cycle.objects.filter(pk=cycle.pk).update(title=f"Cycle {MARKER}", coach_notes=MARKER, current_reality=MARKER)
    Goal.objects.filter(cycle=cycle).update(statement=f"Goal {MARKER}")
    Reflection.objects.create(cycle=cycle, teacher=cycle.teachers.first(), what_happened=f"Reflection {MARKER}")
    LogEntry.objects.filter(pk=LogEntry.objects.filter(district=cycle.district).first().pk).update(notes=MARKER)  # type: ignore[union-attr]
    resource = Resource.objects.first()
    assert resource is not None
    resource.file.save("routine.txt", ContentFile(b"A ten-minute number routine.\n"))


@pytest.mark.django_db
def test_a_whole_export_loads_into_a_fresh_fulcrum_with_every_row_file_and_figure(fresh_database, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media-a")
    confidential_data()
    original = export_bytes()
    today = timezone.localdate()
    year = school_year_of(today)
    periods = [Period.school_year(year), Period.school_year(year - 1), Period.custom(today.replace(day=1), today)]
    figures = [json.loads(json.dumps(build_figures(Scope("all", 0, "All programs and districts"), p, today=today)))
               for p in periods]  # fmt: skip
    zip_a, zip_b, media_b = tmp_path / "a.zip", tmp_path / "b.zip", tmp_path / "media-b"
    zip_a.write_bytes(original)

    second_fulcrum(fresh_database, media_b, "migrate", "-v0")
    out = second_fulcrum(fresh_database, media_b, "import_data", str(zip_a))
    rows = sum(t["rows"] for t in json.loads(members(original)["manifest.json"])["tables"])
    assert out.strip() == f"Loaded {rows} rows into {len(portability.exported_models())} tables, and 1 files."
    second_fulcrum(fresh_database, media_b, "export_data", str(zip_b))

    before, after = members(original), members(zip_b.read_bytes())
    assert set(before) == set(after)
    for name in sorted(before):
        if name != "manifest.json":
            assert before[name] == after[name], name  # every row, every column, to the microsecond
    manifest_a, manifest_b = json.loads(before["manifest.json"]), json.loads(after["manifest.json"])
    assert {k: v for k, v in manifest_a.items() if k != "created_at"} == {
        k: v for k, v in manifest_b.items() if k != "created_at"
    }
    # Each table holds as many rows as the first Fulcrum's, counted here by the database itself.
    counted = {portability.label_of(m): m._base_manager.count() for m in portability.exported_models()}
    assert {t["table"]: t["rows"] for t in manifest_b["tables"]} == counted
    assert counted["coaching.logentry"] > 100
    assert rows == sum(counted.values())
    resource = Resource.objects.exclude(file="").get()
    assert (media_b / resource.file.name).read_bytes() == b"A ten-minute number routine.\n"

    for period, expected in zip(periods, figures, strict=True):
        window = ("--from", period.start.isoformat(), "--to", period.end.isoformat())
        printed = second_fulcrum(fresh_database, media_b, "time_use_report", "--all", *window, "--format", "json")
        assert json.loads(printed) == expected, period.label

    # The fresh Fulcrum's people sign in with their own passwords.
    check = "from teachers.models import User; print(User.objects.get(username='coach').check_password('%s'))"
    check %= "fulcrum-demo-2026"
    assert second_fulcrum(fresh_database, media_b, "shell", "-c", check).split()[-1] == "True"


@pytest.mark.django_db
def test_a_district_administrators_export_holds_nothing_confidential():
    confidential_data()
    district = District.objects.get(name__startswith="Maple")
    data = export_bytes(districts=[district])
    files = members(data)
    text = b"\n".join(files.values()).decode("utf-8")
    assert MARKER not in text
    assert "pbkdf2" not in text  # no password hashes
    assert "argon2" not in text
    manifest = json.loads(files["manifest.json"])
    assert manifest["scope"] == {"kind": "district", "districts": [{"id": district.pk, "name": district.name}]}
    assert manifest["confidential"] is False
    tables = {t["table"]: t["rows"] for t in manifest["tables"]}
    assert not [t for t in tables if t.startswith(("cycles.", "learning.", "calendars.")) or t == "teachers.user"]
    # What the administrator reads in Fulcrum is there: the roster, and every minute logged there.
    assert tables["teachers.teacher"] == Teacher.objects.filter(district=district).count()
    entries = json.loads(files["data/coaching.logentry.json"])
    assert len(entries) == LogEntry.objects.filter(district=district).count()
    assert sum(e["fields"]["minutes"] for e in entries) == sum(
        LogEntry.objects.filter(district=district).values_list("minutes", flat=True)
    )
    assert all("teachers" not in e["fields"] and "notes" not in e["fields"] for e in entries)
    assert {e["fields"]["district"] for e in entries} == {district.pk}
    header = files["csv/coaching.logentry.csv"].decode("utf-8-sig").splitlines()[0].split(",")
    assert "minutes" in header
    assert "notes" not in header
    assert "teachers" not in header
    other = District.objects.exclude(pk=district.pk).first()
    assert other is not None
    assert other.name not in files["data/teachers.district.json"].decode()


def test_every_table_is_decided_for_a_district_administrators_export():
    assert undecided_tables() == []


@pytest.mark.django_db
def test_an_import_that_cannot_be_whole_is_refused_and_loads_nothing(tenant_a):
    whole = export_bytes()
    before = {portability.label_of(m): m._base_manager.count() for m in portability.exported_models()}
    with pytest.raises(ExportRefused, match="already has people or districts"):
        import_zip(io.BytesIO(whole))
    with pytest.raises(ExportRefused, match="a district administrator's export is for reading elsewhere"):
        import_zip(io.BytesIO(export_bytes(districts=[tenant_a.district])))

    files = members(whole)
    manifest = json.loads(files["manifest.json"])
    manifest["schema_migrations"]["coaching"] = "0001_initial"
    files["manifest.json"] = json.dumps(manifest).encode()
    tampered = io.BytesIO()
    with zipfile.ZipFile(tampered, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    with pytest.raises(ExportRefused, match="made by a Fulcrum of another version"):
        import_zip(io.BytesIO(tampered.getvalue()))
    with pytest.raises(ExportRefused, match="not a zip"):
        import_zip(io.BytesIO(b"plain text"))
    assert {portability.label_of(m): m._base_manager.count() for m in portability.exported_models()} == before


@pytest.mark.django_db
def test_a_district_export_names_another_programs_own_list_only_where_the_district_used_it(tenant_a, tenant_b):
    from coaching.models import Activity, FocusArea
    from coaching.tests.factories import LogEntryFactory

    used = Activity.objects.create(name="A's own PLC walk", program=tenant_a.program, balance="output")
    Activity.objects.create(name="B's private duty", program=tenant_b.program, balance="output")
    FocusArea.objects.create(name="B's private focus", program=tenant_b.program)
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, activity=used, minutes=30)
    files = members(export_bytes(districts=[tenant_a.district]))
    activities = {row["fields"]["name"] for row in json.loads(files["data/coaching.activity.json"])}
    focus_areas = {row["fields"]["name"] for row in json.loads(files["data/coaching.focusarea.json"])}
    assert "A's own PLC walk" in activities
    assert Activity.objects.filter(program=None).count() == len(activities) - 1  # the built-ins, each once
    assert "B's private duty" not in activities
    assert "B's private focus" not in focus_areas
    assert FocusArea.objects.filter(program=None).count() == len(focus_areas)
