"""Which period a subscription's next email covers, and working days for the reminders."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from reports.scopes import Period

from .models import Frequency


def last_full_period(frequency: str, *, today: dt.date) -> Period:
    """Weekly: the last full Monday–Sunday week before today. Monthly: the last full month."""
    if frequency == Frequency.WEEKLY:
        end = today - dt.timedelta(days=today.weekday() + 1)
        start = end - dt.timedelta(days=6)
        return Period.custom(start, end)
    end = today.replace(day=1) - dt.timedelta(days=1)
    return Period.month(end.year, end.month)


def period_title(frequency: str, period: Period) -> str:
    """What an email's subject calls its period: "November 2026", "week of November 23, 2026"."""
    if frequency == Frequency.WEEKLY:
        return f"week of {period.start:%B} {period.start.day}, {period.start.year}"
    return period.label


def due_at(period: Period) -> dt.datetime:
    """When a period's email goes out: the morning after it ends (SUBSCRIPTIONS_SEND_HOUR, in TIME_ZONE)."""
    from django.utils import timezone

    day = period.end + dt.timedelta(days=1)
    naive = dt.datetime.combine(day, dt.time(settings.SUBSCRIPTIONS_SEND_HOUR))
    return timezone.make_aware(naive)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days (Monday to Friday) strictly between two dates: the whole days without an
    entry between a coach's last entry and today."""
    days = 0
    day = start + dt.timedelta(days=1)
    while day < end:
        days += is_working_day(day)
        day += dt.timedelta(days=1)
    return days
