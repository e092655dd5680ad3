"""Browser journeys: Debian Chromium against live_server, with every off-machine request refused
and reported, so a page that reaches for a CDN fails its test; so does a script error or anything
the content security policy blocks."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


@pytest.fixture(autouse=True)
def builtin_lists(transactional_db):
    """Every journey starts with the built-in activities and focus areas, as a real database has
    them from its migrations: a transactional test before it may have emptied the tables."""
    from coaching.tests.factories import ensure_builtin_lists

    ensure_builtin_lists()


@pytest.fixture
def guarded_page(page):
    """A Playwright page whose requests beyond loopback are aborted and fail the test."""
    offsite: list[str] = []

    def guard(route):
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOOPBACK:
            route.continue_()
        else:
            offsite.append(route.request.url)
            route.abort()

    page.context.route("**/*", guard)
    page.set_default_timeout(10_000)
    violations: list[str] = []
    errors: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    assert not offsite, f"the page asked for off-machine URLs: {offsite}"
    assert not violations, f"the content security policy blocked something: {violations}"
    assert not errors, f"a script failed on the page: {errors}"


def sign_in(page, base_url: str, username: str, password: str = "correct-horse-battery") -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
