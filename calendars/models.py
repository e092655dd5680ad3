"""Calendars in and out: events of a coach's own calendar drafted into entries, and the private
feed a coach's calendar app subscribes to."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from coaching.models import Activity, Coach, FocusArea, Format, LogEntry
from teachers.models import District, School, Teacher


class CalendarDraft(models.Model):
    """An event of an imported calendar, waiting for its coach to confirm it as a log entry (or to
    discard it). Kept once confirmed or discarded, so the same event (UID and start) is never
    drafted again."""

    coach = models.ForeignKey(Coach, on_delete=models.CASCADE, related_name="calendar_drafts")
    uid = models.CharField(max_length=255)
    starts_at = models.DateTimeField(help_text="The event's start as the calendar gave it (for recognising it).")
    date = models.DateField()
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    minutes = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200, blank=True)
    location = models.CharField(max_length=200, blank=True)
    district = models.ForeignKey(District, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    teachers = models.ManyToManyField(Teacher, blank=True, related_name="+")
    # Attendees' addresses that are no teacher of the draft's district (shown to the coach only).
    unmatched_emails = models.JSONField(default=list, blank=True)
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    focus_area = models.ForeignKey(FocusArea, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.IN_PERSON)
    entry = models.OneToOneField(
        LogEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="calendar_draft"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    discarded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "start_time", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["coach", "uid", "starts_at"], name="calendar_draft_once_per_event"),
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True) | Q(discarded_at__isnull=True),
                name="calendar_draft_confirmed_or_discarded",
            ),
        ]
        indexes = [models.Index(fields=["coach", "confirmed_at", "discarded_at"], name="calendar_draft_pending")]

    def __str__(self) -> str:
        return f"{self.title or 'Event'} ({self.date})"

    @property
    def is_pending(self) -> bool:
        return self.confirmed_at is None and self.discarded_at is None


class CalendarFeed(models.Model):
    """A coach's private feed address: only the SHA-256 of its 256-bit token is kept. Regenerating
    replaces the hash, so the old address stops at once."""

    coach = models.OneToOneField(Coach, on_delete=models.CASCADE, related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Calendar feed of {self.coach}"
