"""Writes for reports by email: subscribe, change, remove, unsubscribe; create the deliveries that
are due and send them, with retries; remind silent coaches.

A delivery row is written before its email is sent, and claimed by moving its next attempt on
before the send begins, so two beat ticks (or two workers) never send the same one twice. A send
that fails keeps its error and is tried again with backoff; after the last try it stays failed,
listed with its error, until its person sends it again.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from coaching.models import Coach
from reports.models import ScopeKind
from reports.scopes import Period, Scope
from reports.services import report_build_now
from teachers.audit import AuditAction, audit_record
from teachers.invitations import token_hash  # one hash for every link token
from teachers.models import User

from .access import scope_seen_by
from .mail import report_email_message, report_email_render, site_link
from .models import (
    DEFAULT_REMINDER_DAYS,
    CoachMailSettings,
    Delivery,
    DeliveryStatus,
    Frequency,
    ProgramMailSettings,
    Reminder,
    Subscription,
)
from .periods import due_at, last_full_period, working_days_between

log = logging.getLogger(__name__)

# After a failed attempt, the next one waits this long; after the last, the delivery stays failed.
RETRY_BACKOFF = (dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2), dt.timedelta(hours=12))
MAX_ATTEMPTS = len(RETRY_BACKOFF) + 1
# A claimed delivery is not claimed again before this: longer than a build and a send take.
CLAIM_LEASE = dt.timedelta(minutes=15)
MAX_REMINDER_ATTEMPTS = 5


def _audit(sub: Subscription, *, by: User | None, request: HttpRequest | None, detail: str, label: str = "") -> None:
    district = sub.scope_id if sub.scope_kind == ScopeKind.DISTRICT else None
    program = sub.scope_id if sub.scope_kind == ScopeKind.PROGRAM else (sub.scope_program or None)
    audit_record(action=AuditAction.SETUP_CHANGE, actor=by, request=request, district=district, program=program,
                 object_type="subscription", object_ref=sub.pk, detail=detail, actor_label=label)  # fmt: skip


# --------------------------------------------------------------------------- subscriptions


def subscription_add(*, user: User, scope: Scope, frequency: str, request: HttpRequest | None = None) -> Subscription:
    """Subscribe a person to a scope they may see (the caller authorized it); a subscription
    they removed or unsubscribed from comes back."""
    seen = scope_seen_by(user, scope)
    if seen is None:
        raise ValidationError({"scope": "You cannot receive this report."})
    scope = seen
    key = {"user": user, "scope_kind": scope.kind, "scope_id": scope.pk, "scope_program": scope.program,
           "frequency": frequency}  # fmt: skip
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().filter(**key).first()
        if sub is not None and sub.active:
            raise ValidationError({"scope": f"You already receive this report {frequency}."})
        if sub is None:
            sub = Subscription.objects.create(**key, scope_name=scope.name)
        else:
            sub.active, sub.scope_name = True, scope.name
            sub.save(update_fields=["active", "scope_name", "updated_at"])
        _audit(sub, by=user, request=request, detail=f"Subscribed to {scope.name} by email, {frequency}")
    return sub


def subscription_change(*, sub: Subscription, frequency: str, request: HttpRequest | None = None) -> Subscription:
    if frequency == sub.frequency:
        return sub
    try:
        with transaction.atomic():
            Subscription.objects.filter(
                user=sub.user_id, scope_kind=sub.scope_kind, scope_id=sub.scope_id, scope_program=sub.scope_program,
                frequency=frequency, active=False,
            ).delete()  # fmt: skip
            sub.frequency = frequency
            sub.save(update_fields=["frequency", "updated_at"])
            _audit(sub, by=sub.user, request=request, detail=f"Report by email of {sub.scope_name} now {frequency}")
    except IntegrityError as exc:
        raise ValidationError({"frequency": f"You already receive this report {frequency}."}) from exc
    return sub


def subscription_remove(*, sub: Subscription, request: HttpRequest | None = None) -> None:
    Subscription.objects.filter(pk=sub.pk).update(active=False, updated_at=timezone.now())
    _audit(sub, by=sub.user, request=request, detail=f"Stopped the report by email of {sub.scope_name}")


def delivery_for_token(token: str) -> Delivery | None:
    if not token or len(token) > 100:
        return None
    return Delivery.objects.select_related("subscription__user").filter(token_hash=token_hash(token)).first()


def unsubscribe(*, delivery: Delivery, request: HttpRequest | None = None) -> Subscription:
    """The email's link: the subscription it came from ends (its person is not signed in, perhaps)."""
    sub = delivery.subscription
    if sub.active:
        Subscription.objects.filter(pk=sub.pk).update(active=False, updated_at=timezone.now())
        sub.active = False
        user = sub.user
        _audit(sub, by=None, request=request, detail=f"Unsubscribed from {sub.scope_name} by the email's link",
               label=f"{user.display_name} ({user.username}), by the unsubscribe link")  # fmt: skip
    return sub


