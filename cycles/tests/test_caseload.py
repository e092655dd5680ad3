"""Caseloads: a coach's own teachers by name; counts per coach for directors and district
administrators, with no teacher named on their pages or in their CSVs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from coaching.tests.factories import CoachFactory, ContractFactory, LogEntryFactory
from cycles.models import Stage
from cycles.tests.factories import CycleFactory
from teachers.models import Role
from teachers.tests.factories import DistrictFactory, SchoolFactory, TeacherFactory, UserFactory
from toolkit.schoolyear import school_year_bounds, school_year_of

pytestmark = pytest.mark.django_db

CASELOAD, CASELOAD_CSV = reverse("cycles:caseload"), reverse("cycles:caseload_csv")
COUNTS, COUNTS_CSV = reverse("cycles:caseload_counts"), reverse("cycles:caseload_counts_csv")


def today() -> dt.date:
    return timezone.localdate()


def days_ago(n: int) -> dt.date:
    return today() - dt.timedelta(days=n)


def log(coach, district, day, teachers=(), minutes=60, school=None):
    entry = LogEntryFactory(coach=coach, district=district, school=school, date=day, minutes=minutes)
    entry.teachers.set(teachers)
    return entry


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8")


def context_text(response) -> str:
    """Everything the page's context holds, as text (what a template could show)."""
    values = [response.context[key] for key in response.context.keys() if key != "request"]  # noqa: SIM118
    values += [list(response.context["page"].object_list)]
    return " ".join(repr(value) for value in values)


def rows_by_name(response):
    return {row.name: row for row in response.context["rows"]}


def counts_by_coach(response):
    return {row.coach: row for row in response.context["rows"]}


@pytest.fixture
def coach_a(tenant_a):
    user = tenant_a.coach.user
    user.first_name, user.last_name = "Casey", "Coach"
    user.save()
    return tenant_a.coach


# ---------------------------------------------------------------------------- the coach's page


def test_a_coach_sees_each_teacher_with_last_contact_sessions_hours_and_open_cycle_stage(client, tenant_a, coach_a):
    ann, bo = tenant_a.teacher, TeacherFactory(school=tenant_a.school, first_name="Bo", last_name="Brook")
    log(coach_a, tenant_a.district, days_ago(3), [ann], minutes=90)
    log(coach_a, tenant_a.district, days_ago(1), [ann, bo], minutes=45)
    CycleFactory(coach=coach_a, school=tenant_a.school, teachers=[bo], stage=Stage.LEARN)
    client.force_login(coach_a.user)
    response = client.get(CASELOAD)
    assert response.status_code == 200
    rows = rows_by_name(response)
    assert set(rows) == {ann.full_name, bo.full_name}
    assert (rows[ann.full_name].last_contact, rows[ann.full_name].sessions, rows[ann.full_name].minutes) == (
        days_ago(1),
        2,
        135,
    )
    assert rows[ann.full_name].hours == "2.25"
    assert rows[ann.full_name].stage == ""
    assert (rows[bo.full_name].sessions, rows[bo.full_name].stage) == (1, "Learn")
    assert "Bo Brook" in body(response)
    assert "2.25" in body(response)
    assert 'scope="col"' in body(response)
    assert "<caption" in body(response)


def test_a_teacher_only_in_an_open_cycle_is_on_the_caseload_with_no_contact(client, tenant_a, coach_a):
    CycleFactory(coach=coach_a, school=tenant_a.school, teachers=[tenant_a.teacher], stage=Stage.IMPROVE)
    client.force_login(coach_a.user)
    row = rows_by_name(client.get(CASELOAD))[tenant_a.teacher.full_name]
    assert (row.last_contact, row.sessions, row.minutes, row.stage) == (None, 0, 0, "Improve")


