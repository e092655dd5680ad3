"""Offline on a phone, in Chromium with the browser context set offline: a coach logs three entries
with the network off, one of them in a month already submitted; back online, the two good ones are
stored once each and the third is shown for fixing; fixed, it is stored once too. Signing out
leaves neither the queue nor a cached page behind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coaching.models import CoachMonth, LogEntry, MonthStatus, OfflineReceipt
from coaching.tests.factories import ContractFactory, ensure_builtin_lists
from tests.e2e.conftest import sign_in
from toolkit.schoolyear import school_year_of

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser_context_args(service_workers="allow"),
]

SAVED = "Saved on this phone — will be sent when you're back online."


def test_three_entries_logged_offline_are_stored_once_and_the_broken_one_is_fixed(live_server, guarded_page, tenant_a):
    ensure_builtin_lists()
    today = timezone.localdate()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    tenant_a.contract.school_year = school_year_of(last_month)
    tenant_a.contract.save()
    if school_year_of(today) != school_year_of(last_month):
        ContractFactory(program=tenant_a.program, district=tenant_a.district, school_year=school_year_of(today))
    CoachMonth.objects.create(coach=tenant_a.coach, month=last_month, status=MonthStatus.SUBMITTED,
                              submitted_at=timezone.now())  # fmt: skip
    locked_day = (last_month + dt.timedelta(days=4)).isoformat()

    page = guarded_page
    context = page.context
    sign_in(page, live_server.url, tenant_a.coach.user.username)
    expect(page.get_by_role("heading", name="My week")).to_be_visible()
    manifest = page.evaluate("fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())")
    assert manifest["display"] == "standalone"
    assert {icon["purpose"] for icon in manifest["icons"]} == {"any", "maskable"}

    # The service worker installs on the first page and controls the next one, which it keeps.
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
    page.get_by_role("link", name="+ Log time").first.click()
    expect(page.get_by_role("heading", name="Log time")).to_be_visible()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.reload()
    expect(page.get_by_role("heading", name="Log time")).to_be_visible()
    page.wait_for_function("caches.keys().then(names => names.some(n => n.startsWith('fulcrum-pages-')))")

    context.set_offline(True)
    page.wait_for_function("!navigator.onLine")

    def log(minutes: int, notes: str, date: str | None = None) -> None:
        if date:
            page.get_by_label("Date").fill(date)
        page.get_by_label("Minutes").fill(str(minutes))
        page.get_by_label("Activity").select_option(label="Co-Planning")
        page.get_by_label("Focus area").select_option(label="Literacy")
        page.get_by_label("Notes").fill(notes)
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_test_id("offline-saved")).to_have_text(SAVED)
        expect(page.get_by_label("Notes")).to_have_value("")  # the form is ready for the next one

    log(60, "first offline entry")
    log(90, "second offline entry")
    log(45, "third offline entry", date=locked_day)
    expect(page.get_by_test_id("offline-waiting")).to_have_text("3 entries waiting to be sent (offline)")
    assert not LogEntry.objects.exists()

    # Offline, a page the phone does not keep shows the offline page; the log form is still there.
    page.goto(f"{live_server.url}/entries/")
    expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
    expect(page.get_by_text(tenant_a.coach.user.display_name)).to_have_count(0)
    page.get_by_role("link", name="Log time").click()
    expect(page.get_by_role("heading", name="Log time")).to_be_visible()
    expect(page.get_by_test_id("offline-waiting")).to_have_text("3 entries waiting to be sent (offline)")

    context.set_offline(False)
    expect(page.get_by_test_id("offline-sent")).to_contain_text("Sent: 2 entries", timeout=20_000)
    fix = page.get_by_test_id("offline-fix")
    expect(fix).to_contain_text("Needs fixing: 1 entry")
    expect(fix).to_contain_text("submitted")
    expect(page.get_by_test_id("offline-waiting")).to_have_count(0)
    assert sorted(LogEntry.objects.values_list("notes", flat=True)) == ["first offline entry", "second offline entry"]
    assert OfflineReceipt.objects.count() == 2

    # A reload sends nothing again: the two are marked sent on the phone and stored once.
    page.reload()
    expect(page.get_by_test_id("offline-sent")).to_contain_text("Sent: 2 entries")
    assert LogEntry.objects.count() == 2

    fix.get_by_role("link", name="Fix").click()
    expect(page.get_by_test_id("offline-fixing")).to_be_visible()
    expect(page.locator("#id_date_error")).to_contain_text("submitted")
    expect(page.get_by_label("Date")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Notes")).to_have_value("third offline entry")
    expect(page.get_by_label("Minutes")).to_have_value("45")
    page.get_by_label("Date").fill(today.isoformat())
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_role("heading", name="My week")).to_be_visible()
    expect(page.get_by_role("status").first).to_contain_text("Logged 45 minutes of Co-Planning")
    expect(page.get_by_test_id("offline-fix")).to_have_count(0)
    notes = sorted(LogEntry.objects.values_list("notes", flat=True))
    assert notes == ["first offline entry", "second offline entry", "third offline entry"]
    assert sorted(LogEntry.objects.values_list("minutes", flat=True)) == [45, 60, 90]
    assert set(LogEntry.objects.values_list("coach", flat=True)) == {tenant_a.coach.pk}
    assert OfflineReceipt.objects.filter(entry__isnull=False).count() == 3

    # Signing out on a shared phone deletes the queue and every cached page.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    left = page.evaluate(
        """new Promise((resolve) => {
             const open = indexedDB.open("fulcrum-offline", 1);
             open.onsuccess = () => {
               const request = open.result.transaction("entries").objectStore("entries").count();
               request.onsuccess = () => resolve(request.result);
             };
           })"""
    )
    assert left == 0
    caches = page.evaluate("caches.keys()")
    assert not [name for name in caches if name.startswith("fulcrum-pages-")], caches
    assert LogEntry.objects.count() == 3


def test_a_save_that_fails_on_the_network_is_kept_by_the_service_worker(live_server, guarded_page, tenant_a):
    """The phone believes it is online (a weak signal), so the form posts as usual; the post fails,
    and the service worker keeps the entry and shows the form again."""
    ensure_builtin_lists()
    page = guarded_page
    context = page.context
    sign_in(page, live_server.url, tenant_a.coach.user.username)
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
    page.goto(f"{live_server.url}/entries/new/")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.reload()
    page.wait_for_function("caches.keys().then(names => names.some(n => n.startsWith('fulcrum-pages-')))")
    context.add_init_script("Object.defineProperty(Navigator.prototype, 'onLine', { get: () => true });")
    page.reload()
    context.set_offline(True)

    page.get_by_label("Minutes").fill("30")
    page.get_by_label("Activity").select_option(label="Co-Planning")
    page.get_by_label("Focus area").select_option(label="Literacy")
    page.get_by_label("Notes").fill("kept by the service worker")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_test_id("offline-saved")).to_have_text(SAVED)
    expect(page.get_by_test_id("offline-waiting")).to_contain_text("1 entry waiting to be sent")
    assert not LogEntry.objects.exists()

    context.set_offline(False)
    page.reload()  # the next page opened sends what waits
    expect(page.get_by_test_id("offline-sent")).to_contain_text("Sent: 1 entry", timeout=20_000)
    assert list(LogEntry.objects.values_list("notes", "minutes")) == [("kept by the service worker", 30)]
