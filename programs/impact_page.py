"""The program's impact page: what the program's own records show, for a school year and since the
program began — districts served, schools served, educators with access to a coach, students in
those buildings, hours of coaching, cycles completed and PEERS goals met.

Definitions (each figure counts only the program's own records):
- a district is served in a school year when the program has a contract with it for that year;
- a school is served when the program's coaches logged time at it (an entry naming the school);
- educators with access to a coach are the active teachers on the roster of the schools served
  (rosters are not kept by year: a past year counts today's roster of the schools served then);
- students are the sum of those schools' enrollment figures (schools without one are counted apart);
- hours of coaching are the program's entries on coaching activities (non-coaching duties apart),
  the same minutes as the time-use report's input and output sides;
- cycles completed are the program's cycles closed in the period, PEERS goals met the goals met in
  it: the time-use report's *completed* and *goals met*.

Everything is computed per (district, school year) cell, then summed to the margins (a district
since the program began, a year's total, the grand total), from five statements whatever the data
size. The public page shows the same cells with every count of people or cycles under five hidden,
and more cells hidden where the others would let a hidden one be worked out (`suppress`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Min, Q, Sum, When
from django.db.models.functions import ExtractYear

from coaching.models import ActivityKind, Contract, LogEntry, Program
from cycles.models import Cycle, Goal, Stage
from reports.builder import hours_text
from teachers.models import District, School
from toolkit.schoolyear import school_year_label, school_year_of

MIN_GROUP = 5
FEW = "few"  # under five: the public page says "fewer than 5"
COMPLEMENT = "complement"  # five or more, hidden so that a small one cannot be worked out
# The counts of people and cycles the public page protects (hours, schools and students are not
# about a group of people, and districts served are the program's public contracts).
PROTECTED = ("educators", "cycles", "goals")
ALL = "all"

Key = tuple[int | None, int | None]  # (district id or None for every district, year or None for every year)


@dataclass
class Cell:
    """The figures of one district in one school year (or a margin of them)."""

    districts: set[int] = field(default_factory=set)
    contract_years: set[int] = field(default_factory=set)
    schools: set[int] = field(default_factory=set)
    minutes: int = 0
    coaching_minutes: int = 0
    cycles: int = 0
    goals: int = 0
    first_entry: dt.date | None = None
    first_cycle: dt.date | None = None
    first_goal: dt.date | None = None

    def add(self, other: Cell) -> None:
        self.districts |= other.districts
        self.contract_years |= other.contract_years
        self.schools |= other.schools
        self.minutes += other.minutes
        self.coaching_minutes += other.coaching_minutes
        self.cycles += other.cycles
        self.goals += other.goals
        self.first_entry = _earliest(self.first_entry, other.first_entry)
        self.first_cycle = _earliest(self.first_cycle, other.first_cycle)
        self.first_goal = _earliest(self.first_goal, other.first_goal)


def _earliest(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return min((d for d in (a, b) if d is not None), default=None)


@dataclass(frozen=True)
class SchoolFacts:
    district_id: int
    teachers: int
    enrollment: int | None
    enrollment_year: int | None


@dataclass
class Cube:
    program: Program
    current_year: int
    cells: dict[Key, Cell]
    schools: dict[int, SchoolFacts]
    district_names: dict[int, str]

    @property
    def years(self) -> list[int]:
        """School years with any record of the program, newest first."""
        return sorted({y for _d, y in self.cells if y is not None}, reverse=True)

    def districts_in(self, year: int | None) -> list[int]:
        """The districts with a record in a year (or ever), by name."""
        ids = {d for d, y in self.cells if d is not None and y == year}
        return sorted(ids, key=lambda d: (self.district_names.get(d, "").lower(), d))

    def value(self, key: Key, measure: str) -> int:
        return int(self.figure(key)[measure])

    def figure(self, key: Key) -> dict[str, Any]:
        """One cell's figures as the page shows them."""
        cell = self.cells.get(key) or Cell()
        facts = [self.schools[s] for s in cell.schools if s in self.schools]
        with_figure = [f for f in facts if f.enrollment is not None]
        years = sorted({f.enrollment_year for f in with_figure if f.enrollment_year is not None})
        first_year = min(cell.contract_years, default=None)
        return {
            "districts": len(cell.districts),
            "districts_since": school_year_label(first_year) if first_year is not None else "",
            "schools": len(cell.schools),
            "educators": sum(f.teachers for f in facts),
            "students": sum(f.enrollment or 0 for f in with_figure),
            "schools_without_enrollment": len(facts) - len(with_figure),
            "enrollment_years": ", ".join(school_year_label(y) for y in years),
            "minutes": cell.minutes,
            "coaching_minutes": cell.coaching_minutes,
            "hours": hours_text(cell.coaching_minutes),
            "all_hours": hours_text(cell.minutes),
            "cycles": cell.cycles,
            "goals": cell.goals,
            "first_entry": cell.first_entry,
            "first_cycle": cell.first_cycle,
            "first_goal": cell.first_goal,
        }


