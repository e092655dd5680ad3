"""Starting the next school year for a program: who may, what is copied, and how it stands.

- Only the program's directors (and site administrators) start it. Another program (or a wrong
  id) is a 404; anyone who directs no program gets 403.
- This year's contracts are copied into the next year, each with the contracted days and daily
  rate the director typed, and the assigned coaches who are still active in the program. A
  district that already has a contract in the next year is never copied again.
- Every active cycle's fate is the coach's decision (cycles.yearend); here it is counted only.
Past years are never written: their contracts, entries and cycles stay as they are, so their
reports and contract figures do not change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest

from coaching.access import directs_a_program, programs_directed_by
from coaching.models import Coach, Contract, Program
from coaching.selectors import ContractUsage, contract_usage_list
from cycles.yearend import YearEndCountsRow, year_end_counts, year_end_counts_row
from teachers.audit import AuditAction, audit_record
from teachers.models import User
from toolkit.params import parse_id_param
from toolkit.schoolyear import school_year_label

# --------------------------------------------------------------------------- access


def may_start_rollover(user: User) -> bool:
    """A program's directors start its next school year (site administrators any program's)."""
    return directs_a_program(user)


def rollover_programs_for(user: User) -> QuerySet[Program]:
    """The programs whose next year this person may start; 403 for someone who directs none."""
    if not may_start_rollover(user):
        raise PermissionDenied("Starting a new school year is for the program's directors.")
    return programs_directed_by(user).order_by("name")


def rollover_program_for(user: User, asked: str | None) -> Program | None:
    """The program a rollover page is about: the one asked for (404 if it is not this person's),
    the only one they direct, or None when they direct several and have not picked one."""
    programs = rollover_programs_for(user)
    if asked:
        pk = parse_id_param(asked)
        program = programs.filter(pk=pk).first() if pk is not None else None
        if program is None:
            raise Http404("No such program.")
        return program
    found = list(programs[:2])
    return found[0] if len(found) == 1 else None


# --------------------------------------------------------------------------- reads


def coaches_carried(contract: Contract) -> tuple[list[Coach], list[Coach]]:
    """A contract's assigned coaches split into those carried over (active, still in the
    program) and those dropped. Reads the prefetched coaches of `rollover_get`."""
    kept: list[Coach] = []
    dropped: list[Coach] = []
    for coach in contract.coaches.all():
        (kept if coach.active and coach.program_id == contract.program_id else dropped).append(coach)
    return kept, dropped


@dataclass
class RolloverRow:
    """One of this year's contracts: to copy, or already set up in the new year (`existing`)."""

    contract: Contract
    kept: list[Coach]
    dropped: list[Coach]
    existing: ContractUsage | None = None


@dataclass
class Rollover:
    """Everything the rollover page shows for one program, in a fixed number of queries."""

    program: Program
    from_year: int
    to_year: int
    rows: list[RolloverRow]
    new_year: list[ContractUsage]  # every contract of the new year, with its figures
    coaches: list[YearEndCountsRow] = field(default_factory=list)

    @property
    def from_label(self) -> str:
        return school_year_label(self.from_year)

    @property
    def to_label(self) -> str:
        return school_year_label(self.to_year)

    @property
    def to_copy(self) -> list[RolloverRow]:
        return [row for row in self.rows if row.existing is None]

    @property
    def already(self) -> list[RolloverRow]:
        return [row for row in self.rows if row.existing is not None]

    @property
    def started(self) -> bool:
        return bool(self.new_year)


def _contracts_with_coaches(contracts: QuerySet[Contract]) -> QuerySet[Contract]:
    return contracts.select_related("district", "program").prefetch_related(
        Prefetch("coaches", queryset=Coach.objects.select_related("user").order_by("user__last_name", "pk"))
    )


