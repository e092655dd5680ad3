"""Where a report build reads from: the PostgreSQL replica when it has caught up, else the primary.

With the "reports" database configured (FULCRUM_REPORTS_DATABASE_URL), a build first notes the
primary's WAL position, then asks the replica how far it has replayed. A build reads the replica
only once the replica has replayed up to that position, so its figures include every write
committed before the build started, exactly as if it had read the primary. A lagging replica is
given REPORTS_REPLICA_MAX_WAIT_SECONDS to catch up; a replica still behind, down, or not a
replica at all leaves the build on the primary, with a note that says so.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from .routers import REPLICA_ALIAS, build_reads_from

log = logging.getLogger(__name__)

FIRST_POLL_SECONDS = 0.01  # a healthy replica is milliseconds behind a busy primary
LONGEST_POLL_SECONDS = 0.25
SHOW_WAIT_FROM_SECONDS = 0.1  # shorter waits are the normal streaming delay, not worth a mention


@dataclass(frozen=True)
class ReadSource:
    alias: str  # the database the build read
    note: str  # for people: which one, and why ("" when no replica is configured)


def _seconds(value: float) -> str:
    return f"{value:.1f} s" if value < 10 else f"{value:.0f} s"


def _primary_position() -> str:
    """The primary's current WAL write position. Every transaction committed before this call
    (synchronous_commit on, the default) has its commit record at or before it."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return str(cursor.fetchone()[0])


def _bytes_behind(position: str) -> Decimal | None:
    """How many bytes of WAL the replica has still to replay to reach a primary position, or None
    when the reports database is not in recovery (not a replica)."""
    with connections[REPLICA_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())", [position])
        in_recovery, behind = cursor.fetchone()
    return Decimal(behind) if in_recovery and behind is not None else None


def _close_replica() -> None:
    with suppress(DatabaseError):  # it is already gone
        connections[REPLICA_ALIAS].close()


def _on_primary(note: str, detail: str) -> ReadSource:
    log.warning("Report build reads the primary: %s (%s)", note, detail)
    return ReadSource(DEFAULT_DB_ALIAS, f"{note}; read from the primary")


def choose_read_source(max_wait: float) -> ReadSource:
    """Check the replica (waiting up to max_wait seconds for it to catch up) and say which
    database a build that starts now should read."""
    vendors = {connections[alias].vendor for alias in (DEFAULT_DB_ALIAS, REPLICA_ALIAS)}
    if vendors != {"postgresql"}:
        return _on_primary("the reports database is not a PostgreSQL replica", f"vendors {sorted(vendors)}")
    position = _primary_position()
    started = time.monotonic()
    pause = FIRST_POLL_SECONDS
    try:
        while True:
            behind = _bytes_behind(position)
            waited = time.monotonic() - started
            if behind is None:
                return _on_primary("the reports database is not a replica", "pg_is_in_recovery() is false")
            if behind <= 0:
                if waited < SHOW_WAIT_FROM_SECONDS:
                    return ReadSource(REPLICA_ALIAS, "read from the replica")
                return ReadSource(
                    REPLICA_ALIAS, f"read from the replica after waiting {_seconds(waited)} for it to catch up"
                )
            if waited >= max_wait:
                lag = f"more than {_seconds(waited)} " if waited >= SHOW_WAIT_FROM_SECONDS else ""
                return _on_primary(
                    f"replica {lag}behind",
                    f"{behind} bytes of WAL short of {position} after waiting {waited:.2f} s",
                )
            time.sleep(min(pause, max_wait - waited))
            pause = min(pause * 2, LONGEST_POLL_SECONDS)
    except DatabaseError as exc:
        _close_replica()
        waited = time.monotonic() - started
        return _on_primary("replica unreachable", f"{type(exc).__name__} after {waited:.2f} s: {str(exc).strip()}")


@contextmanager
def report_reads() -> Iterator[ReadSource]:
    """Route the reads of the report build inside the block (see the module docstring)."""
    if REPLICA_ALIAS not in settings.DATABASES:
        yield ReadSource(DEFAULT_DB_ALIAS, "")
        return
    source = choose_read_source(float(settings.REPORTS_REPLICA_MAX_WAIT_SECONDS))
    token = build_reads_from.set(source.alias)
    try:
        yield source
    finally:
        build_reads_from.reset(token)
