"""Impact in aggregate: hand-computed figures, the five-cycle rule against an insider, the
program's sharing policy, and the district-by-district comparison."""

import csv
import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from coaching.tests.factories import ContractFactory, LogEntryFactory, activity, focus_area
from cycles.models import Cycle, CycleTime, Goal, ProgressMeasure
from reports import impact, services
from reports.builder import build_figures
from reports.models import ScopeKind, Snapshot
from reports.scopes import Period, Scope
from teachers.tests.factories import DistrictFactory, SchoolFactory, TeacherFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)
PAST_YEAR = Period.school_year(2025)  # July 1, 2025 – June 30, 2026: finished
RATE = Decimal("600.00")  # $1.25 a minute at 480 minutes a day


def make_cycle(tenant, *, started, baseline, target, measures, met_on=None, shared=True, strategy="Exit tickets",
               linked=(), school=None, district=None, coach=None, closed_on=None, title="c"):  # fmt: skip
    """A cycle with its current goal, measures and linked log entries, written directly."""
    school = school or tenant.school
    district = district or school.district
    coach = coach or tenant.coach
    cycle = Cycle.objects.create(coach=coach, district=district, school=school, title=title, started_on=started,
                                 strategy=strategy, shared_with_admins=shared, closed_on=closed_on)  # fmt: skip
    cycle.teachers.add(TeacherFactory(school=school))
    goal = Goal.objects.create(cycle=cycle, statement="s", measure="m", baseline=baseline, target=target,
                               deadline=started + dt.timedelta(days=200), met_on=met_on)  # fmt: skip
    for day, value in measures:
        ProgressMeasure.objects.create(goal=goal, date=day, value=Decimal(value))
    for day, minutes, focus in linked:
        entry = LogEntryFactory(coach=coach, district=district, school=school, date=day, minutes=minutes,
                                activity=activity("Coaching Cycles"), focus_area=focus_area(focus))  # fmt: skip
        CycleTime.objects.create(cycle=cycle, entry=entry)
    return cycle


@pytest.fixture
def past_year(tenant_a, tenant_b):
    """Five counted cycles of district A in 2025–26, and every kind of cycle that must not count."""
    tenant_a.contract.school_year = 2025
    tenant_a.contract.daily_rate = RATE
    tenant_a.contract.save()
    d = dt.date
    make_cycle(
        tenant_a, started=d(2025, 9, 1), baseline=20, target=60, measures=[(d(2025, 10, 1), 30), (d(2025, 11, 1), 50)]
    )  # 75%
    make_cycle(
        tenant_a,
        started=d(2025, 9, 15),
        baseline=10,
        target=50,
        measures=[(d(2025, 12, 1), 50)],
        met_on=d(2025, 12, 1),
        linked=[(d(2025, 10, 1), 120, "Literacy"), (d(2025, 11, 1), 60, "Literacy")],
        closed_on=d(2025, 12, 5),
    )  # 100%, met after 77 days, 180 minutes linked
    make_cycle(tenant_a, started=d(2025, 10, 1), baseline=40, target=80, measures=[(d(2026, 1, 10), 30)])  # -25%
    make_cycle(
        tenant_a,
        started=d(2025, 10, 15),
        baseline=0,
        target=10,
        measures=[(d(2026, 2, 1), 25)],
        met_on=d(2026, 2, 1),
        linked=[(d(2026, 1, 5), 300, "Math")],
    )  # 250% capped to 100%, 109 days
    make_cycle(tenant_a, started=d(2025, 11, 1), baseline=50, target=100, measures=[(d(2026, 3, 1), 60)])  # 20%
    # Not counted: no distance to grow, no baseline, measured only after the year, started after it,
    # unshared (the policy is off), another program's district.
    make_cycle(tenant_a, started=d(2025, 9, 1), baseline=50, target=50, measures=[(d(2025, 10, 1), 70)])
    make_cycle(tenant_a, started=d(2025, 9, 1), baseline=None, target=50, measures=[(d(2025, 10, 1), 70)])
    make_cycle(tenant_a, started=d(2026, 5, 1), baseline=10, target=50, measures=[(d(2026, 7, 2), 40)])
    make_cycle(tenant_a, started=d(2026, 7, 1), baseline=10, target=50, measures=[(d(2026, 7, 2), 40)])
    make_cycle(
        tenant_a,
        started=d(2025, 9, 1),
        baseline=10,
        target=50,
        measures=[(d(2025, 10, 1), 50)],
        met_on=d(2025, 10, 1),
        shared=False,
        title="unshared",
    )
    make_cycle(tenant_b, started=d(2025, 9, 1), baseline=10, target=50, measures=[(d(2025, 10, 1), 50)])
    return tenant_a  # fmt: skip


