"""The two doors of a sign-in with a district's provider: the start (a redirect to the provider)
and the callback (the provider's answer). A refusal goes back to the sign-in page with a message
that says why, is written to the audit log, and leaves nobody signed in."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from .access import get_sign_in_provider, sign_in_providers_offered
from .audit import AuditAction, audit_record
from .models import SignInProvider
from .sso import SignInRefused, provider_metadata


class SignIn(auth_views.LoginView):
    """The sign-in page: username and password, and a button for each enabled provider."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "providers": list(sign_in_providers_offered())}


def _refuse(request: HttpRequest, provider: SignInProvider | None, refusal: SignInRefused) -> HttpResponse:
    label = f"{refusal.email or 'unknown'} via {provider.display_name if provider else 'a provider'}"
    audit_record(
        action=AuditAction.SIGN_IN_FAILED, request=request, actor=refusal.user,
        actor_label="" if refusal.user else label,
        district=provider.district_id if provider else None, object_type="sign_in_provider",
        object_ref=provider.pk if provider else "", detail=f"single sign-on refused: {refusal.reason}",
    )  # fmt: skip
    messages.error(request, refusal.message)
    return redirect("login")


@method_decorator(never_cache, name="dispatch")
class SignInStart(OIDCAuthenticationRequestView):  # type: ignore[misc]
    """Send the browser to the provider's sign-in page, with state, nonce and a PKCE challenge kept
    in the session (by the library) beside the provider they belong to."""

    def __init__(self, **kwargs: Any) -> None:
        View.__init__(self, **kwargs)  # the library would read one provider from settings here

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        if request.user.is_authenticated:
            return redirect("home")
        provider = get_sign_in_provider(pk=pk)
        try:
            metadata = provider_metadata(provider)
        except SignInRefused as refusal:
            return _refuse(request, provider, refusal)
        self.OIDC_OP_AUTH_ENDPOINT, self.OIDC_RP_CLIENT_ID = metadata.authorization_endpoint, provider.client_id
        response: HttpResponseBase = super().get(request)
        state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
        request.session["oidc_states"][state]["provider"] = provider.pk
        request.session.modified = True
        return response


@method_decorator(never_cache, name="dispatch")
class SignInCallback(OIDCAuthenticationCallbackView):  # type: ignore[misc]
    """The provider's answer: the state must be one this browser started (used once), then the
    code is exchanged and the token and the person checked (teachers.sso.ProviderBackend)."""

    @property
    def failure_url(self) -> str:
        return "login"

    def get(self, request: HttpRequest) -> HttpResponseBase:
        if request.user.is_authenticated:  # nobody signed in starts a sign-in (SignInStart)
            return redirect("home")
        state = request.GET.get("state", "")
        started = request.session.get("oidc_states")
        entry = started.pop(state, None) if isinstance(started, dict) and state else None
        request.session.modified = True
        provider = SignInProvider.objects.filter(pk=entry.get("provider"), enabled=True).first() if entry else None
        if entry is None or provider is None:
            return _refuse(request, None, SignInRefused(
                "That sign-in had expired or was already used. Start again from the button below.",
                reason="unknown or used state"))  # fmt: skip
        if request.GET.get("error"):
            error = request.GET["error"][:60]
            why = "you chose not to allow it" if error == "access_denied" else f"the provider answered “{error}”"
            return _refuse(request, provider, SignInRefused(
                f"{provider.display_name} did not sign you in: {why}.", reason=f"provider error {error}"))  # fmt: skip
        if not request.GET.get("code"):
            return _refuse(request, provider, SignInRefused(
                f"{provider.display_name} sent no sign-in code.", reason="no code"))  # fmt: skip
        try:
            user = auth.authenticate(request=request, provider=provider, nonce=entry.get("nonce"),
                                     code_verifier=entry.get("code_verifier"))  # fmt: skip
        except SignInRefused as refusal:
            return _refuse(request, provider, refusal)
        if user is None:  # a lockout or another backend's refusal, not the provider's
            return _refuse(request, provider, SignInRefused(
                "Signing in is not possible just now; try again later.", reason="refused by a backend"))  # fmt: skip
        self.user = user
        request.sign_in_via = provider.display_name  # type: ignore[attr-defined]  # for the audit log
        response: HttpResponseBase = self.login_success()
        return response
