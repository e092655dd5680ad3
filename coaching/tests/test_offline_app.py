"""The installable web app: the manifest and its icons, the service worker at the site root, the
offline page, and who the offline queue is sending for."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from PIL import Image

from coaching import offline, offline_views
from coaching.tests.test_offline import fields

pytestmark = pytest.mark.django_db


def test_the_manifest_names_the_app_and_its_icons(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert (manifest["name"], manifest["short_name"], manifest["display"]) == ("Fulcrum", "Fulcrum", "standalone")
    assert (manifest["start_url"], manifest["scope"]) == ("/", "/")
    assert manifest["theme_color"] == "#1f5f6b"
    icons = {(icon["sizes"], icon["purpose"]): icon["src"] for icon in manifest["icons"]}
    assert set(icons) == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for (sizes, _), src in icons.items():
        path = finders.find(src.removeprefix("/static/"))
        assert path, src
        with Image.open(str(path)) as image:
            assert image.format == "PNG"
            assert f"{image.width}x{image.height}" == sizes


def test_the_maskable_icon_fills_its_square():
    """A maskable icon has no transparent corners: the platform cuts its own shape from it."""
    path = finders.find("img/icons/icon-maskable-512.png")
    with Image.open(str(path)) as image:
        rgba = image.convert("RGBA")
        assert all(rgba.getpixel(corner)[3] == 255 for corner in ((0, 0), (511, 0), (0, 511), (511, 511)))


def test_every_page_links_the_manifest_and_loads_the_queue_script(client, tenant_a):
    client.force_login(tenant_a.coach.user)
    page = client.get(reverse("coaching:entry_add")).content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert '<meta name="theme-color" content="#1f5f6b">' in page
    assert re.search(r'<script src="/static/js/offline\.js"\s+data-sw="/sw\.js"', page)
    assert 'data-endpoint="/entries/offline/"' in page
    assert 'data-offline="entry"' in page  # the log form is the one the queue takes over offline


def test_the_service_worker_is_served_from_the_root_with_its_settings(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-store" in response["Cache-Control"]
    source = response.content.decode()
    first_line = source.split("\n", 1)[0]
    assert first_line.startswith("self.FULCRUM_SW = ")
    config = json.loads(first_line.removeprefix("self.FULCRUM_SW = ").rstrip(";"))
    assert re.fullmatch(r"[0-9a-f]{12}", config["version"])
    assert "/static/js/offline.js" in config["shell"]
    assert "/static/css/fulcrum.css" in config["shell"]
    assert config["offlinePage"] == "/offline/"
    assert config["logForm"] == reverse("coaching:entry_add")
    assert config["endpoint"] == "/entries/offline/"
    assert 'const SHELL_CACHE = "fulcrum-shell-" + CONFIG.version;' in source
    assert "importScripts(CONFIG.queueScript)" in source


def test_the_cache_version_changes_when_a_shell_file_changes(monkeypatch):
    before = offline_views._worker_source()
    real = offline_views._read_static
    monkeypatch.setattr(
        offline_views,
        "_read_static",
        lambda name: real(name) + (b"/* changed */" if name == "css/fulcrum.css" else b""),
    )
    after = offline_views._worker_source()
    found = [re.search(r'"version": "([0-9a-f]+)"', source) for source in (before, after)]
    versions = [match.group(1) for match in found if match]
    assert len(versions) == 2
    assert versions[0] != versions[1]


def test_the_offline_page_shows_nothing_of_whoever_fetched_it(client, tenant_a):
    """The service worker keeps this page; it must not carry the person's name or menu."""
    user = tenant_a.coach.user
    client.force_login(user)
    response = client.get("/offline/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "You are offline" in page
    assert user.display_name not in page
    assert "Sign out" not in page
    assert reverse("coaching:entry_add") in page


def test_fetching_the_offline_page_in_the_background_leaves_the_persons_messages(client, tenant_a):
    client.force_login(tenant_a.coach.user)
    body = {"key": str(uuid.uuid4()), "fields": fields(tenant_a, minutes="35"), "announce": True}
    assert client.post("/entries/offline/", json.dumps(body), content_type="application/json").status_code == 201
    assert "Logged 35 minutes" not in client.get("/offline/").content.decode()
    assert "Logged 35 minutes" in client.get(reverse("coaching:my_week")).content.decode()


@pytest.mark.parametrize(
    ("role", "coach"),
    [("anonymous", False), ("teacher", False), ("director", False), ("coach", True)],
)
def test_the_state_says_who_the_queue_sends_for(client, tenant_a, role, coach):
    users = {"teacher": tenant_a.teacher.user, "director": tenant_a.director, "coach": tenant_a.coach.user}
    if role != "anonymous":
        client.force_login(users[role])
    state = client.get("/offline/state.json").json()
    assert state["coach"] is coach
    assert state["signed_in"] is (role != "anonymous")
    assert state["owner"] == (offline.owner_tag(tenant_a.coach.user) if coach else None)


def test_the_owner_tag_differs_between_coaches_and_hides_the_id(tenant_a, tenant_b):
    a, b = offline.owner_tag(tenant_a.coach.user), offline.owner_tag(tenant_b.coach.user)
    assert a != b
    assert len(a) == 32
    assert str(tenant_a.coach.user.pk) != a


def test_the_content_security_policy_allows_the_worker_and_the_manifest_from_this_site_only(client):
    header = client.get("/login/")["Content-Security-Policy"]
    directives = (part.strip().partition(" ") for part in header.split(";") if part.strip())
    policy = {name: value for name, _, value in directives}
    assert policy["worker-src"] == "'self'"
    assert policy["manifest-src"] == "'self'"
    assert policy["script-src"] == "'self'"  # still no inline script


def test_asking_who_is_signed_in_neither_refreshes_the_session_nor_sets_its_cookie(client, tenant_a):
    """The page's own background request is not activity: the idle timeout still counts from the
    person's last page, and a late reply cannot put back a cookie the browser has dropped."""
    from django.contrib.sessions.models import Session

    client.force_login(tenant_a.coach.user)
    assert client.get("/week/").cookies.get("sessionid")  # a page is activity: the cookie is sent again
    key = client.session.session_key
    expiry = Session.objects.get(session_key=key).expire_date
    response = client.get(reverse("coaching:offline_state"))
    assert response.status_code == 200
    assert response.json()["coach"] is True
    assert "sessionid" not in response.cookies
    assert Session.objects.get(session_key=key).expire_date == expiry
