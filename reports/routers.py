"""Send a report build's reads to the reports replica; everything else stays on the primary.

The alias a build reads from is held in a context variable that `reports.replica.report_reads`
sets only while the build runs (after checking the replica has caught up). Outside a build, and
whenever no replica is configured, reads go where they always went: the primary ("default").
Writes (report runs, progress, snapshots) and migrations always go to the primary.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Model

REPLICA_ALIAS = "reports"

# The alias the current report build reads from; None outside a build.
build_reads_from: ContextVar[str | None] = ContextVar("build_reads_from", default=None)


class ReportsReplicaRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        return build_reads_from.get()

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS
