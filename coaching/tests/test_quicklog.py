"""The quick log: defaults that follow the entry just saved, "the same as yesterday" for one entry
or a whole day, the one-tap informal touch, and the marks that say what an activity needs."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from coaching import services
from coaching.models import CoachMonth, LogEntry, MonthStatus
from coaching.tests.factories import LogEntryFactory, activity, focus_area
from teachers.tests.factories import SchoolFactory, TeacherFactory
from toolkit.schoolyear import monday_of

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


def entry_post(tenant, **changes):
    data = {"date": today().isoformat(), "minutes": "45", "district": tenant.district.pk,
            "school": tenant.school.pk, "teachers": [tenant.teacher.pk], "activity": activity("Co-Planning").pk,
            "focus_area": focus_area("Literacy").pk, "format": "virtual", "notes": ""}  # fmt: skip
    data.update(changes)
    return data


# --------------------------------------------------------------------------- defaults


def test_after_save_and_log_another_the_form_takes_the_entry_just_saved_not_the_latest_dated(client, tenant_a):
    other = SchoolFactory(district=tenant_a.district, name="Other School")
    later = LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, school=other, date=today(),
                            format="in_person", focus_area=focus_area("Math"))  # fmt: skip
    yesterday = today() - dt.timedelta(days=1)
    client.force_login(tenant_a.coach.user)
    data = entry_post(tenant_a, date=yesterday.isoformat(), start_time="13:00", minutes="45", save_another="1")
    response = client.post(reverse("coaching:entry_add"), data)
    assert response.status_code == 302
    saved = LogEntry.objects.exclude(pk=later.pk).get()
    assert (saved.start_time, saved.end_time, saved.minutes) == (dt.time(13, 0), dt.time(13, 45), 45)
    form = client.get(response["Location"]).context["form"]
    assert form.initial["district"] == tenant_a.district.pk
    assert form.initial["school"] == tenant_a.school.pk  # not the latest-dated entry's school
    assert form.initial["format"] == "virtual"
    assert form.initial["focus_area"] == focus_area("Literacy").pk
    assert form.initial["date"] == yesterday
    assert form.initial["start_time"] == dt.time(13, 45)  # after the day's last entry's end


def test_without_an_entry_just_saved_the_latest_entry_gives_the_defaults(client, tenant_a):
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, school=tenant_a.school, format="virtual",
                    date=today() - dt.timedelta(days=3), focus_area=focus_area("Literacy"))  # fmt: skip
    client.force_login(tenant_a.coach.user)
    initial = client.get(reverse("coaching:entry_add")).context["form"].initial
    assert (initial["school"], initial["format"], initial["focus_area"]) == (
        tenant_a.school.pk, "virtual", focus_area("Literacy").pk)  # fmt: skip
    assert "start_time" not in initial  # nothing timed today yet


def test_log_like_takes_activity_focus_area_and_place_of_an_entry_but_not_its_teachers(client, tenant_a):
    entry = LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, school=tenant_a.school,
                            activity=activity("Co-Planning"), focus_area=focus_area("Literacy"), minutes=20,
                            date=today() - dt.timedelta(days=2))  # fmt: skip
    entry.teachers.add(tenant_a.teacher)
    client.force_login(tenant_a.coach.user)
    response = client.get(reverse("coaching:entry_add") + f"?like={entry.pk}")
    initial = response.context["form"].initial
    assert initial["activity"] == activity("Co-Planning").pk
    assert initial["focus_area"] == focus_area("Literacy").pk
    assert initial["date"] == today()
    assert "minutes" not in initial
    assert "teachers" not in initial


def test_log_like_of_another_coachs_entry_is_404(client, tenant_a, tenant_b):
    theirs = LogEntryFactory(coach=tenant_b.coach, district=tenant_b.district)
    client.force_login(tenant_a.coach.user)
    assert client.get(reverse("coaching:entry_add") + f"?like={theirs.pk}").status_code == 404


# --------------------------------------------------------------------------- what the form marks


def test_coaching_activities_are_marked_as_needing_a_focus_area_and_the_server_agrees(client, tenant_a):
    client.force_login(tenant_a.coach.user)
    html = client.get(reverse("coaching:entry_add")).content.decode()
    coplanning, substituting = activity("Co-Planning"), activity("Substituting")
    assert f'value="{coplanning.pk}" data-needs-focus="true"' in html
    assert f'value="{substituting.pk}">' in html  # a non-coaching duty: no mark
    response = client.post(reverse("coaching:entry_add"), entry_post(tenant_a, focus_area=""))
    assert response.status_code == 200
    assert "Choose what this coaching time was about." in response.content.decode()
    assert 'aria-required="true"' in response.content.decode()  # marked on the returned form too
    response = client.post(reverse("coaching:entry_add"), entry_post(tenant_a, focus_area="",
                                                                     activity=substituting.pk))  # fmt: skip
    assert response.status_code == 302
    assert LogEntry.objects.get().activity == substituting


def test_quick_buttons_give_hours_as_well_as_minutes(client, tenant_a):
    client.force_login(tenant_a.coach.user)
    html = client.get(reverse("coaching:entry_add")).content.decode()
    for minutes, label in ((15, "15 min"), (45, "45 min"), (120, "2 h"), (180, "3 h"), (240, "4 h")):
        assert f'data-minutes="{minutes}">{label}</button>' in html


def test_a_start_time_and_minutes_give_the_end(client, tenant_a):
    client.force_login(tenant_a.coach.user)
    client.post(reverse("coaching:entry_add"), entry_post(tenant_a, start_time="23:00", minutes="30"))
    assert LogEntry.objects.get().end_time == dt.time(23, 30)
    response = client.post(reverse("coaching:entry_add"), entry_post(tenant_a, start_time="23:30", minutes="45"))
    assert "runs past midnight" in response.content.decode()
    assert LogEntry.objects.count() == 1


def test_teacher_picker_carries_schools_and_recent_teachers_as_chips(client, tenant_a):
    other = SchoolFactory(district=tenant_a.district, name="North Middle")
    far = TeacherFactory(school=other, first_name="Far", last_name="Away")
    TeacherFactory(school=other, first_name="Never", last_name="Seen")
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district).teachers.add(far)
    client.force_login(tenant_a.coach.user)
    url = reverse("coaching:district_fields") + f"?district={tenant_a.district.pk}"
    html = client.get(url).content.decode()
    assert f'data-school="{other.pk}"' in html
    assert f'data-school="{tenant_a.school.pk}"' in html
    assert f'data-pick-teacher="{far.pk}"' in html
    assert html.count("data-pick-teacher=") == 1  # only teachers the coach has logged time with
    assert 'aria-label="Filter teachers"' in html


# --------------------------------------------------------------------------- the same as yesterday


def _day_of_entries(tenant, day: dt.date) -> list[LogEntry]:
    first = LogEntryFactory(coach=tenant.coach, district=tenant.district, school=tenant.school, date=day,
                            minutes=45, start_time=dt.time(8, 0), end_time=dt.time(8, 45), notes="private",
                            activity=activity("Co-Planning"), focus_area=focus_area("Literacy"))  # fmt: skip
    first.teachers.add(tenant.teacher)
    second = LogEntryFactory(coach=tenant.coach, district=tenant.district, date=day, minutes=180,
                             start_time=None, activity=activity("Substituting"), focus_area=None)  # fmt: skip
    third = LogEntryFactory(coach=tenant.coach, district=tenant.district, date=day, minutes=30, start_time=None)
    return [first, second, third]


def test_repeating_a_day_logs_all_its_entries_today_in_one_post(client, tenant_a):
    yesterday = today() - dt.timedelta(days=1)
    originals = _day_of_entries(tenant_a, yesterday)
    client.force_login(tenant_a.coach.user)
    response = client.post(reverse("coaching:day_repeat"), {"day": yesterday.isoformat()})
    assert response.status_code == 302
    repeated = list(LogEntry.objects.filter(date=today()).order_by("minutes"))
    assert [e.minutes for e in repeated] == [30, 45, 180]
    coplanning = repeated[1]
    assert (coplanning.activity, coplanning.focus_area, coplanning.school) == (
        originals[0].activity, originals[0].focus_area, tenant_a.school)  # fmt: skip
    assert (coplanning.start_time, coplanning.end_time, coplanning.notes) == (dt.time(8, 0), dt.time(8, 45), "")
    assert list(coplanning.teachers.all()) == [tenant_a.teacher]
    assert all(e.program_id == tenant_a.program.pk for e in repeated)
    page = client.get(response["Location"]).content.decode()
    assert "Repeated" in page
    assert "4 h 15 min" in page


def test_repeating_a_day_is_all_or_nothing_with_the_errors_shown(client, tenant_a):
    yesterday = today() - dt.timedelta(days=1)
    _day_of_entries(tenant_a, yesterday)
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=today(), minutes=720)  # 12 h today
    client.force_login(tenant_a.coach.user)
    response = client.post(reverse("coaching:day_repeat"), {"day": yesterday.isoformat()}, follow=True)
    assert LogEntry.objects.filter(date=today()).count() == 1  # none of the three
    html = response.content.decode()
    assert "Nothing was repeated" in html
    assert "a day cannot exceed 16 hours" in html


def test_a_repeat_into_a_locked_month_is_refused_with_the_message(client, tenant_a):
    yesterday = today() - dt.timedelta(days=1)
    entries = _day_of_entries(tenant_a, yesterday)
    CoachMonth.objects.create(coach=tenant_a.coach, month=today().replace(day=1), status=MonthStatus.SUBMITTED,
                              submitted_at=timezone.now())  # fmt: skip
    client.force_login(tenant_a.coach.user)
    response = client.post(reverse("coaching:day_repeat"), {"day": yesterday.isoformat()}, follow=True)
    assert "submitted for approval, so its entries are locked" in response.content.decode()
    response = client.post(reverse("coaching:entry_repeat", args=[entries[0].pk]), follow=True)
    assert "submitted for approval, so its entries are locked" in response.content.decode()
    assert LogEntry.objects.filter(date=today()).count() == 0
    assert 'action="/entries/repeat-day/"' not in response.content.decode()  # no repeat offered into a lock


def test_repeating_one_entry_logs_it_today(client, tenant_a):
    entry = _day_of_entries(tenant_a, today() - dt.timedelta(days=4))[0]
    client.force_login(tenant_a.coach.user)
    response = client.post(reverse("coaching:entry_repeat", args=[entry.pk]))
    assert response.status_code == 302
    copy = LogEntry.objects.get(date=today())
    assert (copy.minutes, copy.activity, list(copy.teachers.all())) == (45, entry.activity, [tenant_a.teacher])


def test_another_coachs_entry_cannot_be_repeated_and_their_day_repeats_nothing(client, tenant_a, tenant_b):
    yesterday = today() - dt.timedelta(days=1)
    theirs = _day_of_entries(tenant_b, yesterday)
    client.force_login(tenant_a.coach.user)
    assert client.post(reverse("coaching:entry_repeat", args=[theirs[0].pk])).status_code == 404
    response = client.post(reverse("coaching:day_repeat"), {"day": yesterday.isoformat()}, follow=True)
    assert "Choose an earlier day with entries" in response.content.decode()
    assert LogEntry.objects.filter(date=today()).count() == 0


@pytest.mark.parametrize("day", ["", "not-a-date", "today", "tomorrow"])
def test_only_an_earlier_day_can_be_repeated(client, tenant_a, day):
    _day_of_entries(tenant_a, today())
    value = {"today": today(), "tomorrow": today() + dt.timedelta(days=1)}.get(day, day)
    client.force_login(tenant_a.coach.user)
    response = client.post(reverse("coaching:day_repeat"), {"day": str(value)})
    assert response.status_code == 302
    assert LogEntry.objects.count() == 3


def test_the_repeat_service_refuses_someone_elses_entries(tenant_a, tenant_b):
    theirs = LogEntryFactory(coach=tenant_b.coach, district=tenant_b.district)
    with pytest.raises(ValueError, match="own entries"):
        services.entries_repeat(coach=tenant_a.coach, entries=[theirs], date=today())


def test_my_week_offers_a_repeat_per_earlier_day_and_log_like_links(client, tenant_a):
    monday = monday_of(today())
    client.force_login(tenant_a.coach.user)
    if today() > monday:
        _day_of_entries(tenant_a, today() - dt.timedelta(days=1))
        label = f"Repeat {today() - dt.timedelta(days=1):%A}’s 3 entries today"
    else:  # a Monday repeats the last day before it
        _day_of_entries(tenant_a, today() - dt.timedelta(days=3))
        label = f"Repeat {today() - dt.timedelta(days=3):%A}’s 3 entries today"
    html = client.get(reverse("coaching:my_week")).content.decode()
    assert label in html
    assert "Co-Planning · Literacy · School A" in html


def test_my_week_query_count_does_not_grow_with_the_days_entries(client, tenant_a, django_assert_max_num_queries):
    client.force_login(tenant_a.coach.user)
    day = max(monday_of(today()), today() - dt.timedelta(days=1))
    for _ in range(3):
        LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=day, minutes=5).teachers.add(
            tenant_a.teacher
        )
    client.get(reverse("coaching:my_week"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(reverse("coaching:my_week"))
    for _ in range(27):
        LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=day, minutes=5).teachers.add(
            tenant_a.teacher
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("coaching:my_week"))
    assert response.context["week"].entry_count >= 30


# --------------------------------------------------------------------------- the informal touch


def test_the_informal_touch_logs_ten_minutes_with_the_teacher_and_offers_undo(client, tenant_a):
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=today() - dt.timedelta(days=2),
                    focus_area=focus_area("Literacy")).teachers.add(tenant_a.teacher)  # fmt: skip
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=today() - dt.timedelta(days=1),
                    focus_area=focus_area("Math"))  # fmt: skip
    client.force_login(tenant_a.coach.user)
    form_page = client.get(reverse("coaching:entry_add")).content.decode()
    assert f'name="teacher" value="{tenant_a.teacher.pk}"' in form_page
    response = client.post(reverse("coaching:entry_quick"), {"teacher": tenant_a.teacher.pk})
    assert response.status_code == 302
    entry = LogEntry.objects.get(date=today())
    assert (entry.minutes, entry.activity, entry.focus_area, entry.school) == (
        10, activity("Informal Coaching"), focus_area("Literacy"), tenant_a.school)  # fmt: skip
    assert list(entry.teachers.all()) == [tenant_a.teacher]
    week = client.get(response["Location"]).content.decode()
    assert 'data-testid="undo"' in week
    assert reverse("coaching:entry_delete", args=[entry.pk]) in week
    assert 'data-testid="undo"' not in client.get(response["Location"]).content.decode()  # offered once
    client.post(reverse("coaching:entry_delete", args=[entry.pk]))
    assert not LogEntry.objects.filter(date=today()).exists()


def test_the_informal_touch_with_no_focus_area_known_opens_the_prefilled_form(client, tenant_a):
    client.force_login(tenant_a.coach.user)
    response = client.post(reverse("coaching:entry_quick"), {"teacher": tenant_a.teacher.pk})
    assert response.status_code == 302
    assert not LogEntry.objects.exists()
    form = client.get(response["Location"]).context["form"]
    assert form.initial["activity"] == activity("Informal Coaching").pk
    assert (form.initial["minutes"], form.initial["teachers"]) == (10, [tenant_a.teacher.pk])


def test_the_informal_touch_with_another_districts_teacher_is_404(client, tenant_a, tenant_b):
    client.force_login(tenant_a.coach.user)
    assert client.post(reverse("coaching:entry_quick"), {"teacher": tenant_b.teacher.pk}).status_code == 404
    assert client.get(reverse("coaching:entry_add") + f"?informal={tenant_b.teacher.pk}").status_code == 404
    assert not LogEntry.objects.exists()


def test_the_informal_chips_offer_only_teachers_of_districts_the_coach_serves(client, tenant_a, tenant_b):
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district).teachers.add(tenant_a.teacher)
    LogEntryFactory(coach=tenant_a.coach, district=tenant_b.district).teachers.add(tenant_b.teacher)  # an old contract
    client.force_login(tenant_a.coach.user)
    html = client.get(reverse("coaching:entry_add")).content.decode()
    assert f'name="teacher" value="{tenant_a.teacher.pk}"' in html
    assert f'name="teacher" value="{tenant_b.teacher.pk}"' not in html
