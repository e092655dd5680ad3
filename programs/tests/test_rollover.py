"""Starting the next school year: this year's contracts copied for review (days and rates edited,
unticked rows skipped, inactive coaches dropped), never twice and never half; the coaches' year-end
decisions counted for the director without any cycle's content; past years untouched."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from coaching.models import Contract
from coaching.selectors import contract_usage_list
from coaching.tests.factories import CoachFactory, ContractFactory, LogEntryFactory, ProgramFactory
from cycles.models import Outcome, Stage, YearEndChoice, YearEndDecision
from cycles.selectors import caseload_counts
from cycles.tests.factories import CycleFactory, GoalFactory
from cycles.yearend import YearEndInput, year_end_decide
from programs.rollover import ContractCopy, RolloverRowError, rollover_contracts_copy, rollover_get
from reports.builder import build_figures
from reports.models import ScopeKind
from reports.scopes import Period, Scope
from teachers.models import AuditAction, AuditEvent, Role
from teachers.tests.factories import DistrictFactory, SchoolFactory, TeacherFactory, UserFactory
from toolkit.schoolyear import school_year_bounds, school_year_of

pytestmark = pytest.mark.django_db

ROLLOVER = reverse("programs:rollover")


def this_year() -> int:
    return school_year_of(timezone.localdate())


def url(program) -> str:
    return f"{ROLLOVER}?program={program.pk}"


def row(contract, *, copy=True, days=None, rate=None) -> dict[str, str]:
    data = {f"c{contract.pk}-contracted_days": str(contract.contracted_days if days is None else days),
            f"c{contract.pk}-daily_rate": str(contract.daily_rate if rate is None else rate)}  # fmt: skip
    if copy:
        data[f"c{contract.pk}-copy"] = "on"
    return data


def new_year(program) -> dict[int, Contract]:
    return {c.district_id: c for c in Contract.objects.filter(program=program, school_year=this_year() + 1)}


@pytest.fixture
def three(tenant_a):
    """Tenant A's contract and two more districts' contracts this year."""
    others = [ContractFactory(program=tenant_a.program, district=DistrictFactory(name=f"District {name}"),
                              contracted_days=days, daily_rate=Decimal(rate))
              for name, days, rate in (("Birch", 40, "380.00"), ("Cedar", 90, "410.50"))]  # fmt: skip
    return [tenant_a.contract, *others]


def test_the_director_sees_this_years_contracts_prefilled(client, tenant_a, three):
    client.force_login(tenant_a.director)
    response = client.get(ROLLOVER)
    assert response.status_code == 200
    text = response.content.decode()
    assert f"Start {response.context['page'].to_label}" in text
    for contract in three:
        assert contract.district.name in text
        assert f'name="c{contract.pk}-contracted_days"' in text
        assert f'value="{contract.contracted_days}"' in text
        assert f'value="{contract.daily_rate}"' in text
        assert f'id="id_c{contract.pk}-copy" checked' in " ".join(text.split())


def test_the_ticked_contracts_are_copied_with_the_days_and_rates_typed(client, tenant_a, three):
    first, skipped, third = three
    client.force_login(tenant_a.director)
    response = client.post(url(tenant_a.program), {**row(first, days=80, rate="450.00"), **row(skipped, copy=False),
                                                   **row(third)})  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == url(tenant_a.program)
    made = new_year(tenant_a.program)
    assert set(made) == {first.district_id, third.district_id}
    assert (made[first.district_id].contracted_days, made[first.district_id].daily_rate) == (80, Decimal("450.00"))
    assert (made[third.district_id].contracted_days, made[third.district_id].daily_rate) == (90, Decimal("410.50"))
    # This year's contracts are as they were.
    first.refresh_from_db()
    assert (first.school_year, first.contracted_days) == (this_year(), 60)
    event = AuditEvent.objects.get(action=AuditAction.ROLLOVER)
    assert (event.program_id, event.actor) == (tenant_a.program.pk, tenant_a.director)
    assert "2 contract(s) copied" in event.detail
    page = client.get(response["Location"]).content.decode()
    assert "2 contract(s) copied into" in page
    assert f'data-testid="set-up-{first.district_id}"' in page
    assert f'name="c{first.pk}-copy"' not in page
    assert f'name="c{skipped.pk}-copy"' in page  # still there to copy later


def test_active_assigned_coaches_carry_over_and_inactive_ones_are_dropped(client, tenant_a):
    contract = tenant_a.contract
    gone = CoachFactory(program=tenant_a.program, active=False, user=UserFactory(first_name="Gone", last_name="Coach"))
    moved = CoachFactory(program=ProgramFactory(), user=UserFactory(first_name="Moved", last_name="Away"))
    contract.coaches.add(gone, moved)
    open_to_all = ContractFactory(program=tenant_a.program)
    client.force_login(tenant_a.director)
    page = client.get(ROLLOVER).content.decode()
    assert "Not carried over (no longer active)" in page
    assert "Gone Coach" in page
    client.post(ROLLOVER, {**row(contract), **row(open_to_all)})
    made = new_year(tenant_a.program)
    assert list(made[contract.district_id].coaches.all()) == [tenant_a.coach]
    assert list(made[open_to_all.district_id].coaches.all()) == []  # still open to every coach


def test_running_it_again_never_duplicates(client, tenant_a, three):
    client.force_login(tenant_a.director)
    data = {k: v for c in three for k, v in row(c).items()}
    client.post(ROLLOVER, data)
    assert len(new_year(tenant_a.program)) == 3
    # The same form sent again (a second tab, a double click): nothing new, and the page says so.
    response = client.post(ROLLOVER, data, follow=True)
    assert len(new_year(tenant_a.program)) == 3
    assert Contract.objects.filter(program=tenant_a.program, school_year=this_year() + 1).count() == 3
    text = response.content.decode()
    assert "set up in" in text
    assert "meanwhile" in text
    assert text.count("already set up") >= 3
    # The service itself skips a district already set up.
    result = rollover_contracts_copy(program=tenant_a.program, from_year=this_year(), by=tenant_a.director,
                                     copies=[ContractCopy(three[0], 70, Decimal(1))])  # fmt: skip
    assert (result.created, [c.pk for c in result.skipped]) == ([], [three[0].pk])
    assert AuditEvent.objects.filter(action=AuditAction.ROLLOVER).count() == 1


def test_a_bad_row_shows_its_error_by_the_field_keeps_every_value_and_creates_nothing(client, tenant_a, three):
    first, second, third = three
    client.force_login(tenant_a.director)
    response = client.post(ROLLOVER, {**row(first, days=75), **row(second, days=5), **row(third, rate="-1")})
    assert response.status_code == 400
    assert new_year(tenant_a.program) == {}
    forms = {r.contract.pk: f for r, f in response.context["rows"]}
    assert forms[second.pk].errors == {"contracted_days": ["Between 10 and 170 days."]}
    assert forms[third.pk].errors == {"daily_rate": ["A rate of 0 or more."]}
    assert forms[first.pk].errors == {}
    text = " ".join(response.content.decode().split())
    assert f'id="id_c{second.pk}-contracted_days" value="5"' in text
    assert f'id="id_c{third.pk}-daily_rate" value="-1"' in text
    assert f'id="id_c{first.pk}-contracted_days" value="75"' in text
    assert f'id="id_c{second.pk}-contracted_days-error">Between 10 and 170 days.' in text
    # An unticked row is not copied, so what it holds is not checked.
    response = client.post(ROLLOVER, {**row(first), **row(second, copy=False, days=5)})
    assert response.status_code == 302
    assert set(new_year(tenant_a.program)) == {first.district_id}


def test_nothing_is_half_created_when_one_copy_is_refused(tenant_a, three):
    good, bad, _ = three
    copies = [ContractCopy(good, 60, Decimal(400)), ContractCopy(bad, 200, Decimal(400))]
    with pytest.raises(RolloverRowError) as raised:
        rollover_contracts_copy(program=tenant_a.program, from_year=this_year(), by=tenant_a.director, copies=copies)
    assert raised.value.source == bad
    assert "contracted_days" in raised.value.error_dict
    assert new_year(tenant_a.program) == {}
    assert not AuditEvent.objects.filter(action=AuditAction.ROLLOVER).exists()


def test_nothing_ticked_is_an_error(client, tenant_a, three):
    client.force_login(tenant_a.director)
    response = client.post(ROLLOVER, {k: v for c in three for k, v in row(c, copy=False).items()})
    assert response.status_code == 400
    assert "Tick at least one contract to copy." in response.content.decode()
    assert new_year(tenant_a.program) == {}


def test_new_year_contracts_start_at_zero_days_used(client, tenant_a):
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=timezone.localdate(), minutes=300)
    client.force_login(tenant_a.director)
    client.post(ROLLOVER, row(tenant_a.contract))
    made = new_year(tenant_a.program)[tenant_a.district.pk]
    (usage,) = contract_usage_list(contracts=Contract.objects.filter(pk=made.pk), as_of=timezone.localdate())
    assert usage.days_used == 0
    (old,) = contract_usage_list(contracts=Contract.objects.filter(pk=tenant_a.contract.pk),
                                 as_of=timezone.localdate())  # fmt: skip
    assert old.days_used == 1


# --------------------------------------------------------------------------- past years untouched


def _year_with_work(tenant, year: int) -> None:
    """A contract, entries with teachers and cycles in the given school year."""
    start, _ = school_year_bounds(year)
    day = min(start + dt.timedelta(days=70), timezone.localdate())
    if not Contract.objects.filter(program=tenant.program, district=tenant.district, school_year=year).exists():
        ContractFactory(program=tenant.program, district=tenant.district, school_year=year).coaches.add(tenant.coach)
    for minutes in (60, 300, 45):
        entry = LogEntryFactory(coach=tenant.coach, district=tenant.district, school=tenant.school, date=day,
                                minutes=minutes)  # fmt: skip
        entry.teachers.add(tenant.teacher)
    GoalFactory(cycle=CycleFactory(coach=tenant.coach, school=tenant.school, teachers=[tenant.teacher],
                                   stage=Stage.IMPROVE, started_on=day))  # fmt: skip


def _figures(tenant, year: int) -> dict:
    today = timezone.localdate()
    return {
        "program": build_figures(Scope(ScopeKind.PROGRAM, tenant.program.pk), Period.school_year(year), today=today),
        "district": build_figures(Scope(ScopeKind.DISTRICT, tenant.district.pk), Period.school_year(year), today=today),
        "contracts": [
            (u.contract.pk, u.days_used, u.days_left, u.outlook.text)
            for u in contract_usage_list(
                contracts=Contract.objects.filter(program=tenant.program, school_year=year), as_of=today
            )
        ],
        "caseload": list(caseload_counts(coaches=tenant.program.coaches.all(), school_year=year)),
    }


def test_past_years_reports_contract_figures_and_caseloads_are_unchanged(client, tenant_a):
    year = this_year()
    _year_with_work(tenant_a, year - 1)
    _year_with_work(tenant_a, year)
    before = {y: _figures(tenant_a, y) for y in (year - 1, year)}
    assert before[year]["program"]
    assert before[year]["contracts"][0][1] > 0
    client.force_login(tenant_a.director)
    assert client.post(ROLLOVER, row(tenant_a.contract, days=99)).status_code == 302
    cycles = list(tenant_a.coach.cycles.exclude(stage=Stage.CLOSED))
    year_end_decide(coach=tenant_a.coach, school_year=year, by=tenant_a.coach.user,
                    rows=[YearEndInput(cycle=c, decision=YearEndChoice.CARRIED) for c in cycles])  # fmt: skip
    after = {y: _figures(tenant_a, y) for y in (year - 1, year)}
    assert after == before
    # A close at year end is a normal close: the year before keeps its figures all the same.
    year_end_decide(coach=tenant_a.coach, school_year=year, by=tenant_a.coach.user,
                    rows=[YearEndInput(cycle=c, decision=YearEndChoice.CLOSED, outcome=Outcome.ENDED,
                                       goal_met=False) for c in cycles])  # fmt: skip
    past = _figures(tenant_a, year - 1)
    assert {k: past[k] for k in ("program", "district", "contracts")} == {
        k: before[year - 1][k] for k in ("program", "district", "contracts")
    }
    # (A caseload counts its cycles by the stage they are in now, for any close: its people and time stay.)
    people = ("teachers", "sessions", "contacts", "minutes")
    assert [[c[k] for k in people] for c in past["caseload"]] == [
        [c[k] for k in people] for c in before[year - 1]["caseload"]
    ]
    # ...and the past years stay reachable: the contracts page offers them, with their figures.
    response = client.get(reverse("coaching:contracts"), {"year": year - 1})
    assert [u.contract.school_year for u in response.context["usage"]] == [year - 1]
    assert year + 1 in response.context["years"]
    assert year - 1 in response.context["years"]


# --------------------------------------------------------------------------- the coaches' decisions, as counts


def test_the_director_sees_year_end_decisions_as_counts_only(client, tenant_a):
    secret_teacher = TeacherFactory(school=tenant_a.school, first_name="Secretia", last_name="Hiddenfield")
    carried = CycleFactory(coach=tenant_a.coach, school=tenant_a.school, teachers=[secret_teacher],
                           title="Confidential cycle title", stage=Stage.IMPROVE)  # fmt: skip
    GoalFactory(cycle=carried, statement="A private goal statement")
    CycleFactory(coach=tenant_a.coach, school=tenant_a.school, teachers=[tenant_a.teacher], stage=Stage.LEARN)
    year_end_decide(coach=tenant_a.coach, school_year=this_year(), by=tenant_a.coach.user,
                    rows=[YearEndInput(cycle=carried, decision=YearEndChoice.CARRIED)])  # fmt: skip
    client.force_login(tenant_a.director)
    response = client.get(ROLLOVER)
    (counts,) = response.context["page"].coaches
    assert (counts.coach, counts.active, counts.carried, counts.closed, counts.undecided) == (
        tenant_a.coach.user.display_name,
        2,
        1,
        0,
        1,
    )
    text = response.content.decode()
    for secret in (
        "Confidential cycle title",
        "Secretia",
        "Hiddenfield",
        "A private goal statement",
        tenant_a.teacher.last_name,
    ):
        assert secret not in text
        assert secret not in repr(response.context["page"])


# --------------------------------------------------------------------------- access


def test_people_who_direct_no_program_get_403(client, tenant_a):
    for user in (tenant_a.teacher.user, tenant_a.coach.user, tenant_a.district_admin,
                 UserFactory(role=Role.PROGRAM_DIRECTOR)):  # fmt: skip
        client.force_login(user)
        assert client.get(ROLLOVER).status_code == 403
        assert client.post(ROLLOVER, row(tenant_a.contract)).status_code == 403
    client.logout()
    assert client.get(ROLLOVER)["Location"].startswith(reverse("login"))
    assert new_year(tenant_a.program) == {}


def test_another_programs_director_gets_404_and_changes_nothing(client, tenant_a, tenant_b):
    client.force_login(tenant_b.director)
    assert client.get(url(tenant_a.program)).status_code == 404
    assert client.post(url(tenant_a.program), row(tenant_a.contract)).status_code == 404
    assert client.get(f"{ROLLOVER}?program=nope").status_code == 404
    # Their own page, with tenant A's contract smuggled into the form: refused as a whole.
    response = client.post(ROLLOVER, {**row(tenant_b.contract), **row(tenant_a.contract)})
    assert response.status_code == 404
    assert new_year(tenant_a.program) == {}
    assert new_year(tenant_b.program) == {}
    # A contract of another year of one's own program is no row either.
    old = ContractFactory(program=tenant_b.program, school_year=this_year() - 1)
    assert client.post(ROLLOVER, row(old)).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.ROLLOVER).exists()


def test_a_director_of_two_programs_picks_one(client, tenant_a, tenant_b, site_admin):
    tenant_b.program.directors.add(tenant_a.director)
    client.force_login(tenant_a.director)
    response = client.get(ROLLOVER)
    assert response.status_code == 200
    assert response.templates[0].name == "programs/rollover_pick.html"
    text = response.content.decode()
    assert url(tenant_a.program) in text
    assert url(tenant_b.program) in text
    assert client.post(ROLLOVER, row(tenant_a.contract))["Location"] == ROLLOVER
    response = client.get(url(tenant_b.program))
    assert response.context["page"].program == tenant_b.program
    assert "Another program" in response.content.decode()
    client.force_login(site_admin)
    assert client.post(url(tenant_b.program), row(tenant_b.contract)).status_code == 302
    assert set(new_year(tenant_b.program)) == {tenant_b.district.pk}


# --------------------------------------------------------------------------- queries


def _program_with(tenant, n: int) -> None:
    for i in range(n - 1):
        contract = ContractFactory(program=tenant.program, district=DistrictFactory(name=f"District {i:02d}"))
        coach = CoachFactory(program=tenant.program)
        contract.coaches.add(coach, tenant.coach)
        school = SchoolFactory(district=contract.district)
        CycleFactory(coach=coach, school=school, teachers=[TeacherFactory(school=school)], stage=Stage.LEARN)
        if i % 2:
            ContractFactory(program=tenant.program, district=contract.district, school_year=this_year() + 1)


@pytest.mark.parametrize("n", [3, 30])
def test_the_page_takes_the_same_queries_whatever_the_number_of_contracts(client, tenant_a, n,
                                                                          django_assert_max_num_queries):  # fmt: skip
    _program_with(tenant_a, n)
    client.force_login(tenant_a.director)
    with django_assert_max_num_queries(14):
        response = client.get(ROLLOVER)
    assert len(response.context["page"].rows) == n
    assert len(response.context["page"].coaches) == n
    data = {k: v for r, _ in response.context["rows"] for k, v in row(r.contract).items()}
    with django_assert_max_num_queries(20):
        assert client.post(ROLLOVER, data).status_code == 302
    assert len(new_year(tenant_a.program)) == n


def test_rollover_get_reads_in_a_fixed_number_of_queries(tenant_a, django_assert_max_num_queries):
    _program_with(tenant_a, 10)
    with django_assert_max_num_queries(5):
        page = rollover_get(program=tenant_a.program, from_year=this_year(), today=timezone.localdate())
        assert [len(r.kept) for r in page.rows]
        assert sum(c.undecided for c in page.coaches) == 9
    assert not YearEndDecision.objects.exists()
