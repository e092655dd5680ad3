"""Month close, at the service layer: submitting locks a month's entries, the director approves,
returns (with a note) or reopens (with a reason), every step is audited, history import refuses
locked months, and contract days approved count only approved coach-months."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from coaching import months, services
from coaching.history import history_check
from coaching.models import CoachMonth, Contract, LogEntry, MonthStatus
from coaching.selectors import contract_usage_list
from coaching.tests.factories import CoachFactory, ContractFactory, LogEntryFactory, activity, focus_area
from teachers.models import AuditAction, AuditEvent
from teachers.tests.factories import DistrictFactory
from toolkit.schoolyear import school_year_of

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
THIS_MONTH = TODAY.replace(day=1)
LAST_MONTH = (THIS_MONTH - dt.timedelta(days=1)).replace(day=1)


def day(n: int) -> dt.date:
    """The n-th day of last month."""
    return LAST_MONTH + dt.timedelta(days=n - 1)


@pytest.fixture
def served(tenant_a):
    """Tenant A's contract covers last month's school year (and this one's, when they differ)."""
    tenant_a.contract.school_year = school_year_of(LAST_MONTH)
    tenant_a.contract.save()
    if school_year_of(TODAY) != school_year_of(LAST_MONTH):
        current = ContractFactory(
            program=tenant_a.program, district=tenant_a.district, school_year=school_year_of(TODAY)
        )
        current.coaches.add(tenant_a.coach)
    return tenant_a


def log(tenant, date: dt.date, minutes: int = 60, coach=None) -> LogEntry:
    return services.entry_log(coach=coach or tenant.coach, date=date, minutes=minutes, district=tenant.district,
                              activity=activity(), focus_area=focus_area())  # fmt: skip


def values(tenant, date: dt.date, minutes: int = 90) -> dict[str, object]:
    return {"date": date, "minutes": minutes, "district": tenant.district, "activity": activity(),
            "focus_area": focus_area()}  # fmt: skip


def test_a_submitted_month_refuses_logging_editing_and_deleting(served):
    entry = log(served, day(3), 60)
    months.month_submit(coach=served.coach, month=LAST_MONTH, by=served.coach.user)
    with pytest.raises(ValidationError) as raised:
        services.entry_update(entry=entry, **values(served, day(3), 90))  # type: ignore[arg-type]
    assert "is submitted for approval, so its entries are locked" in raised.value.message_dict["date"][0]
    with pytest.raises(ValidationError) as raised:
        services.entry_delete(entry=entry)
    assert "locked" in raised.value.message_dict["date"][0]
    with pytest.raises(ValidationError) as raised:
        log(served, day(4))
    assert "locked" in raised.value.message_dict["date"][0]
    entry.refresh_from_db()
    assert entry.minutes == 60
    assert LogEntry.objects.filter(coach=served.coach).count() == 1


def test_an_entry_of_an_open_month_cannot_move_into_a_locked_one(served):
    log(served, day(3))
    months.month_submit(coach=served.coach, month=LAST_MONTH, by=served.coach.user)
    current = log(served, TODAY, 45)
    with pytest.raises(ValidationError) as raised:
        services.entry_update(entry=current, **values(served, day(5), 45))  # type: ignore[arg-type]
    assert "locked" in raised.value.message_dict["date"][0]
    current.refresh_from_db()
    assert current.date == TODAY


def test_an_approved_month_stays_locked(served, program_director):
    entry = log(served, day(2))
    record = months.month_submit(coach=served.coach, month=LAST_MONTH, by=served.coach.user)
    months.month_approve(record=record, by=program_director)
    with pytest.raises(ValidationError) as raised:
        services.entry_delete(entry=entry)
    assert "is approved, so its entries are locked; your program director can reopen it" in str(raised.value)
    assert LogEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize("month", [THIS_MONTH, (THIS_MONTH + dt.timedelta(days=40)).replace(day=1)])
def test_the_current_or_a_future_month_cannot_be_submitted(served, month):
    log(served, TODAY)
    with pytest.raises(ValidationError) as raised:
        months.month_submit(coach=served.coach, month=month, by=served.coach.user)
    assert f"you can submit it from {months.next_month(month):%B} 1" in raised.value.messages[0]
    assert not CoachMonth.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.MONTH_CLOSE).exists()


