"""Programs, coaches, contracts, and the heart of the data: coaching log entries."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from teachers.models import District, School, Teacher, User
from toolkit.schoolyear import school_year_label

MIN_CONTRACT_DAYS = 10
MAX_CONTRACT_DAYS = 170
MAX_ENTRY_MINUTES = 720
MAX_DAY_MINUTES = 16 * 60
HALF_DAY_MINUTES = 240  # a day of service under 4 hours counts as half a contract day


class Program(models.Model):
    """The employer of coaches, e.g. a regional center that contracts coaches to districts."""

    name = models.CharField(max_length=200, unique=True)
    directors = models.ManyToManyField(User, blank=True, related_name="directed_programs")
    non_coaching_threshold = models.PositiveSmallIntegerField(
        default=10,
        validators=[MaxValueValidator(100)],
        help_text="Percent of time on non-coaching duties above which reports raise a flag.",
    )
    # Off by default: a teacher's cycle counts toward the program's impact figures only once the
    # teacher has chosen to share it, unless the director sets the program's policy otherwise.
    impact_counts_unshared = models.BooleanField(
        default=False,
        help_text="Count every cycle in the impact figures, not only the cycles teachers shared.",
    )
    # On by default: coaches may tag cycles, goals, PD sessions and resources with the Teacher Leader
    # Model Standards' domains, and the report shows time and cycles by domain. Off hides both.
    standards_lens = models.BooleanField(
        default=True,
        help_text="Offer the Teacher Leader standards' domains as tags; report time and cycles by domain.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StandardsDomain(models.Model):
    """One of the Teacher Leader Model Standards' seven domains (seed 004), shipped as data: an
    optional lens on cycles, goals, PD sessions and resources."""

    number = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"Domain {self.number}: {self.name}"


class Coach(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="coach")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="coaches")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        verbose_name_plural = "coaches"

    def __str__(self) -> str:
        return self.user.display_name


class Contract(models.Model):
    """A district buys a number of coaching days from a program for one school year."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="contracts")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="contracts")
    school_year = models.PositiveSmallIntegerField(
        help_text="The year the school year starts in: 2026 means July 2026 – June 2027."
    )
    contracted_days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(MIN_CONTRACT_DAYS), MaxValueValidator(MAX_CONTRACT_DAYS)]
    )
    daily_rate = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal(0))])
    coaches = models.ManyToManyField(
        Coach,
        blank=True,
        related_name="contracts",
        help_text="Leave empty to let every coach of the program serve this district.",
    )

    class Meta:
        ordering = ["-school_year", "district__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "district", "school_year"], name="contract_one_per_program_district_year"
            ),
            models.CheckConstraint(
                condition=Q(contracted_days__gte=MIN_CONTRACT_DAYS) & Q(contracted_days__lte=MAX_CONTRACT_DAYS),
                name="contract_days_between_10_and_170",
            ),
            models.CheckConstraint(condition=Q(daily_rate__gte=0), name="contract_rate_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.district} · {school_year_label(self.school_year)}"

    @property
    def school_year_label(self) -> str:
        return school_year_label(self.school_year)


class ActivityKind(models.TextChoices):
    COACHING = "coaching", "Coaching activity"
    NON_COACHING = "non_coaching", "Non-coaching duty"


class Balance(models.TextChoices):
    INPUT = "input", "Input"
    OUTPUT = "output", "Output"


class Activity(models.Model):
    """What the time was spent doing. Built-ins ship in a data migration; programs may add more."""

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=ActivityKind.choices, default=ActivityKind.COACHING)
    balance = models.CharField(
        max_length=10,
        choices=Balance.choices,
        blank=True,
        help_text="Input or output side of the coaching role; empty for non-coaching duties.",
    )
    program = models.ForeignKey(
        Program,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
        help_text="Empty for the built-in list every program shares.",
    )
    position = models.PositiveSmallIntegerField(default=100)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "position", "name"]
        verbose_name_plural = "activities"
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="activity_unique_name_per_program"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(program__isnull=True), name="activity_unique_builtin_name"
            ),
            models.CheckConstraint(
                condition=(Q(kind=ActivityKind.COACHING) & ~Q(balance=""))
                | (Q(kind=ActivityKind.NON_COACHING) & Q(balance="")),
                name="activity_balance_only_for_coaching",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FocusArea(models.Model):
    """What the time was about (technology integration, literacy, …). Programs edit the list."""

    name = models.CharField(max_length=100)
    program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.CASCADE, related_name="focus_areas")
    position = models.PositiveSmallIntegerField(default=100)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="focus_area_unique_name_per_program"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(program__isnull=True), name="focus_area_unique_builtin_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Format(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    VIRTUAL = "virtual", "Virtual"


