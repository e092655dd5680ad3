"""The time-use report on data unlike the demo: a finished past school year, month and custom
periods, a district served by two programs, an empty program, a coach in two districts. Each
test here failed before the report was made right for them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coaching.models import Contract, LogEntry
from coaching.selectors import contract_usage_list
from coaching.tests.factories import ContractFactory, LogEntryFactory, ProgramFactory, activity
from conftest import need
from reports import services
from reports.builder import _contracts, build_figures, hours_split, hours_text
from reports.models import ReportRun, ScopeKind
from reports.scopes import Period, Scope

pytestmark = pytest.mark.django_db

PAST = 2025  # the 2025–26 school year, finished before today (Dec 2026)
CURRENT = 2026


def entry(coach, district, day, minutes, name="Co-Planning", **kw):
    return LogEntryFactory(coach=coach, district=district, date=day, minutes=minutes, activity=activity(name), **kw)


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def pdf_text(content: bytes) -> str:
    need(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils) is not installed")
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True)
    return done.stdout.decode()


def build(scope: Scope, period: Period, capture_on_commit_callbacks) -> dict:
    with capture_on_commit_callbacks(execute=True):  # the run is built once its transaction commits
        run = services.report_request(scope=scope, period=period, by=None)
    run.refresh_from_db()
    assert run.status == "done", run.error
    return services.snapshot_for(scope, period).figures


# ----------------------------------------------------------------------------- two programs


@pytest.fixture
def shared_district(tenant_a, tenant_b):
    """District A is contracted by program A (60 days) and program B (20 days) this year."""
    ContractFactory(program=tenant_b.program, district=tenant_a.district, school_year=CURRENT, contracted_days=20)
    today = timezone.localdate()
    entry(tenant_a.coach, tenant_a.district, today - dt.timedelta(days=1), 300)
    entry(tenant_b.coach, tenant_a.district, today - dt.timedelta(days=1), 120, "Modeling or Co-teaching")
    entry(tenant_b.coach, tenant_a.district, today - dt.timedelta(days=2), 45, "Modeling or Co-teaching")
    return tenant_a


def test_a_director_sees_only_their_own_programs_time_and_contract_in_a_shared_district(
    client, shared_district, tenant_b, django_capture_on_commit_callbacks
):
    client.force_login(tenant_b.director)
    response = client.get(reverse("reports:dashboard"), {"scope": f"district-{shared_district.district.pk}"})
    assert response.status_code == 200
    scope = response.context["scope"]
    assert (scope.pk, scope.program) == (shared_district.district.pk, tenant_b.program.pk)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:refresh"), {"scope": scope.key})
    figures = client.get(reverse("reports:dashboard"), {"scope": scope.key}).context["figures"]
    assert figures["total_minutes"] == 165
    assert [c["name"] for c in figures["by_coach"]] == [tenant_b.coach.user.display_name]
    assert [(c["program"], c["contracted"]) for c in figures["contracts"]] == [("Program B", 20)]
    html = client.get(reverse("reports:dashboard"), {"scope": scope.key}).content.decode()
    assert shared_district.coach.user.display_name not in html
    query = {"scope": scope.key}
    for table in ("coach", "contracts", "activity", "program"):
        rows = csv_rows(client.get(reverse("reports:export_csv"), {**query, "table": table}))
        text = "\n".join(",".join(r) for r in rows)
        assert shared_district.coach.user.display_name not in text
        assert "Program A" not in text
    text = pdf_text(client.get(reverse("reports:export_pdf"), query).content)
    assert shared_district.coach.user.display_name not in text
    assert "Program A" not in text
    assert "2.75" in text  # 165 minutes


def test_a_director_cannot_ask_for_the_other_programs_slice_or_the_whole_district(client, shared_district, tenant_b):
    client.force_login(tenant_b.director)
    district = shared_district.district.pk
    other = f"district-{district}-p{shared_district.program.pk}"
    assert client.get(reverse("reports:dashboard"), {"scope": other}).status_code == 404
    assert client.post(reverse("reports:refresh"), {"scope": other}).status_code == 404
    assert client.get(reverse("reports:export_csv"), {"scope": other, "table": "coach"}).status_code == 404
    # The whole-district key is narrowed to the director's own program, never widened.
    response = client.get(reverse("reports:dashboard"), {"scope": f"district-{district}"})
    assert response.context["scope"].program == tenant_b.program.pk
    assert not ReportRun.objects.filter(scope_program=0).exists()


def test_the_district_administrator_sees_every_program_with_a_breakdown(
    client, shared_district, django_capture_on_commit_callbacks
):
    client.force_login(shared_district.district_admin)
    scope = Scope(ScopeKind.DISTRICT, shared_district.district.pk)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:refresh"), {"scope": scope.key})
    response = client.get(reverse("reports:dashboard"), {"scope": scope.key})
    figures = response.context["figures"]
    assert figures["total_minutes"] == 465
    assert [(p["name"], p["minutes"], p["hours"], p["service_dates"]) for p in figures["by_program"]] == [
        ("Program A", 300, "5.00", 1), ("Program B", 165, "2.75", 2)
    ]  # fmt: skip
    assert sorted((c["program"], c["used"]) for c in figures["contracts"]) == [("Program A", 1.0), ("Program B", 1.0)]
    assert "Program by program" in response.content.decode()
    rows = csv_rows(client.get(reverse("reports:export_csv"), {"scope": scope.key, "table": "program"}))
    assert rows[0] == ["program", "minutes", "hours", "share_percent", "service_dates"]
    assert [r[:3] for r in rows[1:]] == [["Program A", "300", "5.00"], ["Program B", "165", "2.75"]]
    # The district table is no longer empty for a district report, with its service dates.
    rows = csv_rows(client.get(reverse("reports:export_csv"), {"scope": scope.key, "table": "district"}))
    assert rows[1] == [shared_district.district.name, "465", "7.75", "100.0", "2"]


# ----------------------------------------------------------------------------- past years


@pytest.fixture
def past_year(tenant_a):
    """A finished school year: 20 contracted days, 4.5 used."""
    contract = ContractFactory(program=tenant_a.program, district=tenant_a.district, school_year=PAST,
                               contracted_days=20)  # fmt: skip
    contract.coaches.add(tenant_a.coach)
    for day in (dt.date(2025, 9, 2), dt.date(2025, 9, 3), dt.date(2025, 10, 6), dt.date(2026, 2, 2)):
        entry(tenant_a.coach, tenant_a.district, day, 300)
    entry(tenant_a.coach, tenant_a.district, dt.date(2026, 3, 2), 90)  # half a day
    return contract


def test_a_finished_year_shows_what_happened_the_same_on_the_report_csv_pdf_and_contracts_page(
    client, tenant_a, past_year, django_capture_on_commit_callbacks
):
    client.force_login(tenant_a.district_admin)
    scope, period = Scope(ScopeKind.DISTRICT, tenant_a.district.pk), Period.school_year(PAST)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:refresh"), {"scope": scope.key, "period": period.key})
    page = client.get(reverse("reports:dashboard"), {"scope": scope.key, "period": period.key})
    [row] = page.context["figures"]["contracts"]
    assert (row["used"], row["left"], row["outlook"]) == (4.5, 15.5, "ended with 15.5 days unused")
    assert "Ended with 15.5 days unused" in page.content.decode()
    contracts = client.get(reverse("coaching:contracts"), {"year": PAST})
    assert "Ended with 15.5 days unused" in contracts.content.decode()
    rows = csv_rows(client.get(reverse("reports:export_csv"), {"scope": scope.key, "period": period.key,
                                                               "table": "contracts"}))  # fmt: skip
    assert rows[1][rows[0].index("outlook")] == "ended with 15.5 days unused"
    text = pdf_text(client.get(reverse("reports:export_pdf"), {"scope": scope.key, "period": period.key}).content)
    assert "Ended with 15.5 days unused" in text


def test_the_report_and_the_contracts_page_give_one_outlook_never_past_june_30(
    client, tenant_a, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    for weeks in range(1, 6):  # five slow full days this autumn
        entry(tenant_a.coach, tenant_a.district, today - dt.timedelta(weeks=weeks), 300)
    client.force_login(tenant_a.district_admin)
    scope = Scope(ScopeKind.DISTRICT, tenant_a.district.pk)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:refresh"), {"scope": scope.key})
    [row] = client.get(reverse("reports:dashboard"), {"scope": scope.key}).context["figures"]["contracts"]
    [usage] = contract_usage_list(contracts=Contract.objects.filter(pk=tenant_a.contract.pk), as_of=today)
    assert row["outlook"] == usage.outlook.text
    text = usage.outlook.text
    assert text[0].upper() + text[1:] in client.get(reverse("coaching:contracts")).content.decode()
    assert dt.date.fromisoformat(row["outlook_date"]) <= dt.date(2027, 6, 30)


def test_past_years_are_offered_and_the_selected_option_matches_the_url(client, tenant_a, past_year):
    client.force_login(tenant_a.district_admin)
    scope = f"district-{tenant_a.district.pk}"
    response = client.get(reverse("reports:dashboard"), {"scope": scope, "period": "m-2025-10"})
    html = response.content.decode()
    assert '<option value="sy-2025"' in html
    assert re.search(r'<option value="m-2025-10" selected>October 2025</option>', html)
    assert '<option value="m-2026-06"' in html  # every month of that year is offered
    response = client.get(reverse("reports:dashboard"), {"scope": scope, "period": "sy-2025"})
    assert re.search(r'<option value="sy-2025" selected>', response.content.decode())
    for user in (tenant_a.district_admin, tenant_a.coach.user):  # the contracts page has a year picker too
        client.force_login(user)
        html = client.get(reverse("coaching:contracts"), {"year": "2025"}).content.decode()
        assert re.search(r'<option value="2025" selected>2025–26</option>', html)
        assert '<option value="2026"' in html


def test_a_month_report_shows_the_months_own_days_and_the_year_to_date_with_a_sane_pace(tenant_a, past_year):
    figures = build_figures(Scope(ScopeKind.DISTRICT, tenant_a.district.pk, "A"), Period.month(2025, 9),
                            today=timezone.localdate())  # fmt: skip
    [row] = figures["contracts"]
    assert (row["used_in_period"], row["used"], row["through"]) == (2.0, 2.0, "2025-09-30")
    assert figures["as_of_label"] == "Sep 30, 2025"
    assert row["days_per_week"] <= 5
    assert row["outlook"] == ""  # a past month projects nothing
    october = build_figures(Scope(ScopeKind.DISTRICT, tenant_a.district.pk, "A"), Period.month(2025, 10),
                            today=timezone.localdate())  # fmt: skip
    [row] = october["contracts"]
    assert (row["used_in_period"], row["used"], row["through"]) == (1.0, 3.0, "2025-10-31")


def test_a_custom_period_across_two_school_years(tenant_a, past_year):
    entry(tenant_a.coach, tenant_a.district, dt.date(2026, 9, 1), 60)
    period = Period.custom(dt.date(2026, 3, 1), dt.date(2026, 9, 30))
    figures = build_figures(Scope(ScopeKind.DISTRICT, tenant_a.district.pk, "A"), period, today=timezone.localdate())
    assert figures["total_minutes"] == 150
    assert [m["month"] for m in figures["by_month"]] == ["2026-03", "2026-09"]
    assert sorted(c["school_year"] for c in figures["contracts"]) == ["2025–26", "2026–27"]


# ----------------------------------------------------------------------------- odd shapes


def test_an_empty_program_builds_zeros_without_errors(client, tenant_a, django_capture_on_commit_callbacks):
    empty = ProgramFactory(name="Empty program")
    empty.directors.add(tenant_a.director)
    figures = build(Scope(ScopeKind.PROGRAM, empty.pk), Period.school_year(CURRENT), django_capture_on_commit_callbacks)
    assert (figures["total_minutes"], figures["total_hours"], figures["by_activity"]) == (0, "0.00", [])
    assert [b["share"] for b in figures["balance"]] == [0.0, 0.0, 0.0]
    client.force_login(tenant_a.director)
    response = client.get(reverse("reports:dashboard"), {"scope": f"program-{empty.pk}"})
    assert response.status_code == 200
    assert "No time logged in this period." in response.content.decode()


def test_a_coach_in_two_districts(tenant_a, tenant_b):
    second = ContractFactory(program=tenant_a.program, school_year=CURRENT)
    today = timezone.localdate()
    entry(tenant_a.coach, tenant_a.district, today, 60)
    entry(tenant_a.coach, second.district, today, 75)
    year = Period.school_year(CURRENT)
    mine = build_figures(Scope(ScopeKind.COACH, tenant_a.coach.pk, "me"), year, today=today)
    assert mine["total_minutes"] == 135
    assert build_figures(Scope(ScopeKind.DISTRICT, second.district.pk, "d"), year, today=today)["total_minutes"] == 75
    program = build_figures(Scope(ScopeKind.PROGRAM, tenant_a.program.pk, "p"), year, today=today)
    assert sorted((d["name"], d["minutes"]) for d in program["by_district"]) == sorted(
        [(tenant_a.district.name, 60), (second.district.name, 75)]
    )
    # Contract days: one date, two districts: a day (well, half) for each contract.
    assert sorted(c["used"] for c in program["contracts"]) == [0.5, 0.5]


def test_the_pdf_names_months_and_counts_one_session_in_the_singular(
    client, tenant_a, django_capture_on_commit_callbacks
):
    from learning.models import PDSession

    today = timezone.localdate()
    entry(tenant_a.coach, tenant_a.district, today.replace(day=1), 60)
    PDSession.objects.create(program=tenant_a.program, district=tenant_a.district, facilitator=tenant_a.coach,
                             title="PLC", date=today.replace(day=1), start_time=dt.time(15), minutes=60)  # fmt: skip
    client.force_login(tenant_a.district_admin)
    scope = f"district-{tenant_a.district.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:refresh"), {"scope": scope})
    text = pdf_text(client.get(reverse("reports:export_pdf"), {"scope": scope}).content)
    assert today.strftime("%B %Y") in text
    assert re.search(r"\b1 session,", text)
    assert "1 sessions" not in text


# ----------------------------------------------------------------------------- rows that add up


def test_quarter_hours_are_kept_and_rows_add_up_to_the_total(tenant_a):
    today = timezone.localdate()
    for minutes, name in ((15, "Co-Planning"), (15, "Data Analysis"), (10, "Problem Solving"), (10, "Goal Setting"),
                          (10, "Curriculum Work")):  # fmt: skip
        entry(tenant_a.coach, tenant_a.district, today, minutes, name)
    figures = build_figures(Scope(ScopeKind.DISTRICT, tenant_a.district.pk, "A"), Period.school_year(CURRENT),
                            today=today)  # fmt: skip
    assert figures["total_hours"] == "1.00"
    hours = [Decimal(r["hours"]) for r in figures["by_activity"]]
    assert sum(hours) == Decimal("1.00")
    assert hours[:2] == [Decimal("0.25"), Decimal("0.25")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(min_value=1, max_value=720), min_size=1, max_size=40))
def test_split_hours_always_add_up_to_the_totals_own_rounding(minutes):
    split = hours_split(minutes)
    assert sum(Decimal(h) for h in split) == Decimal(hours_text(sum(minutes)))
    assert all(abs(Decimal(h) - Decimal(m) / 60) < Decimal("0.01") for h, m in zip(split, minutes, strict=True))


ACTIVITIES = ["Co-Planning", "Data Analysis", "Substituting", "Observation or Feedback", "Problem Solving"]
FOCUS = [None, "Literacy", "Math", "Technology integration"]
entries_strategy = st.lists(
    st.tuples(st.integers(min_value=0, max_value=150), st.integers(min_value=1, max_value=720),
              st.sampled_from(ACTIVITIES), st.sampled_from(FOCUS), st.booleans(), st.booleans()),
    min_size=1, max_size=25,
)  # fmt: skip
periods_strategy = st.sampled_from(["sy", "month", "custom"])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])  # fmt: skip
@given(entries_strategy, periods_strategy)
def test_every_table_adds_up_on_the_page_and_in_the_csv_for_random_entries_and_periods(
    client, tenant_a, tenant_b, django_capture_on_commit_callbacks, rows, kind
):
    """Random entries by two coaches of two programs, some at a school and some district-wide,
    with and without focus areas, in a school year, a month or a custom range."""
    from coaching.models import LogEntry
    from coaching.tests.factories import focus_area

    LogEntry.objects.all().delete()
    start = dt.date(2026, 7, 1)
    for offset, minutes, name, focus, at_school, other_program in rows:
        coach = tenant_b.coach if other_program else tenant_a.coach
        entry(coach, tenant_a.district, start + dt.timedelta(days=offset), minutes, name,
              focus_area=focus_area(focus) if focus else None,
              school=tenant_a.school if at_school else None)  # fmt: skip
    period = {"sy": Period.school_year(CURRENT), "month": Period.month(2026, 8),
              "custom": Period.custom(dt.date(2026, 7, 10), dt.date(2026, 11, 15))}[kind]  # fmt: skip
    scope = Scope(ScopeKind.DISTRICT, tenant_a.district.pk)
    figures = build_figures(scope, period, today=timezone.localdate())
    expected = sum(r[1] for r in rows if period.start <= start + dt.timedelta(days=r[0]) <= period.end)
    assert figures["total_minutes"] == expected  # an independent sum of what landed
    total = Decimal(figures["total_hours"])
    for key in ("by_activity", "by_focus", "balance", "by_school", "by_coach", "by_district", "by_program"):
        table = figures[key]
        assert sum(r["minutes"] for r in table) == expected, key
        if expected:
            assert sum(Decimal(r["hours"]) for r in table) == total, key
            assert round(sum(r["share"] for r in table), 1) == 100.0, key
    assert sum(Decimal(m["hours"]) for m in figures["by_month"]) == (total if expected else 0)
    for m in figures["by_month"]:
        sides = Decimal(m["output_hours"]) + Decimal(m["input_hours"]) + Decimal(m["non_coaching_hours"])
        assert sides == Decimal(m["hours"])
    # The CSV carries the same figures: exact minutes adding to the total.
    with django_capture_on_commit_callbacks(execute=True):
        services.report_request(scope=scope, period=period, by=None)
    client.force_login(tenant_a.district_admin)
    for table in ("activity", "focus", "balance", "school", "coach"):
        got = csv_rows(client.get(reverse("reports:export_csv"),
                                  {"scope": scope.key, "period": period.key, "table": table}))  # fmt: skip
        header, body = got[0], got[1:]
        assert sum(int(r[header.index("minutes")]) for r in body) == expected
        if expected:
            assert sum(Decimal(r[header.index("hours")]) for r in body) == total
    # And the PDF prints the same total the page does (without pdftotext: skipped locally, a failure in CI).
    text = pdf_text(client.get(reverse("reports:export_pdf"), {"scope": scope.key, "period": period.key}).content)
    assert figures["total_hours"] in text


def test_contract_days_from_the_builders_own_pass_equal_the_contracts_page(shared_district, tenant_b, past_year):
    """Where its period holds every entry the contracts count (whole school years, or a range
    starting before the year's first entry) the builder takes contract days from its one pass
    over the entries (on PostgreSQL); they must be exactly what the contracts page's own query
    finds, and so must they for ranges that start after entries of the year."""
    today = timezone.localdate()
    two_years = Period.custom(dt.date(2025, 7, 1), dt.date(2027, 6, 30))
    first_day = LogEntry.objects.order_by("date").values_list("date", flat=True).first()
    periods = (Period.school_year(CURRENT), Period.school_year(PAST), two_years,
               Period.custom(first_day, today),  # the whole history: the probe finds nothing before it
               Period.custom(first_day + dt.timedelta(days=1), today),  # after the year's first entry
               Period.custom(dt.date(2025, 7, 2), dt.date(2026, 6, 30)))  # fmt: skip
    for period in periods:
        for scope in (Scope(ScopeKind.DISTRICT, shared_district.district.pk, "d"),
                      Scope(ScopeKind.PROGRAM, tenant_b.program.pk, "p"), Scope(ScopeKind.ALL, 0, "all")):  # fmt: skip
            figures = build_figures(scope, period, today=today)
            usage = contract_usage_list(contracts=_contracts(scope, period), as_of=min(today, period.end),
                                   period=(period.start, period.end))  # fmt: skip
            got = [(c["district"], c["program"], c["used"], c["used_in_period"], c["days_per_week"], c["outlook"],
                    [(p["month"], p["used"]) for p in c["burn"]]) for c in figures["contracts"]]  # fmt: skip
            want = [(u.contract.district.name, u.contract.program.name, float(u.days_used), float(u.days_in_period),
                     float(u.days_per_week) if u.days_per_week is not None else None, u.outlook.text,
                     [(p["month"], p["used"]) for p in u.burn()]) for u in usage]  # fmt: skip
            assert got == want, (scope, period)
