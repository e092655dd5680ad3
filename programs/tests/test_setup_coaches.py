"""Coaches: add (with an invitation by email), resend and withdraw, deactivate and reactivate
(their history stays), move to another program."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coaching.models import Coach, LogEntry, Program
from coaching.tests.factories import CoachFactory, ContractFactory, LogEntryFactory
from reports.builder import build_figures
from reports.scopes import Period, Scope, ScopeKind
from teachers.models import AuditAction, AuditEvent, Invitation, Role, User
from teachers.tests.factories import UserFactory
from toolkit.schoolyear import school_year_of

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-new-passphrase-42"
NEW = {"first_name": "Rosa", "last_name": "Quintero", "email": "rosa.quintero@coaches.example"}


def signs_in(username: str) -> bool:
    response = Client().post(reverse("login"), {"username": username, "password": PASSWORD})
    return response.status_code == 302


def link_in(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"http://testserver(/invitation/[^/\s]+/)", body).group(1)


def test_a_new_coach_gets_an_email_follows_its_link_sets_a_password_and_logs_time(client, tenant_a, smtp_server):
    client.force_login(tenant_a.director)
    response = client.post(reverse("programs:coach_add"), NEW)
    assert response.status_code == 302
    coach = Coach.objects.get(user__email=NEW["email"])
    assert (coach.program, coach.active, coach.user.role, coach.user.has_usable_password()) == (
        tenant_a.program, True, Role.COACH, False)  # fmt: skip
    listing = client.get(reverse("programs:coaches")).content.decode()
    assert "Rosa Quintero" in listing
    assert "Invitation sent, pending until" in listing

    [message] = smtp_server.messages  # through a real SMTP server on loopback
    assert message["To"] == NEW["email"]
    link = link_in(message)
    token = link.strip("/").rsplit("/", 1)[-1]
    assert len(token) >= 22  # at least 128 random bits, URL-safe
    assert token not in str(list(Invitation.objects.values()))  # stored hashed
    visitor = Client()
    assert visitor.get(link).status_code == 200
    assert visitor.post(link, {"new_password1": PASSWORD, "new_password2": PASSWORD}).status_code == 302
    assert visitor.get(reverse("coaching:my_week")).status_code == 200  # signed in, as a coach
    assert signs_in(NEW["email"])
    assert "Signs in" in client.get(reverse("programs:coaches")).content.decode()
    audit = AuditEvent.objects.filter(program_id=tenant_a.program.pk)
    assert set(audit.values_list("action", flat=True)) == {AuditAction.SETUP_CHANGE, AuditAction.INVITATION}


def test_errors_keep_what_was_typed(client, tenant_a, mailoutbox):
    client.force_login(tenant_a.director)
    response = client.post(reverse("programs:coach_add"), {**NEW, "email": "not-an-address"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="Rosa"' in page
    assert 'value="Quintero"' in page
    assert 'value="not-an-address"' in page
    assert "Enter a valid email address." in page
    assert not User.objects.filter(first_name="Rosa").exists()
    assert mailoutbox == []


def test_an_address_of_another_role_is_refused_and_never_gets_a_second_account(client, tenant_a, mailoutbox):
    client.force_login(tenant_a.director)
    response = client.post(reverse("programs:coach_add"), {**NEW, "email": tenant_a.district_admin.email.upper()})
    assert response.status_code == 400
    assert "already signs in to Fulcrum as a district administrator" in response.content.decode()
    tenant_a.district_admin.refresh_from_db()
    assert tenant_a.district_admin.role == Role.DISTRICT_ADMIN  # never changed silently
    assert User.objects.filter(email__iexact=tenant_a.district_admin.email).count() == 1
    again = client.post(reverse("programs:coach_add"), {**NEW, "email": tenant_a.coach.user.email})
    assert "is already a coach of your program" in again.content.decode()
    assert mailoutbox == []


def test_resend_makes_a_new_link_and_withdraw_ends_it(client, tenant_a, mailoutbox):
    client.force_login(tenant_a.director)
    client.post(reverse("programs:coach_add"), NEW)
    coach = Coach.objects.get(user__email=NEW["email"])
    client.post(reverse("programs:coach_invite", args=[coach.pk]), {"action": "send"})
    first, second = (re.search(r"(/invitation/[^/\s]+/)", m.body).group(1) for m in mailoutbox)
    assert Client().get(first).status_code == 410
    assert Client().get(second).status_code == 200
    client.post(reverse("programs:coach_invite", args=[coach.pk]), {"action": "revoke"})
    assert Client().get(second).status_code == 410
    assert "Invitation withdrawn" in client.get(reverse("programs:coaches")).content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.INVITATION, detail="invitation withdrawn").count() == 1


def test_a_mail_server_that_refuses_adds_no_coach(client, tenant_a, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    client.force_login(tenant_a.director)
    response = client.post(reverse("programs:coach_add"), NEW)
    assert response.status_code == 400
    assert "could not be sent" in response.content.decode()
    assert not User.objects.filter(email=NEW["email"]).exists()


def test_a_deactivated_coach_cannot_sign_in_or_log_but_stays_in_reports(client, tenant_a):
    coach = tenant_a.coach
    coach.user.set_password(PASSWORD)
    coach.user.save()
    LogEntryFactory(coach=coach, district=tenant_a.district, minutes=90)
    signed_in = Client()
    signed_in.force_login(coach.user)
    client.force_login(tenant_a.director)
    assert client.post(reverse("programs:coach_active", args=[coach.pk]), {"active": "0"}).status_code == 302
    coach.refresh_from_db()
    coach.user.refresh_from_db()
    assert (coach.active, coach.user.is_active) == (False, False)
    assert not signs_in(coach.user.username)
    assert signed_in.get(reverse("coaching:entry_add")).status_code == 302  # the old session ends too
    assert LogEntry.objects.filter(coach=coach).count() == 1
    year = school_year_of(timezone.localdate())
    figures = build_figures(Scope(ScopeKind.PROGRAM, tenant_a.program.pk, "p"), Period.school_year(year),
                            today=timezone.localdate())  # fmt: skip
    assert {r["name"]: r["minutes"] for r in figures["by_coach"]} == {coach.user.get_full_name(): 90}
    page = client.get(reverse("programs:coaches")).content.decode()
    assert "Deactivated" in page
    assert "Reactivate" in page
    assert AuditEvent.objects.filter(detail="deactivated the coach", program_id=tenant_a.program.pk).exists()

    client.post(reverse("programs:coach_active", args=[coach.pk]), {"active": "1"})
    assert signs_in(coach.user.username)


def test_a_director_of_both_programs_moves_a_coach_whose_entries_keep_their_program(client, tenant_a):
    other = Program.objects.create(name="Second program")
    other.directors.add(tenant_a.director)
    coach = tenant_a.coach
    entry = LogEntryFactory(coach=coach, district=tenant_a.district)
    client.force_login(tenant_a.director)
    assert client.get(reverse("programs:coach_move", args=[coach.pk])).status_code == 200
    assert client.post(reverse("programs:coach_move", args=[coach.pk]), {"program": other.pk}).status_code == 302
    coach.refresh_from_db()
    entry.refresh_from_db()
    assert (coach.program, entry.program) == (other, tenant_a.program)
    assert not tenant_a.contract.coaches.filter(pk=coach.pk).exists()
    assert AuditEvent.objects.filter(program_id=other.pk, object_type="coach").exists()
    assert AuditEvent.objects.filter(program_id=tenant_a.program.pk, object_type="coach").exists()


def test_a_coach_cannot_be_moved_to_a_program_one_does_not_direct(client, tenant_a, tenant_b):
    client.force_login(tenant_a.director)
    response = client.post(reverse("programs:coach_move", args=[tenant_a.coach.pk]), {"program": tenant_b.program.pk})
    assert response.status_code == 400
    tenant_a.coach.refresh_from_db()
    assert tenant_a.coach.program == tenant_a.program


def test_the_list_shows_districts_served_this_year_and_the_last_entry(client, tenant_a):
    open_contract = ContractFactory(program=tenant_a.program)  # names nobody: every coach serves it
    entry = LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district)
    client.force_login(tenant_a.director)
    page = client.get(reverse("programs:coaches")).content.decode()
    assert f"{open_contract.district.name}, {tenant_a.district.name}" in page or \
        f"{tenant_a.district.name}, {open_contract.district.name}" in page  # fmt: skip
    assert f"{entry.date:%b} {entry.date.day}, {entry.date.year}" in page


@pytest.mark.parametrize("n", [3, 30])
def test_the_coach_list_costs_the_same_queries_for_3_or_30_coaches(client, tenant_a, n,
                                                                   django_assert_max_num_queries):  # fmt: skip
    for i in range(n):
        coach = CoachFactory(program=tenant_a.program, user=UserFactory(username=f"c{i}", role=Role.COACH))
        LogEntryFactory(coach=coach, district=tenant_a.district)
        Invitation.objects.create(user=coach.user, token_hash=f"{i:064d}", email=coach.user.email,
                                  expires_at=timezone.now())  # fmt: skip
    client.force_login(tenant_a.director)
    with django_assert_max_num_queries(13):
        assert client.get(reverse("programs:coaches")).status_code == 200


def test_a_moved_coach_months_stay_with_the_program_they_were_logged_for(client, tenant_a, tenant_b):
    """A coach moves from A to B. The months of time logged for A are decided by A's director
    only, never by B's; and a coach with a month waiting for approval cannot be moved."""
    import datetime as dt

    from coaching.models import CoachMonth, MonthStatus

    both = UserFactory(username="both", role=Role.PROGRAM_DIRECTOR)
    tenant_a.program.directors.add(both)
    tenant_b.program.directors.add(both)
    coach = tenant_a.coach
    first = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    LogEntryFactory(coach=coach, district=tenant_a.district, date=first)
    waiting = CoachMonth.objects.create(coach=coach, month=first, status=MonthStatus.SUBMITTED,
                                        submitted_at=timezone.now())  # fmt: skip
    client.force_login(both)
    refused = client.post(reverse("programs:coach_move", args=[coach.pk]), {"program": tenant_b.program.pk})
    assert refused.status_code == 400
    assert "waiting for approval" in refused.content.decode()
    coach.refresh_from_db()
    assert coach.program == tenant_a.program

    waiting.status = MonthStatus.APPROVED
    waiting.save()
    assert (
        client.post(reverse("programs:coach_move", args=[coach.pk]), {"program": tenant_b.program.pk}).status_code
        == 302
    )
    client.force_login(tenant_b.director)  # directs B only: A's approved month is not theirs to reopen
    assert client.get(reverse("coaching:month_reopen", args=[waiting.pk])).status_code == 404
    assert client.post(reverse("coaching:month_reopen", args=[waiting.pk]), {"reason": "mine now"}).status_code == 404
    assert (
        "Approved" not in client.get(reverse("coaching:approvals"), {"show": "decided"}).content.decode()
        or coach.user.display_name
        not in client.get(reverse("coaching:approvals"), {"show": "decided"}).content.decode()
    )
    waiting.refresh_from_db()
    assert waiting.status == MonthStatus.APPROVED
