"""The standards as a lens: coaching time and cycles by the Teacher Leader Model Standards'
domains, and Knight's partnership principles as teachers named them in their reflections.

Two statements, whatever the data size:
1. the domains: the scope's entries linked to a tagged cycle (`cycles.CycleTime`) or to a tagged
   PD session (its facilitation entry), summed per domain (an entry under two domains counts in
   each, once per domain however it is reached), the time under no domain ("Not tagged"), the
   scope's cycles that ran during the period per domain, and whether a program of the report has
   the lens on;
2. the principles: the reflections that name one, grouped by program, district, teacher and
   principle (counts, never a reflection), only for the reports that may show them.

Only programs with the lens on (`Program.standards_lens`) count tags: the time and cycles of a
program that turned it off are "Not tagged", and a report with no such program hides the section.

Principles, privacy: an individual reflection's choice is read by its teacher and the cycle's
coach only (the cycle's page). A report shows counts only for a program, a district (or a district
narrowed to one program) and the whole site, never a school or a coach; only for a whole school
year that has ended, so the figures never change while answers come in (as a check-in shows
nothing while it is open) and a period cannot be narrowed around one answer; and only from
MIN_CHECKIN_RESPONSES answers by as many different teachers. A district narrowed to a program is
shown only if it is a group shown in both reports it is part of — its program's districts and its
district's programs — where the groups not shown hold no teacher or at least five (the smallest
shown groups join them until they do), so one report minus others reveals no small group.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from coaching.models import Coach, LogEntry, Program, StandardsDomain
from cycles.models import Cycle, CycleTime, Reflection
from learning.models import MIN_CHECKIN_RESPONSES, PRINCIPLE_CHOICES
from learning.models import PDSession as PD

from .builder import SQLValue, _is_school_year, _where, hours_split, hours_text
from .impact import cycle_scope_sql
from .models import ScopeKind
from .scopes import Period, Scope

NOT_TAGGED = "Not tagged"
DOMAINS_NOTE = (
    "Time of a domain: the minutes of log entries linked to a cycle or a PD session tagged with it. An entry "
    "under two domains counts in each, so the domains' rows do not add up to the total; time under no domain "
    "is Not tagged. Cycles: those that ran during the period (started by its end, open or closed after its "
    "start), by their tags."
)
PRINCIPLES_NOTE = (
    "Teachers may say, in a reflection on a cycle, which of Knight's partnership principles a session lived up "
    f"to. Counts only: shown for a whole school year once it has ended, from {MIN_CHECKIN_RESPONSES} answers by "
    f"{MIN_CHECKIN_RESPONSES} different teachers, and never where it would single out a smaller group."
)
NOT_A_LENS_SCOPE = "Shown for a program or a district only."
NOT_ENDED = "Shown for a whole school year, once it has ended."
TOO_FEW = f"Fewer than {MIN_CHECKIN_RESPONSES} teachers named a principle."
SINGLED_OUT = (
    f"Not shown: with the report this one is part of, it would single out fewer than {MIN_CHECKIN_RESPONSES} "
    "teachers of another district or program."
)

# (program, district, teacher, principle, answers): the principles statement's rows.
PrincipleRow = tuple[int, int, int, str, int]


def _tables() -> dict[str, str]:
    return {
        "entry": LogEntry._meta.db_table, "program": Program._meta.db_table, "coach": Coach._meta.db_table,
        "cycle": Cycle._meta.db_table, "link": CycleTime._meta.db_table, "pd": PD._meta.db_table,
        "domain": StandardsDomain._meta.db_table,
        "cycle_domains": Cycle.domains.through._meta.db_table, "pd_domains": PD.domains.through._meta.db_table,
        "reflection": Reflection._meta.db_table,
    }  # fmt: skip


def domains_sql(scope: Scope, period: Period) -> tuple[str, list[SQLValue | bool]]:
    """Statement 1: rows of (set, domain id, a, b, domain number, domain name)."""
    t = _tables()
    where, params = _where(scope, period)
    cw, cycle_params = cycle_scope_sql(scope)
    # Each (entry, domain) once, whether the entry reaches the domain through its cycle or its PD session.
    tags = f"""
        SELECT ct.entry_id, cd.standardsdomain_id AS domain_id FROM {t["link"]} ct
        JOIN {t["cycle_domains"]} cd ON cd.cycle_id = ct.cycle_id
        UNION
        SELECT pd.log_entry_id, pdd.standardsdomain_id FROM {t["pd"]} pd
        JOIN {t["pd_domains"]} pdd ON pdd.pdsession_id = pd.id WHERE pd.log_entry_id IS NOT NULL
    """  # noqa: S608  # nosec B608
    lens = f"JOIN {t['program']} p ON p.id = e.program_id AND p.standards_lens = %s"
    ran = "cy.started_on <= %s AND (cy.closed_on IS NULL OR cy.closed_on >= %s)"
    cycle_lens = f"JOIN {t['coach']} c ON c.id = cy.coach_id JOIN {t['program']} p ON p.id = c.program_id"
    kind = ScopeKind(scope.kind)
    own = scope.pk if kind == ScopeKind.PROGRAM else scope.program
    program_params: list[SQLValue | bool]
    if own:
        programs, program_params = "p.id = %s", [own]
    else:  # every program whose time or cycles the report covers
        programs = (
            f"(p.id IN (SELECT e.program_id FROM {t['entry']} e WHERE {where}) OR p.id IN "  # noqa: S608  # nosec B608
            f"(SELECT c.program_id FROM {t['cycle']} cy JOIN {t['coach']} c ON c.id = cy.coach_id "
            f"WHERE {cw} AND {ran}))"
        )
        program_params = [*params, *cycle_params, period.end, period.start]
    # Bandit B608: only placeholders and table names from model metadata are interpolated.
    sql = f"""
        SELECT g.set_name, g.domain_id, g.a, g.b, d.number, d.name FROM (
            SELECT 'domain' AS set_name, x.domain_id, SUM(x.minutes) AS a, COUNT(*) AS b FROM (
                SELECT e.id, e.minutes, tag.domain_id FROM {t["entry"]} e {lens}
                JOIN ({tags}) tag ON tag.entry_id = e.id WHERE {where}
            ) x GROUP BY x.domain_id
            UNION ALL
            SELECT 'tagged', NULL, COALESCE(SUM(e.minutes), 0), COUNT(*) FROM {t["entry"]} e {lens}
            WHERE {where} AND e.id IN (SELECT tag.entry_id FROM ({tags}) tag)
            UNION ALL
            SELECT 'total', NULL, COALESCE(SUM(e.minutes), 0), COUNT(*) FROM {t["entry"]} e WHERE {where}
            UNION ALL
            SELECT 'cycle', cd.standardsdomain_id, COUNT(*), 0 FROM {t["cycle"]} cy {cycle_lens}
            JOIN {t["cycle_domains"]} cd ON cd.cycle_id = cy.id
            WHERE {cw} AND {ran} AND p.standards_lens = %s GROUP BY cd.standardsdomain_id
            UNION ALL
            SELECT 'cycles', NULL, COUNT(*),
                   COALESCE(SUM(CASE WHEN p.standards_lens = %s
                       AND EXISTS (SELECT 1 FROM {t["cycle_domains"]} cd WHERE cd.cycle_id = cy.id)
                       THEN 1 ELSE 0 END), 0)
            FROM {t["cycle"]} cy {cycle_lens} WHERE {cw} AND {ran}
            UNION ALL
            SELECT 'lens', NULL, COUNT(*), 0 FROM {t["program"]} p WHERE p.standards_lens = %s AND {programs}
            UNION ALL
            SELECT 'domain_list', d.id, 0, 0 FROM {t["domain"]} d
        ) g LEFT JOIN {t["domain"]} d ON d.id = g.domain_id
    """  # noqa: S608  # nosec B608
    all_params: list[SQLValue | bool] = [
        True, *params,
        True, *params,
        *params,
        *cycle_params, period.end, period.start, True,
        True, *cycle_params, period.end, period.start,
        True, *program_params,
    ]  # fmt: skip
    return sql, all_params


def _domain_figures(rows: Iterable[tuple[Any, ...]]) -> dict[str, Any]:
    sums: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        sums[str(row[0])].append(row)
    names = sorted((int(r[4]), int(r[1]), str(r[5])) for r in sums["domain_list"])
    minutes = {int(r[1]): int(r[2] or 0) for r in sums["domain"]}
    entries = {int(r[1]): int(r[3] or 0) for r in sums["domain"]}
    cycles = {int(r[1]): int(r[2] or 0) for r in sums["cycle"]}
    total = int(sums["total"][0][2] or 0) if sums["total"] else 0
    tagged = int(sums["tagged"][0][2] or 0) if sums["tagged"] else 0
    cycles_total = int(sums["cycles"][0][2] or 0) if sums["cycles"] else 0
    cycles_tagged = int(sums["cycles"][0][3] or 0) if sums["cycles"] else 0
    lens_on = bool(sums["lens"] and int(sums["lens"][0][2] or 0))
    # Tagged and Not tagged partition the total: their hours add up to the total's exactly.
    _tagged_hours, untagged_hours = hours_split([tagged, total - tagged], total)
    rows_out: list[dict[str, Any]] = []
    for number, pk, name in names:
        spent = minutes.get(pk, 0)
        rows_out.append({
            "kind": "domain", "number": number, "name": f"{number}. {name}", "minutes": spent,
            "hours": hours_text(spent), "share": _percent(spent, total), "entries": entries.get(pk, 0),
            "cycles": cycles.get(pk, 0),
        })  # fmt: skip
    rows_out.append({
        "kind": "not_tagged", "number": None, "name": NOT_TAGGED, "minutes": total - tagged, "hours": untagged_hours,
        "share": _percent(total - tagged, total), "entries": None, "cycles": cycles_total - cycles_tagged,
    })  # fmt: skip
    rows_out.append({
        "kind": "total", "number": None, "name": "Total", "minutes": total, "hours": hours_text(total),
        "share": 100.0 if total else 0.0, "entries": None, "cycles": cycles_total,
    })  # fmt: skip
    return {
        "shown": lens_on, "rows": rows_out, "total_minutes": total, "tagged_minutes": tagged,
        "cycles_total": cycles_total, "cycles_tagged": cycles_tagged, "note": DOMAINS_NOTE,
        "adds_up": False,
    }  # fmt: skip


def _percent(part: int, whole: int) -> float:
    """A row's share of the total, to one decimal (the rows overlap, so they are not made to add up)."""
    return round(part * 100 / whole, 1) if whole else 0.0


