"""Beat schedules that stick: settings seed the three report schedules into django-celery-beat's
tables once (at migrate); an administrator's later edit in the Django admin — another time, or the
task disabled — survives beat starting, which builds a real DatabaseScheduler the way
`celery -A config beat` does (setup_schedule runs in its constructor)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from celery.beat import Service
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from config.celery import app
from reports.schedules import CRON_FIELDS, cron_fields, seed_beat_schedules

NIGHTLY = "district school-year reports, nightly"
MONTHLY = "program monthly reports, on the 1st"
REQUEUE = "re-publish queued report runs"
SEEDED = {NIGHTLY, MONTHLY, REQUEUE}
StartBeat = Callable[[], DatabaseScheduler]


@pytest.fixture
def start_beat() -> Iterator[StartBeat]:
    """Start beat as `celery -A config beat` does: its service builds the configured scheduler."""
    started: list[DatabaseScheduler] = []

    def start() -> DatabaseScheduler:
        scheduler = Service(app=app, scheduler_cls=app.conf.beat_scheduler).get_scheduler()
        assert isinstance(scheduler, DatabaseScheduler)
        started.append(scheduler)
        return scheduler

    yield start
    for scheduler in started:
        scheduler._finalize.cancel()  # its sync at interpreter exit would outlive the test database


def counts() -> tuple[int, int, int]:
    return PeriodicTask.objects.count(), CrontabSchedule.objects.count(), IntervalSchedule.objects.count()


def crontab_of(task: PeriodicTask) -> dict[str, str]:
    return {field: getattr(task.crontab, field) for field in CRON_FIELDS}


def assert_seeded_from_settings() -> None:
    tasks = {t.name: t for t in PeriodicTask.objects.select_related("crontab", "interval").filter(name__in=SEEDED)}
    assert set(tasks) == SEEDED
    assert tasks[NIGHTLY].task == "reports.build_district_years"
    assert crontab_of(tasks[NIGHTLY]) == cron_fields(settings.REPORTS_NIGHTLY_CRON)
    assert tasks[MONTHLY].task == "reports.build_program_months"
    assert crontab_of(tasks[MONTHLY]) == cron_fields(settings.REPORTS_MONTHLY_CRON)
    for name in (NIGHTLY, MONTHLY):
        assert str(tasks[name].crontab.timezone) == settings.TIME_ZONE
        assert tasks[name].interval is None
    assert tasks[REQUEUE].task == "reports.requeue_stale"
    assert (tasks[REQUEUE].interval.every, tasks[REQUEUE].interval.period) == (120, IntervalSchedule.SECONDS)
    assert tasks[REQUEUE].crontab is None
    assert all(t.enabled for t in tasks.values())


@pytest.mark.django_db
def test_the_migrated_database_holds_the_three_schedules_from_settings() -> None:
    assert_seeded_from_settings()


@pytest.mark.django_db
def test_migrate_seeds_a_fresh_database() -> None:
    PeriodicTask.objects.all().delete()
    CrontabSchedule.objects.all().delete()
    IntervalSchedule.objects.all().delete()
    call_command("migrate", verbosity=0, interactive=False)
    assert_seeded_from_settings()
    assert counts() == (5, 4, 1)


@pytest.mark.django_db
def test_seeding_again_creates_nothing_and_changes_nothing() -> None:
    before = counts()
    rows = list(PeriodicTask.objects.order_by("pk").values())
    assert seed_beat_schedules() == []
    call_command("migrate", verbosity=0, interactive=False)
    changed = {NIGHTLY: {"task": "reports.build_district_years", "cron": "45 5 * * *"},
               REQUEUE: {"task": "reports.requeue_stale", "every_seconds": 600}}  # fmt: skip
    with override_settings(REPORT_SCHEDULES=changed):  # the environment's crons changed since
        assert seed_beat_schedules() == []
    assert counts() == before
    assert list(PeriodicTask.objects.order_by("pk").values()) == rows
    assert_seeded_from_settings()


@pytest.mark.django_db
def test_a_schedule_missing_from_the_database_is_seeded_alone() -> None:
    PeriodicTask.objects.filter(name=MONTHLY).delete()
    assert seed_beat_schedules() == [MONTHLY]
    assert_seeded_from_settings()


def test_a_malformed_cron_is_refused_with_its_text() -> None:
    with pytest.raises(ValueError, match="'30 2 \\* \\*'"):
        cron_fields("30 2 * *")
    with pytest.raises(ValueError, match="'61 2 \\* \\* \\*'"):
        cron_fields("61 2 * * *")


@pytest.mark.django_db(transaction=True)
def test_an_admins_new_time_survives_beat_starting(start_beat: StartBeat) -> None:
    # DatabaseScheduler loads a crontab task only within two hours of its hour: edit to this hour.
    hour = timezone.localtime().hour
    start_beat()  # beat has run before
    task = PeriodicTask.objects.select_related("crontab").get(name=NIGHTLY)
    crontab = task.crontab
    crontab.minute, crontab.hour = "17", str(hour)
    crontab.save()

    scheduler = start_beat()  # and starts again, after a deployment or a restart

    task.refresh_from_db()
    assert task.crontab_id == crontab.pk
    assert (task.crontab.minute, task.crontab.hour) == ("17", str(hour))
    entry = scheduler.schedule.get(NIGHTLY)
    assert entry is not None, "the edited nightly task is not in beat's schedule"
    assert (entry.schedule.minute, entry.schedule.hour) == ({17}, {hour})
    assert str(entry.schedule.tz) == settings.TIME_ZONE


@pytest.mark.django_db(transaction=True)
def test_an_admins_new_interval_survives_beat_starting(start_beat: StartBeat) -> None:
    start_beat()
    interval = PeriodicTask.objects.select_related("interval").get(name=REQUEUE).interval
    interval.every = 300
    interval.save()

    scheduler = start_beat()

    task = PeriodicTask.objects.select_related("interval").get(name=REQUEUE)
    assert (task.interval_id, task.interval.every) == (interval.pk, 300)
    assert scheduler.schedule[REQUEUE].schedule.run_every == dt.timedelta(seconds=300)


@pytest.mark.django_db(transaction=True)
def test_a_disabled_schedule_stays_disabled_when_beat_starts(start_beat: StartBeat) -> None:
    start_beat()
    task = PeriodicTask.objects.get(name=MONTHLY)
    task.enabled = False
    task.save()

    scheduler = start_beat()

    assert not PeriodicTask.objects.get(name=MONTHLY).enabled
    assert MONTHLY not in scheduler.schedule
    assert REQUEUE in scheduler.schedule


@pytest.mark.django_db(transaction=True)
def test_beat_starting_creates_none_of_the_report_schedules(start_beat: StartBeat) -> None:
    PeriodicTask.objects.filter(name__in=SEEDED).delete()
    assert app.conf.beat_schedule == {}

    scheduler = start_beat()

    assert not PeriodicTask.objects.filter(name__in=SEEDED).exists()
    assert not SEEDED & set(scheduler.schedule)
