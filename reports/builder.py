"""Build a time-use report's figures with aggregate SQL: sums and counts are done by the
database (GROUP BY); only grouped rows, never log entries, come back to Python.

Five statements, whatever the data size:
1. the scope's entries read once, grouped every way the report shows them (GROUPING SETS on
   PostgreSQL; the same groups as a UNION ALL on SQLite, the embedded default);
2. teachers reached, cycles, goals and group learning as scalar subqueries;
3. the contracts, and 4. one day-level pass over their entries (days used, burn-down), both in
   `coaching.selectors.contract_usage`, the function the contracts page uses too;
5. one row per cycle with measured progress, its linked time summed (`reports.impact`).

Figures meant to be read by people are made to add up: shares to exactly 100.0 and displayed
hours (two decimals) to exactly the displayed total, by the largest-remainder rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet

from coaching.models import HALF_DAY_MINUTES, Activity, ActivityKind, Coach, Contract, FocusArea, LogEntry, Program
from coaching.selectors import contract_usage_list
from cycles.models import Cycle, Goal, Stage
from learning.models import PDSession as PD
from teachers.models import District, School, User
from toolkit.schoolyear import school_year_bounds, school_year_of

from . import impact, priorities
from .agency import agency_figures
from .followups import followup_figures
from .models import ScopeKind
from .scopes import Period, Scope, month_label

Progress = Callable[[int], None]
# What the statements' parameters are: ids, school years, dates and choice values.
SQLValue = int | str | dt.date
DEFAULT_NON_COACHING_THRESHOLD = 10
NO_FOCUS = "No focus area (non-coaching duties)"
NO_SCHOOL = "District-wide (no one school)"

# The entry column a scope kind filters on.
ENTRY_SCOPE_COLUMN = {
    ScopeKind.DISTRICT: "district_id",
    ScopeKind.PROGRAM: "program_id",
    ScopeKind.COACH: "coach_id",
    ScopeKind.SCHOOL: "school_id",
}
# The groups of statement 1. The day set (district, program, date) is grouped again in the same
# statement to count service dates, so every group can be hashed (COUNT(DISTINCT) in a grouping
# set would force a sort of the scope's entries per set).
SETS = {
    "activity": ("activity_id",),
    "focus": ("focus_area_id",),
    "school": ("school_id",),
    "coach": ("coach_id",),
    "month": ("month", "activity_id"),
    # Each district's balance and non-coaching share, for the district-by-district comparison.
    "district_activity": ("district_id", "activity_id"),
    # The time plan's minutes: each month's time by program, district and activity.
    "plan": ("month", "program_id", "district_id", "activity_id"),
    "day": ("coach_id", "district_id", "program_id", "date"),
}
KEYS = ("activity_id", "focus_area_id", "school_id", "coach_id", "district_id", "program_id", "date", "month")
COLUMNS = ("activity_id", "focus_area_id", "school_id", "coach_id", "district_id", "program_id", "month")


def _mask(keys: Sequence[str]) -> int:
    """The value PostgreSQL's GROUPING(all keys) gives a row of the set grouped by `keys`."""
    return sum(1 << (len(KEYS) - 1 - i) for i, key in enumerate(KEYS) if key not in keys)


# --------------------------------------------------------------------------- rounding that adds up


def _largest_remainder(exact: Sequence[Decimal], total: int) -> list[int]:
    """Integers, each the floor or ceiling of its exact value, that add up to `total`."""
    floors = [int(v) for v in exact]
    order = sorted(range(len(exact)), key=lambda i: (exact[i] - floors[i], -i), reverse=True)
    for i in order[: max(0, total - sum(floors))]:
        floors[i] += 1
    return floors


def shares(values: list[int]) -> list[float]:
    """Percentages with one decimal that add up to exactly 100 (largest remainder), or all 0."""
    total = sum(values)
    if not total:
        return [0.0 for _ in values]
    tenths = _largest_remainder([Decimal(v) * 1000 / total for v in values], 1000)
    return [t / 10 for t in tenths]


