"""Contract days used: one coach's service to the district on one date; under 4 hours is half."""

import datetime as dt
from decimal import Decimal

import pytest

from coaching.models import Contract
from coaching.schoolyear import school_year_bounds, school_year_of
from coaching.selectors import ContractUsage, contract_usage
from coaching.tests.factories import CoachFactory, ContractFactory, LogEntryFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)
YEAR = school_year_of(TODAY)


def usage_of(contract: Contract, today: dt.date = TODAY) -> ContractUsage:
    [usage] = contract_usage(Contract.objects.filter(pk=contract.pk), today=today)
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
    assert usage.projected_runout is None


def test_projected_runout_follows_the_pace(tenant_a, contract):
    # 10 full days over the 10 weeks since Sept 14: one day a week, 10 left -> 10 weeks from today.
    first = TODAY - dt.timedelta(weeks=10) + dt.timedelta(days=1)
    for week in range(10):
        entry(tenant_a, first + dt.timedelta(weeks=week), 300)
    usage = usage_of(contract)
    assert usage.days_used == 10
    assert usage.days_per_week == Decimal("1.00")
    assert usage.projected_runout == TODAY + dt.timedelta(weeks=10)
    assert usage.runs_out_before_year_end


def test_a_slow_pace_lasts_the_year(tenant_a, contract):
    entry(tenant_a, dt.date(2026, 8, 20), 300)
    usage = usage_of(contract)
    assert usage.projected_runout > school_year_bounds(YEAR)[1]
    assert not usage.runs_out_before_year_end


def test_used_up_contract_reports_its_last_day(tenant_a, contract):
    contract.contracted_days = 10
    contract.save()
    days = [dt.date(2026, 9, 1) + dt.timedelta(days=i) for i in range(12)]
    for day in days:
        entry(tenant_a, day, 300)
    usage = usage_of(contract)
    assert usage.days_left == -2
    assert usage.projected_runout == days[-1]


def test_days_used_costs_two_queries_for_any_number_of_contracts(tenant_a, django_assert_num_queries):
    contracts = [ContractFactory(program=tenant_a.program, school_year=YEAR) for _ in range(5)]
    for c in contracts:
        LogEntryFactory(coach=tenant_a.coach, district=c.district, date=dt.date(2026, 9, 1), minutes=100)
    with django_assert_num_queries(2):
        usage = contract_usage(Contract.objects.filter(pk__in=[c.pk for c in contracts]), today=TODAY)
    assert [u.days_used for u in usage] == [Decimal("0.5")] * 5