# --------------------------------------------------------------------------- principles


def principles_sql(scope: Scope, period: Period) -> tuple[str, list[SQLValue | bool]] | None:
    """Statement 2, for a report that may show principles: the reflections of the period's school
    year that name one, by program, district, teacher and principle, over the report's scope and the
    reports it is part of. None when the report shows none (the statement is not run)."""
    kind = ScopeKind(scope.kind)
    if kind not in (ScopeKind.PROGRAM, ScopeKind.DISTRICT, ScopeKind.ALL):
        return None
    t = _tables()
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    family: list[str] = []
    family_params: list[SQLValue | bool] = []
    if kind == ScopeKind.PROGRAM:
        family, family_params = ["c.program_id = %s"], [scope.pk]
    elif kind == ScopeKind.DISTRICT:
        family, family_params = ["cy.district_id = %s"], [scope.pk]
        if scope.program:  # its program's other districts, for the check against the program's report
            family, family_params = ["(cy.district_id = %s OR c.program_id = %s)"], [scope.pk, scope.program]
    where = " AND ".join(["r.principle <> ''", "r.teacher_id IS NOT NULL", "r.created_at >= %s", "r.created_at < %s",
                          *family])  # fmt: skip
    # Bandit B608: only placeholders and table names from model metadata are interpolated.
    sql = f"""
        SELECT c.program_id, cy.district_id, r.teacher_id, r.principle, COUNT(*)
        FROM {t["reflection"]} r JOIN {t["cycle"]} cy ON cy.id = r.cycle_id JOIN {t["coach"]} c ON c.id = cy.coach_id
        WHERE {where}
        GROUP BY c.program_id, cy.district_id, r.teacher_id, r.principle
    """  # noqa: S608  # nosec B608
    return sql, [start, end, *family_params]


