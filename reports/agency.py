"""Student agency as a standing question: of the scope's cycles closed during the period, how many
answered "How will this empower learners?" in their plan (the kickoff) and again at the close, by
district and by focus area (the focus area of most of the cycle's linked time, as in
reports.impact).

Only counts of cycles are shown, never an answer's text, a title or a name, and with the same
at-least-five rule as the impact figures, from reports.impact's own helpers: a scope with fewer than
five closed cycles shows nothing; a group under five is merged into "Other", which takes the next
smallest groups until it has five (`impact.suppressed_groups`); and a district's, school's or
coach's report shows figures only where it is a group shown in each report it is part of
(`impact.parents_of`, `impact.shown_in`), so one report minus another singles out nobody.

One statement per report (and one per report it is part of), whatever the number of cycles.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

from coaching.models import Coach, FocusArea, LogEntry
from cycles.models import AGENCY_QUESTION, Cycle, CycleTime, Kickoff, Stage
from teachers.models import District, School

from . import impact
from .scopes import Period, Scope

BREAKDOWNS = (("district", "District"), ("focus", "Focus area"))
ALL = "All cycles closed"
FOOTNOTE = (
    "Counts the cycles closed during the period. Planned: the kickoff answered “How will this empower "
    "learners?”. Revisited: the close answered it again. Both: the two. A cycle's focus area is the one "
    "most of its linked time was about. Every group shown has at least five cycles; smaller groups are "
    "merged into Other."
)


@dataclass(frozen=True)
class AgencyRow(impact.CycleRow):
    """One closed cycle: where it falls (impact's fields, which its grouping reads) and whether its
    plan and its close answered the agency question."""

    planned: bool = False
    revisited: bool = False


def agency_sql(scope: Scope, period: Period) -> tuple[str, list[impact.CycleParam]]:
    """One row per cycle of the scope closed in the period, its main focus area found by the database."""
    cw, cycle_params = impact.cycle_scope_sql(scope)
    t = {"cycle": Cycle._meta.db_table, "kickoff": Kickoff._meta.db_table, "coach": Coach._meta.db_table,
         "link": CycleTime._meta.db_table, "entry": LogEntry._meta.db_table, "district": District._meta.db_table,
         "school": School._meta.db_table, "focus": FocusArea._meta.db_table}  # fmt: skip
    # Bandit B608: only placeholders and table names from model metadata are interpolated.
    sql = f"""
        SELECT x.district_id, d.name, x.school_id, s.name, x.program_id, x.coach_id, x.closed_on, x.planned,
               x.revisited, x.focus_id, f.name
        FROM (
            SELECT cy.id, cy.district_id, cy.school_id, c.program_id, cy.coach_id, cy.closed_on,
                   CASE WHEN k.agency IS NOT NULL AND k.agency <> '' THEN 1 ELSE 0 END AS planned,
                   CASE WHEN cy.agency_at_close <> '' THEN 1 ELSE 0 END AS revisited,
                   (SELECT e.focus_area_id FROM {t["link"]} ct JOIN {t["entry"]} e ON e.id = ct.entry_id
                    WHERE ct.cycle_id = cy.id AND e.focus_area_id IS NOT NULL
                    GROUP BY e.focus_area_id ORDER BY SUM(e.minutes) DESC, e.focus_area_id LIMIT 1) AS focus_id
            FROM {t["cycle"]} cy
            JOIN {t["coach"]} c ON c.id = cy.coach_id
            LEFT JOIN {t["kickoff"]} k ON k.cycle_id = cy.id
            WHERE {cw} AND cy.stage = %s AND cy.closed_on >= %s AND cy.closed_on <= %s
        ) x
        JOIN {t["district"]} d ON d.id = x.district_id
        JOIN {t["school"]} s ON s.id = x.school_id
        LEFT JOIN {t["focus"]} f ON f.id = x.focus_id
        ORDER BY x.closed_on, x.id
    """  # noqa: S608  # nosec B608
    return sql, [*cycle_params, Stage.CLOSED.value, period.start, period.end]


def _date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def agency_rows(scope: Scope, period: Period, conn: BaseDatabaseWrapper) -> impact.Cohort:
    sql, params = agency_sql(scope, period)
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    rows = [
        AgencyRow(district_id=int(r[0]), district=str(r[1]), school_id=int(r[2]), school=str(r[3]), strategy="",
                  program_id=int(r[4]), coach_id=int(r[5]), started_on=_date(r[6]), growth=Decimal(0), met_on=None,
                  minutes=0, cent_minutes=0, planned=bool(r[7]), revisited=bool(r[8]),
                  focus_id=int(r[9]) if r[9] is not None else None,
                  focus=str(r[10]) if r[10] is not None else impact.NO_FOCUS_AREA)
        for r in fetched
    ]  # fmt: skip
    return impact.Cohort(list(rows), 0)


def _percent(part: int, whole: int) -> float:
    return float((Decimal(part) * 100 / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)) if whole else 0.0


def group_counts(rows: Sequence[impact.CycleRow]) -> dict[str, Any]:
    """Cycles, and how many answered the question in the plan, at the close, and both."""
    planned = sum(1 for r in rows if isinstance(r, AgencyRow) and r.planned)
    revisited = sum(1 for r in rows if isinstance(r, AgencyRow) and r.revisited)
    both = sum(1 for r in rows if isinstance(r, AgencyRow) and r.planned and r.revisited)
    n = len(rows)
    return {"cycles": n, "planned": planned, "revisited": revisited, "both": both,
            "planned_share": _percent(planned, n), "revisited_share": _percent(revisited, n),
            "both_share": _percent(both, n)}  # fmt: skip


def _groups(rows: Sequence[impact.CycleRow], breakdown: str) -> list[impact.Group]:
    found: dict[object, tuple[str, list[impact.CycleRow]]] = {}
    for row in rows:
        key, name = (row.district_id, row.district) if breakdown == "district" else (row.focus_id or 0, row.focus)
        found.setdefault(key, (name, []))[1].append(row)
    return [(key, name, members) for key, (name, members) in found.items()]


def agency_figures(scope: Scope, period: Period, conn: BaseDatabaseWrapper) -> dict[str, Any]:
    """The suppressed agency counts stored under figures["agency"]."""
    cohort = agency_rows(scope, period, conn)
    result: dict[str, Any] = {"question": AGENCY_QUESTION, "min_cycles": impact.MIN_CYCLES, "footnote": FOOTNOTE}
    if len(cohort.rows) < impact.MIN_CYCLES:
        return {**result, "shown": False, "rows": []}
    # A district's, school's or coach's figures only where they are a group shown in each report
    # they are part of (one statement each, whatever the cycles).
    parents = impact.parents_of(scope, cohort)
    if not all(impact.shown_in(agency_rows(parent, period, conn), breakdown=breakdown, key=key)
               for parent, breakdown, key in parents):  # fmt: skip
        return {**result, "shown": False, "rows": [], "hidden": impact.SINGLED_OUT}
    total = group_counts(cohort.rows)
    csv_rows = [{"breakdown": ALL, "group": "", **total}]
    by: dict[str, list[dict[str, Any]]] = {}
    for breakdown, label in BREAKDOWNS:
        shown = []
        for key, name, members in impact.suppressed_groups(_groups(cohort.rows, breakdown)):
            row = {"key": key if isinstance(key, int) else None, "name": name, **group_counts(members)}
            shown.append(row)
            csv_rows.append({"breakdown": label, "group": name, **row})
        by[breakdown] = shown
    return {**result, "shown": True, "total": total, "by": by, "rows": csv_rows, "labels": dict(BREAKDOWNS)}
