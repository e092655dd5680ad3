"""The group-learning models moved from `coaching` to `learning` without touching the data: a
database built by the code of the commit before the move, with the demo loaded, is migrated by
today's code, and every row of every table is still there, read through the new models."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection

from conftest import need

# The last commit whose code had the group-learning models in `coaching`.
BEFORE_THE_MOVE = "88e0df87c290aad0d84b78a8f071c38b94e08a03"
ROOT = Path(__file__).resolve().parents[2]
# Tables that migrations after the move create (each for a new model, with its content type).
TABLES_ADDED_SINCE = {
    "learning_checkininvite",
    "coaching_historyupload",
    "coaching_importedentry",
    "teachers_invitation",
    "cycles_yearenddecision",
    "coaching_coachmonth",  # month close
    "calendars_calendardraft",  # calendars
    "calendars_calendardraft_teachers",
    "calendars_calendarfeed",
    "coaching_offlinereceipt",  # the offline queue
    "programs_statement",  # contract statements
    "programs_statementcounter",
    "reports_timeplan",  # the agreed time plan
    "reports_timeplanline",
    "reports_timeplanline_activities",
    # reports by email and reminders
    "subscriptions_subscription",
    "subscriptions_delivery",
    "subscriptions_programmailsettings",
    "subscriptions_coachmailsettings",
    "subscriptions_reminder",
    # issue 16: dplan
    "coaching_coachingplan",
    "coaching_planpriority",
    "coaching_planservice",
    "coaching_onboardingitem",
    "coaching_sitevisit",
    # issue 16: kickoff
    "cycles_kickoff",
    "cycles_kickoff_resources",
    "cycles_planstep",
    "cycles_debrief",
    # issue 16: standards
    "coaching_standardsdomain",
    "cycles_cycle_domains",
    "cycles_goal_domains",
    "coaching_pdsession_domains",
    "coaching_resource_domains",
    # issue 16: impactpage
    "programs_impactpublication",
    # issue 16: followup
    "learning_followupgroup",
    "learning_followupgroup_members",
    "learning_sharedexample",
    "learning_examplecomment",
    "learning_roleplay",
    # issue 17: oidc
    "teachers_signinprovider",
}
MOVED = {
    "Resource": "coaching_resource",
    "PDSession": "coaching_pdsession",
    "SignUp": "coaching_signup",
    "CoachGroup": "coaching_coachgroup",
    "GroupMeeting": "coaching_groupmeeting",
    "CoachGoal": "coaching_coachgoal",
    "CoachGoalNote": "coaching_coachgoalnote",
    "CheckIn": "coaching_checkin",
    "CheckInResponse": "coaching_checkinresponse",
}


def _old_tree(tmp_path: Path) -> Path:
    need(shutil.which("git") is not None and (ROOT / ".git").exists(), "needs the project's git history")
    found = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{BEFORE_THE_MOVE}^{{commit}}"], check=False)
    need(found.returncode == 0, f"commit {BEFORE_THE_MOVE[:10]} is not in this clone's history")
    archive = tmp_path / "before.tar"
    subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(archive), BEFORE_THE_MOVE], check=True, timeout=60)
    tree = tmp_path / "before"
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    # That commit still listed django-filter (no models, no migrations), since dropped from the
    # requirements: its settings run here without it, and nothing else of its code changes.
    (tree / "config" / "settings" / "before_the_move.py").write_text(
        "from .test import *  # noqa: F403\n"
        "INSTALLED_APPS = [a for a in INSTALLED_APPS if a != 'django_filters']  # noqa: F405\n"
    )
    return tree


def _manage(tree: Path, database_url: str, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE", "PYTHONPATH"}}
    settings_module = "config.settings.before_the_move" if tree != ROOT else "config.settings.test"
    env.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE=settings_module)
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=tree, env=env, capture_output=True, text=True,
                          timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _counts(database_url: str, tree: Path) -> dict[str, int]:
    """Rows in every table of the database, read by a short script in that tree's Django."""
    script = (
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    for t in sorted(connection.introspection.table_names(c)):\n"
        "        c.execute(f'SELECT COUNT(*) FROM \"{t}\"')\n"
        "        print('ROW', t, c.fetchone()[0])\n"
    )
    out = _manage(tree, database_url, "shell", "-c", script)
    rows = [line.split()[1:] for line in out.splitlines() if line.startswith("ROW ")]
    return {table: int(count) for table, count in rows}