def _teachers(rows: Iterable[PrincipleRow]) -> int:
    return len({row[2] for row in rows})


def shown_groups(rows: list[PrincipleRow], key: int) -> set[int]:
    """The groups (by row[key]: 0 program, 1 district) whose counts may be shown beside each
    other: each of at least MIN_CHECKIN_RESPONSES teachers, and the rows of the groups not shown
    holding no teacher or at least as many (the smallest shown groups join them until they do), so
    the whole minus the groups shown reveals no small group."""
    groups: dict[int, list[PrincipleRow]] = defaultdict(list)
    for row in rows:
        groups[row[1] if key == 1 else row[0]].append(row)
    shown = sorted((g for g, members in groups.items() if _teachers(members) >= MIN_CHECKIN_RESPONSES),
                   key=lambda g: (_teachers(groups[g]), g))  # fmt: skip
    while shown:
        rest = [row for g, members in groups.items() if g not in shown for row in members]
        if not rest or _teachers(rest) >= MIN_CHECKIN_RESPONSES:
            break
        shown.pop(0)
    return set(shown)


def principle_counts(rows: Iterable[PrincipleRow]) -> dict[str, Any]:
    """Answers per principle (every principle listed, most named first), and how many teachers."""
    rows = list(rows)
    answers: dict[str, int] = defaultdict(int)
    for row in rows:
        answers[row[3]] += row[4]
    total = sum(answers.values())
    labels = dict(PRINCIPLE_CHOICES)
    counted: list[dict[str, Any]] = [
        {"principle": value, "name": labels[value], "answers": answers.get(value, 0),
         "share": _percent(answers.get(value, 0), total)} for value in labels
    ]  # fmt: skip
    counted.sort(key=lambda r: -int(r["answers"]))
    return {"answers": total, "teachers": _teachers(rows), "rows": counted}