def district(tenant, program=0):
    return Scope(ScopeKind.DISTRICT, tenant.district.pk, tenant.district.name, program)


def figures(scope, period=PAST_YEAR):
    return build_figures(scope, period, today=TODAY)


EXPECTED_TOTAL = {"cycles": 5, "growth": 54.0, "goals_met": 2, "median_days": 93.0, "hours_per_goal": "4.00",
                  "cost_per_goal": "300", "linked_minutes_met": 480, "no_distance": 1}  # fmt: skip


def test_a_finished_school_year_matches_the_hand_computation(past_year):
    found = figures(district(past_year))["impact"]
    # Growth (75 + 100 − 25 + 100 + 20) / 5; days (77, 109); hours (180 + 300) / 60 / 2;
    # cost 480 minutes × $600 / 480 / 2 goals.
    assert found["shown"] is True
    assert found["total"] == EXPECTED_TOTAL
    assert found["policy"] == "Counts only cycles teachers shared"
    assert [(g["name"], g["cycles"]) for g in found["by"]["district"]] == [("District A", 5)]
    # Strategies typed differently are one group; the focus area is the linked time's (most minutes).
    assert [(g["name"], g["cycles"]) for g in found["by"]["strategy"]] == [("Exit tickets", 5)]
    assert found["by"]["focus"] == []  # Literacy 1, Math 1, none 3: every group under five


def test_the_strategy_is_normalised_and_the_focus_area_is_the_linked_times(past_year):
    first = Cycle.objects.filter(title="c").order_by("started_on", "pk").first()
    Cycle.objects.filter(title="c").exclude(pk=first.pk).update(strategy="  exit   TICKETS. ")
    found = figures(district(past_year))["impact"]
    # One group, named as the earliest cycle typed it.
    assert [(g["name"], g["cycles"]) for g in found["by"]["strategy"]] == [("Exit tickets", 5)]
    Cycle.objects.filter(pk=first.pk).update(strategy="exit  tickets;")
    assert [g["name"] for g in figures(district(past_year))["impact"]["by"]["strategy"]] == ["exit tickets"]
    assert impact.normalise_strategy("Exit  tickets.") == impact.normalise_strategy("exit tickets")


def test_a_custom_period_counts_goals_met_in_it_and_measures_up_to_its_end(past_year):
    # Through December 2025: the 2026 measures are not yet taken, so two cycles drop out.
    period = Period.custom(dt.date(2025, 9, 1), dt.date(2025, 12, 31))
    found = figures(district(past_year), period)["impact"]
    assert found["shown"] is False
    assert found["rows"] == []
    # Add two measured cycles: cycles 1, 2 and the three new ones count; one goal met (77 days).
    d = dt.date
    for baseline in (0, 10, 20):
        make_cycle(past_year, started=d(2025, 9, 1), baseline=baseline, target=baseline + 40,
                   measures=[(d(2025, 12, 1), baseline + 10)])  # 25% each  # fmt: skip
    found = figures(district(past_year), period)["impact"]["total"]
    assert (found["cycles"], found["growth"], found["goals_met"], found["median_days"]) == (5, 50.0, 1, 77.0)
    assert (found["hours_per_goal"], found["cost_per_goal"]) == ("3.00", "225")


def test_a_scope_with_fewer_than_five_cycles_shows_no_impact(tenant_a):
    d = dt.date
    for _ in range(4):
        make_cycle(tenant_a, started=d(2026, 9, 1), baseline=10, target=50, measures=[(d(2026, 10, 1), 30)])
    found = figures(district(tenant_a), Period.school_year(2026))["impact"]
    assert found == {"policy": "Counts only cycles teachers shared", "min_cycles": 5, "footnote": impact.FOOTNOTE,
                     "shown": False, "rows": []}  # fmt: skip


def test_an_empty_program_has_no_impact_and_no_comparison_rows(tenant_a):
    from coaching.tests.factories import ProgramFactory

    empty = ProgramFactory(name="Empty")
    f = figures(Scope(ScopeKind.PROGRAM, empty.pk, "Empty"))
    assert f["impact"]["shown"] is False
    assert f["district_comparison"] == []