def test_a_month_with_nothing_logged_cannot_be_submitted(served):
    with pytest.raises(ValidationError, match="there is nothing to submit"):
        months.month_submit(coach=served.coach, month=LAST_MONTH, by=served.coach.user)
    assert not CoachMonth.objects.exists()


def test_a_month_cannot_be_submitted_twice(served):
    log(served, day(1))
    months.month_submit(coach=served.coach, month=LAST_MONTH, by=served.coach.user)
    with pytest.raises(ValidationError, match="is already submitted"):
        months.month_submit(coach=served.coach, month=LAST_MONTH, by=served.coach.user)
    assert CoachMonth.objects.count() == 1


def test_a_returned_month_is_editable_and_submitted_again_with_every_step_audited(served, program_director):
    entry = log(served, day(3), 60)
    record = months.month_submit(coach=served.coach, month=LAST_MONTH, by=served.coach.user)
    months.month_return(record=record, by=program_director, note="  The 3rd needs a school.  ")
    record.refresh_from_db()
    assert (record.status, record.note, record.decided_by) == (MonthStatus.RETURNED, "The 3rd needs a school.",
                                                               program_director)  # fmt: skip
    services.entry_update(entry=entry, **values(served, day(3), 75))  # type: ignore[arg-type]
    entry.refresh_from_db()
    assert entry.minutes == 75
    months.month_submit(coach=served.coach, month=LAST_MONTH, by=served.coach.user)
    record.refresh_from_db()
    assert record.status == MonthStatus.SUBMITTED
    assert record.decided_by is None
    events = list(AuditEvent.objects.filter(action=AuditAction.MONTH_CLOSE).order_by("pk"))
    assert [e.detail.rsplit(": ", 1)[1] for e in events] == ["submitted (1 entry)", "returned with a note",
                                                            "submitted again (1 entry)"]  # fmt: skip
    assert {e.program_id for e in events} == {served.program.pk}
    assert {e.object_ref for e in events} == {str(record.pk)}
    assert [e.actor for e in events] == [served.coach.user, program_director, served.coach.user]
    assert "The 3rd needs a school" not in " ".join(e.detail for e in events)  # the note is not quoted


def test_return_needs_a_note_and_reopen_a_reason(served, program_director):
    log(served, day(1))
    record = months.month_submit(coach=served.coach, month=LAST_MONTH, by=served.coach.user)
    with pytest.raises(ValidationError) as raised:
        months.month_return(record=record, by=program_director, note="   ")
    assert "note" in raised.value.message_dict
    months.month_approve(record=record, by=program_director)
    with pytest.raises(ValidationError) as raised:
        months.month_reopen(record=record, by=program_director, reason="")
    assert "reason" in raised.value.message_dict
    record.refresh_from_db()
    assert record.status == MonthStatus.APPROVED


def test_only_a_submitted_month_is_approved_or_returned_and_only_an_approved_one_reopened(served, program_director):
    log(served, day(1))
    record = months.month_submit(coach=served.coach, month=LAST_MONTH, by=served.coach.user)
    with pytest.raises(ValidationError, match="only a approved month can be reopened"):
        months.month_reopen(record=record, by=program_director, reason="Why not")
    months.month_approve(record=record, by=program_director)
    with pytest.raises(ValidationError, match="only a submitted month can be approved"):
        months.month_approve(record=record, by=program_director)
    with pytest.raises(ValidationError, match="only a submitted month can be returned"):
        months.month_return(record=record, by=program_director, note="Late")
    assert AuditEvent.objects.filter(action=AuditAction.MONTH_CLOSE).count() == 2  # submitted, approved


