"""Who may see and change Impact Cycles and reflections. Every cycles view starts here.

- The cycle's coach and its teachers (with an account) see the whole cycle; the coach's
  private notes are the coach's alone.
- District administrators and program directors see a cycle only when a teacher of it has
  shared it, and then only its goal and progress, never reflections, evidence or notes.
  Unshared cycles reach them as counts only.
- A reflection is visible to its author and to the coach of its cycle, nobody else.
- A coach's caseload (the teachers they coach, by name) is the coach's alone. Program directors
  and district administrators see caseloads as counts per coach, never a teacher's name: a
  director their program's coaches and time, a district administrator the coaches with time or
  cycles in their districts, and only that time and those cycles.
Anything outside a person's scope is a 404, exactly like a missing row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import Enum

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from coaching.access import coach_for, programs_directed_by
from coaching.models import Coach, LogEntry, Program
from teachers.access import districts_visible_to, is_site_admin
from teachers.models import District, Role, Teacher, User

from .models import Cycle, Reflection, in_school_year


class CycleView(Enum):
    """How much of a cycle a person sees."""

    COACH = "coach"  # everything, including coach notes
    TEACHER = "teacher"  # everything but the coach's private notes
    SHARED = "shared"  # goal and progress only (administrators, when shared)


def teacher_for(user: User) -> Teacher | None:
    if not user.is_authenticated or user.role != Role.TEACHER:
        return None
    try:
        return user.teacher_profile
    except Teacher.DoesNotExist:
        return None


def cycles_in_confidence_of(user: User) -> QuerySet[Cycle]:
    """Cycles whose confidential content this person may read: their coach's, or their own."""
    coach = coach_for(user)
    if coach is not None:
        return Cycle.objects.filter(coach=coach)
    teacher = teacher_for(user)
    if teacher is not None:
        return Cycle.objects.filter(teachers=teacher)
    return Cycle.objects.none()


def cycles_in_aggregate_for(user: User) -> QuerySet[Cycle]:
    """Cycles an administrator may count (never read): their districts' or program's."""
    if not user.is_authenticated:
        return Cycle.objects.none()
    if is_site_admin(user):
        return Cycle.objects.all()
    if user.role == Role.DISTRICT_ADMIN:
        return Cycle.objects.filter(district__in=districts_visible_to(user))
    if user.role == Role.PROGRAM_DIRECTOR:
        return Cycle.objects.filter(coach__program__in=programs_directed_by(user))
    return Cycle.objects.none()


@dataclass(frozen=True)
class CycleListScope:
    """What a person's cycle list holds: their own cycles (coach, teacher), or for an
    administrator the cycles shared with them, with counts of every cycle they may count."""

    admin_view: bool
    listed: QuerySet[Cycle]
    counted: QuerySet[Cycle]


def cycle_list_scope_for(user: User) -> CycleListScope:
    """The cycles list's rows and counts for this person; 403 for someone with no cycles to see."""
    in_confidence = cycles_in_confidence_of(user)
    if coach_for(user) is not None or teacher_for(user) is not None:
        return CycleListScope(admin_view=False, listed=in_confidence, counted=in_confidence)
    counted = cycles_in_aggregate_for(user)
    if not counted.exists() and not districts_visible_to(user).exists():
        raise PermissionDenied("Cycles are for coaches, teachers and administrators.")
    return CycleListScope(admin_view=True, listed=shared_cycles_for(user), counted=counted)


def shared_cycles_for(user: User) -> QuerySet[Cycle]:
    """Cycles whose goal and progress a teacher has shared with this administrator."""
    return cycles_in_aggregate_for(user).filter(shared_with_admins=True)


def view_of_cycle(user: User, cycle: Cycle) -> CycleView:
    """Which view of a visible cycle this person gets (call after get_cycle_for)."""
    if cycle.coach.user_id == user.pk:
        return CycleView.COACH
    if teacher_for(user) is not None:
        return CycleView.TEACHER
    return CycleView.SHARED


def _parse(public_id: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(public_id))
    except ValueError as exc:
        raise Http404("No such cycle.") from exc


