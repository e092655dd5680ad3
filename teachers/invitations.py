"""Invitations: a person added to Fulcrum gets a single-use link by email to set their password.

The link carries 256 random bits; only its SHA-256 is stored. It lasts seven days; resending
makes a new link and ends the old one; revoking ends it. Using it sets the password, signs the
person in, and lifts any sign-in lockout on the account."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import INVITATION_DAYS, Invitation, Role, Teacher, User

LinkFor = Callable[[str], str]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Sent:
    invitation: Invitation
    link: str


def _new(users: list[User], *, by: User | None, link_for: LinkFor) -> list[Sent]:
    """A new link for each person (in three queries whatever their number); earlier ones end."""
    now = timezone.now()
    Invitation.objects.filter(user__in=users, used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
    tokens = [secrets.token_urlsafe(32) for _ in users]
    invitations = Invitation.objects.bulk_create(
        Invitation(user=user, token_hash=token_hash(token), email=user.email, invited_by=by,
                   expires_at=now + dt.timedelta(days=INVITATION_DAYS))
        for user, token in zip(users, tokens, strict=True)
    )  # fmt: skip
    return [Sent(invitation, link_for(token)) for invitation, token in zip(invitations, tokens, strict=True)]


def _send(sent: list[Sent]) -> None:
    messages = []
    for item in sent:
        user = item.invitation.user
        body = render_to_string("registration/invitation_email.txt", {
            "user": user, "link": item.link, "days": INVITATION_DAYS,
            "by": item.invitation.invited_by.display_name if item.invitation.invited_by else "Fulcrum",
        })  # fmt: skip
        messages.append(EmailMessage("Your Fulcrum account: set your password", body, to=[user.email]))
    if messages:
        with get_connection() as connection:
            connection.send_messages(messages)


@transaction.atomic
def invitations_send(*, users: Iterable[User], by: User | None, link_for: LinkFor) -> int:
    """Invite (or invite again) each person: a new link each, the previous one ended; all the
    emails go out in one SMTP session, and if the mail server refuses, nothing is recorded."""
    people = [u for u in users if u.email and u.is_active and not u.has_usable_password()]
    sent = _new(people, by=by, link_for=link_for)
    try:
        _send(sent)
    except OSError as exc:
        raise ValidationError(f"The invitations could not be sent ({exc}); nothing was recorded. Try again.") from exc
    return len(sent)


@transaction.atomic
def teacher_accounts_invite(*, teachers: Iterable[Teacher], by: User | None, link_for: LinkFor) -> int:
    """Give roster teachers without a sign-in an account (no password yet) and invite them;
    teachers already invited are invited again. Returns how many were invited."""
    chosen = [t for t in teachers if t.active and t.email]
    wanted = {t.email.lower() for t in chosen if t.user is None}
    taken = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
    # An address that already signs in (on another district's roster) is nobody to invite here.
    new_accounts: dict[int, User] = {}
    for t in chosen:
        if t.user is None and t.email.lower() not in taken:
            taken.add(t.email.lower())  # one account per address, even if two rosters list it
            new_accounts[t.pk] = User(username=t.email.lower(), email=t.email, first_name=t.first_name,
                                      last_name=t.last_name, role=Role.TEACHER)  # fmt: skip
    for user in new_accounts.values():
        user.set_unusable_password()
    User.objects.bulk_create(new_accounts.values())
    linked = []
    for teacher in chosen:
        if teacher.pk in new_accounts:
            teacher.user = new_accounts[teacher.pk]
            linked.append(teacher)
    Teacher.objects.bulk_update(linked, ["user"])
    users = [t.user for t in chosen if t.user is not None]
    return invitations_send(users=users, by=by, link_for=link_for)


def invitations_revoke(*, users: Iterable[User]) -> int:
    """End the pending invitations of these people; returns how many were ended."""
    return Invitation.objects.filter(user__in=list(users), used_at__isnull=True, revoked_at__isnull=True,
                                     expires_at__gt=timezone.now()).update(revoked_at=timezone.now())  # fmt: skip


class InvitationUnusable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def invitation_for(token: str) -> Invitation:
    """A link's invitation, if it may still be used: LookupError for a link never made,
    InvitationUnusable (with the reason) for one used, revoked or expired."""
    invitation = Invitation.objects.select_related("user").filter(token_hash=token_hash(token)).first()
    if invitation is None:
        raise LookupError("No such invitation.")
    if invitation.used_at is not None:
        raise InvitationUnusable("This invitation has been used. Sign in with your password, or reset it.")
    if invitation.revoked_at is not None:
        raise InvitationUnusable("This invitation was replaced or withdrawn. Ask for a new one.")
    if invitation.expires_at <= timezone.now():
        raise InvitationUnusable(f"This invitation expired after {INVITATION_DAYS} days. Ask for a new one.")
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> User:
    """Set the invited person's password (the usual rules apply) and use up the link."""
    invitation = invitation_for(token)
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.used_at is not None:
        raise InvitationUnusable("This invitation has been used. Sign in with your password, or reset it.")
    user = invitation.user
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    Invitation.objects.filter(pk=locked.pk).update(used_at=timezone.now())
    return user
