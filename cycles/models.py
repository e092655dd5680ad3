"""Impact Cycles (Identify → Learn → Improve), PEERS goals, progress measures and reflections.

Confidential by default: goals, evidence, notes and reflections belong to the teacher and the
coach. Only the teacher can share a cycle's goal and progress with administrators.
"""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from coaching.models import Coach, LogEntry, PlanPriority, StandardsDomain
from learning.models import PRINCIPLE_CHOICES, GroupMeeting, PDSession, Resource, SignUp
from teachers.models import District, School, Teacher, User
from toolkit.schoolyear import school_year_bounds
from toolkit.uploads import random_stored_name


class Stage(models.TextChoices):
    IDENTIFY = "identify", "Identify"
    LEARN = "learn", "Learn"
    IMPROVE = "improve", "Improve"
    CLOSED = "closed", "Closed"


STAGE_ORDER = [Stage.IDENTIFY, Stage.LEARN, Stage.IMPROVE, Stage.CLOSED]


class Outcome(models.TextChoices):
    GOAL_MET = "goal_met", "Goal met"
    GOAL_REVISED = "goal_revised", "Goal revised (a new cycle follows)"
    ENDED = "ended", "Ended"


class LearnMode(models.TextChoices):
    COACH_MODELS = "coach_models", "Coach models in class"
    VIDEO = "video", "Watch a video"
    VISIT_COLLEAGUE = "visit_colleague", "Visit a colleague"
    CO_TEACHING = "co_teaching", "Co-teaching"


class Cycle(models.Model):
    """One coach with one teacher (or a small team from one school) moving through the stages."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    coach = models.ForeignKey(Coach, on_delete=models.PROTECT, related_name="cycles")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="cycles")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="cycles")
    teachers = models.ManyToManyField(Teacher, related_name="cycles")
    title = models.CharField(max_length=200, help_text="A short name the two of you will recognise.")
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.IDENTIFY)
    # Identify: a clear picture of current reality, and the strategy chosen to reach the goal.
    current_reality = models.TextField(blank=True)
    strategy = models.CharField(max_length=200, blank=True)
    strategy_description = models.TextField(blank=True)
    strategy_resources = models.ManyToManyField(
        Resource, blank=True, related_name="cycles", help_text="Library resources for the strategy."
    )
    domains = models.ManyToManyField(
        StandardsDomain, blank=True, related_name="cycles", verbose_name="Teacher Leader standards"
    )
    # Learn: how the teacher chooses to see the strategy, and when.
    learn_mode = models.CharField(max_length=20, choices=LearnMode.choices, blank=True)
    learn_date = models.DateField(null=True, blank=True)
    coach_notes = models.TextField(blank=True, help_text="Private to the coach.")
    # Closing.
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    goal_met = models.BooleanField(null=True, blank=True)
    closing_note = models.TextField(blank=True)
    # Student agency, revisited at the close (first asked at the kickoff: Kickoff.agency).
    agency_at_close = models.TextField(
        blank=True, verbose_name="How did this empower learners?",
        help_text="Student agency, revisited at the close: what choice and voice did students gain?",
    )  # fmt: skip
    started_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    # The teacher's choice (Choice and Voice): share goal and progress with administrators.
    shared_with_admins = models.BooleanField(default=False)
    shared_changed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every save; refuses stale edits.")
    from_signup = models.OneToOneField(
        SignUp, null=True, blank=True, on_delete=models.SET_NULL, related_name="cycle",
        help_text="The PD sign-up (modeled lesson or co-teaching) this cycle grew from.",
    )  # fmt: skip
    modeled_entry = models.OneToOneField(
        LogEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="modeled_cycle",
        help_text="The coach's log entry of the modeled (or co-taught) lesson of the Learn stage.",
    )  # fmt: skip
    # A priority of the district's coaching plan for the coach's program and the year it started.
    priority = models.ForeignKey(PlanPriority, null=True, blank=True, on_delete=models.SET_NULL, related_name="cycles")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_on", "-created_at"]
        indexes = [
            models.Index(fields=["coach", "stage"], name="cycle_coach_stage"),
            models.Index(fields=["district", "stage"], name="cycle_district_stage"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(stage=Stage.CLOSED) | Q(outcome=""), name="cycle_outcome_only_when_closed"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_closed(self) -> bool:
        return self.stage == Stage.CLOSED

    @property
    def stage_index(self) -> int:
        return STAGE_ORDER.index(Stage(self.stage))


def in_school_year(school_year: int, prefix: str = "") -> Q:
    """Cycles that belong to a school year: started by its last day, and open now or closed on or
    after its first day. `prefix` reaches the cycle through a relation (e.g. "cycle__")."""
    start, end = school_year_bounds(school_year)
    return Q(**{f"{prefix}started_on__lte": end}) & (
        Q(**{f"{prefix}closed_on__isnull": True}) | Q(**{f"{prefix}closed_on__gte": start})
    )


class StageChange(models.Model):
    """Every move between stages: when, by whom, and why when a stage was skipped or revisited."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=10, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=10, choices=Stage.choices)
    changed_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_stage or 'start'} → {self.to_stage}"