# --------------------------------------------------------------------------- deliveries


def deliveries_create_due(*, now: dt.datetime) -> int:
    """A delivery row for each active subscription whose last full week or month is due and was
    subscribed to before it was due (three queries; the unique constraint drops a concurrent repeat)."""
    today = timezone.localdate(now)
    periods = {f: last_full_period(f, today=today) for f in Frequency.values}
    due = {f: period for f, period in periods.items() if now >= due_at(period)}
    subs = Subscription.objects.filter(active=True, frequency__in=list(due)).only("pk", "frequency", "created_at")
    candidates = [sub for sub in subs if sub.created_at < due_at(due[sub.frequency])]
    existing = set(
        Delivery.objects.filter(subscription__in=[sub.pk for sub in candidates],
                                period_start__in=[p.start for p in due.values()])
        .values_list("subscription_id", "period_start")
    )  # fmt: skip
    rows = []
    for sub in candidates:
        period = due[sub.frequency]
        if (sub.pk, period.start) in existing:
            continue
        label = period.label if sub.frequency == Frequency.MONTHLY else _week_label(period)
        rows.append(Delivery(subscription=sub, period_start=period.start, period_end=period.end,
                             period_label=label, next_attempt_at=now))  # fmt: skip
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _week_label(period: Period) -> str:
    return f"Week of {period.start:%b} {period.start.day}, {period.start.year}"


def _claim(delivery_id: int, *, now: dt.datetime) -> bool:
    claimed = Delivery.objects.filter(
        pk=delivery_id, status__in=[DeliveryStatus.QUEUED, DeliveryStatus.FAILED], next_attempt_at__lte=now
    ).update(next_attempt_at=now + CLAIM_LEASE)
    return bool(claimed)


def _stop(delivery: Delivery, reason: str) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.STOPPED, last_error=reason,
                                                   next_attempt_at=None)  # fmt: skip


def delivery_send(delivery_id: int, *, now: dt.datetime | None = None) -> str:
    """Send one delivery if it is due and nobody else is sending it: build its report now, render
    the email with a fresh unsubscribe link, send it. Answers the delivery's status afterwards."""
    now = now or timezone.now()
    if not _claim(delivery_id, now=now):
        return "not due"
    delivery = Delivery.objects.select_related("subscription__user").get(pk=delivery_id)
    sub, user = delivery.subscription, delivery.subscription.user
    if not sub.active:
        _stop(delivery, "Unsubscribed before it was sent.")
        return DeliveryStatus.STOPPED
    scope = scope_seen_by(user, Scope(sub.scope_kind, sub.scope_id, program=sub.scope_program))
    if scope is None:
        _stop(delivery, f"Not sent: {user.display_name} may no longer see the report of {sub.scope_name}.")
        return DeliveryStatus.STOPPED
    if not user.email:
        _stop(delivery, f"Not sent: {user.display_name} has no email address.")
        return DeliveryStatus.STOPPED
    period = Period.custom(delivery.period_start, delivery.period_end)
    if sub.frequency == Frequency.MONTHLY:
        period = Period.month(delivery.period_start.year, delivery.period_start.month)
    token = secrets.token_urlsafe(32)
    attempts = delivery.attempts + 1
    try:
        snapshot = report_build_now(scope=scope, period=period, today=timezone.localdate(now))
        Delivery.objects.filter(pk=delivery.pk).update(token_hash=token_hash(token))
        email = report_email_render(snapshot=snapshot, scope=scope, period=period, frequency=sub.frequency,
                                    recipient=user.display_name, token=token)  # fmt: skip
        with get_connection(fail_silently=False) as connection:
            connection.send_messages([report_email_message(email, to=user.email)])
    except Exception as exc:
        retry = RETRY_BACKOFF[attempts - 1] if attempts < MAX_ATTEMPTS else None
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED, attempts=attempts, last_error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=now + retry if retry else None,
        )  # fmt: skip
        log.warning("Report email %s failed (attempt %s)", delivery.pk, attempts, exc_info=True)
        return DeliveryStatus.FAILED
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENT, attempts=attempts, last_error="",
                                                   sent_at=timezone.now(), next_attempt_at=None)  # fmt: skip
    return DeliveryStatus.SENT


def deliveries_send_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The beat task's work: create what is due, then send every delivery whose attempt is due."""
    now = now or timezone.now()
    deliveries_create_due(now=now)
    due = list(
        Delivery.objects.filter(status__in=[DeliveryStatus.QUEUED, DeliveryStatus.FAILED], next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:200]
    )
    outcome: dict[str, int] = {}
    for pk in due:
        status = delivery_send(pk, now=now)
        outcome[status] = outcome.get(status, 0) + 1
    return outcome


