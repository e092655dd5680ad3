"""Who may see and change programs, contracts and log entries. Every coaching view starts here.

Rules:
- A coach sees the districts of the contracts they serve (assigned, or open to the program's
  coaches when a contract names nobody) and only their own log entries.
- A program director sees the program's contracts and districts.
- A district administrator sees their districts' contracts (days used), never log entries.
- Log entries (with teacher names and private notes) are their coach's alone.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from teachers.access import districts_visible_to, is_site_admin, register_district_scope
from teachers.models import District, Role, User

from .models import Coach, Contract, LogEntry, Program


def coach_for(user: User) -> Coach | None:
    """The Coach row of a signed-in coach, else None. Cached on the user object."""
    if not user.is_authenticated or user.role != Role.COACH:
        return None
    try:
        return user.coach
    except Coach.DoesNotExist:
        return None


def contracts_served_by(coach: Coach) -> QuerySet[Contract]:
    """Contracts this coach works under: assigned to them, or open to all of the program's coaches."""
    return Contract.objects.filter(Q(coaches=coach) | Q(coaches__isnull=True), program_id=coach.program_id).distinct()


def programs_directed_by(user: User) -> QuerySet[Program]:
    if not user.is_authenticated:
        return Program.objects.none()
    if is_site_admin(user):
        return Program.objects.all()
    if user.role != Role.PROGRAM_DIRECTOR:
        return Program.objects.none()
    return Program.objects.filter(directors=user)


def _coach_districts(user: User) -> QuerySet[District]:
    coach = coach_for(user)
    if coach is None:
        return District.objects.none()
    return District.objects.filter(contracts__in=contracts_served_by(coach)).distinct()


def _director_districts(user: User) -> QuerySet[District]:
    return District.objects.filter(contracts__program__in=programs_directed_by(user)).distinct()


def register_scopes() -> None:
    """Tell `teachers.access` which districts coaches and program directors reach."""
    register_district_scope(Role.COACH, _coach_districts)
    register_district_scope(Role.PROGRAM_DIRECTOR, _director_districts)


def contracts_visible_to(user: User) -> QuerySet[Contract]:
    """Contracts (and so days used) this person may see."""
    if not user.is_authenticated:
        return Contract.objects.none()
    if is_site_admin(user):
        return Contract.objects.all()
    if user.role == Role.COACH:
        coach = coach_for(user)
        return contracts_served_by(coach) if coach else Contract.objects.none()
    if user.role == Role.PROGRAM_DIRECTOR:
        return Contract.objects.filter(program__in=programs_directed_by(user))
    if user.role == Role.DISTRICT_ADMIN:
        return Contract.objects.filter(district__in=districts_visible_to(user))
    return Contract.objects.none()


def entries_visible_to(user: User) -> QuerySet[LogEntry]:
    """Log entries a person may read row by row: a coach's own, nobody else's."""
    coach = coach_for(user)
    if coach is None:
        return LogEntry.objects.none()
    return LogEntry.objects.filter(coach=coach)


def get_entry_for(user: User, pk: int) -> LogEntry:
    """One of the user's own entries, or 404 whether it is missing or someone else's."""
    try:
        return entries_visible_to(user).get(pk=pk)
    except LogEntry.DoesNotExist as exc:
        raise Http404("No such entry.") from exc


def sessions_with_teacher(user: User) -> QuerySet[LogEntry]:
    """For a signed-in teacher: the logged sessions they took part in (shown without notes)."""
    if not user.is_authenticated or user.role != Role.TEACHER:
        return LogEntry.objects.none()
    return LogEntry.objects.filter(teachers__user=user)
