"""Contracts: the program's list with days used, left and the share used, by school year; add
and edit with their rules shown beside the fields; coaches assigned by checkbox."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from coaching.models import Contract
from coaching.tests.factories import CoachFactory, ContractFactory, LogEntryFactory
from teachers.models import AuditAction, AuditEvent, Role
from teachers.tests.factories import DistrictFactory, UserFactory
from toolkit.schoolyear import school_year_of

pytestmark = pytest.mark.django_db
YEAR = school_year_of(timezone.localdate())


def test_the_list_shows_days_used_left_and_the_share_with_the_coaches(client, tenant_a, tenant_b):
    tenant_a.contract.contracted_days = 40
    tenant_a.contract.save()
    day = timezone.localdate() - dt.timedelta(days=1)
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=day, minutes=300)  # a full day
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=day - dt.timedelta(days=1), minutes=60)
    client.force_login(tenant_a.director)
    response = client.get(reverse("programs:contracts"))
    page = response.content.decode()
    [(usage, coaches)] = response.context["rows"]
    assert (usage.days_used, usage.days_left, usage.percent_used) == (1.5, 38.5, 4)
    assert coaches == [tenant_a.coach.user.display_name]
    assert "38.5" in page
    assert "4%" in page
    assert tenant_a.district.name in page
    assert tenant_b.district.name not in page


def test_the_year_filter_defaults_to_this_year_and_shows_another(client, tenant_a):
    old = ContractFactory(program=tenant_a.program, district=tenant_a.district, school_year=YEAR - 1,
                          contracted_days=17)  # fmt: skip
    client.force_login(tenant_a.director)
    assert [u.contract for u, _ in client.get(reverse("programs:contracts")).context["rows"]] == [tenant_a.contract]
    last = client.get(reverse("programs:contracts"), {"year": YEAR - 1})
    assert [u.contract for u, _ in last.context["rows"]] == [old]
    assert client.get(reverse("programs:contracts"), {"year": "nonsense"}).context["year"] == YEAR


def test_adding_a_contract_assigns_the_checked_coaches_and_is_audited(client, tenant_a):
    client.force_login(tenant_a.director)
    response = client.post(reverse("programs:contract_add"), {
        "district": tenant_a.district.pk, "school_year": YEAR + 1, "contracted_days": 80, "daily_rate": "410.00",
        "coaches": [tenant_a.coach.pk],
    })  # fmt: skip
    assert response.status_code == 302
    contract = Contract.objects.get(program=tenant_a.program, school_year=YEAR + 1)
    assert (contract.contracted_days, list(contract.coaches.all())) == (80, [tenant_a.coach])
    event = AuditEvent.objects.get(object_type="contract", object_ref=str(contract.pk))
    assert (event.action, event.program_id, event.district_id) == (AuditAction.SETUP_CHANGE, tenant_a.program.pk,
                                                                   tenant_a.district.pk)  # fmt: skip


def test_a_second_contract_for_the_same_year_is_a_form_error(client, tenant_a):
    client.force_login(tenant_a.director)
    response = client.post(reverse("programs:contract_add"), {
        "district": tenant_a.district.pk, "school_year": YEAR, "contracted_days": 80, "daily_rate": "410.00",
    })  # fmt: skip
    assert response.status_code == 400
    page = response.content.decode()
    assert "already has a contract with Program A" in page
    assert 'value="80"' in page
    assert 'value="410.00"' in page
    assert Contract.objects.filter(program=tenant_a.program).count() == 1


@pytest.mark.parametrize("days", [9, 171])
def test_days_outside_10_to_170_are_refused_with_a_clear_message(client, tenant_a, days):
    client.force_login(tenant_a.director)
    response = client.post(reverse("programs:contract_edit", args=[tenant_a.contract.pk]),
                           {"contracted_days": days, "daily_rate": "400"})  # fmt: skip
    assert response.status_code == 400
    page = response.content.decode()
    assert "Contracted days must be between 10 and 170." in page
    assert f'value="{days}"' in page
    tenant_a.contract.refresh_from_db()
    assert tenant_a.contract.contracted_days == 60


def test_days_below_those_used_are_saved_with_a_warning(client, tenant_a):
    for offset in range(1, 13):
        LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, minutes=300,
                        date=timezone.localdate() - dt.timedelta(days=offset))  # fmt: skip
    client.force_login(tenant_a.director)
    response = client.post(reverse("programs:contract_edit", args=[tenant_a.contract.pk]),
                           {"contracted_days": 10, "daily_rate": "400", "coaches": []}, follow=True)  # fmt: skip
    assert "the contract is overdrawn" in response.content.decode()
    tenant_a.contract.refresh_from_db()
    assert (tenant_a.contract.contracted_days, tenant_a.contract.coaches.count()) == (10, 0)  # open to every coach


def test_another_programs_coach_cannot_be_assigned_by_posting_its_id(client, tenant_a, tenant_b):
    client.force_login(tenant_a.director)
    response = client.post(reverse("programs:contract_edit", args=[tenant_a.contract.pk]), {
        "contracted_days": 60, "daily_rate": "400", "coaches": [tenant_b.coach.pk],
    })  # fmt: skip
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert list(tenant_a.contract.coaches.all()) == [tenant_a.coach]


def test_a_deactivated_coach_already_on_a_contract_is_kept_but_not_offered_elsewhere(client, tenant_a):
    tenant_a.coach.active = False
    tenant_a.coach.save()
    client.force_login(tenant_a.director)
    edit = client.get(reverse("programs:contract_edit", args=[tenant_a.contract.pk])).content.decode()
    assert "(deactivated)" in edit
    add = client.get(reverse("programs:contract_add")).content.decode()
    assert tenant_a.coach.user.display_name not in add


def test_a_contract_cannot_be_added_with_a_district_the_program_does_not_serve(client, tenant_a, tenant_b):
    client.force_login(tenant_a.director)
    response = client.post(reverse("programs:contract_add"), {
        "district": tenant_b.district.pk, "school_year": YEAR + 1, "contracted_days": 80, "daily_rate": "410",
    })  # fmt: skip
    assert response.status_code == 400
    assert not Contract.objects.filter(district=tenant_b.district, program=tenant_a.program).exists()


@pytest.mark.parametrize("n", [3, 30])
def test_the_contract_list_costs_the_same_queries_for_3_or_30_contracts(client, tenant_a, n,
                                                                        django_assert_max_num_queries):  # fmt: skip
    for i in range(n):
        contract = ContractFactory(program=tenant_a.program, district=DistrictFactory(name=f"D{i}"))
        coach = CoachFactory(program=tenant_a.program, user=UserFactory(username=f"k{i}", role=Role.COACH))
        contract.coaches.add(coach)
        LogEntryFactory(coach=coach, district=contract.district)
    client.force_login(tenant_a.director)
    with django_assert_max_num_queries(19):
        response = client.get(reverse("programs:contracts"))
    assert len(response.context["rows"]) == n + 1


def test_the_list_shows_days_used_and_days_approved_side_by_side(client, tenant_a):
    """Approved days count only the coach-months the director approved (a date under 4 hours is
    half a day), here in last school year, which has ended."""
    from coaching.models import CoachMonth, MonthStatus

    last = YEAR - 1
    contract = ContractFactory(program=tenant_a.program, district=tenant_a.district, school_year=last)
    for day, minutes in ((dt.date(last, 9, 14), 300), (dt.date(last, 9, 15), 60), (dt.date(last, 10, 5), 480)):
        LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=day, minutes=minutes)
    CoachMonth.objects.create(
        coach=tenant_a.coach, month=dt.date(last, 9, 1), status=MonthStatus.APPROVED, submitted_at=timezone.now()
    )
    CoachMonth.objects.create(
        coach=tenant_a.coach, month=dt.date(last, 10, 1), status=MonthStatus.SUBMITTED, submitted_at=timezone.now()
    )
    client.force_login(tenant_a.director)
    response = client.get(reverse("programs:contracts"), {"year": last})
    [(usage, _)] = response.context["rows"]
    assert usage.contract == contract
    assert (usage.days_used, usage.days_approved) == (2.5, 1.5)
    assert '<td class="text-end" data-testid="days-approved">1.5</td>' in response.content.decode()
