"""The report's figures against hand-computed expectations on a small fixed data set."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coaching.tests.factories import LogEntryFactory, activity, focus_area
from cycles import services as cycle_services
from cycles.models import Cycle, Goal
from reports.builder import build_figures, shares
from reports.models import ScopeKind
from reports.scopes import Period, Scope
from teachers.tests.factories import TeacherFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)
YEAR = Period.school_year(2026)


@pytest.fixture
def data(tenant_a, tenant_b):
    tenant_a.contract.school_year = 2026
    tenant_a.contract.save()
    t1, t2 = tenant_a.teacher, TeacherFactory(school=tenant_a.school)

    def entry(day, minutes, name, focus=None, teachers=(), coach=tenant_a.coach, district=tenant_a.district):
        e = LogEntryFactory(coach=coach, district=district, date=day, minutes=minutes, activity=activity(name),
                            focus_area=focus_area(focus) if focus else None, school=tenant_a.school)  # fmt: skip
        e.teachers.set(teachers)
        return e

    entry(dt.date(2026, 9, 1), 120, "Coaching Cycles", "Technology integration", [t1])
    entry(dt.date(2026, 9, 1), 60, "Data Analysis", "Literacy", [t1, t2])
    entry(dt.date(2026, 9, 2), 300, "Substituting")
    entry(dt.date(2026, 10, 5), 240, "Co-Planning", "Technology integration", [t2])
    entry(dt.date(2026, 6, 30), 60, "Co-Planning", "Literacy", [t1])  # previous school year
    entry(dt.date(2026, 9, 1), 100, "Co-Planning", "Literacy", coach=tenant_b.coach, district=tenant_b.district)

    done = cycle_services.cycle_start(
        coach=tenant_a.coach, teachers=[t1], title="Done", started_on=dt.date(2026, 9, 10)
    )
    Goal.objects.create(cycle=done, statement="g", measure="m", target=90, deadline=dt.date(2026, 12, 1),
                        met_on=dt.date(2026, 10, 20))  # fmt: skip
    Cycle.objects.filter(pk=done.pk).update(stage="closed", outcome="goal_met", goal_met=True,
                                            closed_on=dt.date(2026, 10, 25))  # fmt: skip
    cycle_services.cycle_start(coach=tenant_a.coach, teachers=[t2], title="Open", started_on=dt.date(2026, 6, 1))
    return tenant_a


def district_report(tenant, period=YEAR):
    return build_figures(Scope(ScopeKind.DISTRICT, tenant.district.pk, "A"), period, today=TODAY)


def table(rows):
    return [(r["name"], r["minutes"], r["share"]) for r in rows]


def test_time_by_activity_most_time_first_with_shares_adding_to_100(data):
    f = district_report(data)
    assert table(f["by_activity"]) == [
        ("Substituting", 300, 41.7),
        ("Co-Planning", 240, 33.3),
        ("Coaching Cycles", 120, 16.7),
        ("Data Analysis", 60, 8.3),
    ]
    assert sum(r["share"] for r in f["by_activity"]) == pytest.approx(100.0)
    assert (f["total_minutes"], f["total_hours"], f["entries"]) == (720, "12.00", 4)


def test_focus_areas_and_the_input_output_balance(data):
    f = district_report(data)
    assert table(f["by_focus"]) == [
        ("Technology integration", 360, 50.0),
        ("No focus area (non-coaching duties)", 300, 41.7),
        ("Literacy", 60, 8.3),
    ]
    assert table(f["balance"]) == [("output", 360, 50.0), ("input", 60, 8.3), ("non_coaching", 300, 41.7)]


def test_non_coaching_share_is_flagged_above_the_programs_threshold(data):
    f = district_report(data)
    assert (f["non_coaching_share"], f["non_coaching_threshold"], f["non_coaching_flag"]) == (41.7, 10, True)
    data.program.non_coaching_threshold = 50
    data.program.save()
    assert district_report(data)["non_coaching_flag"] is False


def test_month_trend_splits_each_month_by_side(data):
    keys = ("month", "label", "output", "input", "non_coaching", "minutes", "hours", "output_hours")
    assert [{k: m[k] for k in keys} for m in district_report(data)["by_month"]] == [
        {"month": "2026-09", "label": "September 2026", "output": 120, "input": 60, "non_coaching": 300,
         "minutes": 480, "hours": "8.00", "output_hours": "2.00"},
        {"month": "2026-10", "label": "October 2026", "output": 240, "input": 0, "non_coaching": 0, "minutes": 240,
         "hours": "4.00", "output_hours": "4.00"},
    ]  # fmt: skip


def test_distinct_teachers_and_cycles(data):
    f = district_report(data)
    assert f["teachers_reached"] == 2
    assert f["cycles"] == {"started": 1, "active": 1, "completed": 1, "goals_met": 1}


def test_contract_days_use_the_half_day_rule(data):
    [contract] = district_report(data)["contracts"]
    assert (contract["used"], contract["contracted"], contract["left"]) == (2.5, 60, 57.5)
    assert [(p["month"], p["used"]) for p in contract["burn"]] == [("2026-09", 1.5), ("2026-10", 2.5)]


def test_a_month_period_and_other_scopes(data, tenant_b):
    september = Period.month(2026, 9)
    assert district_report(data, september)["total_minutes"] == 480
    coach = build_figures(Scope(ScopeKind.COACH, data.coach.pk, "c"), YEAR, today=TODAY)
    assert coach["total_minutes"] == 720
    assert coach["contracts"] == []
    program = build_figures(Scope(ScopeKind.PROGRAM, tenant_b.program.pk, "p"), YEAR, today=TODAY)
    assert (program["total_minutes"], table(program["by_district"])) == (100, [("District B", 100, 100.0)])
    everything = build_figures(Scope(ScopeKind.ALL, 0, "all"), YEAR, today=TODAY)
    assert everything["total_minutes"] == 820


def test_an_empty_period_has_zero_shares_not_errors(data):
    f = district_report(data, Period.month(2025, 1))
    assert f["total_minutes"] == 0
    assert f["balance"][0]["share"] == 0.0
    assert f["non_coaching_flag"] is False


def test_the_builder_query_count_does_not_grow_with_entries(data, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        district_report(data)
    for i in range(60):
        LogEntryFactory(coach=data.coach, district=data.district, date=dt.date(2026, 9, 3) + dt.timedelta(days=i),
                        minutes=30 + i)  # fmt: skip
    with django_assert_max_num_queries(len(small.captured_queries)):
        district_report(data)


@given(st.lists(st.integers(min_value=0, max_value=100_000), min_size=1, max_size=30))
def test_shares_always_add_up_to_exactly_100_or_are_all_zero(values):
    result = shares(values)
    assert len(result) == len(values)
    if sum(values):
        assert round(sum(result), 1) == 100.0
        assert all(abs(r - 100 * v / sum(values)) <= 0.1 + 1e-9 for r, v in zip(result, values, strict=True))
    else:
        assert result == [0.0] * len(values)
