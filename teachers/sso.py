"""Signing in with a district's OpenID Connect provider (mozilla-django-oidc, one provider per
SignInProvider row instead of one in settings).

The library runs the authorization code flow with PKCE, keeps state, nonce and code verifier in
the session, and exchanges the code for tokens. What Fulcrum adds: the provider's endpoints come
from its discovery document (cached), the ID token is checked here in full (signature by a key of
the provider's JWKS, issuer, audience, expiry, nonce), and the person is found, never made: an
existing active account whose address is the token's verified email, at an allowed domain."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from .models import Role, SignInProvider, User, is_secure_url

# Asymmetric algorithms only: a symmetric one would verify with the client secret, which is not
# the provider's key, and "none" verifies nothing.
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
DISCOVERY_SECONDS = 3600
JWKS_SECONDS = 3600


class SignInRefused(Exception):
    """A sign-in that must not happen: `message` is for the person, `reason` for the audit log."""

    def __init__(self, message: str, *, reason: str, email: str = "", user: User | None = None) -> None:
        super().__init__(message)
        self.message, self.reason, self.email, self.user = message, reason, email, user


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: tuple[str, ...]


def _key(kind: str, provider: SignInProvider) -> str:
    digest = hashlib.sha256(f"{provider.issuer}|{provider.pk}".encode()).hexdigest()[:32]
    return f"sso:{kind}:{digest}"


def _get_json(url: str, provider: SignInProvider) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise SignInRefused(
            f"{provider.display_name} could not be reached just now. Try again in a moment, or sign in "
            "with your username and password.",
            reason=f"provider unreachable ({type(exc).__name__})",
        ) from exc
    if not isinstance(data, dict):
        raise SignInRefused(f"{provider.display_name} answered with something that is not JSON.", reason="bad JSON")
    return data


def provider_metadata(provider: SignInProvider) -> ProviderMetadata:
    """The provider's endpoints from {issuer}/.well-known/openid-configuration, cached an hour.
    Refused when the document names another issuer or an endpoint that is not https."""
    cached = cache.get(_key("discovery", provider))
    if isinstance(cached, ProviderMetadata):
        return cached
    doc = _get_json(f"{provider.issuer.rstrip('/')}/.well-known/openid-configuration", provider)
    if doc.get("issuer") != provider.issuer:
        raise SignInRefused(
            f"{provider.display_name} is set up with the issuer {provider.issuer}, but the provider names "
            f"itself {str(doc.get('issuer'))[:200]}. A site administrator must correct the issuer.",
            reason="discovery names another issuer",
        )
    endpoints = [doc.get(name) for name in ("authorization_endpoint", "token_endpoint", "jwks_uri")]
    if not all(isinstance(url, str) and is_secure_url(url) for url in endpoints):
        raise SignInRefused(
            f"{provider.display_name}'s discovery document lacks an https sign-in, token or key address.",
            reason="discovery endpoints missing or not https",
        )
    offered = doc.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = tuple(a for a in SIGNING_ALGORITHMS if a in offered)
    authorize, token, jwks = (str(url) for url in endpoints)
    metadata = ProviderMetadata(provider.issuer, authorize, token, jwks, algorithms)
    cache.set(_key("discovery", provider), metadata, DISCOVERY_SECONDS)
    return metadata


def _jwks(provider: SignInProvider, metadata: ProviderMetadata, *, fresh: bool = False) -> list[dict[str, Any]]:
    keys = None if fresh else cache.get(_key("jwks", provider))
    if not isinstance(keys, list):
        keys = _get_json(metadata.jwks_uri, provider).get("keys")
        keys = [k for k in keys if isinstance(k, dict)] if isinstance(keys, list) else []
        cache.set(_key("jwks", provider), keys, JWKS_SECONDS)
    return keys


def signing_key(provider: SignInProvider, metadata: ProviderMetadata, header: dict[str, Any]) -> jwt.PyJWK:
    """The provider's key that the token's header names. The key set is read again once when the
    key is not in the cached one (the provider may have rotated its keys)."""
    kid, alg = header.get("kid"), header.get("alg")
    for fresh in (False, True):
        for jwk in _jwks(provider, metadata, fresh=fresh):
            if (kid is None or jwk.get("kid") == kid) and jwk.get("alg", alg) == alg and jwk.get("use", "sig") == "sig":
                try:
                    return jwt.PyJWK(jwk, algorithm=alg)
                except jwt.PyJWTError:
                    continue
    raise SignInRefused(_refused(provider, "its signature is not by any of the provider's keys"), reason="unknown key")


def _refused(provider: SignInProvider, why: str) -> str:
    return f"The sign-in with {provider.display_name} was refused: {why}. Nobody was signed in."


def id_token_claims(
    provider: SignInProvider, metadata: ProviderMetadata, token: str, *, nonce: str | None
) -> dict[str, Any]:
    """The claims of an ID token that is signed by the provider's key with an allowed algorithm,
    issued by the configured issuer for this client, not expired, and carrying this sign-in's nonce."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        why = _refused(provider, "the provider sent no readable ID token")
        raise SignInRefused(why, reason="unreadable token") from exc
    alg = header.get("alg")
    if alg not in metadata.algorithms:
        why = _refused(provider, f"the token is signed with {str(alg)[:20]}, which Fulcrum does not accept")
        raise SignInRefused(why, reason="signing algorithm refused")
    key = signing_key(provider, metadata, header)
    checks: list[tuple[type[jwt.PyJWTError], str, str]] = [
        (jwt.ExpiredSignatureError, "the token has expired (if this keeps happening, the provider's clock and "
         "Fulcrum's disagree)", "expired token"),
        (jwt.ImmatureSignatureError, "the token is not valid yet", "token not valid yet"),
        (jwt.InvalidIssuerError, f"the token was not issued by {provider.issuer}", "wrong issuer"),
        (jwt.InvalidAudienceError, "the token was issued for another application", "wrong audience"),
        (jwt.InvalidSignatureError, "its signature is not the provider's", "bad signature"),
        (jwt.MissingRequiredClaimError, "the token lacks a required claim", "missing claim"),
        (jwt.PyJWTError, "the token could not be verified", "invalid token"),
    ]  # fmt: skip
    try:
        claims: dict[str, Any] = jwt.decode(
            token, key, algorithms=[str(alg)], audience=provider.client_id, issuer=provider.issuer,
            leeway=settings.FULCRUM_SSO_CLOCK_SKEW_SECONDS,
            options={"require": ["iss", "aud", "exp", "iat", "sub"]},
        )  # fmt: skip
    except jwt.PyJWTError as exc:
        for kind, why, reason in checks:
            if isinstance(exc, kind):
                raise SignInRefused(_refused(provider, why), reason=reason) from exc
        raise  # every PyJWTError is matched by the last check
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != provider.client_id:
        raise SignInRefused(_refused(provider, "the token was issued for another application"), reason="wrong azp")
    if not nonce or not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
        raise SignInRefused(_refused(provider, "the token does not belong to this sign-in"), reason="wrong nonce")
    return claims