def test_with_the_policy_off_an_unshared_cycle_changes_no_impact_figure(past_year):
    # Measured, met, with linked time: it would change every figure if it counted.
    unshared = Cycle.objects.get(title="unshared")
    entry = LogEntryFactory(coach=past_year.coach, district=past_year.district, date=dt.date(2025, 9, 20), minutes=45)
    with_it = figures(district(past_year))
    CycleTime.objects.create(cycle=unshared, entry=entry)
    with_link = figures(district(past_year))
    unshared.delete()
    entry.delete()
    without = figures(district(past_year))
    assert with_it["impact"] == with_link["impact"] == without["impact"]
    # The entry is time logged like any other (hours change); the comparison's impact does not.
    columns = ("impact_cycles", "impact_goals_met", "impact_growth")
    assert [[r[c] for c in columns] for r in with_link["district_comparison"]] == \
        [[r[c] for c in columns] for r in without["district_comparison"]] == [[5, 2, 54.0]]  # fmt: skip


def test_with_the_policy_on_every_cycle_counts_and_the_report_says_so(past_year):
    past_year.program.impact_counts_unshared = True
    past_year.program.save()
    d = dt.date
    for _ in range(4):  # five unshared cycles in all: never fewer than five of them in a figure
        make_cycle(past_year, started=d(2025, 9, 1), baseline=10, target=50, measures=[(d(2025, 10, 1), 50)],
                   met_on=d(2025, 10, 1), shared=False)  # fmt: skip
    found = figures(district(past_year))["impact"]
    assert found["policy"] == "Counts every cycle (program policy)"
    # The unshared cycles (100%, met after 30 days, nothing linked) join the five.
    assert (found["total"]["cycles"], found["total"]["goals_met"], found["total"]["growth"]) == (10, 7, 77.0)
    assert (found["total"]["median_days"], found["total"]["hours_per_goal"]) == (30.0, "1.14")


def test_with_the_policy_on_fewer_than_five_unshared_cycles_are_left_out(past_year):
    """An administrator reads each shared cycle's goal and progress: with one unshared cycle beside
    five shared ones, the total of six minus the five they can read would be that cycle."""
    shared_only = figures(district(past_year))["impact"]
    past_year.program.impact_counts_unshared = True
    past_year.program.save()
    found = figures(district(past_year))["impact"]
    assert found["total"] == shared_only["total"] == EXPECTED_TOTAL
    assert found["policy"] == ("Counts every cycle (program policy); fewer than 5 unshared cycles here, so only the "
                               "cycles teachers shared count")  # fmt: skip
    # Five unshared but spread: a school of five shared and one unshared is not shown on its own.
    d = dt.date
    school = SchoolFactory(district=past_year.district, name="School Z")
    for shared in (True, True, True, True, True, False):
        make_cycle(past_year, school=school, started=d(2025, 9, 1), baseline=0, target=10,
                   measures=[(d(2025, 10, 1), 5)], shared=shared)  # fmt: skip
    for _ in range(3):
        make_cycle(past_year, started=d(2025, 9, 1), baseline=0, target=10, measures=[(d(2025, 10, 1), 5)],
                   shared=False)  # fmt: skip
    found = figures(district(past_year))["impact"]
    assert found["total"]["cycles"] == 15
    unshared = {r.pk for r in Cycle.objects.filter(shared_with_admins=False)}
    assert len(unshared) == 5
    assert found["by"]["school"] == []  # School A: 5 shared, 4 unshared; School Z: 5 shared, 1 unshared


def test_a_school_shown_never_leaves_a_small_rest_of_its_district_shown(past_year):
    """Program scope, two districts: School Alpha's single cycle is merged into Other with a school
    of the other district, so District A (six) minus School A (five) would be that cycle."""
    d = dt.date
    alpha = SchoolFactory(district=past_year.district, name="Alpha")
    make_cycle(past_year, school=alpha, started=d(2025, 9, 1), baseline=0, target=100,
               measures=[(d(2025, 10, 1), 90)])  # fmt: skip
    other = DistrictFactory(name="District X")
    ContractFactory(program=past_year.program, district=other, school_year=2025)
    for name in ("Beta", "Gamma"):
        school = SchoolFactory(district=other, name=name)
        for _ in range(5):
            make_cycle(past_year, school=school, started=d(2025, 9, 1), baseline=0, target=10,
                       measures=[(d(2025, 10, 1), 5)])  # fmt: skip
    found = figures(Scope(ScopeKind.PROGRAM, past_year.program.pk, "p"))["impact"]["by"]
    assert [(g["name"], g["cycles"]) for g in found["district"]] == [("District X", 10), ("District A", 6)]
    schools = {g["name"]: g["cycles"] for g in found["school"]}
    assert "School A (District A)" not in schools
    for district_group in found["district"]:
        suffix = f"({district_group['name']})"
        rest = district_group["cycles"] - sum(n for name, n in schools.items() if name.endswith(suffix))
        assert rest == 0 or rest >= impact.MIN_CYCLES
    assert sum(schools.values()) == 16


