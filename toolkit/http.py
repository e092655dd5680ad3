"""Requests: the type of a signed-in one, and the address of the person making one."""

from __future__ import annotations

import ipaddress
from typing import Generic, TypeVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

UserT = TypeVar("UserT", bound=AbstractBaseUser)


class AuthedRequest(HttpRequest, Generic[UserT]):
    """An `HttpRequest` behind `login_required`: its `user` is a real account, never anonymous.
    Each app names its own alias, e.g. `Request = AuthedRequest[User]` in `teachers.access`."""

    # Narrower than HttpRequest's `user` (an account or AnonymousUser), which mypy refuses for an
    # attribute one may assign; login_required (or a check like it) is what makes it true.
    user: UserT  # type: ignore[assignment]


def client_ip(request: HttpRequest) -> str | None:
    """The address of the person making the request.

    Without a proxy (`FULCRUM_TRUSTED_PROXIES` = 0, the default) it is the connection's own
    address: an X-Forwarded-For header is then whatever the client chose to send, and is ignored.
    Behind N trusted proxies, each of which appends the address it saw to X-Forwarded-For, the
    client is the N-th address from the right; anything further left was written by the client
    and is ignored. A malformed value gives the connection's address."""
    remote = _valid_ip(request.META.get("REMOTE_ADDR", ""))
    proxies: int = getattr(settings, "TRUSTED_PROXIES", 0)
    if proxies <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) < proxies:
        return remote
    return _valid_ip(hops[-proxies]) or remote


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None
