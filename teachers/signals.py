"""Audit-log receivers for Django's sign-in signals (connected in TeachersConfig.ready)."""

from __future__ import annotations

from typing import Any

from .audit import audit_record
from .models import AuditAction, Role


def _home_district(user: Any) -> int | None:
    if user.role == Role.TEACHER:
        profile = getattr(user, "teacher_profile", None)
        return profile.district_id if profile else None
    return None


def record_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(action=AuditAction.SIGN_IN, actor=user, request=request, district=_home_district(user))


def record_failed_sign_in(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    audit_record(action=AuditAction.SIGN_IN_FAILED, request=request, actor_label=f"unknown ({username})",
                 detail="wrong username or password")  # fmt: skip