def person_for(provider: SignInProvider, claims: dict[str, Any]) -> User:
    """The one active Fulcrum account whose address is the token's verified email, at a domain the
    provider is allowed; a refusal that says why otherwise. Site administrators keep their password."""
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise SignInRefused(f"{provider.display_name} did not tell Fulcrum your email address, so nobody was "
                            "signed in.", reason="no email in token")  # fmt: skip
    email = email.strip()
    if claims.get("email_verified") is not True:
        raise SignInRefused(f"{provider.display_name} has not verified the address {email}. Fulcrum signs in "
                            "verified addresses only.", reason="email not verified", email=email)  # fmt: skip
    if not provider.allows(email):
        raise SignInRefused(f"Addresses at {email.rsplit('@', 1)[1]} may not sign in with {provider.display_name}.",
                            reason="domain not allowed", email=email)  # fmt: skip
    matches = list(User.objects.filter(email__iexact=email)[:2])
    if not matches:
        raise SignInRefused(f"No Fulcrum account uses this address ({email}); ask your program director.",
                            reason="no account", email=email)  # fmt: skip
    if len(matches) > 1:
        raise SignInRefused(f"More than one Fulcrum account uses {email}; ask your program director to "
                            "keep one.", reason="several accounts", email=email)  # fmt: skip
    user = matches[0]
    if not user.is_active:
        raise SignInRefused(f"The Fulcrum account of {email} is deactivated; ask your program director.",
                            reason="account deactivated", email=email, user=user)  # fmt: skip
    if user.is_staff or user.is_superuser or user.role == Role.SITE_ADMIN:
        raise SignInRefused("Site administrators sign in with their username and password.",
                            reason="site administrator", email=email, user=user)  # fmt: skip
    return user


class ProviderBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    """mozilla-django-oidc's backend, for the SignInProvider the callback names. It answers only
    when called with a provider, so a password sign-in never reaches it."""

    OIDC_RP_SIGN_ALGO = "RS256"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The library reads one provider from settings here; Fulcrum's come from the database.
        self.UserModel = User
        self.provider: SignInProvider | None = None

    def authenticate(
        self, request: HttpRequest | None, provider: SignInProvider | None = None, **kwargs: Any
    ) -> User | None:
        if request is None or provider is None:
            return None
        metadata = provider_metadata(provider)
        self.provider, self.metadata = provider, metadata
        self.OIDC_OP_TOKEN_ENDPOINT = metadata.token_endpoint
        self.OIDC_RP_CLIENT_ID, self.OIDC_RP_CLIENT_SECRET = provider.client_id, provider.client_secret
        try:
            user: User | None = super().authenticate(request, **kwargs)
        except requests.RequestException as exc:
            raise SignInRefused(_refused(provider, "the provider did not give Fulcrum a token for this sign-in"),
                                reason=f"token request failed ({type(exc).__name__})") from exc  # fmt: skip
        return user

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        if self.provider is None:  # set by authenticate, which alone calls this
            raise SignInRefused("No provider is signing in.", reason="no provider")
        if not isinstance(token, str):
            raise SignInRefused(_refused(self.provider, "the provider sent no ID token"), reason="no ID token")
        return id_token_claims(self.provider, self.metadata, token, nonce=kwargs.get("nonce"))

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        # The person is decided by the ID token's claims, which are signed and checked above.
        return payload

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> User:
        if self.provider is None:
            raise SignInRefused("No provider is signing in.", reason="no provider")
        return person_for(self.provider, payload)

    def get_user(self, user_id: int) -> User | None:
        # Django's rule (an inactive account's session signs nobody in), not the library's.
        return ModelBackend.get_user(self, user_id)