@pytest.fixture
def scratch_database(tmp_path):
    """A database of its own, of the suite's kind: PostgreSQL on the suite's server, or SQLite."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'before.sqlite3'}"
        return
    import psycopg

    settings = connection.settings_dict
    name = f"fulcrum_move_{uuid.uuid4().hex[:10]}"
    server = {"host": settings["HOST"] or "127.0.0.1", "port": settings["PORT"] or 5432,
              "user": settings["USER"] or "postgres", "password": settings["PASSWORD"] or None}  # fmt: skip
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{server['password']}" if server["password"] else ""
    try:
        yield f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db
def test_a_database_from_before_the_move_keeps_every_row(tmp_path, scratch_database):
    old = _old_tree(tmp_path)
    _manage(old, scratch_database, "migrate", "--noinput", "-v0")
    _manage(old, scratch_database, "load_demo")
    before = _counts(scratch_database, old)
    for table in MOVED.values():
        assert before[table] > 0 or table == "coaching_signup", f"the demo left {table} empty: nothing to check"

    _manage(ROOT, scratch_database, "migrate", "--noinput", "-v0")
    after = _counts(scratch_database, ROOT)
    # Later migrations add models of their own (their tables, content types and permissions);
    # no row of the old database may be lost, and the move itself adds nothing.
    grown = {"django_content_type", "auth_permission"}
    # Beat schedules added since (reports by email, reminders) are seeded by that migrate.
    grown |= {"django_celery_beat_periodictask", "django_celery_beat_crontabschedule"}
    changed = {t: (before[t], after.get(t)) for t in before if t != "django_migrations" and t not in grown
               and after.get(t) != before[t]}  # fmt: skip
    assert changed == {}, f"rows lost or added by the move: {changed}"
    assert all(after[t] >= before[t] for t in grown)
    assert set(after) - set(before) <= TABLES_ADDED_SINCE, "the move created tables"

    # The new models read the same rows, and the content types followed them.
    script = (
        "from django.contrib.contenttypes.models import ContentType\n"
        "from learning import models\n"
        f"for name in {sorted(MOVED)!r}:\n"
        "    model = getattr(models, name)\n"
        "    print('ROW', name, model.objects.count(), model._meta.db_table)\n"
        "print('ROW content_types', ContentType.objects.filter(app_label='coaching', "
        "model__in=[n.lower() for n in " + repr(sorted(MOVED)) + "]).count(), "
        "ContentType.objects.filter(app_label='learning').count())\n"
    )
    lines = _manage(ROOT, scratch_database, "shell", "-c", script).splitlines()
    out = dict(line.split(" ", 2)[1:] for line in lines if line.startswith("ROW "))
    for name, table in MOVED.items():
        count, db_table = out[name].split()
        assert (int(count), db_table) == (before[table], table), name
    stale, learning_types = map(int, out["content_types"].split())
    assert stale == 0
    # The new learning tables that are models (an automatic many-to-many table has no content type).
    learning_models = {m._meta.db_table for m in apps.get_app_config("learning").get_models()}
    new_learning_tables = {t for t in TABLES_ADDED_SINCE if t in learning_models}
    assert learning_types == len(MOVED) + len(new_learning_tables)  # the moved models' and the new ones'
    _manage(ROOT, scratch_database, "makemigrations", "--check", "--dry-run")
