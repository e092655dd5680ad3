"""Reads for rosters."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import District, School, Teacher


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
    return teachers.select_related("school", "district").order_by("last_name", "first_name", "pk")
