"""Responses that may hold someone's data are never stored by a browser or a shared cache."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """Every page Fulcrum renders carries `Cache-Control: no-store` unless its view chose caching
    itself: pages are per person (rosters, audit log, reports, check-ins, links), and a page left
    in a shared computer's cache or a proxy would show them to the next person. Static files are
    served before this runs (WhiteNoise) and keep their long-lived caching."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