def test_reopen_gives_an_approved_month_back_to_its_coach(served, program_director):
    entry = log(served, day(2), 30)
    record = months.month_submit(coach=served.coach, month=LAST_MONTH, by=served.coach.user)
    months.month_approve(record=record, by=program_director)
    months.month_reopen(record=record, by=program_director, reason="The district asked for a correction.")
    record.refresh_from_db()
    assert record.status == MonthStatus.RETURNED
    assert record.note == record.reopen_reason == "The district asked for a correction."
    assert record.reopened_by == program_director
    assert record.reopened_at is not None
    services.entry_delete(entry=entry)
    assert not LogEntry.objects.filter(pk=entry.pk).exists()
    last = AuditEvent.objects.filter(action=AuditAction.MONTH_CLOSE).latest("pk")
    assert last.detail.endswith(": reopened")
    assert last.actor == program_director
    assert last.program_id == served.program.pk


# --------------------------------------------------------------------------- history import


def history_row(tenant, date: dt.date, minutes: int = 60) -> dict[str, str]:
    return {"date": date.isoformat(), "minutes": str(minutes), "district": tenant.district.name, "school": "",
            "activity": "Coaching Cycles", "focus_area": "Technology integration", "teacher_emails": "",
            "notes": ""}  # fmt: skip


def test_history_import_refuses_lines_in_a_submitted_or_approved_month(served, program_director):
    log(served, day(1))
    record = months.month_submit(coach=served.coach, month=LAST_MONTH, by=served.coach.user)
    rows = [(2, history_row(served, day(5))), (3, history_row(served, TODAY)), (4, history_row(served, day(9)))]
    check = history_check(rows=rows, coaches=[served.coach], program_wide=False)
    assert [e.line for e in check.errors] == [2, 4]
    assert f"{LAST_MONTH:%B %Y} is submitted, so its entries are locked" in str(check.errors[0])
    assert [p.line for p in check.planned] == [3]
    months.month_approve(record=record, by=program_director)
    check = history_check(rows=rows, coaches=[served.coach], program_wide=False)
    assert "is approved" in str(check.errors[0])
    assert [e.line for e in check.errors] == [2, 4]
    months.month_reopen(record=record, by=program_director, reason="Import the rest")
    check = history_check(rows=rows, coaches=[served.coach], program_wide=False)
    assert check.errors == []
    assert len(check.planned) == 3


# --------------------------------------------------------------------------- contract days approved


def approvals_of(contract: Contract):
    [usage] = months.contract_approvals_add(
        usage=contract_usage_list(contracts=Contract.objects.filter(pk=contract.pk), as_of=TODAY), as_of=TODAY
    )
    return usage


def test_days_approved_count_half_days_and_only_the_coach_months_approved(served, program_director):
    second = CoachFactory(program=served.program)
    served.contract.coaches.add(second)
    # Casey: 300 min (a day), 200 min (half), 120 + 130 on one date (a day) = 2.5 days
    for date, minutes in ((day(1), 300), (day(2), 200), (day(3), 120), (day(3), 130)):
        log(served, date, minutes)
    # The second coach: 239 min (half), 480 min (a day) = 1.5 days
    for date, minutes in ((day(1), 239), (day(2), 480)):
        log(served, date, minutes, coach=second)
    first_record = months.month_submit(coach=served.coach, month=LAST_MONTH, by=served.coach.user)
    second_record = months.month_submit(coach=second, month=LAST_MONTH, by=second.user)
    months.month_approve(record=first_record, by=program_director)

    usage = approvals_of(served.contract)
    assert usage.days_used == Decimal("4")
    assert usage.days_approved == Decimal("2.5")
    assert usage.amount_approved == Decimal("1062.50")  # 2.5 × 425.00
    [state] = [m for m in usage.approval_months if m.month == LAST_MONTH]
    assert (state.coaches, state.approved, state.state, state.text) == (2, 1, "partly", "1 of 2 coaches approved")

    months.month_approve(record=second_record, by=program_director)
    usage = approvals_of(served.contract)
    assert usage.days_approved == usage.days_used == Decimal("4")
    assert usage.amount_approved == Decimal("1700.00")
    [state] = [m for m in usage.approval_months if m.month == LAST_MONTH]
    assert (state.state, state.text) == ("approved", "approved")


