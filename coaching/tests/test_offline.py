"""The offline queue's endpoint: a queued log entry is checked by the log form's rules and stored
exactly once under its idempotency key, however often and however concurrently it is sent."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from coaching import offline, services
from coaching.models import CoachMonth, LogEntry, MonthStatus, OfflineReceipt
from coaching.tests.factories import activity, focus_area
from toolkit.schoolyear import school_year_of

pytestmark = pytest.mark.django_db

URL = "/entries/offline/"
KEY = "0b9d2f4e-5c61-4f7a-9a53-2d8c1e6b7f10"
# Measured: the session, the coach, the form's lists, every rule, the entry with its teachers and
# the receipt; a replay reads the session, the coach and the receipt, and stops.
STORE_QUERIES = 49  # one more since the log form knows which activities need a focus area, and one for
# the priorities of the districts' coaching plans it offers
REPLAY_QUERIES = 11


def fields(tenant: Any, **overrides: str) -> list[list[str]]:
    values = {
        "date": timezone.localdate().isoformat(),
        "minutes": "45",
        "district": str(tenant.district.pk),
        "school": str(tenant.school.pk),
        "activity": str(activity().pk),
        "focus_area": str(focus_area().pk),
        "format": "in_person",
        "notes": "Planned the exit tickets",
    }
    values.update(overrides)
    pairs = [[name, value] for name, value in values.items()]
    return [*pairs, ["teachers", str(tenant.teacher.pk)]]


def send(client: Client, key: uuid.UUID | str, pairs: list[list[str]], **extra: Any) -> Any:
    body = {"key": str(key), "fields": pairs, **extra}
    return client.post(URL, json.dumps(body), content_type="application/json")


def test_the_url_is_the_one_the_pages_use():
    assert reverse("coaching:offline_entry") == URL


def test_a_queued_entry_is_stored_with_its_receipt(client, tenant_a):
    client.force_login(tenant_a.coach.user)
    key = uuid.uuid4()
    response = send(client, key, fields(tenant_a))
    assert response.status_code == 201
    entry = LogEntry.objects.get()
    assert response.json() == {"status": "stored", "replay": False, "entry": entry.pk,
                               "date": entry.date.isoformat()}  # fmt: skip
    assert (entry.coach, entry.minutes, entry.notes) == (tenant_a.coach, 45, "Planned the exit tickets")
    assert list(entry.teachers.all()) == [tenant_a.teacher]
    receipt = OfflineReceipt.objects.get()
    assert (receipt.key, receipt.coach, receipt.entry) == (key, tenant_a.coach, entry)


def test_the_same_key_twice_answers_the_first_result_and_stores_no_second_row(client, tenant_a):
    client.force_login(tenant_a.coach.user)
    key = uuid.uuid4()
    first = send(client, key, fields(tenant_a, minutes="720"))
    again = send(client, key, fields(tenant_a, minutes="720"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["replay"] is True
    assert again.json()["entry"] == first.json()["entry"]
    assert LogEntry.objects.count() == 1
    assert OfflineReceipt.objects.count() == 1
    # The replay answered the first result although the entry, sent anew, would now break the
    # 16-hour day: a different key is a different entry, checked by every rule.
    other = send(client, uuid.uuid4(), fields(tenant_a, minutes="720"))
    assert other.status_code == 422
    assert "a day cannot exceed 16 hours" in other.json()["errors"]["minutes"][0]
    assert LogEntry.objects.count() == 1


def test_a_rule_violation_comes_back_by_field_and_stores_nothing(client, tenant_a):
    client.force_login(tenant_a.coach.user)
    key = uuid.uuid4()
    response = send(client, key, fields(tenant_a, minutes="900"))
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "minutes": ["Enter between 1 and 720 minutes (12 hours); split longer days into entries."]}  # fmt: skip
    response = send(client, key, fields(tenant_a, focus_area=""))
    assert response.json()["errors"] == {"focus_area": ["Choose what this coaching time was about."]}
    assert not LogEntry.objects.exists()
    assert not OfflineReceipt.objects.exists()
    # Fixed, the same key stores it.
    fixed = send(client, key, fields(tenant_a, minutes="90"))
    assert fixed.status_code == 201
    assert LogEntry.objects.get().minutes == 90


def test_a_locked_month_is_refused_on_the_date(client, tenant_a):
    today = timezone.localdate()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    tenant_a.contract.school_year = school_year_of(last_month)
    tenant_a.contract.save()
    CoachMonth.objects.create(coach=tenant_a.coach, month=last_month, status=MonthStatus.SUBMITTED,
                              submitted_at=timezone.now())  # fmt: skip
    client.force_login(tenant_a.coach.user)
    response = send(client, uuid.uuid4(), fields(tenant_a, date=(last_month + dt.timedelta(days=2)).isoformat()))
    assert response.status_code == 422
    assert "submitted" in response.json()["errors"]["date"][0]
    assert not LogEntry.objects.exists()


def test_a_key_stored_by_another_coach_is_refused_and_shows_nothing_of_theirs(client, tenant_a, tenant_b):
    key = uuid.uuid4()
    client.force_login(tenant_b.coach.user)
    assert send(client, key, fields(tenant_b)).status_code == 201
    client.force_login(tenant_a.coach.user)
    response = send(client, key, fields(tenant_a))
    assert response.status_code == 409
    assert response.json() == {"status": "refused", "errors": {
        "__all__": ["This entry cannot be sent from this account; log it again."]}}  # fmt: skip
    assert not LogEntry.objects.filter(coach=tenant_a.coach).exists()
    assert LogEntry.objects.filter(coach=tenant_b.coach).count() == 1


def test_a_resend_after_the_entry_was_deleted_stores_nothing_again(client, tenant_a):
    client.force_login(tenant_a.coach.user)
    key = uuid.uuid4()
    send(client, key, fields(tenant_a))
    services.entry_delete(entry=LogEntry.objects.get())
    response = send(client, key, fields(tenant_a))
    assert (response.status_code, response.json()["entry"]) == (200, None)
    assert not LogEntry.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps({"fields": []}),
        json.dumps({"key": "not-a-uuid", "fields": []}),
        json.dumps({"key": KEY, "fields": "date=today"}),
        json.dumps({"key": KEY, "fields": [["date"]]}),
        json.dumps({"key": KEY, "fields": [["minutes", 45]]}),
    ],
)
def test_an_unreadable_body_is_a_400(client, tenant_a, body):
    client.force_login(tenant_a.coach.user)
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["status"] == "bad"
    assert not LogEntry.objects.exists()


def test_only_coaches_may_send_and_only_by_post(client, tenant_a):
    response = send(client, uuid.uuid4(), fields(tenant_a))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    client.force_login(tenant_a.teacher.user)
    assert send(client, uuid.uuid4(), fields(tenant_a)).status_code == 403
    client.force_login(tenant_a.director)
    assert send(client, uuid.uuid4(), fields(tenant_a)).status_code == 403
    client.force_login(tenant_a.coach.user)
    assert client.get(URL).status_code == 405
    assert not LogEntry.objects.exists()


def test_the_csrf_token_is_required(tenant_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tenant_a.coach.user)
    assert send(client, uuid.uuid4(), fields(tenant_a)).status_code == 403
    client.get(reverse("coaching:entry_add"))  # sets the CSRF cookie, as the pages do
    token = client.cookies["csrftoken"].value
    body = json.dumps({"key": KEY, "fields": fields(tenant_a)})
    response = client.post(URL, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201
    assert LogEntry.objects.count() == 1


@override_settings(RATE_LIMITS={"offline_entry": (3, 3600)})
def test_too_many_sends_in_an_hour_are_told_to_wait(client, tenant_a, tenant_b):
    client.force_login(tenant_a.coach.user)
    answers = [send(client, uuid.uuid4(), fields(tenant_a, minutes="10")).status_code for _ in range(4)]
    assert answers == [201, 201, 201, 429]
    last = send(client, uuid.uuid4(), fields(tenant_a, minutes="10"))
    assert last.json()["status"] == "later"
    assert int(last["Retry-After"]) > 0
    assert LogEntry.objects.count() == 3
    # Counted per coach (every request comes from the same address here): another coach goes on.
    client.force_login(tenant_b.coach.user)
    assert send(client, uuid.uuid4(), fields(tenant_b, minutes="10")).status_code == 201


def test_a_stored_entry_is_announced_on_the_next_page_only_when_asked(client, tenant_a):
    client.force_login(tenant_a.coach.user)
    send(client, uuid.uuid4(), fields(tenant_a, minutes="30"))
    assert "Logged 30 minutes" not in client.get(reverse("coaching:my_week")).content.decode()
    send(client, uuid.uuid4(), fields(tenant_a, minutes="40"), announce=True)
    assert "Logged 40 minutes" in client.get(reverse("coaching:my_week")).content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sends_of_one_key_store_one_entry(tenant_a, monkeypatch):
    """Both sends find no receipt and both try to store; the receipt's primary key makes the second
    wait for the first and then answer its result."""
    real_entry_log = services.entry_log

    def slow_entry_log(**kwargs: Any) -> LogEntry:
        time.sleep(0.3)  # hold the first transaction open while the second one inserts
        return real_entry_log(**kwargs)

    monkeypatch.setattr(services, "entry_log", slow_entry_log)
    key = uuid.uuid4()
    data = offline.fields_parse(fields(tenant_a))
    barrier = threading.Barrier(2)
    results: list[offline.Received] = []
    failures: list[BaseException] = []

    def go() -> None:
        try:
            barrier.wait()
            results.append(offline.offline_entry_receive(coach=tenant_a.coach, key=key, data=data))
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=go) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    assert LogEntry.objects.count() == 1
    assert sorted(r.replay for r in results) == [False, True]
    assert {r.entry.pk for r in results if r.entry} == {LogEntry.objects.get().pk}
    assert OfflineReceipt.objects.count() == 1


def test_unknown_fields_are_ignored_and_too_many_values_are_refused():
    data = offline.fields_parse([["minutes", "45"], ["coach", "7"], ["program", "3"]])
    assert dict(data.lists()) == {"minutes": ["45"]}
    with pytest.raises(ValueError, match="too many fields"):
        offline.fields_parse([["teachers", "1"]] * (offline.MAX_VALUES + 1))


@pytest.mark.parametrize("existing", [3, 30])
def test_storing_a_queued_entry_costs_the_same_queries_however_many_entries_exist(
    client, tenant_a, existing, django_assert_max_num_queries
):
    """The same count with 3 or 30 entries already logged that day; a replay costs a few."""
    client.force_login(tenant_a.coach.user)
    today = timezone.localdate()
    for _ in range(existing):
        services.entry_log(coach=tenant_a.coach, date=today, minutes=5, district=tenant_a.district,
                           activity=activity(), focus_area=focus_area())  # fmt: skip
    key = uuid.uuid4()
    with django_assert_max_num_queries(STORE_QUERIES):
        assert send(client, key, fields(tenant_a, minutes="10")).status_code == 201
    with django_assert_max_num_queries(REPLAY_QUERIES):
        assert send(client, key, fields(tenant_a, minutes="10")).status_code == 200
