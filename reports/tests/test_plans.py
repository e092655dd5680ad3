"""The agreed time plan against the time logged: expected minutes worked out by hand from known
entries, for a finished school year with a plan changed in January, a custom period across the
change, a district served by two programs, a coach's own plan and an empty program."""

import datetime as dt
from decimal import Decimal

import pytest

from coaching.tests.factories import CoachFactory, ContractFactory, LogEntryFactory, activity
from reports.builder import build_figures
from reports.models import PlanLineKind, ScopeKind, TimePlan, TimePlanLine
from reports.scopes import Period, Scope

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)
PAST_YEAR = Period.school_year(2024)  # July 2024 – June 2025, finished

COACHING = "Coaching cycles and direct support"
LEARNING = "Professional learning"
NON_COACHING = "Non-coaching duties"


def make_plan(program, starts_on, lines, *, district=None, coach=None):
    """lines: (name, share, kind, [activity names])."""
    plan = TimePlan.objects.create(program=program, district=district, coach=coach, starts_on=starts_on)
    for i, (name, share, kind, names) in enumerate(lines):
        line = TimePlanLine.objects.create(plan=plan, name=name, share=Decimal(share), kind=kind, position=i)
        line.activities.set([activity(n) for n in names])
    return plan


def standard_plan(program, starts_on, coaching, learning, non_coaching, **scope):
    return make_plan(program, starts_on, [
        (COACHING, coaching, PlanLineKind.TARGET, ["Coaching Cycles", "Co-Planning"]),
        (LEARNING, learning, PlanLineKind.TARGET, ["Continuous Learning"]),
        (NON_COACHING, non_coaching, PlanLineKind.AT_MOST, ["Substituting"]),
    ], **scope)  # fmt: skip


@pytest.fixture
def year(tenant_a):
    """Program A: 60/15/at most 10 from July 2024, 70/10/at most 5 from January 2025; entries in
    October, December and February."""
    standard_plan(tenant_a.program, dt.date(2024, 7, 1), "60", "15", "10")
    standard_plan(tenant_a.program, dt.date(2025, 1, 1), "70", "10", "5")

    def entry(day, minutes, name, **kw):
        kw.setdefault("coach", tenant_a.coach)
        kw.setdefault("district", tenant_a.district)
        return LogEntryFactory(date=day, minutes=minutes, activity=activity(name), school=None, **kw)

    entry(dt.date(2024, 10, 7), 300, "Coaching Cycles")
    entry(dt.date(2024, 10, 8), 100, "Substituting")
    entry(dt.date(2024, 10, 9), 100, "Data Analysis")  # in no line: everything else
    entry(dt.date(2024, 12, 20), 100, "Co-Planning")
    entry(dt.date(2025, 2, 3), 200, "Coaching Cycles")
    entry(dt.date(2025, 2, 4), 100, "Continuous Learning")
    entry(dt.date(2025, 2, 5), 100, "Substituting")
    return tenant_a


def report(kind, pk, period=PAST_YEAR, program=0):
    return build_figures(Scope(kind, pk, "x", program=program), period, today=TODAY)["plan"]


def lines(plan):
    return [(r["name"], r["plan_share"], r["actual_share"], r["variance"]) for r in plan["lines"]]


def test_a_finished_year_with_a_plan_changed_in_january(year):
    # Expected minutes by hand: October (500 min) and December (100) under the first plan,
    # February (400) under the second.
    #   coaching  .60*500 + .60*100 + .70*400 = 640   actual 300 + 100 + 200 = 600
    #   learning  .15*500 + .15*100 + .10*400 = 130   actual 100
    #   non-coach .10*500 + .10*100 + .05*400 =  80   actual 100 + 100       = 200
    #   the rest  .15*500 + .15*100 + .15*400 = 150   actual 100 (Data Analysis)
    plan = report(ScopeKind.PROGRAM, year.program.pk)
    assert plan["has_plan"] is True
    assert lines(plan) == [
        (NON_COACHING, 8.0, 20.0, 12.0),
        ("Everything else", 15.0, 10.0, -5.0),
        (COACHING, 64.0, 60.0, -4.0),
        (LEARNING, 13.0, 10.0, -3.0),
    ]
    by_name = {r["name"]: r for r in plan["lines"]}
    assert [by_name[n]["expected_minutes"] for n in (COACHING, LEARNING, NON_COACHING, "Everything else")] == [
        640, 130, 80, 150]  # fmt: skip
    assert by_name[NON_COACHING]["exceeded"] is True
    assert by_name[COACHING]["exceeded"] is False
    assert plan["non_coaching_exceeded"] is True
    assert plan["distance"] == 12.0
    assert sum(r["plan_share"] for r in plan["lines"]) == pytest.approx(100.0)
    assert sum(r["actual_share"] for r in plan["lines"]) == pytest.approx(100.0)
    assert [r["hours"] for r in plan["lines"]] == ["3.33", "1.67", "10.00", "1.67"]
    assert sum(Decimal(r["hours"]) for r in plan["lines"]) == Decimal(plan["planned_hours"]) == Decimal("16.67")
    assert [a["label"] for a in plan["applied"]] == ["July 2024", "January 2025"]
    assert plan["by_district"] == [{"district_id": year.district.pk, "name": year.district.name, "distance": 12.0,
                                    "non_coaching_exceeded": True}]  # fmt: skip
    # The district-by-district comparison reads it.
    full = build_figures(Scope(ScopeKind.PROGRAM, year.program.pk, "x"), PAST_YEAR, today=TODAY)
    [row] = [r for r in full["district_comparison"] if r["name"] == year.district.name]
    assert (row["plan_distance"], row["plan_non_coaching_exceeded"]) == (12.0, True)