def _school_year(column: str) -> Case:
    """The school year a date column falls in, in SQL (July starts a year)."""
    return Case(
        When(**{f"{column}__month__gte": 7}, then=ExtractYear(column)),
        default=ExtractYear(column) - 1,
        output_field=IntegerField(),
    )


def impact_cube(*, program: Program, today: dt.date) -> Cube:
    """Every figure of the program's impact page, per district and school year and summed to the
    margins. Five statements whatever the data size (four when no school has been served)."""
    current = school_year_of(today)
    cells: dict[Key, Cell] = {}

    def cell(district: int, year: int) -> Cell:
        return cells.setdefault((district, year), Cell())

    # 1. The program's contracts: the districts it serves, year by year.
    for district, year in Contract.objects.filter(program=program, school_year__lte=current).values_list(
        "district_id", "school_year"
    ):
        c = cell(district, year)
        c.districts.add(district)
        c.contract_years.add(year)
    # 2. Its entries, grouped by district, school year and school (a few rows per school and year).
    entries = (
        LogEntry.objects.filter(program=program, school_year__lte=current)
        .values("district_id", "school_year", "school_id")
        .annotate(
            logged=Sum("minutes"),
            coaching=Sum("minutes", filter=~Q(activity__kind=ActivityKind.NON_COACHING)),
            first=Min("date"),
        )
        .order_by()
    )
    for row in entries:
        c = cell(row["district_id"], row["school_year"])
        c.minutes += int(row["logged"] or 0)
        c.coaching_minutes += int(row["coaching"] or 0)
        c.first_entry = _earliest(c.first_entry, row["first"])
        if row["school_id"] is not None:
            c.schools.add(row["school_id"])
    # 3. Cycles completed, and 4. goals met, by district and the school year of their date.
    closed = (
        Cycle.objects.filter(coach__program=program, stage=Stage.CLOSED, closed_on__isnull=False)
        .annotate(year=_school_year("closed_on"))
        .filter(year__lte=current)
        .values("district_id", "year")
        .annotate(n=Count("id"), first=Min("closed_on"))
        .order_by()
    )
    for done in closed:
        c = cell(done["district_id"], done["year"])
        c.cycles += done["n"]
        c.first_cycle = _earliest(c.first_cycle, done["first"])
    met = (
        Goal.objects.filter(cycle__coach__program=program, met_on__isnull=False)
        .annotate(year=_school_year("met_on"), district_id=F("cycle__district_id"))
        .filter(year__lte=current)
        .values("district_id", "year")
        .annotate(n=Count("id"), first=Min("met_on"))
        .order_by()
    )
    for goal in met:
        c = cell(goal["district_id"], goal["year"])
        c.goals += goal["n"]
        c.first_goal = _earliest(c.first_goal, goal["first"])
    # 5. The schools served: their district, active teachers on the roster, and enrollment.
    school_ids = {s for c in cells.values() for s in c.schools}
    schools: dict[int, SchoolFacts] = {}
    names: dict[int, str] = {}
    district_ids = {d for d, _y in cells if d is not None}
    if school_ids or district_ids:
        # One statement: the districts' names, with the served schools' facts beside them.
        rows = (
            School.objects.filter(pk__in=school_ids)
            .annotate(active_teachers=Count("teachers", filter=Q(teachers__active=True)))
            .values_list("pk", "district_id", "active_teachers", "enrollment", "enrollment_year")
        )
        for pk, school_district, teachers, enrollment, enrollment_year in rows:
            schools[pk] = SchoolFacts(school_district, teachers, enrollment, enrollment_year)
        names = dict(District.objects.filter(pk__in=district_ids).values_list("pk", "name"))
    # The margins: each district since the program began, each year's total, and the grand total.
    for (cell_district, cell_year), c in list(cells.items()):
        for key in ((cell_district, None), (None, cell_year), (None, None)):
            cells.setdefault(key, Cell()).add(c)
    return Cube(program=program, current_year=current, cells=cells, schools=schools, district_names=names)


# --------------------------------------------------------------------------- the public page


def _lines(cube: Cube, measure: str) -> list[tuple[list[Key], Key]]:
    """The sums an onlooker could use: (cells, their total). Cycles and goals add up across years
    and across districts; educators only across districts (a teacher counted in two years is one
    teacher since the program began)."""
    years = cube.years
    found: list[tuple[list[Key], Key]] = []
    for year in [*years, None]:
        found.append(([(d, year) for d in cube.districts_in(year)], (None, year)))
    if measure != "educators":
        for district in [*cube.districts_in(None), None]:
            found.append(([(district, y) for y in years if (district, y) in cube.cells], (district, None)))
    return found


