"""Contract statements: figures by the half-day rule that match the report and the contracts page,
numbers that are sequential and never reused, supersede, approval banners, CSV and a one-page PDF,
and who may see what."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import subprocess
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from coaching.models import CoachMonth, MonthStatus
from coaching.tests.factories import CoachFactory, ContractFactory, LogEntryFactory, activity
from conftest import need
from programs import statements as st
from programs.models import Statement
from reports.builder import build_figures
from reports.scopes import Period, Scope
from teachers.models import AuditEvent, Role
from teachers.tests.factories import DistrictFactory, UserFactory
from toolkit.schoolyear import school_year_of

pytestmark = pytest.mark.django_db

PAST = school_year_of(timezone.localdate()) - 1  # a finished school year: July PAST – June PAST+1


def d(month: int, day: int) -> dt.date:
    """A date of the finished school year (July to December of PAST, January to June of PAST+1)."""
    return dt.date(PAST if month >= 7 else PAST + 1, month, day)


def approve(coach, *months: dt.date, status: str = MonthStatus.APPROVED) -> None:
    for month in months:
        CoachMonth.objects.update_or_create(coach=coach, month=month.replace(day=1),
                                            defaults={"status": status, "submitted_at": timezone.now()})  # fmt: skip


def pdf_text(content: bytes) -> str:
    need(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils) is not installed")
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True,
                          check=True).stdout.decode()  # fmt: skip


def pdf_pages(content: bytes) -> int:
    need(shutil.which("pdfinfo") is not None, "pdfinfo (poppler-utils) is not installed")
    info = subprocess.run(["pdfinfo", "-"], input=content, capture_output=True, check=True).stdout.decode()
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8-sig")


@pytest.fixture
def served(tenant_a, tenant_b):
    """A finished year of tenant A's contract with A's district: a 3 h day (half), a coach in two
    districts on one date, two coaches on one date, two entries making one full day; program B
    serves the same district too. Every month approved."""
    a = tenant_a
    contract = ContractFactory(program=a.program, district=a.district, school_year=PAST, contracted_days=40,
                               daily_rate=Decimal("425.00"))  # fmt: skip
    other_district = DistrictFactory(name="Second District A")
    ContractFactory(program=a.program, district=other_district, school_year=PAST)
    second = CoachFactory(program=a.program, user=UserFactory(first_name="Second", last_name="Coach"))
    coaching, observing = activity("Coaching Cycles"), activity("Observation or Feedback")
    LogEntryFactory(coach=a.coach, district=a.district, date=d(9, 10), minutes=180, activity=coaching)  # half
    LogEntryFactory(coach=a.coach, district=other_district, date=d(9, 10), minutes=300)  # the other district's
    LogEntryFactory(coach=a.coach, district=a.district, date=d(10, 5), minutes=300, activity=observing)  # full
    LogEntryFactory(coach=second, district=a.district, date=d(10, 5), minutes=200, activity=coaching)  # half
    LogEntryFactory(coach=a.coach, district=a.district, date=d(11, 3), minutes=120, activity=coaching)
    LogEntryFactory(coach=a.coach, district=a.district, date=d(11, 3), minutes=150, activity=observing)  # full
    # Program B serves A's district too: its time is never on A's statement.
    ContractFactory(program=tenant_b.program, district=a.district, school_year=PAST)
    LogEntryFactory(coach=tenant_b.coach, district=a.district, date=d(10, 5), minutes=400)
    approve(a.coach, d(9, 1), d(10, 1), d(11, 1))
    approve(second, d(10, 1))
    approve(tenant_b.coach, d(10, 1))
    contract.refresh_from_db()
    return contract


def issue(contract, start, end, by):
    return st.statement_issue(contract=contract, start=start, end=end, by=by)


def contracts_csv_row(client, user, year: int, district: str, program: str) -> dict[str, str]:
    client.force_login(user)
    rows = list(csv.DictReader(io.StringIO(body(client.get(reverse("coaching:contracts_export"), {"year": year})))))
    return next(r for r in rows if r["district"] == district and r["program"] == program)


def test_totals_match_the_report_and_the_contracts_page_to_the_cent_and_the_half_day(served, tenant_a, client):
    today = timezone.localdate()
    whole_year = st.statement_figures(contract=served, start=d(7, 1), end=d(6, 1), today=today)
    assert whole_year["days"] == "3"  # 0.5 + 1 + 0.5 + 1: the 3 h day and the second coach's 200 min are halves
    assert whole_year["amount"] == "1275.00"
    assert whole_year["minutes"] == 180 + 300 + 200 + 120 + 150  # never program B's 400 minutes
    assert whole_year["days_approved"] == "3"

    # The district report, narrowed to program A, over the same whole year and over Sep–Nov.
    scope = Scope("district", tenant_a.district.pk, program=tenant_a.program.pk)
    report = build_figures(scope, Period.school_year(PAST), today=today)
    assert report["total_hours"] == whole_year["hours"]
    assert Decimal(str(report["contracts"][0]["used_in_period"])) == Decimal(whole_year["days"])
    autumn = st.statement_figures(contract=served, start=d(9, 1), end=d(11, 1), today=today)
    report_autumn = build_figures(scope, Period.custom(d(9, 1), d(11, 30)), today=today)
    assert report_autumn["total_hours"] == autumn["hours"] == whole_year["hours"]
    assert Decimal(str(report_autumn["contracts"][0]["used_in_period"])) == Decimal(autumn["days"])
    assert {a["name"]: a["hours"] for a in report_autumn["by_activity"]} == {
        a["name"]: a["hours"] for a in autumn["activities"]
    }

    # The contracts page (its CSV: the page's figures) for the finished year.
    row = contracts_csv_row(client, tenant_a.director, PAST, tenant_a.district.name, tenant_a.program.name)
    assert Decimal(row["days_used"]) == Decimal(whole_year["days"]) == Decimal(whole_year["days_to_date"])
    assert Decimal(row["days_approved"]) == Decimal(whole_year["days_approved"])
    assert Decimal(row["amount_approved"]) == Decimal(whole_year["amount"]) == Decimal("1275.00")
    assert Decimal(row["days_left"]) == Decimal(whole_year["days_left"]) == Decimal(37)


def test_a_month_adds_up_and_hours_split_to_the_total(served):
    october = st.statement_figures(contract=served, start=d(10, 1), end=d(10, 1), today=timezone.localdate())
    assert october["period"] == {"start": d(10, 1).isoformat(), "end": d(10, 31).isoformat(),
                                 "label": f"October {PAST}"}  # fmt: skip
    assert october["days"] == "1.5"
    assert october["amount"] == "637.50"
    assert [(c["name"], c["days"]) for c in october["coaches"]] == [
        (served.program.coaches.get(user__username="coach_A").user.display_name, "1"),
        ("Second Coach", "0.5"),
    ]
    total = Decimal(october["hours"])
    assert sum(Decimal(a["hours"]) for a in october["activities"]) == total
    assert sum(Decimal(c["hours"]) for c in october["coaches"]) == total
    assert [m["text"] for m in october["months"]] == ["approved"]
    assert st.unapproved_banner(october) == ""


def test_a_month_with_one_coach_not_approved_says_so_on_the_page_the_csv_and_the_pdf(served, tenant_a, client):
    second = served.program.coaches.get(user__first_name="Second")
    approve(second, d(10, 1), status=MonthStatus.SUBMITTED)
    statement = issue(served, d(9, 1), d(11, 1), tenant_a.director)
    banner = f"Includes months not yet approved: October {PAST} — figures may change."
    assert st.unapproved_banner(statement.figures) == banner
    assert [m["text"] for m in statement.figures["months"]] == ["approved", "1 of 2 coaches approved", "approved"]
    assert statement.figures["days_approved"] == "2.5"
    client.force_login(tenant_a.director)
    assert banner in client.get(reverse("statements:detail", args=[statement.pk])).content.decode()
    assert banner in body(client.get(reverse("statements:csv", args=[statement.pk])))
    text = " ".join(pdf_text(client.get(reverse("statements:pdf", args=[statement.pk])).content).split())
    assert banner in text


def test_a_month_nobody_submitted_reads_not_submitted(served, tenant_a):
    CoachMonth.objects.filter(coach=tenant_a.coach, month=d(11, 1)).delete()
    figures = st.statement_figures(contract=served, start=d(11, 1), end=d(11, 1), today=timezone.localdate())
    assert figures["months"][0]["text"] == "not submitted"
    assert figures["unapproved"] == [f"November {PAST}"]


def test_each_program_serving_a_district_has_only_its_own_time(served, tenant_b):
    theirs = tenant_b.program.contracts.get(district=served.district, school_year=PAST)
    figures = st.statement_figures(contract=theirs, start=d(7, 1), end=d(6, 1), today=timezone.localdate())
    assert (figures["minutes"], figures["days"], figures["program"]) == (400, "1", tenant_b.program.name)
    assert [c["name"] for c in figures["coaches"]] == [tenant_b.coach.user.display_name]


def test_an_empty_contract_is_zero_days_and_no_amount(tenant_a):
    empty = ContractFactory(program=tenant_a.program, district=DistrictFactory(name="Quiet"), school_year=PAST)
    figures = st.statement_figures(contract=empty, start=d(7, 1), end=d(6, 1), today=timezone.localdate())
    assert (figures["days"], figures["amount"], figures["hours"], figures["minutes"]) == ("0", "0.00", "0.00", 0)
    assert figures["activities"] == []
    assert figures["coaches"] == []
    assert figures["unapproved"] == []
    assert [m["text"] for m in figures["months"]] == ["no service"] * 12
    assert figures["days_left"] == str(empty.contracted_days)


def test_numbers_are_sequential_per_program_and_a_reissue_supersedes(served, tenant_a, tenant_b, client):
    year = timezone.localdate().year
    first = issue(served, d(9, 1), d(9, 1), tenant_a.director)
    second = issue(served, d(10, 1), d(10, 1), tenant_a.director)
    again = issue(served, d(9, 1), d(9, 1), tenant_a.director)
    assert [first.number, second.number, again.number] == [f"FUL-{year}-{n:04d}" for n in (1, 2, 3)]
    theirs = issue(tenant_b.program.contracts.get(district=served.district), d(10, 1), d(10, 1), tenant_b.director)
    assert theirs.number == f"FUL-{year}-0001"  # each program counts its own
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.superseded_by == again
    assert second.superseded_by is None
    client.force_login(tenant_a.director)
    page = client.get(reverse("statements:detail", args=[first.pk])).content.decode()
    assert f'Superseded by <a href="{reverse("statements:detail", args=[again.pk])}">{again.number}</a>' in page
    assert "Superseded by" in pdf_text(client.get(reverse("statements:pdf", args=[first.pk])).content)
    # A number is never reused, even once its statement is superseded.
    assert Statement.objects.filter(program=tenant_a.program).values("number").distinct().count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_statements_issued_at_once_get_consecutive_numbers(tenant_a):
    contract = ContractFactory(program=tenant_a.program, district=DistrictFactory(), school_year=PAST)
    barrier = threading.Barrier(2)
    numbers: list[str] = []
    failures: list[BaseException] = []

    def go(month: int) -> None:
        try:
            barrier.wait()
            numbers.append(issue(contract, d(month, 1), d(month, 1), tenant_a.director).number)
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=(month,)) for month in (9, 10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    year = timezone.localdate().year
    assert sorted(numbers) == [f"FUL-{year}-0001", f"FUL-{year}-0002"]


def test_a_director_previews_then_issues_and_both_are_audited(served, tenant_a, client):
    client.force_login(tenant_a.director)
    query = {"district": tenant_a.district.pk, "school_year": PAST, "start": f"{PAST}-09", "end": f"{PAST}-11"}
    preview = client.get(reverse("statements:new"), query)
    assert preview.status_code == 200
    page = preview.content.decode()
    assert 'data-testid="days">3<' in page
    assert "$1,275.00" in page
    assert "Issue statement" in page
    assert not Statement.objects.exists()  # a preview issues nothing
    response = client.post(reverse("statements:issue"), {**query, "program": tenant_a.program.pk})
    statement = Statement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("statements:detail", args=[statement.pk])
    client.get(reverse("statements:csv", args=[statement.pk]))
    client.get(reverse("statements:pdf", args=[statement.pk]))
    details = list(AuditEvent.objects.filter(object_type="statement").order_by("pk").values_list("detail", flat=True))
    assert details[0].startswith(f"issued statement {statement.number}")
    assert details[1:] == [f"downloaded statement {statement.number} as CSV",
                           f"downloaded statement {statement.number} as PDF"]  # fmt: skip


def test_bad_input_is_shown_next_to_the_field_and_kept(served, tenant_a, client):
    client.force_login(tenant_a.director)
    query = {"district": tenant_a.district.pk, "school_year": PAST, "start": f"{PAST}-11", "end": f"{PAST}-09"}
    page = client.get(reverse("statements:new"), query).content.decode()
    assert "The last month comes before the first." in page
    assert f'value="{PAST}-11"' in page
    assert f'value="{PAST}-09"' in page
    assert "Issue statement" not in page
    outside = client.post(reverse("statements:issue"), {**query, "start": f"{PAST + 1}-07", "end": f"{PAST + 1}-07"})
    assert outside.status_code == 400
    assert "school year (July to June)" in outside.content.decode()
    assert not Statement.objects.exists()


def test_the_csv_and_the_pdf_hold_the_pages_figures_and_the_pdf_is_one_page(served, tenant_a, client):
    statement = issue(served, d(7, 1), d(6, 1), tenant_a.director)
    client.force_login(tenant_a.director)
    page = client.get(reverse("statements:detail", args=[statement.pk])).content.decode()
    rows = list(csv.reader(io.StringIO(body(client.get(reverse("statements:csv", args=[statement.pk]))))))
    totals = {r[0]: r[1] for r in rows if len(r) == 2}
    assert rows[0] == ["statement", statement.number]
    assert (totals["total_days"], totals["amount_due"], totals["total_hours"]) == ("3", "1275.00", "15.83")
    assert 'data-testid="days">3<' in page
    assert 'data-testid="amount">$1,275.00<' in page
    assert ">15.83<" in page
    tight = re.sub(r">\s+<", "><", page)
    for c in statement.figures["coaches"]:  # each coach who served, with days and hours
        assert f'<th scope="row" class="fw-normal">{c["name"]}</th><td class="text-end">{c["days"]}</td>' \
               f'<td class="text-end">{c["hours"]}</td>' in tight  # fmt: skip
    for a in statement.figures["activities"]:  # each activity's hours, then the total under them
        assert f'<th scope="row" class="fw-normal">{a["name"]}</th><td class="text-end">{a["hours"]}</td>' in tight
    assert '<th scope="row">Total</th><td class="text-end">15.83</td></tr></tfoot>' in tight
    lines = [r for r in rows if len(r) == 6 and r[0] == "month"]
    assert sum(Decimal(r[3]) for r in lines) == Decimal(3)
    assert sum(int(r[4]) for r in lines) == 950
    pdf = client.get(reverse("statements:pdf", args=[statement.pk])).content
    assert pdf_pages(pdf) == 1
    text = pdf_text(pdf)
    for expected in (statement.number, "$1,275.00", "15.83", tenant_a.district.name, tenant_a.program.name):
        assert expected in text
    assert "Every month of this statement is approved" in text


def test_a_statement_warns_when_the_entries_change_after_issue(served, tenant_a, client):
    statement = issue(served, d(11, 1), d(11, 1), tenant_a.director)
    client.force_login(tenant_a.director)
    url = reverse("statements:detail", args=[statement.pk])
    assert 'data-testid="changed"' not in client.get(url).content.decode()
    CoachMonth.objects.filter(coach=tenant_a.coach, month=d(11, 1)).update(status=MonthStatus.RETURNED)  # reopened
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=d(11, 20), minutes=60)
    page = client.get(url).content.decode()
    assert 'data-testid="changed"' in page
    assert "today they count 1.5 days" in page
    assert statement.figures["days"] == "1"  # what was issued stays as issued
    assert 'data-testid="days">1<' in page


# --------------------------------------------------------------------------- who sees what


def test_who_may_see_issue_and_download(served, tenant_a, tenant_b, client):
    mine = issue(served, d(9, 1), d(9, 1), tenant_a.director)
    theirs = issue(tenant_b.program.contracts.get(district=served.district), d(10, 1), d(10, 1), tenant_b.director)
    other_admin = UserFactory(role=Role.DISTRICT_ADMIN)
    other_admin.administered_districts.add(DistrictFactory())
    urls = [reverse(name, args=[mine.pk]) for name in ("statements:detail", "statements:csv", "statements:pdf")]
    new = reverse("statements:new")
    cases = [
        (tenant_a.director, 200, 200), (tenant_a.district_admin, 200, 403), (tenant_b.director, 404, 200),
        (tenant_b.district_admin, 404, 403), (other_admin, 404, 403), (tenant_a.coach.user, 403, 403),
        (tenant_a.teacher.user, 403, 403),
    ]  # fmt: skip
    for user, read, preview in cases:
        client.force_login(user)
        assert [client.get(url).status_code for url in urls] == [read] * 3, user.username
        assert client.get(new).status_code == preview, user.username
    # A's district administrator reads every program's statements of A's district, only in the list.
    client.force_login(tenant_a.district_admin)
    listed = client.get(reverse("statements:list")).content.decode()
    assert listed.count("FUL-") == 2
    assert tenant_a.program.name in listed
    assert tenant_b.program.name in listed
    assert f'href="{new}"' not in listed  # reads, never issues
    assert reverse("statements:issue") not in client.get(urls[0]).content.decode()
    client.force_login(tenant_a.director)
    listed = client.get(reverse("statements:list")).content.decode()
    assert f'href="{new}"' in listed
    assert reverse("statements:issue") in client.get(urls[0]).content.decode()  # issue it again
    assert listed.count("FUL-") == 1
    assert mine.number in listed
    assert tenant_b.program.name not in listed
    assert client.get(reverse("statements:detail", args=[theirs.pk])).status_code == 404
    client.force_login(tenant_b.director)
    assert client.get(reverse("statements:detail", args=[theirs.pk])).status_code == 200
    client.logout()
    assert client.get(urls[0]).status_code == 302


def test_another_programs_district_or_contract_is_a_404(served, tenant_a, tenant_b, client):
    client.force_login(tenant_a.director)
    b_only = tenant_b.district.pk
    query = {"district": b_only, "school_year": PAST, "start": f"{PAST}-09", "end": f"{PAST}-09"}
    assert client.get(reverse("statements:new"), query).status_code == 404
    assert client.post(reverse("statements:issue"), query).status_code == 404
    assert client.get(reverse("statements:new"), {**query, "district": "1x"}).status_code == 404  # no id at all
    assert client.get(reverse("statements:new"), {**query, "program": tenant_b.program.pk,
                                                  "district": served.district_id}).status_code == 200  # fmt: skip
    assert not Statement.objects.exists()


def test_the_list_filters_by_district_and_year_and_pages(served, tenant_a, client):
    for month in (9, 10, 11):
        issue(served, d(month, 1), d(month, 1), tenant_a.director)
    other = tenant_a.program.contracts.get(district__name="Second District A")
    issue(other, d(9, 1), d(9, 1), tenant_a.director)
    client.force_login(tenant_a.director)
    url = reverse("statements:list")
    assert (
        client.get(url, {"district": served.district_id}).content.decode().count("Second District A") == 1
    )  # the option
    assert client.get(url, {"year": PAST}).content.decode().count("FUL-") == 4
    assert client.get(url, {"year": PAST + 5}).status_code == 200


@pytest.mark.parametrize("rows", [3, 30])
def test_pages_cost_the_same_queries_with_3_or_30_rows(tenant_a, rows, client, django_assert_max_num_queries):
    contract = ContractFactory(program=tenant_a.program, district=tenant_a.district, school_year=PAST)
    activities = [activity("Coaching Cycles"), activity("Observation or Feedback")]
    for i in range(rows):  # a coach each, over every month of the year and two activities, some months approved
        coach = CoachFactory(program=tenant_a.program)
        month = (7 + i) % 12 or 12
        LogEntryFactory(coach=coach, district=tenant_a.district, date=d(month, 1 + i % 28), minutes=60 + i,
                        activity=activities[i % 2])  # fmt: skip
        if i % 3:
            approve(coach, d(month, 1))
    statements = [issue(contract, d(7, 1), d(6, 1), tenant_a.director) for _ in range(rows)]
    assert len(statements[-1].figures["coaches"]) == rows
    assert sum(m["coaches"] for m in statements[-1].figures["months"]) == rows
    client.force_login(tenant_a.director)
    query = {"district": tenant_a.district.pk, "school_year": PAST, "start": f"{PAST}-07", "end": f"{PAST + 1}-06"}
    with django_assert_max_num_queries(11):
        assert client.get(reverse("statements:list")).status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(reverse("statements:new"), query).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("statements:detail", args=[statements[-1].pk])).status_code == 200


def test_the_demo_issues_one_statement_for_an_approved_month_once():
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())  # twice: nothing more
    statement = Statement.objects.get()
    assert statement.figures["unapproved"] == []
    assert Decimal(statement.figures["days"]) > 0
    assert [m["text"] for m in statement.figures["months"]] == ["approved"]


def test_the_new_page_offers_every_month_approved_so_far_and_each_month(served, tenant_a, client):
    second = served.program.coaches.get(user__first_name="Second")
    approve(second, d(10, 1), status=MonthStatus.SUBMITTED)
    client.force_login(tenant_a.director)
    page = client.get(
        reverse("statements:new"), {"district": tenant_a.district.pk, "school_year": PAST}
    ).content.decode()
    assert f"Every month approved so far: September {PAST}" in page  # October is not approved for both coaches
    assert f"October {PAST}: 1 of 2 coaches approved" in page
    assert f"start={PAST}-09&amp;end={PAST}-09" in page
    approve(second, d(10, 1))
    page = client.get(
        reverse("statements:new"), {"district": tenant_a.district.pk, "school_year": PAST}
    ).content.decode()
    assert f"Every month approved so far: September – November {PAST}" in page
    assert f"start={PAST}-09&amp;end={PAST}-11" in page
