"""The program's impact page: its figures (worked out by hand here), their agreement with the
time-use report, its query count, who reads it, its PDF, and the public address with its attacks:
an unpublished or taken-down address, another program's page, a small program's figures, and
working a hidden figure out from the ones shown."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from itertools import product

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from coaching.models import Program
from coaching.tests.factories import ContractFactory, LogEntryFactory, activity
from cycles.models import Stage
from cycles.tests.factories import CycleFactory, GoalFactory
from programs import impact_page as ip
from programs.impact_services import impact_publish, impact_unpublish
from programs.impact_views import impact_pdf_bytes
from programs.models import ImpactPublication
from reports.builder import build_figures
from reports.scopes import Period, Scope
from teachers.models import AuditEvent
from teachers.tests.factories import DistrictFactory, SchoolFactory, TeacherFactory
from toolkit.schoolyear import school_year_of

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = school_year_of(TODAY)
LAST = YEAR - 1
# A date well inside each school year, never in the future.
IN_YEAR = min(TODAY, dt.date(YEAR, 9, 15)) if dt.date(YEAR, 9, 15) <= TODAY else dt.date(YEAR, 7, 1)
IN_LAST = dt.date(LAST, 10, 6)


def closed_cycles(coach, school, n, *, on, goals_met=0):
    """`n` cycles of a coach closed on a date, the first `goals_met` of them with their goal met."""
    for i in range(n):
        # No teachers of their own: the rosters stay as each test sets them.
        cycle = CycleFactory(coach=coach, school=school, stage=Stage.CLOSED, started_on=on - dt.timedelta(days=40),
                             closed_on=on, teachers=[])  # fmt: skip
        if i < goals_met:
            GoalFactory(cycle=cycle, met_on=on)


@pytest.fixture
def world(tenant_a, tenant_b):
    """Program A in its own district (two schools, one without enrollment) for two years and in a
    second district this year only; program B also serves A's district and logs time there."""
    a, b = tenant_a, tenant_b
    north = a.school  # has the tenant's teacher on its roster
    north.enrollment, north.enrollment_year = 410, YEAR
    north.save()
    south = SchoolFactory(district=a.district, name="South School")  # no enrollment figure
    TeacherFactory.create_batch(6, school=north)
    TeacherFactory.create_batch(3, school=south)
    TeacherFactory(school=south, active=False)  # left: not on today's roster
    a.contract.school_year = YEAR
    a.contract.save()
    ContractFactory(program=a.program, district=a.district, school_year=LAST)
    other = DistrictFactory(name="Second District")
    far = SchoolFactory(district=other, name="Far School", enrollment=95, enrollment_year=LAST)
    TeacherFactory.create_batch(5, school=far)
    ContractFactory(program=a.program, district=other, school_year=YEAR)
    coach = a.coach
    # This year: 90 + 45 min at North, 30 min non-coaching at South, 60 min district-wide, 120 at Far.
    LogEntryFactory(coach=coach, district=a.district, school=north, date=IN_YEAR, minutes=90)
    LogEntryFactory(coach=coach, district=a.district, school=north, date=IN_YEAR, minutes=45)
    LogEntryFactory(coach=coach, district=a.district, school=south, date=IN_YEAR, minutes=30,
                    activity=activity("Substituting"), focus_area=None)  # fmt: skip
    LogEntryFactory(coach=coach, district=a.district, school=None, date=IN_YEAR, minutes=60)
    LogEntryFactory(coach=coach, district=other, school=far, date=IN_YEAR, minutes=120)
    # Last year: 200 min at South only.
    LogEntryFactory(coach=coach, district=a.district, school=south, date=IN_LAST, minutes=200)
    # Cycles: this year 6 closed in A's district (4 goals met), 2 in the second district (1 met);
    # last year 7 in A's district (5 met); one still open (not completed).
    closed_cycles(coach, north, 6, on=IN_YEAR, goals_met=4)
    closed_cycles(coach, far, 2, on=IN_YEAR, goals_met=1)
    closed_cycles(coach, south, 7, on=IN_LAST, goals_met=5)
    CycleFactory(coach=coach, school=north, stage=Stage.IMPROVE, teachers=[])
    # Program B in A's district: none of it is A's.
    ContractFactory(program=b.program, district=a.district, school_year=YEAR)
    LogEntryFactory(coach=b.coach, district=a.district, school=north, date=IN_YEAR, minutes=500)
    closed_cycles(b.coach, north, 3, on=IN_YEAR, goals_met=3)
    return a


