"""Write to the append-only audit log. Every app may call `audit_record`; it never stores content."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import HttpRequest

from toolkit.http import client_ip

from .access import districts_visible_to, is_site_admin
from .models import AuditAction, AuditEvent, District, Role, User


def _ip(request: HttpRequest | None) -> str | None:
    return client_ip(request) if request is not None else None


def audit_record(
    *, action: str, actor: User | AnonymousUser | None = None, request: HttpRequest | None = None,
    district: District | int | None = None, object_type: str = "", object_ref: object = "", detail: str = "",
    actor_label: str = "", program: int | None = None,
) -> AuditEvent:  # fmt: skip
    """Append one event. `detail` must describe, never quote: it is shown to administrators."""
    user = actor if isinstance(actor, User) and actor.is_authenticated else None
    label = actor_label or (f"{user.display_name} ({user.username})" if user else "anonymous")
    district_id = district.pk if isinstance(district, District) else district
    return AuditEvent.objects.create(
        actor=user, actor_label=label[:200], action=action, district_id=district_id, program_id=program,
        object_type=object_type[:40], object_ref=str(object_ref)[:64], detail=detail[:300], ip_address=_ip(request),
    )  # fmt: skip


def audit_events_visible_to(user: User) -> QuerySet[AuditEvent]:
    """The site administrator sees every event; a district administrator their districts' events."""
    if is_site_admin(user):
        return AuditEvent.objects.all()
    if user.is_authenticated and user.role == Role.DISTRICT_ADMIN:
        return AuditEvent.objects.filter(district__in=districts_visible_to(user))
    return AuditEvent.objects.none()


__all__ = ["AuditAction", "audit_events_visible_to", "audit_record"]