class LogEntry(models.Model):
    """One block of a coach's time: when, how long, where, with whom, doing what, about what."""

    coach = models.ForeignKey(Coach, on_delete=models.PROTECT, related_name="entries")
    # The program the time was delivered for: the coach's program when it was logged. Kept on the
    # entry so a coach who moves programs leaves their history with the program that delivered it,
    # and so a program's report reads one index instead of joining every coach.
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="entries", editable=False)
    date = models.DateField()
    # Denormalised from `date` by the service, so contract and report queries group on a column.
    school_year = models.PositiveSmallIntegerField(editable=False)
    minutes = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(MAX_ENTRY_MINUTES)])
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="log_entries")
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT, related_name="log_entries")
    teachers = models.ManyToManyField(Teacher, blank=True, related_name="log_entries")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="entries")
    focus_area = models.ForeignKey(FocusArea, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.IN_PERSON)
    notes = models.TextField(blank=True, help_text="Private to you.")
    # A priority of the district's coaching plan for the entry's program and school year.
    priority = models.ForeignKey(
        "PlanPriority", null=True, blank=True, on_delete=models.SET_NULL, related_name="entries"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "start_time", "created_at"]
        verbose_name_plural = "log entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=1) & Q(minutes__lte=MAX_ENTRY_MINUTES), name="entry_minutes_1_to_720"
            ),
        ]
        indexes = [
            models.Index(fields=["coach", "date"], name="entry_coach_date"),
            models.Index(fields=["district", "school_year", "date"], name="entry_district_year_date"),
            models.Index(fields=["program", "school_year", "date"], name="entry_program_year_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date} · {self.activity} · {self.minutes} min"

    @property
    def hours(self) -> float:
        return self.minutes / 60


class EntryChange(models.Model):
    """A log entry was saved, deleted or had its teachers changed: where and when it was, so a
    report can tell how many entries changed since its snapshot was built, and rebuild it.

    Plain ids, not foreign keys: the row outlives a deleted entry. An edit that moves an entry
    writes two rows, one for where it was and one for where it is now."""

    entry_id = models.BigIntegerField()
    coach_id = models.BigIntegerField()
    program_id = models.BigIntegerField()
    district_id = models.BigIntegerField()
    school_id = models.BigIntegerField(null=True)
    date = models.DateField()
    changed_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-changed_at"]

    def __str__(self) -> str:
        return f"entry {self.entry_id} changed {self.changed_at:%Y-%m-%d %H:%M}"


# --------------------------------------------------------------------------- group learning


# --------------------------------------------------------------------------- bringing history in


class HistoryUpload(models.Model):
    """A history file between its upload and its import: the parsed rows, kept on the server so
    the import reads exactly what was previewed. One per person (a new upload replaces it); it
    expires after HISTORY_UPLOAD_HOURS."""

    owner = models.OneToOneField(User, on_delete=models.CASCADE, related_name="history_upload")
    program_wide = models.BooleanField(default=False)
    filename = models.CharField(max_length=200, blank=True)
    rows = models.JSONField(default=list, help_text="[line, {column: cell}] for every non-blank line.")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.filename or 'history file'} · {len(self.rows)} rows"


class ImportedEntry(models.Model):
    """A log entry brought in from a history file, with the fingerprint of its row, so importing
    the same file again adds nothing."""

    entry = models.OneToOneField(LogEntry, on_delete=models.CASCADE, related_name="imported")
    coach = models.ForeignKey(Coach, on_delete=models.CASCADE, related_name="imported_entries")
    fingerprint = models.CharField(max_length=64)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "imported entries"
        constraints = [
            models.UniqueConstraint(fields=["coach", "fingerprint"], name="imported_entry_unique_fingerprint"),
        ]

    def __str__(self) -> str:
        return f"entry {self.entry_id} (imported)"


# --------------------------------------------------------------------------- month close


class MonthStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned"


# A month in one of these states keeps its entries as they are: no logging, editing or deleting.
LOCKED_MONTH_STATUSES = (MonthStatus.SUBMITTED, MonthStatus.APPROVED)


class CoachMonth(models.Model):
    """A coach's month once it is submitted: waiting for the director, approved (its entries are
    locked and count as billable), or returned with a note (editable again). A month with no row
    is open."""

    coach = models.ForeignKey(Coach, on_delete=models.CASCADE, related_name="months")
    month = models.DateField(help_text="The first day of the month.")
    status = models.CharField(max_length=10, choices=MonthStatus.choices)
    submitted_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True, help_text="The director's note when the month is returned or reopened.")
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reopen_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-month", "coach"]
        constraints = [
            models.UniqueConstraint(fields=["coach", "month"], name="coach_month_one_per_coach_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="coach_month_first_day"),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in MonthStatus]), name="coach_month_status_known"
            ),
        ]
        indexes = [models.Index(fields=["status", "month"], name="coach_month_status_month")]

    def __str__(self) -> str:
        return f"{self.coach} · {self.month:%B %Y} · {self.get_status_display()}"

    @property
    def locked(self) -> bool:
        return self.status in LOCKED_MONTH_STATUSES