def test_a_district_served_by_two_programs_counts_each_programs_cycles_by_its_own_policy(past_year, tenant_b):
    """District A is served by program B too; B counts every cycle, A only shared ones."""
    ContractFactory(program=tenant_b.program, district=past_year.district, school_year=2025, daily_rate=Decimal(480))
    tenant_b.program.impact_counts_unshared = True
    tenant_b.program.save()
    d = dt.date
    for _ in range(5):
        make_cycle(past_year, coach=tenant_b.coach, started=d(2025, 9, 1), baseline=0, target=100,
                   measures=[(d(2025, 10, 1), 50)], shared=False, strategy="Think-pair-share",
                   linked=[(d(2025, 9, 10), 30, "Science")])  # fmt: skip
    whole = figures(district(past_year))["impact"]
    assert whole["policy"] == ("Counts every cycle for Program B (program policy); only cycles teachers shared "
                               "for Program A")  # fmt: skip
    assert whole["total"]["cycles"] == 10
    assert whole["total"]["growth"] == 52.0  # (270 + 5 × 50) / 10
    assert [(g["name"], g["cycles"]) for g in whole["by"]["strategy"]] == [("Exit tickets", 5), ("Think-pair-share", 5)]
    # A's director sees program A's cycles only, B's director B's only.
    assert figures(district(past_year, past_year.program.pk))["impact"]["total"] == EXPECTED_TOTAL
    # B's five here are not shown: B's own report (six, with its cycle in District B) minus them
    # would be that one cycle.
    only_b = figures(district(past_year, tenant_b.program.pk))["impact"]
    assert (only_b["hidden"], only_b["policy"]) == (impact.SINGLED_OUT, "Counts every cycle (program policy)")


def test_a_coach_in_two_districts_has_both_districts_cycles(past_year):
    other = DistrictFactory(name="District C")
    school = SchoolFactory(district=other, name="School C")
    ContractFactory(program=past_year.program, district=other, school_year=2025, daily_rate=Decimal(480))
    d = dt.date
    for _ in range(5):
        make_cycle(past_year, school=school, started=d(2025, 9, 1), baseline=0, target=100,
                   measures=[(d(2025, 10, 1), 40)], met_on=d(2025, 10, 11),
                   linked=[(d(2025, 9, 5), 60, "Math")])  # fmt: skip
    coach = figures(Scope(ScopeKind.COACH, past_year.coach.pk, "me"))["impact"]
    assert (coach["total"]["cycles"], coach["total"]["goals_met"]) == (10, 7)
    # Days 77, 109 and five of 40: the median is 40. Hours (480 + 5 × 60) / 60 / 7.
    assert (coach["total"]["median_days"], coach["total"]["hours_per_goal"]) == (40.0, "1.86")
    # Cost: 480 min at $600/day and 300 at $480/day = 600 + 300, over 7 goals met.
    assert coach["total"]["cost_per_goal"] == "129"
    assert [(g["name"], g["cycles"]) for g in coach["by"]["district"]] == [("District A", 5), ("District C", 5)]
    program = figures(Scope(ScopeKind.PROGRAM, past_year.program.pk, "p"))
    assert [(r["name"], r["impact_cycles"]) for r in program["district_comparison"]] == [
        ("District A", 5), ("District C", 5)]  # fmt: skip


# --------------------------------------------------------------------------- an insider's attacks


def test_a_custom_period_leaving_one_district_with_one_cycle_hides_the_breakdown(past_year):
    """Program scope: District A has five cycles, District C one. Shown alone, A's figures and the
    program's total would give C's single cycle away by difference."""
    other = DistrictFactory(name="District C")
    ContractFactory(program=past_year.program, district=other, school_year=2025)
    school = SchoolFactory(district=other, name="School C")
    d = dt.date
    make_cycle(past_year, school=school, started=d(2025, 9, 1), baseline=0, target=100,
               measures=[(d(2025, 10, 1), 90)], met_on=d(2025, 10, 1))  # fmt: skip
    found = figures(Scope(ScopeKind.PROGRAM, past_year.program.pk, "p"), Period.custom(d(2025, 9, 1), d(2026, 6, 1)))
    assert found["impact"]["total"]["cycles"] == 6
    assert found["impact"]["by"]["district"] == []
    assert all(r["impact_cycles"] is None for r in found["district_comparison"])
    for breakdown in found["impact"]["by"].values():
        assert all(g["cycles"] >= 5 for g in breakdown)
        assert sum(g["cycles"] for g in breakdown) in (0, 6)


