"""Student agency in the report: closed cycles whose plan (the kickoff) and close answered "How will
this empower learners?", by district and focus area, under the five-cycle rule against an insider."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coaching.tests.factories import ContractFactory, LogEntryFactory, activity, focus_area
from cycles.models import Cycle, CycleTime, Kickoff, Outcome, Stage
from reports import agency, impact, services
from reports.builder import build_figures
from reports.models import ScopeKind, Snapshot
from reports.scopes import Period, Scope
from teachers.tests.factories import DistrictFactory, SchoolFactory, TeacherFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)
PAST_YEAR = Period.school_year(2025)
SECRET = "SECRET-ANSWER"


def closed_cycle(tenant, *, closed_on, planned, revisited, focus=None, school=None, kickoff=True, stage=Stage.CLOSED):
    """A cycle closed on `closed_on`; its kickoff answered the agency question when `planned` (a
    kickoff left blank, or none at all, when not), and its close when `revisited`."""
    school = school or tenant.school
    cycle = Cycle.objects.create(
        coach=tenant.coach, district=school.district, school=school, title="c", started_on=dt.date(2025, 8, 1),
        stage=stage, outcome=Outcome.ENDED if stage == Stage.CLOSED else "",
        closed_on=closed_on if stage == Stage.CLOSED else None, agency_at_close=f"{SECRET} close" if revisited else "",
    )  # fmt: skip
    cycle.teachers.add(TeacherFactory(school=school))
    if planned or kickoff:
        Kickoff.objects.create(cycle=cycle, held_on=dt.date(2025, 8, 5), agency=f"{SECRET} plan" if planned else "")
    if focus:
        entry = LogEntryFactory(coach=tenant.coach, district=school.district, school=school,
                                date=dt.date(2025, 9, 1), minutes=60, activity=activity("Coaching Cycles"),
                                focus_area=focus_area(focus))  # fmt: skip
        CycleTime.objects.create(cycle=cycle, entry=entry)
    return cycle


# (focus area, planned, revisited), closed a month apart from Sept 2025.
CYCLES = [
    ("Literacy", True, True), ("Literacy", True, False), ("Literacy", False, True), ("Literacy", True, True),
    ("Literacy", False, False), ("Math", True, True), ("Math", False, False), ("Math", True, False),
    (None, True, True), (None, False, True),
]  # fmt: skip


@pytest.fixture
def past_year(tenant_a, tenant_b):
    tenant_a.contract.school_year = 2025
    tenant_a.contract.save()
    for i, (focus, planned, revisited) in enumerate(CYCLES):
        closed_cycle(tenant_a, closed_on=dt.date(2025, 9, 10) + dt.timedelta(days=20 * i), planned=planned,
                     revisited=revisited, focus=focus, kickoff=i % 2 == 0)  # fmt: skip
    # Not counted: still open, closed after the year, another tenant's.
    closed_cycle(tenant_a, closed_on=None, planned=True, revisited=False, stage=Stage.IMPROVE)
    closed_cycle(tenant_a, closed_on=dt.date(2026, 7, 2), planned=True, revisited=True)
    closed_cycle(tenant_b, closed_on=dt.date(2025, 10, 1), planned=True, revisited=True)
    return tenant_a


def district(tenant, program=0):
    return Scope(ScopeKind.DISTRICT, tenant.district.pk, tenant.district.name, program)


def figures(scope, period=PAST_YEAR):
    return build_figures(scope, period, today=TODAY)["agency"]


def test_the_counts_match_the_hand_computation(past_year):
    found = figures(district(past_year))
    assert found["shown"] is True
    # 10 closed: 6 planned, 6 revisited, 4 both.
    assert found["total"] == {"cycles": 10, "planned": 6, "revisited": 6, "both": 4, "planned_share": 60.0,
                              "revisited_share": 60.0, "both_share": 40.0}  # fmt: skip
    assert [(g["name"], g["cycles"], g["both"]) for g in found["by"]["district"]] == [(past_year.district.name, 10, 4)]
    # Literacy has five (3 planned, 3 revisited, 2 both); Math's three and the two without linked
    # time are merged into Other (five: 3, 3, 2).
    by_focus = {g["name"]: (g["cycles"], g["planned"], g["revisited"], g["both"]) for g in found["by"]["focus"]}
    assert by_focus == {"Literacy": (5, 3, 3, 2), impact.OTHER: (5, 3, 3, 2)}


def test_a_period_narrowed_to_four_closures_shows_nothing(past_year):
    """An insider narrows the period until few cycles are left: under five, no figure at all."""
    narrow = Period.custom(dt.date(2025, 9, 1), dt.date(2025, 11, 25))  # the first four closures
    found = figures(district(past_year), narrow)
    assert (found["shown"], found["rows"]) == (False, [])
    assert "total" not in found
    assert (
        figures(district(past_year), Period.custom(dt.date(2025, 9, 1), dt.date(2025, 12, 10)))["total"]["cycles"] == 5
    )


def test_a_district_report_is_not_the_program_report_minus_a_single_cycle(past_year):
    """District C has one closed cycle: the program's report (eleven) minus District A's share of
    it (ten) would single it out. The program's district breakdown is not shown, and District A's
    report for the program says why it shows nothing."""
    other = DistrictFactory(name="District C")
    ContractFactory(program=past_year.program, district=other, school_year=2025)
    closed_cycle(past_year, school=SchoolFactory(district=other, name="School C"), closed_on=dt.date(2025, 10, 1),
                 planned=True, revisited=False)  # fmt: skip
    program = figures(Scope(ScopeKind.PROGRAM, past_year.program.pk, "p"))
    assert program["total"]["cycles"] == 11
    assert program["by"]["district"] == []
    for groups in program["by"].values():
        assert all(g["cycles"] >= impact.MIN_CYCLES for g in groups)
    narrowed = figures(district(past_year, past_year.program.pk))
    assert (narrowed["shown"], narrowed.get("hidden")) == (False, impact.SINGLED_OUT)
    # The district's own report (every program's cycles of the district) is no part of a larger one.
    assert figures(district(past_year))["total"]["cycles"] == 10
    # A school of District A with all but one of its cycles: District A's report minus the school's
    # would be that one cycle, so the school's report shows nothing.
    closed_cycle(past_year, school=SchoolFactory(district=past_year.district, name="School B"),
                 closed_on=dt.date(2025, 10, 2), planned=False, revisited=True)  # fmt: skip
    school = figures(Scope(ScopeKind.SCHOOL, past_year.school.pk, "s"))
    assert (school["shown"], school.get("hidden")) == (False, impact.SINGLED_OUT)


def test_the_statement_count_does_not_grow_with_cycles(past_year):
    scope = Scope(ScopeKind.PROGRAM, past_year.program.pk, "p")
    with CaptureQueriesContext(connection) as ten:
        agency.agency_figures(scope, PAST_YEAR, connection)
    for i in range(30):
        closed_cycle(past_year, closed_on=dt.date(2025, 9, 1) + dt.timedelta(days=i), planned=i % 3 == 0,
                     revisited=i % 2 == 0, focus="Math")  # fmt: skip
    with CaptureQueriesContext(connection) as forty:
        found = agency.agency_figures(scope, PAST_YEAR, connection)
    assert found["total"]["cycles"] == 40
    assert len(forty.captured_queries) == len(ten.captured_queries) == 1


def test_page_csv_and_pdf_show_the_same_counts_and_no_answer(client, past_year, django_capture_on_commit_callbacks):
    from reports.tests.test_runs_and_dashboard import pdf_text

    scope = district(past_year)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_request(scope=scope, period=PAST_YEAR, by=None)
    assert Snapshot.objects.get(scope_kind=scope.kind, scope_id=scope.pk).figures["agency"]["total"]["both"] == 4
    client.force_login(past_year.district_admin)
    query = {"scope": scope.key, "period": PAST_YEAR.key}
    page = client.get(reverse("reports:dashboard"), query).content.decode()
    assert "Student agency: “How will this empower learners?”" in page
    for shown in ("Cycles closed", "6 <span class=\"fs-6 fw-normal\">(60.0%)</span>",
                  "4 <span class=\"fs-6 fw-normal\">(40.0%)</span>", "2 (40.0%)"):  # fmt: skip
        assert shown in page
    response = client.get(reverse("reports:export_csv"), {**query, "table": "agency"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode().lstrip("\ufeff"))))
    assert rows == [
        {"breakdown": "All cycles closed", "group": "", "cycles_closed": "10", "planned": "6",
         "revisited_at_close": "6", "both": "4", "both_percent": "40.0"},
        {"breakdown": "District", "group": past_year.district.name, "cycles_closed": "10", "planned": "6",
         "revisited_at_close": "6", "both": "4", "both_percent": "40.0"},
        {"breakdown": "Focus area", "group": "Literacy", "cycles_closed": "5", "planned": "3",
         "revisited_at_close": "3", "both": "2", "both_percent": "40.0"},
        {"breakdown": "Focus area", "group": "Other", "cycles_closed": "5", "planned": "3",
         "revisited_at_close": "3", "both": "2", "both_percent": "40.0"},
    ]  # fmt: skip
    text = pdf_text(client.get(reverse("reports:export_pdf"), query).content)
    assert "Student agency" in text
    for shown in ("All cycles closed", "Focus area: Literacy", "4 (40.0%)", "2 (40.0%)"):
        assert shown in text
    assert SECRET not in page
    assert SECRET not in text
    assert not any(SECRET in value for row in rows for value in row.values())