def cube(program: Program) -> ip.Cube:
    return ip.impact_cube(program=program, today=TODAY)


def test_figures_count_only_the_programs_own_records(world):
    c = cube(world.program)
    this = c.figure((None, YEAR))
    # Districts: both this year; since the program began, both (A's since last year).
    assert (this["districts"], c.figure((None, None))["districts"]) == (2, 2)
    assert c.figure((None, LAST))["districts"] == 1
    # Schools with time logged this year: North, South, Far (the district-wide hour names none).
    assert this["schools"] == 3
    # Educators: active teachers on their rosters: North 1 + 6, South 3, Far 5.
    assert this["educators"] == 7 + 3 + 5
    # Students: North 410 + Far 95; South has no figure.
    assert (this["students"], this["schools_without_enrollment"]) == (505, 1)
    # Hours of coaching: 90 + 45 + 60 + 120 = 315 min (the 30 min of substituting apart).
    assert (this["coaching_minutes"], this["minutes"], this["hours"]) == (315, 345, "5.25")
    assert (this["cycles"], this["goals"]) == (8, 5)
    last = c.figure((None, LAST))
    assert (last["schools"], last["educators"], last["students"], last["coaching_minutes"]) == (1, 3, 0, 200)
    assert (last["cycles"], last["goals"]) == (7, 5)
    # Since the program began: schools North, South, Far once each.
    since = c.figure((None, None))
    assert (since["schools"], since["educators"], since["students"]) == (3, 15, 505)
    assert (since["coaching_minutes"], since["cycles"], since["goals"]) == (515, 15, 10)
    # Each says from when: the earliest record counted.
    assert (since["first_entry"], since["first_cycle"], since["first_goal"]) == (IN_LAST, IN_LAST, IN_LAST)
    assert this["first_entry"] == IN_YEAR
    assert since["districts_since"] == f"{LAST}–{str(YEAR)[-2:]}"
    # Per district this year.
    assert c.figure((world.district.pk, YEAR))["cycles"] == 6
    assert c.figure((world.district.pk, YEAR))["coaching_minutes"] == 195


def test_hours_cycles_and_goals_agree_with_the_time_use_report(world):
    c = cube(world.program)
    for year in (YEAR, LAST):
        report = build_figures(Scope("program", world.program.pk), Period.school_year(year), today=TODAY)
        sides = {row["name"]: row["minutes"] for row in report["balance"]}
        mine = c.figure((None, year))
        assert mine["coaching_minutes"] == sides["output"] + sides["input"]
        assert mine["minutes"] == report["total_minutes"]
        assert mine["cycles"] == report["cycles"]["completed"]
        assert mine["goals"] == report["cycles"]["goals_met"]
        named = [r for r in report["by_school"] if not r["name"].startswith("District-wide")]
        assert mine["schools"] == len(named)


def _page(client, program, year="all"):
    return client.get(reverse("impact:page", args=[program.pk]), {"year": year})


def test_the_page_asks_a_fixed_number_of_queries_whatever_the_data(client, world, django_assert_max_num_queries):
    client.force_login(world.director)
    with django_assert_max_num_queries(16) as small:
        assert _page(client, world.program).status_code == 200
    # Ten more districts, each with schools, entries, rosters and cycles.
    for i in range(10):
        district = DistrictFactory(name=f"More {i}")
        ContractFactory(program=world.program, district=district, school_year=YEAR)
        for j in range(2):
            school = SchoolFactory(district=district, name=f"More {i}.{j}", enrollment=100, enrollment_year=YEAR)
            TeacherFactory.create_batch(2, school=school)
            LogEntryFactory(coach=world.coach, district=district, school=school, date=IN_YEAR, minutes=30)
            closed_cycles(world.coach, school, 1, on=IN_YEAR, goals_met=1)
    with django_assert_max_num_queries(16) as large:
        assert _page(client, world.program).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_who_reads_the_page(client, world, tenant_b, site_admin):
    url = reverse("impact:page", args=[world.program.pk])
    assert client.get(url).status_code == 302  # to the sign-in page
    for user, status in ((world.director, 200), (site_admin, 200), (tenant_b.director, 404),
                         (world.district_admin, 403), (world.coach.user, 403), (world.teacher.user, 403)):  # fmt: skip
        client.force_login(user)
        assert client.get(url).status_code == status, user.username
        assert client.get(reverse("impact:pdf", args=[world.program.pk])).status_code == status
    client.force_login(tenant_b.director)
    assert client.post(reverse("impact:publication", args=[world.program.pk]), {"action": "publish"}).status_code == 404
    assert not ImpactPublication.objects.exists()