def test_a_finished_past_school_year_is_not_this_year(client, tenant_a, coach_a):
    start, _ = school_year_bounds(school_year_of(today()))
    last_year = start - dt.timedelta(days=40)
    ContractFactory(program=coach_a.program, district=tenant_a.district, school_year=school_year_of(last_year))
    only_then = TeacherFactory(school=tenant_a.school, first_name="Old", last_name="Friend")
    closed = TeacherFactory(school=tenant_a.school, first_name="Closed", last_name="Lastyear")
    log(coach_a, tenant_a.district, last_year, [only_then, tenant_a.teacher], minutes=300)
    log(coach_a, tenant_a.district, today(), [tenant_a.teacher], minutes=30)
    CycleFactory(
        coach=coach_a,
        school=tenant_a.school,
        teachers=[closed],
        stage=Stage.CLOSED,
        started_on=last_year - dt.timedelta(days=60),
        closed_on=last_year,
    )
    client.force_login(coach_a.user)
    rows = rows_by_name(client.get(CASELOAD))
    assert set(rows) == {tenant_a.teacher.full_name}
    assert (rows[tenant_a.teacher.full_name].sessions, rows[tenant_a.teacher.full_name].minutes) == (1, 30)


def test_last_contact_is_the_latest_entry_of_any_year(client, tenant_a, coach_a):
    start, _ = school_year_bounds(school_year_of(today()))
    last_year = start - dt.timedelta(days=10)
    CycleFactory(coach=coach_a, school=tenant_a.school, teachers=[tenant_a.teacher], stage=Stage.IMPROVE)
    log(coach_a, tenant_a.district, last_year, [tenant_a.teacher])
    client.force_login(coach_a.user)
    row = rows_by_name(client.get(CASELOAD))[tenant_a.teacher.full_name]
    assert (row.last_contact, row.sessions) == (last_year, 0)


def test_not_seen_in_4_weeks_on_its_exact_boundaries(client, tenant_a, coach_a):
    teachers = {n: TeacherFactory(school=tenant_a.school, first_name=f"Days{n}", last_name="Ago") for n in (27, 28, 29)}
    never = TeacherFactory(school=tenant_a.school, first_name="Never", last_name="Seen")
    for n, teacher in teachers.items():
        # an open cycle keeps each on the caseload even when the date falls in last school year
        CycleFactory(coach=coach_a, school=tenant_a.school, teachers=[teacher], stage=Stage.IMPROVE)
        log(coach_a, tenant_a.district, days_ago(n), [teacher])
    CycleFactory(coach=coach_a, school=tenant_a.school, teachers=[never], stage=Stage.IDENTIFY)
    client.force_login(coach_a.user)
    assert set(rows_by_name(client.get(CASELOAD))) == {"Days27 Ago", "Days28 Ago", "Days29 Ago", "Never Seen"}
    assert set(rows_by_name(client.get(CASELOAD, {"stale": "on"}))) == {"Days28 Ago", "Days29 Ago", "Never Seen"}
    csv = body(client.get(CASELOAD_CSV, {"stale": "on"}))
    assert "Days28 Ago" in csv
    assert "Days29 Ago" in csv
    assert "Days27 Ago" not in csv


def test_search_by_name_and_sort_by_last_contact(client, tenant_a, coach_a):
    for n, (first, last) in enumerate((("Ann", "Zeller"), ("Bea", "Young"), ("Cal", "Xu"))):
        log(coach_a, tenant_a.district, days_ago(n), [TeacherFactory(school=tenant_a.school, first_name=first,
                                                                     last_name=last)])  # fmt: skip
    client.force_login(coach_a.user)
    names = lambda **q: [row.name for row in client.get(CASELOAD, q).context["rows"]]  # noqa: E731
    assert names() == ["Cal Xu", "Bea Young", "Ann Zeller"]  # by last name
    assert names(sort="last_contact") == ["Cal Xu", "Bea Young", "Ann Zeller"]  # oldest first
    assert names(sort="-last_contact") == ["Ann Zeller", "Bea Young", "Cal Xu"]
    assert names(q="young") == ["Bea Young"]
    assert names(q="bea you") == ["Bea Young"]
    assert names(q="nobody") == []
    assert names(sort="sideways") == ["Cal Xu", "Bea Young", "Ann Zeller"]  # an unknown order: the default


