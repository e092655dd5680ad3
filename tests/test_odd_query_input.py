"""Odd input in a query string (or a POST field read outside a form) never makes a server error.

Dates at the edges of the calendar (the week after 9999-12-31 or before 0001-01-01 does not exist),
ids too big for a bigint, negative numbers, words, empty values, a NUL byte, digits that
str.isdigit() accepts but int() refuses ("²"), and repeated parameters: a page answers with a 200
(falling back to a sensible default, with a message where the person asked for something), a 302, a
400 or a 404 (or the 403 or 405 its role or method gets anyway) — never a 500.

The walk asks every GET page of the project (found through the URL resolver, as in
tests/test_tenant_isolation.py) except the time-use reports and the Django admin, as a coach, a
district administrator, a program director and a teacher: about 1,200 requests, 20-30 seconds.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from learning import services as learning
from learning.models import CheckIn, CoachGoalNote
from teachers.audit import AuditAction
from teachers.models import AuditEvent
from tests.test_tenant_isolation import every_url_name, seed, url_kwargs
from toolkit.params import ID_MAX, parse_date_param, parse_id_param, parse_id_params, parse_int_param
from toolkit.schoolyear import monday_of, school_year_of

pytestmark = pytest.mark.django_db

BIG = "99999999999999999999"  # 10**20 - 1: more than a bigint holds (2**63 - 1)

# Query parameters the project's pages read (and a few a page might read one day), each with the odd
# values of its kind. Query string i gives every parameter the i-th value of its kind.
ODD_VALUES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("week", "date", "from", "to", "date_from", "date_to", "start", "end", "closes_on"):
        ("9999-12-31", "0001-01-01", "2026-02-30", "abc", "", "\x00"),
    ("year", "month", "page", "district", "school", "coach", "program", "activity", "focus_area", "copy",
     "teachers", "entries", "resources"):
        (BIG, "-1", "²", "abc", "", "\x00"),
    ("q", "action", "new", "stage", "kind", "grade_band", "show_inactive", "sort", "stale"):
        ("\x00", "", "abc", "-1", BIG, "9999-12-31"),
}  # fmt: skip
SKIP_PREFIXES = ("reports:",)  # the time-use reports are checked on their own; the admin is never walked
# A plain GET that answers one of these was refused by the page's method or role gate, which runs
# before the page reads its query: such a page is asked with one odd query string, not all of them.
GATED = {403, 405}


def hostile_query_strings() -> list[str]:
    """The odd query strings. Every parameter comes twice (a repeated parameter), an ordinary value
    first and the odd one last: the one QueryDict.get and forms read."""
    count = len(next(iter(ODD_VALUES.values())))
    return [
        urlencode([(name, one) for names, values in ODD_VALUES.items() for name in names for one in ("1", values[i])])
        for i in range(count)
    ]


def fetch(client: Client, url: str, data: dict[str, Any] | None = None) -> tuple[int | None, str]:
    """GET (or, with data, POST) a URL, reading a streamed body to its end, inside a savepoint so a
    database error cannot poison the next request. The status, or None and the exception."""
    try:
        with transaction.atomic():
            response = client.get(url) if data is None else client.post(url, data)
            if response.streaming:
                b"".join(response.streaming_content)
    except Exception as exc:  # any exception here is the server error under test
        return None, f"{type(exc).__name__}: {exc}"
    return response.status_code, ""


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def as_coach(client: Client, coach: Any) -> Client:
    client.force_login(coach)
    return client


# ---------------------------------------------------------------------------- the helpers


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2026-11-23", dt.date(2026, 11, 23)), ("9999-12-31", dt.date.max), ("0001-01-01", dt.date.min),
     (None, None), ("", None), ("abc", None), ("2026-02-30", None), ("0000-01-01", None), ("20261123", None),
     ("2026-W48-1", None), ("２０２６-11-23", None), ("2026-11-23\x00", None), (" 2026-11-23", None)],
)  # fmt: skip
def test_parse_date_param_reads_only_real_iso_dates(value: str | None, expected: dt.date | None) -> None:
    assert parse_date_param(value) == expected


def test_parse_date_param_keeps_to_its_bounds() -> None:
    bounds = {"earliest": dt.date(2026, 1, 1), "latest": dt.date(2026, 12, 31)}
    assert parse_date_param("2026-01-01", **bounds) == dt.date(2026, 1, 1)
    assert parse_date_param("2025-12-31", **bounds) is None
    assert parse_date_param("2027-01-01", **bounds) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("7", 7), (str(ID_MAX), ID_MAX), (str(ID_MAX + 1), None), (BIG, None), ("0", None), ("-1", None), ("", None),
     (None, None), ("abc", None), ("²", None), ("١٢", None), ("1_000", None), (" 7", None), ("+7", None),
     ("7\x00", None), ("1e3", None)],
)  # fmt: skip
def test_parse_id_param_reads_only_ids_a_bigint_holds(value: str | None, expected: int | None) -> None:
    assert parse_id_param(value) == expected


def test_parse_int_and_repeated_ids() -> None:
    assert parse_int_param("-1", minimum=-5, maximum=5) == -1
    assert parse_int_param("6", minimum=-5, maximum=5) is None
    assert parse_int_param("--1", minimum=-5, maximum=5) is None
    assert parse_id_params(["3", "²", BIG, "abc", "", "7"]) == [3, 7]


# ---------------------------------------------------------------------------- the reported pages


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01", "9999-12-27", "0001-01-07", "2026-02-30", "abc", "²"])
def test_my_week_out_of_the_calendar_falls_back_to_this_week_with_a_message(as_coach: Client, week: str) -> None:
    status, error = fetch(as_coach, f"/week/?week={week}")
    assert status == 200, error
    response = as_coach.get("/week/", {"week": week})
    assert response.context["week"].monday == monday_of(timezone.localdate())
    assert any("That week is out of range" in m for m in messages_of(response))


@pytest.mark.parametrize(("week", "monday"), [("2026-11-25", "2026-11-23"), ("0001-01-08", "0001-01-08"),
                                              ("9999-12-26", "9999-12-20")])  # fmt: skip
def test_my_week_shows_any_week_whose_neighbours_exist(as_coach: Client, week: str, monday: str) -> None:
    response = as_coach.get("/week/", {"week": week})
    assert response.status_code == 200
    assert response.context["week"].monday.isoformat() == monday
    assert not messages_of(response)


def test_roster_export_with_a_district_id_beyond_bigint_is_an_empty_export(client: Client, district_admin: Any) -> None:
    client.force_login(district_admin)
    status, error = fetch(client, f"/roster/export.csv?district={BIG}")
    assert status == 200, error
    response = client.get(f"/roster/export.csv?district={BIG}")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines == ["district,school,first_name,last_name,email,grade_band,subject,active"]
    event = AuditEvent.objects.filter(action=AuditAction.EXPORT, object_type="roster").latest("pk")
    assert event.district_id is None


def test_roster_export_records_the_district_it_was_filtered_to(client: Client, tenant_a: Any) -> None:
    client.force_login(tenant_a.district_admin)
    response = client.get("/roster/export.csv", {"district": tenant_a.district.pk})
    assert response.status_code == 200
    b"".join(response.streaming_content)
    event = AuditEvent.objects.filter(action=AuditAction.EXPORT, object_type="roster").latest("pk")
    assert event.district_id == tenant_a.district.pk


# ---------------------------------------------------------------------------- other ids and numbers


@pytest.mark.parametrize("year", ["²", BIG, "-1", "abc", "9999", "0"])
def test_contracts_for_an_odd_year_show_the_current_year_with_a_message(client: Client, tenant_a: Any,
                                                                        year: str) -> None:  # fmt: skip
    client.force_login(tenant_a.district_admin)
    status, error = fetch(client, f"/contracts/?year={year}")
    assert status == 200, error
    response = client.get("/contracts/", {"year": year})
    assert response.context["chosen_year"] == school_year_of(timezone.localdate())
    assert any("nothing to show for that school year" in m for m in messages_of(response))


@pytest.mark.parametrize(
    "url", ["/entries/new/?copy=²", f"/entries/new/?copy={BIG}&date=9999-12-31", "/cycles/new/?district=²",
            f"/cycles/new/?district={BIG}", "/entries/district-fields/?district=²",
            f"/cycles/new/teachers/?district={BIG}"],
)  # fmt: skip
def test_odd_ids_in_a_coachs_forms_leave_the_form_blank(as_coach: Client, url: str) -> None:
    status, error = fetch(as_coach, url)
    assert status == 200, error


@pytest.mark.parametrize("value", ["²", BIG, "-1", "abc", "", "\x00"])
def test_odd_strategy_resource_ids_are_left_out(as_coach: Client, tenant_a: Any, value: str) -> None:
    objects = seed(tenant_a, "AARDVARK")
    url = reverse("cycles:strategy_resources", args=[objects.cycle.public_id])
    status, error = fetch(as_coach, url, {"resources": [value, str(objects.resource.pk)]})
    assert status == 302, error
    assert list(objects.cycle.strategy_resources.all()) == [objects.resource]


def test_a_goal_note_with_a_nul_byte_is_refused_with_a_message(as_coach: Client, tenant_a: Any) -> None:
    goal = learning.coach_goal_set(coach=tenant_a.coach, statement="Ask more open questions")
    url = reverse("learning:coach_goal_note", args=[goal.pk])
    status, error = fetch(as_coach, url, {"note": "half\x00way", "met": "on"})
    assert status == 302, error
    assert not CoachGoalNote.objects.filter(goal=goal).exists()
    goal.refresh_from_db()
    assert goal.met_on is None
    response = as_coach.get(reverse("learning:groups"))  # where the note's page sends a coach with no group
    assert any("could not be saved" in m for m in messages_of(response))


@pytest.mark.parametrize("closes_on", ["9999-12-31T00:00", "0001-01-01", BIG, "²", "", "\x00", "2026-02-30"])
def test_an_odd_check_in_closing_date_is_refused_with_a_message(as_coach: Client, closes_on: str) -> None:
    response = as_coach.post(reverse("learning:checkins"), {"closes_on": closes_on}, follow=True)
    assert response.status_code == 400
    assert not CheckIn.objects.exists()
    assert response.context["form"].errors["closes_on"]  # the error beside the field, the form kept


# ---------------------------------------------------------------------------- every page


def test_every_page_answers_odd_query_input_without_a_server_error(tenant_a: Any) -> None:
    objects = seed(tenant_a, "AARDVARK")
    roles = {"coach": tenant_a.coach.user, "district_admin": tenant_a.district_admin,
             "director": tenant_a.director, "teacher": tenant_a.teacher.user}  # fmt: skip
    urls: list[tuple[str, str]] = []
    for name, params in every_url_name():
        if name.startswith(SKIP_PREFIXES):
            continue
        kwargs = url_kwargs(name, list(params), objects)
        assert kwargs is not None, f"map {name} in tests/test_tenant_isolation.url_kwargs"
        urls.append((name, reverse(name, kwargs=kwargs)))
    queries = hostile_query_strings()
    client = Client()
    failures: list[str] = []
    started, requests = time.monotonic(), 0
    for role, user in roles.items():
        client.force_login(user)
        for name, url in urls:
            plain, error = fetch(client, url)
            asked = queries[:1] if plain in GATED else queries
            results = [(plain, error, "")] + [(*fetch(client, f"{url}?{query}"), query) for query in asked]
            requests += len(results)
            for status, error, query in results:
                if status is None or status >= 500:
                    failures.append(f"{role} GET {name}?{query[:50]}…: {error or status}")
    print(f"odd query input: {requests} requests over {len(urls)} pages in {time.monotonic() - started:.1f} s")
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures)
