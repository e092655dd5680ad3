"""Every change to a log entry is written down (EntryChange) and announced once its transaction
commits (`entries_changed`), so reports can say how many entries changed since a snapshot was
built and rebuild the affected ones.

Model signals, not service calls, because every write path must be caught: the time-log
services, PD attendance, and a site administrator's repair in the Django admin alike. Bulk
loads (`bulk_create`, COPY) send no signals; they are for empty databases (demo, benchmark).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import Signal
from django.utils import timezone

from .models import EntryChange, LogEntry

# Sent after commit with `places`: a list of (entry_id, coach_id, program_id, district_id,
# school_id, date) tuples, each where a changed entry was or now is.
entries_changed = Signal()

Place = tuple[int, int, int, int, int | None, dt.date]
_FIELDS = ("pk", "coach_id", "program_id", "district_id", "school_id", "date")
_pending = threading.local()


class _Paused(threading.local):
    count = 0


_paused = _Paused()


def _place(entry: LogEntry) -> Place:
    return (entry.pk, entry.coach_id, entry.program_id, entry.district_id, entry.school_id, entry.date)


@contextmanager
def entry_changes_paused() -> Iterator[None]:
    """Rows loaded as they were (an import of a whole export) record no changes: they carry their
    own history, EntryChange rows included."""
    _paused.count += 1
    try:
        yield
    finally:
        _paused.count -= 1


def entry_changes_record(places: set[Place]) -> None:
    """Write one EntryChange per place and announce them all once the transaction commits."""
    if not places or _paused.count:
        return
    now = timezone.now()
    EntryChange.objects.bulk_create(
        EntryChange(entry_id=p[0], coach_id=p[1], program_id=p[2], district_id=p[3], school_id=p[4], date=p[5],
                    changed_at=now)
        for p in places
    )  # fmt: skip
    queue: set[Place] = getattr(_pending, "places", set())
    queue |= places
    _pending.places = queue
    transaction.on_commit(_announce)


def _announce() -> None:
    # Each record registers a callback; the first to run announces everything pending, the
    # others find nothing. Places left by a rolled-back transaction only cause one extra rebuild.
    places: set[Place] = getattr(_pending, "places", set())
    _pending.places = set()
    if places:
        entries_changed.send(sender=EntryChange, places=sorted(places, key=str))


def _remember_where_it_was(sender: type[LogEntry], instance: LogEntry, raw: bool = False, **_: Any) -> None:
    if raw or instance.pk is None:
        return
    instance._place_before = (  # type: ignore[attr-defined]  # kept on the instance for post_save only
        LogEntry.objects.filter(pk=instance.pk).values_list(*_FIELDS).first()
    )


def _saved(sender: type[LogEntry], instance: LogEntry, raw: bool = False, **_: Any) -> None:
    if raw:
        return
    places = {_place(instance)}
    before = getattr(instance, "_place_before", None)
    if before:
        places.add(tuple(before))
    entry_changes_record(places)


def _deleted(sender: type[LogEntry], instance: LogEntry, **_: Any) -> None:
    entry_changes_record({_place(instance)})


def _teachers_changed(sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None,
                      **_: Any) -> None:  # fmt: skip
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        entry_changes_record({_place(instance)})
    elif pk_set:
        rows = LogEntry.objects.filter(pk__in=pk_set).values_list(*_FIELDS)
        entry_changes_record({tuple(row) for row in rows})


def connect() -> None:
    """Called once from the app's ready()."""
    pre_save.connect(_remember_where_it_was, sender=LogEntry, dispatch_uid="entry_change_before")
    post_save.connect(_saved, sender=LogEntry, dispatch_uid="entry_change_saved")
    post_delete.connect(_deleted, sender=LogEntry, dispatch_uid="entry_change_deleted")
    m2m_changed.connect(_teachers_changed, sender=LogEntry.teachers.through, dispatch_uid="entry_change_teachers")
