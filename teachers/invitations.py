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


def _new(user: User, *, by: User | None, link_for: LinkFor) -> Sent:
    now = timezone.now()
    Invitation.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(user=user, token_hash=token_hash(token), email=user.email, invited_by=by,
                                           expires_at=now + dt.timedelta(days=INVITATION_DAYS))  # fmt: skip
    return Sent(invitation, link_for(token))


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
    sent = [_new(user, by=by, link_for=link_for) for user in people]
    try:
        _send(sent)
    except OSError as exc:
        raise ValidationError(f"The invitations could not be sent ({exc}); nothing was recorded. Try again.") from exc
    return len(sent)


@transaction.atomic
def teacher_accounts_invite(*, teachers: Iterable[Teacher], by: User | None, link_for: LinkFor) -> int:
    """Give roster teachers without a sign-in an account (no password yet) and invite them;
    teachers already invited are invited again. Returns how many were invited."""
    users = []
    for teacher in teachers:
        if not teacher.active or not teacher.email:
            continue
        if teacher.user is None:
            username = teacher.email.lower()
            if User.objects.filter(username=username).exists():
                continue  # that address already signs in (another district's roster): nothing to invite
            user = User(username=username, email=teacher.email, first_name=teacher.first_name,
                        last_name=teacher.last_name, role=Role.TEACHER)  # fmt: skip
            user.set_unusable_password()
            user.save()
            Teacher.objects.filter(pk=teacher.pk).update(user=user)
            teacher.user = user
        users.append(teacher.user)
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
