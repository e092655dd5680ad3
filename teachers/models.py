"""Districts, schools, teachers, and the people who sign in (with their role)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone


class Role(models.TextChoices):
    COACH = "coach", "Coach"
    TEACHER = "teacher", "Teacher"
    DISTRICT_ADMIN = "district_admin", "District administrator"
    PROGRAM_DIRECTOR = "program_director", "Program director"
    SITE_ADMIN = "site_admin", "Site administrator"


class GradeBand(models.TextChoices):
    PK = "PK", "Pre-K"
    K2 = "K-2", "K–2"
    G35 = "3-5", "3–5"
    G68 = "6-8", "6–8"
    G912 = "9-12", "9–12"
    K12 = "K-12", "K–12 (all grades)"


SOURCED_ID_HELP = "The district information system's identifier (OneRoster sourcedId); re-imports match on it."


class District(models.Model):
    name = models.CharField(max_length=200, unique=True)
    sourced_id = models.CharField(max_length=255, blank=True, default="", help_text=SOURCED_ID_HELP)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["sourced_id"], condition=~models.Q(sourced_id=""), name="district_unique_sourced_id"
            ),
        ]

    def __str__(self) -> str:
        return self.name


MAX_ENROLLMENT = 100_000  # more students than any one building has: a typing slip


class School(models.Model):
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="schools")
    name = models.CharField(max_length=200)
    sourced_id = models.CharField(max_length=255, blank=True, default="", help_text=SOURCED_ID_HELP)
    # Students enrolled in the building, as the district last reported it, and the school year the
    # figure is for (its first calendar year, as contracts count years). Optional: a program's
    # impact page sums the figures it has and says how many schools have none.
    enrollment = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(MAX_ENROLLMENT)],
        help_text="Students enrolled in the building.",
    )  # fmt: skip
    enrollment_year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The school year the enrollment is for (2026 is 2026–27)."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="school_unique_name_in_district"),
            models.UniqueConstraint(
                fields=["district", "sourced_id"], condition=~models.Q(sourced_id=""),
                name="school_unique_sourced_id_in_district",
            ),
            models.CheckConstraint(
                condition=Q(enrollment__isnull=True, enrollment_year__isnull=True)
                | Q(enrollment__gte=1, enrollment_year__isnull=False),
                name="school_enrollment_with_its_year",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.name

    @property
    def enrollment_year_label(self) -> str:
        """ "2026–27" for the school year the enrollment is for ("" without one)."""
        year = self.enrollment_year
        return f"{year}–{str(year + 1)[-2:]}" if year is not None else ""


class User(AbstractUser):
    """A person who signs in. The role decides which access rules apply."""

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.TEACHER)
    administered_districts = models.ManyToManyField(
        District,
        blank=True,
        related_name="administrators",
        help_text="For district administrators: the districts they lead.",
    )

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Teacher(models.Model):
    """An educator on a district's roster; may or may not have a sign-in of their own."""

    # district duplicates school.district so rosters filter and stay unique per district cheaply.
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="teachers")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="teachers")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField()
    grade_band = models.CharField(max_length=5, choices=GradeBand.choices)
    subject = models.CharField(max_length=100, blank=True)
    active = models.BooleanField(default=True)
    user = models.OneToOneField(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="teacher_profile")
    sourced_id = models.CharField(max_length=255, blank=True, default="", help_text=SOURCED_ID_HELP)

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint("district", Lower("email"), name="teacher_unique_email_in_district"),
            models.UniqueConstraint(
                fields=["district", "sourced_id"], condition=~models.Q(sourced_id=""),
                name="teacher_unique_sourced_id_in_district",
            ),
        ]  # fmt: skip
        indexes = [models.Index(fields=["district", "last_name", "first_name"], name="teacher_district_name")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def clean(self) -> None:
        if self.school_id and self.district_id and self.school.district_id != self.district_id:
            raise ValidationError({"school": "The school must belong to the teacher's district."})


class AuditAction(models.TextChoices):
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Failed sign-in"
    EXPORT = "export", "Exported data"
    ROLE_CHANGE = "role_change", "Role changed"
    SHARING_CHANGE = "sharing_change", "Sharing changed"
    CONFIDENTIAL_READ = "confidential_read", "Read confidential content"
    TEACHER_ERASED = "teacher_erased", "Teacher erased"
    IMPORT = "import", "Imported data"
    SETUP_CHANGE = "setup_change", "Changed the set-up"
    INVITATION = "invitation", "Invitation sent or withdrawn"
    MONTH_CLOSE = "month_close", "Month submitted, approved, returned or reopened"
    ROLLOVER = "rollover", "New school year started"


class AuditEvent(models.Model):
    """Append-only: who did what, when, and to which object — never the content itself.

    Rows are never updated or deleted (save() refuses an update, delete() refuses, and on
    PostgreSQL a trigger refuses UPDATE and DELETE outright)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # No database constraint and no cascade: deleting a person or a district must not have to
    # touch (update) the append-only log. The label keeps who it was.
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    actor_label = models.CharField(max_length=200, help_text="Who, as they were named at the time.")
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    district = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
        help_text="The district the event concerns, so its administrator can review it.",
    )  # fmt: skip
    # A plain number, not a foreign key: programs live in `coaching`, which this app cannot import.
    program_id = models.PositiveIntegerField(
        null=True,
        blank=True,
        db_index=True,
        help_text="The program the event concerns, so its directors can review it.",
    )
    object_type = models.CharField(max_length=40, blank=True)
    object_ref = models.CharField(max_length=64, blank=True, help_text="A public id, never content.")
    detail = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["district", "at"], name="audit_district_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.get_action_display()}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("Audit events are append-only.")


INVITATION_DAYS = 7


class Invitation(models.Model):
    """A single-use link to set a password and sign in for the first time. Only its hash is kept
    (the link itself is emailed, never stored); it lasts INVITATION_DAYS days, and a new one
    (resent) or a revocation ends the previous one."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    email = models.EmailField()
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"

    @property
    def is_pending(self) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > timezone.now()


def _loopback(host: str | None) -> bool:
    return host in {"127.0.0.1", "localhost", "::1"}


def is_secure_url(url: str) -> bool:
    """An https URL, or plain http to this machine's loopback (a test or development provider)."""
    parts = urlsplit(url)
    return bool(parts.netloc) and (parts.scheme == "https" or (parts.scheme == "http" and _loopback(parts.hostname)))


class SignInProvider(models.Model):
    """A district's (or a whole program's) OpenID Connect provider — Google Workspace, Microsoft
    Entra ID or any issuer — that people may sign in with. Signing in only finds an existing
    person by their verified email address at one of the allowed domains: it never makes an
    account nor gives a role. Set up by the site administrator in the Django admin."""

    display_name = models.CharField(
        max_length=80, help_text='Shown on the sign-in page as "Sign in with …", e.g. "Maple Grove Google".'
    )
    district = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.CASCADE, related_name="sign_in_providers",
        help_text="The district whose accounts these are; empty for a program's own provider. "
        "Failed sign-ins through it are shown in this district's audit log.",
    )  # fmt: skip
    issuer = models.URLField(
        max_length=300,
        help_text="Exactly as the provider names itself (its discovery document is read from "
        "{issuer}/.well-known/openid-configuration), e.g. https://accounts.google.com or "
        "https://login.microsoftonline.com/<tenant id>/v2.0.",
    )
    client_id = models.CharField(max_length=300)
    client_secret = models.CharField(max_length=500)
    allowed_email_domains = models.CharField(
        max_length=500,
        help_text="Only addresses at these domains may sign in through this provider, separated by "
        "commas (e.g. maplegrove.k12.il.us, mgcusd5.org). Subdomains are not included.",
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["display_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "client_id"], name="sign_in_provider_unique_client"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def domains(self) -> list[str]:
        return [d.strip().lower() for d in self.allowed_email_domains.split(",") if d.strip()]

    def allows(self, email: str) -> bool:
        """Whether an address is at one of the allowed domains (exactly, case-insensitive)."""
        return "@" in email and email.rsplit("@", 1)[1].lower() in self.domains

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.issuer and not is_secure_url(self.issuer):
            errors["issuer"] = "The issuer must be an https address."
        domains = self.domains
        label = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
        if not domains:
            errors["allowed_email_domains"] = "Name at least one domain: without one, any address could sign in."
        elif bad := [d for d in domains if not re.fullmatch(rf"(?:{label}\.)+[a-z]{{2,63}}", d)]:
            errors["allowed_email_domains"] = f"Not a domain: {', '.join(bad)}."
        else:
            self.allowed_email_domains = ", ".join(dict.fromkeys(domains))
        if errors:
            raise ValidationError(errors)