def test_the_caseload_is_paginated(client, tenant_a, coach_a):
    teachers = [TeacherFactory(school=tenant_a.school) for _ in range(30)]
    log(coach_a, tenant_a.district, today(), teachers)
    client.force_login(coach_a.user)
    first, second = client.get(CASELOAD), client.get(CASELOAD, {"page": "2"})
    assert (len(first.context["rows"]), len(second.context["rows"])) == (25, 5)
    assert first.context["page"].paginator.count == 30


def test_the_caseload_csv_carries_the_table_with_exact_minutes(client, tenant_a, coach_a):
    log(coach_a, tenant_a.district, days_ago(2), [tenant_a.teacher], minutes=50)
    CycleFactory(coach=coach_a, school=tenant_a.school, teachers=[tenant_a.teacher], stage=Stage.LEARN)
    client.force_login(coach_a.user)
    response = client.get(CASELOAD_CSV)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = body(response).lstrip("\ufeff").splitlines()
    assert (
        lines[0] == "teacher,school,last_contact,sessions_this_year,minutes_this_year,hours_this_year,open_cycle_stage"
    )
    assert lines[1] == f"{tenant_a.teacher.full_name},{tenant_a.school.name},{days_ago(2).isoformat()},1,50,0.83,Learn"


def test_a_coach_sees_only_their_own_teachers_never_another_coach_or_tenant(client, tenant_a, tenant_b, coach_a):
    colleague = CoachFactory(program=tenant_a.program)
    theirs = TeacherFactory(school=tenant_a.school, first_name="Colleagues", last_name="Teacher")
    log(colleague, tenant_a.district, today(), [theirs])
    log(tenant_b.coach, tenant_b.district, today(), [tenant_b.teacher])
    CycleFactory(coach=tenant_b.coach, school=tenant_b.school, teachers=[tenant_b.teacher])
    log(coach_a, tenant_a.district, today(), [tenant_a.teacher])
    client.force_login(coach_a.user)
    for url in (CASELOAD, CASELOAD_CSV):
        text = body(client.get(url))
        assert tenant_a.teacher.full_name in text
        assert theirs.full_name not in text
        assert tenant_b.teacher.full_name not in text


@pytest.mark.parametrize("url", [CASELOAD, CASELOAD_CSV])
def test_the_caseload_is_for_coaches_only(client, tenant_a, site_admin, url):
    for user in (tenant_a.teacher.user, tenant_a.director, tenant_a.district_admin, site_admin):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


# ---------------------------------------------------------------------------- counts per coach


@pytest.fixture
def two_districts(tenant_a, coach_a):
    """Coach A serves districts A and C; time and cycles in both."""
    district_c = DistrictFactory(name="District C")
    school_c = SchoolFactory(district=district_c, name="School C")
    ContractFactory(program=tenant_a.program, district=district_c).coaches.add(coach_a)
    teacher_c = TeacherFactory(school=school_c, first_name="Cora", last_name="Cedar")
    other_a = TeacherFactory(school=tenant_a.school, first_name="Abe", last_name="Ash")
    log(coach_a, tenant_a.district, days_ago(1), [tenant_a.teacher, other_a], minutes=60)
    log(coach_a, tenant_a.district, days_ago(2), [], minutes=120)  # no teacher: not a session
    log(coach_a, district_c, days_ago(1), [teacher_c], minutes=30)
    CycleFactory(coach=coach_a, school=tenant_a.school, teachers=[tenant_a.teacher], stage=Stage.LEARN)
    CycleFactory(coach=coach_a, school=school_c, teachers=[teacher_c], stage=Stage.IMPROVE)
    admin_c = UserFactory(username="admin_c", role=Role.DISTRICT_ADMIN)
    admin_c.administered_districts.add(district_c)
    names = [tenant_a.teacher.full_name, other_a.full_name, teacher_c.full_name]
    return district_c, admin_c, names