def hours_text(minutes: int) -> str:
    """Minutes as hours with two decimals, rounded half up: 90 -> "1.50", 10 -> "0.17"."""
    return f"{(Decimal(minutes) / 60).quantize(Decimal('0.01'), ROUND_HALF_UP):.2f}"


def hours_split(minutes: Sequence[int], total_minutes: int | None = None, *, shown: str | None = None) -> list[str]:
    """Hours with two decimals for rows that partition a total, adding up exactly to the total's
    displayed hours (`hours_text(total)`, or `shown` when that total was itself split from a
    larger one): each row is within 0.01 h of its exact value."""
    total = sum(minutes) if total_minutes is None else total_minutes
    target = int(Decimal(shown or hours_text(total)) * 100)
    hundredths = _largest_remainder([Decimal(m) * 100 / 60 for m in minutes], target)
    return [f"{Decimal(h) / 100:.2f}" for h in hundredths]


def _rows(items: list[dict[str, Any]], total: int) -> list[dict[str, Any]]:
    """Add share, hours (adding up to the total's) and bar (percent of the largest row)."""
    largest = max((i["minutes"] for i in items), default=0) or 1
    values = [i["minutes"] for i in items]
    for item, share, hours in zip(items, shares(values), hours_split(values, total), strict=True):
        item["share"] = share
        item["hours"] = hours
        item["bar"] = round(100 * item["minutes"] / largest, 1)
    return items


# --------------------------------------------------------------------------- SQL


def _where(scope: Scope, period: Period, alias: str = "e") -> tuple[str, list[SQLValue]]:
    """The scope's entries in the period. `school_year` leads so the (district|program, school
    year, date) indexes are used whole, and a district's history does not grow the scan."""
    years = period.school_years
    sql = [f"{alias}.school_year IN ({', '.join(['%s'] * len(years))})", f"{alias}.date BETWEEN %s AND %s"]
    params: list[SQLValue] = [*years, period.start, period.end]
    column = ENTRY_SCOPE_COLUMN.get(ScopeKind(scope.kind))
    if column:
        sql.append(f"{alias}.{column} = %s")
        params.append(scope.pk)
    if scope.program and scope.kind != ScopeKind.PROGRAM:
        sql.append(f"{alias}.program_id = %s")
        params.append(scope.program)
    return " AND ".join(sql), params


