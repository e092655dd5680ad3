"""Report runs (queue, build, idempotence, failure) and who may see, build and export what."""

import csv
import datetime as dt
import io
import re
import shutil
import subprocess
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coaching.tests.factories import LogEntryFactory
from conftest import Tenant, need
from reports import services
from reports.models import ReportRun, ScopeKind, Snapshot
from reports.replica import ReadSource
from reports.scopes import Period, Scope
from reports.tasks import report_build_district_years, report_build_program_months, report_requeue_stale

pytestmark = pytest.mark.django_db


def district(tenant) -> Scope:
    return Scope(ScopeKind.DISTRICT, tenant.district.pk, tenant.district.name)


def this_year() -> Period:
    return Period.parse("", today=timezone.localdate())


@pytest.fixture
def logged(tenant_a, tenant_b):
    today = timezone.localdate()
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=today, minutes=90)
    LogEntryFactory(coach=tenant_b.coach, district=tenant_b.district, date=today, minutes=45)
    return tenant_a


def pdf_text(content: bytes) -> str:
    need(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils) is not installed")
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True,
                          check=True).stdout.decode()  # fmt: skip


def dashboard_url(scope: Scope, period: Period | None = None) -> str:
    return f"{reverse('reports:dashboard')}?scope={scope.key}&period={(period or this_year()).key}"


def test_a_request_builds_one_snapshot_and_a_second_run_replaces_its_figures(
    logged, django_capture_on_commit_callbacks
):
    # The run is published (and, with no broker, built) when its transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        run = services.report_request(scope=district(logged), period=this_year(), by=None)
    run.refresh_from_db()
    assert (run.status, run.progress, run.attempts) == ("done", 100, 1)
    snapshot = Snapshot.objects.get()
    assert snapshot.figures["total_minutes"] == 90
    LogEntryFactory(coach=logged.coach, district=logged.district, minutes=30)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_request(scope=district(logged), period=this_year(), by=None)
    assert Snapshot.objects.count() == 1
    assert Snapshot.objects.get().figures["total_minutes"] == 120