def suppress(values: dict[Key, int], lines: Iterable[tuple[list[Key], Key]]) -> dict[Key, str]:
    """Which cells to hide: every one under MIN_GROUP (FEW), then, line by line until nothing
    changes, the smallest shown cell of any line whose hidden part could be worked out from the
    rest — a single hidden cell (unless it is an empty one: no one is singled out by a zero), or
    hidden cells that add up to between 1 and MIN_GROUP − 1 under a total that is shown."""
    lines = list(lines)
    hidden = {key: FEW for key, value in values.items() if value < MIN_GROUP}
    changed = True
    while changed:
        changed = False
        for cells, total in lines:
            members = [*cells, total]
            concealed = [k for k in members if k in hidden]
            if not concealed:
                continue
            if len(concealed) == 1:
                only = concealed[0]
                risky = values[only] != 0 or hidden[only] == COMPLEMENT
            elif total not in hidden:
                part = sum(values[k] for k in concealed)
                risky = 0 < part < MIN_GROUP
            else:
                risky = False
            if not risky:
                continue
            candidates = [k for k in cells if k not in hidden] or ([total] if total not in hidden else [])
            if not candidates:
                continue
            pick = min(candidates, key=lambda k: (values[k], str(k)))
            hidden[pick] = COMPLEMENT
            changed = True
    return hidden


def public_hidden(cube: Cube) -> dict[str, dict[Key, str]]:
    """For each protected measure, the cells the public page hides (and why)."""
    found: dict[str, dict[Key, str]] = {}
    for measure in PROTECTED:
        values = {key: cube.value(key, measure) for key in cube.cells}
        found[measure] = suppress(values, _lines(cube, measure))
    return found


# --------------------------------------------------------------------------- what a page shows


def parse_year(value: str | None, *, cube: Cube) -> int | None:
    """The year asked for (`?year=2025`), None for "since the program began" (`?year=all`);
    anything else is the current school year."""
    if value == ALL:
        return None
    try:
        year = int(value or "")
    except ValueError:
        return cube.current_year
    return year if year in cube.years else cube.current_year


def _shown(figure: dict[str, Any], key: Key, hidden: dict[str, dict[Key, str]] | None) -> dict[str, Any]:
    """A cell's figures with, for each protected measure, whether (and why) the public page hides it."""
    marks = {m: (hidden[m].get(key, "") if hidden is not None else "") for m in PROTECTED}
    return {**figure, "hidden": marks}


def page_figures(cube: Cube, *, year: int | None, public: bool) -> dict[str, Any]:
    """What the impact page (and its PDF) show for a year, or since the program began (None).

    On the public page and the PDF (`public`), protected figures under five, or that would let one
    be worked out, are replaced by their reason and never given out; the director's page shows
    every figure, each marked where the public page hides it."""
    hidden = public_hidden(cube)
    headline = _shown(cube.figure((None, year)), (None, year), hidden)
    since = cube.figure((None, None))
    this_year = cube.current_year if year is None else year
    districts = [
        {"name": cube.district_names.get(d, ""), **_shown(cube.figure((d, year)), (d, year), hidden)}
        for d in cube.districts_in(year)
    ]
    by_year = (
        [{"year": school_year_label(y), **_shown(cube.figure((None, y)), (None, y), hidden)} for y in cube.years]
        if year is None
        else []
    )
    result = {
        "program": cube.program.name,
        "year": year,
        "year_label": school_year_label(year) if year is not None else "Since the program began",
        "this_year_label": school_year_label(this_year),
        "districts_this_year": cube.figure((None, this_year))["districts"],
        "districts_since_inception": since["districts"],
        "districts_since": since["districts_since"],
        "began": since["first_entry"],
        "headline": headline,
        "districts": districts,
        "by_year": by_year,
        "public": public,
        "min_group": MIN_GROUP,
    }
    for row in [headline, *districts, *by_year]:
        row["shown"], row["marks"] = {}, {}
        for measure in PROTECTED:
            reason = row["hidden"][measure]
            row["shown"][measure] = f"{row[measure]:,}"
            row["marks"][measure] = HIDDEN_MARK[reason] if reason else ""
            if public and reason:
                row["shown"][measure] = HIDDEN_TEXT[reason]
                row[measure] = None  # never handed to the template
    return result


HIDDEN_TEXT = {FEW: f"fewer than {MIN_GROUP}", COMPLEMENT: "not shown"}
HIDDEN_MARK = {
    FEW: f"public page: fewer than {MIN_GROUP}",
    COMPLEMENT: f"public page: not shown (it would let a group under {MIN_GROUP} be worked out)",
}


def year_choices(cube: Cube) -> list[tuple[str, str]]:
    """The page's choices: each school year with records (newest first, the current one always),
    then since the program began."""
    years = sorted({*cube.years, cube.current_year}, reverse=True)
    return [(str(y), f"{school_year_label(y)} school year") for y in years] + [(ALL, "Since the program began")]