def assert_no_teacher_named(response, names):
    text = body(response)
    assert not [name for name in names if name in text]
    for name in names:
        assert name.split()[-1] not in text
    if not response.streaming:
        assert not [name for name in names if name in context_text(response)]


def test_a_director_sees_counts_per_coach_of_the_program_and_no_teacher_name(client, tenant_a, coach_a, two_districts):
    _, _, names = two_districts
    client.force_login(tenant_a.director)
    response = client.get(COUNTS)
    assert response.status_code == 200
    row = counts_by_coach(response)["Casey Coach"]
    assert (row.teachers, row.sessions, row.contacts, row.minutes, row.hours) == (3, 2, 3, 90, "1.50")
    assert row.cycles == {"identify": 0, "learn": 1, "improve": 1, "closed": 0}
    assert_no_teacher_named(response, names)
    csv = client.get(COUNTS_CSV)
    assert_no_teacher_named(csv, names)
    assert "Casey Coach,Program A,3,2,3,90,1.50,0,1,1,0" in body(client.get(COUNTS_CSV))


def test_a_district_administrator_counts_only_their_districts_time_and_cycles(client, tenant_a, coach_a,
                                                                              two_districts):  # fmt: skip
    _, admin_c, names = two_districts
    client.force_login(tenant_a.district_admin)
    response = client.get(COUNTS)
    row = counts_by_coach(response)["Casey Coach"]
    assert (row.teachers, row.sessions, row.contacts, row.minutes) == (2, 1, 2, 60)
    assert row.cycles == {"identify": 0, "learn": 1, "improve": 0, "closed": 0}
    assert_no_teacher_named(response, names)
    assert "Casey Coach,Program A,2,1,2,60,1.00,0,1,0,0" in body(client.get(COUNTS_CSV))
    client.force_login(admin_c)
    row = counts_by_coach(client.get(COUNTS))["Casey Coach"]
    assert (row.teachers, row.sessions, row.contacts, row.minutes) == (1, 1, 1, 30)
    assert row.cycles == {"identify": 0, "learn": 0, "improve": 1, "closed": 0}
    assert_no_teacher_named(client.get(COUNTS_CSV), names)


def test_counts_leave_out_a_finished_past_school_year(client, tenant_a, coach_a):
    start, _ = school_year_bounds(school_year_of(today()))
    last_year = start - dt.timedelta(days=40)
    ContractFactory(program=coach_a.program, district=tenant_a.district, school_year=school_year_of(last_year))
    log(coach_a, tenant_a.district, last_year, [TeacherFactory(school=tenant_a.school)], minutes=300)
    CycleFactory(coach=coach_a, school=tenant_a.school, stage=Stage.CLOSED, started_on=last_year, closed_on=last_year)
    log(coach_a, tenant_a.district, today(), [tenant_a.teacher], minutes=30)
    for user in (tenant_a.director, tenant_a.district_admin):
        client.force_login(user)
        row = counts_by_coach(client.get(COUNTS))["Casey Coach"]
        assert (row.teachers, row.sessions, row.minutes, row.cycles["closed"]) == (1, 1, 30, 0)


def test_a_district_administrator_lists_only_coaches_with_work_in_their_districts(client, tenant_a, tenant_b,
                                                                                  coach_a):  # fmt: skip
    idle = CoachFactory(program=tenant_a.program, user=UserFactory(first_name="Idle", last_name="Coach"))
    log(coach_a, tenant_a.district, today(), [tenant_a.teacher])
    client.force_login(tenant_a.district_admin)
    assert set(counts_by_coach(client.get(COUNTS))) == {"Casey Coach"}
    client.force_login(tenant_a.director)
    assert set(counts_by_coach(client.get(COUNTS))) == {"Casey Coach", idle.user.display_name}