class EvidenceKind(models.TextChoices):
    OBSERVATION = "observation", "Observation"
    VIDEO = "video", "Video"
    STUDENT_WORK = "student_work", "Student work"
    STUDENT_INTERVIEW = "student_interview", "Student interview"
    ASSESSMENT_DATA = "assessment_data", "Assessment data"
    SURVEY = "survey", "Survey"
    CONVERSATION = "conversation", "Coaching conversation"


# The evidence that can be the coach's time, and the activity its log entry is under.
TIMED_KINDS = {EvidenceKind.OBSERVATION: "Observation or Feedback", EvidenceKind.CONVERSATION: "Coaching Cycles"}
MODELED_MODES = (LearnMode.COACH_MODELS, LearnMode.CO_TEACHING)
MODELED_ACTIVITY = "Modeling or Co-teaching"


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    return random_stored_name("evidence", filename)


class Evidence(models.Model):
    """A piece of the picture of current reality."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=20, choices=EvidenceKind.choices)
    note = models.TextField(blank=True)
    link = models.URLField(blank=True, max_length=500)
    file = models.FileField(upload_to=evidence_upload_to, blank=True)
    file_name = models.CharField(max_length=200, blank=True, help_text="The name it was uploaded with.")
    content_type = models.CharField(max_length=100, blank=True)
    added_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    # An observation or a conversation recorded with its date and length is the coach's log entry:
    # the date and minutes live in the entry only (deleting the entry leaves the evidence, untimed).
    entry = models.OneToOneField(
        LogEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence",
        help_text="The log entry of this observation or conversation, when it was recorded with its time.",
    )  # fmt: skip

    class Meta:
        ordering = ["added_at", "pk"]
        verbose_name_plural = "evidence"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.added_at:%Y-%m-%d})" if self.added_at else self.get_kind_display()


class Goal(models.Model):
    """A PEERS goal: Powerful, Easy, Emotionally compelling, Reachable, Student-focused.

    It belongs to the teacher; the coach and the teacher can both edit it. Setting a new goal
    keeps the old one (is_current=False) so the history of the cycle stays readable.
    """

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="goals")
    statement = models.TextField(help_text="What will be different for students?")
    measure = models.CharField(
        max_length=200, help_text="The student outcome you will count, e.g. “exit-ticket score ≥ 4/5”."
    )
    unit = models.CharField(max_length=40, default="% of students")
    baseline = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    target = models.DecimalField(max_digits=7, decimal_places=2)
    deadline = models.DateField()
    powerful = models.BooleanField(default=False)
    easy = models.BooleanField(default=False)
    emotionally_compelling = models.BooleanField(default=False)
    reachable = models.BooleanField(default=False)
    student_focused = models.BooleanField(default=False)
    is_current = models.BooleanField(default=True)
    met_on = models.DateField(null=True, blank=True)
    domains = models.ManyToManyField(
        StandardsDomain, blank=True, related_name="goals", verbose_name="Teacher Leader standards"
    )
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_current", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["cycle"], condition=Q(is_current=True), name="goal_one_current_per_cycle"),
        ]

    def __str__(self) -> str:
        return self.statement[:80]

    PEERS_FIELDS = ("powerful", "easy", "emotionally_compelling", "reachable", "student_focused")

    @property
    def peers_checked(self) -> int:
        return sum(bool(getattr(self, name)) for name in self.PEERS_FIELDS)

    @property
    def is_peers(self) -> bool:
        return self.peers_checked == len(self.PEERS_FIELDS)


class ChecklistItem(models.Model):
    """One step of the teaching strategy's checklist; editable per cycle."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="checklist")
    text = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField(default=0)
    done = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class ProgressMeasure(models.Model):
    """A dated data point of the goal's measure."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="measures")
    date = models.DateField()
    value = models.DecimalField(max_digits=7, decimal_places=2)
    n_students = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(1000)])
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"{self.date}: {self.value}"


class AdjustmentKind(models.TextChoices):
    REVISIT_STRATEGY = "revisit_strategy", "Revisit the strategy (back to Learn)"
    CHANGE_TEACHING = "change_teaching", "Change how it is taught"
    NEW_GOAL = "new_goal", "Set a new goal"


class Adjustment(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="adjustments")
    kind = models.CharField(max_length=20, choices=AdjustmentKind.choices)
    note = models.TextField()
    made_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    made_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["made_at", "pk"]

    def __str__(self) -> str:
        return self.get_kind_display()


class CycleTime(models.Model):
    """A log entry counted as time invested in a cycle (an entry belongs to at most one cycle)."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="time_links")
    entry = models.OneToOneField(LogEntry, on_delete=models.CASCADE, related_name="cycle_link")

    def __str__(self) -> str:
        return f"{self.entry} → {self.cycle}"


