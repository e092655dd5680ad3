"""The installable web app: its manifest, its service worker (at the site root, so its scope is the
whole site), the page shown when a page cannot be reached offline, and the endpoint that receives
log entries queued on a phone while the network was down."""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from teachers.access import Request
from toolkit.ratelimit import Limit, hit
from toolkit.sessions import session_read_only

from . import offline
from .access import coach_for, coach_required
from .models import Coach

# What the service worker keeps for offline use from the first visit: the static files every page
# loads (scripts, styles, icons) and the offline page. The log form is added when a coach opens it.
SHELL_STATIC = (
    "vendor/bootstrap/bootstrap.min.css",
    "css/fulcrum.css",
    "css/offline.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "django_htmx/htmx-2.min.js",
    "js/fulcrum.js",
    "js/offline.js",
    "img/fulcrum.svg",
    "img/icons/icon-192.png",
)
SW_SOURCE = "js/sw.js"
# Bumped when the service worker's caching changes in a way its source text does not show.
SW_GENERATION = 1
THEME_COLOUR = "#1f5f6b"  # the navigation bar's
BACKGROUND_COLOUR = "#ffffff"

_limit = Limit("offline_entry", keys=lambda request: [f"user:{request.user.pk}"])


def _read_static(name: str) -> bytes:
    found = finders.find(name)
    if not found or isinstance(found, list):
        raise FileNotFoundError(name)
    return Path(found).read_bytes()


def _worker_source() -> str:
    """The service worker: its settings (the shell's URLs, the cache version) and then its code.
    The version hashes the code, the generation and every shell file, so any change to one makes
    new caches and drops the old ones."""
    shell = [static(name) for name in SHELL_STATIC]
    digest = hashlib.sha256(f"{SW_GENERATION}".encode())
    code = _read_static(SW_SOURCE)
    digest.update(code)
    for name, url in zip(SHELL_STATIC, shell, strict=True):
        digest.update(url.encode())
        digest.update(_read_static(name))
    config = {
        "version": digest.hexdigest()[:12],
        "shell": shell,
        "staticUrl": static(""),
        "offlinePage": reverse("coaching:offline_page"),
        "logForm": reverse("coaching:entry_add"),
        "endpoint": reverse("coaching:offline_entry"),
        "state": reverse("coaching:offline_state"),
        "queueScript": static("js/offline.js"),
    }
    return f"self.FULCRUM_SW = {json.dumps(config)};\n{code.decode()}"


# One build per process when static files are collected and fixed (production); every request
# reads the files afresh while developing, so an edit is picked up without a restart.
_cached_worker_source = functools.lru_cache(maxsize=1)(_worker_source)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker script, served from the site root so it may control every page."""
    source = _worker_source() if settings.DEBUG else _cached_worker_source()
    # Cache-Control: no-store, as every response here: the browser checks for a new version at
    # each visit.
    response = HttpResponse(source, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


def _icon(name: str, sizes: str, purpose: str) -> dict[str, str]:
    return {"src": static(name), "sizes": sizes, "type": "image/png", "purpose": purpose}


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest. Browsers fetch it without the session cookie, so it is the same for
    everyone: it starts at Fulcrum's home, which sends a coach to My week."""
    body: dict[str, Any] = {
        "name": "Fulcrum",
        "short_name": "Fulcrum",
        "description": "Coaching time, cycles and reports.",
        "id": "/",
        "start_url": reverse("home"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            _icon("img/icons/icon-192.png", "192x192", "any"),
            _icon("img/icons/icon-512.png", "512x512", "any"),
            _icon("img/icons/icon-maskable-512.png", "512x512", "maskable"),
        ],
    }
    return HttpResponse(json.dumps(body), content_type="application/manifest+json")


@require_GET
def offline_page(request: HttpRequest) -> HttpResponse:
    """What a page that cannot be reached offline shows instead. The service worker keeps it, so it
    is rendered as for someone signed out: no name, no menu, nothing of the person who fetched it."""
    request.user = AnonymousUser()
    # Nor the person's pending messages: the service worker fetches this page in the background,
    # and a message shown to it would be lost to the page the person opens next.
    return render(request, "coaching/offline.html", {"messages": []})


@require_GET
@session_read_only
def offline_state(request: HttpRequest) -> JsonResponse:
    """Who is signed in, as the offline queue needs it: whether they log time, and an opaque tag
    that the entries a phone queues for them carry."""
    user = request.user
    coach = coach_for(user) if user.is_authenticated else None
    return JsonResponse(
        {
            "signed_in": user.is_authenticated,
            "coach": coach is not None,
            "owner": offline.owner_tag(coach.user) if coach is not None else None,
        }
    )


def _refused(status: int, errors: dict[str, list[str]], state: str = "invalid") -> JsonResponse:
    return JsonResponse({"status": state, "errors": errors}, status=status)


@coach_required
@require_POST
def offline_entry(request: Request, coach: Coach) -> JsonResponse:
    """Receive one queued log entry: `{"key": uuid, "fields": [[name, value], …], "announce": bool}`.
    201 when stored now, 200 when its key was stored before (the first result, no second row), 422
    with messages by field when it breaks a rule, 409 when the key is another coach's, 429 when too
    many were sent in an hour."""
    retry = hit(_limit, request)
    if retry is not None:
        response = JsonResponse({"status": "later", "retry_after": retry}, status=429)
        response["Retry-After"] = str(retry)
        return response
    try:
        body = json.loads(request.body)
        key = uuid.UUID(str(body["key"]))
        pairs = body["fields"]
        if not isinstance(pairs, list):
            raise ValueError("fields must be a list")
        data = offline.fields_parse(pairs)
    except (ValueError, KeyError, TypeError):
        return _refused(400, {"__all__": ["This entry could not be read; log it again."]}, "bad")
    try:
        received = offline.offline_entry_receive(coach=coach, key=key, data=data)
    except offline.KeyTaken:
        return _refused(409, {"__all__": ["This entry cannot be sent from this account; log it again."]}, "refused")
    except offline.Refused as refused:
        return _refused(422, refused.errors)
    entry = received.entry
    if entry is not None and not received.replay and body.get("announce") is True:
        messages.success(
            request, f"Logged {entry.minutes} minutes of {entry.activity} on {entry.date:%a %b} {entry.date.day}."
        )
    return JsonResponse(
        {
            "status": "stored",
            "replay": received.replay,
            "entry": entry.pk if entry is not None else None,
            "date": entry.date.isoformat() if entry is not None else None,
        },
        status=200 if received.replay else 201,
    )
