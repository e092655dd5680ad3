"""Reads for rosters."""

from __future__ import annotations

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from .models import District, Invitation, School, Teacher


def roster_list(
    *,
    teachers: QuerySet[Teacher],
    q: str = "",
    district: District | None = None,
    school: School | None = None,
    grade_band: str = "",
    include_inactive: bool = False,
) -> QuerySet[Teacher]:
    """Narrow an already-scoped teacher queryset by the roster filters, with joins applied."""
    if not include_inactive:
        teachers = teachers.filter(active=True)
    if district is not None:
        teachers = teachers.filter(district=district)
    if school is not None:
        teachers = teachers.filter(school=school)
    if grade_band:
        teachers = teachers.filter(grade_band=grade_band)
    for word in q.split()[:5]:
        teachers = teachers.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
            | Q(subject__icontains=word)
        )  # fmt: skip
    pending = Invitation.objects.filter(user=OuterRef("user"), used_at__isnull=True, revoked_at__isnull=True,
                                        expires_at__gt=timezone.now())  # fmt: skip
    return (
        teachers.select_related("school", "district", "user")
        .annotate(invited_until=Subquery(pending.order_by("-expires_at").values("expires_at")[:1]))
        .order_by("last_name", "first_name", "pk")
    )