def test_a_custom_period_across_the_change(year):
    # December (100 min, first plan) and February (400, second plan):
    #   coaching 60 + 280 = 340, learning 15 + 40 = 55, non-coaching 10 + 20 = 30, rest 15 + 60 = 75.
    period = Period.custom(dt.date(2024, 12, 1), dt.date(2025, 2, 28))
    plan = report(ScopeKind.PROGRAM, year.program.pk, period)
    assert lines(plan) == [
        ("Everything else", 15.0, 0.0, -15.0),
        (NON_COACHING, 6.0, 20.0, 14.0),
        (LEARNING, 11.0, 20.0, 9.0),
        (COACHING, 68.0, 60.0, -8.0),
    ]
    assert [r["expected_minutes"] for r in plan["lines"]] == [75, 30, 55, 340]


def test_the_plan_starting_in_january_does_not_apply_to_december(year):
    plan = report(ScopeKind.PROGRAM, year.program.pk, Period.month(2024, 12))
    assert {r["name"]: r["plan_share"] for r in plan["lines"]}[COACHING] == 60.0
    assert [a["label"] for a in plan["applied"]] == ["July 2024"]
    # Nor is it "in force" over a period whose January has no time logged.
    plan = report(ScopeKind.PROGRAM, year.program.pk, Period.custom(dt.date(2024, 10, 1), dt.date(2025, 1, 31)))
    assert [a["label"] for a in plan["applied"]] == ["July 2024"]
    assert {r["name"]: r["kind"] for r in plan["lines"]}[NON_COACHING] == PlanLineKind.AT_MOST


def test_a_district_served_by_two_programs_takes_each_programs_plan(year, tenant_b):
    # Program A has its own plan for district A in February; program B serves district A too.
    standard_plan(year.program, dt.date(2025, 2, 1), "50", "20", "10", district=year.district)
    ContractFactory(program=tenant_b.program, district=year.district, school_year=2024)
    standard_plan(tenant_b.program, dt.date(2024, 7, 1), "80", "10", "10")
    LogEntryFactory(coach=tenant_b.coach, district=year.district, school=None, date=dt.date(2025, 2, 10),
                    minutes=200, activity=activity("Co-Planning"))  # fmt: skip
    period = Period.month(2025, 2)
    # A: 400 min under A's district plan (50/20/10/20); B: 200 under B's plan (80/10/10/0).
    #   coaching 200 + 160 = 360 of 600 = 60.0%   actual 200 + 200 = 400 = 66.7%
    #   learning  80 +  20 = 100 = 16.7%           actual 100 = 16.7%
    #   non-coach 40 +  20 =  60 = 10.0%           actual 100 = 16.7%
    #   the rest  80 +   0 =  80 = 13.3%           actual 0
    district = report(ScopeKind.DISTRICT, year.district.pk, period)
    assert lines(district) == [
        ("Everything else", 13.3, 0.0, -13.3),
        (COACHING, 60.0, 66.7, 6.7),  # the tenth left by rounding goes to the first line
        (NON_COACHING, 10.0, 16.6, 6.6),
        (LEARNING, 16.7, 16.7, 0.0),
    ]
    assert [r["expected_minutes"] for r in district["lines"]] == [80, 360, 60, 100]
    # Narrowed to program B, only B's plan and minutes.
    only_b = report(ScopeKind.DISTRICT, year.district.pk, period, program=tenant_b.program.pk)
    assert {r["name"]: r["plan_share"] for r in only_b["lines"]}[COACHING] == 80.0
    # The program's report keeps the program-wide plan; its district row uses the district plan.
    program = report(ScopeKind.PROGRAM, year.program.pk, period)
    assert {r["name"]: r["plan_share"] for r in program["lines"]}[COACHING] == 70.0
    assert program["by_district"][0]["distance"] == lines_distance(
        report(ScopeKind.DISTRICT, year.district.pk, period, program=year.program.pk)
    )


