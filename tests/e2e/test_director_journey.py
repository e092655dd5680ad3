"""A program run from Fulcrum alone, in a browser: a director with an empty program adds a
district with its first contract and a school, adds a coach, whose invitation arrives through a
real SMTP server on loopback; the coach follows the link, sets a password, imports last month's
time log from a CSV and submits the month; the director approves it, and the contracts page and
the district's time-use report show exactly what the file held."""

from __future__ import annotations

import datetime as dt
import re
import time
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coaching.models import CoachMonth, Contract, LogEntry, MonthStatus, Program
from coaching.tests.factories import ensure_builtin_lists
from teachers.models import District, Role
from teachers.tests.factories import UserFactory
from tests.e2e.conftest import sign_in
from toolkit.schoolyear import school_year_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-new-coach-password-42"


def last_month() -> tuple[dt.date, list[dt.date]]:
    """The first day of last month and its weekdays."""
    first = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    day, days = first, []
    while day.month == first.month:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return first, days


def wait_for_mail(smtp_server, count: int, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while len(smtp_server.messages) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(smtp_server.messages) >= count, "the invitation never reached the SMTP server"


def test_a_director_sets_up_an_empty_program_and_its_first_month_reaches_the_report(
    live_server, guarded_page, smtp_server, tmp_path
):
    ensure_builtin_lists()
    program = Program.objects.create(name="Northwind Coaching Collaborative")
    director = UserFactory(username="nadia", first_name="Nadia", last_name="Director", role=Role.PROGRAM_DIRECTOR)
    program.directors.add(director)
    first, weekdays = last_month()
    page = guarded_page

    # The director: a district with its first contract, then a school, then a coach.
    sign_in(page, live_server.url, "nadia")
    page.goto(f"{live_server.url}/setup/")
    page.get_by_role("link", name=re.compile("district", re.I)).first.click()
    page.goto(f"{live_server.url}/setup/districts/add/")
    page.get_by_label("District name").fill("Riverbend Unified")
    page.get_by_label("First contract's school year").select_option(str(school_year_of(first)))
    page.get_by_label("Contracted days").fill("60")
    page.get_by_label("Daily rate ($)").fill("450")
    page.get_by_role("button", name="Add district").click()
    expect(page.get_by_text("Riverbend Unified").first).to_be_visible()
    district = District.objects.get(name="Riverbend Unified")
    contract = Contract.objects.get(program=program, district=district)
    assert (contract.school_year, contract.contracted_days, contract.daily_rate) == (
        school_year_of(first), 60, Decimal(450))  # fmt: skip

    page.goto(f"{live_server.url}/setup/districts/{district.pk}/schools/add/")
    page.get_by_label("School name").fill("Lincoln Elementary")
    page.get_by_role("button", name="Add school").click()
    expect(page.get_by_text("Lincoln Elementary").first).to_be_visible()

    page.goto(f"{live_server.url}/setup/coaches/add/")
    page.get_by_label("First name").fill("Rosa")
    page.get_by_label("Last name").fill("Quintero")
    page.get_by_label("Email").fill("rosa.quintero@northwind.example")
    page.get_by_role("button", name="Add and invite").click()
    expect(page.get_by_text("Rosa Quintero").first).to_be_visible()

    # The coach: the invitation through the real SMTP server, a password, then last month's log.
    wait_for_mail(smtp_server, 1)
    message = smtp_server.messages[-1]
    assert message["To"] == "rosa.quintero@northwind.example"
    body = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://[^/\s]+(/invitation/[^/\s]+/)", body).group(1)
    page.context.clear_cookies()
    page.goto(f"{live_server.url}{link}")
    page.locator("#id_new_password1").fill(PASSWORD)
    page.locator("#id_new_password2").fill(PASSWORD)
    page.get_by_role("button", name="Set password and sign in").click()
    expect(page.get_by_role("heading", name=re.compile("week", re.I))).to_be_visible()

    lines = ["date,minutes,district,school,activity,focus_area,teacher_emails,notes"]
    lines += [f"{day.isoformat()},90,Riverbend Unified,Lincoln Elementary,Co-Planning,Math,," for day in weekdays]
    csv_file = tmp_path / "november.csv"
    csv_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page.goto(f"{live_server.url}/history/import/")
    page.get_by_label("Time-log CSV").set_input_files(str(csv_file))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="Preview the import")).to_be_visible()
    page.get_by_role("button", name=f"Import {len(weekdays)} entries").click()
    coach_entries = LogEntry.objects.filter(coach__user__email="rosa.quintero@northwind.example")
    deadline = time.monotonic() + 10
    while coach_entries.count() < len(weekdays) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert coach_entries.count() == len(weekdays)
    assert {e.program_id for e in coach_entries} == {program.pk}

    page.goto(f"{live_server.url}/months/?year={school_year_of(first)}")
    page.get_by_role("button", name=f"Submit {first:%B}").click()
    expect(page.get_by_text(re.compile("submitted", re.I)).first).to_be_visible()

    # The director approves the month; the contracts page and the district's report show it.
    page.context.clear_cookies()
    sign_in(page, live_server.url, "nadia")
    page.goto(f"{live_server.url}/approvals/")
    expect(page.get_by_text("Rosa Quintero").first).to_be_visible()
    page.get_by_role("button", name="Approve").first.click()
    expect(page.get_by_text(re.compile("approved", re.I)).first).to_be_visible()
    month = CoachMonth.objects.get(coach__user__email="rosa.quintero@northwind.example", month=first)
    assert month.status == MonthStatus.APPROVED

    half_days = Decimal(len(weekdays)) / 2  # 90 minutes a date: half a contract day each
    page.goto(f"{live_server.url}/contracts/?year={school_year_of(first)}")
    row = page.get_by_role("row", name=re.compile("Riverbend Unified"))
    expect(row.get_by_test_id("days-approved")).to_have_text(f"{half_days:g}")
    expect(row.get_by_test_id("amount-approved")).to_contain_text(f"${half_days * 450:,.2f}")

    page.goto(f"{live_server.url}/reports/")
    # The picker offers the new district at once (its choices are cached, keyed by a version that
    # set-up changes bump); the report of last month is then asked for by its address.
    scope = page.locator("#scope option", has_text="Riverbend Unified").first.get_attribute("value")
    page.goto(f"{live_server.url}/reports/?scope={scope}&period=m-{first:%Y-%m}")
    expect(page.get_by_label("Period")).to_have_value(f"m-{first:%Y-%m}")
    page.get_by_role("button", name="Build this report").first.click()
    expect(page.get_by_test_id("total-hours")).to_have_text(f"{len(weekdays) * 1.5:.2f}")
