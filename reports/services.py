"""Writes for reports: request a build, run it, keep one snapshot per (scope, period).

The build's Celery task, `report_build`, is defined here beside `report_run_execute`, the function
it runs, so that `_publish` dispatches it without importing `reports.tasks` (which imports this
module for the scheduled tasks: imports point one way, tasks -> services).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
from dataclasses import dataclass
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F, Func, IntegerField, OuterRef, Q, Subquery
from django.utils import timezone

from coaching.models import Coach, Contract, EntryChange, Program
from teachers.models import District, School, User

from .builder import build_figures
from .models import ReportRun, RunStatus, ScopeKind, Snapshot
from .replica import report_reads
from .scopes import Period, Scope

log = logging.getLogger(__name__)


class Transient(Exception):
    """A database or broker hiccup: the task retries with backoff."""


_KEY_FIELDS = ("scope_kind", "scope_id", "scope_program", "period_start", "period_end")


def _key(scope: Scope, period: Period) -> dict[str, Any]:
    return {"scope_kind": scope.kind, "scope_id": scope.pk, "scope_program": scope.program,
            "period_start": period.start, "period_end": period.end}  # fmt: skip


def snapshot_for(scope: Scope, period: Period, *, with_figures: bool = True) -> Snapshot | None:
    """The current snapshot of a report, if one was ever built; without its figures (loaded on
    first use) for a page that may have them rendered already."""
    snapshots = Snapshot.objects.filter(**_key(scope, period))
    return (snapshots if with_figures else snapshots.defer("figures")).first()


def pending_run_for(scope: Scope, period: Period) -> ReportRun | None:
    return ReportRun.objects.filter(**_key(scope, period), status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).first()


def run_state_for(scope: Scope, period: Period) -> tuple[ReportRun | None, ReportRun | None]:
    """(the pending run, the newest finished run if it failed), in one query: at most one run is
    pending, so the newest two runs hold both."""
    pending = failure = None
    for run in ReportRun.objects.filter(**_key(scope, period)).order_by("-created_at")[:2]:
        if run.is_pending:
            pending = pending or run
        elif failure is None:
            failure = run if run.status == RunStatus.FAILED else None
            break
    return pending, failure


@dataclass(frozen=True)
class DashboardState:
    snapshot: Snapshot | None
    pending: ReportRun | None
    failure: ReportRun | None
    changed: int


def dashboard_state(scope: Scope, period: Period) -> DashboardState:
    """What the dashboard shows around a report: its snapshot (without the figures), the run
    pending or last failed, and how many entries changed since the build. One query when the
    snapshot exists and its last run succeeded, as it usually does; one more otherwise."""
    key = _key(scope, period)
    runs = ReportRun.objects.filter(**key).order_by("-created_at")
    changes = EntryChange.objects.filter(_changes_q(key), changed_at__gt=OuterRef("data_as_of"))
    snapshot = (
        Snapshot.objects.filter(**key)
        .defer("figures")
        .annotate(
            changed=Subquery(changes.order_by().annotate(n=_CountDistinct("entry_id")).values("n")[:1]),
            newest_run_status=Subquery(runs.values("status")[:1]),
        )
        .first()
    )
    if snapshot is not None and snapshot.newest_run_status == RunStatus.DONE:
        return DashboardState(snapshot, None, None, snapshot.changed or 0)
    pending, failure = run_state_for(scope, period)
    changed = (snapshot.changed or 0) if snapshot is not None else 0
    return DashboardState(snapshot, pending, failure, changed)


class _CountDistinct(Func):
    """COUNT(DISTINCT …) as a plain expression, so a subquery counts without a GROUP BY."""

    template = "COUNT(DISTINCT %(expressions)s)"
    output_field = IntegerField()


def last_failure_for(scope: Scope, period: Period) -> ReportRun | None:
    """The newest run if it failed (shown to the person until a later run succeeds)."""
    latest = ReportRun.objects.filter(**_key(scope, period)).exclude(status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
    run = latest.order_by("-created_at").first()
    return run if run and run.status == RunStatus.FAILED else None


def jobs_run_in_process() -> bool:
    """True without a broker (REDIS_URL unset): builds run in the request that asks for them."""
    return bool(report_build.app.conf.task_always_eager)


def builds_left_for(user: User) -> int:
    """How many more builds this person may start this hour (REPORTS_BUILDS_PER_HOUR), counted
    from the run rows so every web process agrees."""
    since = timezone.now() - dt.timedelta(hours=1)
    started = ReportRun.objects.filter(requested_by=user, created_at__gte=since).count()
    return settings.REPORTS_BUILDS_PER_HOUR - started


def _publish(run_id: int, countdown: int = 0) -> None:
    """Ring the broker's doorbell. If the broker is down, the run stays queued in the database
    and the requeue beat task publishes it later: nothing is lost."""
    if jobs_run_in_process():  # no broker: the build runs here, now; a failure is on the run row
        try:
            report_build.delay(run_id)
        except Exception:
            log.warning("Report run %s failed in-process", run_id, exc_info=True)
        return
    try:
        report_build.apply_async((run_id,), countdown=countdown)  # Celery reads a countdown of 0 as none
    except Exception:  # the broker is unreachable or slow; the row is the record of work
        log.warning("Could not publish report run %s; it stays queued", run_id, exc_info=True)
        return
    ReportRun.objects.filter(pk=run_id).update(published_at=timezone.now())


def report_request(
    *, scope: Scope, period: Period, by: User | None, trigger: str = "request", countdown: int = 0
) -> ReportRun:
    """Queue a build of one report, or join the build already queued or running for it.
    `countdown` delays the build (debounce: changes arriving meanwhile join the same run)."""
    existing = pending_run_for(scope, period)
    if existing is not None:
        if trigger == "request" and existing.status == RunStatus.QUEUED and existing.trigger == "change":
            # Someone is waiting for it: the debounced rebuild goes now. If its delayed copy is
            # delivered later, the run is no longer queued and that copy does nothing.
            ReportRun.objects.filter(pk=existing.pk).update(trigger="request")
            transaction.on_commit(lambda: _publish(existing.pk))
        return existing
    try:
        with transaction.atomic():
            run = ReportRun.objects.create(**_key(scope, period), period_label=period.label, requested_by=by,
                                           trigger=trigger)  # fmt: skip
            transaction.on_commit(lambda: _publish(run.pk, countdown))
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


def report_run_execute(run_id: int, *, today: dt.date | None = None) -> Snapshot | None:
    """Build the report of a run and save its snapshot. Idempotent: a run already done or failed
    is left alone; a crash leaves the previous snapshot in place and the failure on the run."""
    if not _claim(run_id):
        return None
    run = ReportRun.objects.get(pk=run_id)
    scope = Scope(run.scope_kind, run.scope_id, _scope_name(run), program=run.scope_program)
    period = Period(run.period_start, run.period_end, run.period_label, "")
    started = time.monotonic()
    data_as_of = timezone.now()
    last_write = [started]

    def progress(percent: int) -> None:
        # At most one progress write a quarter second: a fast build writes none.
        now = time.monotonic()
        if now - last_write[0] < 0.25:
            return
        last_write[0] = now
        ReportRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(progress=max(1, min(percent, 99)))

    try:
        with report_reads() as source:  # the replica when it has caught up, else the primary
            figures = build_figures(scope, period, today=today or timezone.localdate(), progress=progress)
        build_ms = int((time.monotonic() - started) * 1000)
        with transaction.atomic():
            snapshot = _save_snapshot(run, figures, build_ms, data_as_of, source.note)
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
    if entries_changed_since(snapshot):
        # Entries changed while this build read: build once more (debounced) to take them in.
        report_request(scope=scope, period=period, by=None, trigger="change", countdown=CHANGE_DEBOUNCE_SECONDS)
    return snapshot


@shared_task(
    name="reports.build",
    # The run row is the result: storing one in Redis too would make every publish wait on the
    # result backend, which hangs a web request for many seconds when Redis is down.
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Transient,),
    retry_backoff=True,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=300,
    time_limit=360,
)
def report_build(run_id: int) -> str:
    """The Celery task: build one queued report run into its snapshot. Thin: an id in,
    `report_run_execute` does the work; safe to run twice (acks late)."""
    snapshot = report_run_execute(run_id)
    return f"snapshot {snapshot.pk}" if snapshot else "nothing to do"


def _save_snapshot(
    run: ReportRun, figures: dict[str, Any], build_ms: int, data_as_of: dt.datetime, source: str = ""
) -> Snapshot:
    """Replace the (scope, period)'s figures in one statement-level upsert under a row lock."""
    key = {"scope_kind": run.scope_kind, "scope_id": run.scope_id, "scope_program": run.scope_program,
           "period_start": run.period_start, "period_end": run.period_end}  # fmt: skip
    values = {"figures": figures, "built_at": timezone.now(), "build_ms": build_ms, "period_label": run.period_label,
              "data_as_of": data_as_of, "source": source}  # fmt: skip
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
    models: dict[ScopeKind, type[District | Program | School | Coach]] = {
        ScopeKind.DISTRICT: District,
        ScopeKind.PROGRAM: Program,
        ScopeKind.SCHOOL: School,
        ScopeKind.COACH: Coach,
    }
    model = models.get(ScopeKind(run.scope_kind))
    if model is None:
        return "All programs and districts"
    row = model.objects.filter(pk=run.scope_id).first()
    return str(row) if row else f"{run.scope_kind} {run.scope_id}"


