"""A teacher signs in with her district's accounts, in the browser: the button on Fulcrum's
sign-in page (reached by keyboard, 44 px tall, axe clean at both widths), the redirect to the
district's provider (a real django-oauth-toolkit process on loopback, tests/oidc_provider), its
login and consent pages, the callback, and her own home page. Then someone the district's
provider knows but Fulcrum does not is told so on the sign-in page, and nobody is signed in."""

import pytest
from playwright.sync_api import expect

from teachers.models import AuditAction, AuditEvent, SignInProvider
from tests.e2e.test_accessibility import audit
from tests.oidc_provider.fixture import PASSWORD, identity_provider

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
__all__ = ["identity_provider"]  # a fixture, imported for pytest


def provider_sign_in(page, username: str) -> None:
    expect(page.get_by_role("heading", name="Test district accounts")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in to the district").click()


def test_a_teacher_signs_in_with_her_districts_accounts(live_server, guarded_page, identity_provider, tenant_a):
    page = guarded_page
    teacher = tenant_a.teacher.user
    teacher.email = "ava.teacher@maple.example"
    teacher.save()
    client_id, secret = identity_provider.client("fulcrum")  # the one application that asks for consent
    SignInProvider.objects.create(display_name="Maple Grove Google", district=tenant_a.district,
                                  issuer=identity_provider.issuer, client_id=client_id, client_secret=secret,
                                  allowed_email_domains="maple.example")  # fmt: skip

    page.goto(f"{live_server.url}/login/")
    button = page.get_by_role("link", name="Sign in with Maple Grove Google")
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 800})
        assert audit(page) == [], f"axe at {width} px"
        box = button.bounding_box()
        assert box is not None
        assert min(box["height"], box["width"]) >= 44
    expect(page.get_by_label("Username")).to_be_visible()  # passwords keep working beside it

    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{identity_provider.url}/**", timeout=10_000)
    provider_sign_in(page, "ava")
    expect(page.get_by_role("heading", name="Authorize fulcrum?")).to_be_visible()
    page.get_by_role("button", name="Authorize").click()

    page.wait_for_url(f"{live_server.url}/cycles/", timeout=10_000)
    expect(page.get_by_role("heading", name="My cycles")).to_be_visible()
    event = AuditEvent.objects.get(action=AuditAction.SIGN_IN)
    assert (event.actor_id, event.detail) == (teacher.pk, "with Maple Grove Google")

    # Signed out, and at the provider as someone with no Fulcrum account.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="Sign in with Maple Grove Google").click()
    provider_sign_in(page, "nobody")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{live_server.url}/login/", timeout=10_000)
    expect(page.get_by_role("status")).to_contain_text(
        "No Fulcrum account uses this address (nobody@maple.example); ask your program director."
    )
    assert audit(page) == []
    page.goto(f"{live_server.url}/")
    page.wait_for_url(f"{live_server.url}/login/?next=/", timeout=10_000)  # still nobody signed in
