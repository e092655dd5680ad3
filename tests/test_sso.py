"""Signing in with a district's OpenID provider, against a real one: django-oauth-toolkit running
as its own process on loopback (tests/oidc_provider), reached by HTTP for its login form, with
Fulcrum driven by the test client. The browser journey is tests/e2e/test_oidc_sign_in.py."""

from __future__ import annotations

from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from teachers.models import AuditAction, AuditEvent, Role, SignInProvider
from teachers.tests.factories import UserFactory
from tests.oidc_provider.fixture import callback_path, identity_provider, sign_in_at_provider

pytestmark = pytest.mark.django_db
__all__ = ["identity_provider"]  # a fixture, imported for pytest


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()  # discovery and keys are cached per provider row; each test makes its own rows


@pytest.fixture
def people(tenant_a):
    """Fulcrum's side of the provider's people (tests/oidc_provider/fixture.PEOPLE): Ava is tenant
    A's teacher (her address in another case than the provider's), Dee a deactivated coach, Olga
    someone at a domain Maple Grove's provider may not sign in; "nobody" has no Fulcrum account."""
    ava = tenant_a.teacher.user
    ava.email = "ava.teacher@maple.example"
    ava.save()
    UserFactory(username="una_f", email="una@maple.example", role=Role.TEACHER)
    UserFactory(username="dee_f", email="dee@maple.example", role=Role.COACH, is_active=False)
    UserFactory(username="olga_f", email="olga@elsewhere.example", role=Role.TEACHER)
    return ava


def provider_row(
    idp, tenant, client="fulcrum-quick", *, issuer=None, domains="maple.example", name="Maple Grove accounts"
):
    client_id, secret = idp.client(client)
    return SignInProvider.objects.create(
        display_name=name,
        district=tenant.district,
        issuer=issuer or idp.issuer,
        client_id=client_id,
        client_secret=secret,
        allowed_email_domains=domains,
    )


def sign_in(client, provider, username):
    start = client.get(reverse("sso:start", args=[provider.pk]))
    assert start.status_code == 302, start.content[:300]
    return client.get(callback_path(sign_in_at_provider(start["Location"], username)))


def refused(client, response, text: str, reason: str, *, sign_ins: int = 0) -> None:
    """Back on the sign-in page with `text` said there, nobody signed in, the refusal audited."""
    assert (response.status_code, response["Location"]) == (302, reverse("login"))
    page = client.get(reverse("login")).content.decode()
    assert text in page.replace("&#x27;", "'")
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.filter(action=AuditAction.SIGN_IN_FAILED).latest("pk")
    assert event.detail == f"single sign-on refused: {reason}"
    assert AuditEvent.objects.filter(action=AuditAction.SIGN_IN).count() == sign_ins


def test_a_teacher_signs_in_by_verified_email_and_lands_on_her_home_page(client, identity_provider, tenant_a, people):
    provider = provider_row(identity_provider, tenant_a)
    start = client.get(reverse("sso:start", args=[provider.pk]))
    asked = parse_qs(urlsplit(start["Location"]).query)
    # The authorization code flow with PKCE (S256) and a nonce, at the discovered endpoint.
    assert start["Location"].startswith(f"{identity_provider.issuer}/authorize/")
    assert (asked["response_type"], asked["scope"], asked["code_challenge_method"]) == (["code"], ["openid email"],
                                                                                         ["S256"])  # fmt: skip
    assert (len(asked["code_challenge"][0]), len(asked["nonce"][0])) == (43, 32)
    done = client.get(callback_path(sign_in_at_provider(start["Location"], "ava")))
    assert (done.status_code, done["Location"]) == (302, reverse("home"))
    assert client.session["_auth_user_id"] == str(people.pk)
    assert client.get(reverse("home"))["Location"] == reverse("cycles:list")
    event = AuditEvent.objects.get(action=AuditAction.SIGN_IN)
    assert (event.actor_id, event.detail, event.district_id) == (people.pk, "with Maple Grove accounts",
                                                                 tenant_a.district.pk)  # fmt: skip
    # The state is used once: the same answer again signs nobody in.
    client.logout()
    again = client.get(callback_path(done.wsgi_request.get_full_path()))
    refused(client, again, "That sign-in had expired or was already used", "unknown or used state", sign_ins=1)


