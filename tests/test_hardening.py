"""Deployment hardening: production checks, the content security policy, sign-in throttling,
password reset that reveals nothing, session expiry."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from teachers.tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery"


def test_check_deploy_is_clean_under_production_settings():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},  # set for browser tests
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-for-the-check-only",
        "DJANGO_ALLOWED_HOSTS": "fulcrum.example.org",
        "DATABASE_URL": "sqlite:///unused.sqlite3",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", DJANGO_ALLOWED_HOSTS="x", DATABASE_URL="sqlite://")
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)  # fmt: skip
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_script(client, coach):
    client.force_login(coach)
    policy = client.get(reverse("coaching:my_week"))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


def test_no_template_contains_an_inline_script():
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in ROOT.glob("**/templates/**/*.html")
        if ".venv" not in path.parts
        for match in inline.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.django_db
def test_five_failed_sign_ins_lock_that_username_from_that_address_for_a_while(client):
    user = UserFactory(username="locky", password=PASSWORD)
    UserFactory(username="bystander", password=PASSWORD)
    url = reverse("login")
    for _ in range(4):
        response = client.post(url, {"username": "locky", "password": "wrong-password"}, REMOTE_ADDR="10.0.0.7")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    fifth = client.post(url, {"username": "locky", "password": "wrong-password"}, REMOTE_ADDR="10.0.0.7")
    assert fifth.status_code == 429  # the fifth failure locks
    locked = client.post(url, {"username": "locky", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7")
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    assert "15 minutes" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Someone else, or the same person elsewhere, is not locked out.
    other = client.post(url, {"username": "bystander", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7")
    assert other.status_code == 302
    assert int(client.session["_auth_user_id"]) != user.pk
    assert settings.AXES_COOLOFF_TIME == 0.25  # hours: 15 minutes


@pytest.mark.django_db
def test_password_reset_says_the_same_whether_or_not_the_account_exists(client):
    UserFactory(username="known", email="known@example.org", password=PASSWORD)
    url = reverse("password_reset")
    known = client.post(url, {"email": "known@example.org"}, follow=True)
    unknown = client.post(url, {"email": "nobody@example.org"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain == [(reverse("password_reset_done"), 302)]
    tokens = re.compile(rb'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+')
    assert tokens.sub(b"", known.content) == tokens.sub(b"", unknown.content)  # the same page, but for tokens
    assert [m.to for m in mail.outbox] == [["known@example.org"]]
    assert "/password-reset/" in mail.outbox[0].body


def test_sessions_expire_after_eight_hours_of_inactivity_by_default():
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST  # the clock restarts on every request: inactivity, not age


def test_strong_passwords_are_required():
    names = {v["NAME"].rsplit(".", 1)[-1] for v in settings.AUTH_PASSWORD_VALIDATORS}
    assert {"MinimumLengthValidator", "CommonPasswordValidator", "NumericPasswordValidator",
            "UserAttributeSimilarityValidator"} <= names  # fmt: skip


MIN_PASSWORD_LENGTH = 10


@pytest.mark.django_db
def test_a_password_one_short_of_ten_characters_is_refused_and_one_of_ten_accepted():
    user = UserFactory(username="lengthy", email="lengthy@example.org")
    password = "kq7-wzvbmr"  # not common, not numeric, nothing like the user's name
    assert len(password) == MIN_PASSWORD_LENGTH
    with pytest.raises(ValidationError) as refused:
        validate_password(password[:-1], user)
    assert refused.value.messages == [
        f"This password is too short. It must contain at least {MIN_PASSWORD_LENGTH} characters."
    ]
    assert validate_password(password, user) is None  # exactly the minimum: every validator accepts it
