"""A snapshot never goes silently stale: when entries change, the page says how many changed
since it was built, and the current snapshots they fall in are rebuilt (debounced, one run per
report) through the run rows."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from coaching import services as coaching_services
from coaching.models import EntryChange
from coaching.tests.factories import activity, focus_area
from reports import services
from reports.models import ReportRun, ScopeKind, Snapshot
from reports.scopes import Period, Scope

pytestmark = pytest.mark.django_db


def log(tenant, minutes: int, day: dt.date | None = None):
    return coaching_services.entry_log(
        coach=tenant.coach, date=day or timezone.localdate(), minutes=minutes, district=tenant.district,
        activity=activity("Co-Planning"), focus_area=focus_area(),
    )  # fmt: skip


@pytest.fixture
def built(tenant_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        log(tenant_a, 60)
    scope, period = Scope(ScopeKind.DISTRICT, tenant_a.district.pk), Period.school_year(2026)
    with django_capture_on_commit_callbacks(execute=True):  # built once the request commits
        services.report_request(scope=scope, period=period, by=None)
    return scope, period


@pytest.fixture
def no_auto_rebuild():
    """Entries change, but nothing rebuilds (as when the job service is slow to pick it up)."""
    from coaching.changes import entries_changed

    uid = "reports_refresh_on_entry_change"
    entries_changed.disconnect(dispatch_uid=uid)
    yield
    entries_changed.connect(services.snapshots_refresh_for_changes, dispatch_uid=uid)


def test_the_page_says_how_many_entries_changed_since_it_was_built(
    client, tenant_a, built, no_auto_rebuild, django_capture_on_commit_callbacks
):
    scope, period = built
    with django_capture_on_commit_callbacks(execute=True):  # the changes are announced, and nothing rebuilds
        for minutes in (30, 45, 15):
            log(tenant_a, minutes)
    client.force_login(tenant_a.district_admin)
    response = client.get(reverse("reports:dashboard"), {"scope": scope.key, "period": period.key})
    assert response.context["changed"] == 3
    html = response.content.decode()
    assert "3 entries changed since this was built" in html
    assert "press Rebuild" in html


def test_an_edit_and_a_delete_count_and_other_districts_do_not(tenant_a, tenant_b, built):
    snapshot = services.snapshot_for(*built)
    first = coaching_services.entry_log(coach=tenant_b.coach, date=timezone.localdate(), minutes=30,
                                        district=tenant_b.district, activity=activity("Co-Planning"),
                                        focus_area=focus_area())  # fmt: skip
    assert services.entries_changed_since(snapshot) == 0
    mine = log(tenant_a, 20)
    coaching_services.entry_update(entry=mine, date=mine.date, minutes=25, district=tenant_a.district,
                                   activity=mine.activity, focus_area=mine.focus_area)  # fmt: skip
    assert services.entries_changed_since(snapshot) == 1  # one entry, changed twice
    coaching_services.entry_delete(entry=first)
    assert services.entries_changed_since(snapshot) == 1


def test_a_change_queues_one_debounced_rebuild_and_the_page_says_updating(
    client, tenant_a, built, django_capture_on_commit_callbacks
):
    scope, period = built
    with (
        mock.patch("reports.services.jobs_run_in_process", return_value=False),
        mock.patch("reports.services.report_build.apply_async") as publish,
        django_capture_on_commit_callbacks(execute=True),
    ):
        for minutes in (30, 45):
            log(tenant_a, minutes)
    runs = ReportRun.objects.filter(trigger="change")
    assert runs.count() == 1  # a burst of edits builds once
    assert publish.call_args.kwargs["countdown"] == services.CHANGE_DEBOUNCE_SECONDS
    client.force_login(tenant_a.district_admin)
    html = client.get(reverse("reports:dashboard"), {"scope": scope.key, "period": period.key}).content.decode()
    assert "2 entries changed since this was built" in html
    assert "updating" in html
    services.report_run_execute(runs.get().pk)
    response = client.get(reverse("reports:dashboard"), {"scope": scope.key, "period": period.key})
    assert response.context["figures"]["total_minutes"] == 135
    assert response.context["changed"] == 0
    assert "changed since this was built" not in response.content.decode()


def test_with_jobs_in_process_the_change_is_built_at_once(tenant_a, built, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        log(tenant_a, 30)
    assert services.snapshot_for(*built).figures["total_minutes"] == 90


def test_only_current_snapshots_rebuild_on_their_own(tenant_a, built, django_capture_on_commit_callbacks):
    old = Period.month(2025, 9)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_request(scope=built[0], period=old, by=None)
    Snapshot.objects.filter(period_start=old.start).update(data_as_of=timezone.now() - dt.timedelta(days=400))
    places = [(1, tenant_a.coach.pk, tenant_a.program.pk, tenant_a.district.pk, None, dt.date(2025, 9, 3))]
    assert services.snapshots_affected_by(places, today=timezone.localdate()) == []
    places = [(1, tenant_a.coach.pk, tenant_a.program.pk, tenant_a.district.pk, None, timezone.localdate())]
    affected = services.snapshots_affected_by(places, today=timezone.localdate())
    assert [(s.scope_kind, s.period_start) for s in affected] == [("district", dt.date(2026, 7, 1))]


def test_a_change_recorded_where_the_entry_was_and_where_it_is(tenant_a):
    from coaching.tests.factories import ContractFactory

    other = ContractFactory(program=tenant_a.program, school_year=2026).district
    entry = log(tenant_a, 20)
    EntryChange.objects.all().delete()
    coaching_services.entry_update(entry=entry, date=entry.date, minutes=20, district=other,
                                   activity=entry.activity, focus_area=entry.focus_area)  # fmt: skip
    assert set(EntryChange.objects.values_list("district_id", flat=True)) == {tenant_a.district.pk, other.pk}
