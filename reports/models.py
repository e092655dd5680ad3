"""Time-use report snapshots, and the runs that build them.

The database, not the broker, is the record of work to do: a ReportRun row is written in the
same transaction as the request, the broker only rings the doorbell, and a beat task re-publishes
runs still queued. A Snapshot holds one (scope, period)'s figures; a rebuild replaces them in one
transaction, so readers see the old figures or the new ones, never half of each.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
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


class PlanLineKind(models.TextChoices):
    TARGET = "target", "Target"
    AT_MOST = "at_most", "At most"


class TimePlan(models.Model):
    """The time allocation a program agreed with its leaders: program-wide, for one district or
    for one coach (never both). It applies from `starts_on` (a month's first day) until the next
    plan of the same scope starts, so a plan changed in January applies from January."""

    program = models.ForeignKey("coaching.Program", on_delete=models.CASCADE, related_name="time_plans")
    district = models.ForeignKey(
        "teachers.District", null=True, blank=True, on_delete=models.CASCADE, related_name="time_plans"
    )
    coach = models.ForeignKey(
        "coaching.Coach", null=True, blank=True, on_delete=models.CASCADE, related_name="time_plans"
    )
    starts_on = models.DateField(help_text="The first day of the month the plan applies from.")
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["program", "district", "coach", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(district__isnull=True) | Q(coach__isnull=True), name="timeplan_district_or_coach"
            ),
            models.UniqueConstraint(
                fields=["program", "starts_on"],
                condition=Q(district__isnull=True, coach__isnull=True),
                name="timeplan_one_program_plan_per_start",
            ),
            models.UniqueConstraint(
                fields=["program", "district", "starts_on"],
                condition=Q(district__isnull=False),
                name="timeplan_one_district_plan_per_start",
            ),
            models.UniqueConstraint(
                fields=["program", "coach", "starts_on"],
                condition=Q(coach__isnull=False),
                name="timeplan_one_coach_plan_per_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope_label} from {self.starts_on:%B %Y}"

    @property
    def scope_label(self) -> str:
        if self.coach is not None:
            return f"Coach {self.coach.user.get_full_name()}"
        if self.district is not None:
            return f"District {self.district.name}"
        return "Program-wide"


class TimePlanLine(models.Model):
    """One line of a plan: a share of the time for some activities, as a target or a ceiling.
    Activities in no line of the plan make up its "Everything else" line, whose share is the rest."""

    plan = models.ForeignKey(TimePlan, on_delete=models.CASCADE, related_name="lines")
    name = models.CharField(max_length=100)
    activities = models.ManyToManyField("coaching.Activity", related_name="+")
    share = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text="Percent of the time, to one decimal.",
    )
    kind = models.CharField(max_length=10, choices=PlanLineKind.choices, default=PlanLineKind.TARGET)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["plan", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "name"], name="timeplanline_unique_name_per_plan"),
            models.CheckConstraint(condition=Q(share__gte=0) & Q(share__lte=100), name="timeplanline_share_0_to_100"),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.get_kind_display().lower()} {self.share}%"
