"""The report picker's options are cached (per person, a minute) because working them out reads
every district, school, coach and contract a person reaches. A change to any of those (a district
added on the set-up pages, a contract, a coach, an administrator) bumps one version number that is
part of every cache key, so the picker shows the change on the next page, not a minute later."""

from __future__ import annotations

from typing import Any

from django.core.cache import caches
from django.db.models.signals import m2m_changed, post_delete, post_save

from coaching.models import Coach, Contract, Program
from teachers.models import District, School, User

VERSION_KEY = "report-choices-version"


def picker_version() -> int:
    version = caches["fragments"].get_or_set(VERSION_KEY, 1, timeout=None)
    return int(version) if version is not None else 1


def picker_changed(**_kwargs: Any) -> None:
    """Start a new version of every person's picker."""
    cache = caches["fragments"]
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set yet, or evicted: any new value makes every old key unreachable
        cache.set(VERSION_KEY, 2, timeout=None)


def connect() -> None:
    for model in (Contract, District, School, Coach, Program):
        post_save.connect(picker_changed, sender=model, dispatch_uid=f"report_picker_save_{model.__name__}")
        post_delete.connect(picker_changed, sender=model, dispatch_uid=f"report_picker_delete_{model.__name__}")
    for through in (Contract.coaches.through, Program.directors.through, User.administered_districts.through):
        m2m_changed.connect(picker_changed, sender=through, dispatch_uid=f"report_picker_m2m_{through.__name__}")
