"""Time-use report snapshots, and the runs that build them.

The database, not the broker, is the record of work to do: a ReportRun row is written in the
same transaction as the request, the broker only rings the doorbell, and a beat task re-publishes
runs still queued. A Snapshot holds one (scope, period)'s figures; a rebuild replaces them in one
transaction, so readers see the old figures or the new ones, never half of each.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from teachers.models import User


class ScopeKind(models.TextChoices):
    DISTRICT = "district", "District"
    PROGRAM = "program", "Program"
    COACH = "coach", "Coach"
    SCHOOL = "school", "School"
    ALL = "all", "All data"


class Snapshot(models.Model):
    scope_kind = models.CharField(max_length=10, choices=ScopeKind.choices)
    scope_id = models.PositiveBigIntegerField(help_text="0 for the all-data scope.")
    scope_program = models.PositiveBigIntegerField(
        default=0, help_text="A district's or school's report narrowed to one program's time; 0 for every program."
    )
    period_start = models.DateField()
    period_end = models.DateField()
    period_label = models.CharField(max_length=60)
    figures = models.JSONField()
    built_at = models.DateTimeField()
    data_as_of = models.DateTimeField(
        null=True, help_text="When the build began reading: entry changes after this are not in the figures."
    )
    build_ms = models.PositiveIntegerField()
    source = models.CharField(
        max_length=200, blank=True, help_text="Which database the build read, when a reports replica is configured."
    )

    class Meta:
        ordering = ["-built_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["scope_kind", "scope_id", "scope_program", "period_start", "period_end"],
                name="snapshot_one_per_scope_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope_kind}:{self.scope_id} {self.period_label}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ReportRun(models.Model):
    scope_kind = models.CharField(max_length=10, choices=ScopeKind.choices)
    scope_id = models.PositiveBigIntegerField()
    scope_program = models.PositiveBigIntegerField(default=0)
    period_start = models.DateField()
    period_end = models.DateField()
    period_label = models.CharField(max_length=60)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done, for the progress bar.")
    requested_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    trigger = models.CharField(
        max_length=20, default="request", help_text="request, schedule, change (entries changed) or command."
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    snapshot = models.ForeignKey(Snapshot, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="run_status_created"),
            models.Index(fields=["scope_kind", "scope_id", "period_start", "period_end"], name="run_scope_period"),
            models.Index(fields=["requested_by", "created_at"], name="run_requested_by_created"),
        ]
        constraints = [
            # At most one pending run per report: a second request joins the first.
            models.UniqueConstraint(
                fields=["scope_kind", "scope_id", "scope_program", "period_start", "period_end"],
                condition=Q(status__in=["queued", "running"]),
                name="run_one_pending_per_scope_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope_kind}:{self.scope_id} {self.period_label} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)