def test_the_directors_page_shows_every_figure_and_marks_what_the_public_page_hides(client, world):
    client.force_login(world.director)
    body = _page(client, world.program, str(YEAR)).content.decode()
    assert 'data-testid="impact-cycles">8<' in body
    assert "not public" in body  # the second district's 2 cycles


def _public(client, token, year="all"):
    caches["default"].clear()
    return client.get(reverse("impact:public", args=[token]), {"year": year})


def test_publish_then_take_down_the_public_page(client, world):
    client.force_login(world.director)
    url = reverse("impact:publication", args=[world.program.pk])
    assert client.post(url, {"action": "publish"}).status_code == 302
    client.post(url, {"action": "publish"})  # a second click keeps the same address
    live = ImpactPublication.objects.get()
    assert len(live.token) >= 43  # 256 random bits
    client.logout()
    page = _public(client, live.token, str(YEAR))
    assert page.status_code == 200
    body = page.content.decode()
    # Aggregates only: no teacher's or coach's name.
    assert world.teacher.last_name not in body
    assert world.coach.user.last_name not in body
    assert 'data-testid="impact-cycles">8<' in body
    assert page["X-Robots-Tag"] == "noindex"
    client.force_login(world.director)
    assert client.post(url, {"action": "unpublish"}).status_code == 302
    client.logout()
    assert _public(client, live.token).status_code == 404  # taken down for good
    client.force_login(world.director)
    client.post(url, {"action": "publish"})
    fresh = ImpactPublication.objects.get(revoked_at__isnull=True)
    assert fresh.token != live.token
    assert _public(client, live.token).status_code == 404
    assert _public(client, fresh.token).status_code == 200
    assert AuditEvent.objects.filter(action="sharing_change", program_id=world.program.pk).count() == 3


def test_an_address_never_published_is_a_404(client, world):
    assert _public(client, "x" * 43).status_code == 404
    assert _public(client, "short").status_code == 404


def test_another_programs_address_shows_only_that_program(client, world, tenant_b):
    theirs = impact_publish(program=tenant_b.program, by=tenant_b.director)
    body = _public(client, theirs.token, str(YEAR)).content.decode()
    assert tenant_b.program.name in body
    assert world.program.name not in body
    assert world.district.name in body  # B serves A's district too, with its own figures only
    assert "Second District" not in body
    # B's 500 minutes at North: 8.33 hours; none of A's time.
    assert 'data-testid="impact-hours">8.33<' in body


def test_a_small_programs_figures_are_not_shown(client, tenant_b):
    b = tenant_b
    b.contract.school_year = YEAR
    b.contract.save()
    LogEntryFactory(coach=b.coach, district=b.district, school=b.school, date=IN_YEAR, minutes=60)
    closed_cycles(b.coach, b.school, 3, on=IN_YEAR, goals_met=2)
    publication = impact_publish(program=b.program, by=b.director)
    for year in (str(YEAR), "all"):
        page = _public(client, publication.token, year)
        body = page.content.decode()
        # One teacher on the roster, 3 cycles, 2 goals: each reads "fewer than 5", never its number.
        f = page.context["f"]
        for name in ("educators", "cycles", "goals"):
            assert f'data-testid="impact-{name}">fewer than 5<' in body
            for row in [f["headline"], *f["districts"], *f["by_year"]]:
                assert row[name] is None
                assert row["shown"][name] == "fewer than 5"