def test_running_a_finished_run_again_changes_nothing(logged, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.report_request(scope=district(logged), period=this_year(), by=None)
    built_at = Snapshot.objects.get().built_at
    assert services.report_run_execute(run.pk) is None
    assert Snapshot.objects.get().built_at == built_at
    assert ReportRun.objects.get().attempts == 1


def test_a_second_request_joins_the_pending_run(logged):
    with mock.patch("reports.services._publish"):  # nothing consumes: the run stays queued
        first = services.report_request(scope=district(logged), period=this_year(), by=None)
        second = services.report_request(scope=district(logged), period=this_year(), by=None)
    assert first.pk == second.pk
    assert ReportRun.objects.count() == 1


def test_a_failed_build_keeps_the_previous_snapshot_and_shows_the_failure(
    client, logged, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.report_request(scope=district(logged), period=this_year(), by=None)
    before = Snapshot.objects.get().figures
    with (
        mock.patch("reports.services.build_figures", side_effect=RuntimeError("disk full")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        run = services.report_request(scope=district(logged), period=this_year(), by=None)
    run.refresh_from_db()
    assert run.status == "failed"
    assert "disk full" in run.error
    assert Snapshot.objects.get().figures == before
    client.force_login(logged.district_admin)
    html = client.get(dashboard_url(district(logged))).content.decode()
    assert "The last build failed" in html
    assert "disk full" in html
    assert "The figures below are from the previous build" in html


def test_the_snapshot_keeps_which_database_the_build_read_and_the_dashboard_shows_it(
    client: Client, logged: Tenant, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.report_request(scope=district(logged), period=this_year(), by=None)
    assert Snapshot.objects.get().source == ""  # no replica configured: nothing to say
    client.force_login(logged.district_admin)
    html = client.get(dashboard_url(district(logged))).content.decode()
    assert "read from the" not in html
    note = "replica more than 10 s behind; read from the primary"
    with mock.patch("reports.services.report_reads") as reads, django_capture_on_commit_callbacks(execute=True):
        reads.return_value.__enter__.return_value = ReadSource("default", note)
        services.report_request(scope=district(logged), period=this_year(), by=None)
    assert Snapshot.objects.get().source == note
    html = client.get(dashboard_url(district(logged))).content.decode()
    assert f" ms · {note}</p>" in html


def test_a_database_hiccup_puts_the_run_back_in_the_queue_for_a_retry(logged):
    from django.db import OperationalError

    with mock.patch("reports.services._publish"):
        run = services.report_request(scope=district(logged), period=this_year(), by=None)
    with (
        mock.patch("reports.services.build_figures", side_effect=OperationalError("server closed")),
        pytest.raises(services.Transient),
    ):
        services.report_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == "queued"
    services.report_run_execute(run.pk)
    run.refresh_from_db()
    assert (run.status, run.attempts) == ("done", 2)


def test_two_builds_of_the_same_report_leave_one_correct_snapshot(logged):
    """A run redelivered while its first worker was still building (acks late) is built twice."""
    from reports.models import RunStatus

    with mock.patch("reports.services._publish"):
        run = services.report_request(scope=district(logged), period=this_year(), by=None)
    services.report_run_execute(run.pk)
    ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)  # the redelivered copy claims it
    LogEntryFactory(coach=logged.coach, district=logged.district, minutes=10)
    services.report_run_execute(run.pk)
    assert Snapshot.objects.count() == 1
    assert Snapshot.objects.get().figures["total_minutes"] == 100
    assert ReportRun.objects.get().attempts == 2


def test_a_broker_outage_leaves_the_run_queued_and_the_page_says_so(client, logged, django_capture_on_commit_callbacks):
    with (
        mock.patch("reports.services.report_build.apply_async", side_effect=ConnectionError("redis down")) as down,
        mock.patch("reports.services.jobs_run_in_process", return_value=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.force_login(logged.district_admin)
        response = client.post(reverse("reports:refresh"), {"scope": district(logged).key, "period": this_year().key})
    run = ReportRun.objects.get()
    down.assert_called_once_with((run.pk,), countdown=0)  # publishing was tried, on commit, and failed
    assert (run.status, run.published_at) == ("queued", None)
    assert "will build when it is back" in client.get(response["Location"]).content.decode()
    with (
        mock.patch("reports.services.report_build.apply_async") as publish,
        mock.patch("reports.services.jobs_run_in_process", return_value=False),
    ):
        ReportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))
        assert report_requeue_stale() == 1
    publish.assert_called_once_with((run.pk,), countdown=0)  # 0: no delay


def test_scheduled_builds_cover_each_contracted_district_and_each_program(
    logged, tenant_b, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert report_build_district_years() == 2
    assert set(Snapshot.objects.values_list("scope_kind", "scope_id")) == {
        ("district", logged.district.pk),
        ("district", tenant_b.district.pk),
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert report_build_program_months() == 2
    assert Snapshot.objects.filter(scope_kind="program").count() == 2


def test_a_get_never_builds_it_offers_a_button_and_the_post_builds(client, logged, django_capture_on_commit_callbacks):
    client.force_login(logged.district_admin)
    for day in range(1, 31):  # thirty custom periods looked at: nothing is created
        period = f"c-2026-09-{day:02d}-2026-10-{day:02d}"
        response = client.get(f"{reverse('reports:dashboard')}?scope={district(logged).key}&period={period}")
        assert response.status_code == 200
        assert "Build this report" in response.content.decode()
    assert (ReportRun.objects.count(), Snapshot.objects.count()) == (0, 0)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:refresh"), {"scope": district(logged).key, "period": this_year().key})
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.context["figures"]["total_hours"] == "1.50"
    html = response.content.decode()
    assert 'id="report-data"' in html
    assert logged.teacher.last_name not in html  # aggregates only: no teacher is named


def test_builds_are_limited_per_person_per_hour(client, logged, settings):
    settings.REPORTS_BUILDS_PER_HOUR = 3
    client.force_login(logged.district_admin)
    answers = []
    for month in (9, 10, 11, 12):
        data = {"scope": district(logged).key, "period": f"m-2026-{month:02d}"}
        answers.append(client.post(reverse("reports:refresh"), data).status_code)
    assert answers == [302, 302, 302, 429]
    assert ReportRun.objects.count() == 3
    refused = client.post(reverse("reports:refresh"), {"scope": district(logged).key, "period": "m-2027-01"})
    assert "Too many report builds" in refused.content.decode()
    assert refused["Retry-After"]
    client.force_login(logged.director)  # another person has their own allowance
    assert client.post(reverse("reports:refresh"), {"scope": district(logged).key}).status_code == 302


@pytest.mark.parametrize("role", ["district_admin", "director"])
def test_another_tenants_report_is_404_to_view_build_and_export(client, logged, tenant_b, role):
    client.force_login(getattr(logged, role))
    theirs = district(tenant_b)
    assert client.get(dashboard_url(theirs)).status_code == 404
    assert client.post(reverse("reports:refresh"), {"scope": theirs.key}).status_code == 404
    query = f"scope={theirs.key}&period={this_year().key}"
    assert client.get(f"{reverse('reports:export_csv')}?{query}&table=activity").status_code == 404
    assert client.get(f"{reverse('reports:export_pdf')}?{query}").status_code == 404
    assert not ReportRun.objects.filter(scope_id=tenant_b.district.pk).exists()


def test_a_coach_sees_only_their_own_time(client, logged, tenant_b):
    client.force_login(logged.coach.user)
    response = client.get(reverse("reports:dashboard"))
    assert response.context["scope"].key == f"coach-{logged.coach.pk}"
    assert [c.scope.key for c in response.context["choices"]()] == [f"coach-{logged.coach.pk}"]
    assert client.get(dashboard_url(Scope("coach", tenant_b.coach.pk))).status_code == 404
    assert client.get(dashboard_url(district(logged))).status_code == 404


def test_a_teacher_has_no_reports(client, logged):
    client.force_login(logged.teacher.user)
    assert client.get(reverse("reports:dashboard")).status_code == 403


def test_csv_export_of_a_table(client, logged, django_capture_on_commit_callbacks):
    client.force_login(logged.district_admin)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_request(scope=district(logged), period=this_year(), by=None)
    query = f"scope={district(logged).key}&period={this_year().key}"
    response = client.get(f"{reverse('reports:export_csv')}?{query}&table=balance")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["side", "minutes", "hours", "share_percent"]
    assert rows[1] == ["output", "90", "1.50", "100.0"]
    district_rows = list(csv.reader(io.StringIO(b"".join(
        client.get(f"{reverse('reports:export_csv')}?{query}&table=district").streaming_content
    ).decode("utf-8-sig"))))  # fmt: skip
    assert district_rows[1] == [logged.district.name, "90", "1.50", "100.0", "1"]
    assert client.get(f"{reverse('reports:export_csv')}?{query}&table=nope").status_code == 404


def test_pdf_export_is_a_pdf_with_the_figures_in_its_text(client, logged, django_capture_on_commit_callbacks):
    client.force_login(logged.district_admin)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_request(scope=district(logged), period=this_year(), by=None)
    response = client.get(f"{reverse('reports:export_pdf')}?scope={district(logged).key}&period={this_year().key}")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "How is coaching time spent?" in text
    assert logged.district.name in text
    assert "1.50" in text  # the hours, as the page shows them


def test_dashboard_query_count_is_constant(
    client, logged, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    """The same number of queries with 1 and 101 entries, both for a page whose rendered report
    is in the fragment cache (figures not even read) and for one that must render it."""
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(logged.director)
    scope = Scope("program", logged.program.pk)
    url = dashboard_url(scope)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_request(scope=scope, period=this_year(), by=None)
    caches["fragments"].clear()
    with CaptureQueriesContext(connection) as cold:
        client.get(url)
    with CaptureQueriesContext(connection) as warm:
        client.get(url)
    assert len(warm.captured_queries) < len(cold.captured_queries)
    for i in range(100):
        LogEntryFactory(coach=logged.coach, district=logged.district, minutes=1 + i % 50,
                        date=timezone.localdate() - dt.timedelta(days=i % 40))  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.report_request(scope=scope, period=this_year(), by=None)
    caches["fragments"].clear()
    with django_assert_max_num_queries(len(cold.captured_queries)):
        assert client.get(url).context["figures"]["entries"] == 101
    with django_assert_max_num_queries(len(warm.captured_queries)):
        client.get(url)
    print(f"Dashboard (from a snapshot): {len(warm.captured_queries)} queries, {len(cold.captured_queries)} to render")


def test_the_run_status_fragment_tells_the_page_to_reload_when_done(client, logged, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.report_request(scope=district(logged), period=this_year(), by=None)
    client.force_login(logged.district_admin)
    response = client.get(reverse("reports:run_status", args=[run.pk]))
    assert response["HX-Refresh"] == "true"
    client.force_login(logged.coach.user)
    assert client.get(reverse("reports:run_status", args=[run.pk])).status_code == 404


def test_time_use_report_command_writes_csv_json_and_pdf(logged, tenant_b, tmp_path):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("time_use_report", "--district", str(logged.district.pk), "--format", "json", stdout=out)
    assert '"total_minutes": 90' in out.getvalue()
    path = tmp_path / "r.csv"
    call_command("time_use_report", "--district", str(logged.district.pk), "--format", "csv", "-o", str(path))
    assert "balance,output,90,1.50,100.0" in path.read_text()
    pdf = tmp_path / "r.pdf"
    call_command("time_use_report", "--all", "--format", "pdf", "-o", str(pdf), stdout=io.StringIO())
    text = pdf_text(pdf.read_bytes())
    assert "How is coaching time spent?" in text
    assert "All programs and districts" in text
    assert "2.25" in text  # 90 + 45 minutes, in hours
    assert re.search(rf"{re.escape(logged.district.name)}\s+1\.50\b", text)
    assert re.search(rf"{re.escape(tenant_b.district.name)}\s+0\.75\b", text)


def test_the_picker_offers_a_district_as_soon_as_its_contract_is_added(client, tenant_a):
    """The picker's options are cached, but a new contract (or district, coach, administrator) is
    offered on the very next page, not when the cache runs out."""
    from coaching.tests.factories import ContractFactory
    from teachers.tests.factories import DistrictFactory

    client.force_login(tenant_a.director)
    url = reverse("reports:dashboard")
    assert "Brand New District" not in client.get(url).content.decode()
    new = DistrictFactory(name="Brand New District")
    ContractFactory(program=tenant_a.program, district=new)
    assert "Brand New District" in client.get(url).content.decode()
    tenant_a.district_admin.administered_districts.add(new)
    client.force_login(tenant_a.district_admin)
    assert "Brand New District" in client.get(url).content.decode()
    tenant_a.district_admin.administered_districts.remove(new)
    assert "Brand New District" not in client.get(url).content.decode()