def lines_distance(plan):
    return round(sum(abs(r["variance"]) for r in plan["lines"]) / 2, 1)


def test_a_coachs_own_plan_comes_before_the_programs(year):
    make_plan(year.program, dt.date(2024, 9, 1), [(COACHING, "90", PlanLineKind.TARGET, ["Coaching Cycles"])],
              coach=year.coach)  # fmt: skip
    other = CoachFactory(program=year.program)
    LogEntryFactory(coach=other, district=year.district, school=None, date=dt.date(2024, 10, 1), minutes=60,
                    activity=activity("Coaching Cycles"))  # fmt: skip
    october = Period.month(2024, 10)
    mine = report(ScopeKind.COACH, year.coach.pk, october)
    assert lines(mine) == [
        (COACHING, 90.0, 60.0, -30.0),
        ("Everything else", 10.0, 40.0, 30.0),
    ]
    theirs = report(ScopeKind.COACH, other.pk, october)
    assert {r["name"]: r["plan_share"] for r in theirs["lines"]}[COACHING] == 60.0


def test_an_empty_program_has_its_plan_and_zero_shares(tenant_b):
    standard_plan(tenant_b.program, dt.date(2024, 7, 1), "60", "15", "10")
    plan = report(ScopeKind.PROGRAM, tenant_b.program.pk)
    assert plan["has_plan"] is True
    assert plan["planned_minutes"] == 0
    assert {r["plan_share"] for r in plan["lines"]} == {0.0}
    assert {r["actual_share"] for r in plan["lines"]} == {0.0}
    assert plan["non_coaching_exceeded"] is False
    assert plan["by_district"] == []


def test_no_plan_says_so(tenant_a):
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=dt.date(2024, 10, 1), minutes=60)
    plan = report(ScopeKind.PROGRAM, tenant_a.program.pk)
    assert plan["has_plan"] is False
    assert plan["lines"] == []
    assert plan["unplanned_minutes"] == 60


def test_non_coaching_within_its_ceiling_raises_no_flag(tenant_a):
    standard_plan(tenant_a.program, dt.date(2024, 7, 1), "60", "15", "10")
    for day in (1, 3):
        LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=dt.date(2024, 10, day), minutes=475,
                        activity=activity("Coaching Cycles"))  # fmt: skip
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=dt.date(2024, 10, 2), minutes=50,
                    activity=activity("Substituting"))  # fmt: skip
    plan = report(ScopeKind.PROGRAM, tenant_a.program.pk)
    assert plan["non_coaching_exceeded"] is False
    assert {r["name"]: r["exceeded"] for r in plan["lines"]}[NON_COACHING] is False