def _grouped_sql(scope: Scope, period: Period, vendor: str) -> tuple[str, list[SQLValue]]:
    """Statement 1: rows of (set, the set's keys, minutes, entries, service dates) with names."""
    where, params = _where(scope, period)
    entry = LogEntry._meta.db_table
    if vendor == "postgresql":
        month = "date_trunc('month', e.date)"
        expr = {k: (month if k == "month" else f"e.{k}") for k in KEYS}
        sets = ", ".join("(" + ", ".join(expr[k] for k in keys) + ")" for keys in SETS.values())
        case = " ".join(f"WHEN {_mask(keys)} THEN '{name}'" for name, keys in SETS.items())
        grouped = f"""
            WITH g AS (
                SELECT CASE GROUPING({", ".join(expr[k] for k in KEYS)}) {case} END AS set_name,
                       {", ".join(f"{expr[k]} AS {k}" for k in KEYS)},
                       SUM(e.minutes) AS minutes, COUNT(*) AS entries
                FROM {entry} e WHERE {where}
                GROUP BY GROUPING SETS ({sets})
            )
            SELECT set_name, {", ".join(COLUMNS)}, minutes, entries, 0 AS dates,
                   NULL::date AS first_date, NULL::date AS last_date
            FROM g WHERE set_name <> 'day'
            UNION ALL
            SELECT CASE GROUPING(district_id, program_id) WHEN 1 THEN 'district' WHEN 2 THEN 'program'
                        ELSE 'total' END,
                   NULL, NULL, NULL, NULL, district_id, program_id, NULL,
                   SUM(minutes), SUM(entries), COUNT(DISTINCT date), NULL, NULL
            FROM g WHERE set_name = 'day'
            GROUP BY GROUPING SETS ((district_id), (program_id), ())
            UNION ALL
            -- Contract days from the same day rows (one coach, one district, one date): half days
            -- in the minutes column, so every branch keeps its types.
            SELECT 'contract', NULL, NULL, NULL, NULL, district_id, program_id, date_trunc('month', date),
                   SUM(CASE WHEN minutes < %s THEN 1 ELSE 2 END), 0, COUNT(DISTINCT date), MIN(date), MAX(date)
            FROM g WHERE set_name = 'day'
            GROUP BY district_id, program_id, date_trunc('month', date)
        """  # noqa: S608  # nosec B608
        all_params = [*params, HALF_DAY_MINUTES]
    else:
        month = "strftime('%%Y-%%m', e.date)"
        expr = {k: (month if k == "month" else f"e.{k}") for k in COLUMNS}
        outputs = {**{name: keys for name, keys in SETS.items() if name != "day"},
                   "district": ("district_id",), "program": ("program_id",), "total": ()}  # fmt: skip
        branches, all_params = [], []
        for name, keys in outputs.items():
            columns = ", ".join((expr[k] if k in keys else "NULL") + f" AS {k}" for k in COLUMNS)
            group = f"GROUP BY {', '.join(expr[k] for k in keys)}" if keys else ""
            # Bandit B608: only placeholders, table and column names from model metadata.
            branch = f"SELECT '{name}' AS set_name, {columns}, SUM(e.minutes) AS minutes, COUNT(*) AS entries, COUNT(DISTINCT e.date) AS dates FROM {entry} e WHERE {where} {group}"  # noqa: E501, S608  # nosec B608
            branches.append(branch)
            all_params += params
        grouped = " UNION ALL ".join(branches)
    firsts = ", g.first_date, g.last_date" if vendor == "postgresql" else ""
    # Names are joined to the grouped rows (a few hundred at most), not to the entries.
    sql = f"""
        SELECT g.set_name, g.activity_id, a.name, a.kind, a.balance, f.name, s.name, g.coach_id, u.first_name,
               u.last_name, d.name, p.name, g.month, g.minutes, g.entries, g.dates, g.program_id, g.district_id{firsts}
        FROM ({grouped}) g
        LEFT JOIN {Activity._meta.db_table} a ON a.id = g.activity_id
        LEFT JOIN {FocusArea._meta.db_table} f ON f.id = g.focus_area_id
        LEFT JOIN {School._meta.db_table} s ON s.id = g.school_id
        LEFT JOIN {Coach._meta.db_table} c ON c.id = g.coach_id
        LEFT JOIN {User._meta.db_table} u ON u.id = c.user_id
        LEFT JOIN {District._meta.db_table} d ON d.id = g.district_id
        LEFT JOIN {Program._meta.db_table} p ON p.id = g.program_id
    """  # noqa: S608  # nosec B608
    return sql, all_params


def _month_key(value: object) -> str:
    return value.strftime("%Y-%m") if isinstance(value, dt.date) else str(value)[:7]