def test_a_district_or_school_report_is_not_the_program_or_district_report_minus_a_small_group(past_year):
    """District A has five cycles, District C one: the program's report (six) minus District A's
    own report (five) would be C's cycle, as would District A's minus School A's with a school of one."""
    other = DistrictFactory(name="District C")
    ContractFactory(program=past_year.program, district=other, school_year=2025)
    d = dt.date
    make_cycle(past_year, school=SchoolFactory(district=other, name="School C"), started=d(2025, 9, 1), baseline=0,
               target=100, measures=[(d(2025, 10, 1), 90)], met_on=d(2025, 10, 1))  # fmt: skip
    program = past_year.program.pk
    assert figures(Scope(ScopeKind.PROGRAM, program, "p"))["impact"]["total"]["cycles"] == 6
    narrowed = figures(district(past_year, program))["impact"]
    assert (narrowed["shown"], narrowed["hidden"]) == (False, impact.SINGLED_OUT)
    # The district's administrator reads every program's figures: nothing to take away there.
    assert figures(district(past_year))["impact"]["total"] == EXPECTED_TOTAL
    school = Scope(ScopeKind.SCHOOL, past_year.school.pk, "s")
    assert figures(school)["impact"]["total"] == EXPECTED_TOTAL
    make_cycle(past_year, school=SchoolFactory(district=past_year.district, name="School B"), started=d(2025, 9, 1),
               baseline=0, target=100, measures=[(d(2025, 10, 1), 90)])  # fmt: skip
    assert figures(district(past_year))["impact"]["total"]["cycles"] == 6
    assert figures(school)["impact"]["hidden"] == impact.SINGLED_OUT


def test_a_programs_share_of_a_district_is_not_the_district_minus_another_programs_small_one(past_year, tenant_b):
    """Program B serves District A too, with one cycle there: the district's administrator reads the
    district's report (six) and program A's share of it (five)."""
    ContractFactory(program=tenant_b.program, district=past_year.district, school_year=2025)
    d = dt.date
    make_cycle(past_year, coach=tenant_b.coach, started=d(2025, 9, 1), baseline=0, target=100,
               measures=[(d(2025, 10, 1), 90)])  # fmt: skip
    assert figures(district(past_year))["impact"]["total"]["cycles"] == 6
    assert figures(district(past_year, past_year.program.pk))["impact"]["hidden"] == impact.SINGLED_OUT


def test_the_page_and_the_pdf_say_why_a_part_of_a_larger_report_is_not_shown(
    client, past_year, tenant_b, django_capture_on_commit_callbacks
):
    from reports.tests.test_runs_and_dashboard import pdf_text

    ContractFactory(program=tenant_b.program, district=past_year.district, school_year=2025)
    make_cycle(past_year, coach=tenant_b.coach, started=dt.date(2025, 9, 1), baseline=0, target=100,
               measures=[(dt.date(2025, 10, 1), 90)])  # fmt: skip
    scope = district(past_year, past_year.program.pk)
    built(scope, PAST_YEAR, django_capture_on_commit_callbacks)
    client.force_login(past_year.district_admin)
    page = client.get(reverse("reports:dashboard"), {"scope": scope.key, "period": PAST_YEAR.key}).content.decode()
    assert "it would single out fewer than 5 cycles" in page
    pdf = client.get(reverse("reports:export_pdf"), {"scope": scope.key, "period": PAST_YEAR.key})
    assert "single out fewer than 5" in " ".join(pdf_text(pdf.content).split())


def test_a_coachs_report_is_not_the_programs_minus_another_coachs_single_cycle(past_year):
    from coaching.tests.factories import CoachFactory

    second = CoachFactory(program=past_year.program)
    d = dt.date
    make_cycle(past_year, coach=second, started=d(2025, 9, 1), baseline=0, target=100,
               measures=[(d(2025, 10, 1), 90)])  # fmt: skip
    assert figures(Scope(ScopeKind.PROGRAM, past_year.program.pk, "p"))["impact"]["total"]["cycles"] == 6
    assert figures(Scope(ScopeKind.COACH, past_year.coach.pk, "me"))["impact"]["hidden"] == impact.SINGLED_OUT
    for _ in range(4):
        make_cycle(past_year, coach=second, started=d(2025, 9, 1), baseline=0, target=10,
                   measures=[(d(2025, 10, 1), 5)])  # fmt: skip
    assert figures(Scope(ScopeKind.COACH, past_year.coach.pk, "me"))["impact"]["total"] == EXPECTED_TOTAL


