"""The standards as a lens, in the report: coaching time and cycles by the Teacher Leader Model
Standards' domains, figured by hand for a district served by two programs in a finished school
year, on the page, in the CSV and in the PDF; the program's setting; a fixed number of statements."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coaching.models import Coach, Program, StandardsDomain
from coaching.tests.factories import CoachFactory, ContractFactory, LogEntryFactory, ProgramFactory, activity
from cycles.models import Cycle, CycleTime
from learning.tests.factories import PDSessionFactory
from reports import services
from reports.builder import build_figures
from reports.models import ScopeKind, Snapshot
from reports.scopes import Period, Scope
from reports.standards import standards_figures
from teachers.models import Role
from teachers.tests.factories import SchoolFactory, TeacherFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)
PAST_YEAR = Period.school_year(2025)  # July 1, 2025 – June 30, 2026: finished
d = dt.date


def domain(number):
    return StandardsDomain.objects.get(number=number)


def entry(coach, district, day, minutes, *, school=None, cycle=None):
    made = LogEntryFactory(coach=coach, district=district, school=school, date=day, minutes=minutes,
                           activity=activity("Coaching Cycles"))  # fmt: skip
    if cycle is not None:
        CycleTime.objects.create(cycle=cycle, entry=made)
    return made


def cycle(coach, school, started, *, domains=(), closed_on=None):
    made = Cycle.objects.create(coach=coach, district=school.district, school=school, title="c", started_on=started,
                                closed_on=closed_on)  # fmt: skip
    made.teachers.add(TeacherFactory(school=school))
    made.domains.set([domain(n) for n in domains])
    return made


@pytest.fixture
def two_programs(tenant_a, tenant_b):
    """District A in 2025–26, served by program A (tenant A's coach) and a second program B; what
    must not count: another year, another district."""
    tenant_a.contract.school_year = 2025
    tenant_a.contract.save()
    program_b = ProgramFactory(name="Program Second")
    coach_b = CoachFactory(user=UserFactory(username="coach_second", role=Role.COACH), program=program_b)
    ContractFactory(program=program_b, district=tenant_a.district, school_year=2025).coaches.add(coach_b)
    a, school = tenant_a.coach, tenant_a.school
    x = cycle(a, school, d(2025, 9, 1), domains=(4, 5))
    y = cycle(a, school, d(2025, 12, 1))
    z = cycle(coach_b, school, d(2026, 1, 10), domains=(4,))
    entry(a, school.district, d(2025, 9, 10), 90, school=school, cycle=x)  # E1: domains 4 and 5
    entry(a, school.district, d(2025, 10, 5), 30, school=school, cycle=x)  # E2: domains 4 and 5
    # E3: a PD session tagged 3 and 4 whose facilitation entry is also counted toward cycle X (4, 5):
    # it reaches domain 4 twice and counts there once.
    e3 = entry(a, school.district, d(2025, 11, 1), 120, school=school, cycle=x)
    pd = PDSessionFactory(facilitator=a, district=school.district, date=e3.date, minutes=120, log_entry=e3)
    pd.domains.set([domain(3), domain(4)])
    entry(a, school.district, d(2026, 1, 15), 45, school=school, cycle=y)  # E5: an untagged cycle
    entry(a, school.district, d(2026, 3, 1), 60, school=school)  # E6: no cycle, no session
    entry(coach_b, school.district, d(2026, 2, 1), 100, cycle=z)  # E7: program B, domain 4
    entry(coach_b, school.district, d(2025, 12, 1), 50)  # E8: program B, untagged
    # Not in district A's 2025–26: the current year, the year before, another district.
    later = cycle(a, school, d(2026, 8, 1), domains=(1,))
    entry(a, school.district, d(2026, 9, 10), 200, school=school, cycle=later)
    entry(a, school.district, d(2025, 6, 1), 30, school=school, cycle=cycle(a, school, d(2025, 3, 1), domains=(1,),
                                                                              closed_on=d(2025, 6, 2)))  # fmt: skip
    tenant_b.contract.school_year = 2025
    tenant_b.contract.save()
    elsewhere = cycle(tenant_b.coach, tenant_b.school, d(2025, 9, 1), domains=(4,))
    entry(tenant_b.coach, tenant_b.district, d(2025, 9, 2), 500, school=tenant_b.school, cycle=elsewhere)
    tenant_a.program_b = program_b
    return tenant_a


def by_name(figures):
    return {row["name"]: row for row in figures["standards"]["rows"]}


def row(figures, name):
    found = by_name(figures)[name]
    return found["minutes"], found["hours"], found["share"], found["cycles"]


def district(tenant, program=0):
    return Scope(ScopeKind.DISTRICT, tenant.district.pk, tenant.district.name, program)


DOMAIN_3 = "3. Promoting Professional Learning for Continuous Improvement"
DOMAIN_4 = "4. Facilitating Improvements in Instruction and Student Learning"
DOMAIN_5 = "5. Promoting the Use of Assessment and Data for School and District Improvement"


def test_the_seven_domains_ship_as_data_with_the_standards_names():
    assert list(StandardsDomain.objects.values_list("number", "name")) == [
        (1, "Fostering a Collaborative Culture to Support Educator Development and Student Learning"),
        (2, "Accessing and Using Research to Improve Practice and Student Learning"),
        (3, "Promoting Professional Learning for Continuous Improvement"),
        (4, "Facilitating Improvements in Instruction and Student Learning"),
        (5, "Promoting the Use of Assessment and Data for School and District Improvement"),
        (6, "Improving Outreach and Collaboration with Families and Communities"),
        (7, "Advocating for Student Learning and the Profession"),
    ]
    assert Program._meta.get_field("standards_lens").default is True


def test_a_district_served_by_two_programs_by_hand(two_programs):
    figures = build_figures(district(two_programs), PAST_YEAR, today=TODAY)
    standards = figures["standards"]
    assert standards["shown"] is True
    # E1 90 + E2 30 + E3 120 + E5 45 + E6 60 + E7 100 + E8 50 = 495 minutes, the report's own total.
    assert standards["total_minutes"] == figures["total_minutes"] == 495
    assert row(figures, DOMAIN_4) == (340, "5.67", 68.7, 2)  # E1, E2, E3 (once), E7; cycles X and Z
    assert row(figures, DOMAIN_5) == (240, "4.00", 48.5, 1)  # E1, E2, E3; cycle X
    assert row(figures, DOMAIN_3) == (120, "2.00", 24.2, 0)  # E3, through the PD session only
    assert row(figures, "Not tagged") == (155, "2.58", 31.3, 1)  # E5 45 + E6 60 + E8 50; cycle Y
    assert row(figures, "Total") == (495, "8.25", 100.0, 3)
    for untouched in (1, 2, 6, 7):
        assert by_name(figures)[f"{untouched}. {domain(untouched).name}"]["minutes"] == 0
    # The domains' rows overlap: they add up to more than the total, and the report says so.
    assert sum(r["minutes"] for r in standards["rows"] if r["kind"] == "domain") == 700 > 495
    assert "do not add up to the total" in standards["note"]


def test_a_district_narrowed_to_one_program_counts_only_its_time(two_programs):
    figures = build_figures(district(two_programs, two_programs.program.pk), PAST_YEAR, today=TODAY)
    assert row(figures, DOMAIN_4) == (240, "4.00", 69.6, 1)  # E1, E2, E3 of 345
    assert row(figures, DOMAIN_5) == (240, "4.00", 69.6, 1)
    assert row(figures, DOMAIN_3) == (120, "2.00", 34.8, 0)
    assert row(figures, "Not tagged") == (105, "1.75", 30.4, 1)  # E5 45 + E6 60; cycle Y
    assert row(figures, "Total") == (345, "5.75", 100.0, 2)


def test_a_program_that_turned_the_lens_off_counts_as_not_tagged_and_its_own_report_hides_it(two_programs):
    Program.objects.filter(pk=two_programs.program_b.pk).update(standards_lens=False)
    figures = build_figures(district(two_programs), PAST_YEAR, today=TODAY)
    assert figures["standards"]["shown"] is True  # program A still has it on
    assert row(figures, DOMAIN_4) == (240, "4.00", 48.5, 1)  # E7 and cycle Z no longer count
    assert row(figures, "Not tagged") == (255, "4.25", 51.5, 2)  # + E7 100; cycles Y and Z
    narrowed = build_figures(district(two_programs, two_programs.program_b.pk), PAST_YEAR, today=TODAY)
    assert narrowed["standards"]["shown"] is False
    program = build_figures(Scope(ScopeKind.PROGRAM, two_programs.program_b.pk, "B"), PAST_YEAR, today=TODAY)
    assert program["standards"]["shown"] is False


def built(scope, period, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.report_request(scope=scope, period=period, by=None)
    return Snapshot.objects.get(scope_kind=scope.kind, scope_id=scope.pk, scope_program=scope.program)


def test_the_page_the_csv_and_the_pdf_show_the_same_figures(client, two_programs, django_capture_on_commit_callbacks):
    from reports.tests.test_runs_and_dashboard import pdf_text

    scope = district(two_programs)
    built(scope, PAST_YEAR, django_capture_on_commit_callbacks)
    client.force_login(two_programs.district_admin)
    query = {"scope": scope.key, "period": PAST_YEAR.key}
    page = client.get(reverse("reports:dashboard"), query).content.decode()
    table = page.split('data-testid="standards-table"')[1].split("</table>")[0]
    cells = [" ".join(c.split()) for c in table.split("<td")[1:]]
    assert any(DOMAIN_4 in c for c in cells)
    for shown in ("5.67", "68.7%", "4.00", "48.5%", "2.58", "31.3%", "8.25", "Total (the domains' rows overlap)"):
        assert shown in table
    assert "do not add up to the total" in page
    raw = b"".join(client.get(reverse("reports:export_csv"), {**query, "table": "standards"}).streaming_content)
    rows = {r["row"]: r for r in csv.DictReader(io.StringIO(raw.decode().lstrip("\ufeff")))}
    assert rows[DOMAIN_4] == {"lens": "Teacher Leader standards", "row": DOMAIN_4, "minutes": "340", "hours": "5.67",
                              "share_of_all_time_percent": "68.7", "cycles": "2", "answers": ""}  # fmt: skip
    assert (rows["Not tagged"]["minutes"], rows["Not tagged"]["hours"], rows["Not tagged"]["cycles"]) == (
        "155",
        "2.58",
        "1",
    )
    assert (rows["Total"]["minutes"], rows["Total"]["hours"], rows["Total"]["cycles"]) == ("495", "8.25", "3")
    text = " ".join(pdf_text(client.get(reverse("reports:export_pdf"), query).content).split())
    assert "Time and cycles by Teacher Leader standard" in text
    assert "4. Facilitating Improvements in Instruction and Student Learning 5.67 68.7% 2" in text
    assert "Not tagged 2.58 31.3% 1" in text
    assert "8.25 100.0% 3" in text


def test_a_report_built_with_the_lens_off_hides_the_section_on_the_page_and_the_pdf(
    client, two_programs, django_capture_on_commit_callbacks
):
    from reports.tests.test_runs_and_dashboard import pdf_text

    Program.objects.filter(pk=two_programs.program.pk).update(standards_lens=False)
    scope = Scope(ScopeKind.PROGRAM, two_programs.program.pk, "A")
    built(scope, PAST_YEAR, django_capture_on_commit_callbacks)
    client.force_login(two_programs.director)
    query = {"scope": scope.key, "period": PAST_YEAR.key}
    page = client.get(reverse("reports:dashboard"), query).content.decode()
    assert 'data-testid="standards-table"' not in page
    assert "Teacher Leader standard" not in pdf_text(client.get(reverse("reports:export_pdf"), query).content)
    raw = b"".join(client.get(reverse("reports:export_csv"), {**query, "table": "standards"}).streaming_content)
    assert "Teacher Leader standards" not in raw.decode()


def test_the_section_reads_the_same_number_of_statements_for_small_and_larger_data(two_programs):
    scope = district(two_programs)
    with CaptureQueriesContext(connection) as small:
        standards_figures(scope, PAST_YEAR, conn=connection, today=TODAY)
    coach = Coach.objects.get(pk=two_programs.coach.pk)
    for i in range(12):
        tagged = cycle(coach, SchoolFactory(district=two_programs.district), d(2025, 10, 1), domains=(i % 7 + 1, 2))
        for day in range(3):
            entry(coach, two_programs.district, d(2025, 10, 2 + day), 30, cycle=tagged)
        facilitation = entry(coach, two_programs.district, d(2025, 11, 2 + i), 60)
        session = PDSessionFactory(facilitator=coach, district=two_programs.district, date=d(2025, 11, 2 + i),
                                   log_entry=facilitation)  # fmt: skip
        session.domains.add(domain(6))
    with CaptureQueriesContext(connection) as larger:
        figures = standards_figures(scope, PAST_YEAR, conn=connection, today=TODAY)
    # One statement for the domains and one for the principles of a finished year.
    assert len(small.captured_queries) == len(larger.captured_queries) == 2
    assert {r["name"]: r["minutes"] for r in figures["rows"]}["2. " + domain(2).name] == 12 * 90
    # Domain 6: the twelve sessions' hours, and the one cycle (i = 5) tagged 6 as well as 2.
    assert {r["name"]: r["minutes"] for r in figures["rows"]}["6. " + domain(6).name] == 12 * 60 + 90