def test_the_next_page_is_kept_through_the_provider(client, identity_provider, tenant_a, people):
    provider = provider_row(identity_provider, tenant_a)
    start = client.get(reverse("sso:start", args=[provider.pk]) + "?next=/cycles/")
    done = client.get(callback_path(sign_in_at_provider(start["Location"], "ava")))
    assert done["Location"] == "/cycles/"


@pytest.mark.parametrize(
    ("fault", "text", "reason"),
    [
        ("wrong-issuer", "the token was not issued by http://127.0.0.1:", "wrong issuer"),
        ("wrong-audience", "the token was issued for another application", "wrong audience"),
        ("expired", "the token has expired", "expired token"),
        ("wrong-nonce", "the token does not belong to this sign-in", "wrong nonce"),
        ("forged-signature", "its signature is not the provider's", "bad signature"),
    ],
)
def test_a_token_that_fails_a_check_signs_nobody_in(client, identity_provider, tenant_a, people, fault, text, reason):
    provider = provider_row(identity_provider, tenant_a, fault)
    response = sign_in(client, provider, "ava")
    refused(client, response, f"The sign-in with Maple Grove accounts was refused: {text}", reason)


@pytest.mark.parametrize(
    ("username", "text", "reason"),
    [
        ("una", "Maple Grove accounts has not verified the address una@maple.example", "email not verified"),
        ("olga", "Addresses at elsewhere.example may not sign in with Maple Grove accounts", "domain not allowed"),
        ("nobody", "No Fulcrum account uses this address (nobody@maple.example); ask your program director.",
         "no account"),
        ("dee", "The Fulcrum account of dee@maple.example is deactivated; ask your program director.",
         "account deactivated"),
    ],
)  # fmt: skip
def test_a_person_the_rules_do_not_match_is_told_why(
    client, identity_provider, tenant_a, people, username, text, reason
):
    provider = provider_row(identity_provider, tenant_a, domains="maple.example, maple-grove.example")
    refused(client, sign_in(client, provider, username), text, reason)
    event = AuditEvent.objects.get(action=AuditAction.SIGN_IN_FAILED)
    assert event.district_id == tenant_a.district.pk  # the district's administrator reviews it


def test_signing_in_gives_no_role_and_makes_no_account(client, identity_provider, tenant_a, people):
    provider = provider_row(identity_provider, tenant_a)
    before = list(type(people).objects.values_list("pk", "role", "is_staff", "is_superuser").order_by("pk"))
    sign_in(client, provider, "nobody")
    sign_in(client, provider, "ava")
    assert list(type(people).objects.values_list("pk", "role", "is_staff", "is_superuser").order_by("pk")) == before


def test_a_site_administrator_keeps_signing_in_with_a_password(client, identity_provider, tenant_a, people):
    UserFactory(username="root_f", email="nobody@maple.example", role=Role.SITE_ADMIN, is_staff=True, is_superuser=True)
    provider = provider_row(identity_provider, tenant_a)
    text = "Site administrators sign in with their username and password."
    refused(client, sign_in(client, provider, "nobody"), text, "site administrator")


def test_a_provider_set_up_with_another_issuer_url_is_refused_before_the_redirect(client, identity_provider, tenant_a):
    other = identity_provider.issuer.replace("127.0.0.1", "localhost")  # the same server, named otherwise
    provider = provider_row(identity_provider, tenant_a, issuer=other)
    response = client.get(reverse("sso:start", args=[provider.pk]))
    refused(client, response, f"Maple Grove accounts is set up with the issuer {other}, but the provider names itself "
            f"{identity_provider.issuer}.", "discovery names another issuer")  # fmt: skip


def test_an_unreachable_provider_is_said_so_and_passwords_still_work(client, tenant_a, people):
    provider = SignInProvider.objects.create(
        display_name="Down accounts",
        issuer="http://127.0.0.1:9/o",
        client_id="x",
        client_secret="y",
        allowed_email_domains="maple.example",
    )
    refused(client, client.get(reverse("sso:start", args=[provider.pk])), "Down accounts could not be reached just now",
            "provider unreachable (ConnectionError)")  # fmt: skip
    people.set_password("correct-horse-battery")
    people.save()
    response = client.post(reverse("login"), {"username": people.username, "password": "correct-horse-battery"})
    assert (response.status_code, client.session["_auth_user_id"]) == (302, str(people.pk))


def test_the_provider_declining_consent_signs_nobody_in(client, identity_provider, tenant_a, people):
    provider = provider_row(identity_provider, tenant_a)
    start = client.get(reverse("sso:start", args=[provider.pk]))
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    response = client.get(reverse("sso:callback"), {"state": state, "error": "access_denied"})
    refused(client, response, "Maple Grove accounts did not sign you in: you chose not to allow it.",
            "provider error access_denied")  # fmt: skip