def get_cycle_for(user: User, public_id: object, *, write: bool = False) -> Cycle:
    """A cycle this person may see (404 otherwise). With write=True, only its coach or its
    teachers may change it: an administrator who can see a shared cycle gets 403."""
    key = _parse(public_id)
    cycle = (
        Cycle.objects.filter(Q(pk__in=cycles_in_confidence_of(user)) | Q(pk__in=shared_cycles_for(user)))
        .select_related("coach__user", "coach__program", "school", "district")
        .filter(public_id=key)
        .first()
    )
    if cycle is None:
        raise Http404("No such cycle.")
    if write and view_of_cycle(user, cycle) == CycleView.SHARED:
        raise PermissionDenied("Shared cycles are read-only for administrators.")
    return cycle


def get_cycle_in_confidence_for(user: User, public_id: object) -> Cycle:
    """A cycle whose confidential content (its kickoff, action plan and debriefs) this person may
    read and write: its coach and its teachers. An administrator gets 404 even for a cycle shared
    with them: sharing shows the goal and progress, never the meetings."""
    cycle = get_cycle_for(user, public_id)
    if view_of_cycle(user, cycle) == CycleView.SHARED:
        raise Http404("No such cycle.")
    return cycle


def require_coach_of(user: User, cycle: Cycle) -> None:
    """Coach-only actions on a cycle the user can already see (403 for its teachers)."""
    if cycle.coach.user_id != user.pk:
        raise PermissionDenied("Only the cycle's coach can do that.")


def require_teacher_of(user: User, cycle: Cycle) -> Teacher:
    """Teacher-only actions (sharing is the teacher's choice alone)."""
    teacher = teacher_for(user)
    if teacher is None or not cycle.teachers.filter(pk=teacher.pk).exists():
        raise PermissionDenied("Only the cycle's teacher can do that.")
    return teacher


def reflections_visible_to(user: User) -> QuerySet[Reflection]:
    """Reflections this person wrote, plus those on cycles they coach."""
    if not user.is_authenticated:
        return Reflection.objects.none()
    mine = Q(author=user)
    teacher = teacher_for(user)
    if teacher is not None:
        mine |= Q(teacher=teacher)
    coach = coach_for(user)
    if coach is not None:
        mine |= Q(cycle__coach=coach) | Q(pd_session__facilitator=coach)
    return Reflection.objects.filter(mine)


def get_reflection_for(user: User, public_id: object) -> Reflection:
    key = _parse(public_id)
    reflection = reflections_visible_to(user).select_related("cycle", "teacher", "author").filter(public_id=key).first()
    if reflection is None:
        raise Http404("No such reflection.")
    return reflection


# ---------------------------------------------------------------------------- caseloads


def may_see_caseload(user: User) -> bool:
    """A coach's own caseload, teacher by teacher, is for that coach."""
    return coach_for(user) is not None


def may_see_caseload_counts(user: User) -> bool:
    """Caseloads as counts per coach: program directors, district administrators, site administrators."""
    if not user.is_authenticated:
        return False
    return is_site_admin(user) or user.role in (Role.PROGRAM_DIRECTOR, Role.DISTRICT_ADMIN)


@dataclass(frozen=True)
class CaseloadCountsScope:
    """Whose caseloads a person counts, and which part of each: `districts` narrows the time and
    cycles counted to those districts (a district administrator's), `programs` to the time
    delivered for those programs (a director's); None counts everything of the coaches."""

    coaches: QuerySet[Coach]
    districts: QuerySet[District] | None
    programs: QuerySet[Program] | None


def caseload_counts_scope_for(user: User, *, school_year: int) -> CaseloadCountsScope:
    """The coaches (and the slice of their work) whose caseload counts this person sees; 403 for
    anyone else. Coaches see their own caseload by name instead (`may_see_caseload`)."""
    if not may_see_caseload_counts(user):
        raise PermissionDenied("Caseload counts are for program directors and district administrators.")
    if is_site_admin(user):
        return CaseloadCountsScope(coaches=Coach.objects.all(), districts=None, programs=None)
    if user.role == Role.PROGRAM_DIRECTOR:
        programs = programs_directed_by(user)
        return CaseloadCountsScope(coaches=Coach.objects.filter(program__in=programs), districts=None,
                                   programs=programs)  # fmt: skip
    districts = districts_visible_to(user)
    with_time = LogEntry.objects.filter(district__in=districts, school_year=school_year).values("coach")
    with_cycles = Cycle.objects.filter(district__in=districts).filter(in_school_year(school_year)).values("coach")
    coaches = Coach.objects.filter(Q(pk__in=with_time) | Q(pk__in=with_cycles))
    return CaseloadCountsScope(coaches=coaches, districts=districts, programs=None)
