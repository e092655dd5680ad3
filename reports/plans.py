"""The agreed time plan against the time actually logged, for a report's scope and period.

Whatever the data size, the scope's minutes grouped by (month, program, district, activity) —
a grouping set of the report builder's own statement, so the entries are read once for the whole
report — and one statement for the lines of every plan that may apply (one row per line and
activity). Which plan
applies to a group of minutes:
- a coach's report: the coach's own plan in force that month, else their program's plan;
- a district's (or a school's) report: the program's plan for that district, else the program's
  plan; a district served by two programs takes each program's plan for that program's minutes;
- a program's (or the whole data's) report: each program's program-wide plan.
A plan is in force from its first month until the next plan of the same scope starts.

The expected minutes of a line add up, month by month, the plan's share times the minutes logged
that month; actual minutes are those of the line's activities in the plan in force. Activities in
no line fall into "Everything else", whose share is what the lines leave. Minutes with no plan in
force are left out of the comparison and counted apart.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q

from coaching.models import ActivityKind

from .models import PlanLineKind, ScopeKind, TimePlanLine
from .scopes import Period, Scope

EVERYTHING_ELSE = "Everything else"
# (program, district, coach) of a plan series: a program-wide plan has neither district nor coach.
Series = tuple[int, int | None, int | None]
Cell = tuple[str, int, int]  # (month "YYYY-MM", program id, district id)


@dataclass
class PlanLine:
    name: str
    share: Decimal
    kind: str
    activities: set[int] = field(default_factory=set)
    non_coaching: bool = False


@dataclass
class Plan:
    pk: int
    series: Series
    starts_on: dt.date
    lines: dict[int, PlanLine] = field(default_factory=dict)

    @property
    def rest(self) -> Decimal:
        return max(Decimal(0), Decimal(100) - sum((line.share for line in self.lines.values()), Decimal(0)))


@dataclass
class Tally:
    """One line of the comparison, added up over the period's months and programs."""

    kind: str = PlanLineKind.TARGET
    expected: Decimal = Decimal(0)
    actual: int = 0
    non_coaching: bool = False


# (month "YYYY-MM", program, district, district name, activity, minutes): a grouping set of the
# report builder's statement 1.
MinutesRow = tuple[str, int, int, str, int, int]


def _plans(scope: Scope, period: Period, programs: set[int], conn: BaseDatabaseWrapper) -> dict[Series, list[Plan]]:
    """The one statement of its own: every plan that may apply, by series, earliest first."""
    kind = ScopeKind(scope.kind)
    which = Q(plan__district__isnull=True, plan__coach__isnull=True)
    if kind == ScopeKind.COACH:
        which |= Q(plan__coach_id=scope.pk)
    elif kind in (ScopeKind.DISTRICT, ScopeKind.SCHOOL, ScopeKind.PROGRAM):
        which |= Q(plan__district__isnull=False)  # narrowed to the scope's districts below
    rows = (
        TimePlanLine.objects.using(conn.alias)
        .filter(which, plan__program_id__in=programs, plan__starts_on__lte=period.end)
        .values_list("plan_id", "plan__program_id", "plan__district_id", "plan__coach_id", "plan__starts_on",
                     "pk", "name", "share", "kind", "activities", "activities__kind")
        .order_by("plan__starts_on", "plan_id", "position", "pk")
    )  # fmt: skip
    plans: dict[int, Plan] = {}
    for plan_id, program, district, coach, starts_on, line_id, name, share, line_kind, activity, activity_kind in rows:
        plan = plans.setdefault(plan_id, Plan(plan_id, (program, district, coach), starts_on))
        line = plan.lines.setdefault(line_id, PlanLine(name, Decimal(share), line_kind))
        if activity is not None:
            line.activities.add(int(activity))
            line.non_coaching |= activity_kind == ActivityKind.NON_COACHING
    series: dict[Series, list[Plan]] = defaultdict(list)
    for plan in plans.values():
        series[plan.series].append(plan)
    return series