def _scalars_sql(scope: Scope, period: Period, today: dt.date, vendor: str) -> tuple[str, list[SQLValue]]:
    """Teachers reached, cycles, goals met and group learning: one row of scalar subqueries."""
    where, params = _where(scope, period)
    kind = ScopeKind(scope.kind)
    links = LogEntry.teachers.through._meta.db_table
    cycle_t, goal_t = Cycle._meta.db_table, Goal._meta.db_table
    pd_t, attendees = PD._meta.db_table, PD.attendees.through._meta.db_table
    pd_schools = PD.schools.through._meta.db_table

    cw, cycle_params = impact.cycle_scope_sql(scope)  # the same cycles the impact figures start from
    program = scope.pk if kind == ScopeKind.PROGRAM else scope.program

    pd_where: list[str] = ["pd.date BETWEEN %s AND %s"]
    pd_params: list[SQLValue] = [period.start, min(period.end, today)]
    if kind == ScopeKind.DISTRICT:
        pd_where.append("pd.district_id = %s")
        pd_params.append(scope.pk)
    elif kind == ScopeKind.COACH:
        pd_where.append("pd.facilitator_id = %s")
        pd_params.append(scope.pk)
    elif kind == ScopeKind.SCHOOL:
        pd_where.append(f"pd.id IN (SELECT pdsession_id FROM {pd_schools} WHERE school_id = %s)")  # noqa: S608  # nosec B608
        pd_params.append(scope.pk)
    if program:
        pd_where.append("pd.program_id = %s")
        pd_params.append(program)
    pw = " AND ".join(pd_where)
    start, end = period.start, period.end
    if vendor == "postgresql" and ScopeKind(scope.kind) != ScopeKind.ALL:
        # The scope's entry ids as one sorted array probe the links' (entry, teacher) index in a
        # single scan: 75 ms for a program-year, where a join hashed all 2 million links (870 ms).
        # COUNT over a DISTINCT subquery lets the few thousand teachers be hashed instead of
        # sorting every link.
        teachers = (
            f"SELECT COUNT(*) FROM (SELECT DISTINCT l.teacher_id FROM {links} l WHERE l.logentry_id = ANY(ARRAY("  # noqa: S608  # nosec B608
            f"SELECT e.id FROM {LogEntry._meta.db_table} e WHERE {where} ORDER BY e.id))) t"
        )
    else:  # SQLite, or every entry: then a hashed join of all links is the faster way (1.8 s vs 3.8 s)
        teachers = (
            f"SELECT COUNT(*) FROM (SELECT DISTINCT l.teacher_id FROM {links} l "  # noqa: S608  # nosec B608
            f"JOIN {LogEntry._meta.db_table} e ON e.id = l.logentry_id WHERE {where}) t"
        )
    sql = f"""
        SELECT
          ({teachers}),
          (SELECT COUNT(*) FROM {cycle_t} cy WHERE {cw} AND cy.started_on BETWEEN %s AND %s),
          (SELECT COUNT(*) FROM {cycle_t} cy WHERE {cw} AND cy.started_on <= %s
             AND (cy.closed_on IS NULL OR cy.closed_on > %s)),
          (SELECT COUNT(*) FROM {cycle_t} cy WHERE {cw} AND cy.stage = %s AND cy.closed_on BETWEEN %s AND %s),
          (SELECT COUNT(*) FROM {goal_t} g JOIN {cycle_t} cy ON cy.id = g.cycle_id
             WHERE {cw} AND g.met_on BETWEEN %s AND %s),
          (SELECT COUNT(*) FROM {pd_t} pd WHERE {pw}),
          (SELECT COALESCE(SUM(pd.minutes), 0) FROM {pd_t} pd WHERE {pw}),
          (SELECT COUNT(*) FROM {attendees} at JOIN {pd_t} pd ON pd.id = at.pdsession_id WHERE {pw}),
          (SELECT COUNT(DISTINCT at.teacher_id) FROM {attendees} at JOIN {pd_t} pd ON pd.id = at.pdsession_id
             WHERE {pw})
    """  # noqa: S608  # nosec B608
    all_params = [
        *params,
        *cycle_params, start, end,
        *cycle_params, end, end,
        *cycle_params, Stage.CLOSED, start, end,
        *cycle_params, start, end,
        *pd_params, *pd_params, *pd_params, *pd_params,
    ]  # fmt: skip
    return sql, all_params


def _contracts(scope: Scope, period: Period) -> QuerySet[Contract]:
    contracts = Contract.objects.filter(school_year__in=period.school_years)
    kind = ScopeKind(scope.kind)
    if kind == ScopeKind.DISTRICT:
        contracts = contracts.filter(district_id=scope.pk)
        return contracts.filter(program_id=scope.program) if scope.program else contracts
    if kind == ScopeKind.PROGRAM:
        return contracts.filter(program_id=scope.pk)
    if kind == ScopeKind.ALL:
        return contracts
    return contracts.none()  # a coach's or a school's time is not a contract's


