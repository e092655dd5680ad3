"""Partnership check-ins that hold against a determined insider.

Each invited teacher gets their own single-use link by email (the coach never holds one); only
invited, distinct links count; results appear only once the check-in is closed, with at least
five answers, and never change afterwards; comments only from five comments, in random order;
nothing links an answer to a person, and the links' hashes are forgotten at close."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coaching.tests.factories import CoachFactory
from learning import services as learning
from learning.models import MIN_CHECKIN_RESPONSES, PRINCIPLES, CheckIn, CheckInInvite, CheckInResponse
from teachers.models import Role, Teacher
from teachers.tests.factories import TeacherFactory, UserFactory

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
FIVE_AVERAGES = {"equality": 4.2, "choice": 3.0, "voice": 4.8, "dialogue": 2.6, "reflection": 4.0, "praxis": 1.2,
                 "reciprocity": 3.8}  # fmt: skip


def scores(row) -> dict[str, int]:
    return dict(zip(PRINCIPLES, row, strict=True))


def form_answers(row, comment: str = "") -> dict[str, str]:
    return {**{p: str(v) for p, v in scores(row).items()}, "comment": comment}


_emails = itertools.count()


def teachers_of(tenant, n: int = 6) -> list[Teacher]:
    return [TeacherFactory(school=tenant.school, email=f"t{next(_emails)}@school.example") for _ in range(n)]


def open_with_links(tenant, n: int = 6, days: int = 14) -> tuple[CheckIn, list[str]]:
    """Open a check-in the way the service does, keeping the links a mail server would carry."""
    links: list[str] = []

    def keep(checkin: CheckIn, invitations: list[learning.Invitation]) -> None:
        links.extend(i.token for i in invitations)

    checkin = learning.checkin_open(coach=tenant.coach, closes_on=timezone.localdate() + dt.timedelta(days=days),
                                    teachers=teachers_of(tenant, n), deliver=keep)  # fmt: skip
    return checkin, links


def answer_url(token: str) -> str:
    return reverse("learning:checkin_answer", args=[token])


def results_of(client: Client, user, checkin: CheckIn):
    client.force_login(user)
    page = client.get(reverse("learning:checkins"))
    return next(c for c in page.context["checkins"] if c.pk == checkin.pk), page.content.decode()


# ----------------------------------------------------------------------------- invitations


def test_each_invited_teacher_receives_their_own_link_through_a_real_mail_server(client, tenant_a, smtp_server):
    teachers = teachers_of(tenant_a)
    client.force_login(tenant_a.coach.user)
    page = client.get(reverse("learning:checkins"))
    assert {t.pk for t in page.context["form"].fields["teachers"].queryset} >= {t.pk for t in teachers}
    response = client.post(reverse("learning:checkins"), {
        "title": "Fall check-in", "closes_on": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
        "teachers": [t.pk for t in teachers],
    })  # fmt: skip
    assert response.status_code == 302
    assert len(smtp_server.messages) == 6
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(t.email for t in teachers)
    links = {re.search(r"http://testserver(/check-in/\S+/)", m.get_body().get_content()).group(1)
             for m in smtp_server.messages}  # fmt: skip
    assert len(links) == 6, "every teacher gets a different link"
    checkin = CheckIn.objects.get()
    assert (checkin.invited, checkin.answered) == (6, 0)
    # The coach's page holds no link; the database holds only hashes, with no teacher beside them.
    listing = client.get(reverse("learning:checkins")).content.decode()
    assert not any(link in listing for link in links)
    stored = set(CheckInInvite.objects.values_list("token_hash", flat=True))
    assert all(link.strip("/").rsplit("/", 1)[-1] not in stored for link in links)
    assert {f.name for f in CheckInInvite._meta.get_fields()} == {"id", "checkin", "token_hash", "used"}
    link = sorted(links)[0]
    visitor = Client()
    assert visitor.get(link).status_code == 200
    assert visitor.post(link, form_answers(FIVE[0])).status_code == 200
    assert CheckIn.objects.get().answered == 1


def test_fewer_than_five_teachers_with_email_or_teachers_outside_ones_districts_are_refused(tenant_a, tenant_b):
    def deliver(*_: object) -> None:
        raise AssertionError("nothing may be sent")

    closes = timezone.localdate() + dt.timedelta(days=7)
    with pytest.raises(ValidationError, match="at least 5"):
        learning.checkin_open(coach=tenant_a.coach, closes_on=closes, teachers=teachers_of(tenant_a, 4),
                              deliver=deliver)  # fmt: skip
    with pytest.raises(ValidationError, match="districts you serve"):
        learning.checkin_open(coach=tenant_a.coach, closes_on=closes,
                              teachers=[*teachers_of(tenant_a, 5), tenant_b.teacher], deliver=deliver)  # fmt: skip
    with pytest.raises(ValidationError, match="from today on"):
        learning.checkin_open(coach=tenant_a.coach, closes_on=timezone.localdate() - dt.timedelta(days=1),
                              teachers=teachers_of(tenant_a, 5), deliver=deliver)  # fmt: skip
    assert not CheckIn.objects.exists()


def test_a_mail_server_that_refuses_opens_nothing(client, tenant_a, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens there
    teachers = teachers_of(tenant_a)
    client.force_login(tenant_a.coach.user)
    response = client.post(reverse("learning:checkins"), {
        "title": "Fall", "closes_on": timezone.localdate().isoformat(), "teachers": [t.pk for t in teachers],
    })  # fmt: skip
    assert response.status_code == 400
    assert "could not be sent" in response.content.decode()
    assert not CheckIn.objects.exists()
    assert not CheckInInvite.objects.exists()


def test_only_coaches_open_check_ins(client, tenant_a):
    client.force_login(tenant_a.director)
    response = client.post(reverse("learning:checkins"), {"closes_on": timezone.localdate().isoformat()})
    assert response.status_code == 403
    assert not CheckIn.objects.exists()


# ----------------------------------------------------------------------------- answering


def test_a_teacher_answers_without_signing_in_and_nothing_identifies_them(tenant_a):
    _, links = open_with_links(tenant_a)
    visitor = Client(enforce_csrf_checks=True)  # a phone following the emailed link
    page = visitor.get(answer_url(links[0]))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert settings.SESSION_COOKIE_NAME not in page.cookies
    token = page.cookies[settings.CSRF_COOKIE_NAME].value
    response = visitor.post(answer_url(links[0]), {**form_answers(FIVE[0], "Thank you!"), "csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert next(t.name for t in response.templates) == "learning/checkin_thanks.html"
    [saved] = CheckInResponse.objects.all()
    assert saved.comment == "Thank you!"
    assert {f.name for f in CheckInResponse._meta.get_fields()} == {"id", "checkin", "comment", *PRINCIPLES}
    assert not Session.objects.exists()


def test_each_link_takes_one_answer(tenant_a):
    _, links = open_with_links(tenant_a)
    visitor = Client()
    assert visitor.post(answer_url(links[0]), form_answers(FIVE[0])).status_code == 200
    again = visitor.post(answer_url(links[0]), form_answers(FIVE[1]))
    assert again.status_code == 410
    assert "takes one answer" in again.content.decode()
    assert CheckInResponse.objects.count() == 1
    assert CheckIn.objects.get().answered == 1


def test_padding_a_check_in_is_impossible_without_invited_links(client, tenant_a):
    """The old attack: the coach posts four answers of their own, then reads the fifth real one
    as 5 × average − 4 × theirs. There is no public form left to post to."""
    checkin, links = open_with_links(tenant_a)
    client.force_login(tenant_a.coach.user)
    for guess in (str(checkin.public_id), "x" * 43, links[0][:-1] + ("A" if links[0][-1] != "A" else "B")):
        assert client.post(answer_url(guess), form_answers(FIVE[0])).status_code == 404
    assert CheckInResponse.objects.count() == 0


def test_an_incomplete_answer_is_not_saved_and_the_link_stays_usable(tenant_a):
    _, links = open_with_links(tenant_a)
    visitor = Client()
    partial = dict.fromkeys(PRINCIPLES[:3], "3")
    response = visitor.post(answer_url(links[0]), partial)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not CheckInResponse.objects.exists()
    assert visitor.post(answer_url(links[0]), form_answers(FIVE[0])).status_code == 200


def test_a_check_in_past_its_end_date_refuses_answers_and_closes(client, tenant_a):
    checkin, links = open_with_links(tenant_a, days=0)
    assert Client().post(answer_url(links[0]), form_answers(FIVE[0])).status_code == 200  # closing today: still open
    CheckIn.objects.filter(pk=checkin.pk).update(closes_on=timezone.localdate() - dt.timedelta(days=1))
    late = Client().post(answer_url(links[1]), form_answers(FIVE[1]))
    assert late.status_code == 410
    assert CheckInResponse.objects.count() == 1
    shown, _ = results_of(client, tenant_a.coach.user, checkin)  # any page showing check-ins closes the due ones
    assert shown.is_closed


# ----------------------------------------------------------------------------- results


def answer_each(links: list[str], rows, comments: list[str] | None = None) -> None:
    for i, (token, row) in enumerate(zip(links, rows, strict=False)):
        learning.checkin_answer(token=token, comment=(comments or [""] * len(rows))[i], **scores(row))


def test_no_result_is_shown_while_open_even_with_five_answers(client, tenant_a):
    """Comparing the averages before and after one answer would give that answer away: nothing
    is shown until the check-in closes."""
    checkin, links = open_with_links(tenant_a)
    answer_each(links, FIVE)
    shown, html = results_of(client, tenant_a.coach.user, checkin)
    assert not shown.is_closed
    assert "5 of 6 invited teachers have answered" in html
    assert "avg-equality" not in html
    client.force_login(tenant_a.director)
    page = client.get(reverse("learning:checkins"))
    assert page.context["checkins"] == []  # a director sees closed check-ins only
    assert checkin.title not in page.content.decode()


def test_closing_with_five_answers_shows_the_averages_and_forgets_the_links(client, tenant_a):
    checkin, links = open_with_links(tenant_a)
    answer_each(links, FIVE)
    client.force_login(tenant_a.coach.user)
    assert client.post(reverse("learning:checkin_close", args=[checkin.public_id])).status_code == 302
    shown, _ = results_of(client, tenant_a.coach.user, checkin)
    assert shown.results["answers"] == 5
    assert dict(shown.results["principles"]) == FIVE_AVERAGES
    assert not CheckInInvite.objects.filter(checkin=checkin).exists()  # nothing left to match a link to
    assert Client().post(answer_url(links[5]), form_answers(FIVE[0])).status_code == 404  # the unused link is gone
    _, director_html = results_of(client, tenant_a.director, checkin)
    assert 'data-testid="avg-voice">4.8<' in director_html


def test_results_never_change_after_close(client, tenant_a):
    checkin, links = open_with_links(tenant_a)
    answer_each(links, FIVE)
    closed = learning.checkin_close(checkin=checkin)
    frozen = dict(closed.results)
    CheckInResponse.objects.create(checkin=checkin, comment="", **scores((1, 1, 1, 1, 1, 1, 1)))  # even by hand
    assert learning.checkin_close(checkin=checkin).results == frozen  # closing again recomputes nothing
    shown, _ = results_of(client, tenant_a.coach.user, checkin)
    assert shown.results == frozen


def test_closing_with_four_answers_shows_nothing_ever(client, tenant_a):
    checkin, links = open_with_links(tenant_a)
    answer_each(links, FIVE[:4], comments=["a", "b", "c", "d"])
    learning.checkin_close(checkin=checkin)
    shown, html = results_of(client, tenant_a.coach.user, checkin)
    assert shown.results["shown"] is False
    assert shown.results["principles"] == []
    assert shown.results["comments"] == []
    assert 'data-testid="too-few"' in html
    assert "avg-" not in html


def test_comments_appear_only_from_five_in_random_order(client, tenant_a):
    checkin, links = open_with_links(tenant_a)
    answer_each(links, FIVE, comments=["one", "two", "three", "four", ""])
    learning.checkin_close(checkin=checkin)
    assert learning.checkin_close(checkin=checkin).results["comments"] == []
    _, html = results_of(client, tenant_a.coach.user, checkin)
    assert "Fewer than 5 comments were written" in html
    assert "three" not in html
    orders = set()
    for _ in range(8):
        other, other_links = open_with_links(tenant_a)
        answer_each(other_links, FIVE, comments=["one", "two", "three", "four", "five"])
        result = learning.checkin_close(checkin=other).results
        assert sorted(result["comments"]) == sorted(["one", "two", "three", "four", "five"])
        orders.add(tuple(result["comments"]))
    assert len(orders) > 1, "comments come out in answering order"


def test_a_director_sees_their_programs_closed_results_and_not_another_programs(client, tenant_a, tenant_b):
    mine, links = open_with_links(tenant_a)
    answer_each(links, FIVE)
    learning.checkin_close(checkin=mine)
    theirs, other_links = open_with_links(tenant_b)
    answer_each(other_links, FIVE)
    learning.checkin_close(checkin=theirs)
    client.force_login(tenant_a.director)
    listed = client.get(reverse("learning:checkins")).context["checkins"]
    assert [c.pk for c in listed] == [mine.pk]


def test_a_coach_never_closes_or_sees_another_coachs_check_in(client, tenant_a):
    checkin, _ = open_with_links(tenant_a)
    colleague = CoachFactory(program=tenant_a.program, user=UserFactory(username="colleague", role=Role.COACH))
    tenant_a.contract.coaches.add(colleague)
    client.force_login(colleague.user)
    assert client.post(reverse("learning:checkin_close", args=[checkin.public_id])).status_code == 404
    assert client.get(reverse("learning:checkins")).context["checkins"] == []
    assert not CheckIn.objects.get().is_closed


@pytest.mark.parametrize("who", ["teacher", "district_admin"])
def test_teachers_and_district_admins_are_refused_the_check_in_list(client, tenant_a, who):
    client.force_login(tenant_a.teacher.user if who == "teacher" else tenant_a.district_admin)
    assert client.get(reverse("learning:checkins")).status_code == 403


def test_the_check_in_page_costs_the_same_queries_for_one_or_six_closed_check_ins(client, tenant_a):
    def closed_one() -> None:
        checkin, links = open_with_links(tenant_a)
        answer_each(links, FIVE)
        learning.checkin_close(checkin=checkin)

    closed_one()
    client.force_login(tenant_a.director)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("learning:checkins"))
    for _ in range(5):
        closed_one()
    with CaptureQueriesContext(connection) as six:
        assert len(client.get(reverse("learning:checkins")).context["checkins"]) == 6
    assert len(six.captured_queries) == len(one.captured_queries)


def test_the_minimum_is_five(tenant_a):
    assert MIN_CHECKIN_RESPONSES == 5