def test_a_school_with_four_cycles_is_merged_with_the_next_smallest_into_other(past_year):
    d = dt.date
    small = SchoolFactory(district=past_year.district, name="Small school")
    large = SchoolFactory(district=past_year.district, name="Large school")
    for school, count in ((small, 4), (large, 6)):
        for _ in range(count):
            make_cycle(past_year, school=school, started=d(2025, 9, 1), baseline=0, target=10,
                       measures=[(d(2025, 10, 1), 5)])  # fmt: skip
    found = figures(district(past_year))["impact"]["by"]["school"]
    # School A (5) is the next smallest: Other has 4 + 5 = 9 and no school's own figure is its own.
    assert [(g["name"], g["cycles"]) for g in found] == [("Large school (District A)", 6), ("Other", 9)]
    assert "Small school (District A)" not in str(found)


@given(st.lists(st.tuples(st.integers(min_value=1, max_value=12), st.integers(min_value=0, max_value=12)), max_size=8))
def test_suppression_never_shows_a_group_or_a_remainder_under_five(sizes):
    """Sizes are (cycles shared, cycles unshared): a group shown, or Other, has five cycles or more,
    and no unshared cycle or five of them (the shared ones can be read one by one)."""
    groups = [(i, f"g{i}", [SimpleNamespace(shared=True)] * n + [SimpleNamespace(shared=False)] * u)
              for i, (n, u) in enumerate(sizes)]  # fmt: skip
    shown = impact.suppressed_groups(groups)  # type: ignore[arg-type]
    assert all(len(members) >= impact.MIN_CYCLES for _, _, members in shown)
    unshared = [sum(1 for r in members if not r.shared) for _, _, members in shown]
    assert all(u == 0 or u >= impact.MIN_CYCLES for u in unshared)
    assert sum(len(m) for _, _, m in shown) in (0, sum(n + u for n, u in sizes))
    assert [name for _, name, _ in shown] != [impact.OTHER]
    if shown:
        assert all(len(members) == sum(sizes[key]) for key, _, members in shown if key is not None)


@given(
    st.lists(
        st.lists(
            st.tuples(st.integers(min_value=1, max_value=7), st.integers(min_value=0, max_value=6)),
            min_size=1,
            max_size=4,
        ),
        max_size=4,
    )
)
def test_schools_shown_never_leave_a_small_rest_of_a_district_shown(districts):
    """Districts of schools of (shared, unshared) cycles, grouped as the report groups them."""
    schools, by_district = [], []
    for d, sizes in enumerate(districts):
        members = []
        for s, (n, u) in enumerate(sizes):
            rows = [SimpleNamespace(shared=True) for _ in range(n)] + [SimpleNamespace(shared=False) for _ in range(u)]
            schools.append(((d, s), f"s{d}-{s}", rows))
            members += rows
        by_district.append((d, f"d{d}", members))
    outer = impact.suppressed_groups(by_district)  # type: ignore[arg-type]
    inner = impact.nested_groups(impact.suppressed_groups(schools), outer)  # type: ignore[arg-type]
    assert [name for _, name, _ in inner] != [impact.OTHER]
    assert not any(impact.too_small(members) for _, _, members in inner)  # type: ignore[arg-type]
    placed = {id(r) for key, _, members in inner if key is not None for r in members}
    for _, _, members in outer:
        assert not impact.too_small([r for r in members if id(r) not in placed])  # type: ignore[arg-type]


def test_a_strategy_whose_text_names_a_teacher_is_not_named(past_year):
    """Five cycles with one strategy typed with a teacher's name in it (one of them is hers)."""
    d = dt.date
    for i in range(5):
        typed = "Quillon's exit-ticket routine" if i else "quillon's Exit-Ticket routine."
        cycle = make_cycle(past_year, started=d(2025, 9, 1), baseline=0, target=10, measures=[(d(2025, 10, 1), 5)],
                           strategy=typed)  # fmt: skip
        if i == 3:
            cycle.teachers.add(TeacherFactory(school=past_year.school, first_name="Mara", last_name="Quillon"))
    found = figures(district(past_year))["impact"]
    assert [(g["name"], g["cycles"]) for g in found["by"]["strategy"]] == [
        ("Exit tickets", 5), (impact.NAMES_A_TEACHER, 5)]  # fmt: skip
    assert "quillon" not in str(found).casefold()
    assert impact.names_a_teacher("Mara's think-aloud", "Ann Lee Mara Quillon")
    assert not impact.names_a_teacher("Planning with anchor charts", "Ann Lee")  # words, not letters


