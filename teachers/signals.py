"""Audit-log receivers for Django's sign-in signals (connected in TeachersConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .audit import audit_record
from .models import AuditAction, Role, Teacher, User


def _home_district(user: User) -> int | None:
    if user.role == Role.TEACHER:
        try:
            return user.teacher_profile.district_id
        except Teacher.DoesNotExist:  # a teacher's sign-in with no roster row
            return None
    return None


def record_sign_in(sender: object, request: HttpRequest | None, user: User, **kwargs: object) -> None:
    via = getattr(request, "sign_in_via", "")  # set by a sign-in through a district's provider
    audit_record(action=AuditAction.SIGN_IN, actor=user, request=request, district=_home_district(user),
                 detail=f"with {via}" if via else "")  # fmt: skip


def record_failed_sign_in(
    sender: object, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: object
) -> None:
    username = str(credentials.get("username", ""))[:150]
    audit_record(action=AuditAction.SIGN_IN_FAILED, request=request, actor_label=f"unknown ({username})",
                 detail="wrong username or password")  # fmt: skip