def test_another_tenants_coaches_and_counts_are_never_shown(client, tenant_a, tenant_b, coach_a):
    other = tenant_b.coach.user
    other.first_name, other.last_name = "Zed", "Zebra"
    other.save()
    log(tenant_b.coach, tenant_b.district, today(), [tenant_b.teacher])
    log(coach_a, tenant_a.district, today(), [tenant_a.teacher])
    for user in (tenant_a.director, tenant_a.district_admin):
        client.force_login(user)
        for url in (COUNTS, COUNTS_CSV):
            text = body(client.get(url))
            assert "Casey Coach" in text
            assert "Zebra" not in text
            assert "Program B" not in text


@pytest.mark.parametrize("url", [COUNTS, COUNTS_CSV])
def test_counts_are_for_directors_and_district_administrators(client, tenant_a, site_admin, url):
    for user, status in ((tenant_a.teacher.user, 403), (tenant_a.coach.user, 403), (tenant_a.director, 200),
                         (tenant_a.district_admin, 200), (site_admin, 200)):  # fmt: skip
        client.force_login(user)
        assert client.get(url).status_code == status


def test_the_menu_offers_each_page_to_whom_it_is_for(client, tenant_a):
    client.force_login(tenant_a.coach.user)
    page = client.get(reverse("coaching:my_week")).content.decode()
    assert CASELOAD in page
    assert COUNTS not in page
    for user in (tenant_a.director, tenant_a.district_admin):
        client.force_login(user)
        page = client.get(reverse("cycles:list")).content.decode()
        assert COUNTS in page
        assert CASELOAD not in page
    client.force_login(tenant_a.teacher.user)
    page = client.get(reverse("cycles:list")).content.decode()
    assert COUNTS not in page
    assert CASELOAD not in page


# ---------------------------------------------------------------------------- query counts


