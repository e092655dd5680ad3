"""Limits on doors anyone can knock on: at most `limit` requests per window and key, counted in
the shared cache (Redis when `REDIS_URL` is set, so every web process agrees)."""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from .http import client_ip

CACHE = "default"


@dataclass(frozen=True)
class Limit:
    """At most `settings.RATE_LIMITS[name]` = (requests, window in seconds) for each key that
    `keys` derives from a request (read when counting, so a setting changed at run time counts)."""

    name: str
    keys: Callable[[HttpRequest], Iterable[str]]
    methods: tuple[str, ...] = ("POST",)

    @property
    def rate(self) -> tuple[int, int]:
        limit, window = settings.RATE_LIMITS[self.name]
        return int(limit), int(window)


def by_address(request: HttpRequest) -> list[str]:
    return [f"ip:{client_ip(request) or 'unknown'}"]


def by_address_and_field(field: str) -> Callable[[HttpRequest], list[str]]:
    """The client's address, and (separately) the value of a posted field, e.g. an email address:
    neither many addresses asking about one account nor one address asking about many get through."""

    def keys(request: HttpRequest) -> list[str]:
        value = str(request.POST.get(field, "")).strip().lower()
        return [*by_address(request), *([f"{field}:{value}"] if value else [])]

    return keys


def by_path(request: HttpRequest) -> list[str]:
    """The link itself (its token is in the path): one link cannot be hammered from many addresses."""
    return [*by_address(request), f"path:{request.path}"]


def hit(limit: Limit, request: HttpRequest) -> int | None:
    """Count this request; the seconds to wait when one of its keys is over the limit, else None."""
    cache = caches[CACHE]
    allowed, window = limit.rate
    now = int(time.time())
    window_start = now - now % window
    retry = window - (now - window_start)
    over = False
    for key in limit.keys(request):
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]  # no address or email kept in clear
        name = f"rl:{limit.name}:{window_start}:{digest}"
        cache.add(name, 0, timeout=window + 5)
        try:
            count = cache.incr(name)
        except ValueError:  # expired between add and incr
            cache.set(name, 1, timeout=window + 5)
            count = 1
        over = over or count > allowed
    return retry if over else None


def too_many(request: HttpRequest, retry_after: int) -> HttpResponse:
    response = render(request, "rate_limited.html", {"retry_minutes": max(1, round(retry_after / 60))}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


View = Callable[..., HttpResponseBase]


def rate_limited(limit: Limit) -> Callable[[View], View]:
    """A view decorator: over the limit, a 429 page that says when to try again."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
            if request.method in limit.methods:
                retry = hit(limit, request)
                if retry is not None:
                    return too_many(request, retry)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