def test_a_hidden_figure_cannot_be_worked_out_by_subtraction(client, world):
    """The second district closed 2 cycles this year, A's district 6, the year 8: showing the 6 and
    the 8 would give the 2 away, and so would A's district since the program began (13) beside the
    program's 15. The public page hides the 6 and the 13 too, and nothing pins the 2 down."""
    c = cube(world.program)
    hidden = ip.public_hidden(c)["cycles"]
    a, other = world.district.pk, next(d for d in c.districts_in(YEAR) if d != world.district.pk)
    assert hidden == {(other, YEAR): ip.FEW, (other, None): ip.FEW, (a, YEAR): ip.COMPLEMENT,
                      (a, None): ip.COMPLEMENT}  # fmt: skip
    values = {key: c.value(key, "cycles") for key in c.cells}
    assert _pinned(values, ip._lines(c, "cycles"), hidden) == {}
    publication = impact_publish(program=world.program, by=world.director)
    page = _public(client, publication.token, str(YEAR))
    assert 'data-testid="impact-cycles">8<' in page.content.decode()  # the year's total is safe to show
    rows = {r["name"]: r for r in page.context["f"]["districts"]}
    assert rows[world.district.name]["shown"]["cycles"] == "not shown"
    assert rows["Second District"]["shown"]["cycles"] == "fewer than 5"
    # The template is never handed the hidden numbers.
    assert rows[world.district.name]["cycles"] is None
    assert rows["Second District"]["cycles"] is None


def _pinned(values, lines, hidden):
    """Every hidden cell whose value the shown cells and the sums pin down, by brute force over
    0..limit for each hidden cell (the shown values and every line's sum must hold)."""
    keys = sorted(hidden, key=str)
    limit = max(values.values()) + 1
    found = {k: set() for k in keys}
    for guess in product(range(limit + 1), repeat=len(keys)):
        trial = {**values, **dict(zip(keys, guess, strict=True))}
        if any(hidden.get(k) == ip.FEW and trial[k] >= ip.MIN_GROUP for k in keys):
            continue  # an onlooker knows these are under five
        if any(hidden.get(k) == ip.COMPLEMENT and trial[k] < ip.MIN_GROUP for k in keys):
            continue
        if all(sum(trial[k] for k in cells) == trial[total] for cells, total in lines):
            for k in keys:
                found[k].add(trial[k])
    return {k: v for k, v in found.items() if len(v) == 1 and values[k] != 0}


def test_suppression_leaves_no_small_cell_pinned_down():
    # Two districts by two years, with the margins; a 3 and a 7 in year 1.
    d1y1, d2y1, d1y2, d2y2 = (1, 1), (2, 1), (1, 2), (2, 2)
    values = {d1y1: 3, d2y1: 7, d1y2: 6, d2y2: 8, (1, None): 9, (2, None): 15, (None, 1): 10, (None, 2): 14,
              (None, None): 24}  # fmt: skip
    lines = [([d1y1, d2y1], (None, 1)), ([d1y2, d2y2], (None, 2)), ([(1, None), (2, None)], (None, None)),
             ([d1y1, d1y2], (1, None)), ([d2y1, d2y2], (2, None)), ([(None, 1), (None, 2)], (None, None))]  # fmt: skip
    hidden = ip.suppress(values, lines)
    assert hidden[d1y1] == ip.FEW
    assert len(hidden) >= 4  # the 3, and enough others that no line gives it away
    assert _pinned(values, lines, hidden) == {}


def test_the_pdf_is_one_page_with_the_public_figures(world, tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("needs pdftotext (poppler-utils)")
    pdf = impact_pdf_bytes(world.program, str(YEAR), base_url="http://testserver/")
    path = tmp_path / "impact.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           1" in info
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    figures = ip.page_figures(cube(world.program), year=YEAR, public=True)
    assert figures["headline"]["hours"] == "5.25"
    assert "5.25" in text
    assert "505" in text  # students
    assert "fewer than 5" in text  # the second district's 2 cycles
    assert world.teacher.last_name not in text
    assert world.coach.user.last_name not in text


@override_settings(RATE_LIMITS={"impact_page": (3, 3600), "impact_page_address": (100, 3600)})
def test_the_public_page_is_rate_limited(client, world):
    publication = impact_publish(program=world.program, by=world.director)
    caches["default"].clear()
    url = reverse("impact:public", args=[publication.token])
    answers = [client.get(url).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]


def test_unpublish_when_nothing_is_published_changes_nothing(world):
    assert impact_unpublish(program=world.program, by=world.director) is False
    assert not AuditEvent.objects.filter(action="sharing_change").exists()