def _coach_with(tenant, coach, n: int) -> None:
    teachers = [TeacherFactory(school=tenant.school) for _ in range(n)]
    for i, teacher in enumerate(teachers):
        log(coach, tenant.district, days_ago(i % 40), [teacher], minutes=30 + i)
    for teacher in teachers[: max(1, n // 3)]:
        CycleFactory(coach=coach, school=tenant.school, teachers=[teacher], stage=Stage.LEARN)


@pytest.mark.parametrize("n", [3, 60])
def test_the_caseload_takes_the_same_queries_whatever_the_data(client, tenant_a, coach_a, n,
                                                               django_assert_max_num_queries):  # fmt: skip
    _coach_with(tenant_a, coach_a, n)
    client.force_login(coach_a.user)
    # One more than the table needs: the school years offered in the picker.
    with django_assert_max_num_queries(9):
        response = client.get(CASELOAD, {"sort": "last_contact", "q": ""})
    assert response.status_code == 200
    with django_assert_max_num_queries(9):
        assert len(body(client.get(CASELOAD_CSV)).splitlines()) == n + 1


@pytest.mark.parametrize("n", [3, 60])
def test_the_counts_take_the_same_queries_whatever_the_data(client, tenant_a, coach_a, n,
                                                            django_assert_max_num_queries):  # fmt: skip
    _coach_with(tenant_a, coach_a, n)
    for _ in range(n // 3):
        colleague = CoachFactory(program=tenant_a.program)
        tenant_a.contract.coaches.add(colleague)
        _coach_with(tenant_a, colleague, 3)
    for user in (tenant_a.director, tenant_a.district_admin):
        client.force_login(user)
        with django_assert_max_num_queries(10):
            response = client.get(COUNTS)
        assert counts_by_coach(response)["Casey Coach"].teachers == n
        with django_assert_max_num_queries(8):
            body(client.get(COUNTS_CSV))


# ---------------------------------------------------------------------------- a past school year


@pytest.fixture
def last_year_work(tenant_a, coach_a):
    """Last school year: 300 minutes with two teachers on its 40th-last day, a cycle closed then; this year,
    30 minutes with tenant A's teacher and a cycle started this year (which must not count last year)."""
    start, _ = school_year_bounds(school_year_of(today()))
    last_year = start - dt.timedelta(days=40)
    ContractFactory(program=coach_a.program, district=tenant_a.district, school_year=school_year_of(last_year))
    only_then = TeacherFactory(school=tenant_a.school, first_name="Old", last_name="Friend")
    closed = TeacherFactory(school=tenant_a.school, first_name="Closed", last_name="Lastyear")
    newcomer = TeacherFactory(school=tenant_a.school, first_name="New", last_name="Comer")
    log(coach_a, tenant_a.district, last_year, [only_then, tenant_a.teacher], minutes=300)
    log(coach_a, tenant_a.district, today(), [tenant_a.teacher], minutes=30)
    CycleFactory(coach=coach_a, school=tenant_a.school, teachers=[closed], stage=Stage.CLOSED,
                 started_on=last_year - dt.timedelta(days=60), closed_on=last_year)  # fmt: skip
    CycleFactory(coach=coach_a, school=tenant_a.school, teachers=[newcomer], stage=Stage.LEARN, started_on=start)
    return school_year_of(last_year), last_year


def test_a_coach_picks_a_finished_school_year_and_sees_its_caseload(client, coach_a, tenant_a, last_year_work):
    year, day = last_year_work
    client.force_login(coach_a.user)
    response = client.get(CASELOAD, {"year": year})
    rows = rows_by_name(response)
    assert set(rows) == {"Old Friend", tenant_a.teacher.full_name, "Closed Lastyear"}
    assert (rows["Old Friend"].sessions, rows["Old Friend"].minutes, rows["Old Friend"].last_contact) == (1, 300, day)
    # Last contact is read at the year's end, not today: this year's 30 minutes are not in it.
    assert rows[tenant_a.teacher.full_name].last_contact == day
    assert rows["Closed Lastyear"].stage == "Closed"
    page = body(response)
    assert f'<option value="{year}" selected>' in page
    assert "Cycle (now)" in page
    csv_lines = body(client.get(CASELOAD_CSV, {"year": year})).splitlines()
    assert len(csv_lines) == 4
    assert any(line.startswith("Old Friend,") and ",300,5.00," in line for line in csv_lines)


def test_the_current_year_is_the_default_and_a_year_not_offered_falls_back_to_it(client, coach_a, last_year_work):
    year, _ = last_year_work
    client.force_login(coach_a.user)
    current = set(rows_by_name(client.get(CASELOAD)))
    assert "Old Friend" not in current
    assert "New Comer" in current
    assert set(rows_by_name(client.get(CASELOAD, {"year": 1999}))) == current
    assert set(rows_by_name(client.get(CASELOAD, {"year": "last"}))) == current
    offered = [value for value, _ in client.get(CASELOAD).context["filter_form"].fields["year"].choices]
    assert offered == [school_year_of(today()), year]


def test_directors_and_district_administrators_pick_a_finished_year_of_counts(client, tenant_a, coach_a,
                                                                             last_year_work):  # fmt: skip
    year, _ = last_year_work
    for user in (tenant_a.director, tenant_a.district_admin):
        client.force_login(user)
        row = counts_by_coach(client.get(COUNTS, {"year": year}))["Casey Coach"]
        assert (row.teachers, row.sessions, row.contacts, row.minutes) == (3, 1, 2, 300)
        assert row.cycles == {"identify": 0, "learn": 0, "improve": 0, "closed": 1}
        csv_lines = body(client.get(COUNTS_CSV, {"year": year})).splitlines()
        assert csv_lines[1].startswith("Casey Coach,")
        assert csv_lines[1].endswith(",3,1,2,300,5.00,0,0,0,1")
        # This year, by default: the newcomer's cycle, this year's 30 minutes, not last year's closed cycle.
        now = counts_by_coach(client.get(COUNTS))["Casey Coach"]
        assert (now.teachers, now.minutes, now.cycles["learn"], now.cycles["closed"]) == (2, 30, 1, 0)
