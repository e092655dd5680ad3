"""Month close through the pages: My months, the lock on the week, the entry list and the entry
form, the director's approvals (approve, return, reopen), the contracts page and its CSV, and who
may do what."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coaching import months, services
from coaching.models import CoachMonth, LogEntry, MonthStatus
from coaching.tests.factories import CoachFactory, ContractFactory, LogEntryFactory, activity, focus_area
from teachers.models import AuditAction, AuditEvent
from teachers.tests.factories import DistrictFactory
from toolkit.schoolyear import school_year_of

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
THIS_MONTH = TODAY.replace(day=1)
LAST_MONTH = (THIS_MONTH - dt.timedelta(days=1)).replace(day=1)
MY_MONTHS = reverse("coaching:my_months")
APPROVALS = reverse("coaching:approvals")
SUBMIT = reverse("coaching:month_submit")
CONTRACTS = reverse("coaching:contracts")


def day(n: int) -> dt.date:
    return LAST_MONTH + dt.timedelta(days=n - 1)


@pytest.fixture
def served(tenant_a):
    tenant_a.contract.school_year = school_year_of(LAST_MONTH)
    tenant_a.contract.save()
    if school_year_of(TODAY) != school_year_of(LAST_MONTH):
        current = ContractFactory(
            program=tenant_a.program, district=tenant_a.district, school_year=school_year_of(TODAY)
        )
        current.coaches.add(tenant_a.coach)
    return tenant_a


def log(tenant, date: dt.date, minutes: int = 60, notes: str = "", coach=None) -> LogEntry:
    return services.entry_log(coach=coach or tenant.coach, date=date, minutes=minutes, district=tenant.district,
                              activity=activity(), focus_area=focus_area(), notes=notes)  # fmt: skip


def form_data(tenant, date: dt.date, minutes: int = 45) -> dict[str, object]:
    return {"date": date.isoformat(), "minutes": str(minutes), "district": tenant.district.pk,
            "school": tenant.school.pk, "activity": activity().pk, "focus_area": focus_area().pk,
            "format": "in_person", "notes": "Typed and kept"}  # fmt: skip


def submitted(tenant) -> CoachMonth:
    return months.month_submit(coach=tenant.coach, month=LAST_MONTH, by=tenant.coach.user)


# --------------------------------------------------------------------------- the coach


def test_my_months_lists_hours_entries_and_status_with_a_submit_button_for_ended_months(client, served):
    log(served, day(2), 90)
    log(served, day(3), 30)
    log(served, TODAY, 45)
    client.force_login(served.coach.user)
    response = client.get(MY_MONTHS, {"year": school_year_of(LAST_MONTH)})
    assert f"Submit {LAST_MONTH:%B}</button>" in response.content.decode()
    last = {m.month: m for m in response.context["months"]}[LAST_MONTH]
    assert (last.entries, last.minutes, last.hours, last.status, last.days) == (2, 120, "2.00", "open", Decimal(1))
    response = client.get(MY_MONTHS)
    assert f"Submit {THIS_MONTH:%B}</button>" not in response.content.decode()
    this = {m.month: m for m in response.context["months"]}[THIS_MONTH]
    assert (this.entries, this.status, this.can_submit) == (1, "open", False)


def test_submitting_a_month_locks_its_entries_on_the_week_and_the_list(client, served):
    entry = log(served, day(2))
    client.force_login(served.coach.user)
    response = client.post(SUBMIT, {"month": f"{LAST_MONTH:%Y-%m}"})
    assert response.status_code == 302
    record = CoachMonth.objects.get(coach=served.coach, month=LAST_MONTH)
    assert record.status == MonthStatus.SUBMITTED
    week = client.get(reverse("coaching:my_week"), {"week": entry.date.isoformat()}).content.decode()
    assert 'data-testid="entry-locked"' in week
    assert 'data-testid="day-locked"' in week
    assert reverse("coaching:entry_edit", args=[entry.pk]) not in week
    assert reverse("coaching:entry_delete", args=[entry.pk]) not in week
    listing = client.get(reverse("coaching:entry_list")).content.decode()
    assert 'data-testid="entry-locked"' in listing
    assert reverse("coaching:entry_edit", args=[entry.pk]) not in listing
    page = client.get(MY_MONTHS).content.decode()
    assert "entries locked" in page
    assert f"Submit {LAST_MONTH:%B}</button>" not in page


def test_submitting_the_current_month_is_refused_with_a_message(client, served):
    log(served, TODAY)
    client.force_login(served.coach.user)
    response = client.post(SUBMIT, {"month": f"{THIS_MONTH:%Y-%m}"}, follow=True)
    assert f"{THIS_MONTH:%B %Y} has not ended yet" in response.content.decode()
    assert not CoachMonth.objects.exists()


@pytest.mark.parametrize("value", ["", "2026-13", "26-01", "2026/01", "abcd-ef"])
def test_an_unreadable_month_is_refused(client, served, value):
    client.force_login(served.coach.user)
    response = client.post(SUBMIT, {"month": value}, follow=True)
    assert "Choose a month to submit." in response.content.decode()
    assert not CoachMonth.objects.exists()


def test_a_post_to_edit_or_delete_a_locked_entry_changes_nothing(client, served):
    entry = log(served, day(2), 60)
    submitted(served)
    client.force_login(served.coach.user)
    page = client.get(reverse("coaching:entry_edit", args=[entry.pk]))
    assert 'data-testid="entry-locked"' in page.content.decode()
    assert 'name="save"' not in page.content.decode()
    response = client.post(reverse("coaching:entry_edit", args=[entry.pk]), form_data(served, day(2), 120))
    assert response.status_code == 200
    assert "is submitted for approval, so its entries are locked" in response.context["form"].errors["date"][0]
    response = client.post(reverse("coaching:entry_delete", args=[entry.pk]), follow=True)
    assert "locked" in response.content.decode()
    entry.refresh_from_db()
    assert (entry.minutes, entry.notes) == (60, "")
    assert LogEntry.objects.filter(pk=entry.pk).exists()


def test_the_log_form_for_a_locked_date_shows_the_error_by_the_date_and_keeps_what_was_typed(client, served):
    log(served, day(2))
    submitted(served)
    client.force_login(served.coach.user)
    response = client.post(reverse("coaching:entry_add"), form_data(served, day(5), 75))
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["date"]
    assert "locked" in form.errors["date"][0]
    body = response.content.decode()
    assert 'value="75"' in body
    assert "Typed and kept" in body
    assert LogEntry.objects.count() == 1


def test_a_returned_month_shows_the_note_and_can_be_edited_and_submitted_again(client, served, program_director):
    entry = log(served, day(2), 60)
    months.month_return(record=submitted(served), by=program_director, note="Add the school to the 2nd.")
    client.force_login(served.coach.user)
    page = client.get(MY_MONTHS).content.decode()
    assert "Add the school to the 2nd." in page
    assert f"Submit {LAST_MONTH:%B}</button>" in page
    response = client.post(reverse("coaching:entry_edit", args=[entry.pk]), form_data(served, day(2), 90))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.minutes == 90
    client.post(SUBMIT, {"month": f"{LAST_MONTH:%Y-%m}"})
    assert CoachMonth.objects.get().status == MonthStatus.SUBMITTED


# --------------------------------------------------------------------------- the director


def test_the_director_approves_a_submitted_month(client, served, program_director):
    log(served, day(2), 300, notes="Private note about Ms. Jones")
    log(served, day(3), 100)
    record = submitted(served)
    client.force_login(program_director)
    page = client.get(APPROVALS)
    body = page.content.decode()
    assert str(served.coach) in body
    assert f"{LAST_MONTH:%B %Y}" in body
    assert served.district.name in body
    [item] = page.context["review"]
    assert (item.minutes, item.entries, item.days) == (400, 2, Decimal("1.5"))
    assert "Private note about Ms. Jones" not in body
    response = client.post(reverse("coaching:month_approve", args=[record.pk]))
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.status, record.decided_by) == (MonthStatus.APPROVED, program_director)
    event = AuditEvent.objects.filter(action=AuditAction.MONTH_CLOSE).latest("pk")
    assert (event.actor, event.program_id, event.detail.endswith(": approved")) == (program_director,
                                                                                   served.program.pk, True)  # fmt: skip
    decided = client.get(APPROVALS, {"show": "decided", "year": school_year_of(LAST_MONTH)}).content.decode()
    assert reverse("coaching:month_reopen", args=[record.pk]) in decided
    assert "Private note about Ms. Jones" not in decided


def test_returning_needs_a_note_and_keeps_the_month_submitted_until_one_is_written(client, served, program_director):
    log(served, day(2))
    record = submitted(served)
    client.force_login(program_director)
    url = reverse("coaching:month_return", args=[record.pk])
    response = client.post(url, {"note": "  "})
    assert response.status_code == 200
    assert "Write a note for the coach" in response.content.decode()
    record.refresh_from_db()
    assert record.status == MonthStatus.SUBMITTED
    response = client.post(url, {"note": "Split the 2nd by school."})
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.status, record.note) == (MonthStatus.RETURNED, "Split the 2nd by school.")


def test_reopening_needs_a_reason_and_gives_the_month_back(client, served, program_director):
    entry = log(served, day(2))
    record = submitted(served)
    months.month_approve(record=record, by=program_director)
    client.force_login(program_director)
    url = reverse("coaching:month_reopen", args=[record.pk])
    assert "Reason for reopening" in client.get(url).content.decode()
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "Write why the month is reopened." in response.content.decode()
    record.refresh_from_db()
    assert record.status == MonthStatus.APPROVED
    client.post(url, {"reason": "The district found a duplicate."})
    record.refresh_from_db()
    assert (record.status, record.reopen_reason, record.reopened_by) == (
        MonthStatus.RETURNED, "The district found a duplicate.", program_director)  # fmt: skip
    services.entry_delete(entry=entry)  # editable again
    details = list(
        AuditEvent.objects.filter(action=AuditAction.MONTH_CLOSE).order_by("pk").values_list("detail", flat=True)
    )
    assert [d.rsplit(": ", 1)[1] for d in details] == ["submitted (1 entry)", "approved", "reopened"]


def test_another_programs_director_gets_404_and_changes_nothing(client, served, other_program_director):
    log(served, day(2))
    record = submitted(served)
    client.force_login(other_program_director)
    assert client.post(reverse("coaching:month_approve", args=[record.pk])).status_code == 404
    assert client.get(reverse("coaching:month_return", args=[record.pk])).status_code == 404
    assert client.post(reverse("coaching:month_return", args=[record.pk]), {"note": "x"}).status_code == 404
    assert client.post(reverse("coaching:month_reopen", args=[record.pk]), {"reason": "x"}).status_code == 404
    assert str(served.coach) not in client.get(APPROVALS).content.decode()
    record.refresh_from_db()
    assert record.status == MonthStatus.SUBMITTED
    assert AuditEvent.objects.filter(action=AuditAction.MONTH_CLOSE).count() == 1


@pytest.mark.parametrize("who", ["coach", "district_admin", "teacher"])
def test_coaches_district_administrators_and_teachers_cannot_decide(client, served, who):
    log(served, day(2))
    record = submitted(served)
    user = {"coach": served.coach.user, "district_admin": served.district_admin, "teacher": served.teacher.user}[who]
    client.force_login(user)
    assert client.get(APPROVALS).status_code == 403
    assert client.post(reverse("coaching:month_approve", args=[record.pk])).status_code == 403
    assert client.post(reverse("coaching:month_return", args=[record.pk]), {"note": "x"}).status_code == 403
    record.refresh_from_db()
    assert record.status == MonthStatus.SUBMITTED


def test_the_site_administrator_may_approve(client, served, site_admin):
    log(served, day(2))
    record = submitted(served)
    client.force_login(site_admin)
    client.post(reverse("coaching:month_approve", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == MonthStatus.APPROVED


def test_a_coach_sees_only_their_own_months(client, served, tenant_b):
    log(served, day(2))
    submitted(served)
    client.force_login(tenant_b.coach.user)
    assert client.get(MY_MONTHS).context["months"] == []


# --------------------------------------------------------------------------- contracts


def test_contracts_page_shows_days_approved_amounts_to_directors_and_months_to_everyone(
    client, served, program_director
):
    second = CoachFactory(program=served.program)
    served.contract.coaches.add(second)
    log(served, day(2), 300)
    log(served, day(3), 100)
    log(served, day(2), 300, coach=second)
    months.month_approve(record=submitted(served), by=program_director)
    months.month_submit(coach=second, month=LAST_MONTH, by=second.user)
    year = school_year_of(LAST_MONTH)

    client.force_login(program_director)
    body = client.get(CONTRACTS, {"year": year}).content.decode()
    assert 'data-testid="days-approved">1.5<' in body
    assert "$637.50" in body  # 1.5 × 425.00
    assert "1 of 2 coaches approved" in body

    client.force_login(served.district_admin)
    body = client.get(CONTRACTS, {"year": year}).content.decode()
    assert 'data-testid="days-approved">1.5<' in body
    assert "1 of 2 coaches approved" in body
    assert "Billable" not in body
    assert "$637.50" not in body

    client.force_login(served.coach.user)
    body = client.get(CONTRACTS, {"year": year}).content.decode()
    assert 'data-testid="days-approved">1.5<' in body
    assert "$" not in body.split("<main", 1)[-1]


def test_contracts_csv_has_the_same_figures(client, served, program_director):
    log(served, day(2), 300)
    months.month_approve(record=submitted(served), by=program_director)
    year = school_year_of(LAST_MONTH)
    client.force_login(program_director)
    response = client.get(reverse("coaching:contracts_export"), {"year": year})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    [row] = rows
    assert (row["days_used"], row["days_approved"], row["amount_approved"]) == ("1.0", "1.0", "425.00")
    assert row["months"] == f"{LAST_MONTH:%b %Y} approved"
    client.force_login(served.district_admin)
    response = client.get(reverse("coaching:contracts_export"), {"year": year})
    [row] = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert "amount_approved" not in row
    assert "daily_rate" not in row
    assert row["days_approved"] == "1.0"
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, object_type="contracts").count() == 2


# --------------------------------------------------------------------------- query counts


def _fill_contracts(tenant, count: int) -> None:
    year = school_year_of(LAST_MONTH)
    for i in range(count):
        district = DistrictFactory(name=f"District {count}-{i}")
        contract = ContractFactory(program=tenant.program, district=district, school_year=year)
        contract.coaches.add(tenant.coach)
        for n in (1, 2, 3):
            LogEntryFactory(coach=tenant.coach, district=district, date=day(n), minutes=200)
        LogEntryFactory(coach=tenant.coach, district=district, date=LAST_MONTH - dt.timedelta(days=40), minutes=300)


def _queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


def test_contracts_page_query_count_does_not_grow_with_contracts_and_months(client, served, program_director,
                                                                            django_assert_max_num_queries):  # fmt: skip
    CoachMonth.objects.create(coach=served.coach, month=LAST_MONTH, status=MonthStatus.APPROVED,
                              submitted_at=timezone.now())  # fmt: skip
    client.force_login(program_director)
    params = {"year": school_year_of(LAST_MONTH)}
    _fill_contracts(served, 3)
    small = _queries(client, CONTRACTS, params)
    _fill_contracts(served, 27)
    with django_assert_max_num_queries(small):
        response = client.get(CONTRACTS, params)
    assert len(response.context["usage"]) == 31
    print(f"contracts page: {small} queries with 4 contracts and with 31")


def test_approvals_page_query_count_does_not_grow_with_months(client, served, program_director,
                                                             django_assert_max_num_queries):  # fmt: skip
    def fill(count: int) -> None:
        for _ in range(count):
            coach = CoachFactory(program=served.program)
            served.contract.coaches.add(coach)
            for n in (1, 2):
                LogEntryFactory(coach=coach, district=served.district, date=day(n), minutes=150)
            CoachMonth.objects.create(coach=coach, month=LAST_MONTH, status=MonthStatus.SUBMITTED,
                                      submitted_at=timezone.now())  # fmt: skip

    client.force_login(program_director)
    fill(3)
    small = _queries(client, APPROVALS, {})
    fill(27)
    with django_assert_max_num_queries(small):
        response = client.get(APPROVALS)
    assert len(response.context["review"]) == 30
    print(f"approvals page: {small} queries with 3 months and with 30")


def test_my_months_query_count_does_not_grow_with_months_and_entries(client, served, django_assert_max_num_queries):
    client.force_login(served.coach.user)
    for n in range(1, 4):
        LogEntryFactory(coach=served.coach, district=served.district, date=day(n), minutes=60)
    small = _queries(client, MY_MONTHS, {"year": school_year_of(LAST_MONTH)})
    first = dt.date(school_year_of(LAST_MONTH), 7, 1)
    month = first
    while month < LAST_MONTH:
        for n in range(10):
            LogEntryFactory(coach=served.coach, district=served.district, date=month + dt.timedelta(days=n))
        CoachMonth.objects.create(coach=served.coach, month=month, status=MonthStatus.APPROVED,
                                  submitted_at=timezone.now())  # fmt: skip
        month = months.next_month(month)
    with django_assert_max_num_queries(small):
        client.get(MY_MONTHS, {"year": school_year_of(LAST_MONTH)})


def test_the_history_import_lists_each_line_in_a_locked_month_and_imports_nothing(client, served):
    from django.core.files.uploadedfile import SimpleUploadedFile

    log(served, day(1))
    submitted(served)
    header = "date,minutes,district,school,activity,focus_area,teacher_emails,notes"
    lines = [f"{d.isoformat()},60,{served.district.name},,Coaching Cycles,Technology integration,," for d in
             (day(4), TODAY, day(6))]  # fmt: skip
    data = ("\r\n".join([header, *lines]) + "\r\n").encode()
    client.force_login(served.coach.user)
    client.post(
        reverse("coaching:history_import"), {"file": SimpleUploadedFile("h.csv", data, content_type="text/csv")}
    )
    preview = reverse("coaching:history_preview")
    body = client.get(preview).content.decode()
    assert f"Line 2: {LAST_MONTH:%B %Y} is submitted, so its entries are locked" in body
    assert f"Line 4: {LAST_MONTH:%B %Y} is submitted" in body
    assert "Line 3:" not in body
    client.post(preview, {})
    assert LogEntry.objects.count() == 1


def test_the_django_admin_shows_months_read_only(client, served, site_admin):
    log(served, day(1))
    record = submitted(served)
    client.force_login(site_admin)
    assert client.get(reverse("admin:coaching_coachmonth_changelist")).status_code == 200
    assert client.get(reverse("admin:coaching_coachmonth_add")).status_code == 403
    client.post(reverse("admin:coaching_coachmonth_change", args=[record.pk]), {"status": "approved"})
    record.refresh_from_db()
    assert record.status == MonthStatus.SUBMITTED
