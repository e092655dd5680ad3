"""Private reflection links: for a teacher without an account, bound to one teacher and one cycle,
usable once, expiring after 14 days, stored only as a SHA-256, and showing nothing but the form."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cycles import services
from cycles.models import Cycle, Occasion, Reflection, ReflectionLink
from cycles.tests.factories import CycleFactory, GoalFactory
from teachers.models import Teacher
from teachers.tests.factories import TeacherFactory

pytestmark = pytest.mark.django_db

GOAL = "Ninety percent of 3B explain their reasoning on exit tickets"
COACH_NOTES = "CONFIDENTIAL-COACH-NOTE: worried about the merger"
TITLE = "Exit tickets in 3B"
# The token is in the URL, so no policy may send the full URL to another site. The link page used to
# say "no-referrer"; it now keeps the site-wide "same-origin" (no-referrer made Chromium post with
# Origin: null and fail CSRF, see commit 365c916). Both keep the token on this site.
TOKEN_SAFE_REFERRER_POLICIES = {"no-referrer", "same-origin"}


@pytest.fixture
def marisol(tenant_a) -> Teacher:
    """A teacher without an account: the one private links are for."""
    return TeacherFactory(school=tenant_a.school, first_name="Marisol", last_name="Okonkwo-Vance", user=None)


@pytest.fixture
def partner(tenant_a) -> Teacher:
    return TeacherFactory(school=tenant_a.school, first_name="Ottoline", last_name="Brackenbury", user=None)


@pytest.fixture
def cycle(tenant_a, marisol, partner) -> Cycle:
    cycle = CycleFactory(coach=tenant_a.coach, school=tenant_a.school, teachers=[marisol, partner], title=TITLE,
                         coach_notes=COACH_NOTES)  # fmt: skip
    GoalFactory(cycle=cycle, statement=GOAL)
    return cycle


def make_link(cycle: Cycle, teacher: Teacher, occasion: str = Occasion.AFTER_SESSION) -> tuple[ReflectionLink, str]:
    return services.reflection_link_create(cycle=cycle, teacher=teacher, by=cycle.coach.user, occasion=occasion)


def reflect_url(token: str) -> str:
    return reverse("reflect", args=[token])


ANSWERS = {"what_happened": "We tried the exit tickets twice", "what_worked": "Sentence starters",
           "what_was_hard": "Timing", "what_next": "Shorter tickets", "confidence": "4"}  # fmt: skip


# ---------------------------------------------------------------------------- making a link


def test_the_coach_sees_a_new_link_once_and_never_again(client, cycle, marisol):
    client.force_login(cycle.coach.user)
    first = client.post(reverse("cycles:link_new", args=[cycle.public_id]),
                        {"teacher": marisol.pk, "occasion": Occasion.AFTER_IMPLEMENTING})  # fmt: skip
    link = ReflectionLink.objects.get()
    assert (link.cycle, link.teacher, link.occasion) == (cycle, marisol, Occasion.AFTER_IMPLEMENTING)
    assert first.status_code == 200
    assert "no-store" in first["Cache-Control"]
    url = first.context["url"]
    token = url.rstrip("/").rsplit("/", 1)[-1]
    assert url.endswith(reflect_url(token))
    assert hashlib.sha256(token.encode()).hexdigest() == link.token_hash
    assert url in first.content.decode()
    assert "<svg" in first.content.decode()

    again = client.get(reverse("cycles:link", args=[cycle.public_id, link.public_id]))
    assert again.status_code == 200
    assert "url" not in again.context
    assert token not in again.content.decode()
    assert client.get(reflect_url(token)).status_code == 200  # not shown again, but still live


def test_the_coach_cannot_make_a_link_for_a_teacher_outside_the_cycle(client, cycle, tenant_a):
    stranger = TeacherFactory(school=tenant_a.school)
    with pytest.raises(ValidationError):
        make_link(cycle, stranger)
    client.force_login(cycle.coach.user)
    response = client.post(reverse("cycles:link_new", args=[cycle.public_id]),
                           {"teacher": stranger.pk, "occasion": Occasion.FREE})  # fmt: skip
    assert response.status_code == 400
    assert not ReflectionLink.objects.exists()


def test_a_token_is_stored_only_as_its_sha256(cycle, marisol):
    link, token = make_link(cycle, marisol)
    link.refresh_from_db()
    assert link.token_hash != token
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert len(token) >= 43  # 256 bits, url-safe
    stored = ReflectionLink.objects.values().get(pk=link.pk)
    assert not any(token in str(value) for value in stored.values())
    assert link.expires_at - timezone.now() > dt.timedelta(days=13, hours=23)


def test_a_new_links_raw_token_is_never_written_to_the_database_not_even_the_session_table(client, cycle, marisol):
    client.force_login(cycle.coach.user)
    client.post(reverse("cycles:link_new", args=[cycle.public_id]), {"teacher": marisol.pk, "occasion": Occasion.FREE})
    link = ReflectionLink.objects.get()
    # The coach has not opened the link page yet (a dropped redirect, a closed tab).
    stored = [str(session.get_decoded()) for session in Session.objects.all()]
    live = [token for token in secrets_in(stored) if services.hash_token(token) == link.token_hash]
    assert live == []


def secrets_in(texts: list[str]) -> list[str]:
    """Every url-safe run of 43 characters (a 256-bit token) in the given texts."""
    return [match for text in texts for match in re.findall(r"[A-Za-z0-9_-]{43}", text)]


def test_every_link_gets_its_own_token(cycle, marisol):
    tokens = {make_link(cycle, marisol)[1] for _ in range(5)}
    assert len(tokens) == 5
    assert ReflectionLink.objects.values("token_hash").distinct().count() == 5


# ---------------------------------------------------------------------------- using a link


def test_a_live_link_opens_the_form_without_signing_in_and_shows_nothing_else(client, cycle, marisol, partner):
    _link, token = make_link(cycle, marisol)
    response = client.get(reflect_url(token))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Marisol" in html
    # The cycle's title is named at the top (the teacher's own cycle page shows it too); nothing else of the cycle.
    assert f"Reflecting on: <strong>{TITLE}</strong>" in html
    for private in (GOAL, COACH_NOTES, partner.first_name, partner.last_name, str(cycle.public_id)):
        assert private not in html, private
    assert "cycle" not in response.context
    assert "occasion" not in response.context["form"].fields


def test_a_live_link_is_never_cached_and_its_token_never_leaves_the_site_as_a_referrer(client, cycle, marisol):
    _link, token = make_link(cycle, marisol)
    response = client.get(reflect_url(token))
    cache_control = response["Cache-Control"]
    assert "no-cache" in cache_control
    assert "no-store" in cache_control
    assert response["Referrer-Policy"] in TOKEN_SAFE_REFERRER_POLICIES


def test_submitting_saves_one_reflection_bound_to_the_links_teacher_and_cycle(client, cycle, marisol):
    link, token = make_link(cycle, marisol, Occasion.AFTER_IMPLEMENTING)
    response = client.post(reflect_url(token), ANSWERS)
    assert response.status_code == 200
    assert "cycles/link_thanks.html" in [t.name for t in response.templates]
    assert "Thank you, Marisol" in response.content.decode()
    reflection = Reflection.objects.get()
    assert reflection.via_link is True
    assert (reflection.teacher, reflection.cycle, reflection.occasion) == (marisol, cycle, Occasion.AFTER_IMPLEMENTING)
    assert reflection.author is None  # Marisol has no account
    assert (reflection.what_happened, reflection.confidence) == (ANSWERS["what_happened"], 4)
    link.refresh_from_db()
    assert link.used_at is not None
    assert link.reflection == reflection


def test_a_used_link_says_it_has_already_been_submitted(client, cycle, marisol):
    _link, token = make_link(cycle, marisol)
    client.post(reflect_url(token), ANSWERS)
    again = client.get(reflect_url(token))
    assert again.status_code == 404
    assert "already been submitted" in again.content.decode()
    resubmitted = client.post(reflect_url(token), ANSWERS | {"what_happened": "A second answer"})
    assert resubmitted.status_code == 404
    assert "already been submitted" in resubmitted.content.decode()
    assert Reflection.objects.count() == 1


def test_an_expired_link_says_so_and_saves_nothing(client, cycle, marisol):
    link, token = make_link(cycle, marisol)
    ReflectionLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = client.get(reflect_url(token))
    assert response.status_code == 404
    assert "expired" in response.content.decode()
    assert client.post(reflect_url(token), ANSWERS).status_code == 404
    assert not Reflection.objects.exists()


@pytest.mark.parametrize(
    "garble",
    [
        pytest.param(lambda token, link: secrets.token_urlsafe(32), id="unknown"),
        pytest.param(lambda token, link: token[:-1] + ("A" if token[-1] != "A" else "B"), id="one-char-changed"),
        pytest.param(lambda token, link: token[:20], id="truncated"),
        pytest.param(lambda token, link: token + "x" * 80, id="too-long"),
        pytest.param(lambda token, link: link.token_hash, id="the-stored-hash"),
        pytest.param(lambda token, link: "not a token!", id="garbage"),
    ],
)
def test_an_unknown_or_garbled_token_is_a_404(client, cycle, marisol, garble):
    link, token = make_link(cycle, marisol)
    bad = garble(token, link)
    response = client.get(reflect_url(bad))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()
    assert client.post(reflect_url(bad), ANSWERS).status_code == 404
    assert not Reflection.objects.exists()
    link.refresh_from_db()
    assert link.used_at is None


def test_a_link_for_one_cycle_cannot_post_to_another(client, cycle, marisol, partner, tenant_a):
    other = CycleFactory(coach=tenant_a.coach, school=tenant_a.school, teachers=[marisol, partner])
    _link, token = make_link(cycle, marisol, Occasion.AFTER_SESSION)
    forged = ANSWERS | {"cycle": other.pk, "cycle_id": other.pk, "public_id": str(other.public_id),
                        "teacher": partner.pk, "teacher_id": partner.pk, "occasion": Occasion.CYCLE_CLOSE}  # fmt: skip
    assert client.post(reflect_url(token), forged).status_code == 200
    reflection = Reflection.objects.get()
    assert (reflection.cycle, reflection.teacher, reflection.occasion) == (cycle, marisol, Occasion.AFTER_SESSION)
    assert not other.reflections.exists()


def test_a_form_error_keeps_the_typed_text_and_the_link_unused(client, cycle, marisol):
    link, token = make_link(cycle, marisol)
    typed = "Sentence starters helped the quiet ones"
    response = client.post(reflect_url(token), ANSWERS | {"what_happened": "", "what_worked": typed})
    assert response.status_code == 200
    assert "what_happened" in response.context["form"].errors
    assert typed in response.content.decode()
    assert response["Referrer-Policy"] in TOKEN_SAFE_REFERRER_POLICIES
    link.refresh_from_db()
    assert link.used_at is None
    assert not Reflection.objects.exists()
    assert client.post(reflect_url(token), ANSWERS).status_code == 200  # and it still works
    assert Reflection.objects.count() == 1


def test_the_unusable_link_page_is_not_cached_either(client):
    response = client.get(reflect_url("no-such-token"))
    assert response.status_code == 404
    assert "no-store" in response["Cache-Control"]


# ---------------------------------------------------------------------------- double submit


def test_submitting_twice_with_the_same_token_saves_one_reflection(cycle, marisol):
    _link, token = make_link(cycle, marisol)
    services.reflection_link_submit(token=token, what_happened="First")
    with pytest.raises(services.LinkUnusable) as excinfo:
        services.reflection_link_submit(token=token, what_happened="Second")
    assert excinfo.value.reason == "used"
    assert list(Reflection.objects.values_list("what_happened", flat=True)) == ["First"]


def test_a_racing_second_submit_that_found_the_link_live_still_cannot_use_it(cycle, marisol, monkeypatch):
    """Two submits both pass the lookup before either claims the link: only one claims it."""
    _link, token = make_link(cycle, marisol)
    stale = services.reflection_link_find(token)  # what the slower request saw
    services.reflection_link_submit(token=token, what_happened="First")
    monkeypatch.setattr(services, "reflection_link_find", lambda _token: stale)
    with pytest.raises(services.LinkUnusable) as excinfo:
        services.reflection_link_submit(token=token, what_happened="Second")
    assert excinfo.value.reason == "used"
    assert Reflection.objects.count() == 1


def test_a_link_for_a_teacher_with_an_account_binds_the_reflection_to_that_teacher(cycle, tenant_a):
    cycle.teachers.add(tenant_a.teacher)
    _link, token = make_link(cycle, tenant_a.teacher)
    reflection = services.reflection_link_submit(token=token, what_happened="Signed-in teacher, via a link")
    assert (reflection.teacher, reflection.cycle, reflection.via_link) == (tenant_a.teacher, cycle, True)
