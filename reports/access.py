"""Which reports a person may build, see and export. Every reports view starts here.

Reports are aggregates: no teacher's name appears in any of them. Still:
- a coach reaches only their own time;
- a program director reaches their program, its coaches, and the districts (and schools) it
  contracts with, always narrowed to their own program's time and contracts: in a district
  served by two programs, neither director sees the other program's coaches, hours or days;
- a district administrator reaches their districts and schools, with every program that serves
  them (and may narrow to one);
- a site administrator reaches everything.
A scope outside that is a 404, like a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from coaching.access import coach_for, programs_directed_by
from coaching.models import Coach, Contract
from teachers.access import districts_visible_to, is_site_admin
from teachers.models import Role, School, User

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


def _narrowed_by_program(user: User) -> bool:
    """Directors see districts and schools through their own program only."""
    return user.role == Role.PROGRAM_DIRECTOR and not is_site_admin(user)


def _director_districts(user: User) -> list[tuple[int, str, int, str]]:
    """(district id, name, program id, name) for every district a director's programs contract with."""
    rows = (
        Contract.objects.filter(program__in=programs_directed_by(user))
        .values_list("district_id", "district__name", "program_id", "program__name")
        .distinct()
        .order_by("district__name", "program__name")
    )
    return list(rows)


def scope_choices(user: User) -> list[ScopeChoice]:
    """Every scope this person may open, for the picker (a few queries, none per row)."""
    choices: list[ScopeChoice] = []
    coach = coach_for(user)
    if coach is not None:
        return [ScopeChoice(Scope(ScopeKind.COACH, coach.pk, "My time"), "Me")]
    if is_site_admin(user):
        choices.append(ScopeChoice(Scope(ScopeKind.ALL, 0, "All programs and districts"), "Everything"))
    programs = list(programs_directed_by(user))
    choices += [ScopeChoice(Scope(ScopeKind.PROGRAM, p.pk, p.name), "Programs") for p in programs]
    if _narrowed_by_program(user):
        pairs = _director_districts(user)
        several = len(programs) > 1
        for district_id, name, program_id, program_name in pairs:
            label = f"{name} ({program_name})" if several else name
            choices.append(ScopeChoice(Scope(ScopeKind.DISTRICT, district_id, label, program_id), "Districts"))
        coaches = Coach.objects.filter(program__in=programs).select_related("user")
        choices += [ScopeChoice(Scope(ScopeKind.COACH, c.pk, c.user.display_name), "Coaches") for c in coaches]
        program_of: dict[int, list[int]] = {}
        for district_id, _name, program_id, _pname in pairs:
            program_of.setdefault(district_id, []).append(program_id)
        schools = School.objects.filter(district_id__in=program_of).select_related("district")
        for s in schools:
            for program_id in program_of[s.district_id]:
                choices.append(ScopeChoice(Scope(ScopeKind.SCHOOL, s.pk, f"{s.name} ({s.district.name})", program_id),
                                           "Schools"))  # fmt: skip
        return choices
    districts = districts_visible_to(user)
    choices += [ScopeChoice(Scope(ScopeKind.DISTRICT, d.pk, d.name), "Districts") for d in districts]
    if is_site_admin(user):
        coaches = Coach.objects.select_related("user")
        choices += [ScopeChoice(Scope(ScopeKind.COACH, c.pk, c.user.display_name), "Coaches") for c in coaches]
    schools = School.objects.filter(district__in=districts).select_related("district")
    choices += [ScopeChoice(Scope(ScopeKind.SCHOOL, s.pk, f"{s.name} ({s.district.name})"), "Schools")
                for s in schools]  # fmt: skip
    return choices


def authorize_scope(user: User, scope: Scope) -> Scope:
    """The scope, with its display name, if this person may see it; 404 otherwise. A director's
    district or school scope is always narrowed to one of their programs (the first one serving
    it when the key names none)."""
    if not may_use_reports(user):
        raise Http404("No such report.")
    found = _authorized(user, scope)
    if found is None:
        raise Http404("No such report.")
    return found


def _authorized(user: User, scope: Scope) -> Scope | None:
    coach = coach_for(user)
    kind = scope.kind
    if coach is not None:
        if kind == ScopeKind.COACH and scope.pk == coach.pk and not scope.program:
            return Scope(kind, scope.pk, "My time")
        return None
    if kind == ScopeKind.ALL:
        return Scope(kind, 0, "All programs and districts") if is_site_admin(user) and scope.pk == 0 else None
    if kind == ScopeKind.PROGRAM:
        program = programs_directed_by(user).filter(pk=scope.pk).first()
        return Scope(kind, scope.pk, program.name) if program and not scope.program else None
    if kind == ScopeKind.COACH:
        if scope.program:
            return None
        found = Coach.objects.filter(program__in=programs_directed_by(user), pk=scope.pk).select_related("user")
        row = found.first()
        return Scope(kind, scope.pk, row.user.display_name) if row else None
    if kind in (ScopeKind.DISTRICT, ScopeKind.SCHOOL):
        if kind == ScopeKind.SCHOOL:
            school = School.objects.filter(pk=scope.pk).select_related("district").first()
            if school is None:
                return None
            district_id, name = school.district_id, f"{school.name} ({school.district.name})"
        else:
            district_id, name = scope.pk, ""
        if _narrowed_by_program(user):
            serving = [row for row in _director_districts(user) if row[0] == district_id]
            if scope.program:
                serving = [row for row in serving if row[2] == scope.program]
            if not serving:
                return None
            return Scope(kind, scope.pk, name or serving[0][1], serving[0][2])
        district = districts_visible_to(user).filter(pk=district_id).first()
        if district is None:
            return None
        if scope.program and not Contract.objects.filter(district_id=district_id, program_id=scope.program).exists():
            return None
        return Scope(kind, scope.pk, name or district.name, scope.program)
    return None


def default_scope(user: User) -> Scope | None:
    choices = scope_choices(user)
    return choices[0].scope if choices else None