def rollover_get(*, program: Program, from_year: int, today: dt.date) -> Rollover:
    """This year's contracts of the program (with what would be copied), the new year's
    contracts with their figures (days used start at 0), and each coach's year-end counts."""
    to_year = from_year + 1
    current = list(_contracts_with_coaches(Contract.objects.filter(program=program, school_year=from_year))
                   .order_by("district__name", "pk"))  # fmt: skip
    new_year = contract_usage_list(contracts=Contract.objects.filter(program=program, school_year=to_year), as_of=today)
    by_district = {usage.contract.district_id: usage for usage in new_year}
    rows = []
    for contract in current:
        kept, dropped = coaches_carried(contract)
        rows.append(RolloverRow(contract, kept, dropped, by_district.get(contract.district_id)))
    coaches = [year_end_counts_row(v) for v in year_end_counts(coaches=Coach.objects.filter(program=program),
                                                               school_year=from_year)]  # fmt: skip
    return Rollover(program=program, from_year=from_year, to_year=to_year, rows=rows, new_year=new_year,
                    coaches=coaches)  # fmt: skip


# --------------------------------------------------------------------------- the copy


@dataclass(frozen=True)
class ContractCopy:
    """One of this year's contracts to copy, with the figures the director typed for the new year."""

    source: Contract
    contracted_days: int
    daily_rate: Decimal


class RolloverRowError(ValidationError):
    """A copy that cannot be made; `source` says which row it belongs to."""

    def __init__(self, source: Contract, error: ValidationError) -> None:
        super().__init__(error.error_dict if hasattr(error, "error_dict") else error.messages)
        self.source = source


@dataclass(frozen=True)
class RolloverResult:
    created: list[Contract]
    skipped: list[Contract]  # sources whose district already had a contract in the new year


@transaction.atomic
def rollover_contracts_copy(
    *, program: Program, from_year: int, copies: list[ContractCopy], by: User, request: HttpRequest | None = None
) -> RolloverResult:
    """Copy this year's contracts into the next year, all or nothing: every copy is checked (days
    10–170, a rate of 0 or more) before any is written. A district that already has a contract in
    the next year is skipped, never duplicated; rollovers of one program wait for one another
    (the program row is locked), so two directors submitting at once create each contract once."""
    Program.objects.select_for_update().filter(pk=program.pk).exists()
    to_year = from_year + 1
    taken = set(Contract.objects.filter(program=program, school_year=to_year).values_list("district_id", flat=True))
    new: list[tuple[Contract, ContractCopy]] = []
    skipped: list[Contract] = []
    for copy in copies:
        source = copy.source
        if source.program_id != program.pk or source.school_year != from_year:
            raise RolloverRowError(source, ValidationError("This contract is not one of this year's contracts."))
        if source.district_id in taken:
            skipped.append(source)
            continue
        contract = Contract(program=program, district_id=source.district_id, school_year=to_year,
                            contracted_days=copy.contracted_days, daily_rate=copy.daily_rate)  # fmt: skip
        try:
            # The days and the rate are what is checked: the program and district are rows already
            # read, and uniqueness is kept by the lock above, `taken` and the database constraint
            # (checking each here would cost queries per contract).
            contract.full_clean(exclude=["program", "district"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            raise RolloverRowError(source, exc) from exc
        taken.add(source.district_id)
        new.append((contract, copy))
    created = Contract.objects.bulk_create([contract for contract, _ in new])
    links = [
        Contract.coaches.through(contract_id=contract.pk, coach_id=coach.pk)
        for contract, copy in zip(created, (c for _, c in new), strict=True)
        for coach in coaches_carried(copy.source)[0]
    ]
    Contract.coaches.through.objects.bulk_create(links)
    if created:
        audit_record(
            action=AuditAction.ROLLOVER, actor=by, request=request, program=program.pk, object_type="program",
            object_ref=program.pk,
            detail=f"{school_year_label(to_year)} started: {len(created)} contract(s) copied from "
                   f"{school_year_label(from_year)}, {len(links)} coach assignment(s) carried over",
        )  # fmt: skip
    return RolloverResult(created=created, skipped=skipped)