def test_impact_rows_name_no_teacher(past_year):
    text = str(figures(district(past_year))["impact"])
    for cycle in Cycle.objects.prefetch_related("teachers"):
        for teacher in cycle.teachers.all():
            assert teacher.last_name not in text


# --------------------------------------------------------------------------- district comparison


def test_the_comparison_shows_balance_non_coaching_impact_and_no_plan(past_year, tenant_b):
    other = DistrictFactory(name="District C")
    ContractFactory(program=past_year.program, district=other, school_year=2025)
    d = dt.date
    LogEntryFactory(
        coach=past_year.coach,
        district=past_year.district,
        date=d(2025, 9, 3),
        minutes=60,
        activity=activity("Co-Planning"),
    )  # output
    LogEntryFactory(
        coach=past_year.coach,
        district=past_year.district,
        date=d(2025, 9, 4),
        minutes=60,
        activity=activity("Data Analysis"),
    )  # input
    LogEntryFactory(
        coach=past_year.coach, district=other, date=d(2025, 9, 5), minutes=90, activity=activity("Co-Planning")
    )
    LogEntryFactory(coach=past_year.coach, district=other, date=d(2025, 9, 6), minutes=30,
                    activity=activity("Substituting"))  # fmt: skip
    f = figures(Scope(ScopeKind.PROGRAM, past_year.program.pk, "p"))
    rows = {r["name"]: r for r in f["district_comparison"]}
    # District A: 480 linked Coaching Cycles minutes + 60 output + 60 input = 600 minutes.
    a, c = rows["District A"], rows["District C"]
    assert (a["minutes"], a["output_share"], a["input_share"], a["non_coaching_share"]) == (600, 90.0, 10.0, 0.0)
    assert (c["minutes"], c["output_share"], c["non_coaching_share"], c["non_coaching_flag"]) == (120, 75.0, 25.0, True)
    assert (a["impact_cycles"], a["impact_goals_met"], a["impact_growth"]) == (5, 2, 54.0)
    assert c["impact_cycles"] is None
    assert a["plan_distance"] is None
    assert f["plan"]["has_plan"] is False
    assert sum(Decimal(r["hours"]) for r in f["district_comparison"]) == Decimal(f["total_hours"])


def test_the_comparison_reads_the_time_plan_when_the_figures_have_one():
    rows = impact.district_comparison(
        [{"id": 3, "name": "D", "minutes": 60, "hours": "1.00"}], {3: {"output": 60, "input": 0, "non_coaching": 0}},
        {"shown": False}, threshold=10, shares=lambda values: [100.0, 0.0, 0.0],
        plan={"by_district": [{"district_id": 3, "name": "D", "distance": "+2.5 days", "non_coaching_exceeded": True}]},
    )  # fmt: skip
    assert (rows[0]["plan_distance"], rows[0]["plan_non_coaching_exceeded"]) == ("+2.5 days", True)


def test_the_statement_count_does_not_grow_with_cycles(past_year, django_assert_max_num_queries):
    scope = Scope(ScopeKind.PROGRAM, past_year.program.pk, "p")
    with CaptureQueriesContext(connection) as three:
        figures(scope)
    d = dt.date
    for i in range(30):
        make_cycle(past_year, started=d(2025, 9, 1), baseline=0, target=10, measures=[(d(2025, 10, 1), i % 10)],
                   linked=[(d(2025, 9, 2) + dt.timedelta(days=i), 30, "Math")], met_on=d(2025, 11, 1))  # fmt: skip
    with django_assert_max_num_queries(len(three.captured_queries)):
        figures(scope)


# --------------------------------------------------------------------------- page, CSV and PDF


