"""Invitations: a teacher added to a roster gets a single-use link by email (256 random bits,
stored hashed, 7 days, resendable, revocable) to set a password and sign in."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from teachers.invitations import token_hash
from teachers.models import Invitation, Role, Teacher, User
from teachers.tests.factories import TeacherFactory

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-long-new-passphrase-42"


def link_in(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"http://testserver(/invitation/[^/\s]+/)", body).group(1)


def invite(client: Client, admin, teacher: Teacher, **extra) -> object:
    client.force_login(admin)
    return client.post(reverse("teachers:roster_invite"), {"teacher": [teacher.pk], **extra})


@pytest.fixture
def newcomer(tenant_a) -> Teacher:
    return TeacherFactory(school=tenant_a.school, first_name="Nia", email="nia.newcomer@school.example", user=None)


def test_an_invited_teacher_follows_the_mailed_link_sets_a_password_and_signs_in(client, tenant_a, newcomer,
                                                                                smtp_server):  # fmt: skip
    assert invite(client, tenant_a.district_admin, newcomer).status_code == 302
    [message] = smtp_server.messages
    assert message["To"] == "nia.newcomer@school.example"
    link = link_in(message)
    token = link.strip("/").rsplit("/", 1)[-1]
    assert len(token) >= 43  # 256 bits, URL-safe (at least the 128 the rule asks)
    invitation = Invitation.objects.get()
    assert invitation.token_hash == token_hash(token)
    assert token not in str(list(Invitation.objects.values()))  # only the hash is kept
    assert abs(invitation.expires_at - invitation.created_at - dt.timedelta(days=7)) < dt.timedelta(seconds=5)
    user = User.objects.get(teacher_profile=newcomer)
    assert (user.role, user.has_usable_password()) == (Role.TEACHER, False)

    visitor = Client()
    form = visitor.get(link)
    assert form.status_code == 200
    short = visitor.post(link, {"new_password1": "short", "new_password2": "short"})
    assert short.status_code == 400
    assert short.context["form"].errors  # the password rules apply, beside the field
    done = visitor.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert visitor.get(reverse("cycles:list")).status_code == 200  # signed in, as a teacher
    again = Client().post(reverse("login"), {"username": user.username, "password": NEW_PASSWORD})
    assert again.status_code == 302
    used = Client().get(link)
    assert used.status_code == 410
    assert "has been used" in used.content.decode()


def test_resending_ends_the_old_link_and_withdrawing_ends_the_new_one(client, tenant_a, newcomer, mailoutbox):
    invite(client, tenant_a.district_admin, newcomer)
    invite(client, tenant_a.district_admin, newcomer)  # resend
    first, second = (re.search(r"(/invitation/[^/\s]+/)", m.body).group(1) for m in mailoutbox)
    assert first != second
    replaced = Client().get(first)
    assert replaced.status_code == 410
    assert "replaced or withdrawn" in replaced.content.decode()
    assert Client().get(second).status_code == 200
    invite(client, tenant_a.district_admin, newcomer, action="revoke")
    assert Client().get(second).status_code == 410


def test_an_expired_link_says_so(client, tenant_a, newcomer, mailoutbox):
    invite(client, tenant_a.district_admin, newcomer)
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    link = re.search(r"(/invitation/[^/\s]+/)", mailoutbox[0].body).group(1)
    page = Client().get(link)
    assert page.status_code == 410
    assert "expired after 7 days" in page.content.decode()
    assert Client().get("/invitation/not-a-real-link/").status_code == 404


def test_another_districts_administrator_cannot_invite_this_districts_teachers(client, tenant_b, newcomer,
                                                                                mailoutbox):  # fmt: skip
    invite(client, tenant_b.district_admin, newcomer)
    assert mailoutbox == []
    assert not Invitation.objects.exists()
    newcomer.refresh_from_db()
    assert newcomer.user is None


def test_a_teacher_who_signs_in_already_is_not_invited(client, tenant_a, mailoutbox):
    invite(client, tenant_a.district_admin, tenant_a.teacher)
    assert mailoutbox == []


def test_a_mail_server_that_refuses_records_nothing(client, tenant_a, newcomer, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens there
    response = invite(client, tenant_a.district_admin, newcomer)
    assert response.status_code == 302
    assert not Invitation.objects.exists()
    newcomer.refresh_from_db()
    assert newcomer.user is None  # no half-made account either


def test_a_roster_import_can_invite_the_teachers_it_adds(client, tenant_a, smtp_server):
    TeacherFactory(school=tenant_a.school, email="already@school.example", user=None)
    data = ("school,first_name,last_name,email,grade_band,subject\n"
            f"{tenant_a.school.name},Ana,Ruiz,ana.ruiz@school.example,K-2,Math\n"
            f"{tenant_a.school.name},Ben,Okafor,ben.okafor@school.example,3-5,\n"
            f"{tenant_a.school.name},Al,Ready,already@school.example,3-5,\n").encode()  # fmt: skip
    client.force_login(tenant_a.district_admin)
    response = client.post(reverse("teachers:roster_import"), {
        "district": tenant_a.district.pk, "file": SimpleUploadedFile("roster.csv", data), "invite": "on",
    })  # fmt: skip
    assert response.status_code == 302
    assert sorted(m["To"] for m in smtp_server.messages) == ["ana.ruiz@school.example", "ben.okafor@school.example"]
    roster = client.get(reverse("teachers:roster")).content.decode()
    assert "Invited, until" in roster


@pytest.mark.parametrize("n", [3, 30])
def test_inviting_costs_the_same_queries_for_3_or_30_teachers(tenant_a, n, django_assert_max_num_queries, mailoutbox):
    from teachers.invitations import teacher_accounts_invite

    teachers = [TeacherFactory(school=tenant_a.school, email=f"bulk{i}@school.example", user=None) for i in range(n)]
    with django_assert_max_num_queries(9):  # users, invitations and links in bulk, whatever n
        sent = teacher_accounts_invite(teachers=teachers, by=tenant_a.district_admin, link_for=lambda t: f"/i/{t}/")
    assert sent == n
    assert len(mailoutbox) == n
    assert Teacher.objects.filter(pk__in=[t.pk for t in teachers], user__isnull=False).count() == n
    assert Invitation.objects.filter(user__teacher_profile__in=teachers, used_at__isnull=True).count() == n
