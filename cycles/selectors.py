"""Reads for Impact Cycles: lists with their joins, one cycle's page, chart data, counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import (
    Avg,
    Count,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from coaching.models import Coach, LogEntry, Program, StandardsDomain
from learning.models import MIN_CHECKIN_RESPONSES, PRINCIPLE_CHOICES, FollowUpNeed, PDSession
from teachers.models import District, Teacher
from toolkit.schoolyear import school_year_bounds, school_year_of

from .access import CycleView
from .models import Cycle, CycleTime, Goal, ProgressMeasure, Reflection, Stage, StageChange, in_school_year


def cycle_list_columns(*, cycles: QuerySet[Cycle]) -> QuerySet[Cycle]:
    """Everything a cycle row shows (teachers, school, current goal, minutes) in fixed queries."""
    current_goal = Goal.objects.filter(cycle=OuterRef("pk"), is_current=True)
    minutes = (
        CycleTime.objects.filter(cycle=OuterRef("pk"))
        .values("cycle")
        .annotate(total=Sum("entry__minutes"))
        .values("total")
    )
    return (
        cycles.select_related("school", "district", "coach__user")
        .prefetch_related(Prefetch("teachers", queryset=Teacher.objects.only("id", "first_name", "last_name")))
        .annotate(
            goal_statement=Subquery(current_goal.values("statement")[:1]),
            goal_met_on=Subquery(current_goal.values("met_on")[:1]),
            minutes_invested=Coalesce(Subquery(minutes, output_field=IntegerField()), Value(0)),
        )
    )


def cycle_list(
    *, cycles: QuerySet[Cycle], stage: str = "", school_id: int | None = None, teacher_id: int | None = None,
    q: str = "", confidential: bool = True,
) -> QuerySet[Cycle]:  # fmt: skip
    """Narrow an already-scoped queryset by the list filters; open cycles first, newest first.

    With confidential=False (administrators' lists of shared cycles) the search looks only at
    what they may read: title, teacher names and the current goal, never the strategy or old goals.
    """
    if stage:
        cycles = cycles.filter(stage=stage)
    if school_id:
        cycles = cycles.filter(school_id=school_id)
    if teacher_id:
        cycles = cycles.filter(teachers__id=teacher_id)
    for word in q.split()[:5]:
        teacher_match = Teacher.objects.filter(cycles=OuterRef("pk")).filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word)
        )
        goals = Goal.objects.filter(statement__icontains=word)
        if not confidential:
            goals = goals.filter(is_current=True)
        match = Q(title__icontains=word) | Q(pk__in=teacher_match.values("cycles")) | Q(pk__in=goals.values("cycle"))
        if confidential:
            match |= Q(strategy__icontains=word)
        cycles = cycles.filter(match)
    # Open cycles first (no closing date), then the most recently started.
    return cycle_list_columns(cycles=cycles).order_by(F("closed_on").desc(nulls_first=True), "-started_on", "-pk")


def cycle_stage_counts(*, cycles: QuerySet[Cycle]) -> dict[str, int]:
    """How many cycles sit in each stage, and how many closed with the goal met (one query)."""
    row = cycles.aggregate(
        total=Count("pk"),
        **{stage.value: Count("pk", filter=Q(stage=stage)) for stage in Stage},
        goal_met=Count("pk", filter=Q(stage=Stage.CLOSED, goal_met=True)),
    )
    return {key: value or 0 for key, value in row.items()}


@dataclass
class ChartData:
    labels: list[str]
    values: list[float]
    baseline: float | None
    target: float
    unit: str
    deadline: str

    def as_json(self) -> dict[str, Any]:
        return {
            "labels": self.labels,
            "values": self.values,
            "baseline": self.baseline,
            "target": self.target,
            "unit": self.unit,
            "deadline": self.deadline,
        }


def progress_chart_get(*, goal: Goal, measures: list[ProgressMeasure]) -> ChartData:
    """The progress points of a goal against its baseline and target, ready for Chart.js."""
    return ChartData(
        labels=[m.date.isoformat() for m in measures],
        values=[float(m.value) for m in measures],
        baseline=float(goal.baseline) if goal.baseline is not None else None,
        target=float(goal.target),
        unit=goal.unit,
        deadline=goal.deadline.isoformat(),
    )


# What each view of a cycle may show of the cycle row itself. The page is given only these
# fields (a dict): a template cannot show what it was not given.
SHARED_FIELDS = ("public_id", "title", "stage", "started_on", "closed_on", "outcome", "goal_met",
                 "shared_with_admins", "school", "coach")  # fmt: skip
TEACHER_FIELDS = (*SHARED_FIELDS, "current_reality", "strategy", "strategy_description", "learn_mode", "learn_date",
                  "closing_note", "agency_at_close")  # fmt: skip
COACH_FIELDS = (*TEACHER_FIELDS, "coach_notes")  # the coach's private notes: the coach's alone


def cycle_fields_get(*, cycle: Cycle, view: CycleView) -> dict[str, Any]:
    """The cycle's fields this view may see, with the labels and states the page shows."""
    names = {CycleView.COACH: COACH_FIELDS, CycleView.TEACHER: TEACHER_FIELDS}.get(view, SHARED_FIELDS)
    fields: dict[str, Any] = {name: getattr(cycle, name) for name in names}
    fields.update(is_closed=cycle.is_closed, stage_index=cycle.stage_index, get_stage_display=cycle.get_stage_display(),
                  get_outcome_display=cycle.get_outcome_display())  # fmt: skip
    if "learn_mode" in fields:
        fields["get_learn_mode_display"] = cycle.get_learn_mode_display()
    return fields


@dataclass
class CyclePage:
    """Everything one cycle's page shows, loaded in a fixed number of queries. `cycle` holds only
    the fields of the row its view may see (`cycle_fields_get`), never the row itself."""

    cycle: dict[str, Any]
    view: CycleView
    goal: Goal | None
    past_goals: list[Goal]
    measures: list[ProgressMeasure]
    chart: ChartData | None
    evidence: list[Any]
    checklist: list[Any]
    stage_changes: list[StageChange]
    adjustments: list[Any]
    reflections: list[Reflection]
    links: list[Any]
    time_entries: list[Any]
    minutes_invested: int
    teachers: list[Teacher]
    modeled_entry: LogEntry | None
    strategy_resources: list[Any]
    # The standards' domains the cycle is tagged with: for its coach and teachers, and only while
    # the program has the standards lens on.
    domains: list[StandardsDomain] = field(default_factory=list)

    @property
    def checklist_done(self) -> int:
        return sum(1 for item in self.checklist if item.done)


def cycle_page_get(*, cycle: Cycle, view: CycleView, viewer_teacher: Teacher | None = None) -> CyclePage:
    """Load one cycle for its page. The shared (administrator) view loads only goal and progress."""
    goals = list(cycle.goals.all())
    goal = next((g for g in goals if g.is_current), None)
    measures = list(goal.measures.all()) if goal else []
    teachers = list(cycle.teachers.all())
    confidential = view in (CycleView.COACH, CycleView.TEACHER)
    reflections: list[Reflection] = []
    if view == CycleView.COACH:
        reflections = list(cycle.reflections.select_related("teacher", "author"))
    elif view == CycleView.TEACHER and viewer_teacher is not None:
        reflections = list(cycle.reflections.filter(teacher=viewer_teacher).select_related("teacher", "author"))
    time_entries = (
        list(CycleTime.objects.filter(cycle=cycle).select_related("entry__activity").order_by("-entry__date"))
        if view == CycleView.COACH
        else []
    )
    minutes = CycleTime.objects.filter(cycle=cycle).aggregate(total=Sum("entry__minutes"))["total"] or 0
    return CyclePage(
        cycle=cycle_fields_get(cycle=cycle, view=view),
        view=view,
        goal=goal,
        past_goals=[g for g in goals if not g.is_current] if confidential else [],
        measures=measures,
        chart=progress_chart_get(goal=goal, measures=measures) if goal else None,
        evidence=list(cycle.evidence.select_related("entry")) if confidential else [],
        checklist=list(cycle.checklist.all()) if confidential else [],
        stage_changes=list(cycle.stage_changes.select_related("changed_by")) if confidential else [],
        adjustments=list(cycle.adjustments.select_related("made_by")) if confidential else [],
        reflections=reflections,
        links=list(cycle.reflection_links.select_related("teacher")[:20]) if view == CycleView.COACH else [],
        time_entries=time_entries,
        minutes_invested=minutes,
        teachers=teachers,
        strategy_resources=list(cycle.strategy_resources.all()) if confidential else [],
        domains=list(cycle.domains.all()) if confidential and cycle.coach.program.standards_lens else [],
        modeled_entry=(
            LogEntry.objects.filter(pk=cycle.modeled_entry_id).first()
            if view == CycleView.COACH and cycle.modeled_entry_id
            else None
        ),
    )


# Below this many answers, no average or distribution of teachers' answers is shown to anyone
# but the person who asked for them (their coach, a PD session's facilitator): with fewer, one
# answer could be read back from the figure.
MIN_ANSWERS_SHOWN = 5


@dataclass(frozen=True)
class FollowUpSummary:
    answers: int
    confidence: float | None  # None: not shown (too few answers for this viewer)
    withheld: bool


def pd_followup_summary_get(*, session: PDSession, for_facilitator: bool) -> FollowUpSummary:
    """A PD session's follow-up reflections as counts: the average confidence for its facilitator,
    and for anyone else only from MIN_ANSWERS_SHOWN answers up."""
    row = Reflection.objects.filter(pd_session=session).aggregate(n=Count("pk"), confidence=Avg("confidence"))
    shown = for_facilitator or row["n"] >= MIN_ANSWERS_SHOWN
    confidence = row["confidence"] if shown and row["confidence"] is not None else None
    return FollowUpSummary(answers=row["n"], confidence=confidence, withheld=not shown and row["n"] > 0)


# A follow-up answer's confidence (1-5) from which an attendee has mastered the routine.
MASTERED_FROM = 4


@dataclass(frozen=True)
class FollowUpSuggestion:
    need: str  # a FollowUpNeed value
    basis: str  # what it comes from, for the coach


def pd_followup_needs_suggest(*, session: PDSession) -> dict[int, FollowUpSuggestion]:
    """Where each attendee stands after the session, from their own follow-up answers: asking
    for a modeled lesson or co-teaching is *asked for modeling*; otherwise their latest
    follow-up reflection's confidence, 4 or 5 *mastered the routine*, 1 to 3 *needs more
    guidance*. An attendee with neither is absent: the coach places them. Two queries."""
    suggestions: dict[int, FollowUpSuggestion] = {}
    latest = (
        Reflection.objects.filter(pd_session=session, teacher__isnull=False, confidence__isnull=False)
        .order_by("teacher_id", "created_at", "pk").values_list("teacher_id", "confidence")
    )  # fmt: skip
    for teacher_id, confidence in latest:  # ascending, so each teacher's latest answer wins
        if confidence is not None and confidence >= MASTERED_FROM:
            suggestions[teacher_id] = FollowUpSuggestion(FollowUpNeed.MASTERED, f"confidence {confidence}/5")
        else:
            suggestions[teacher_id] = FollowUpSuggestion(FollowUpNeed.GUIDANCE, f"confidence {confidence}/5")
    for teacher_id, kind in session.signups.values_list("teacher_id", "kind"):
        asked = "asked for co-teaching" if kind == "co_teaching" else "asked for a modeled lesson"
        suggestions[teacher_id] = FollowUpSuggestion(FollowUpNeed.MODELING, asked)
    return suggestions


# ---------------------------------------------------------------------------- caseloads
#
# A coach's caseload in a school year: the teachers linked to the coach's log entries of that
# year, or to the coach's cycles still open or closed during that year. Sessions and hours count
# the year's entries; the last contact is the latest entry with the teacher, of any year.

# "Not seen in 4 weeks": no entry in the last 28 days, so a last contact 28 days ago (or never) is stale.
STALE_AFTER_DAYS = 28
CASELOAD_SORTS = {
    "name": "Name",
    "last_contact": "Last contact, oldest first",
    "-last_contact": "Last contact, newest first",
}

EntryLink = LogEntry.teachers.through
CycleLink = Cycle.teachers.through


def _count(queryset: QuerySet[Any], column: str = "pk", function: str = "COUNT") -> Coalesce:
    """One number from a correlated subquery (COUNT or SUM over its rows, 0 when none)."""
    value = queryset.order_by().annotate(_n=Func(F(column), function=function)).values("_n")
    return Coalesce(Subquery(value, output_field=IntegerField()), Value(0))


def caseload_years(*, coaches: QuerySet[Coach], districts: QuerySet[District] | None = None,
                   today: dt.date) -> list[int]:  # fmt: skip
    """The school years a caseload can be shown for, newest first: the current one and every year
    with time logged by these coaches (in these districts). One query."""
    entries = LogEntry.objects.filter(coach__in=coaches)
    if districts is not None:
        entries = entries.filter(district__in=districts)
    years = set(entries.order_by().values_list("school_year", flat=True).distinct())
    return sorted(years | {school_year_of(today)}, reverse=True)


def caseload_as_of(*, school_year: int, today: dt.date) -> dt.date:
    """The date a caseload is read at: today, or the last day of a school year that has ended."""
    return min(today, school_year_bounds(school_year)[1])


def caseload_stale_before(*, today: dt.date) -> dt.date:
    """A teacher whose last contact is on or before this date has not been seen in 4 weeks."""
    return today - dt.timedelta(days=STALE_AFTER_DAYS)


def caseload_list(
    *, coach: Coach, school_year: int, today: dt.date, q: str = "", stale: bool = False, sort: str = "name"
) -> QuerySet[Any, dict[str, Any]]:
    """The coach's caseload, one row (a dict) per teacher: name, school, last contact, the year's
    sessions and minutes, the stage of the newest open cycle. One query whatever the data."""
    in_year = EntryLink.objects.filter(logentry__coach=coach, logentry__school_year=school_year).values("teacher")
    in_cycles = CycleLink.objects.filter(Q(cycle__coach=coach) & in_school_year(school_year, "cycle__")).values(
        "teacher"
    )
    as_of = caseload_as_of(school_year=school_year, today=today)
    with_teacher = EntryLink.objects.filter(logentry__coach=coach, teacher=OuterRef("pk"), logentry__date__lte=as_of)
    this_year = EntryLink.objects.filter(logentry__coach=coach, teacher=OuterRef("pk"),
                                         logentry__school_year=school_year)  # fmt: skip
    # This year: the newest open cycle. A year that has ended: the newest cycle of that year, as it stands now.
    open_cycle = Cycle.objects.filter(coach=coach, teachers=OuterRef("pk"))
    open_cycle = (open_cycle.exclude(stage=Stage.CLOSED) if as_of == today
                  else open_cycle.filter(in_school_year(school_year)))  # fmt: skip
    teachers = Teacher.objects.filter(Q(pk__in=in_year) | Q(pk__in=in_cycles)).annotate(
        last_contact=Subquery(with_teacher.order_by("-logentry__date").values("logentry__date")[:1],
                              output_field=DateField()),
        sessions=_count(this_year),
        minutes=_count(this_year, "logentry__minutes", "SUM"),
        active_stage=Subquery(open_cycle.order_by("-started_on", "-pk").values("stage")[:1]),
    )  # fmt: skip
    for word in q.split()[:5]:
        teachers = teachers.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    if stale:
        stale_since = caseload_stale_before(today=as_of)
        teachers = teachers.filter(Q(last_contact__isnull=True) | Q(last_contact__lte=stale_since))
    order = {
        "last_contact": (F("last_contact").asc(nulls_first=True), "last_name", "first_name", "pk"),
        "-last_contact": (F("last_contact").desc(nulls_last=True), "last_name", "first_name", "pk"),
    }.get(sort, ("last_name", "first_name", "pk"))
    rows = teachers.order_by(*order).values(
        "pk", "first_name", "last_name", "school__name", "last_contact", "sessions", "minutes", "active_stage"
    )
    return cast("QuerySet[Any, dict[str, Any]]", rows)  # the stubs type the rows as a TypedDict


@dataclass(frozen=True)
class CaseloadRow:
    """One teacher on a coach's caseload, as the coach's page and CSV show it."""

    name: str
    school: str
    last_contact: dt.date | None
    sessions: int
    minutes: int
    stage: str  # the label of the newest open cycle's stage, or ""

    @property
    def hours(self) -> str:
        return f"{self.minutes / 60:.2f}"


def caseload_row(values: dict[str, Any]) -> CaseloadRow:
    stage = values["active_stage"]
    return CaseloadRow(
        name=f"{values['first_name']} {values['last_name']}", school=values["school__name"],
        last_contact=values["last_contact"], sessions=values["sessions"], minutes=values["minutes"],
        stage=Stage(stage).label if stage else "",
    )  # fmt: skip


CASELOAD_STAGES = (Stage.IDENTIFY, Stage.LEARN, Stage.IMPROVE, Stage.CLOSED)


def caseload_counts(
    *, coaches: QuerySet[Coach], school_year: int, districts: QuerySet[District] | None = None,
    programs: QuerySet[Program] | None = None,
) -> QuerySet[Any, dict[str, Any]]:  # fmt: skip
    """Each coach's caseload as counts, never a teacher: teachers on the caseload, the year's
    sessions with teachers, contacts (a session with three teachers is three contacts), their
    minutes, and the caseload's cycles by stage. `districts` counts only the time and cycles in
    those districts, `programs` only the time delivered for those programs. One query."""

    def entry_scope(prefix: str, coach: OuterRef) -> Q:
        """The year's entries of the coach, in the districts and programs asked (through `prefix`)."""
        scope = Q(**{f"{prefix}coach": coach, f"{prefix}school_year": school_year})
        if districts is not None:
            scope &= Q(**{f"{prefix}district__in": districts})
        if programs is not None:
            scope &= Q(**{f"{prefix}program__in": programs})
        return scope

    def cycle_scope(prefix: str, coach: OuterRef) -> Q:
        scope = Q(**{f"{prefix}coach": coach}) & in_school_year(school_year, prefix)
        if districts is not None:
            scope &= Q(**{f"{prefix}district__in": districts})
        if programs is not None:
            scope &= Q(**{f"{prefix}coach__program__in": programs})
        return scope

    coach = OuterRef("pk")
    sessions = LogEntry.objects.filter(entry_scope("", coach)).filter(
        Exists(EntryLink.objects.filter(logentry=OuterRef("pk")))
    )
    links = EntryLink.objects.filter(entry_scope("logentry__", coach))
    cycles = Cycle.objects.filter(cycle_scope("", coach))
    # Inside the teachers' subquery the coach is two levels out.
    year_teachers = EntryLink.objects.filter(entry_scope("logentry__", OuterRef(coach))).values("teacher")
    cycle_teachers = CycleLink.objects.filter(cycle_scope("cycle__", OuterRef(coach))).values("teacher")
    on_caseload = Teacher.objects.filter(Q(pk__in=year_teachers) | Q(pk__in=cycle_teachers))
    counted: QuerySet[Any, dict[str, Any]] = (
        coaches.order_by("user__last_name", "user__first_name", "pk")
        .annotate(
            teachers=_count(on_caseload),
            sessions=_count(sessions),
            contacts=_count(links),
            minutes=_count(sessions, "minutes", "SUM"),
            **{f"cycles_{stage.value}": _count(cycles.filter(stage=stage)) for stage in CASELOAD_STAGES},
        )
        .values("pk", "user__first_name", "user__last_name", "user__username", "program__name", "teachers",
                "sessions", "contacts", "minutes", *(f"cycles_{stage.value}" for stage in CASELOAD_STAGES))
    )  # fmt: skip
    return counted


@dataclass(frozen=True)
class CaseloadCountsRow:
    """One coach's caseload as counts: nothing in it names a teacher."""

    coach: str
    program: str
    teachers: int
    sessions: int
    contacts: int
    minutes: int
    cycles: dict[str, int]  # by stage value

    @property
    def hours(self) -> str:
        return f"{self.minutes / 60:.2f}"

    @property
    def cycles_by_stage(self) -> list[tuple[str, int]]:
        return [(stage.label, self.cycles[stage.value]) for stage in CASELOAD_STAGES]


def caseload_counts_row(values: dict[str, Any]) -> CaseloadCountsRow:
    name = f"{values['user__first_name']} {values['user__last_name']}".strip() or values["user__username"]
    return CaseloadCountsRow(
        coach=name, program=values["program__name"], teachers=values["teachers"], sessions=values["sessions"],
        contacts=values["contacts"], minutes=values["minutes"],
        cycles={stage.value: values[f"cycles_{stage.value}"] for stage in CASELOAD_STAGES},
    )  # fmt: skip


@dataclass(frozen=True)
class PrincipleTally:
    """The partnership principles named in a coach's teachers' reflections, as counts."""

    answers: int
    rows: list[tuple[str, int]]  # (principle label, answers), most named first; empty when not shown

    @property
    def shown(self) -> bool:
        return bool(self.rows)


def principle_tally_for_coach(*, coach: Coach) -> PrincipleTally:
    """The principles teachers named in reflections on this coach's cycles, counted, only from
    MIN_CHECKIN_RESPONSES answers (one statement). The coach reads each reflection anyway; the counts
    are a lens on them, under the check-ins' rule."""
    found = dict(
        Reflection.objects.filter(cycle__coach=coach, teacher__isnull=False)
        .exclude(principle="")
        .values_list("principle")
        .annotate(n=Count("pk"))
        .values_list("principle", "n")
    )
    answers = sum(found.values())
    if answers < MIN_CHECKIN_RESPONSES:
        return PrincipleTally(answers=answers, rows=[])
    rows = sorted(((label, found.get(value, 0)) for value, label in PRINCIPLE_CHOICES), key=lambda r: -r[1])
    return PrincipleTally(answers=answers, rows=rows)