def principle_figures(
    scope: Scope, period: Period, *, today: dt.date, rows: list[PrincipleRow] | None
) -> dict[str, Any]:
    """`figures["standards"]["principles"]`: the counts, or why they are not shown."""
    result: dict[str, Any] = {"shown": False, "rows": [], "note": PRINCIPLES_NOTE, "min": MIN_CHECKIN_RESPONSES}
    kind = ScopeKind(scope.kind)
    if rows is None:
        return {**result, "reason": NOT_A_LENS_SCOPE}
    if not (_is_school_year(period) and period.end < today):
        return {**result, "reason": NOT_ENDED}
    if kind == ScopeKind.PROGRAM:
        own = [r for r in rows if r[0] == scope.pk]
    elif kind == ScopeKind.DISTRICT:
        own = [r for r in rows if r[1] == scope.pk and (not scope.program or r[0] == scope.program)]
    else:
        own = rows
    if _teachers(own) < MIN_CHECKIN_RESPONSES:
        return {**result, "reason": TOO_FEW}
    if kind == ScopeKind.DISTRICT and scope.program:
        in_program = [r for r in rows if r[0] == scope.program]
        in_district = [r for r in rows if r[1] == scope.pk]
        if scope.pk not in shown_groups(in_program, 1) or scope.program not in shown_groups(in_district, 0):
            return {**result, "reason": SINGLED_OUT}
    return {**result, "shown": True, "reason": "", **principle_counts(own)}


# --------------------------------------------------------------------------- the section


def standards_figures(scope: Scope, period: Period, *, conn: BaseDatabaseWrapper, today: dt.date) -> dict[str, Any]:
    """`figures["standards"]`: time and cycles by domain, and the principles lens."""
    with conn.cursor() as cursor:
        sql, params = domains_sql(scope, period)
        cursor.execute(sql, params)
        figures = _domain_figures(cursor.fetchall())
        principle_rows: list[PrincipleRow] | None = None
        statement = principles_sql(scope, period)
        if statement is not None and _is_school_year(period) and period.end < today:
            cursor.execute(*statement)
            principle_rows = [(int(r[0]), int(r[1]), int(r[2]), str(r[3]), int(r[4])) for r in cursor.fetchall()]
        elif statement is not None:
            principle_rows = []
    # A school's or a coach's report has no principles section (nor its reason).
    principles = principle_figures(scope, period, today=today, rows=principle_rows) if statement else None
    figures["principles"] = principles
    # The CSV: the domains' rows, then (when shown) the principles' counts.
    figures["csv"] = [{"lens": "Teacher Leader standards", **row} for row in figures["rows"]] + [
        {"lens": "Partnership principles", **row} for row in (principles or {}).get("rows", [])
    ]
    if not figures["shown"]:
        figures["csv"] = figures["csv"][len(figures["rows"]) :]
    return figures