def built(scope, period, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.report_request(scope=scope, period=period, by=None)
    return Snapshot.objects.get(scope_kind=scope.kind, scope_id=scope.pk)


def test_page_csv_and_pdf_show_the_same_impact(client, past_year, django_capture_on_commit_callbacks):
    from reports.tests.test_runs_and_dashboard import pdf_text

    scope = district(past_year)
    built(scope, PAST_YEAR, django_capture_on_commit_callbacks)
    client.force_login(past_year.district_admin)
    query = {"scope": scope.key, "period": PAST_YEAR.key}
    page = client.get(reverse("reports:dashboard"), query).content.decode()
    assert "Counts only cycles teachers shared." in page
    for shown in ("54.0%", "93.0", "4.00", "$300"):
        assert shown in page
    rows = list(csv.DictReader(io.StringIO(b"".join(client.get(reverse("reports:export_csv"),
                                                                {**query, "table": "impact"}).streaming_content)
                                            .decode().lstrip("\ufeff"))))  # fmt: skip
    assert rows[0] == {"breakdown": "All cycles", "group": "", "cycles": "5", "average_growth_percent": "54.0",
                       "goals_met": "2", "median_days_to_goal": "93.0", "linked_minutes_of_goals_met": "480",
                       "hours_per_goal_met": "4.00", "cost_per_goal_met": "300"}  # fmt: skip
    text = pdf_text(client.get(reverse("reports:export_pdf"), query).content)
    assert "Counts only cycles teachers shared" in text
    for shown in ("All cycles", "54.0%", "$300", "93.0", "4.00"):
        assert shown in text


def test_a_snapshot_built_before_impact_asks_for_a_refresh(client, past_year, django_capture_on_commit_callbacks):
    scope = Scope(ScopeKind.PROGRAM, past_year.program.pk, "p")
    snapshot = built(scope, PAST_YEAR, django_capture_on_commit_callbacks)
    old = {k: v for k, v in snapshot.figures.items() if k not in ("impact", "district_comparison")}
    Snapshot.objects.filter(pk=snapshot.pk).update(figures=old)
    client.force_login(past_year.director)
    page = client.get(reverse("reports:dashboard"), {"scope": scope.key, "period": PAST_YEAR.key}).content.decode()
    assert "Refresh to see impact" in page
    assert "Refresh to see the full comparison" in page
    assert 'data-testid="impact-total"' not in page


def test_the_dashboard_query_count_is_the_same_for_3_and_30_cycles(
    client, past_year, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    scope = Scope(ScopeKind.PROGRAM, past_year.program.pk, "p")
    client.force_login(past_year.director)
    url = reverse("reports:dashboard")
    built(scope, PAST_YEAR, django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as small:
        client.get(url, {"scope": scope.key, "period": PAST_YEAR.key})
    d = dt.date
    for _ in range(25):
        make_cycle(past_year, started=d(2025, 9, 1), baseline=0, target=10, measures=[(d(2025, 10, 1), 5)])
    Snapshot.objects.all().delete()
    built(scope, PAST_YEAR, django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(url, {"scope": scope.key, "period": PAST_YEAR.key}).content.decode()
    assert 'data-testid="district-comparison"' in page


def test_the_page_itself_carries_nothing_of_four_cycles_an_administrator_may_not_see(
    client, tenant_a, django_capture_on_commit_callbacks
):
    """An insider reads the page's source (the chart data embedded with json_script, the CSV of
    impact), not only what is drawn: four shared cycles leave no figure, strategy or title there."""
    import json
    import re

    d = dt.date
    for i in range(4):
        make_cycle(tenant_a, started=d(2026, 9, 1 + i), baseline=10, target=50, measures=[(d(2026, 10, 1), 30 + i)],
                   strategy="Quillon stripe routine", title=f"Quillon {i}", met_on=d(2026, 10, 2))  # fmt: skip
    scope, period = district(tenant_a), Period.school_year(2026)
    built(scope, period, django_capture_on_commit_callbacks)
    client.force_login(tenant_a.district_admin)
    query = {"scope": scope.key, "period": period.key}
    html = client.get(reverse("reports:dashboard"), query).content.decode()
    data = json.loads(re.search(r'<script id="report-data" type="application/json">(.*?)</script>', html, re.S)[1])
    assert data["impact"] == {"policy": "Counts only cycles teachers shared", "min_cycles": 5,
                              "footnote": impact.FOOTNOTE, "shown": False, "rows": []}  # fmt: skip
    assert "Fewer than 5 cycles" in html
    assert "Quillon" not in html
    impact_csv = b"".join(client.get(reverse("reports:export_csv"), {**query, "table": "impact"}).streaming_content)
    assert b"Quillon" not in impact_csv
    assert impact_csv.decode().lstrip("\ufeff").strip().count("\n") == 0  # the header, no row
