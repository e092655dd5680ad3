"""Districts, schools, teachers, and the people who sign in (with their role)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower


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


class District(models.Model):
    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="schools")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="school_unique_name_in_district"),
        ]

    def __str__(self) -> str:
        return self.name


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

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint("district", Lower("email"), name="teacher_unique_email_in_district"),
        ]
        indexes = [models.Index(fields=["district", "last_name", "first_name"], name="teacher_district_name")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def clean(self) -> None:
        if self.school_id and self.district_id and self.school.district_id != self.district_id:
            raise ValidationError({"school": "The school must belong to the teacher's district."})
