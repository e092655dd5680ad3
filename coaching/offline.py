"""The offline queue's server side: a log entry saved on a phone while the network was down arrives
later, perhaps more than once (a resend after a lost answer, two tabs coming back online at once),
under the idempotency key the phone gave it. It is checked by the same rules as the log form and
stored exactly once: the key's primary-key constraint decides, never a read followed by a write."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils.crypto import salted_hmac

from teachers.models import User

from . import services
from .forms import LogEntryForm
from .models import Coach, LogEntry, OfflineReceipt

# The log form's fields a queued entry may carry; anything else it sent is ignored.
FIELDS = frozenset(LogEntryForm.base_fields)
MAX_VALUES = 400  # one value a field, and one a chosen teacher


class KeyTaken(Exception):
    """The idempotency key was used by another coach's entry."""


@dataclass(frozen=True)
class Received:
    """What became of a queued entry: stored now, or stored by an earlier send of its key (then
    `replay`, and `entry` is None if the coach has deleted it since)."""

    entry: LogEntry | None
    replay: bool


class Refused(Exception):
    """The entry breaks a rule; `errors` holds the messages by field (`__all__` for the entry)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("the entry breaks a rule")
        self.errors = errors


def owner_tag(user: User) -> str:
    """An opaque tag for the signed-in person, kept with each entry a phone queues: a phone shared by
    two coaches sends an entry only while the person who logged it is signed in."""
    return salted_hmac("coaching.offline.owner", str(user.pk)).hexdigest()[:32]


def fields_parse(pairs: Iterable[object]) -> QueryDict:
    """The queued form's (name, value) pairs as the form data a POST of the log form would carry.
    Raises ValueError on anything that is not a list of string pairs."""
    data = QueryDict(mutable=True)
    for count, pair in enumerate(pairs, start=1):
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(v, str) for v in pair)):
            raise ValueError("fields must be [name, value] string pairs")
        if count > MAX_VALUES:
            raise ValueError("too many fields")
        name, value = pair
        if name in FIELDS:
            data.appendlist(name, value)
    return data


def _previous(*, coach: Coach, key: uuid.UUID) -> Received | None:
    receipt = OfflineReceipt.objects.filter(key=key).select_related("entry").first()
    if receipt is None:
        return None
    if receipt.coach_id != coach.pk:
        raise KeyTaken(str(key))
    return Received(entry=receipt.entry, replay=True)


def offline_entry_receive(*, coach: Coach, key: uuid.UUID, data: QueryDict) -> Received:
    """Store a queued entry once: a key already stored answers with its first result (even if the
    entry would now break a rule); a new key is validated by the log form and `entry_log`, and
    stored with its receipt in one transaction. Raises Refused (nothing stored, the key left free
    for the fixed entry) or KeyTaken (the key is another coach's)."""
    previous = _previous(coach=coach, key=key)
    if previous is not None:
        return previous
    form = LogEntryForm(data, coach=coach, user=coach.user)
    if not form.is_valid():
        raise Refused({field: [str(m) for m in messages] for field, messages in form.errors.items()})
    cleaned = form.cleaned_data
    values: services.EntryValues = {
        "date": cleaned["date"],
        "minutes": cleaned["minutes"],
        "district": cleaned["district"],
        "school": cleaned["school"],
        "teachers": cleaned["teachers"] or [],
        "activity": cleaned["activity"],
        "focus_area": cleaned["focus_area"],
        "format": cleaned["format"],
        "notes": cleaned["notes"] or "",
        "start_time": cleaned["start_time"],
        "end_time": cleaned["end_time"],
    }
    try:
        with transaction.atomic():
            try:
                # The insert decides: a concurrent send of the same key waits here on the primary
                # key until this transaction ends, then fails and reads what this one stored.
                with transaction.atomic():
                    receipt = OfflineReceipt.objects.create(key=key, coach=coach)
            except IntegrityError:
                raced = _previous(coach=coach, key=key)
                if raced is None:  # pragma: no cover - a receipt is never deleted while its coach exists
                    raise
                return raced
            entry = services.entry_log(coach=coach, **values)
            receipt.entry = entry
            receipt.save(update_fields=["entry"])
    except ValidationError as exc:
        raise Refused(exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}) from exc
    return Received(entry=entry, replay=False)
