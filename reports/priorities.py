"""Time and cycles by priority of the districts' coaching plans, for the time-use report: two
statements whatever the data size — the scope's entries in the period grouped by priority, and
the scope's cycles started in the period grouped by priority. Entries and cycles filed under no
priority make the row "No priority"; the rows' hours add up to the report's total."""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

from coaching.models import CoachingPlan, LogEntry, PlanPriority
from cycles.models import Cycle
from teachers.models import District

from . import impact
from .scopes import Period, Scope

NO_PRIORITY = "No priority"


def priority_figures(
    scope: Scope, period: Period, *, conn: BaseDatabaseWrapper, total: int, where: tuple[str, list[Any]]
) -> list[dict[str, Any]]:
    """Rows of (priority, district, minutes, hours, share, entries, cycles started): the
    priorities by time, most first, then "No priority". `where` is the report's own filter on
    the scope's entries (alias `e`), so the minutes add up to its total."""
    from .builder import hours_split, shares

    t = {"entry": LogEntry._meta.db_table, "priority": PlanPriority._meta.db_table,
         "plan": CoachingPlan._meta.db_table, "district": District._meta.db_table,
         "cycle": Cycle._meta.db_table}  # fmt: skip
    entry_where, entry_params = where
    cycle_where, cycle_params = impact.cycle_scope_sql(scope)
    found: dict[int | None, dict[str, Any]] = {}
    names = (
        f"LEFT JOIN {t['priority']} p ON p.id = x.priority_id LEFT JOIN {t['plan']} pl ON pl.id = p.plan_id "
        f"LEFT JOIN {t['district']} d ON d.id = pl.district_id"
    )
    with conn.cursor() as cursor:
        # Bandit B608: only placeholders and table names from model metadata are interpolated.
        cursor.execute(
            f"SELECT x.priority_id, p.title, d.name, x.minutes, x.entries FROM ("  # noqa: S608  # nosec B608
            f"SELECT e.priority_id AS priority_id, SUM(e.minutes) AS minutes, COUNT(*) AS entries "
            f"FROM {t['entry']} e WHERE {entry_where} GROUP BY e.priority_id) x {names}",
            entry_params,
        )
        for pk, title, district, minutes, entries in cursor.fetchall():
            found[pk] = {"name": title or NO_PRIORITY, "district": district or "", "minutes": int(minutes),
                         "entries": int(entries), "cycles": 0}  # fmt: skip
        cursor.execute(
            f"SELECT x.priority_id, p.title, d.name, x.cycles FROM ("  # noqa: S608  # nosec B608
            f"SELECT cy.priority_id AS priority_id, COUNT(*) AS cycles FROM {t['cycle']} cy "
            f"WHERE {cycle_where} AND cy.started_on BETWEEN %s AND %s GROUP BY cy.priority_id) x {names}",
            [*cycle_params, period.start, period.end],
        )
        for pk, title, district, cycles in cursor.fetchall():
            row = found.setdefault(pk, {"name": title or NO_PRIORITY, "district": district or "", "minutes": 0,
                                        "entries": 0})  # fmt: skip
            row["cycles"] = int(cycles)
    named = sorted((r for pk, r in found.items() if pk is not None),
                   key=lambda r: (-r["minutes"], -r["cycles"], r["name"], r["district"]))  # fmt: skip
    rows = named + ([found[None]] if None in found else [])
    minutes = [r["minutes"] for r in rows]
    for row, share, hours in zip(rows, shares(minutes), hours_split(minutes, total), strict=True):
        row["share"], row["hours"] = share, hours
    return rows