class Occasion(models.TextChoices):
    AFTER_SESSION = "after_session", "After a coaching session"
    AFTER_IMPLEMENTING = "after_implementing", "After implementing the strategy"
    CYCLE_CLOSE = "cycle_close", "At the close of the cycle"
    FREE = "free", "Free reflection"


class Reflection(models.Model):
    """A structured reflection. Visible to its author and the cycle's coach, nobody else."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cycle = models.ForeignKey(Cycle, null=True, blank=True, on_delete=models.CASCADE, related_name="reflections")
    pd_session = models.ForeignKey(
        PDSession, null=True, blank=True, on_delete=models.CASCADE, related_name="reflections"
    )
    group_meeting = models.ForeignKey(
        GroupMeeting, null=True, blank=True, on_delete=models.CASCADE, related_name="reflections"
    )
    teacher = models.ForeignKey(
        Teacher, null=True, blank=True, on_delete=models.CASCADE, related_name="reflections",
        help_text="The teacher who reflected; empty when a coach reflects.",
    )  # fmt: skip
    author = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="reflections",
        help_text="The signed-in author; empty when a teacher answered through a private link.",
    )  # fmt: skip
    occasion = models.CharField(max_length=20, choices=Occasion.choices, default=Occasion.AFTER_SESSION)
    what_happened = models.TextField()
    what_worked = models.TextField(blank=True)
    what_was_hard = models.TextField(blank=True)
    what_next = models.TextField(blank=True)
    confidence = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    via_link = models.BooleanField(default=False)
    # Knight's partnership principles as a lens: which one the session lived up to, if the teacher
    # says. Read one by one only by the teacher and the cycle's coach; elsewhere in counts of 5 up.
    principle = models.CharField(max_length=20, choices=PRINCIPLE_CHOICES, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | (Q(confidence__gte=1) & Q(confidence__lte=5)),
                name="reflection_confidence_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_occasion_display()} reflection"


class ReflectionLink(models.Model):
    """A private link for a teacher without an account: bound to one teacher and one cycle,
    usable once, expiring. Only the SHA-256 of the token is stored, so a database dump hands out
    no live links."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True)
    cycle = models.ForeignKey(Cycle, null=True, blank=True, on_delete=models.CASCADE, related_name="reflection_links")
    pd_session = models.ForeignKey(
        PDSession, null=True, blank=True, on_delete=models.CASCADE, related_name="reflection_links"
    )
    teacher = models.ForeignKey(Teacher, on_delete=models.CASCADE, related_name="reflection_links")
    occasion = models.CharField(max_length=20, choices=Occasion.choices, default=Occasion.AFTER_SESSION)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    reflection = models.OneToOneField(Reflection, null=True, blank=True, on_delete=models.SET_NULL, related_name="link")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(cycle__isnull=False) & Q(pd_session__isnull=True))
                | (Q(cycle__isnull=True) & Q(pd_session__isnull=False)),
                name="reflection_link_for_a_cycle_or_a_session",
            ),
        ]

    def __str__(self) -> str:
        return f"Reflection link for {self.teacher_id}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


# ---------------------------------------------------------------------------- the end of a school year


class YearEndChoice(models.TextChoices):
    CARRIED = "carried", "Carried over into the new year"
    CLOSED = "closed", "Closed at the end of the year"


