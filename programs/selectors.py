"""Set-up reads: each in a fixed number of queries whatever the number of rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from coaching.models import Activity, Coach, Contract, FocusArea, Program
from teachers.models import AuditEvent, District, Invitation, Role, School, User
from toolkit.schoolyear import school_year_of

from .access import program_districts


@dataclass(frozen=True)
class InvitationState:
    """Where a person's sign-in stands: signs in, invited (until when), expired, withdrawn, or not invited."""

    code: str
    label: str
    may_send: bool
    may_withdraw: bool


def invitation_state(user: User) -> InvitationState:
    """Read from the user's prefetched `invitations` (newest first)."""
    if user.has_usable_password():
        return InvitationState("accepted", "Signs in", False, False)
    if not user.is_active:
        return InvitationState("inactive", "Deactivated", False, False)
    latest = next(iter(user.invitations.all()), None)
    if latest is None:
        return InvitationState("none", "Not invited", True, False)
    if latest.is_pending:
        until = timezone.localtime(latest.expires_at).strftime("%b %-d")
        return InvitationState("pending", f"Invitation sent, pending until {until}", True, True)
    if latest.revoked_at is not None:
        return InvitationState("withdrawn", "Invitation withdrawn", True, False)
    return InvitationState("expired", "Invitation expired", True, False)


def _with_invitations(users: str = "user") -> Prefetch[str]:
    return Prefetch(
        f"{users}__invitations" if users else "invitations", queryset=Invitation.objects.order_by("-created_at")
    )


@dataclass
class CoachRow:
    coach: Coach
    districts: list[str]
    last_entry: dt.date | None
    invitation: InvitationState


def coach_rows_list(*, program: Program, today: dt.date | None = None) -> list[CoachRow]:
    """Each coach of the program (active first), with the districts they serve this school year,
    their last entry's date and where their invitation stands: three queries."""
    year = school_year_of(today or timezone.localdate())
    coaches = list(
        Coach.objects.filter(program=program).select_related("user")
        .annotate(last_entry=Max("entries__date")).prefetch_related(_with_invitations())
        .order_by("-active", "user__last_name", "user__first_name", "pk")
    )  # fmt: skip
    contracts = list(
        Contract.objects.filter(program=program, school_year=year).select_related("district")
        .prefetch_related("coaches").order_by("district__name")
    )  # fmt: skip
    rows = []
    for coach in coaches:
        names = [c.district.name for c in contracts if not c.coaches.all() or coach in c.coaches.all()]
        last: dt.date | None = getattr(coach, "last_entry", None)
        rows.append(CoachRow(coach, names if coach.active else [], last, invitation_state(coach.user)))
    return rows


@dataclass
class AdminRow:
    user: User
    invitation: InvitationState


@dataclass
class DistrictAdmins:
    district: District
    admins: list[AdminRow] = field(default_factory=list)


def administrators_by_district_list(*, districts: QuerySet[District]) -> list[DistrictAdmins]:
    """Each district with its administrators and where their invitations stand: three queries."""
    admins = User.objects.filter(role=Role.DISTRICT_ADMIN).prefetch_related(_with_invitations("")).order_by(
        "last_name", "first_name", "pk")  # fmt: skip
    found = districts.order_by("name").prefetch_related(Prefetch("administrators", queryset=admins))
    return [DistrictAdmins(d, [AdminRow(u, invitation_state(u)) for u in d.administrators.all()]) for d in found]


def districts_with_schools_list(*, districts: QuerySet[District]) -> list[District]:
    """Districts (by name) with their schools and counts of teachers: two queries."""
    schools = School.objects.annotate(teacher_count=Count("teachers", filter=Q(teachers__active=True))).order_by("name")
    return list(districts.order_by("name").prefetch_related(Prefetch("schools", queryset=schools)))


@dataclass(frozen=True)
class Overview:
    districts: int
    schools: int
    contracts_this_year: int
    coaches_active: int
    coaches_inactive: int
    administrators: int
    own_activities: int
    own_focus_areas: int
    changes: int


def program_overview(*, program: Program, today: dt.date | None = None) -> Overview:
    """The counts of the set-up overview."""
    year = school_year_of(today or timezone.localdate())
    districts = program_districts(program)
    coach_counts = Coach.objects.filter(program=program).aggregate(
        n_active=Count("pk", filter=Q(active=True)), n_inactive=Count("pk", filter=Q(active=False)))  # fmt: skip
    return Overview(
        districts=districts.count(),
        schools=School.objects.filter(district__in=districts).count(),
        contracts_this_year=Contract.objects.filter(program=program, school_year=year).count(),
        coaches_active=coach_counts["n_active"], coaches_inactive=coach_counts["n_inactive"],
        administrators=User.objects.filter(role=Role.DISTRICT_ADMIN, administered_districts__in=districts)
        .distinct().count(),
        own_activities=Activity.objects.filter(program=program).count(),
        own_focus_areas=FocusArea.objects.filter(program=program).count(),
        changes=AuditEvent.objects.filter(program_id=program.pk).count(),
    )  # fmt: skip


def program_history_list(*, program: Program) -> QuerySet[AuditEvent]:
    """The program's audit events, newest first (the set-up history)."""
    return AuditEvent.objects.filter(program_id=program.pk).order_by("-at", "-pk")
