"""Bad input never breaks a page: random unicode, huge strings, absurd numbers, malformed dates
and script payloads go into the time-log form, the reflection link form and the roster import.
Every answer is a page with a message (never a 500), and a script payload is always escaped."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from coaching.tests.factories import ensure_builtin_lists
from cycles import services as cycle_services

PAYLOAD = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
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
confidences = st.one_of(st.sampled_from(["", "1", "5"]), numbers)  # sometimes valid, so some answers are saved
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
@given(happened=texts, worked=texts, hard=texts, then=texts, confidence=confidences)
@example(happened=PAYLOAD, worked=PAYLOAD, hard="", then="", confidence="3")  # accepted, then read by the coach
@example(happened="", worked=PAYLOAD, hard="", then="", confidence="3")  # refused: the form comes back
def test_the_answer_form_of_a_live_reflection_link_survives_anything(tenant_a, happened, worked, hard, then,
                                                                     confidence):  # fmt: skip
    caches["default"].clear()  # each example is one visitor: the links' rate limit is tested in test_doors.py
    cycle = cycle_services.cycle_start(coach=tenant_a.coach, teachers=[tenant_a.teacher], title="t")
    link, token = cycle_services.reflection_link_create(cycle=cycle, teacher=tenant_a.teacher, by=None,
                                                        occasion="free")  # fmt: skip
    url = reverse("reflect", args=[token])
    teacher = Client()
    form = teacher.get(url)
    assert form.status_code == 200
    assert 'name="what_happened"' in form.content.decode()  # the link is live: its form, not "unusable"
    answers = {"what_happened": happened, "what_worked": worked, "what_was_hard": hard, "what_next": then}
    response = teacher.post(url, {**answers, "confidence": confidence})
    assert response.status_code in (200, 302, 400), response.status_code  # never a 500, never a dead link
    body = response.content.decode("utf-8", "replace")
    assert PAYLOAD not in body, "a script payload was rendered unescaped"
    link.refresh_from_db()
    if link.used_at is None:  # refused: the form again, every answer in it, escaped
        assert 'name="what_happened"' in body
        shown = body
    else:  # accepted: the coach reads the reflection, every answer escaped
        assert link.reflection is not None
        coach = Client()
        coach.force_login(tenant_a.coach.user)
        page = coach.get(reverse("cycles:reflection", args=[link.reflection.public_id]))
        assert page.status_code == 200
        shown = page.content.decode("utf-8", "replace")
        assert PAYLOAD not in shown, "a script payload was rendered unescaped"
    if PAYLOAD in answers.values():
        assert ESCAPED in shown


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
