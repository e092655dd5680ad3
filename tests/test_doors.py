"""Doors open to anyone: the client's address behind a proxy, sign-in lockouts that cannot be
used as a weapon, and rate limits on the public endpoints (a clear 429 page)."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core import mail
from django.core.cache.backends.redis import RedisCache
from django.test import RequestFactory, override_settings
from django.urls import reverse

from conftest import need
from teachers.models import Role
from teachers.tests.factories import UserFactory
from toolkit.http import client_ip
from toolkit.ratelimit import Limit, by_address, hit

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"
PROXY = "10.0.0.2"


def request_from(remote: str, forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote, **({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {})}
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "203.0.113.9", None, "203.0.113.9"),
        (0, "203.0.113.9", "198.51.100.1", "203.0.113.9"),  # no proxy: the header is the client's word
        (1, PROXY, "198.51.100.7", "198.51.100.7"),
        (1, PROXY, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # what the client wrote on the left is ignored
        (2, PROXY, "6.6.6.6, 198.51.100.7, 10.0.0.1", "198.51.100.7"),
        (1, PROXY, "", PROXY),  # a proxy that forwarded nothing: its own address
        (1, PROXY, "not-an-address", PROXY),
        (2, PROXY, "198.51.100.7", PROXY),  # fewer hops than proxies: never trust the client's
    ],
)
def test_the_client_address_is_read_from_the_trusted_proxies_only(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = proxies
    assert client_ip(request_from(remote, forwarded)) == expected


def sign_in(client, username: str, password: str, forwarded: str):
    return client.post(reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)  # fmt: skip


@pytest.fixture
def victim():
    user = UserFactory(username="victim", email="victim@example.org", role=Role.COACH)
    user.set_password(PASSWORD)
    user.save()
    return user


def test_behind_a_proxy_an_attacker_cannot_lock_someone_else_out(client, settings, victim):
    settings.TRUSTED_PROXIES = 1
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        sign_in(client, "victim", "wrong-password", forwarded="203.0.113.66")
    assert sign_in(client, "victim", PASSWORD, forwarded="203.0.113.66").status_code == 429  # the attacker is locked
    response = sign_in(client, "victim", PASSWORD, forwarded="198.51.100.7")  # the victim, from their own address
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_without_a_trusted_proxy_a_forged_header_does_not_dodge_the_lockout(client, settings, victim):
    settings.TRUSTED_PROXIES = 0
    for n in range(settings.AXES_FAILURE_LIMIT + 1):
        sign_in(client, "victim", "wrong-password", forwarded=f"198.51.100.{n}")  # a new forged address each time
    assert sign_in(client, "victim", PASSWORD, forwarded="198.51.100.200").status_code == 429


def test_a_locked_out_person_resets_their_password_and_signs_in(client, settings, victim):
    settings.TRUSTED_PROXIES = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "victim", "wrong-password", forwarded="198.51.100.7")
    assert sign_in(client, "victim", PASSWORD, forwarded="198.51.100.7").status_code == 429
    client.post(reverse("password_reset"), {"email": "victim@example.org"}, REMOTE_ADDR=PROXY,
                HTTP_X_FORWARDED_FOR="198.51.100.7")  # fmt: skip
    [message] = mail.outbox
    link = re.search(r"https?://[^/\s]+(/password-reset/\S+/\S+/)", message.body).group(1)
    form = client.get(link, follow=True)
    new = "a-brand-new-passphrase-2026"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    response = sign_in(client, "victim", new, forwarded="198.51.100.7")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_twenty_password_reset_requests_send_at_most_five_emails_then_a_429_page(client, victim):
    answers = [client.post(reverse("password_reset"), {"email": "victim@example.org"}).status_code for _ in range(20)]
    assert answers[:5] == [302] * 5
    assert set(answers[5:]) == {429}
    assert len(mail.outbox) == 5
    page = client.post(reverse("password_reset"), {"email": "victim@example.org"})
    assert page.status_code == 429
    assert int(page["Retry-After"]) > 0
    assert "Too many requests" in page.content.decode()
    assert "no-store" in page["Cache-Control"]


def test_one_email_address_is_limited_from_many_client_addresses(client, settings, victim):
    settings.TRUSTED_PROXIES = 1
    for n in range(12):
        client.post(reverse("password_reset"), {"email": "VICTIM@example.org "}, REMOTE_ADDR=PROXY,
                    HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")  # fmt: skip
    assert len(mail.outbox) == 5


def test_a_rate_limit_is_shared_by_every_web_process_through_redis(settings):
    """Two cache clients (as two gunicorn workers would hold) count the same door together."""
    need(bool(settings.REDIS_URL), "REDIS_URL is not set (a real Redis is needed)")
    prefix = f"fulcrum-test-{uuid.uuid4().hex[:8]}"
    params = {"KEY_PREFIX": prefix, "TIMEOUT": 60}
    shared = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": settings.REDIS_URL, **params}
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "test_door": (3, 60)}
    limit = Limit("test_door", keys=by_address)
    request = request_from("198.51.100.9")
    with override_settings(CACHES={**settings.CACHES, "default": shared}):
        from django.core.cache import caches

        first = caches["default"]
        other = RedisCache(settings.REDIS_URL, params)  # a second process's own connection
        assert [hit(limit, request) for _ in range(3)] == [None, None, None]
        assert hit(limit, request) is not None
        keys = other._cache.get_client().keys(f"{prefix}:*")  # the counter lives in Redis, not in memory
        assert keys
        first.delete_many([k.decode().split(":", 2)[2] for k in keys])


def test_the_reset_email_goes_out_through_a_real_smtp_server(client, victim, smtp_server):
    response = client.post(reverse("password_reset"), {"email": "victim@example.org"})
    assert response.status_code == 302
    [message] = smtp_server.messages
    assert message["To"] == "victim@example.org"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert re.search(r"/password-reset/\S+/\S+/", body)


def test_a_private_link_cannot_be_hammered(client, settings, tenant_a):
    """Answers (and sign-ups) through a private link: limited per address and per link."""
    from cycles import services

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "reflection_link": (3, 3600)}
    cycle = services.cycle_start(coach=tenant_a.coach, teachers=[tenant_a.teacher], title="Exit tickets")
    _link, token = services.reflection_link_create(cycle=cycle, teacher=tenant_a.teacher, by=tenant_a.coach.user,
                                                   occasion="free")  # fmt: skip
    url = reverse("reflect", args=[token])
    answers = [client.post(url, {"what_happened": ""}).status_code for _ in range(5)]
    assert 429 not in answers[:3]  # the form is shown again, with its errors
    assert answers[3:] == [429, 429]
    assert client.get(url).status_code == 200  # reading the form is not limited
