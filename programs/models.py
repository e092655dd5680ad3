"""Contract statements: what a district owes for a period of a contract, numbered per program and
year, with the figures frozen as they were when the statement was issued; and the program's impact
page published at a public address."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from coaching.models import Contract, Program
from teachers.models import District, User

NUMBER_PREFIX = "FUL"


def statement_number(*, year: int, sequence: int) -> str:
    """A statement's number as printed: FUL-2026-0007."""
    return f"{NUMBER_PREFIX}-{year}-{sequence:04d}"


class StatementCounter(models.Model):
    """The last number a program issued in a year. Issuing locks this row, so two statements
    issued at once get consecutive numbers, and a number once given is never given again."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="statement_counters")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["program", "year"], name="statement_counter_one_per_program_year"),
        ]

    def __str__(self) -> str:
        return f"{self.program} · {self.year}: {self.last}"


class Statement(models.Model):
    """A contract statement as issued: one district, one contract, whole months from
    `period_start` to `period_end`. `figures` is what the statement said (JSON), never recomputed."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="statements")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="statements")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="statements")
    period_start = models.DateField()
    period_end = models.DateField()
    year = models.PositiveSmallIntegerField(help_text="The year of issue, which the number counts in.")
    sequence = models.PositiveIntegerField()
    number = models.CharField(max_length=20)
    issued_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField()
    figures = models.JSONField()
    superseded_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["program", "year", "sequence"], name="statement_unique_sequence"),
            models.UniqueConstraint(fields=["program", "number"], name="statement_unique_number"),
            models.CheckConstraint(condition=Q(period_start__lte=F("period_end")), name="statement_period_in_order"),
        ]
        indexes = [
            models.Index(fields=["district", "issued_at"], name="statement_district_issued"),
            models.Index(fields=["contract", "period_start", "period_end"], name="statement_contract_period"),
        ]

    def __str__(self) -> str:
        return self.number


class ImpactPublication(models.Model):
    """A program's impact page published at a public, read-only address.

    The address carries a random token (256 bits). It is kept as it is, not hashed: the page it
    opens is public by design (aggregates only, no names, no group under five), and the director
    must be able to find the address again to post it. Unpublishing ends it for good; publishing
    again makes a new address, so one that was taken down never works again."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="impact_publications")
    token = models.CharField(max_length=64, unique=True)
    published_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField()
    revoked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["program"], condition=Q(revoked_at__isnull=True), name="impact_publication_one_live"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program} · {'live' if self.revoked_at is None else 'taken down'}"

    @property
    def live(self) -> bool:
        return self.revoked_at is None