def test_a_contract_in_a_past_school_year_counts_its_approved_months(served, program_director):
    past_year = school_year_of(TODAY) - 2
    old = ContractFactory(program=served.program, district=served.district, school_year=past_year,
                          daily_rate=Decimal("400.00"))  # fmt: skip
    for date, minutes in ((dt.date(past_year, 10, 6), 300), (dt.date(past_year, 10, 7), 100),
                          (dt.date(past_year + 1, 3, 2), 300)):  # fmt: skip
        LogEntryFactory(coach=served.coach, district=served.district, date=date, minutes=minutes)
    october = months.month_submit(coach=served.coach, month=dt.date(past_year, 10, 1), by=served.coach.user)
    months.month_approve(record=october, by=program_director)
    usage = approvals_of(old)
    assert usage.days_used == Decimal("2.5")
    assert usage.days_approved == Decimal("1.5")
    assert usage.amount_approved == Decimal("600.00")
    assert [(m.month, m.text) for m in usage.approval_months] == [
        (dt.date(past_year, 10, 1), "approved"),
        (dt.date(past_year + 1, 3, 1), "open"),
    ]


def test_another_programs_time_in_the_district_is_not_counted(served, tenant_b, program_director):
    # tenant B's coach serves tenant A's district for program B: their approved month is B's, not A's contract's.
    contract_b = ContractFactory(program=tenant_b.program, district=served.district,
                                 school_year=school_year_of(LAST_MONTH))  # fmt: skip
    contract_b.coaches.add(tenant_b.coach)
    log(served, day(1), 300, coach=tenant_b.coach)
    record = months.month_submit(coach=tenant_b.coach, month=LAST_MONTH, by=tenant_b.coach.user)
    months.month_approve(record=record, by=tenant_b.director)
    usage = approvals_of(served.contract)
    assert usage.days_approved == Decimal(0)
    assert usage.approval_months == []
    assert approvals_of(contract_b).days_approved == Decimal(1)


@pytest.mark.parametrize("contracts", [3, 30])
def test_days_approved_take_two_queries_whatever_the_number_of_contracts(served, django_assert_num_queries,
                                                                         contracts):  # fmt: skip
    year = school_year_of(LAST_MONTH)
    for i in range(contracts):
        district = DistrictFactory(name=f"District {i}")
        contract = ContractFactory(program=served.program, district=district, school_year=year)
        contract.coaches.add(served.coach)
        for n in range(1, 4):
            LogEntryFactory(coach=served.coach, district=district, date=day(n), minutes=200 + i)
    CoachMonth.objects.create(coach=served.coach, month=LAST_MONTH, status=MonthStatus.APPROVED,
                              submitted_at=timezone.now())  # fmt: skip
    usage = contract_usage_list(contracts=Contract.objects.filter(program=served.program), as_of=TODAY)
    with django_assert_num_queries(2):
        months.contract_approvals_add(usage=usage, as_of=TODAY)
    assert sum((u.days_approved or Decimal(0) for u in usage), Decimal(0)) == sum(
        (u.days_used for u in usage), Decimal(0)
    )


# --------------------------------------------------------------------------- the demo


def test_the_demo_has_months_approved_waiting_and_returned_and_the_current_month_open():
    import io

    from django.core.management import call_command

    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())  # twice: nothing more
    rows = list(CoachMonth.objects.select_related("coach__user"))
    statuses = [r.status for r in rows]
    assert statuses.count(MonthStatus.SUBMITTED) >= 1
    assert statuses.count(MonthStatus.RETURNED) == 1
    [returned] = [r for r in rows if r.status == MonthStatus.RETURNED]
    assert returned.note
    assert returned.coach.user.username == "coach2"
    assert all(r.month < THIS_MONTH for r in rows)
    # Every entry in a locked month was there before it closed; the demo's later writes are in open months.
    for record in rows:
        if record.locked:
            assert LogEntry.objects.filter(coach=record.coach, date__gte=record.month,
                                           date__lte=months.month_end(record.month)).exists()  # fmt: skip
