"""Beat tasks for reports by email and reminders. Thin: services do the work; safe to run twice."""

from __future__ import annotations

from celery import shared_task

from .services import deliveries_send_due, delivery_send, reminders_send


@shared_task(name="subscriptions.send_due", acks_late=True, ignore_result=True)
def subscriptions_send_due() -> dict[str, int]:
    """Every few minutes: create the deliveries that are due and send those whose attempt is due."""
    return deliveries_send_due()


@shared_task(name="subscriptions.send_one", acks_late=True, ignore_result=True)
def subscriptions_send_one(delivery_id: int) -> str:
    """One delivery at once ("Send again"); the beat task sends it anyway if this is lost."""
    return delivery_send(delivery_id)


@shared_task(name="subscriptions.remind_coaches", acks_late=True, ignore_result=True)
def subscriptions_remind_coaches() -> int:
    """Working-day mornings: remind each coach whose silence reached their program's setting."""
    return reminders_send()
