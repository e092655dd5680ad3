"""Partnership check-ins: a coach opens one anonymous link; teachers answer without signing in and
nothing about them is kept; results appear only as averages, and only from five answers on."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from coaching.models import Coach
from coaching.tests.factories import CoachFactory
from learning import services as learning
from learning.models import MIN_CHECKIN_RESPONSES, PRINCIPLES, CheckIn, CheckInResponse
from learning.selectors import checkin_summary_get
from teachers.models import Role
from teachers.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Five answers, one row per teacher, in PRINCIPLES order; the averages below are worked out by hand.
FIVE = [
    # equality choice voice dialogue reflection praxis reciprocity
    (5, 1, 5, 2, 4, 1, 3),
    (4, 2, 5, 2, 4, 1, 4),
    (4, 3, 5, 3, 4, 1, 5),
    (3, 4, 5, 3, 4, 1, 3),
    (5, 5, 4, 3, 4, 2, 4),
]
FIVE_AVERAGES = {
    "equality": 4.2,  # 21 / 5
    "choice": 3.0,  # 15 / 5
    "voice": 4.8,  # 24 / 5
    "dialogue": 2.6,  # 13 / 5
    "reflection": 4.0,  # 20 / 5
    "praxis": 1.2,  # 6 / 5
    "reciprocity": 3.8,  # 19 / 5
}


def open_checkin(coach: Coach, days: int = 14) -> CheckIn:
    return learning.checkin_open(coach=coach, closes_on=timezone.localdate() + dt.timedelta(days=days))


def answer_all(checkin: CheckIn, rows, comment: str = "") -> None:
    for row in rows:
        learning.checkin_answer(checkin=checkin, comment=comment, **dict(zip(PRINCIPLES, row, strict=True)))


def answer_url(checkin: CheckIn) -> str:
    return reverse("learning:checkin_answer", args=[checkin.public_id])


def form_answers(row, comment: str = "") -> dict[str, str]:
    return {**{p: str(v) for p, v in zip(PRINCIPLES, row, strict=True)}, "comment": comment}


def summary_for(response, coach: Coach) -> dict:
    return next(s for s in response.context["summaries"] if s["coach"] == coach)


@pytest.fixture
def colleague(tenant_a) -> Coach:
    return CoachFactory(program=tenant_a.program, user=UserFactory(username="colleague_A", role=Role.COACH))


# ---------------------------------------------------------------------------- opening


def test_a_coach_opens_a_check_in_from_the_list_page(client, tenant_a):
    client.force_login(tenant_a.coach.user)
    closes = timezone.localdate() + dt.timedelta(days=10)
    response = client.post(reverse("learning:checkins"), {"closes_on": closes.isoformat()})
    assert response.status_code == 302
    checkin = CheckIn.objects.get()
    assert (checkin.coach, checkin.closes_on) == (tenant_a.coach, closes)
    page = client.get(reverse("learning:checkins"))
    assert page.context["links"] == {checkin.pk: f"http://testserver/check-in/{checkin.public_id}/"}


@pytest.mark.parametrize("closes_on", ["past", "not-a-date"])
def test_a_closing_date_in_the_past_or_unreadable_is_refused(client, tenant_a, closes_on):
    client.force_login(tenant_a.coach.user)
    value = (timezone.localdate() - dt.timedelta(days=1)).isoformat() if closes_on == "past" else closes_on
    response = client.post(reverse("learning:checkins"), {"closes_on": value})
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Choose a closing date from today on."]
    assert not CheckIn.objects.exists()


def test_the_service_refuses_a_past_closing_date(tenant_a):
    with pytest.raises(ValidationError) as caught:
        learning.checkin_open(coach=tenant_a.coach, closes_on=timezone.localdate() - dt.timedelta(days=1))
    assert caught.value.message_dict == {"closes_on": ["Choose a closing date from today on."]}
    assert open_checkin(tenant_a.coach, days=0).closes_on == timezone.localdate()  # today is fine


def test_only_coaches_open_check_ins(client, tenant_a):
    client.force_login(tenant_a.director)
    assert client.post(reverse("learning:checkins"), {"closes_on": timezone.localdate().isoformat()}).status_code == 403
    assert not CheckIn.objects.exists()


# ---------------------------------------------------------------------------- answering anonymously


def test_a_teacher_answers_through_the_public_link_without_signing_in_and_nothing_identifies_them(tenant_a):
    checkin = open_checkin(tenant_a.coach)
    visitor = Client(enforce_csrf_checks=True)  # a phone scanning the link: no account, real CSRF
    page = visitor.get(answer_url(checkin))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert settings.SESSION_COOKIE_NAME not in page.cookies
    token = page.cookies[settings.CSRF_COOKIE_NAME].value
    response = visitor.post(answer_url(checkin), {**form_answers(FIVE[0], "Thank you!"), "csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert next(t.name for t in response.templates) == "learning/checkin_thanks.html"
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert settings.SESSION_COOKIE_NAME not in visitor.cookies
    assert not Session.objects.exists()
    assert CheckInResponse.objects.count() == 1
    saved = CheckInResponse.objects.get()
    assert [getattr(saved, p) for p in PRINCIPLES] == list(FIVE[0])
    assert (saved.checkin, saved.comment) == (checkin, "Thank you!")
    # The row has nowhere to keep who answered, or when.
    assert {f.name for f in CheckInResponse._meta.get_fields()} == {"id", "checkin", "comment", *PRINCIPLES}


def test_a_signed_in_teacher_answering_is_stored_just_as_anonymously(client, tenant_a):
    checkin = open_checkin(tenant_a.coach)
    client.force_login(tenant_a.teacher.user)
    assert client.post(answer_url(checkin), form_answers(FIVE[1])).status_code == 200
    row = CheckInResponse.objects.values().get()
    assert set(row) == {"id", "checkin_id", "comment", *PRINCIPLES}  # no column for the user or the teacher
    assert [row[p] for p in PRINCIPLES] == list(FIVE[1])


def test_an_incomplete_answer_is_not_saved(client, tenant_a):
    checkin = open_checkin(tenant_a.coach)
    data = form_answers(FIVE[0])
    del data["voice"]
    response = client.post(answer_url(checkin), data)
    assert response.status_code == 200
    assert "voice" in response.context["form"].errors
    assert not CheckInResponse.objects.exists()


def test_an_unknown_check_in_link_is_not_found(client):
    assert client.get("/check-in/00000000-0000-4000-8000-000000000000/").status_code == 404


def test_a_closed_check_in_says_so_with_410_and_refuses_answers(client, tenant_a):
    closed = CheckIn.objects.create(coach=tenant_a.coach, closes_on=timezone.localdate() - dt.timedelta(days=1))
    page = client.get(answer_url(closed))
    assert page.status_code == 410
    assert "This check-in has closed." in page.content.decode()
    assert client.post(answer_url(closed), form_answers(FIVE[0])).status_code == 410
    assert not CheckInResponse.objects.exists()
    with pytest.raises(ValidationError, match=r"This check-in has closed\."):
        answer_all(closed, FIVE[:1])
    assert not CheckInResponse.objects.exists()


def test_a_check_in_closing_today_still_takes_answers(client, tenant_a):
    checkin = open_checkin(tenant_a.coach, days=0)
    assert client.post(answer_url(checkin), form_answers(FIVE[0])).status_code == 200
    assert CheckInResponse.objects.count() == 1


# ---------------------------------------------------------------------------- results


def test_results_stay_hidden_with_four_answers(client, tenant_a):
    checkin = open_checkin(tenant_a.coach)
    answer_all(checkin, FIVE[:4], comment="Four is too few")
    client.force_login(tenant_a.coach.user)
    response = client.get(reverse("learning:checkins"))
    assert response.context["summaries"][0]["results"] is None
    body = response.content.decode()
    assert 'data-testid="too-few"' in body
    assert f"Fewer than {MIN_CHECKIN_RESPONSES} answers so far" in body
    assert "Four is too few" not in body
    assert 'data-testid="avg-' not in body


def test_results_show_the_average_per_principle_from_five_answers(client, tenant_a):
    checkin = open_checkin(tenant_a.coach)
    answer_all(checkin, FIVE[:4])
    learning.checkin_answer(checkin=checkin, comment="  Listens well  ", **dict(zip(PRINCIPLES, FIVE[4], strict=True)))
    client.force_login(tenant_a.coach.user)
    response = client.get(reverse("learning:checkins"))
    results = response.context["summaries"][0]["results"]
    assert results["n"] == 5
    assert [p for p, _ in results["principles"]] == PRINCIPLES
    assert {p: float(avg) for p, avg in results["principles"]} == pytest.approx(FIVE_AVERAGES)
    assert results["comments"] == ["Listens well"]
    body = response.content.decode()
    assert 'data-testid="too-few"' not in body
    for principle, average in FIVE_AVERAGES.items():
        assert f'data-testid="avg-{principle}">{average:.1f}<' in body


def test_averages_are_rounded_to_one_decimal(tenant_a):
    rows = [*FIVE, (1, 1, 1, 1, 1, 1, 1), (2, 2, 2, 2, 2, 2, 2)]  # seven answers: sevenths, no ties
    answer_all(open_checkin(tenant_a.coach), rows)
    results = checkin_summary_get(checkins=CheckIn.objects.all())
    for index, principle in enumerate(PRINCIPLES):
        exact = Decimal(sum(r[index] for r in rows)) / 7
        assert float(dict(results["principles"])[principle]) == float(exact.quantize(Decimal("0.1"), ROUND_HALF_UP))


def test_answers_to_a_coachs_several_check_ins_are_pooled(client, tenant_a):
    answer_all(open_checkin(tenant_a.coach), FIVE[:3])
    answer_all(open_checkin(tenant_a.coach, days=20), FIVE[3:])
    client.force_login(tenant_a.coach.user)
    summaries = client.get(reverse("learning:checkins")).context["summaries"]
    assert len(summaries) == 1
    assert len(summaries[0]["checkins"]) == 2
    assert summaries[0]["results"]["n"] == 5


# ---------------------------------------------------------------------------- who sees results


def test_a_director_sees_the_programs_coaches_aggregates_and_not_another_programs(
    client, tenant_a, tenant_b, colleague
):
    answer_all(open_checkin(tenant_a.coach), FIVE)
    answer_all(open_checkin(colleague), FIVE[:2])
    answer_all(open_checkin(tenant_b.coach), FIVE, comment="PROGRAM-B-COMMENT")
    client.force_login(tenant_a.director)
    response = client.get(reverse("learning:checkins"))
    assert response.status_code == 200
    assert {s["coach"] for s in response.context["summaries"]} == {tenant_a.coach, colleague}
    assert summary_for(response, tenant_a.coach)["results"]["n"] == 5
    assert summary_for(response, colleague)["results"] is None
    body = response.content.decode()
    assert escape(tenant_b.coach.user.display_name) not in body
    assert "PROGRAM-B-COMMENT" not in body

    client.force_login(tenant_b.director)
    other = client.get(reverse("learning:checkins"))
    assert {s["coach"] for s in other.context["summaries"]} == {tenant_b.coach}


def test_a_coach_never_sees_another_coachs_check_in(client, tenant_a, tenant_b, colleague):
    mine = open_checkin(tenant_a.coach)
    answer_all(mine, FIVE, comment="FOR-COACH-A-ONLY")
    for other in (colleague, tenant_b.coach):
        client.force_login(other.user)
        response = client.get(reverse("learning:checkins"))
        assert response.context["summaries"] == []
        assert str(mine.public_id) not in response.content.decode()
        assert "FOR-COACH-A-ONLY" not in response.content.decode()


@pytest.mark.parametrize("who", ["teacher", "district_admin"])
def test_teachers_and_district_admins_are_refused_the_check_in_list(client, tenant_a, who):
    open_checkin(tenant_a.coach)
    client.force_login(tenant_a.teacher.user if who == "teacher" else tenant_a.district_admin)
    assert client.get(reverse("learning:checkins")).status_code == 403
    assert client.post(reverse("learning:checkins"), {"closes_on": timezone.localdate().isoformat()}).status_code == 403
    assert CheckIn.objects.count() == 1


def test_the_directors_check_in_page_costs_the_same_queries_for_two_or_six_coaches(client, tenant_a):
    """Results for many coaches come from one grouped query, not one per coach."""

    def coach_with_answers():
        checkin = learning.checkin_open(coach=CoachFactory(program=tenant_a.program),
                                        closes_on=timezone.localdate() + dt.timedelta(days=3))  # fmt: skip
        for i in range(5):
            learning.checkin_answer(checkin=checkin, comment=f"c{i}", **dict.fromkeys(PRINCIPLES, 4))

    client.force_login(tenant_a.director)
    for _ in range(2):
        coach_with_answers()
    with CaptureQueriesContext(connection) as two:
        response = client.get(reverse("learning:checkins"))
    assert len(response.context["summaries"]) == 2
    assert all(s["results"]["n"] == 5 for s in response.context["summaries"])
    for _ in range(4):
        coach_with_answers()
    with CaptureQueriesContext(connection) as six:
        response = client.get(reverse("learning:checkins"))
    assert len(response.context["summaries"]) == 6
    assert len(six.captured_queries) == len(two.captured_queries)