def test_the_plan_adds_at_most_two_statements_and_none_per_entry(year, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    scope = Scope(ScopeKind.PROGRAM, year.program.pk, "x")
    TimePlan.objects.all().delete()
    with CaptureQueriesContext(connection) as without:
        build_figures(scope, PAST_YEAR, today=TODAY)
    standard_plan(year.program, dt.date(2024, 7, 1), "60", "15", "10")
    standard_plan(year.program, dt.date(2025, 1, 1), "70", "10", "5")
    with CaptureQueriesContext(connection) as small:
        build_figures(scope, PAST_YEAR, today=TODAY)
    assert len(small.captured_queries) == len(without.captured_queries)  # both statements run either way
    for i in range(30):
        LogEntryFactory(coach=year.coach, district=year.district, school=None,
                        date=dt.date(2024, 9, 2) + dt.timedelta(days=i * 7), minutes=30 + i)  # fmt: skip
    with django_assert_max_num_queries(len(small.captured_queries)):
        build_figures(scope, PAST_YEAR, today=TODAY)


# --------------------------------------------------------------------------- page, CSV and PDF


def built(scope, period, django_capture_on_commit_callbacks):
    from reports import services

    with django_capture_on_commit_callbacks(execute=True):
        services.report_request(scope=scope, period=period, by=None)
    return f"scope={scope.key}&period={period.key}"


def test_the_page_csv_and_pdf_show_the_same_plan_figures(client, year, django_capture_on_commit_callbacks):
    import csv
    import io
    import re

    from django.urls import reverse

    from reports.tests.test_runs_and_dashboard import pdf_text

    scope = Scope(ScopeKind.PROGRAM, year.program.pk, year.program.name)
    query = built(scope, PAST_YEAR, django_capture_on_commit_callbacks)
    client.force_login(year.director)
    page = client.get(f"{reverse('reports:dashboard')}?{query}").content.decode()
    section = page[page.index('data-testid="plan-section"') :]
    section = section[: section.index("</section>")]
    cells = re.findall(r'<th scope="row" class="fw-normal">\s*([^<]+?)\s*(?:<span[^>]*>[^<]*</span>)?\s*</th>\s*'
                       r'<td[^>]*>(?:≤ )?([\d.]+)%</td>\s*<td[^>]*>([\d.]+)%</td>\s*<td[^>]*>([+\-\d.]+)</td>\s*'
                       r'<td[^>]*>([\d.]+)</td>', section)  # fmt: skip
    expected = [
        (NON_COACHING, "8.0", "20.0", "+12.0", "3.33"),
        ("Everything else", "15.0", "10.0", "-5.0", "1.67"),
        (COACHING, "64.0", "60.0", "-4.0", "10.00"),
        (LEARNING, "13.0", "10.0", "-3.0", "1.67"),
    ]
    assert cells == expected
    assert "Non-coaching duties are above the share the plan allows." in section
    assert "above its ceiling" in section

    response = client.get(f"{reverse('reports:export_csv')}?{query}&table=plan")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:5] == ["line", "kind", "plan_share_percent", "actual_share_percent", "variance_points"]
    assert [(r[0], r[2], r[3], r[4], r[6], r[8]) for r in rows[1:]] == [
        (NON_COACHING, "8.0", "20.0", "12.0", "200", "3.33"),
        ("Everything else", "15.0", "10.0", "-5.0", "100", "1.67"),
        (COACHING, "64.0", "60.0", "-4.0", "600", "10.00"),
        (LEARNING, "13.0", "10.0", "-3.0", "100", "1.67"),
    ]

    text = pdf_text(client.get(f"{reverse('reports:export_pdf')}?{query}").content)
    for name, plan_share, actual, variance, hours in expected:
        assert re.search(rf"{re.escape(name)}.*{plan_share}%\s+{actual}%\s+{re.escape(variance)}\s+{hours}", text), name
    assert "12.0 points off in all" in text


def test_no_plan_links_directors_to_the_plan_pages(client, tenant_a, django_capture_on_commit_callbacks):
    from django.urls import reverse

    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=dt.date(2024, 10, 1), minutes=60)
    scopes = (Scope(ScopeKind.PROGRAM, tenant_a.program.pk), Scope(ScopeKind.COACH, tenant_a.coach.pk))
    queries = [built(scope, PAST_YEAR, django_capture_on_commit_callbacks) for scope in scopes]
    for user, query, linked in ((tenant_a.director, queries[0], True), (tenant_a.coach.user, queries[1], False)):
        client.force_login(user)
        page = client.get(f"{reverse('reports:dashboard')}?{query}").content.decode()
        assert "No time plan applies to this period." in page
        assert (f'href="{reverse("programs:plans")}"' in page) is linked


def test_a_snapshot_from_before_plans_asks_for_a_refresh(client, year, django_capture_on_commit_callbacks):
    from django.urls import reverse

    from reports.models import Snapshot

    query = built(Scope(ScopeKind.PROGRAM, year.program.pk), PAST_YEAR, django_capture_on_commit_callbacks)
    snapshot = Snapshot.objects.get()
    del snapshot.figures["plan"]
    snapshot.save()
    client.force_login(year.director)
    response = client.get(f"{reverse('reports:dashboard')}?{query}")
    assert response.status_code == 200
    assert "Refresh to see the plan" in response.content.decode()
    csv_response = client.get(f"{reverse('reports:export_csv')}?{query}&table=plan")
    assert b"".join(csv_response.streaming_content).decode("utf-8-sig").strip().count("\n") == 0  # the header only


def test_the_demo_has_a_plan_changed_in_january_and_loading_twice_adds_nothing():
    import io

    from django.core.management import call_command

    from coaching.models import Program

    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())
    program = Program.objects.get(name="Prairie Regional Learning Center")
    plans = list(TimePlan.objects.filter(program=program).order_by("starts_on"))
    assert [(p.starts_on.month, p.starts_on.day) for p in plans] == [(7, 1), (1, 1)]
    assert [line.share for line in plans[1].lines.all()] == [Decimal(65), Decimal(15), Decimal(5)]
    from django.utils import timezone

    today = timezone.localdate()
    scope = Scope(ScopeKind.PROGRAM, program.pk, program.name)
    figures = build_figures(scope, Period.parse("", today=today), today=today)["plan"]
    assert figures["has_plan"] is True
    assert any(line["variance"] for line in figures["lines"])