# ---------------------------------------------------------------------- keeping snapshots fresh

CHANGE_DEBOUNCE_SECONDS = 30
# Where a changed entry was or now is, as `coaching.changes.entries_changed` announces it:
# (entry id, coach id, program id, district id, school id or None, date).
Place = tuple[int, int, int, int, int | None, dt.date]
# Snapshots of periods that ended longer ago than this are not rebuilt on their own when an old
# entry changes; they say how many entries changed and offer a rebuild.
FRESH_PERIOD_DAYS = 45


def _changes_q(key: dict[str, Any]) -> Q:
    """Entry changes that fall inside a report's scope and period (given as `_key` gives them)."""
    q = Q(date__range=(key["period_start"], key["period_end"]))
    kind = ScopeKind(key["scope_kind"])
    column = {ScopeKind.DISTRICT: "district_id", ScopeKind.PROGRAM: "program_id", ScopeKind.COACH: "coach_id",
              ScopeKind.SCHOOL: "school_id"}.get(kind)  # fmt: skip
    if column:
        q &= Q(**{column: key["scope_id"]})
    if key["scope_program"] and kind != ScopeKind.PROGRAM:
        q &= Q(program_id=key["scope_program"])
    return q


def entries_changed_since(snapshot: Snapshot | None) -> int:
    """How many distinct entries of the snapshot's scope and period changed after its build began
    reading (one indexed query)."""
    if snapshot is None or snapshot.data_as_of is None:
        return 0
    key = {field: getattr(snapshot, field) for field in _KEY_FIELDS}
    changes = EntryChange.objects.filter(_changes_q(key), changed_at__gt=snapshot.data_as_of)
    return changes.values("entry_id").distinct().count()


