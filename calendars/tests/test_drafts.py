"""Drafts: confirmed in one step through the time log's rules, edited then confirmed, discarded;
private to their coach."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from calendars import services
from calendars.models import CalendarDraft
from coaching.models import CoachMonth, LogEntry, MonthStatus
from coaching.tests.factories import activity, focus_area

pytestmark = pytest.mark.django_db
DRAFTS = reverse("calendars:drafts")


def make_draft(tenant, **values) -> CalendarDraft:
    day = values.pop("date", timezone.localdate())
    defaults = {
        "coach": tenant.coach, "uid": f"uid-{CalendarDraft.objects.count()}", "starts_at": timezone.now(),
        "date": day, "start_time": dt.time(9, 0), "end_time": dt.time(9, 45), "minutes": 45,
        "title": "Observation with Ms. Rivera", "district": tenant.district, "school": tenant.school,
        "activity": activity("Observation or Feedback"), "focus_area": focus_area("Math"),
    }  # fmt: skip
    teachers = values.pop("teachers", [tenant.teacher])
    draft = CalendarDraft.objects.create(**{**defaults, **values})
    draft.teachers.set(teachers)
    return draft


def test_confirm_logs_a_complete_draft_in_one_click(client, tenant_a):
    draft = make_draft(tenant_a)
    client.force_login(tenant_a.coach.user)
    response = client.post(reverse("calendars:draft_confirm", args=[draft.pk]))
    assert response.status_code == 302
    assert response["Location"] == DRAFTS
    entry = LogEntry.objects.get(coach=tenant_a.coach)
    assert (entry.date, entry.minutes, entry.start_time, entry.end_time) == (draft.date, 45, dt.time(9), dt.time(9, 45))
    assert (entry.district, entry.school, entry.activity.name, entry.focus_area.name) == (
        tenant_a.district, tenant_a.school, "Observation or Feedback", "Math",
    )  # fmt: skip
    assert list(entry.teachers.all()) == [tenant_a.teacher]
    assert entry.notes == "Observation with Ms. Rivera"
    draft.refresh_from_db()
    assert draft.entry == entry
    assert draft.confirmed_at is not None
    page = client.get(DRAFTS).content.decode()
    assert "Observation with Ms. Rivera" not in page  # it left the list
    # A second confirm finds nothing to confirm, and logs nothing more.
    assert client.post(reverse("calendars:draft_confirm", args=[draft.pk])).status_code == 404
    with pytest.raises(ValidationError, match="already confirmed"):
        services.draft_confirm(draft=draft)
    assert LogEntry.objects.filter(coach=tenant_a.coach).count() == 1


def test_an_incomplete_draft_says_what_is_missing_and_is_not_logged(client, tenant_a):
    draft = make_draft(tenant_a, district=None, school=None, activity=None, teachers=[])
    client.force_login(tenant_a.coach.user)
    page = client.get(DRAFTS).content.decode()
    assert "Still needed: district, activity." in page
    assert reverse("calendars:draft_confirm", args=[draft.pk]) not in page  # no one-click button
    response = client.post(reverse("calendars:draft_confirm", args=[draft.pk]))
    assert response.status_code == 200
    assert "Choose the district, activity first" in response.content.decode()
    assert not LogEntry.objects.exists()


def test_a_locked_month_is_refused_with_the_message_on_that_draft(client, tenant_a):
    today = timezone.localdate()
    month = today.replace(day=1)
    draft = make_draft(tenant_a, date=today)
    other = make_draft(tenant_a, date=today, title="Another event")
    CoachMonth.objects.create(coach=tenant_a.coach, month=month, status=MonthStatus.SUBMITTED,
                              submitted_at=timezone.now())  # fmt: skip
    client.force_login(tenant_a.coach.user)
    response = client.post(reverse("calendars:draft_confirm", args=[draft.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    card = body[body.index(f'id="draft-{draft.pk}"') : body.index(f'id="draft-{other.pk}"')]
    assert "submitted" in card.lower()
    assert "alert-danger" in card
    assert "alert-danger" not in body[body.index(f'id="draft-{other.pk}"') :]
    assert not LogEntry.objects.exists()
    draft.refresh_from_db()
    assert draft.entry is None
    assert draft.confirmed_at is None


def test_a_district_without_a_contract_is_refused(client, tenant_a, tenant_b):
    draft = make_draft(tenant_a, district=tenant_b.district, school=None, teachers=[])
    client.force_login(tenant_a.coach.user)
    response = client.post(reverse("calendars:draft_confirm", args=[draft.pk]))
    assert response.status_code == 200
    assert "is not on one of your contracts" in response.content.decode()
    assert not LogEntry.objects.exists()


def test_edit_and_confirm_opens_the_log_form_filled_in_and_keeps_what_was_typed(client, tenant_a):
    draft = make_draft(tenant_a, activity=None, focus_area=None)
    client.force_login(tenant_a.coach.user)
    url = reverse("calendars:draft_edit", args=[draft.pk])
    page = client.get(url).content.decode()
    assert 'value="45"' in page
    assert 'name="start_time" value="09:00' in page
    assert "Observation with Ms. Rivera" in page
    data = {
        "date": draft.date.isoformat(), "minutes": "", "start_time": "09:00", "end_time": "09:45",
        "district": tenant_a.district.pk, "school": tenant_a.school.pk, "teachers": [tenant_a.teacher.pk],
        "activity": activity("Co-Planning").pk, "focus_area": "", "format": "in_person", "notes": "typed note",
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Choose what this coaching time was about." in response.content.decode()
    assert "typed note" in response.content.decode()
    response = client.post(url, {**data, "focus_area": focus_area("Literacy").pk})
    assert response.status_code == 302
    entry = LogEntry.objects.get(coach=tenant_a.coach)
    assert (entry.activity.name, entry.focus_area.name, entry.notes, entry.minutes) == (
        "Co-Planning", "Literacy", "typed note", 45,
    )  # fmt: skip
    draft.refresh_from_db()
    assert draft.entry == entry


def test_discard_takes_a_draft_off_the_list_for_good(client, tenant_a):
    draft = make_draft(tenant_a)
    client.force_login(tenant_a.coach.user)
    assert client.post(reverse("calendars:draft_discard", args=[draft.pk])).status_code == 302
    draft.refresh_from_db()
    assert draft.discarded_at is not None
    assert draft.entry is None
    assert f'id="draft-{draft.pk}"' not in client.get(DRAFTS).content.decode()
    assert client.post(reverse("calendars:draft_confirm", args=[draft.pk])).status_code == 404


def test_another_coach_reaching_a_draft_by_its_id_gets_404_and_changes_nothing(client, tenant_a, tenant_b):
    draft = make_draft(tenant_a)
    client.force_login(tenant_b.coach.user)
    assert "Observation with Ms. Rivera" not in client.get(DRAFTS).content.decode()
    for name in ("draft_confirm", "draft_discard", "draft_edit"):
        assert client.post(reverse(f"calendars:{name}", args=[draft.pk])).status_code == 404
    assert client.get(reverse("calendars:draft_edit", args=[draft.pk])).status_code == 404
    draft.refresh_from_db()
    assert draft.is_pending
    assert not LogEntry.objects.exists()


def test_a_draft_knows_one_entry_only(tenant_a):
    """The database refuses two drafts pointing at one entry."""
    from django.db import IntegrityError, transaction

    first = make_draft(tenant_a)
    entry = services.draft_confirm(draft=first)
    second = make_draft(tenant_a)
    second.entry = entry
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()


@pytest.mark.parametrize("rows", [3, 30])
def test_the_drafts_page_costs_the_same_queries_for_3_or_30_drafts(
    client, tenant_a, rows, django_assert_max_num_queries
):
    for i in range(rows):
        make_draft(tenant_a, title=f"Event {i}", unmatched_emails=[f"x{i}@example.org"])
    client.force_login(tenant_a.coach.user)
    client.get(DRAFTS)
    with django_assert_max_num_queries(8):
        response = client.get(DRAFTS)
    assert response.content.decode().count('data-testid="draft"') == rows
