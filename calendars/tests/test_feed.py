"""The private calendar feed: what it lists and never says, its address, its limits."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from calendars import ics, services
from calendars.models import CalendarFeed
from calendars.services import local_zone
from cycles import services as cycles
from cycles.models import Cycle, LearnMode, Stage
from learning.models import PDSession
from teachers.models import AuditEvent

pytestmark = pytest.mark.django_db
SETTINGS = reverse("calendars:feed_settings")


def feed_url(token: str) -> str:
    return reverse("calendars:feed", args=[token])


def session(tenant, *, days: int, title: str = "K–2 Number Sense PLC", **values) -> PDSession:
    pd = PDSession.objects.create(
        program=tenant.program, district=tenant.district, facilitator=tenant.coach, title=title,
        date=timezone.localdate() + dt.timedelta(days=days), start_time=dt.time(15, 30), minutes=60,
        audience="K–2 teachers", **values,
    )  # fmt: skip
    pd.schools.add(tenant.school)
    return pd


def modeled_lesson(tenant, *, days: int, title: str = "Rivera: exit tickets in grade 3", stage=Stage.LEARN) -> Cycle:
    cycle = cycles.cycle_start(coach=tenant.coach, teachers=[tenant.teacher], title=title)
    Cycle.objects.filter(pk=cycle.pk).update(stage=stage, learn_mode=LearnMode.COACH_MODELS,
                                             learn_date=timezone.localdate() + dt.timedelta(days=days))  # fmt: skip
    return cycle


def read_feed(body: bytes) -> list[ics.Occurrence]:
    zone = local_zone()
    today = timezone.localdate()
    window = (dt.datetime.combine(today - dt.timedelta(days=400), dt.time(0), tzinfo=zone),
              dt.datetime.combine(today + dt.timedelta(days=400), dt.time(0), tzinfo=zone))  # fmt: skip
    return ics.occurrences(ics.parse(body.decode("utf-8")), local=zone, window=window)


def test_the_feed_lists_sessions_and_modeled_lessons_and_never_a_teacher_or_a_cycle_title(client, tenant_a):
    pd = session(tenant_a, days=3)
    cycle = modeled_lesson(tenant_a, days=5)
    cycles.goal_set(cycle=cycle, by=tenant_a.coach.user, statement="Secret goal statement", measure="exit tickets",
                    target=90, deadline=timezone.localdate() + dt.timedelta(days=40))  # fmt: skip
    session(tenant_a, days=-31, title="Too old")
    session(tenant_a, days=181, title="Too far")
    modeled_lesson(tenant_a, days=2, title="Closed one", stage=Stage.CLOSED)
    token = services.feed_create(coach=tenant_a.coach, actor=tenant_a.coach.user)
    response = client.get(feed_url(token))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, max-age=300"
    body = response.content
    text = body.decode("utf-8")
    # RFC 5545 shape: CRLF everywhere, no physical line over 75 octets, a DTSTAMP per event.
    assert "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert text.count("BEGIN:VEVENT") == 2
    assert text.count("DTSTAMP:") == 2
    events = {e.summary: e for e in read_feed(body)}
    assert set(events) == {"K–2 Number Sense PLC", f"Modeled lesson · {tenant_a.school.name}"}
    plc = events["K–2 Number Sense PLC"]
    assert plc.start == dt.datetime.combine(pd.date, dt.time(15, 30), tzinfo=local_zone())
    assert plc.end - plc.start == dt.timedelta(minutes=60)
    assert plc.location == tenant_a.school.name
    lesson = events[f"Modeled lesson · {tenant_a.school.name}"]
    assert lesson.all_day
    assert lesson.start.date() == cycle.learn_date or lesson.start.date() == timezone.localdate() + dt.timedelta(days=5)
    # The feed leaves the building: no teacher, no cycle title or goal, no Fulcrum id.
    for secret in (tenant_a.teacher.first_name, tenant_a.teacher.last_name, tenant_a.teacher.email,
                   "Rivera", "exit tickets", "Secret goal", str(cycle.public_id), str(pd.public_id)):  # fmt: skip
        assert secret not in text
    # UIDs are stable from one read to the next.
    again = client.get(feed_url(token)).content.decode()
    assert re.findall(r"UID:(.+)\r\n", again) == re.findall(r"UID:(.+)\r\n", text)


def test_making_a_new_address_kills_the_old_one(client, tenant_a):
    client.force_login(tenant_a.coach.user)
    first = client.post(SETTINGS, {"action": "create"})
    old = re.search(r"/calendar/feed/([^\"<]+)\.ics", first.content.decode()).group(1)
    assert client.get(feed_url(old)).status_code == 200
    second = client.post(SETTINGS, {"action": "create"})
    new = re.search(r"/calendar/feed/([^\"<]+)\.ics", second.content.decode()).group(1)
    assert new != old
    assert client.get(feed_url(old)).status_code == 404
    assert client.get(feed_url(new)).status_code == 200
    feed = CalendarFeed.objects.get(coach=tenant_a.coach)
    assert old not in feed.token_hash
    assert new not in feed.token_hash  # only the hash is kept
    assert len(new) >= 43  # 256 bits, URL-safe
    assert "shown only now" in second.content.decode()
    assert "Anyone who has this address can read the feed" in client.get(SETTINGS).content.decode()
    assert new not in client.get(SETTINGS).content.decode()  # never shown again
    assert AuditEvent.objects.filter(action="export", object_type="calendar feed").count() == 2


def test_turning_the_feed_off_stops_it(client, tenant_a):
    token = services.feed_create(coach=tenant_a.coach, actor=tenant_a.coach.user)
    client.force_login(tenant_a.coach.user)
    assert client.post(SETTINGS, {"action": "off"}).status_code == 302
    assert not CalendarFeed.objects.exists()
    client.logout()
    assert client.get(feed_url(token)).status_code == 404


def test_a_deactivated_coach_feed_stops(client, tenant_a):
    token = services.feed_create(coach=tenant_a.coach, actor=tenant_a.coach.user)
    tenant_a.coach.active = False
    tenant_a.coach.save()
    assert client.get(feed_url(token)).status_code == 404
    tenant_a.coach.active = True
    tenant_a.coach.save()
    tenant_a.coach.user.is_active = False
    tenant_a.coach.user.save()
    assert client.get(feed_url(token)).status_code == 404


def test_an_unknown_token_is_404(client):
    assert client.get(feed_url("not-a-real-token")).status_code == 404


def test_reads_are_rate_limited_per_address_and_per_feed(client, tenant_a, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "calendar_feed": (3, 3600)}
    token = services.feed_create(coach=tenant_a.coach, actor=tenant_a.coach.user)
    for _ in range(3):
        assert client.get(feed_url(token)).status_code == 200
    refused = client.get(feed_url(token), REMOTE_ADDR="203.0.113.9")  # another address, the same feed
    assert refused.status_code == 429
    assert "Retry-After" in refused
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "calendar_feed": (100, 3600), "calendar_feed_address": (5, 3600)}
    for i in range(5):
        assert client.get(feed_url(f"guess-{i}"), REMOTE_ADDR="198.51.100.7").status_code == 404
    assert (
        client.get(feed_url("guess-again"), REMOTE_ADDR="198.51.100.7").status_code == 429
    )  # guessing, from one address


@pytest.mark.parametrize("rows", [3, 30])
def test_the_feed_costs_the_same_queries_for_3_or_30_events(client, tenant_a, rows, django_assert_max_num_queries):
    for i in range(rows):
        session(tenant_a, days=i % 20, title=f"Session {i}")
        modeled_lesson(tenant_a, days=i % 20, title=f"Cycle {i}")
    token = services.feed_create(coach=tenant_a.coach, actor=tenant_a.coach.user)
    with django_assert_max_num_queries(4):
        response = client.get(feed_url(token))
    assert response.content.decode().count("BEGIN:VEVENT") == 2 * rows


def test_only_coaches_have_a_feed_page(client, teacher, district_admin, program_director):
    for user in (teacher, district_admin, program_director):
        client.force_login(user)
        assert client.get(SETTINGS).status_code == 403