def _threshold(scope: Scope, period: Period, program_ids: list[int], thresholds: dict[int, int]) -> int:
    """The program's own threshold; for a district served by several programs, the strictest."""
    kind = ScopeKind(scope.kind)
    if kind == ScopeKind.PROGRAM:
        ids = [scope.pk]
    elif scope.program:
        ids = [scope.program]
    else:
        ids = program_ids
    found = [thresholds[i] for i in ids if i in thresholds]
    return min(found) if found else DEFAULT_NON_COACHING_THRESHOLD


# --------------------------------------------------------------------------- the report


def build_figures(scope: Scope, period: Period, *, today: dt.date, progress: Progress | None = None) -> dict[str, Any]:
    """Every figure of the time-use report for a scope and period, as JSON-ready values."""
    step = progress or (lambda percent: None)
    alias = router.db_for_read(LogEntry) or "default"
    conn = connections[alias]
    # Sorts and hashes get the memory a report needs instead of spilling to disk (PostgreSQL's
    # default work_mem is 4 MB), for this build only. No transaction: progress is written as it
    # goes, and an entry changed while the build reads is caught by the snapshot's change count.
    postgres = conn.vendor == "postgresql"
    if postgres:
        with conn.cursor() as cursor:
            # JIT off: the whole data set's contract-days statement crossed PostgreSQL's JIT cost
            # thresholds and spent 27 s compiling for a 12 s query (measured by `make bench`).
            cursor.execute("SET work_mem = '64MB'")
            cursor.execute("SET jit = off")
    try:
        return _build(scope, period, today=today, step=step, conn=conn)
    finally:
        if postgres:
            with conn.cursor() as cursor:
                cursor.execute("RESET work_mem")
                cursor.execute("RESET jit")


