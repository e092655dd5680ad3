"""Who may see and change programs, contracts and log entries. Every coaching view starts here.

Rules:
- A coach sees the districts of the contracts they serve (assigned, or open to the program's
  coaches when a contract names nobody) and only their own log entries.
- A program director sees the program's contracts and districts.
- A district administrator sees their districts' contracts (days used), never log entries.
- Log entries (with teacher names and private notes) are their coach's alone.
- A coach submits their own months; the director of the coach's program (or the site
  administrator) approves, returns or reopens them, seeing hours, days and districts only.
- What a contract bills (approved days × the daily rate) is for its program's directors and the
  site administrator, who set the rates.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Max, Min, OuterRef, Q, QuerySet
from django.db.models.functions import ExtractMonth, ExtractYear
from django.http import Http404
from django.http.response import HttpResponseBase

from teachers.access import Request, districts_visible_to, is_site_admin, register_district_scope
from teachers.models import District, Role, User
from toolkit.schoolyear import school_year_of

from .models import Coach, CoachingPlan, CoachMonth, Contract, LogEntry, PlanPriority, Program, SiteVisit


def coach_for(user: User) -> Coach | None:
    """The Coach row of a signed-in coach, else None. Cached on the user object."""
    if not user.is_authenticated or user.role != Role.COACH:
        return None
    try:
        return user.coach
    except Coach.DoesNotExist:
        return None


P = ParamSpec("P")
ResponseT = TypeVar("ResponseT", bound=HttpResponseBase)


def coach_required(
    view: Callable[Concatenate[Request, Coach, P], ResponseT],
) -> Callable[Concatenate[Request, P], ResponseT]:
    """Views for signed-in coaches only: anyone else signed in gets 403. The view receives the
    Coach row after the request."""

    @login_required
    @wraps(view)
    def wrapper(request: Request, /, *args: P.args, **kwargs: P.kwargs) -> ResponseT:
        coach = coach_for(request.user)
        if coach is None:
            raise PermissionDenied("This page is for coaches.")
        return view(request, coach, *args, **kwargs)

    return wrapper


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


def directs_a_program(user: User) -> bool:
    """Whether `programs_directed_by` holds any program: asked by several rules on one page (the
    menu), so it is answered once per request, on the user object the request carries."""
    cached: bool | None = getattr(user, "_directs_a_program", None)
    if cached is None:
        cached = programs_directed_by(user).exists()
        user.__dict__["_directs_a_program"] = cached  # a per-request memo on the instance
    return cached


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


def school_years_visible_to(user: User) -> list[int]:
    """Every school year (newest first) with a contract or a log entry this person may count:
    the years offered by the contracts page and the report's period picker.

    An entry can only be logged in a district on one of its program's contracts for that school
    year, so the contracts' years hold every entry's year: one small query on the contracts,
    never a scan of the entries (which grows with a program's history). A coach's own entries
    are added by their first and last year (their (coach, date) index), so a coach taken off a
    contract still finds the years they served under it."""
    years = set(contracts_visible_to(user).order_by().values_list("school_year", flat=True).distinct())
    coach = coach_for(user)
    if coach is not None:
        span = LogEntry.objects.filter(coach=coach).aggregate(first=Min("date"), last=Max("date"))
        if span["first"]:
            years |= set(range(school_year_of(span["first"]), school_year_of(span["last"]) + 1))
    return sorted(years, reverse=True)


def may_see_contracts(user: User) -> bool:
    """Contract days are for coaches and administrators, not teachers."""
    return user.is_authenticated and (is_site_admin(user) or user.role != Role.TEACHER)


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


def may_see_own_sessions(user: User) -> bool:
    """Teachers read their own coaching history (and their own cycles)."""
    return user.is_authenticated and user.role == Role.TEACHER


def sessions_with_teacher(user: User) -> QuerySet[LogEntry]:
    """For a signed-in teacher: the logged sessions they took part in (shown without notes)."""
    if not user.is_authenticated or user.role != Role.TEACHER:
        return LogEntry.objects.none()
    return LogEntry.objects.filter(teachers__user=user)


def may_import_history(user: User) -> bool:
    """A coach brings in their own past time log; a program director a program-wide file."""
    if not user.is_authenticated:
        return False
    if coach_for(user) is not None:
        return True
    return user.role == Role.PROGRAM_DIRECTOR and directs_a_program(user)


def history_import_is_program_wide(user: User) -> bool:
    """A director's file names the coach of each row (`coach_email`); a coach's file is their own."""
    return coach_for(user) is None and may_import_history(user)


def coaches_history_importable_by(user: User) -> QuerySet[Coach]:
    """Whose past time a person may import: a coach their own; a director each coach of their
    programs (never another program's)."""
    coach = coach_for(user)
    if coach is not None:
        return Coach.objects.filter(pk=coach.pk)
    if not history_import_is_program_wide(user):
        return Coach.objects.none()
    return Coach.objects.filter(program__in=programs_directed_by(user))


# --------------------------------------------------------------------------- month close


def may_close_months(user: User) -> bool:
    """A coach submits their own months for approval."""
    return coach_for(user) is not None


def may_approve_months(user: User) -> bool:
    """A program director (of some program) or the site administrator decides on submitted months."""
    if not user.is_authenticated:
        return False
    if is_site_admin(user):
        return True
    return user.role == Role.PROGRAM_DIRECTOR and directs_a_program(user)


def coach_months_decidable_by(user: User) -> QuerySet[CoachMonth]:
    """Months a person may approve, return or reopen: those of the coaches of the programs they
    direct (every month for the site administrator), and never a month holding time logged for a
    program they do not direct (a coach who moved keeps the old program's months with it)."""
    if not may_approve_months(user):
        return CoachMonth.objects.none()
    if is_site_admin(user):
        return CoachMonth.objects.all()
    programs = programs_directed_by(user)
    elsewhere = LogEntry.objects.filter(
        coach=OuterRef("coach"), date__year=ExtractYear(OuterRef("month")), date__month=ExtractMonth(OuterRef("month"))
    ).exclude(program__in=programs)
    return CoachMonth.objects.filter(coach__program__in=programs).exclude(Exists(elsewhere))


def get_coach_month_for_decision(user: User, pk: int) -> CoachMonth:
    """One month a person may decide on, or 404 whether it is missing or another program's."""
    try:
        return coach_months_decidable_by(user).select_related("coach__user", "coach__program").get(pk=pk)
    except CoachMonth.DoesNotExist as exc:
        raise Http404("No such month.") from exc


def may_see_contract_amounts(user: User) -> bool:
    """Amounts (days × daily rate) are for those who set the rates: program directors and the site
    administrator. Coaches and district administrators see days."""
    if not user.is_authenticated:
        return False
    return is_site_admin(user) or user.role == Role.PROGRAM_DIRECTOR


# --------------------------------------------------------------------------- the district's coaching plan


def coaching_plans_visible_to(user: User) -> QuerySet[CoachingPlan]:
    """Coaching plans a person may read: a director their programs' (every district they serve),
    a district administrator their districts' (every program's), a coach those of their program in
    the districts and years they serve; teachers none."""
    if not user.is_authenticated:
        return CoachingPlan.objects.none()
    if is_site_admin(user):
        return CoachingPlan.objects.all()
    if user.role == Role.PROGRAM_DIRECTOR:
        return CoachingPlan.objects.filter(program__in=programs_directed_by(user))
    if user.role == Role.DISTRICT_ADMIN:
        return CoachingPlan.objects.filter(district__in=districts_visible_to(user))
    coach = coach_for(user)
    if coach is None:
        return CoachingPlan.objects.none()
    served = contracts_served_by(coach).filter(district=OuterRef("district"), school_year=OuterRef("school_year"))
    return CoachingPlan.objects.filter(Exists(served), program_id=coach.program_id)


def get_coaching_plan_for(user: User, pk: int) -> CoachingPlan:
    """One plan this person may read, or 404 whether it is missing or outside their scope."""
    try:
        return coaching_plans_visible_to(user).select_related("program", "district").get(pk=pk)
    except CoachingPlan.DoesNotExist as exc:
        raise Http404("No such plan.") from exc


def may_see_coaching_plans(user: User) -> bool:
    """The plans page: coaches, district administrators, program directors, the site administrator."""
    return user.is_authenticated and (is_site_admin(user) or user.role != Role.TEACHER)


def coaching_plans_writable_by(user: User) -> QuerySet[CoachingPlan]:
    """Plans a person may change: their programs' (a program director, the site administrator)."""
    if not user.is_authenticated or not (is_site_admin(user) or user.role == Role.PROGRAM_DIRECTOR):
        return CoachingPlan.objects.none()
    return CoachingPlan.objects.filter(program__in=programs_directed_by(user))


def may_edit_coaching_plan(user: User, plan: CoachingPlan) -> bool:
    return coaching_plans_writable_by(user).filter(pk=plan.pk).exists()


def site_visits_visible_to(user: User) -> QuerySet[SiteVisit]:
    """The director's site visits and check-ins, with their notes: for the directors of the plan's
    program (and the site administrator) only. District administrators and coaches get none."""
    return SiteVisit.objects.filter(plan__in=coaching_plans_writable_by(user))


def plan_priorities_offered(*, coach: Coach, school_years: list[int]) -> QuerySet[PlanPriority]:
    """Priorities a coach may attach to their records: those of their program's plans in the
    districts and years they serve. Which district's and year's fits one record is checked by
    `coaching.coaching_plans.priority_check`."""
    plans = coaching_plans_visible_to(coach.user).filter(school_year__in=school_years)
    return (
        PlanPriority.objects.filter(plan__in=plans)
        .select_related("plan__district")
        .order_by("plan__district__name", "plan__school_year", "position", "pk")
    )