def snapshots_affected_by(places: list[Place], *, today: dt.date) -> list[Snapshot]:
    """The snapshots of current periods whose figures the changed places are in (one query)."""
    recent = today - dt.timedelta(days=FRESH_PERIOD_DAYS)
    q = Q()
    for _entry, coach, program, district, school, day in places:
        in_period = Q(period_start__lte=day, period_end__gte=day)
        whose = (
            Q(scope_kind=ScopeKind.DISTRICT, scope_id=district, scope_program__in=[0, program])
            | Q(scope_kind=ScopeKind.PROGRAM, scope_id=program)
            | Q(scope_kind=ScopeKind.COACH, scope_id=coach)
            | Q(scope_kind=ScopeKind.ALL)
        )
        if school:
            whose |= Q(scope_kind=ScopeKind.SCHOOL, scope_id=school, scope_program__in=[0, program])
        q |= in_period & whose
    if not q:
        return []
    return list(Snapshot.objects.filter(q, period_end__gte=recent).defer("figures"))


def snapshots_refresh_for_changes(*, places: list[Place], **_: object) -> int:
    """Queue a debounced rebuild of every current snapshot the changed entries fall in: at most
    one pending run per report (the run rows' constraint), so a burst of edits builds once."""
    return _rebuild_later(snapshots_affected_by(places, today=timezone.localdate()))