def _build(
    scope: Scope, period: Period, *, today: dt.date, step: Progress, conn: BaseDatabaseWrapper
) -> dict[str, Any]:
    groups: dict[str, list[tuple[Any, ...]]] = {
        name: [] for name in ("activity", "focus", "school", "coach", "month", "district", "program", "total",
                              "contract", "district_activity", "plan")
    }  # fmt: skip
    with conn.cursor() as cursor:
        sql, params = _grouped_sql(scope, period, conn.vendor)
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            groups[row[0]].append(row)
        sql, params = _scalars_sql(scope, period, today, conn.vendor)
        cursor.execute(sql, params)
        scalars = cursor.fetchone()
    step(50)

    total_row = groups["total"][0] if groups["total"] else None
    total = int(total_row[13] or 0) if total_row else 0
    entries = int(total_row[14] or 0) if total_row else 0
    service_dates = int(total_row[15] or 0) if total_row else 0

    def by_minutes(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return _rows(sorted(rows, key=lambda r: (-r["minutes"], r["name"])), total)

    activities = by_minutes([
        {"name": r[2], "kind": r[3], "balance": r[4] or "", "minutes": int(r[13]), "entries": int(r[14])}
        for r in groups["activity"]
    ])  # fmt: skip
    focus = by_minutes([{"name": r[5] or NO_FOCUS, "minutes": int(r[13])} for r in groups["focus"]])
    schools = by_minutes([{"name": r[6] or NO_SCHOOL, "minutes": int(r[13])} for r in groups["school"]])
    coaches = by_minutes([
        {"name": f"{r[8] or ''} {r[9] or ''}".strip(), "minutes": int(r[13])} for r in groups["coach"]
    ])  # fmt: skip
    districts = by_minutes([
        {"id": int(r[17]), "name": r[10], "minutes": int(r[13]), "service_dates": int(r[15])}
        for r in groups["district"]
    ])  # fmt: skip
    programs = by_minutes([
        {"name": r[11], "minutes": int(r[13]), "service_dates": int(r[15])} for r in groups["program"]
    ])  # fmt: skip

    side_minutes = {"output": 0, "input": 0, "non_coaching": 0}
    months: dict[str, dict[str, Any]] = {}
    for r in groups["month"]:
        side = "non_coaching" if r[3] == ActivityKind.NON_COACHING else (r[4] or "output")
        key = _month_key(r[12])
        row = months.setdefault(key, {"month": key, "label": month_label(key), "output": 0, "input": 0,
                                      "non_coaching": 0, "minutes": 0})  # fmt: skip
        row[side] += int(r[13])
        row["minutes"] += int(r[13])
        side_minutes[side] += int(r[13])
    month_rows = [months[k] for k in sorted(months)]
    for row, hours in zip(month_rows, hours_split([m["minutes"] for m in month_rows], total), strict=True):
        row["hours"] = hours
        # Each month's sides add up to that month's displayed hours.
        sides = hours_split([row["output"], row["input"], row["non_coaching"]], row["minutes"], shown=hours)
        row["output_hours"], row["input_hours"], row["non_coaching_hours"] = sides
    balance = _rows([{"name": k, "minutes": v} for k, v in side_minutes.items()], total)
    district_sides: dict[int, dict[str, int]] = {}
    for r in groups["district_activity"]:
        side = "non_coaching" if r[3] == ActivityKind.NON_COACHING else (r[4] or "output")
        per_side = district_sides.setdefault(int(r[17]), {"output": 0, "input": 0, "non_coaching": 0})
        per_side[side] += int(r[13])
    non_coaching_share = balance[2]["share"]

    step(70)
    contracts = _contracts(scope, period)
    as_of = min(today, period.end)
    day_rows: dict[tuple[int, int, int], list[tuple[object, ...]]] | None = None
    if conn.vendor == "postgresql" and _read_every_contract_day(scope, period, conn):
        # Statement 1 read every entry the scope's contracts count through `as_of`: their days
        # come from there, not from another pass.
        day_rows = {}
        for r in groups["contract"]:
            month = _month_key(r[12])
            year = school_year_of(dt.date.fromisoformat(f"{month}-01"))
            days = Decimal(int(r[13])) / 2
            day_rows.setdefault((int(r[17]), int(r[16]), year), []).append(
                (month, days, days, r[18], r[19], int(r[15]))
            )
        day_rows = {key: sorted(rows, key=lambda row: str(row[0])) for key, rows in day_rows.items()}
    usage = contract_usage_list(contracts=contracts, as_of=as_of, period=(period.start, period.end), day_rows=day_rows)
    program_ids = sorted({u.contract.program_id for u in usage} | {int(r[16]) for r in groups["program"]})
    program_rows = list(
        Program.objects.filter(
            pk__in=[*program_ids, scope.pk if scope.kind == ScopeKind.PROGRAM else 0, scope.program]
        ).values_list("pk", "non_coaching_threshold", "impact_counts_unshared", "name")
    )
    thresholds = {pk: limit for pk, limit, _policy, _name in program_rows}
    threshold = _threshold(scope, period, program_ids, thresholds)
    cycles = impact.cycle_rows(scope, period, conn)
    # The policy said is that of every program whose cycles or time the report covers.
    counted = {pk for pk, *_ in program_rows} & (
        {r.program_id for r in cycles.rows}
        | set(program_ids)
        | {scope.pk if scope.kind == ScopeKind.PROGRAM else scope.program}
    )
    policies = {name: policy for pk, _limit, policy, name in program_rows if pk in counted}
    # A district's or school's figures are shown only where they are a group shown in each report
    # they are part of (one statement each, whatever the cycles).
    shown_in_parents = [
        impact.shown_in(impact.cycle_rows(parent, period, conn), breakdown=breakdown, key=key)
        for parent, breakdown, key in impact.parents_of(scope, cycles)
    ]
    singled_out = not all(shown_in_parents)
    impact_result = impact.impact_figures(cycles, period, policies=policies, singled_out=singled_out)

    from .plans import plan_figures  # plans reads the builder's filter and rounding

    plan_minutes = [
        (_month_key(r[12]), int(r[16]), int(r[17]), str(r[10]), int(r[1]), int(r[13])) for r in groups["plan"]
    ]
    plan = plan_figures(scope, period, conn=conn, minutes=plan_minutes)
    # A projection belongs to a period that reaches today (or the year's end); an earlier
    # period shows what was used, not where a past pace would have led.
    current = as_of == today or all(as_of >= u.year_end for u in usage)
    contract_rows = [
        {
            "district": u.contract.district.name, "program": u.contract.program.name,
            "school_year": u.contract.school_year_label, "contracted": u.contract.contracted_days,
            "used_in_period": float(u.days_in_period), "used": float(u.days_used), "left": float(u.days_left),
            "through": u.through.isoformat(), "percent": u.percent_used,
            "days_per_week": float(u.days_per_week) if u.days_per_week is not None else None,
            "outlook": u.outlook.text if current else "",
            "outlook_status": u.outlook.status if current else "",
            "outlook_date": u.outlook.date.isoformat() if current and u.outlook.date else None,
            "burn": [{**p, "label": month_label(str(p["month"]))} for p in u.burn()],
        }
        for u in usage
    ]  # fmt: skip
    step(90)
    teachers, started, active, completed, goals_met, pd_sessions, pd_minutes, attendance, pd_teachers = (
        int(v or 0) for v in scalars
    )
    figures: dict[str, Any] = {
        "scope": {"kind": scope.kind, "id": scope.pk, "name": scope.name, "program": scope.program},
        "period": {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "label": period.label,
            "whole_year": _is_school_year(period),
        },
        "as_of": as_of.isoformat(),
        "as_of_label": f"{as_of:%b} {as_of.day}, {as_of.year}",
        "total_minutes": total,
        "total_hours": hours_text(total),
        "entries": entries,
        "service_dates": service_dates,
        "by_activity": activities,
        "by_focus": focus,
        "balance": balance,
        "non_coaching_share": non_coaching_share,
        "non_coaching_threshold": threshold,
        "non_coaching_flag": non_coaching_share > threshold,
        "by_school": schools,
        "by_coach": coaches,
        "by_district": districts,
        "by_program": programs,
        "by_month": month_rows,
        "teachers_reached": teachers,
        "cycles": {"started": started, "active": active, "completed": completed, "goals_met": goals_met},
        "group_learning": {
            "sessions": pd_sessions,
            "minutes": pd_minutes,
            "hours": hours_text(pd_minutes),
            "attendance": attendance,
            "teachers": pd_teachers,
        },
        "contracts": contract_rows,
        "half_day_minutes": HALF_DAY_MINUTES,
        "impact": impact_result,
        "plan": plan,
    }
    figures["followups"] = followup_figures(scope, period, today=today, conn=conn)
    figures["district_comparison"] = impact.district_comparison(
        districts, district_sides, impact_result, threshold=threshold, plan=figures.get("plan"), shares=shares
    )
    figures["priorities"] = priorities.priority_figures(
        scope, period, conn=conn, total=total, where=_where(scope, period)
    )
    figures["agency"] = agency_figures(scope, period, conn)
    from .standards import standards_figures  # standards reads the builder's filter and rounding

    figures["standards"] = standards_figures(scope, period, conn=conn, today=today)
    return figures


def _read_every_contract_day(scope: Scope, period: Period, conn: BaseDatabaseWrapper) -> bool:
    """True when the period's entries hold every entry its contracts count: days are counted
    through min(today, period end), so only the part of the first school year before the period
    can be missing. It is when the period starts on a July 1; otherwise one indexed probe asks
    whether the scope has entries there (a whole-history range starting at the first entry has
    none)."""
    year_start = school_year_bounds(school_year_of(period.start))[0]
    if period.start == year_start:
        return True
    where, params = _where(scope, Period(year_start, period.start - dt.timedelta(days=1), "", ""))
    with conn.cursor() as cursor:
        # Bandit B608: only placeholders and the model's table name are interpolated.
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {LogEntry._meta.db_table} e WHERE {where})", params)  # noqa: S608  # nosec B608
        return not cursor.fetchone()[0]


def _is_school_year(period: Period) -> bool:
    return period.start.month == 7 and period.start.day == 1 and period.end == dt.date(period.start.year + 1, 6, 30)
