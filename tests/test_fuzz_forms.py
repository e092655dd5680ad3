"""Bad input never breaks a page: random unicode, huge strings, absurd numbers, malformed dates
and script payloads go into the time-log form, the reflection link form and the roster import.
Every answer is a page with a message (never a 500), and a script payload is always escaped."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coaching.tests.factories import ensure_builtin_lists
from cycles import services as cycle_services

PAYLOAD = '<script>alert("x")</script>'
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)

texts = st.one_of(
    st.text(max_size=50),
    st.integers(min_value=5000, max_value=12000).map(lambda n: "é" * n),  # huge, cheaply
    st.just(PAYLOAD),
    st.just("\x00\ufeff\u202e"),
)
numbers = st.one_of(st.integers(min_value=-(10**12), max_value=10**12).map(str), st.just("1e309"), st.just("NaN"),
                    st.just("-0"), texts)  # fmt: skip
dates = st.one_of(st.dates().map(lambda d: d.isoformat()), st.just("2026-02-30"), st.just("31/12/2026"), texts)


def assert_safe(response) -> None:
    assert response.status_code in (200, 302, 400, 404, 410), response.status_code
    if response.status_code == 200 and not response.streaming:
        body = response.content.decode("utf-8", "replace")
        assert PAYLOAD not in body, "a script payload was rendered unescaped"


@pytest.mark.django_db
@FUZZ
@given(minutes=numbers, day=dates, notes=texts, start=texts, district=numbers, teachers=st.lists(numbers, max_size=3))
def test_the_time_log_form_survives_anything(tenant_a, minutes, day, notes, start, district, teachers):
    ensure_builtin_lists()
    client = Client()
    client.force_login(tenant_a.coach.user)
    data = {"date": day, "minutes": minutes, "district": district, "teachers": teachers, "notes": notes,
            "start_time": start, "activity": "1", "focus_area": "1", "format": "in_person"}  # fmt: skip
    assert_safe(client.post(reverse("coaching:entry_add"), data))


@pytest.mark.django_db
@FUZZ
@given(what=texts, worked=texts, confidence=numbers)
def test_the_reflection_link_form_survives_anything(tenant_a, what, worked, confidence):
    cycle = cycle_services.cycle_start(coach=tenant_a.coach, teachers=[tenant_a.teacher], title="t")
    _, token = cycle_services.reflection_link_create(cycle=cycle, teacher=tenant_a.teacher, by=None, occasion="free")
    response = Client().post(reverse("reflect", args=[token]),
                             {"what_happened": what, "what_worked": worked, "confidence": confidence})  # fmt: skip
    assert_safe(response)


@pytest.mark.django_db
@FUZZ
@given(rows=st.lists(st.lists(texts, min_size=0, max_size=8), max_size=6), raw=st.binary(max_size=300))
def test_the_roster_import_survives_anything(tenant_a, rows, raw):
    client = Client()
    client.force_login(tenant_a.district_admin)
    lines = ["school,first_name,last_name,email,grade_band,subject"] + [",".join(r) for r in rows]
    for content in ("\n".join(lines).encode("utf-8", "replace"), raw):
        upload = SimpleUploadedFile("roster.csv", content, content_type="text/csv")
        response = client.post(reverse("teachers:roster_import"), {"district": tenant_a.district.pk, "file": upload})
        assert_safe(response)


@pytest.mark.django_db
def test_a_script_payload_in_a_teachers_name_is_shown_escaped(client, tenant_a):
    tenant_a.teacher.last_name = PAYLOAD
    tenant_a.teacher.save()
    client.force_login(tenant_a.district_admin)
    body = client.get(reverse("teachers:roster")).content.decode()
    assert PAYLOAD not in body
    assert "&lt;script&gt;" in body