def snapshots_refresh_for_plan(*, program: int, since: dt.date) -> int:
    """Queue a debounced rebuild of every current snapshot a program's time plan is compared in,
    from the plan's first month on: the program's report, its coaches', those of the districts it
    has contracts with (and their schools), and the all-data report (one query)."""
    recent = timezone.localdate() - dt.timedelta(days=FRESH_PERIOD_DAYS)
    districts = Contract.objects.filter(program_id=program).values("district_id")
    whose = (
        Q(scope_kind=ScopeKind.PROGRAM, scope_id=program)
        | Q(scope_kind=ScopeKind.COACH, scope_id__in=Coach.objects.filter(program_id=program).values("pk"))
        | Q(scope_kind=ScopeKind.DISTRICT, scope_id__in=districts, scope_program__in=[0, program])
        | Q(scope_kind=ScopeKind.SCHOOL, scope_id__in=School.objects.filter(district_id__in=districts).values("pk"),
            scope_program__in=[0, program])
        | Q(scope_kind=ScopeKind.ALL)
    )  # fmt: skip
    return _rebuild_later(list(Snapshot.objects.filter(whose, period_end__gte=max(since, recent)).defer("figures")))


def _rebuild_later(snapshots: list[Snapshot]) -> int:
    queued = 0
    for snapshot in snapshots:
        scope = Scope(snapshot.scope_kind, snapshot.scope_id, program=snapshot.scope_program)
        period = Period(snapshot.period_start, snapshot.period_end, snapshot.period_label, "")
        try:
            report_request(scope=scope, period=period, by=None, trigger="change", countdown=CHANGE_DEBOUNCE_SECONDS)
        except Exception:  # a rebuild that cannot be queued must never fail the coach's save
            log.warning("Could not queue a rebuild of snapshot %s", snapshot.pk, exc_info=True)
            continue
        queued += 1
    return queued


def requeue_stale(*, older_than_seconds: int = 120) -> int:
    """Publish again the runs still queued after a while (the broker was down, or lost them)."""
    cutoff = timezone.now() - dt.timedelta(seconds=older_than_seconds)
    stale = list(
        ReportRun.objects.filter(status=RunStatus.QUEUED, created_at__lt=cutoff)
        .filter(Q(published_at__isnull=True) | Q(published_at__lt=cutoff))
        .values_list("pk", flat=True)[:500]
    )
    for run_id in stale:
        _publish(run_id)
    return len(stale)


def report_build_now(*, scope: Scope, period: Period, today: dt.date | None = None) -> Snapshot:
    """Build a report here and now (not through the queue) and answer its fresh snapshot: for a
    job that needs today's figures before going on, such as a report sent by email. Joins the
    run already pending for the report, if any; a build that fails raises, with the failure on
    the run row."""
    run = pending_run_for(scope, period)
    if run is None:
        try:
            with transaction.atomic():
                run = ReportRun.objects.create(**_key(scope, period), period_label=period.label, trigger="schedule")
        except IntegrityError:  # queued a moment ago by someone else: build that one
            run = pending_run_for(scope, period)
    snapshot = report_run_execute(run.pk, today=today) if run is not None else None
    if snapshot is None:  # another process finished the pending run first
        snapshot = snapshot_for(scope, period)
    if snapshot is None:
        raise RuntimeError(f"The report {scope.key} for {period.label} could not be built.")
    return snapshot