def test_the_discovery_document_and_keys_are_fetched_once_for_many_sign_ins(
    client, identity_provider, tenant_a, people
):
    provider = provider_row(identity_provider, tenant_a)
    with mock.patch("teachers.sso.requests.get", wraps=requests.get) as fetch:
        for _ in range(2):
            sign_in(client, provider, "ava")
            client.logout()
    urls = [call.args[0] for call in fetch.call_args_list]
    assert urls == [f"{identity_provider.issuer}/.well-known/openid-configuration",
                    f"{identity_provider.issuer}/.well-known/jwks.json"]  # fmt: skip
    assert AuditEvent.objects.filter(action=AuditAction.SIGN_IN).count() == 2


def test_a_password_lockout_still_holds_and_does_not_close_the_district_door(
    client, identity_provider, tenant_a, people
):
    provider = provider_row(identity_provider, tenant_a)
    for _ in range(5):
        client.post(reverse("login"), {"username": people.username, "password": "wrong-password-1"})
    locked = client.post(reverse("login"), {"username": people.username, "password": "correct-horse-battery"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # The lockout guards the password; the provider's sign-in does not use it.
    response = sign_in(client, provider, "ava")
    assert (response["Location"], client.session["_auth_user_id"]) == (reverse("home"), str(people.pk))


def test_the_sign_in_page_offers_each_enabled_provider(client, tenant_a, django_assert_max_num_queries):
    assert "Sign in with" not in client.get(reverse("login")).content.decode()  # none set up: passwords only
    for i in range(3):
        SignInProvider.objects.create(display_name=f"District {i} accounts", issuer=f"https://idp{i}.example",
                                      client_id="c", client_secret="s", allowed_email_domains="d.example")  # fmt: skip
    off = SignInProvider.objects.create(
        display_name="Retired accounts",
        issuer="https://old.example",
        client_id="c",
        client_secret="s",
        allowed_email_domains="d.example",
        enabled=False,
    )
    with django_assert_max_num_queries(1):
        page = client.get(reverse("login")).content.decode()
    for i in range(3):
        assert f"Sign in with District {i} accounts" in page
    assert "Retired accounts" not in page
    assert client.get(reverse("sso:start", args=[off.pk])).status_code == 404


def test_a_provider_needs_https_and_at_least_one_domain():
    bad = SignInProvider(display_name="X", issuer="http://idp.example", client_id="c", client_secret="s",
                         allowed_email_domains=" , ")  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        bad.full_clean()
    assert set(caught.value.message_dict) == {"issuer", "allowed_email_domains"}
    good = SignInProvider(display_name="X", issuer="https://idp.example", client_id="c", client_secret="s",
                          allowed_email_domains="Maple.Example, maple.example,district.org")  # fmt: skip
    good.full_clean()
    assert good.allowed_email_domains == "maple.example, district.org"
    assert [good.allows(e) for e in ("A@MAPLE.example", "a@sub.maple.example", "maple.example")] == [True, False, False]
    not_domain = SignInProvider(display_name="X", issuer="https://idp.example", client_id="c", client_secret="s",
                                allowed_email_domains="maple")  # fmt: skip
    with pytest.raises(ValidationError, match="Not a domain: maple"):
        not_domain.full_clean()


def test_keys_rotated_since_they_were_cached_are_read_again(client, identity_provider, tenant_a, people):
    """A key set cached before the provider rotated its keys (here: another key under another id)
    names no key of the new token: the set is read again once, and the sign-in goes through."""
    from teachers import sso

    provider = provider_row(identity_provider, tenant_a)
    stale = {"kty": "RSA", "kid": "retired-key", "use": "sig", "alg": "RS256", "e": "AQAB", "n": "sXch" * 64}
    cache.set(sso._key("jwks", provider), [stale], sso.JWKS_SECONDS)
    with mock.patch("teachers.sso.requests.get", wraps=requests.get) as fetch:
        response = sign_in(client, provider, "ava")
    assert response["Location"] == reverse("home")
    assert [call.args[0] for call in fetch.call_args_list][-1] == f"{identity_provider.issuer}/.well-known/jwks.json"
    assert [k["kid"] for k in cache.get(sso._key("jwks", provider))] != ["retired-key"]