def _in_force(plans: list[Plan] | None, month: str) -> Plan | None:
    first = dt.date.fromisoformat(f"{month}-01")
    found = None
    for plan in plans or []:
        if plan.starts_on <= first:
            found = plan
    return found


def _compare(cells: list[tuple[Cell, dict[int, int]]], pick: Any) -> tuple[dict[str, Tally], int, int]:
    """Tally each line over the cells (month, program, district): expected and actual minutes, and
    the minutes with no plan in force."""
    tallies: dict[str, Tally] = {}
    unplanned = planned = 0
    for (month, program, district), by_activity in cells:
        plan = pick(month, program, district)
        minutes = sum(by_activity.values())
        if plan is None:
            unplanned += minutes
            continue
        planned += minutes
        placed: set[int] = set()
        for line in plan.lines.values():
            new = line.name not in tallies
            tally = tallies.setdefault(line.name, Tally())
            if new or minutes:  # a month with no time shows the line, and changes nothing else
                tally.kind = line.kind
            tally.expected += line.share * minutes / 100
            tally.actual += sum(m for a, m in by_activity.items() if a in line.activities)
            tally.non_coaching |= line.non_coaching and line.kind == PlanLineKind.AT_MOST
            placed |= line.activities
        rest = tallies.setdefault(EVERYTHING_ELSE, Tally())
        rest.expected += plan.rest * minutes / 100
        rest.actual += sum(m for a, m in by_activity.items() if a not in placed)
    return tallies, planned, unplanned


def _lines(tallies: dict[str, Tally], planned: int) -> list[dict[str, Any]]:
    """Rows of the comparison, furthest off first. Plan and actual shares each add up to 100.0,
    actual hours to the planned total's hours."""
    from .builder import _largest_remainder, hours_split, shares

    names = [n for n, t in tallies.items() if t.expected or t.actual or n != EVERYTHING_ELSE]
    exact = [tallies[n].expected for n in names]
    # Expected minutes, whole, adding up to the minutes compared (the rest of a line's share lost
    # to rounding goes to the largest remainders).
    expected = _largest_remainder(exact, planned) if planned else [0 for _ in names]
    actual = [tallies[n].actual for n in names]
    plan_shares, actual_shares = shares(expected), shares(actual)
    rows: list[dict[str, Any]] = []
    for i, name in enumerate(names):
        tally = tallies[name]
        variance = round(actual_shares[i] - plan_shares[i], 1)
        rows.append({
            "name": name, "kind": tally.kind if name != EVERYTHING_ELSE else "rest",
            "plan_share": plan_shares[i], "actual_share": actual_shares[i], "variance": variance,
            "expected_minutes": expected[i], "minutes": actual[i],
            "exceeded": tally.kind == PlanLineKind.AT_MOST and actual_shares[i] > plan_shares[i],
            "non_coaching": tally.non_coaching,
        })  # fmt: skip
    for row, plan_hours, hours in zip(rows, hours_split(expected, planned), hours_split(actual, planned), strict=True):
        row["plan_hours"], row["hours"] = plan_hours, hours
    rows.sort(key=lambda r: (-abs(r["variance"]), r["name"] == EVERYTHING_ELSE, r["name"]))
    return rows


def _distance(rows: list[dict[str, Any]]) -> float:
    """Half the sum of the lines' distances from plan, in points: the share of time that would
    have to move to meet the plan."""
    return float(round(sum((abs(Decimal(str(r["variance"]))) for r in rows), Decimal(0)) / 2, 1))


def _summary(tallies: dict[str, Tally], planned: int, unplanned: int) -> dict[str, Any]:
    from .builder import hours_text

    rows = _lines(tallies, planned)
    return {
        "lines": rows,
        "planned_minutes": planned,
        "planned_hours": hours_text(planned),
        "unplanned_minutes": unplanned,
        "unplanned_hours": hours_text(unplanned),
        "distance": _distance(rows),
        "non_coaching_exceeded": any(r["exceeded"] and r["non_coaching"] for r in rows),
    }


