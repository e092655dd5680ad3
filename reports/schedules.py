"""The schedules Celery beat runs for reports, seeded once into django-celery-beat's tables.

Settings (``REPORT_SCHEDULES`` in config/settings/base.py, with the crons from
``FULCRUM_REPORTS_NIGHTLY_CRON`` and ``FULCRUM_REPORTS_MONTHLY_CRON``) give each schedule its first
timing. ``migrate`` creates the periodic task of a schedule whose name is not in the database yet;
from then on the row is the site administrators': they change its timing or disable it in the
Django admin, and nothing writes over that — not a later ``migrate``, and not beat's start (Celery's
own ``beat_schedule`` is empty, so DatabaseScheduler.setup_schedule has nothing to copy). A task
deleted in the admin is seeded again, with the settings' timing, at the next ``migrate``: disable it
to stop it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from celery.schedules import crontab
from django.apps import AppConfig
from django.apps.registry import Apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

CRON_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")


def cron_fields(expression: str) -> dict[str, str]:
    """``"30 2 * * *"`` -> ``{"minute": "30", "hour": "2", ...}``. A malformed expression (not five
    fields, or a field Celery refuses, such as minute 61) is a ValueError naming it."""
    parts = expression.split()
    if len(parts) != len(CRON_FIELDS):
        raise ValueError(f"A cron expression has five fields (minute hour day month weekday), not {expression!r}.")
    fields = dict(zip(CRON_FIELDS, parts, strict=True))
    try:
        crontab(**fields)
    except ValueError as exc:
        raise ValueError(f"Not a valid cron expression: {expression!r} ({exc}).") from exc
    return fields


def seed_beat_schedules(
    schedules: Mapping[str, Mapping[str, str | int]] | None = None, *, using: str = DEFAULT_DB_ALIAS
) -> list[str]:
    """Create the periodic task of each schedule whose name the database does not hold yet, each with
    its own crontab (in TIME_ZONE) or interval row, and leave every existing task as it is.

    A schedule is ``{"task": name, "cron": "m h dom mon dow"}`` or ``{"task": name,
    "every_seconds": n}``; by default, the settings' ``REPORT_SCHEDULES``. Answers the names created.
    """
    schedules = settings.REPORT_SCHEDULES if schedules is None else schedules
    created: list[str] = []
    with transaction.atomic(using=using):
        existing = set(
            PeriodicTask.objects.using(using).filter(name__in=list(schedules)).values_list("name", flat=True)
        )
        for name, spec in schedules.items():
            if name in existing:
                continue
            timing: dict[str, Any]
            if "cron" in spec:
                timing = {
                    "crontab": CrontabSchedule.objects.using(using).create(
                        timezone=settings.CELERY_TIMEZONE, **cron_fields(str(spec["cron"]))
                    )
                }
            else:
                timing = {
                    "interval": IntervalSchedule.objects.using(using).create(
                        every=int(spec["every_seconds"]), period=IntervalSchedule.SECONDS
                    )
                }
            PeriodicTask.objects.db_manager(using).create(name=name, task=spec["task"], **timing)
            created.append(name)
    return created


def seed_after_migrate(sender: AppConfig, *, using: str = DEFAULT_DB_ALIAS, apps: Apps | None = None,
                       verbosity: int = 1, **kwargs: object) -> None:  # fmt: skip
    """post_migrate: seed the schedules once django-celery-beat's tables exist (they do not while
    migrating back to a state before them)."""
    if apps is not None:
        try:
            apps.get_model("django_celery_beat", "PeriodicTask")
        except LookupError:
            return
    for name in seed_beat_schedules(using=using):
        if verbosity >= 2:
            print(f"Seeded the beat schedule {name!r} from settings.")
