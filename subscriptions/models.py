"""Reports that arrive by email, and reminders to coaches who have logged nothing for a while.

A Delivery row is written before its email is sent, one per (subscription, period): a beat tick
that runs twice sends once, and a send that fails stays on the row (its error, its attempts, when
it is tried again) until it goes through or someone looks at it. Each email carries its own
unsubscribe link; only the SHA-256 of the link's 256 random bits is stored, on its delivery.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator
from django.db import models

from coaching.models import Coach, Program
from reports.models import ScopeKind
from teachers.models import User


class Frequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly (the last full week, on Monday morning)"
    MONTHLY = "monthly", "Monthly (the last full month, on the 1st)"


class Subscription(models.Model):
    """One person's report by email: a scope they may see (checked again at every send), how often."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="report_subscriptions")
    scope_kind = models.CharField(max_length=10, choices=ScopeKind.choices)
    scope_id = models.PositiveBigIntegerField()
    scope_program = models.PositiveBigIntegerField(
        default=0, help_text="A district's report narrowed to one program's time; 0 for every program."
    )
    scope_name = models.CharField(max_length=250, help_text="The scope's name when it was chosen.")
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scope_name", "frequency", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "scope_kind", "scope_id", "scope_program", "frequency"],
                name="subscription_one_per_person_scope_frequency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.scope_name}, {self.frequency}"

    @property
    def scope_key(self) -> str:
        return f"{self.scope_kind}-{self.scope_id}" + (f"-p{self.scope_program}" if self.scope_program else "")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to be sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    STOPPED = "stopped", "Not sent"


class Delivery(models.Model):
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    period_start = models.DateField()
    period_end = models.DateField()
    period_label = models.CharField(max_length=60)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, help_text="Why the last attempt failed, or why it was not sent.")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    token_hash = models.CharField(
        max_length=64, null=True, blank=True, unique=True, help_text="SHA-256 of the email's unsubscribe link."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_end", "-pk"]
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_status_next")]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "period_start", "period_end"], name="delivery_one_per_subscription_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscription} – {self.period_label} ({self.status})"


DEFAULT_REMINDER_DAYS = 3


class ProgramMailSettings(models.Model):
    """A program's email settings: when a silent coach is reminded to log their time."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="mail_settings")
    reminder_working_days = models.PositiveSmallIntegerField(
        default=DEFAULT_REMINDER_DAYS,
        validators=[MaxValueValidator(30)],
        help_text="Remind a coach who has logged nothing for this many working days (Monday to Friday); 0 is off.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "program mail settings"

    def __str__(self) -> str:
        return f"{self.program}: remind after {self.reminder_working_days} working days"


class CoachMailSettings(models.Model):
    """A coach's own choice: reminders on (the default) or off."""

    coach = models.OneToOneField(Coach, on_delete=models.CASCADE, related_name="mail_settings")
    reminders = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "coach mail settings"

    def __str__(self) -> str:
        return f"{self.coach}: reminders {'on' if self.reminders else 'off'}"


class Reminder(models.Model):
    """A reminder to log time, at most one per silence: `since` is the day of the coach's last
    entry (or the day they joined, with none yet)."""

    coach = models.ForeignKey(Coach, on_delete=models.CASCADE, related_name="reminders")
    since = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["coach", "since"], name="reminder_one_per_silence")]

    def __str__(self) -> str:
        return f"{self.coach}: nothing logged since {self.since}"