# --------------------------------------------------------------------------- the offline queue


class OfflineReceipt(models.Model):
    """A log entry sent from a phone's offline queue, by its idempotency key: the key's primary-key
    constraint decides which of two sends of the same entry stores it (the other gets this row and
    answers with its entry), so an entry retried after a lost answer, or sent twice at once, is
    stored exactly once. Written only when the entry is stored: a refused entry leaves no row, and
    the coach resends it, fixed, under the same key."""

    key = models.UUIDField(primary_key=True)
    coach = models.ForeignKey(Coach, on_delete=models.CASCADE, related_name="offline_receipts")
    # Null once the coach deletes the entry: a late resend of its key then stores nothing again.
    entry = models.OneToOneField(
        LogEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="offline_receipt"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.key} · {self.coach}"


# --------------------------------------------------------------------------- the district's coaching plan


class CoachingPlan(models.Model):
    """A district's coaching plan with one program for one school year: agreed at the kick-off call
    (its date and notes), with priorities, the services chosen, an onboarding checklist and the
    program director's site visits and check-ins."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="coaching_plans")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="coaching_plans")
    school_year = models.PositiveSmallIntegerField(
        help_text="The year the school year starts in: 2026 means July 2026 – June 2027."
    )
    kickoff_on = models.DateField(null=True, blank=True, verbose_name="kick-off call")
    notes = models.TextField(blank=True, max_length=5000, help_text="What the kick-off call agreed.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-school_year", "district__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "district", "school_year"], name="coaching_plan_one_per_program_district_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district} · {school_year_label(self.school_year)}"

    @property
    def school_year_label(self) -> str:
        return school_year_label(self.school_year)


class PlanPriority(models.Model):
    """One of a plan's priorities, identified at the kick-off call. Log entries, cycles and PD
    sessions of that district and year may name it."""

    plan = models.ForeignKey(CoachingPlan, on_delete=models.CASCADE, related_name="priorities")
    title = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name_plural = "plan priorities"
        constraints = [
            models.UniqueConstraint(fields=["plan", "title"], name="plan_priority_unique_title"),
        ]

    def __str__(self) -> str:
        return self.title


class ServiceKind(models.TextChoices):
    """The services a district chooses. Each is counted from the records in one way, decided in
    `coaching.coaching_plans.SERVICE_SOURCES`."""

    CYCLES = "cycles", "One-on-one coaching cycles"
    TEAM_DISCUSSIONS = "team_discussions", "Grade-level team discussions"
    GROUP_PD = "group_pd", "Large-group professional learning"
    MODELED_LESSONS = "modeled_lessons", "Modeled or co-taught lessons"
    CO_PLANNING = "co_planning", "Co-planning sessions"
    TECHNICAL_TRAINING = "technical_training", "Technical trainings"


class PlanService(models.Model):
    """A service chosen in a plan, with the number planned for the year."""

    plan = models.ForeignKey(CoachingPlan, on_delete=models.CASCADE, related_name="services")
    kind = models.CharField(max_length=30, choices=ServiceKind.choices)
    planned = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(999)])

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "kind"], name="plan_service_one_per_kind"),
            models.CheckConstraint(
                condition=Q(planned__gte=1) & Q(planned__lte=999), name="plan_service_planned_1_to_999"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.planned}"


class OnboardingItem(models.Model):
    """A step of the onboarding checklist that gets the coach started; ticked with who and when."""

    plan = models.ForeignKey(CoachingPlan, on_delete=models.CASCADE, related_name="onboarding_items")
    text = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class VisitKind(models.TextChoices):
    SITE_VISIT = "site_visit", "Site visit"
    CHECK_IN = "check_in", "Check-in"


class SiteVisit(models.Model):
    """The program director's site visit or check-in with a district: for the program's directors
    only (district administrators and coaches never see these rows or their notes)."""

    plan = models.ForeignKey(CoachingPlan, on_delete=models.CASCADE, related_name="visits")
    kind = models.CharField(max_length=20, choices=VisitKind.choices, default=VisitKind.SITE_VISIT)
    date = models.DateField()
    notes = models.TextField(blank=True, max_length=5000)
    recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.date}"
