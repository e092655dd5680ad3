"""The impact of coaching in aggregate, from the cycles' progress measures, and the district-by-
district comparison of a program's report.

Which cycles count (the cohort): cycles of the scope that ran during the period (started by its
last day, open or closed on or after its first day) whose current goal has a baseline, a target
other than the baseline, and at least one progress measure dated on or before the period's end.
A cycle counts only if its teacher shared it with administrators, unless its program's policy
(`Program.impact_counts_unshared`, set by the director) says every cycle counts.

One statement reads one row per cohort cycle, with its measures and linked time already
aggregated by the database (latest measure, linked minutes, their cost, the main focus area);
the rows (about a thousand for a program-year) are then grouped here.

Privacy: teachers are never named, and every figure shown comes from at least five cycles. A
group of fewer than five merges into "Other"; if "Other" is then still under five, the next
smallest groups join it until it reaches five (so the total minus the groups shown never reveals
a small group), and if that cannot be done the breakdown is not shown. A scope with fewer than
five cycles shows no impact at all. Administrators read each shared cycle's goal and progress, so
where unshared cycles count (the program's policy) a figure holds none of them or at least five:
fewer than five in the scope are left out, and a group with one to four is merged like a small
one. A school is shown only if its district's cycles in no school shown are none or five or
more, so a district's figures minus its schools' reveal no small group either; and a district's
or school's report shows figures only where it is a group shown in the reports it is part of
(`parents_of`), so one report minus another reveals none. The snapshot
stores only these suppressed figures, for everyone who may open the report (the coach of a coach
scope included: a snapshot is shared).
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

from coaching.models import HALF_DAY_MINUTES, Coach, Contract, FocusArea, LogEntry, Program
from cycles.models import Cycle, CycleTime, Goal, ProgressMeasure
from teachers.models import District, School, Teacher

from .models import ScopeKind
from .scopes import Period, Scope

MIN_CYCLES = 5
OTHER = "Other"
NO_STRATEGY = "No strategy recorded"
NAMES_A_TEACHER = "Strategies whose text names a teacher"
NO_FOCUS_AREA = "No focus area on the linked time"
DAY_MINUTES = 2 * HALF_DAY_MINUTES  # a full contract day: 8 hours
GROWTH_CAP = Decimal(100)
BREAKDOWNS = (("focus", "Focus area"), ("strategy", "Strategy"), ("school", "School"), ("district", "District"))
SHARED_ONLY = "Counts only cycles teachers shared"
FEW_UNSHARED = f"; fewer than {MIN_CYCLES} unshared cycles here, so only the cycles teachers shared count"
SINGLED_OUT = (
    f"Not shown: with the report this one is part of, it would single out fewer than {MIN_CYCLES} cycles of "
    "another coach, school, district or program."
)
EVERY_CYCLE = "Counts every cycle (program policy)"
FOOTNOTE = (
    "A cycle counts when it ran during the period and its current goal has a baseline, a target and a "
    "progress measure by the period's end; a goal whose target equals its baseline cannot show growth and "
    "is left out. Growth is (latest measure − baseline) ÷ (target − baseline), capped at ±100%, averaged "
    "over the cycles. Goals met are current goals met during the period; time to goal runs from the "
    "cycle's start to the day its goal was met (the median). Hours per goal met are the log entries the "
    "coach linked to the cycles whose goal was met (time recorded on the cycle: evidence, the modeled "
    "lesson, conversations, and entries linked by hand), through the period's end, divided by the goals "
    f"met. Cost per goal met prices those entries at their contract's daily rate per {DAY_MINUTES // 60}-hour "
    "day (minutes ÷ 480 × rate). Every group shown has at least five cycles; smaller groups are merged "
    "into Other."
)

CycleParam = int | str | bool | dt.date


@dataclass(frozen=True)
class CycleRow:
    """One cohort cycle as the statement returns it: no teacher, no goal text, only numbers and
    the names of the groups it falls in."""

    district_id: int
    district: str
    school_id: int
    school: str
    strategy: str
    program_id: int
    started_on: dt.date
    growth: Decimal
    met_on: dt.date | None
    minutes: int
    cent_minutes: int
    focus_id: int | None
    focus: str
    shared: bool = True
    names_teacher: bool = False
    coach_id: int = 0

    def met_in(self, period: Period) -> bool:
        return self.met_on is not None and period.start <= self.met_on <= period.end


def _date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _decimal(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def cycle_scope_sql(scope: Scope) -> tuple[str, list[CycleParam]]:
    """The scope's cycles (alias `cy`), as the report's other cycle counts select them."""
    kind = ScopeKind(scope.kind)
    where: list[str] = ["1 = 1"]
    params: list[CycleParam] = []
    column = {ScopeKind.DISTRICT: "district_id", ScopeKind.COACH: "coach_id", ScopeKind.SCHOOL: "school_id"}.get(kind)
    if column:
        where.append(f"cy.{column} = %s")
        params.append(scope.pk)
    program = scope.pk if kind == ScopeKind.PROGRAM else scope.program
    if program:
        where.append(f"cy.coach_id IN (SELECT id FROM {Coach._meta.db_table} WHERE program_id = %s)")  # noqa: S608  # nosec B608
        params.append(program)
    return " AND ".join(where), params


def impact_sql(scope: Scope, period: Period, *, vendor: str = "postgresql") -> tuple[str, list[CycleParam]]:
    """One row per cohort cycle, its linked time summed by the database, and its teachers' names
    (only to tell whether the strategy's text names one of them; they are not kept)."""
    cw, cycle_params = cycle_scope_sql(scope)
    joined = "string_agg" if vendor == "postgresql" else "group_concat"
    t = {
        "cycle": Cycle._meta.db_table, "goal": Goal._meta.db_table, "measure": ProgressMeasure._meta.db_table,
        "link": CycleTime._meta.db_table, "entry": LogEntry._meta.db_table, "contract": Contract._meta.db_table,
        "coach": Coach._meta.db_table, "program": Program._meta.db_table, "district": District._meta.db_table,
        "school": School._meta.db_table, "focus": FocusArea._meta.db_table,
        "cycle_teachers": Cycle.teachers.through._meta.db_table, "teacher": Teacher._meta.db_table,
    }  # fmt: skip
    end = period.end
    linked = f"FROM {t['link']} ct JOIN {t['entry']} e ON e.id = ct.entry_id WHERE ct.cycle_id = cy.id AND e.date <= %s"
    # Bandit B608: only placeholders and table names from model metadata are interpolated.
    sql = f"""
        SELECT x.district_id, d.name, x.school_id, s.name, x.strategy, x.program_id, x.started_on, x.baseline,
               x.target, x.met_on, x.latest, x.minutes, x.cent_minutes, x.focus_id, f.name,
               x.shared_with_admins, x.teacher_names, x.coach_id
        FROM (
            SELECT cy.id, cy.district_id, cy.school_id, cy.strategy, c.program_id, cy.started_on, g.baseline, g.target,
                   g.met_on, cy.shared_with_admins, cy.coach_id,
                   (SELECT m.value FROM {t["measure"]} m WHERE m.goal_id = g.id AND m.date <= %s
                    ORDER BY m.date DESC, m.id DESC LIMIT 1) AS latest,
                   (SELECT COALESCE(SUM(e.minutes), 0) {linked}) AS minutes,
                   (SELECT COALESCE(SUM(e.minutes * CAST(ROUND(k.daily_rate * 100) AS BIGINT)), 0)
                    FROM {t["link"]} ct JOIN {t["entry"]} e ON e.id = ct.entry_id
                    JOIN {t["contract"]} k ON k.program_id = e.program_id AND k.district_id = e.district_id
                         AND k.school_year = e.school_year
                    WHERE ct.cycle_id = cy.id AND e.date <= %s) AS cent_minutes,
                   (SELECT e.focus_area_id {linked} AND e.focus_area_id IS NOT NULL
                    GROUP BY e.focus_area_id ORDER BY SUM(e.minutes) DESC, e.focus_area_id LIMIT 1) AS focus_id,
                   (SELECT {joined}(t.first_name || ' ' || t.last_name, ' ') FROM {t["cycle_teachers"]} ctt
                    JOIN {t["teacher"]} t ON t.id = ctt.teacher_id WHERE ctt.cycle_id = cy.id) AS teacher_names
            FROM {t["cycle"]} cy
            JOIN {t["goal"]} g ON g.cycle_id = cy.id AND g.is_current = %s AND g.baseline IS NOT NULL
            JOIN {t["coach"]} c ON c.id = cy.coach_id
            JOIN {t["program"]} p ON p.id = c.program_id
            WHERE {cw} AND cy.started_on <= %s AND (cy.closed_on IS NULL OR cy.closed_on >= %s)
              AND (cy.shared_with_admins = %s OR p.impact_counts_unshared = %s)
              AND EXISTS (SELECT 1 FROM {t["measure"]} m WHERE m.goal_id = g.id AND m.date <= %s)
        ) x
        JOIN {t["district"]} d ON d.id = x.district_id
        JOIN {t["school"]} s ON s.id = x.school_id
        LEFT JOIN {t["focus"]} f ON f.id = x.focus_id
        ORDER BY x.started_on, x.id
    """  # noqa: S608  # nosec B608
    params: list[CycleParam] = [end, end, end, end, True, *cycle_params, end, period.start, True, True, end]
    return sql, params


def growth_of(*, baseline: Decimal, target: Decimal, latest: Decimal) -> Decimal:
    """Percent of the way from baseline to target, capped at ±100% (a goal overshot counts as met,
    a slide back as at most the whole distance)."""
    growth = (latest - baseline) * 100 / (target - baseline)
    return max(-GROWTH_CAP, min(GROWTH_CAP, growth))


@dataclass(frozen=True)
class Cohort:
    """The cycles that count, and how many measured cycles were left out because their goal's
    target equals its baseline (no distance to grow along)."""

    rows: list[CycleRow]
    no_distance: int


def names_a_teacher(strategy: str, names: str) -> bool:
    """Whether a word of the strategy's text is a word of one of its teachers' names."""
    words = set(re.findall(r"\w+", strategy.casefold()))
    return any(len(word) > 1 and word in words for word in re.findall(r"\w+", names.casefold()))


def cycle_rows(scope: Scope, period: Period, conn: BaseDatabaseWrapper) -> Cohort:
    sql, params = impact_sql(scope, period, vendor=conn.vendor)
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    rows, no_distance = [], 0
    for r in fetched:
        baseline, target, latest = _decimal(r[7]), _decimal(r[8]), _decimal(r[10])
        if target == baseline:
            no_distance += 1
            continue
        rows.append(CycleRow(
            district_id=int(r[0]), district=str(r[1]), school_id=int(r[2]), school=str(r[3]),
            strategy=str(r[4] or ""), program_id=int(r[5]), started_on=_date(r[6]),
            growth=growth_of(baseline=baseline, target=target, latest=latest),
            met_on=_date(r[9]) if r[9] is not None else None, minutes=int(r[11] or 0),
            cent_minutes=int(r[12] or 0), focus_id=int(r[13]) if r[13] is not None else None,
            focus=str(r[14]) if r[14] is not None else NO_FOCUS_AREA, shared=bool(r[15]),
            names_teacher=names_a_teacher(str(r[4] or ""), str(r[16] or "")), coach_id=int(r[17]),
        ))  # fmt: skip
    return Cohort(rows, no_distance)


# --------------------------------------------------------------------------- figures of a group


def _money(cents: Decimal) -> str:
    return f"{(cents / 100).quantize(Decimal('1'), ROUND_HALF_UP):,}"


def group_figures(rows: Sequence[CycleRow], period: Period) -> dict[str, Any]:
    """Cycles, average growth, goals met, median days to goal, hours and cost per goal met."""
    met = [r for r in rows if r.met_in(period)]
    growth = (sum((r.growth for r in rows), Decimal(0)) / len(rows)) if rows else Decimal(0)
    figures: dict[str, Any] = {
        "cycles": len(rows),
        "growth": float(growth.quantize(Decimal("0.1"), ROUND_HALF_UP)),
        "goals_met": len(met),
        "median_days": None,
        "hours_per_goal": None,
        "cost_per_goal": None,
        "linked_minutes_met": sum(r.minutes for r in met),
    }
    if met:
        median = statistics.median((r.met_on - r.started_on).days for r in met if r.met_on)
        figures["median_days"] = float(Decimal(str(median)).quantize(Decimal("0.1"), ROUND_HALF_UP))
        hours = Decimal(figures["linked_minutes_met"]) / 60 / len(met)
        figures["hours_per_goal"] = f"{hours.quantize(Decimal('0.01'), ROUND_HALF_UP):.2f}"
        cents = Decimal(sum(r.cent_minutes for r in met)) / DAY_MINUTES / len(met)
        figures["cost_per_goal"] = _money(cents)
    return figures


def normalise_strategy(text: str) -> str:
    """One key for the same strategy typed differently: case, spacing and end punctuation."""
    return re.sub(r"\s+", " ", text).strip().strip(".;:,").casefold()


def _key_and_name(breakdown: str) -> Callable[[CycleRow], tuple[object, str]]:
    if breakdown == "district":
        return lambda r: (r.district_id, r.district)
    if breakdown == "school":
        return lambda r: (r.school_id, f"{r.school} ({r.district})")
    if breakdown == "focus":
        return lambda r: (r.focus_id or 0, r.focus)
    if breakdown == "program":  # not shown: a district's programs, for its narrowed reports
        return lambda r: (r.program_id, str(r.program_id))
    if breakdown == "coach":  # not shown: a program's coaches, for a coach's report
        return lambda r: (r.coach_id, str(r.coach_id))
    # The group is named as its earliest cycle typed it (rows come by start date).
    return lambda r: (normalise_strategy(r.strategy), re.sub(r"\s+", " ", r.strategy).strip(" .;:,") or NO_STRATEGY)


def too_small(rows: Sequence[CycleRow]) -> bool:
    """Whether some cycles may not be shown as a figure of their own: fewer than MIN_CYCLES, or one
    to MIN_CYCLES - 1 unshared among them (the shared ones can be read one by one)."""
    unshared = sum(1 for row in rows if not row.shared)
    return 0 < len(rows) < MIN_CYCLES or 0 < unshared < MIN_CYCLES


Group = tuple[object, str, list[CycleRow]]


def suppressed_groups(groups: Iterable[Group]) -> list[Group]:
    """The groups that may be shown: none of them too small, the small ones merged into "Other",
    which takes the next smallest groups until it is not too small either. Empty when that leaves a
    single "Other" or too few cycles in all."""
    groups = list(groups)
    big = sorted((g for g in groups if not too_small(g[2])), key=lambda g: (len(g[2]), g[1]))
    small = [g for g in groups if too_small(g[2])]
    other: list[CycleRow] = [row for g in small for row in g[2]]
    while too_small(other) and big:
        other += big.pop(0)[2]
    if too_small(other) or not big:
        return []
    shown = sorted(big, key=lambda g: (-len(g[2]), g[1]))
    return shown + ([(None, OTHER, other)] if other else [])


def nested_groups(inner: list[Group], outer: list[Group]) -> list[Group]:
    """Inner groups (schools) that leave, within every outer group shown (districts, and their
    Other), cycles in no inner group shown that are none or not too small: the smallest school of a
    district whose rest is too small joins Other until none is. Empty when only Other is left."""
    while True:
        shown = [g for g in inner if g[0] is not None]
        placed = {id(row) for g in shown for row in g[2]}
        culprit = None
        for _, _, members in outer:
            ids = {id(row) for row in members}
            within = [g for g in shown if id(g[2][0]) in ids]
            if within and too_small([row for row in members if id(row) not in placed]):
                culprit = min(within, key=lambda g: (len(g[2]), g[1]))
                break
        if culprit is None:
            return inner if shown else []
        other = [row for g in inner if g[0] is None for row in g[2]] + culprit[2]
        inner = [g for g in shown if g is not culprit] + [(None, OTHER, other)]


def _group(rows: Sequence[CycleRow], breakdown: str) -> list[tuple[object, str, list[CycleRow]]]:
    key_of = _key_and_name(breakdown)
    # A strategy typed with a teacher's name in it is named for none of its cycles.
    named = {key_of(row)[0] for row in rows if row.names_teacher} if breakdown == "strategy" else set()
    found: dict[object, tuple[str, list[CycleRow]]] = {}
    for row in rows:
        key, name = key_of(row)
        if key in named:
            key, name = NAMES_A_TEACHER, NAMES_A_TEACHER
        found.setdefault(key, (name, []))[1].append(row)
    return [(key, name, members) for key, (name, members) in found.items()]


def policy_text(policies: dict[str, bool]) -> str:
    """What the report says about which cycles count, from each program's policy (name -> on)."""
    if not policies or not any(policies.values()):
        return SHARED_ONLY
    if all(policies.values()):
        return EVERY_CYCLE
    every = ", ".join(sorted(n for n, on in policies.items() if on))
    shared = ", ".join(sorted(n for n, on in policies.items() if not on))
    return f"Counts every cycle for {every} (program policy); only cycles teachers shared for {shared}"


def _counted(rows: list[CycleRow]) -> list[CycleRow]:
    """The cohort's rows that count: the shared ones only when one to four unshared would count."""
    if 0 < sum(1 for row in rows if not row.shared) < MIN_CYCLES:
        return [row for row in rows if row.shared]
    return rows


def _grouped(rows: list[CycleRow], breakdowns: Iterable[str]) -> dict[str, list[Group]]:
    grouped = {breakdown: suppressed_groups(_group(rows, breakdown)) for breakdown in breakdowns}
    if "school" in grouped:
        grouped["school"] = nested_groups(grouped["school"], grouped.get("district", []))
    return grouped


def parents_of(scope: Scope, cohort: Cohort) -> list[tuple[Scope, str, int]]:
    """The reports that hold this coach's, district's or school's cycles as a group, each
    (scope, breakdown, key): its figures may be shown only where they are a group shown there,
    else the parent's figures minus those of its other reports would single out a small group."""
    kind, program = ScopeKind(scope.kind), scope.program
    if kind == ScopeKind.COACH:
        return [(Scope(ScopeKind.PROGRAM, cohort.rows[0].program_id), "coach", scope.pk)] if cohort.rows else []
    if kind == ScopeKind.DISTRICT:
        return [(Scope(ScopeKind.PROGRAM, program), "district", scope.pk),
                (Scope(ScopeKind.DISTRICT, scope.pk), "program", program)] if program else []  # fmt: skip
    if kind != ScopeKind.SCHOOL or not cohort.rows:
        return []
    district = cohort.rows[0].district_id
    parents = [(Scope(ScopeKind.DISTRICT, district, program=program), "school", scope.pk)]
    if program:
        parents += [(Scope(ScopeKind.SCHOOL, scope.pk), "program", program),
                    (Scope(ScopeKind.PROGRAM, program), "school", scope.pk)]  # fmt: skip
    return parents


def shown_in(cohort: Cohort, *, breakdown: str, key: int) -> bool:
    """Whether a group is shown in its own breakdown of a report (the parent's cohort)."""
    rows = _counted(cohort.rows)
    if len(rows) < MIN_CYCLES:
        return False
    breakdowns = ("district", "school") if breakdown == "school" else (breakdown,)
    return any(found == key for found, _, _ in _grouped(rows, breakdowns)[breakdown])


def impact_figures(
    cohort: Cohort, period: Period, *, policies: dict[str, bool], singled_out: bool = False
) -> dict[str, Any]:
    """The suppressed impact figures stored under figures["impact"]; none when `singled_out` (a
    report of which this scope is a group not shown)."""
    rows = _counted(cohort.rows)
    policy = policy_text(policies) + (FEW_UNSHARED if len(rows) < len(cohort.rows) else "")
    result: dict[str, Any] = {"policy": policy, "min_cycles": MIN_CYCLES, "footnote": FOOTNOTE}
    if len(rows) < MIN_CYCLES:
        return {**result, "shown": False, "rows": []}
    if singled_out:
        return {**result, "shown": False, "rows": [], "hidden": SINGLED_OUT}
    total = {**group_figures(rows, period), "no_distance": cohort.no_distance}
    breakdowns: dict[str, list[dict[str, Any]]] = {}
    csv_rows = [{"breakdown": "All cycles", "group": "", **total}]
    grouped = _grouped(rows, (breakdown for breakdown, _ in BREAKDOWNS))
    for breakdown, label in BREAKDOWNS:
        shown = []
        for key, name, members in grouped[breakdown]:
            row = {"key": key if isinstance(key, int) else None, "name": name, **group_figures(members, period)}
            shown.append(row)
            csv_rows.append({"breakdown": label, "group": name, **row})
        breakdowns[breakdown] = shown
    return {**result, "shown": True, "total": total, "by": breakdowns, "rows": csv_rows,
            "labels": dict(BREAKDOWNS)}  # fmt: skip


# --------------------------------------------------------------------------- district comparison


def district_comparison(
    districts: Sequence[dict[str, Any]],
    sides: dict[int, dict[str, int]],
    impact: dict[str, Any],
    *,
    threshold: int,
    plan: dict[str, Any] | None,
    shares: Callable[[list[int]], list[float]],
) -> list[dict[str, Any]]:
    """One row per district of the scope: hours, balance, non-coaching share (flagged above the
    threshold), impact (only for a district whose impact is a group of its own) and the plan's
    variance when a time plan was built into the figures."""
    impact_by = {row["key"]: row for row in (impact.get("by", {}).get("district", []) if impact.get("shown") else [])}
    plan_by = {int(p["district_id"]): p for p in (plan or {}).get("by_district", [])} if plan else {}
    rows = []
    for district in districts:
        pk = int(district["id"])
        side = sides.get(pk, {"output": 0, "input": 0, "non_coaching": 0})
        output, input_, non_coaching = shares([side["output"], side["input"], side["non_coaching"]])
        found = impact_by.get(pk)
        planned = plan_by.get(pk)
        rows.append({
            "district_id": pk, "name": district["name"], "minutes": district["minutes"], "hours": district["hours"],
            "output_share": output, "input_share": input_, "non_coaching_share": non_coaching,
            "non_coaching_flag": non_coaching > threshold,
            "impact_cycles": found["cycles"] if found else None,
            "impact_goals_met": found["goals_met"] if found else None,
            "impact_growth": found["growth"] if found else None,
            "plan_distance": planned.get("distance") if planned else None,
            "plan_non_coaching_exceeded": bool(planned.get("non_coaching_exceeded")) if planned else None,
        })  # fmt: skip
    return rows
