"""Logging, editing, duplicating and deleting entries through the pages a coach uses."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from coaching.models import LogEntry
from coaching.tests.factories import LogEntryFactory, activity, focus_area
from teachers.tests.factories import TeacherFactory

pytestmark = pytest.mark.django_db


def form_data(tenant, **overrides):
    data = {
        "date": timezone.localdate().isoformat(),
        "minutes": "45",
        "district": tenant.district.pk,
        "school": tenant.school.pk,
        "teachers": [tenant.teacher.pk],
        "activity": activity().pk,
        "focus_area": focus_area().pk,
        "format": "in_person",
        "notes": "Modeled think-alouds",
    }
    data.update(overrides)
    return data


def test_coach_logs_time_and_lands_on_that_week(client, tenant_a):
    client.force_login(tenant_a.coach.user)
    response = client.post(reverse("coaching:entry_add"), form_data(tenant_a))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("coaching:my_week") + "?week=")
    entry = LogEntry.objects.get()
    assert (entry.minutes, entry.coach, entry.school) == (45, tenant_a.coach, tenant_a.school)
    assert list(entry.teachers.all()) == [tenant_a.teacher]


def test_start_and_end_time_give_the_minutes(client, tenant_a):
    client.force_login(tenant_a.coach.user)
    client.post(reverse("coaching:entry_add"), form_data(tenant_a, minutes="", start_time="08:15", end_time="09:45"))
    entry = LogEntry.objects.get()
    assert entry.minutes == 90
    assert entry.start_time == dt.time(8, 15)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"minutes": "900"}, "minutes", "Enter between 1 and 720 minutes (12 hours)"),
        ({"minutes": "0"}, "minutes", "Enter between 1 and 720 minutes."),
        ({"minutes": ""}, "minutes", "Enter how many minutes, or a start and end time."),
        ({"minutes": "", "start_time": "10:00", "end_time": "09:00"}, "end_time", "must be after the start"),
        ({"minutes": "30", "start_time": "10:00", "end_time": "11:00"}, "minutes", "does not match"),
        ({"date": "2999-01-01"}, "date", "cannot be in the future"),
        ({"date": "31/02/2026"}, "date", "Enter a valid date."),
        ({"focus_area": ""}, "focus_area", "Choose what this coaching time was about."),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_the_rest_is_kept(client, tenant_a, overrides, field, message):
    client.force_login(tenant_a.coach.user)
    response = client.post(reverse("coaching:entry_add"), form_data(tenant_a, **overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    html = response.content.decode()
    assert message.split("(")[0].strip() in html
    assert "Modeled think-alouds" in html  # what was typed is still there
    assert f'value="{tenant_a.teacher.pk}" class="form-check-input" id="id_teachers_0" checked' in html
    assert LogEntry.objects.count() == 0


def test_a_teacher_of_another_district_is_not_a_valid_choice(client, tenant_a, tenant_b):
    client.force_login(tenant_a.coach.user)
    response = client.post(reverse("coaching:entry_add"), form_data(tenant_a, teachers=[tenant_b.teacher.pk]))
    assert response.status_code == 200
    assert "teachers" in response.context["form"].errors
    assert LogEntry.objects.count() == 0


def test_another_tenants_district_is_not_a_valid_choice(client, tenant_a, tenant_b):
    client.force_login(tenant_a.coach.user)
    response = client.post(reverse("coaching:entry_add"), form_data(tenant_a, district=tenant_b.district.pk))
    assert "district" in response.context["form"].errors
    assert LogEntry.objects.count() == 0


def test_day_over_16_hours_shows_the_message_on_minutes(client, tenant_a):
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, minutes=720)
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, minutes=230)
    client.force_login(tenant_a.coach.user)
    response = client.post(reverse("coaching:entry_add"), form_data(tenant_a, minutes="60"))
    assert "a day cannot exceed 16 hours" in response.context["form"].errors["minutes"][0]


def test_duplicate_prefills_everything_but_date_and_notes(client, tenant_a):
    source = LogEntryFactory(
        coach=tenant_a.coach, district=tenant_a.district, school=tenant_a.school, minutes=75, notes="secret",
        date=timezone.localdate() - dt.timedelta(days=1), activity=activity("Co-Planning"),
    )  # fmt: skip
    source.teachers.add(tenant_a.teacher)
    client.force_login(tenant_a.coach.user)
    response = client.get(reverse("coaching:entry_add") + f"?copy={source.pk}")
    initial = response.context["form"].initial
    assert initial["date"] == timezone.localdate()
    assert initial["minutes"] == 75
    assert initial["activity"] == activity("Co-Planning").pk
    assert initial["teachers"] == [tenant_a.teacher.pk]
    assert initial["notes"] == ""


def test_duplicating_someone_elses_entry_is_404(client, tenant_a, tenant_b):
    theirs = LogEntryFactory(coach=tenant_b.coach, district=tenant_b.district)
    client.force_login(tenant_a.coach.user)
    assert client.get(reverse("coaching:entry_add") + f"?copy={theirs.pk}").status_code == 404


def test_edit_changes_the_entry(client, tenant_a):
    entry = LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, minutes=30)
    client.force_login(tenant_a.coach.user)
    response = client.post(reverse("coaching:entry_edit", args=[entry.pk]), form_data(tenant_a, minutes="50"))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.minutes == 50
    assert entry.notes == "Modeled think-alouds"


def test_delete_asks_then_removes(client, tenant_a):
    entry = LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district)
    client.force_login(tenant_a.coach.user)
    assert client.get(reverse("coaching:entry_delete", args=[entry.pk])).status_code == 200
    assert LogEntry.objects.filter(pk=entry.pk).exists()
    assert client.post(reverse("coaching:entry_delete", args=[entry.pk])).status_code == 302
    assert not LogEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize("name", ["coaching:entry_edit", "coaching:entry_delete"])
def test_other_coach_gets_404_on_my_entry_and_it_stays_unchanged(client, tenant_a, tenant_b, name):
    entry = LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, minutes=30)
    client.force_login(tenant_b.coach.user)
    assert client.get(reverse(name, args=[entry.pk])).status_code == 404
    assert client.post(reverse(name, args=[entry.pk]), form_data(tenant_b, minutes="99")).status_code == 404
    entry.refresh_from_db()
    assert entry.minutes == 30


def test_missing_entry_is_404(client, coach):
    client.force_login(coach)
    assert client.get(reverse("coaching:entry_edit", args=[999999])).status_code == 404


def test_district_fields_partial_lists_only_that_districts_teachers(client, tenant_a, tenant_b):
    TeacherFactory(school=tenant_a.school, first_name="Zed", last_name="Inside")
    client.force_login(tenant_a.coach.user)
    response = client.get(reverse("coaching:district_fields") + f"?district={tenant_a.district.pk}")
    html = response.content.decode()
    assert "Inside, Zed" in html
    assert tenant_b.teacher.last_name not in html
    response = client.get(reverse("coaching:district_fields") + f"?district={tenant_b.district.pk}")
    assert tenant_b.teacher.last_name not in response.content.decode()
    assert "Choose a district" in response.content.decode()


def test_new_entry_defaults_to_today_and_the_last_district(client, tenant_a):
    last = LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, format="virtual")
    client.force_login(tenant_a.coach.user)
    initial = client.get(reverse("coaching:entry_add")).context["form"].initial
    assert initial == {"date": timezone.localdate(), "district": tenant_a.district.pk, "format": "virtual",
                       "school": last.school_id, "focus_area": last.focus_area_id}  # fmt: skip
