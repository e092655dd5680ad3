"""Background jobs of the coaching app. Thin: load by id, call a selector, return plain values."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .models import Contract
from .selectors import contract_usage_list


@shared_task(name="coaching.contract_days_used", acks_late=True, reject_on_worker_lost=True)
def contract_days_used(contract_id: int) -> str:
    """Days used on one contract, as a decimal string (read-only, so safe to run twice)."""
    [usage] = contract_usage_list(contracts=Contract.objects.filter(pk=contract_id), as_of=timezone.localdate())
    return str(usage.days_used)
