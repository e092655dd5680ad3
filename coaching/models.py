"""Programs, coaches, contracts, and the heart of the data: coaching log entries."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from teachers.models import District, GradeBand, School, Teacher, User
from toolkit.schoolyear import school_year_label
from toolkit.uploads import random_stored_name

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

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


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


def resource_upload_to(instance: Resource, filename: str) -> str:
    return random_stored_name("resources", filename)


class ResourceKind(models.TextChoices):
    VIDEO = "video", "Video"
    TEMPLATE = "template", "Template"
    EXAMPLE = "example", "Example"
    ARTICLE = "article", "Article"


class Resource(models.Model):
    """A curated link or file a coach shares. Its QR code opens it for anyone in the room, so it
    is addressed by an unguessable id: resources are shared materials, not confidential content."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="resources")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    link = models.URLField(blank=True, max_length=500)
    file = models.FileField(upload_to=resource_upload_to, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=10, choices=ResourceKind.choices)
    focus_area = models.ForeignKey(FocusArea, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    grade_band = models.CharField(max_length=5, choices=GradeBand.choices, blank=True)
    tags = models.CharField(max_length=200, blank=True, help_text="Comma-separated, e.g. “number sense, PLC”.")
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(condition=~Q(link="") | ~Q(file=""), name="resource_has_link_or_file"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]


class PDSession(models.Model):
    """Group professional learning, e.g. a K–2 Number Sense PLC session."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="pd_sessions")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="pd_sessions")
    facilitator = models.ForeignKey(Coach, on_delete=models.PROTECT, related_name="pd_sessions")
    title = models.CharField(max_length=200)
    date = models.DateField()
    start_time = models.TimeField()
    minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(15), MaxValueValidator(MAX_ENTRY_MINUTES)], help_text="Length in minutes."
    )
    schools = models.ManyToManyField(School, blank=True, related_name="pd_sessions")
    grade_band = models.CharField(max_length=5, choices=GradeBand.choices, blank=True, verbose_name="PLC grade band")
    audience = models.CharField(max_length=200, blank=True, help_text="e.g. “K–2 teachers, grade-level PLC”.")
    description = models.TextField(blank=True)
    capacity = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    resources = models.ManyToManyField(Resource, blank=True, related_name="pd_sessions")
    focus_area = models.ForeignKey(FocusArea, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    attendees = models.ManyToManyField(Teacher, blank=True, related_name="pd_sessions_attended")
    # Facilitating the session is logged once, here, and kept in step with the session.
    log_entry = models.OneToOneField(
        LogEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="pd_session"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-start_time"]
        verbose_name = "PD session"

    def __str__(self) -> str:
        return f"{self.title} ({self.date})"


class SignUpKind(models.TextChoices):
    MODELED_LESSON = "modeled_lesson", "A modeled lesson in my classroom"
    CO_TEACHING = "co_teaching", "Co-teaching in my classroom"


class SignUpStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class SignUp(models.Model):
    """An attendee asks for a modeled lesson or co-teaching in their own classroom."""

    session = models.ForeignKey(PDSession, on_delete=models.CASCADE, related_name="signups")
    teacher = models.ForeignKey(Teacher, on_delete=models.CASCADE, related_name="signups")
    kind = models.CharField(max_length=20, choices=SignUpKind.choices)
    date_preferences = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=SignUpStatus.choices, default=SignUpStatus.REQUESTED)
    scheduled_for = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["status", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["session", "teacher"], name="signup_one_per_teacher_per_session"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.teacher}"


MIN_GROUP, MAX_GROUP = 3, 6


class CoachGroup(models.Model):
    """Coaching the coaches: a small group of 3–6 coaches with a facilitator."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="coach_groups")
    name = models.CharField(max_length=100)
    facilitator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="facilitated_groups")
    members = models.ManyToManyField(Coach, related_name="coach_groups")
    cadence = models.CharField(max_length=100, help_text="e.g. “every other Tuesday, 3:30”.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["program", "name"], name="coach_group_unique_name")]

    def __str__(self) -> str:
        return self.name


class AgendaItem(models.TextChoices):
    EXPERIENCE = "experience_sharing", "Experience sharing"
    RESOURCES = "resource_sharing", "Resource sharing"
    ROLE_PLAY = "role_play", "Role play"
    FEEDBACK = "feedback_practice", "Feedback practice"
    GOALS = "goal_setting", "Goal setting"
    REFLECTION = "reflection", "Reflection"


class GroupMeeting(models.Model):
    group = models.ForeignKey(CoachGroup, on_delete=models.CASCADE, related_name="meetings")
    date = models.DateField()
    agenda = models.JSONField(default=list, help_text="AgendaItem values.")
    attendees = models.ManyToManyField(Coach, blank=True, related_name="group_meetings")
    notes = models.TextField(blank=True, help_text="Visible to the group only.")
    resources = models.ManyToManyField(Resource, blank=True, related_name="group_meetings")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.group} · {self.date}"

    @property
    def agenda_labels(self) -> list[str]:
        labels = dict(AgendaItem.choices)
        return [labels.get(item, item) for item in self.agenda]


class CoachGoal(models.Model):
    """A coach's own PEERS goal, shared with their group when they choose."""

    coach = models.ForeignKey(Coach, on_delete=models.CASCADE, related_name="own_goals")
    group = models.ForeignKey(CoachGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="goals")
    statement = models.TextField()
    measure = models.CharField(max_length=200, blank=True)
    deadline = models.DateField(null=True, blank=True)
    powerful = models.BooleanField(default=False)
    easy = models.BooleanField(default=False)
    emotionally_compelling = models.BooleanField(default=False)
    reachable = models.BooleanField(default=False)
    student_focused = models.BooleanField(default=False)
    shared_with_group = models.BooleanField(default=False)
    met_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["met_on", "-created_at"]

    def __str__(self) -> str:
        return self.statement[:80]


class CoachGoalNote(models.Model):
    goal = models.ForeignKey(CoachGoal, on_delete=models.CASCADE, related_name="notes")
    date = models.DateField()
    note = models.TextField()

    class Meta:
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"{self.date}: {self.note[:40]}"


PRINCIPLES = ["equality", "choice", "voice", "dialogue", "reflection", "praxis", "reciprocity"]
MIN_CHECKIN_RESPONSES = 5


class CheckIn(models.Model):
    """A partnership check-in a coach sends to the teachers they coach: one shared anonymous link."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    coach = models.ForeignKey(Coach, on_delete=models.CASCADE, related_name="checkins")
    title = models.CharField(max_length=200, default="How is our coaching partnership going?")
    closes_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class CheckInResponse(models.Model):
    """One anonymous answer: no teacher, no account, no time of day — only the answers."""

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="responses")
    equality = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    choice = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    voice = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    dialogue = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    reflection = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    praxis = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    reciprocity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(blank=True, max_length=2000)

    def __str__(self) -> str:
        return f"Response to {self.checkin_id}"
