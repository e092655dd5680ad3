"""Who may see which districts, schools and teachers. Every view and export starts here.

Coaches and program directors reach districts through contracts, which live in `coaching`.
Imports point one way (coaching -> teachers), so `coaching` registers those two scopes at
start-up with `register_district_scope`; this module stays the one place that answers
"which districts can this person see?".
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from django.http import Http404

from toolkit.http import AuthedRequest

from .models import District, Role, School, SignInProvider, Teacher, User

# The request of a view behind `login_required`: its `user` is a signed-in `User`, never anonymous.
# Every app imports it from here (teachers is the bottom app, so this makes no import cycle).
Request = AuthedRequest[User]

DistrictScope = Callable[[User], QuerySet[District]]
_district_scopes: dict[str, DistrictScope] = {}

# Roles that may manage a district's roster (import, list, export).
ROSTER_MANAGERS = {Role.DISTRICT_ADMIN, Role.PROGRAM_DIRECTOR, Role.SITE_ADMIN}


def register_district_scope(role: str, scope: DistrictScope) -> None:
    """Let another app say which districts a role reaches (e.g. coaches, via contracts)."""
    _district_scopes[role] = scope


def is_site_admin(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role == Role.SITE_ADMIN))


def districts_visible_to(user: User) -> QuerySet[District]:
    """Districts this person may see anything of; empty for anonymous users."""
    if not user.is_authenticated:
        return District.objects.none()
    if is_site_admin(user):
        return District.objects.all()
    if user.role == Role.DISTRICT_ADMIN:
        return District.objects.filter(administrators=user)
    if user.role == Role.TEACHER:
        return District.objects.filter(teachers__user=user).distinct()
    scope = _district_scopes.get(user.role)
    return scope(user) if scope else District.objects.none()


def districts_with_roster_managed_by(user: User) -> QuerySet[District]:
    """Districts whose roster this person may import, list and export."""
    if not user.is_authenticated or (user.role not in ROSTER_MANAGERS and not user.is_superuser):
        return District.objects.none()
    return districts_visible_to(user)


def schools_visible_to(user: User) -> QuerySet[School]:
    return School.objects.filter(district__in=districts_visible_to(user))


def teachers_visible_to(user: User) -> QuerySet[Teacher]:
    """Roster rows: a teacher sees only themself; staff see the rosters of their districts."""
    if not user.is_authenticated:
        return Teacher.objects.none()
    if user.role == Role.TEACHER and not is_site_admin(user):
        return Teacher.objects.filter(user=user)
    return Teacher.objects.filter(district__in=districts_visible_to(user))


def get_district_for_roster(user: User, pk: int) -> District:
    """One district whose roster the user manages, or 404 (outsiders learn nothing)."""
    try:
        return districts_with_roster_managed_by(user).get(pk=pk)
    except District.DoesNotExist as exc:
        raise Http404("No such district.") from exc


def may_manage_rosters(user: User) -> bool:
    """District administrators and program directors keep rosters (of the districts they reach)."""
    return user.is_authenticated and districts_with_roster_managed_by(user).exists()


def may_read_audit_log(user: User) -> bool:
    """Site administrators read the whole audit log; district administrators their districts' part."""
    return is_site_admin(user) or (user.is_authenticated and user.role == Role.DISTRICT_ADMIN)


def may_erase_teachers(user: User) -> bool:
    """Erasing a teacher who left is for district administrators (and site administrators)."""
    return may_read_audit_log(user)


def sign_in_providers_offered() -> QuerySet[SignInProvider]:
    """The providers the sign-in page offers to everyone: the enabled ones."""
    return SignInProvider.objects.filter(enabled=True).only("pk", "display_name")


def get_sign_in_provider(*, pk: int) -> SignInProvider:
    """An enabled provider to start a sign-in with; a disabled or unknown one is a 404."""
    provider = SignInProvider.objects.filter(pk=pk, enabled=True).first()
    if provider is None:
        raise Http404
    return provider
