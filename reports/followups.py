"""Differentiated follow-up after group PD, for a report's scope and period: the follow-up
groups of the PD sessions held in the period, by the next step offered (extension activities,
micro-modeling, a small-group coaching session), each counted as formed, offered and done.

Counts of follow-ups only: never who is in a group, and never how many teachers (the session's
facilitator alone sees who needs what next). One statement whatever the data size. The sessions
are those the report's group learning counts: the scope's district, school (a session listing
it), facilitator or program, held from the period's start to its end or today.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, Q

from learning.models import FollowUpGroup, FollowUpStep

from .models import ScopeKind
from .scopes import Period, Scope


def followup_figures(scope: Scope, period: Period, *, today: dt.date, conn: BaseDatabaseWrapper) -> dict[str, Any]:
    """{"rows": [{"step", "name", "groups", "offered", "done"}, ...] in FollowUpStep order (every
    kind, zero included), "total": {...}}."""
    kind = ScopeKind(scope.kind)
    where = Q(session__date__gte=period.start, session__date__lte=min(period.end, today))
    if kind == ScopeKind.DISTRICT:
        where &= Q(session__district_id=scope.pk)
    elif kind == ScopeKind.COACH:
        where &= Q(session__facilitator_id=scope.pk)
    elif kind == ScopeKind.SCHOOL:
        where &= Q(session__schools__id=scope.pk)
    program = scope.pk if kind == ScopeKind.PROGRAM else scope.program
    if program:
        where &= Q(session__program_id=program)
    counts = ("groups", "offered", "done")
    counted: dict[str, dict[str, int]] = {
        str(row["next_step"]): {"groups": int(row["groups"]), "offered": int(row["offered"]), "done": int(row["done"])}
        for row in FollowUpGroup.objects.using(conn.alias)
        .filter(where)
        .values("next_step")
        .annotate(
            groups=Count("pk", distinct=True),
            offered=Count("pk", filter=Q(offered_on__isnull=False), distinct=True),
            done=Count("pk", filter=Q(done_on__isnull=False), distinct=True),
        )
        .order_by("next_step")
    }
    none = dict.fromkeys(counts, 0)
    rows: list[dict[str, Any]] = [
        {"step": step, "name": label, **counted.get(step, none)} for step, label in FollowUpStep.choices
    ]
    total: dict[str, Any] = {"name": "Total", **{k: sum(int(r[k]) for r in rows) for k in counts}}
    return {"rows": rows, "total": total}