def plan_figures(
    scope: Scope, period: Period, *, conn: BaseDatabaseWrapper, minutes: list[MinutesRow]
) -> dict[str, Any]:
    """`figures["plan"]`: the plan against the actual time of the scope and period, from the
    `minutes` rows of the report builder's own grouped statement (one pass over the entries)."""
    from .builder import hours_text

    kind = ScopeKind(scope.kind)
    district = scope.pk if kind == ScopeKind.DISTRICT else 0
    grouped: dict[Cell, dict[int, int]] = defaultdict(dict)
    names: dict[int, str] = {}
    for month, program, row_district, name, activity, spent in minutes:
        grouped[(month, program, row_district)][activity] = spent
        names[row_district] = name
    programs = {program for (_, program, _) in grouped}
    if kind == ScopeKind.PROGRAM:
        programs.add(scope.pk)
    elif scope.program:
        programs.add(scope.program)
    # Every month of the period counts, with time or not: a plan in force shows its lines (at
    # zero) even before anything is logged.
    for month, program, district_id in _months_of(period, programs, district):
        grouped.setdefault((month, program, district_id), {})
    cells = sorted(grouped.items())
    series = _plans(scope, period, programs, conn)

    def program_plan(month: str, program: int) -> Plan | None:
        return _in_force(series.get((program, None, None)), month)

    def district_plan(month: str, program: int, district: int) -> Plan | None:
        return _in_force(series.get((program, district, None)), month) or program_plan(month, program)

    own = sorted((p for (_, _, c), plans in series.items() if c == scope.pk for p in plans), key=lambda p: p.starts_on)

    def pick(month: str, program: int, district: int) -> Plan | None:
        if kind == ScopeKind.COACH:
            return _in_force(own, month) or program_plan(month, program)
        if kind in (ScopeKind.DISTRICT, ScopeKind.SCHOOL):
            return district_plan(month, program, district)
        return program_plan(month, program)

    tallies, planned, unplanned = _compare(cells, pick)
    # The plans the comparison used: those in force in a month with time logged (or, with none
    # logged, in any month of the period).
    used = [key for key, minutes in cells if minutes] or [key for key, _ in cells]
    picked = {id(p): p for p in (pick(*key) for key in used) if p is not None}
    applied = sorted({(p.starts_on, p.series) for p in picked.values()}, key=lambda x: x[0])
    figures: dict[str, Any] = {
        "has_plan": bool(tallies),
        "applied": [
            {"starts_on": s.isoformat(), "label": f"{s:%B %Y}", "scope": _series_kind(ser)} for s, ser in applied
        ],
        **_summary(tallies, planned, unplanned),
        "total_hours": hours_text(planned + unplanned),
    }
    if kind == ScopeKind.PROGRAM:
        by_district = []
        for district_id in sorted(names, key=lambda pk: (names[pk], pk)):
            own_cells = [c for c in cells if c[0][2] == district_id and c[1]]
            d_tallies, d_planned, d_unplanned = _compare(own_cells, district_plan)
            if not d_tallies:
                continue
            summary = _summary(d_tallies, d_planned, d_unplanned)
            by_district.append({"district_id": district_id, "name": names[district_id], "distance": summary["distance"],
                                "non_coaching_exceeded": summary["non_coaching_exceeded"]})  # fmt: skip
        figures["by_district"] = by_district
    return figures


def _series_kind(series: Series) -> str:
    return "coach" if series[2] else ("district" if series[1] else "program")


def _months_of(period: Period, programs: set[int], district: int) -> list[tuple[str, int, int]]:
    """(month, program, district) for every month of the period: a plan in force with no time
    logged still counts as a plan."""
    months: list[tuple[str, int, int]] = []
    day = period.start.replace(day=1)
    while day <= period.end:
        months.extend((f"{day:%Y-%m}", program, district) for program in sorted(programs))
        day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return months
