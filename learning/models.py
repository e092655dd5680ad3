"""Group learning: the resource library, PD sessions and sign-ups, coach groups with their
meetings and goals, partnership check-ins.

The tables keep the names they had when these models lived in `coaching` (`db_table`), so the
move changed no data.
"""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from coaching.models import MAX_ENTRY_MINUTES, Coach, FocusArea, LogEntry, PlanPriority, Program, StandardsDomain
from teachers.models import District, GradeBand, School, Teacher, User
from toolkit.uploads import random_stored_name


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
    domains = models.ManyToManyField(
        StandardsDomain, blank=True, related_name="resources", verbose_name="Teacher Leader standards"
    )
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "coaching_resource"
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
    schools = models.ManyToManyField(
        School, blank=True, related_name="pd_sessions", db_table="coaching_pdsession_schools"
    )
    grade_band = models.CharField(max_length=5, choices=GradeBand.choices, blank=True, verbose_name="PLC grade band")
    audience = models.CharField(max_length=200, blank=True, help_text="e.g. “K–2 teachers, grade-level PLC”.")
    description = models.TextField(blank=True)
    capacity = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    resources = models.ManyToManyField(
        Resource, blank=True, related_name="pd_sessions", db_table="coaching_pdsession_resources"
    )
    focus_area = models.ForeignKey(FocusArea, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    attendees = models.ManyToManyField(
        Teacher, blank=True, related_name="pd_sessions_attended", db_table="coaching_pdsession_attendees"
    )
    domains = models.ManyToManyField(
        StandardsDomain, blank=True, related_name="pd_sessions", verbose_name="Teacher Leader standards"
    )
    # Facilitating the session is logged once, here, and kept in step with the session.
    log_entry = models.OneToOneField(
        LogEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="pd_session"
    )
    # A priority of the district's coaching plan for the session's program and school year.
    priority = models.ForeignKey(
        PlanPriority, null=True, blank=True, on_delete=models.SET_NULL, related_name="pd_sessions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "coaching_pdsession"
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
        db_table = "coaching_signup"
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
    members = models.ManyToManyField(Coach, related_name="coach_groups", db_table="coaching_coachgroup_members")
    cadence = models.CharField(max_length=100, help_text="e.g. “every other Tuesday, 3:30”.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "coaching_coachgroup"
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
    attendees = models.ManyToManyField(
        Coach, blank=True, related_name="group_meetings", db_table="coaching_groupmeeting_attendees"
    )
    notes = models.TextField(blank=True, help_text="Visible to the group only.")
    resources = models.ManyToManyField(
        Resource, blank=True, related_name="group_meetings", db_table="coaching_groupmeeting_resources"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "coaching_groupmeeting"
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
        db_table = "coaching_coachgoal"
        ordering = ["met_on", "-created_at"]

    def __str__(self) -> str:
        return self.statement[:80]


class CoachGoalNote(models.Model):
    goal = models.ForeignKey(CoachGoal, on_delete=models.CASCADE, related_name="notes")
    date = models.DateField()
    note = models.TextField()

    class Meta:
        db_table = "coaching_coachgoalnote"
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"{self.date}: {self.note[:40]}"


PRINCIPLES = ["equality", "choice", "voice", "dialogue", "reflection", "praxis", "reciprocity"]
# The principles as choices (value, label), for a reflection that names the one a session lived up to.
PRINCIPLE_CHOICES = [(p, p.capitalize()) for p in PRINCIPLES]
MIN_CHECKIN_RESPONSES = 5


class CheckIn(models.Model):
    """A partnership check-in a coach sends to the teachers they coach. Each invited teacher gets
    their own single-use link by email (the coach never holds one); results are computed once,
    when the check-in closes, and only from MIN_CHECKIN_RESPONSES answers up."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    coach = models.ForeignKey(Coach, on_delete=models.CASCADE, related_name="checkins")
    title = models.CharField(max_length=200, default="How is our coaching partnership going?")
    closes_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    invited = models.PositiveIntegerField(default=0, help_text="How many teachers were sent a link.")
    answered = models.PositiveIntegerField(default=0, help_text="How many links have been used.")
    closed_at = models.DateTimeField(null=True, blank=True)
    # Frozen at close: {"answers": n, "shown": bool, "principles": [[name, average], ...],
    # "comments": [...], "comments_withheld": bool, "note": str}. Never recomputed.
    results = models.JSONField(null=True, blank=True)

    class Meta:
        db_table = "coaching_checkin"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class CheckInInvite(models.Model):
    """One invited teacher's link, as a hash only: no teacher, no address, no time. The hashes
    are deleted when the check-in closes, so afterwards nothing is left to match a link to."""

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="invites")
    token_hash = models.CharField(max_length=64, unique=True)
    used = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"Invitation to {self.checkin_id}"


class CheckInResponse(models.Model):
    """One anonymous answer: no teacher, no account, no link, no time of day — only the answers."""

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="responses")
    equality = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    choice = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    voice = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    dialogue = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    reflection = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    praxis = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    reciprocity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(blank=True, max_length=2000)

    class Meta:
        db_table = "coaching_checkinresponse"

    def __str__(self) -> str:
        return f"Response to {self.checkin_id}"


# ------------------------------------------------------------ Differentiated follow-up after PD


class FollowUpNeed(models.TextChoices):
    """Where an attendee stands after a PD session, from their follow-up answers or the coach."""

    MASTERED = "mastered", "Mastered the routine"
    GUIDANCE = "guidance", "Needs more guidance"
    MODELING = "modeling", "Asked for modeling"


class FollowUpStep(models.TextChoices):
    """The next step a follow-up group is offered."""

    EXTENSION = "extension", "Extension activities"
    MICRO_MODELING = "micro_modeling", "Micro-modeling in their classroom"
    SMALL_GROUP = "small_group", "A small-group coaching session"


# The step each group is offered unless the coach chooses another.
DEFAULT_STEP = {
    FollowUpNeed.MASTERED: FollowUpStep.EXTENSION,
    FollowUpNeed.GUIDANCE: FollowUpStep.SMALL_GROUP,
    FollowUpNeed.MODELING: FollowUpStep.MICRO_MODELING,
}


class FollowUpGroup(models.Model):
    """The attendees of a PD session the coach placed together by need, with the next step
    offered to them and when it was offered and done. Read by the session's facilitator only."""

    session = models.ForeignKey(PDSession, on_delete=models.CASCADE, related_name="followup_groups")
    need = models.CharField(max_length=10, choices=FollowUpNeed.choices)
    next_step = models.CharField(max_length=15, choices=FollowUpStep.choices)
    members = models.ManyToManyField(Teacher, related_name="+")
    offer = models.TextField(blank=True, max_length=2000, help_text="What was offered, in a sentence or two.")
    offered_on = models.DateField(null=True, blank=True)
    done_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session", "need"]
        constraints = [
            models.UniqueConstraint(fields=["session", "need"], name="followup_group_one_per_need"),
            models.CheckConstraint(
                condition=Q(done_on__isnull=True) | Q(offered_on__isnull=False), name="followup_done_after_offer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_need_display()} · {self.get_next_step_display()}"


# ------------------------------------------------------------------- Shared classroom examples


def example_upload_to(instance: SharedExample, filename: str) -> str:
    return random_stored_name("examples", filename)


class SharedExample(models.Model):
    """A classroom example posted to a PD session's or a coach group's shared space: a file, a
    link or a short note. Read by that session's attendees and facilitator, or that group's
    members and facilitator, only."""

    session = models.ForeignKey(
        PDSession, null=True, blank=True, on_delete=models.CASCADE, related_name="shared_examples"
    )
    group = models.ForeignKey(
        CoachGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="shared_examples"
    )
    author = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(max_length=200)
    note = models.TextField(blank=True, max_length=4000)
    link = models.URLField(blank=True, max_length=500)
    file = models.FileField(upload_to=example_upload_to, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(session__isnull=False) & Q(group__isnull=True))
                | (Q(session__isnull=True) & Q(group__isnull=False)),
                name="shared_example_in_one_space",
            ),
            models.CheckConstraint(
                condition=~Q(note="") | ~Q(link="") | ~Q(file=""), name="shared_example_has_content"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ExampleComment(models.Model):
    """A member's feedback on a shared example."""

    example = models.ForeignKey(SharedExample, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


# ------------------------------------------------------------- Role-play practice in meetings


class RolePlay(models.Model):
    """One coach's turn at role-play practice in a coach-group meeting: the scenario, the
    question stems they practised and their peers' feedback. Read by the group only."""

    meeting = models.ForeignKey(GroupMeeting, on_delete=models.CASCADE, related_name="role_plays")
    scenario = models.CharField(
        max_length=300, help_text="e.g. “A reluctant teacher who says coaching is not for them”."
    )
    practised_by = models.ForeignKey(Coach, on_delete=models.CASCADE, related_name="+")
    question_stems = models.TextField(max_length=2000, help_text="One question stem a line.")
    feedback = models.TextField(blank=True, max_length=4000, help_text="The peers' feedback.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.scenario[:60]

    @property
    def stem_list(self) -> list[str]:
        return [s.strip() for s in self.question_stems.splitlines() if s.strip()]
