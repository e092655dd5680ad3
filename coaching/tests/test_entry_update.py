"""Changing an entry goes through one helper (`toolkit.models.model_update`): only what changed
is written, and an edit that changes nothing writes nothing (so no report counts it as changed)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coaching import services
from coaching.models import EntryChange
from coaching.tests.factories import LogEntryFactory

pytestmark = pytest.mark.django_db


def _same(entry):
    return {"date": entry.date, "minutes": entry.minutes, "district": entry.district, "activity": entry.activity,
            "focus_area": entry.focus_area, "school": entry.school, "teachers": list(entry.teachers.all()),
            "format": entry.format, "notes": entry.notes, "start_time": entry.start_time,
            "end_time": entry.end_time}  # fmt: skip


def test_an_edit_that_changes_nothing_writes_nothing(tenant_a):
    entry = LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, minutes=45)
    changes = EntryChange.objects.count()
    with CaptureQueriesContext(connection) as queries:
        services.entry_update(entry=entry, **_same(entry))
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE") and "logentry" in q["sql"]]
    assert EntryChange.objects.count() == changes


def test_an_edit_writes_only_the_columns_that_changed(tenant_a):
    entry = LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, minutes=45, notes="before")
    with CaptureQueriesContext(connection) as queries:
        services.entry_update(entry=entry, **{**_same(entry), "minutes": 60})
    [update] = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE") and "logentry" in q["sql"]]
    assert '"minutes"' in update
    assert '"notes"' not in update
    entry.refresh_from_db()
    assert (entry.minutes, entry.notes) == (60, "before")


def test_changing_only_the_teachers_updates_the_links(tenant_a):
    entry = LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district)
    services.entry_update(entry=entry, **{**_same(entry), "teachers": [tenant_a.teacher]})
    assert list(entry.teachers.all()) == [tenant_a.teacher]
