"""Sessions that a background request only reads.

Sessions are saved on every request (their expiry counts inactivity, not sign-in). A request a
page makes by itself (a script asking who is signed in) is not activity: it must neither push the
expiry on nor send the session cookie again, or an open tab would keep a session alive forever,
and a reply that lands after the browser dropped its cookies would put the cookie back."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseBase

View = Callable[..., HttpResponseBase]


def session_read_only(view: View) -> View:
    """Mark a view whose requests read the session but never save it nor set its cookie."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        request.session_read_only = True  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's session middleware, except for requests to views marked `session_read_only`."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if getattr(request, "session_read_only", False):
            return response
        return super().process_response(request, response)
