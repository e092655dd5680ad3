"""My week: entries grouped by day with daily and weekly totals, in a constant number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coaching.tests.factories import LogEntryFactory
from teachers.tests.factories import TeacherFactory
from toolkit.schoolyear import monday_of

pytestmark = pytest.mark.django_db


def week_url(day: dt.date) -> str:
    return f"{reverse('coaching:my_week')}?week={day.isoformat()}"


def test_entries_are_grouped_by_day_with_totals(client, tenant_a, tenant_b):
    monday = monday_of(timezone.localdate()) - dt.timedelta(days=7)
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=monday, minutes=45)
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=monday, minutes=90)
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=monday + dt.timedelta(days=2), minutes=30)
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=monday - dt.timedelta(days=1), minutes=600)
    LogEntryFactory(coach=tenant_b.coach, district=tenant_b.district, date=monday, minutes=700)
    client.force_login(tenant_a.coach.user)
    response = client.get(week_url(monday))
    assert response.status_code == 200
    week = response.context["week"]
    assert week.monday == monday
    assert [day.minutes for day in week.days] == [135, 0, 30, 0, 0, 0, 0]
    assert week.minutes == 165
    html = response.content.decode()
    assert 'data-testid="week-total">2 h 45 min<' in html
    assert f'data-testid="day-total-{monday.isoformat()}">2 h 15 min<' in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_any_day_of_the_week_opens_that_week(client, coach):
    client.force_login(coach)
    response = client.get(week_url(dt.date(2026, 11, 19)))  # a Thursday
    assert response.context["week"].monday == dt.date(2026, 11, 16)


def test_a_bad_week_parameter_falls_back_to_this_week(client, coach):
    client.force_login(coach)
    response = client.get(reverse("coaching:my_week") + "?week=not-a-date")
    assert response.status_code == 200
    assert response.context["week"].monday == monday_of(timezone.localdate())


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def _fill_week(tenant, monday: dt.date, n: int) -> None:
    teachers = [TeacherFactory(school=tenant.school) for _ in range(3)]
    for i in range(n):
        entry = LogEntryFactory(
            coach=tenant.coach,
            district=tenant.district,
            school=tenant.school,
            date=monday + dt.timedelta(days=i % 7),
            minutes=1 + i % 100,
        )
        entry.teachers.set(teachers[: i % 4])


def test_my_week_query_count_is_the_same_with_10_and_500_entries(client, tenant_a, django_assert_max_num_queries):
    monday = monday_of(timezone.localdate()) - dt.timedelta(days=14)
    client.force_login(tenant_a.coach.user)
    _fill_week(tenant_a, monday, 10)
    small = _count_queries(client, week_url(monday))
    _fill_week(tenant_a, monday, 490)
    with django_assert_max_num_queries(small):
        response = client.get(week_url(monday))
    assert response.context["week"].entry_count == 500
    assert _count_queries(client, week_url(monday)) == small
    assert small <= 10, f"My week used {small} queries"  # the week's locked months; the "log like" shortcuts
    print(f"My week: {small} queries with 10 entries and with 500")
