"""Writes for reports: request a build, run it, keep one snapshot per (scope, period)."""

from __future__ import annotations

import logging
import time
import traceback
from typing import Any

from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from coaching.models import Coach, Program
from teachers.models import District, School, User

from .builder import build_figures
from .models import ReportRun, RunStatus, ScopeKind, Snapshot
from .replica import report_reads
from .scopes import Period, Scope

log = logging.getLogger(__name__)


class Transient(Exception):
    """A database or broker hiccup: the task retries with backoff."""


def _key(scope: Scope, period: Period) -> dict[str, Any]:
    return {"scope_kind": scope.kind, "scope_id": scope.pk, "period_start": period.start, "period_end": period.end}


def snapshot_for(scope: Scope, period: Period) -> Snapshot | None:
    """The current snapshot of a report, if one was ever built."""
    return Snapshot.objects.filter(**_key(scope, period)).first()


def pending_run_for(scope: Scope, period: Period) -> ReportRun | None:
    return ReportRun.objects.filter(**_key(scope, period), status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).first()


def last_failure_for(scope: Scope, period: Period) -> ReportRun | None:
    """The newest run if it failed (shown to the person until a later run succeeds)."""
    latest = ReportRun.objects.filter(**_key(scope, period)).exclude(status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
    run = latest.order_by("-created_at").first()
    return run if run and run.status == RunStatus.FAILED else None


def _jobs_run_in_process() -> bool:
    from .tasks import report_build

    return bool(report_build.app.conf.task_always_eager)


def _publish(run_id: int) -> None:
    """Ring the broker's doorbell. If the broker is down, the run stays queued in the database
    and the requeue beat task publishes it later: nothing is lost."""
    from .tasks import report_build

    if _jobs_run_in_process():  # no broker: the build runs here, now; a failure is on the run row
        try:
            report_build.delay(run_id)
        except Exception:
            log.warning("Report run %s failed in-process", run_id, exc_info=True)
        return
    try:
        report_build.delay(run_id)
    except Exception:  # the broker is unreachable or slow; the row is the record of work
        log.warning("Could not publish report run %s; it stays queued", run_id, exc_info=True)
        return
    ReportRun.objects.filter(pk=run_id).update(published_at=timezone.now())


def report_request(*, scope: Scope, period: Period, by: User | None, trigger: str = "request") -> ReportRun:
    """Queue a build of one report, or join the build already queued or running for it."""
    existing = pending_run_for(scope, period)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            run = ReportRun.objects.create(**_key(scope, period), period_label=period.label, requested_by=by,
                                           trigger=trigger)  # fmt: skip
            transaction.on_commit(lambda: _publish(run.pk))
    except IntegrityError:  # someone queued the same report a moment ago
        pending = pending_run_for(scope, period)
        if pending is None:
            raise
        return pending
    run.refresh_from_db()
    return run


def _claim(run_id: int) -> bool:
    """Take a queued run (or a running one whose worker died: redelivered after acks-late)."""
    claimed = ReportRun.objects.filter(pk=run_id, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1, progress=1
    )
    return bool(claimed)


def report_run_execute(run_id: int, *, today: Any = None) -> Snapshot | None:
    """Build the report of a run and save its snapshot. Idempotent: a run already done or failed
    is left alone; a crash leaves the previous snapshot in place and the failure on the run."""
    if not _claim(run_id):
        return None
    run = ReportRun.objects.get(pk=run_id)
    scope = Scope(run.scope_kind, run.scope_id, _scope_name(run))
    period = Period(run.period_start, run.period_end, run.period_label, "")
    started = time.monotonic()

    def progress(percent: int) -> None:
        ReportRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(progress=max(1, min(percent, 99)))

    try:
        with report_reads() as source:  # the replica when it has caught up, else the primary
            figures = build_figures(scope, period, today=today or timezone.localdate(), progress=progress)
        build_ms = int((time.monotonic() - started) * 1000)
        with transaction.atomic():
            snapshot = _save_snapshot(run, figures, build_ms, source.note)
            ReportRun.objects.filter(pk=run_id).update(
                status=RunStatus.DONE, progress=100, finished_at=timezone.now(), snapshot=snapshot, error=""
            )
    except (Transient, OperationalError, InterfaceError) as exc:
        # The database or broker hiccuped: put the run back in the queue and let the task retry.
        ReportRun.objects.filter(pk=run_id).update(status=RunStatus.QUEUED, progress=0)
        raise Transient(str(exc)) from exc
    except Exception as exc:
        ReportRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        log.error("Report run %s failed:\n%s", run_id, traceback.format_exc())
        raise
    return snapshot


def _save_snapshot(run: ReportRun, figures: dict[str, Any], build_ms: int, source: str = "") -> Snapshot:
    """Replace the (scope, period)'s figures in one statement-level upsert under a row lock."""
    key = {"scope_kind": run.scope_kind, "scope_id": run.scope_id, "period_start": run.period_start,
           "period_end": run.period_end}  # fmt: skip
    values = {"figures": figures, "built_at": timezone.now(), "build_ms": build_ms, "period_label": run.period_label,
              "source": source}  # fmt: skip
    snapshot = Snapshot.objects.select_for_update().filter(**key).first()
    if snapshot is None:
        try:
            with transaction.atomic():
                return Snapshot.objects.create(**key, **values)
        except IntegrityError:  # a concurrent build created it first: update that one
            snapshot = Snapshot.objects.select_for_update().get(**key)
    for name, value in values.items():
        setattr(snapshot, name, value)
    snapshot.save()
    return snapshot


def _scope_name(run: ReportRun) -> str:
    model = {ScopeKind.DISTRICT: District, ScopeKind.PROGRAM: Program, ScopeKind.SCHOOL: School,
             ScopeKind.COACH: Coach}.get(ScopeKind(run.scope_kind))  # fmt: skip
    if model is None:
        return "All programs and districts"
    row = model.objects.filter(pk=run.scope_id).first()
    return str(row) if row else f"{run.scope_kind} {run.scope_id}"


def requeue_stale(*, older_than_seconds: int = 120) -> int:
    """Publish again the runs still queued after a while (the broker was down, or lost them)."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    stale = list(
        ReportRun.objects.filter(status=RunStatus.QUEUED, created_at__lt=cutoff)
        .filter(Q(published_at__isnull=True) | Q(published_at__lt=cutoff))
        .values_list("pk", flat=True)[:500]
    )
    for run_id in stale:
        _publish(run_id)
    return len(stale)