def delivery_retry(*, delivery: Delivery) -> None:
    """ "Send again": a failed delivery is due now, with its attempts counted afresh."""
    if delivery.status != DeliveryStatus.FAILED:
        raise ValidationError("Only a failed email can be sent again.")
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.FAILED).update(
        attempts=0, next_attempt_at=timezone.now()
    )


# --------------------------------------------------------------------------- reminders


def reminder_days_for(program_id: int) -> int:
    row = ProgramMailSettings.objects.filter(program_id=program_id).first()
    return row.reminder_working_days if row else DEFAULT_REMINDER_DAYS


def reminder_days_set(*, program_id: int, days: int, by: User, request: HttpRequest | None = None) -> None:
    ProgramMailSettings.objects.update_or_create(program_id=program_id, defaults={"reminder_working_days": days})
    detail = f"Reminders to log time after {days} working days" if days else "Reminders to log time off"
    audit_record(action=AuditAction.SETUP_CHANGE, actor=by, request=request, program=program_id,
                 object_type="mail_settings", object_ref=program_id, detail=detail)  # fmt: skip


def coach_reminders_on(coach: Coach) -> bool:
    row = CoachMailSettings.objects.filter(coach=coach).first()
    return row.reminders if row else True


def coach_reminders_set(*, coach: Coach, on: bool) -> None:
    CoachMailSettings.objects.update_or_create(coach=coach, defaults={"reminders": on})


def _silent_coaches(*, today: dt.date) -> list[tuple[Coach, dt.date]]:
    """(coach, the day since which they logged nothing) for each active coach who signs in, whose
    program's silence is reached and who did not turn reminders off (two queries)."""
    days = dict(ProgramMailSettings.objects.values_list("program_id", "reminder_working_days"))
    coaches = (
        Coach.objects.filter(active=True, user__is_active=True)
        .exclude(user__email="")
        .exclude(user__password__startswith=UNUSABLE_PASSWORD_PREFIX)  # invited, not signed in yet
        .exclude(mail_settings__reminders=False)
        .select_related("user")
        .annotate(last_entry=Max("entries__date"))
    )
    silent: list[tuple[Coach, dt.date]] = []
    for coach in coaches:
        wanted = days.get(coach.program_id, DEFAULT_REMINDER_DAYS)
        since = coach.last_entry or timezone.localdate(coach.user.date_joined)
        if wanted and working_days_between(since, today) >= wanted:
            silent.append((coach, since))
    return silent


def reminders_send(*, today: dt.date | None = None) -> int:
    """The daily task: one reminder per silence (its rows are written first, then read back in
    one query), sent in one SMTP session; a failure is kept on the row and tried again the next day."""
    today = today or timezone.localdate()
    silent = _silent_coaches(today=today)
    if not silent:
        return 0
    Reminder.objects.bulk_create([Reminder(coach=coach, since=since) for coach, since in silent], ignore_conflicts=True)
    rows = Reminder.objects.filter(
        coach__in=[coach.pk for coach, _ in silent], since__in={since for _, since in silent}
    )
    reminders = {(row.coach_id, row.since): row for row in rows}
    pending: list[tuple[Reminder, EmailMultiAlternatives]] = []
    for coach, since in silent:
        reminder = reminders[(coach.pk, since)]
        if reminder.sent_at is not None or reminder.attempts >= MAX_REMINDER_ATTEMPTS:
            continue
        context = {"coach": coach, "since": since, "days": working_days_between(since, today),
                   "log_link": site_link(reverse("coaching:entry_add")),
                   "settings_link": site_link(reverse("subscriptions:my_reminders"))}  # fmt: skip
        message = EmailMultiAlternatives(
            f"Fulcrum: nothing logged since {since:%A}, {since:%B} {since.day}",
            render_to_string("subscriptions/email/reminder.txt", context),
            to=[coach.user.email],
        )
        pending.append((reminder, message))
    if not pending:
        return 0
    try:
        with get_connection(fail_silently=False) as connection:
            for reminder, message in pending:
                connection.send_messages([message])
                Reminder.objects.filter(pk=reminder.pk).update(sent_at=timezone.now(), attempts=reminder.attempts + 1)
                reminder.sent_at = timezone.now()
    except Exception as exc:
        for reminder, _message in pending:
            if reminder.sent_at is None:
                Reminder.objects.filter(pk=reminder.pk).update(
                    attempts=reminder.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
                )
        log.warning("Reminders could not all be sent", exc_info=True)
    return sum(1 for reminder, _ in pending if reminder.sent_at is not None)
