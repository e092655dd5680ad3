"""Every CSV the project serves goes through the one safe writer: a BOM for spreadsheets, and no
cell a spreadsheet would run as a formula (a leading quote defuses it)."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coaching.tests.factories import LogEntryFactory
from cycles import services as cycle_services
from reports import services as report_services
from reports.scopes import Period, Scope
from teachers.tests.factories import SchoolFactory, TeacherFactory

pytestmark = pytest.mark.django_db
PAYLOAD = '=HYPERLINK("http://attacker.invalid","click")'
STARTS = ("=", "+", "-", "@")


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8")


def assert_safe(response, *, holding: str) -> None:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = body(response)
    assert text.startswith("\ufeff"), "no BOM: Excel would misread names with accents"
    cells = [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]
    assert any(holding in cell for cell in cells), "the payload did not reach this export: it tests nothing"
    dangerous = [c for c in cells if c.startswith(STARTS) and not c.lstrip("+-").replace(".", "", 1).isdigit()]
    assert dangerous == [], f"cells a spreadsheet would run: {dangerous}"


def test_the_coachs_time_log_export(client: Client, tenant_a):
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, notes=PAYLOAD)
    client.force_login(tenant_a.coach.user)
    assert_safe(client.get(reverse("coaching:entry_export")), holding="HYPERLINK")


def test_the_roster_export(client: Client, tenant_a):
    TeacherFactory(school=tenant_a.school, last_name="@SUM(1+1)*cmd")
    client.force_login(tenant_a.district_admin)
    assert_safe(client.get(reverse("teachers:roster_export")), holding="SUM(1+1)")


def test_the_teachers_own_data_export(client: Client, tenant_a, django_capture_on_commit_callbacks):
    teacher = tenant_a.teacher
    cycle = cycle_services.cycle_start(coach=tenant_a.coach, teachers=[teacher], title="+1 plan")
    cycle_services.reflection_write(author=teacher.user, teacher=teacher, cycle=cycle, occasion="free",
                                    what_happened=PAYLOAD, confidence=3)  # fmt: skip
    client.force_login(teacher.user)
    assert_safe(client.get(reverse("cycles:my_data_csv")), holding="HYPERLINK")


@pytest.mark.parametrize("table", ["activity", "focus", "balance", "school", "coach", "district", "program", "month"])
def test_every_report_table(client: Client, tenant_a, table, django_capture_on_commit_callbacks):
    school = SchoolFactory(district=tenant_a.district, name="-2+3 Elementary")
    tenant_a.coach.user.first_name = "=Evil"
    tenant_a.coach.user.save()
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, school=school, date=timezone.localdate())
    scope, period = Scope("district", tenant_a.district.pk), Period.school_year(timezone.localdate().year)
    if timezone.localdate().month < 7:
        period = Period.school_year(timezone.localdate().year - 1)
    with django_capture_on_commit_callbacks(execute=True):
        report_services.report_request(scope=scope, period=period, by=None)
    client.force_login(tenant_a.district_admin)
    response = client.get(reverse("reports:export_csv"), {"scope": scope.key, "period": period.key, "table": table})
    holding = {"school": "2+3 Elementary", "coach": "Evil"}.get(table, "")
    assert_safe(response, holding=holding)


# Impact and the district comparison (the impact part of the report): a strategy is the coach's
# own text and becomes a group's name once five cycles share it; a district's name is set-up text.
@pytest.mark.parametrize(("table", "holding"), [("impact", "HYPERLINK"), ("comparison", "Evil district")])
def test_the_impact_and_comparison_tables(client: Client, tenant_a, table, holding, django_capture_on_commit_callbacks):
    import datetime as dt

    from reports.tests.test_impact import make_cycle

    tenant_a.district.name = "@Evil district"
    tenant_a.district.save()
    today = timezone.localdate()
    period = Period.school_year(today.year if today.month >= 7 else today.year - 1)
    for _ in range(5):
        make_cycle(tenant_a, started=period.start, baseline=0, target=10, measures=[(period.start, 5)],
                   strategy=PAYLOAD, linked=[(period.start + dt.timedelta(days=1), 30, "Literacy")])  # fmt: skip
    scope = Scope("program", tenant_a.program.pk)
    with django_capture_on_commit_callbacks(execute=True):
        report_services.report_request(scope=scope, period=period, by=None)
    client.force_login(tenant_a.director)
    response = client.get(reverse("reports:export_csv"), {"scope": scope.key, "period": period.key, "table": table})
    assert_safe(response, holding=holding)
