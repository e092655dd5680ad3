"""A coach's entry list: filters, search, pagination, CSV export of exactly what is filtered."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from coaching.tests.factories import ContractFactory, LogEntryFactory, activity

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


@pytest.fixture
def entries(tenant_a, tenant_b):
    second = ContractFactory(program=tenant_a.program).district
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=dt.date(2026, 9, 1), notes="cycle one")
    LogEntryFactory(
        coach=tenant_a.coach, district=second, date=dt.date(2026, 10, 1), activity=activity("Data Analysis"),
        notes="=HYPERLINK(\"http://x\")",
    )  # fmt: skip
    with_teacher = LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=dt.date(2026, 11, 2))
    with_teacher.teachers.add(tenant_a.teacher)
    LogEntryFactory(coach=tenant_b.coach, district=tenant_b.district, date=dt.date(2026, 10, 1), notes="theirs")
    return second


def test_list_shows_only_own_entries_newest_first(client, tenant_a, entries):
    client.force_login(tenant_a.coach.user)
    page = client.get(reverse("coaching:entry_list")).context["page"]
    assert [e.date for e in page.object_list] == [dt.date(2026, 11, 2), dt.date(2026, 10, 1), dt.date(2026, 9, 1)]


@pytest.mark.parametrize(
    ("query", "dates"),
    [
        ("date_from=2026-09-15", [dt.date(2026, 11, 2), dt.date(2026, 10, 1)]),
        ("date_to=2026-09-15", [dt.date(2026, 9, 1)]),
        ("q=cycle", [dt.date(2026, 9, 1)]),
        ("q=OfA", [dt.date(2026, 11, 2)]),
    ],
)
def test_filters_narrow_the_list(client, tenant_a, entries, query, dates):
    client.force_login(tenant_a.coach.user)
    page = client.get(reverse("coaching:entry_list") + "?" + query).context["page"]
    assert [e.date for e in page.object_list] == dates


def test_district_and_activity_filters(client, tenant_a, entries):
    client.force_login(tenant_a.coach.user)
    url = reverse("coaching:entry_list")
    by_district = client.get(f"{url}?district={entries.pk}").context["page"]
    assert [e.district for e in by_district.object_list] == [entries]
    by_activity = client.get(f"{url}?activity={activity('Data Analysis').pk}").context["page"]
    assert [e.activity.name for e in by_activity.object_list] == ["Data Analysis"]


def test_reversed_dates_are_explained_not_crashed(client, tenant_a, entries):
    client.force_login(tenant_a.coach.user)
    response = client.get(reverse("coaching:entry_list") + "?date_from=2026-10-01&date_to=2026-09-01")
    assert response.status_code == 200
    assert "must be on or after" in response.content.decode()


def test_export_has_the_filtered_rows_and_defuses_formulas(client, tenant_a, entries):
    client.force_login(tenant_a.coach.user)
    response = client.get(reverse("coaching:entry_export") + "?date_from=2026-09-15")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert [r["date"] for r in rows] == ["2026-11-02", "2026-10-01"]
    assert rows[0]["teachers"] == tenant_a.teacher.full_name
    assert rows[1]["notes"] == '\'=HYPERLINK("http://x")'
    assert rows[1]["balance"] == "Input"
    assert all(r["notes"] != "theirs" for r in rows)


def test_list_paginates_at_50(client, tenant_a):
    for i in range(55):
        LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=dt.date(2026, 9, 1), minutes=1 + i)
    client.force_login(tenant_a.coach.user)
    first = client.get(reverse("coaching:entry_list")).context["page"]
    second = client.get(reverse("coaching:entry_list") + "?page=2").context["page"]
    assert (len(first.object_list), len(second.object_list)) == (50, 5)


def test_list_query_count_does_not_grow_with_entries(client, tenant_a, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(tenant_a.coach.user)

    def fill(n):
        for i in range(n):
            e = LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, school=tenant_a.school,
                                date=dt.date(2026, 9, 1) + dt.timedelta(days=i % 60))  # fmt: skip
            e.teachers.add(tenant_a.teacher)

    fill(10)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("coaching:entry_list"))
    fill(190)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("coaching:entry_list"))