class YearEndDecision(models.Model):
    """What the coach decided for an open cycle when a school year ended: carry it into the next
    year (it stays open, nothing of it changes) or close it (through the normal close). One per
    cycle and ending year; the decision is the coach's, and directors see it only as counts."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="year_end_decisions")
    school_year = models.PositiveSmallIntegerField(help_text="The school year that ended: 2026 for 2026–27.")
    decision = models.CharField(max_length=10, choices=YearEndChoice.choices)
    decided_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-decided_at"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "school_year"], name="year_end_one_decision_per_cycle_year"),
        ]
        indexes = [models.Index(fields=["school_year", "decision"], name="year_end_year_decision")]

    def __str__(self) -> str:
        return f"cycle {self.cycle_id}: {self.decision} at the end of {self.school_year}"


# ---------------------------------------------------------------------------- kickoff, action plan, debriefs
#
# The tech-coaching cycle inside the Impact Cycle's stages: a kickoff meeting and an action plan in
# Identify and Learn, a debrief after each lesson in Improve. Each meeting may be the coach's time
# (`entry`, counted toward the cycle once through CycleTime). Confidential like the rest of the cycle:
# the coach and the cycle's teachers read them; administrators see only counts (reports.agency).

KICKOFF_ACTIVITY = "Co-Planning"
DEBRIEF_ACTIVITY = "Observation or Feedback"
AGENCY_QUESTION = "How will this empower learners?"


class Kickoff(models.Model):
    """The kickoff meeting: brainstorm, resources chosen, what students should know, understand and
    do, and the standing question of student agency."""

    cycle = models.OneToOneField(Cycle, on_delete=models.CASCADE, related_name="kickoff")
    held_on = models.DateField(verbose_name="Date of the kickoff")
    brainstorm = models.TextField(blank=True)
    resources = models.ManyToManyField(Resource, blank=True, related_name="kickoffs")
    other_resources = models.TextField(blank=True, help_text="Resources outside the library, one a line.")
    students_know = models.TextField(blank=True, verbose_name="Students should know")
    students_understand = models.TextField(blank=True, verbose_name="Students should understand")
    students_do = models.TextField(blank=True, verbose_name="Students should be able to do")
    agency = models.TextField(blank=True, verbose_name=AGENCY_QUESTION)
    entry = models.OneToOneField(
        LogEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="kickoff_meeting",
        help_text="The coach's log entry of the kickoff meeting, when it was recorded with its length.",
    )  # fmt: skip
    updated_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Kickoff of cycle {self.cycle_id}"


class StepKind(models.TextChoices):
    MODELING = "modeling", "Coach models the lesson"
    CO_TEACHING = "co_teaching", "Co-teaching, with gradual release"
    TEACHER_ALONE = "teacher_alone", "Teacher teaches alone"


# A step the coach is in the room for is the coach's time when it is marked done with a length.
TIMED_STEPS = (StepKind.MODELING, StepKind.CO_TEACHING)


class PlanStep(models.Model):
    """One dated step of the action plan."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="plan_steps")
    kind = models.CharField(max_length=20, choices=StepKind.choices)
    planned_on = models.DateField(verbose_name="Planned for")
    done_on = models.DateField(null=True, blank=True, verbose_name="Done on")
    note = models.CharField(max_length=300, blank=True)
    entry = models.OneToOneField(
        LogEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="plan_step",
        help_text="The coach's log entry of a modeled or co-taught step marked done with its length.",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["planned_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(done_on__isnull=False) | Q(entry__isnull=True),
                                   name="plan_step_entry_only_when_done"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.planned_on:%b} {self.planned_on.day}: {self.get_kind_display()}"


class Debrief(models.Model):
    """The debrief after a lesson, in Improve: how the tool or strategy affected learning, and what
    to change next time."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="debriefs")
    held_on = models.DateField(verbose_name="Date of the debrief")
    step = models.ForeignKey(
        PlanStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="debriefs",
        verbose_name="The lesson it follows",
    )  # fmt: skip
    impact = models.TextField(verbose_name="How did the tool or strategy affect learning?")
    next_time = models.TextField(blank=True, verbose_name="What to change next time")
    entry = models.OneToOneField(
        LogEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="debrief",
        help_text="The coach's log entry of the debrief, when it was recorded with its length.",
    )  # fmt: skip
    added_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["held_on", "pk"]

    def __str__(self) -> str:
        return f"Debrief of {self.held_on}"
