"""Who may have reports emailed, of what, and who sets the coaches' reminders.

A subscription is only ever for a scope its person may open in the reports (reports.access), and
that is asked again at every send: an administrator removed from a district stops receiving its
report at the next one. Another person's subscription or delivery is a 404, like a missing one.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from coaching.access import coach_for, programs_directed_by
from coaching.models import Coach, Program
from reports.access import ScopeChoice, authorize_scope, scope_choices
from reports.models import ScopeKind
from reports.scopes import Scope
from teachers.access import is_site_admin
from teachers.models import Role, User

from .models import Delivery, Subscription

SUBSCRIBABLE_KINDS = (ScopeKind.DISTRICT, ScopeKind.PROGRAM)


def may_subscribe(user: User) -> bool:
    """District administrators and program directors receive reports by email (the site
    administrator follows the deliveries in the Django admin)."""
    return bool(
        user.is_authenticated and not is_site_admin(user) and user.role in (Role.DISTRICT_ADMIN, Role.PROGRAM_DIRECTOR)
    )


def require_subscriber(user: User) -> None:
    if not may_subscribe(user):
        raise PermissionDenied("Reports by email are for district administrators and program directors.")


def subscribable_scopes(user: User) -> list[ScopeChoice]:
    """The districts and programs this person may open in the reports, as the picker names them."""
    if not may_subscribe(user):
        return []
    return [choice for choice in scope_choices(user) if choice.scope.kind in SUBSCRIBABLE_KINDS]


def scope_seen_by(user: User, scope: Scope) -> Scope | None:
    """The scope (with its name) if this person may see it now; None otherwise."""
    if not user.is_active or not may_subscribe(user) or scope.kind not in SUBSCRIBABLE_KINDS:
        return None
    try:
        return authorize_scope(user, scope)
    except Http404:
        return None


def subscriptions_of(user: User) -> list[Subscription]:
    return list(Subscription.objects.filter(user=user, active=True))


def deliveries_of(user: User, *, limit: int) -> list[Delivery]:
    """This person's latest report emails, newest first (with their subscription, in one query)."""
    deliveries = Delivery.objects.filter(subscription__user=user).select_related("subscription")
    return list(deliveries.order_by("-created_at", "-pk")[:limit])


def get_subscription_for(user: User, pk: int) -> Subscription:
    require_subscriber(user)
    return get_object_or_404(Subscription, pk=pk, user=user, active=True)


def get_delivery_for(user: User, pk: int) -> Delivery:
    require_subscriber(user)
    return get_object_or_404(Delivery.objects.select_related("subscription"), pk=pk, subscription__user=user)


def may_set_reminders(user: User) -> bool:
    """A program's director (or the site administrator) sets when its coaches are reminded."""
    return user.is_authenticated and (is_site_admin(user) or user.role == Role.PROGRAM_DIRECTOR)


def reminder_programs_for(user: User) -> list[Program]:
    if not may_set_reminders(user):
        raise PermissionDenied("Reminders are set by the program's director.")
    return list(programs_directed_by(user))


def reminder_program_for(user: User, pk: int | None) -> tuple[Program, list[Program]]:
    """The program whose reminders this person sets (the first they direct when none is named)
    and the programs they may choose from; a program they do not direct is a 404."""
    programs = reminder_programs_for(user)
    if not programs:
        raise PermissionDenied("You direct no program.")
    if pk is None:
        return programs[0], programs
    program = next((p for p in programs if p.pk == pk), None)
    if program is None:
        raise Http404("No such program.")
    return program, programs


def own_reminder_coach(user: User) -> Coach:
    """The coach whose own reminders these are: a coach's page only."""
    coach = coach_for(user)
    if coach is None:
        raise PermissionDenied("This page is for coaches.")
    return coach
