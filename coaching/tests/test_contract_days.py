"""Contract days used: one coach's service to the district on one date; under 4 hours is half."""

import datetime as dt
from decimal import Decimal

import pytest

from coaching.models import Contract
from coaching.selectors import ContractUsage, contract_usage_list
from coaching.tests.factories import CoachFactory, ContractFactory, LogEntryFactory
from toolkit.schoolyear import school_year_bounds, school_year_of

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)
YEAR = school_year_of(TODAY)


def usage_of(contract: Contract, today: dt.date = TODAY) -> ContractUsage:
    [usage] = contract_usage_list(contracts=Contract.objects.filter(pk=contract.pk), as_of=today)
    return usage


@pytest.fixture
def contract(tenant_a):
    tenant_a.contract.school_year = YEAR
    tenant_a.contract.contracted_days = 20
    tenant_a.contract.save()
    return tenant_a.contract


def entry(tenant, day: dt.date, minutes: int, coach=None):
    return LogEntryFactory(coach=coach or tenant.coach, district=tenant.district, date=day, minutes=minutes)


def test_full_and_half_days_add_up(tenant_a, contract):
    entry(tenant_a, dt.date(2026, 9, 1), 240)  # exactly 4 hours: a full day
    entry(tenant_a, dt.date(2026, 9, 2), 239)  # under 4 hours: half a day
    entry(tenant_a, dt.date(2026, 9, 3), 120)  # two blocks on one date make one full day
    entry(tenant_a, dt.date(2026, 9, 3), 180)
    usage = usage_of(contract)
    assert usage.days_used == Decimal("2.5")
    assert usage.days_left == Decimal("17.5")
    assert usage.percent_used == 13
    assert usage.first_day == dt.date(2026, 9, 1)
    assert usage.last_day == dt.date(2026, 9, 3)


def test_two_coaches_on_one_date_use_two_days(tenant_a, contract):
    colleague = CoachFactory(program=tenant_a.program)
    contract.coaches.add(colleague)
    entry(tenant_a, dt.date(2026, 9, 1), 300)
    entry(tenant_a, dt.date(2026, 9, 1), 60, coach=colleague)
    assert usage_of(contract).days_used == Decimal("1.5")


def test_time_outside_the_contract_does_not_count(tenant_a, tenant_b, contract):
    entry(tenant_a, dt.date(2026, 9, 1), 300)
    entry(tenant_a, dt.date(2026, 6, 30), 300)  # previous school year
    LogEntryFactory(coach=tenant_b.coach, district=tenant_a.district, date=dt.date(2026, 9, 2), minutes=300)
    assert usage_of(contract).days_used == Decimal("1.0")


def test_no_service_yet_has_no_pace_or_runout(contract):
    usage = usage_of(contract)
    assert usage.days_used == 0
    assert usage.days_per_week is None
    assert (usage.outlook.status, usage.outlook.text) == ("no_service", "no service yet")


def test_projected_runout_follows_the_pace(tenant_a, contract):
    # 10 full days over the 10 weeks to today: one day a week, 10 left -> 10 weeks from today.
    first = TODAY - dt.timedelta(weeks=10) + dt.timedelta(days=1)
    for week in range(10):
        entry(tenant_a, first + dt.timedelta(weeks=week), 300)
    usage = usage_of(contract)
    assert usage.days_used == 10
    assert usage.days_per_week == Decimal("1.00")
    outlook = usage.outlook
    assert (outlook.status, outlook.date) == ("runs_out", TODAY + dt.timedelta(weeks=10))
    assert outlook.text == "runs out around Feb 1, 2027 at this pace"
    assert usage.runs_out_before_year_end


def test_a_slow_pace_says_what_will_be_left_on_june_30_never_a_later_date(tenant_a, contract):
    entry(tenant_a, dt.date(2026, 8, 20), 300)  # one day in 68 weekdays (13.6 weeks) to Nov 23
    usage = usage_of(contract)
    outlook = usage.outlook
    assert outlook.status == "left_at_year_end"
    assert outlook.date == school_year_bounds(YEAR)[1]
    # 19 left; the 155 weekdays (31 weeks) to June 30 at 1/13.6 a week use 2.28 more: 16.72,
    # said to the half day.
    assert outlook.text == "at this pace, 16.5 days will be left on June 30"
    assert not usage.runs_out_before_year_end


def test_a_year_that_has_ended_shows_what_happened_not_a_projection(tenant_a, contract):
    contract.school_year = 2024
    contract.save()
    for day in (dt.date(2024, 9, 2), dt.date(2024, 9, 3), dt.date(2024, 9, 4), dt.date(2025, 3, 3)):
        entry(tenant_a, day, 300)
    entry(tenant_a, dt.date(2025, 3, 4), 100)  # half a day
    outlook = usage_of(contract).outlook
    assert (outlook.status, outlook.text) == ("ended", "ended with 15.5 days unused")
    assert outlook.date == dt.date(2025, 6, 30)


def test_pace_is_days_per_week_of_service_and_one_coach_cannot_beat_the_weekdays(tenant_a, contract):
    # Every weekday of three weeks, full days, seen on the last Friday: five days a week.
    contract.contracted_days = 170
    contract.save()
    monday = dt.date(2026, 11, 2)
    for offset in range(19):
        day = monday + dt.timedelta(days=offset)
        if day.weekday() < 5:
            entry(tenant_a, day, 300)
    usage = usage_of(contract, today=dt.date(2026, 11, 20))
    assert usage.days_used == 15
    assert usage.days_per_week == Decimal("5.00")


def test_used_up_contract_reports_its_last_day(tenant_a, contract):
    contract.contracted_days = 10
    contract.save()
    days = [dt.date(2026, 9, 1) + dt.timedelta(days=i) for i in range(12)]
    for day in days:
        entry(tenant_a, day, 300)
    usage = usage_of(contract)
    assert usage.days_left == -2
    assert (usage.outlook.status, usage.outlook.date) == ("used_up", days[-1])
    assert usage.outlook.text == "all days used by Sep 12, 2 over"


def test_only_the_contracts_own_programs_time_counts_in_a_shared_district(tenant_a, tenant_b, contract):
    from coaching.tests.factories import ContractFactory

    ContractFactory(program=tenant_b.program, district=tenant_a.district, school_year=YEAR, contracted_days=30)
    entry(tenant_a, dt.date(2026, 9, 1), 300)
    LogEntryFactory(coach=tenant_b.coach, district=tenant_a.district, date=dt.date(2026, 9, 1), minutes=300)
    LogEntryFactory(coach=tenant_b.coach, district=tenant_a.district, date=dt.date(2026, 9, 2), minutes=60)
    usage = contract_usage_list(contracts=Contract.objects.filter(district=tenant_a.district), as_of=TODAY)
    assert sorted((u.contract.program.name, u.days_used) for u in usage) == [
        ("Program A", Decimal("1")),
        ("Program B", Decimal("1.5")),
    ]


def test_days_used_costs_two_queries_for_any_number_of_contracts(tenant_a, django_assert_num_queries):
    contracts = [ContractFactory(program=tenant_a.program, school_year=YEAR) for _ in range(5)]
    for c in contracts:
        LogEntryFactory(coach=tenant_a.coach, district=c.district, date=dt.date(2026, 9, 1), minutes=100)
    with django_assert_num_queries(2):
        usage = contract_usage_list(contracts=Contract.objects.filter(pk__in=[c.pk for c in contracts]), as_of=TODAY)
    assert [u.days_used for u in usage] == [Decimal("0.5")] * 5
