"""Which reports a person may build, see and export. Every reports view starts here.

Reports are aggregates: no teacher's name appears in any of them. Still, a district
administrator reaches only their districts (and their schools), a program director their
program and the districts and coaches it serves, a coach only their own time. A scope outside
that is a 404, like a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from coaching.access import coach_for, programs_directed_by
from coaching.models import Coach
from teachers.access import districts_visible_to, is_site_admin
from teachers.models import District, Role, School, User

from .models import ScopeKind
from .scopes import Scope


@dataclass(frozen=True)
class ScopeChoice:
    scope: Scope
    group: str


def may_use_reports(user: User) -> bool:
    return user.is_authenticated and (
        is_site_admin(user) or user.role in (Role.DISTRICT_ADMIN, Role.PROGRAM_DIRECTOR, Role.COACH)
    )


def scope_choices(user: User) -> list[ScopeChoice]:
    """Every scope this person may open, for the picker (a few queries, none per row)."""
    choices: list[ScopeChoice] = []
    coach = coach_for(user)
    if coach is not None:
        return [ScopeChoice(Scope(ScopeKind.COACH, coach.pk, "My time"), "Me")]
    if is_site_admin(user):
        choices.append(ScopeChoice(Scope(ScopeKind.ALL, 0, "All programs and districts"), "Everything"))
    programs = programs_directed_by(user)
    choices += [ScopeChoice(Scope(ScopeKind.PROGRAM, p.pk, p.name), "Programs") for p in programs]
    districts = districts_visible_to(user) if user.role != Role.TEACHER else District.objects.none()
    choices += [ScopeChoice(Scope(ScopeKind.DISTRICT, d.pk, d.name), "Districts") for d in districts]
    if user.role == Role.PROGRAM_DIRECTOR or is_site_admin(user):
        coaches = Coach.objects.filter(program__in=programs).select_related("user")
        choices += [ScopeChoice(Scope(ScopeKind.COACH, c.pk, c.user.display_name), "Coaches") for c in coaches]
    schools = School.objects.filter(district__in=districts).select_related("district")
    choices += [ScopeChoice(Scope(ScopeKind.SCHOOL, s.pk, f"{s.name} ({s.district.name})"), "Schools")
                for s in schools]  # fmt: skip
    return choices


def authorize_scope(user: User, scope: Scope) -> Scope:
    """The scope with its display name if this person may see it; 404 otherwise."""
    if not may_use_reports(user):
        raise Http404("No such report.")
    name = _scope_name(user, scope)
    if name is None:
        raise Http404("No such report.")
    return Scope(scope.kind, scope.pk, name)


def _scope_name(user: User, scope: Scope) -> str | None:
    coach = coach_for(user)
    if coach is not None:
        return "My time" if scope.kind == ScopeKind.COACH and scope.pk == coach.pk else None
    if scope.kind == ScopeKind.ALL:
        return "All programs and districts" if is_site_admin(user) and scope.pk == 0 else None
    if scope.kind == ScopeKind.PROGRAM:
        program = programs_directed_by(user).filter(pk=scope.pk).first()
        return program.name if program else None
    if scope.kind == ScopeKind.DISTRICT:
        district = districts_visible_to(user).filter(pk=scope.pk).first()
        return district.name if district else None
    if scope.kind == ScopeKind.SCHOOL:
        school = School.objects.filter(district__in=districts_visible_to(user), pk=scope.pk).first()
        return f"{school.name}" if school else None
    if scope.kind == ScopeKind.COACH:
        found = Coach.objects.filter(program__in=programs_directed_by(user), pk=scope.pk).select_related("user").first()
        return found.user.display_name if found else None
    return None


def default_scope(user: User) -> Scope | None:
    choices = scope_choices(user)
    return choices[0].scope if choices else None
