"""Follow-ups after group PD in the time-use report: follow-up groups by the next step offered,
formed, offered and done, counted by hand for a district, a school and a coach; the same on the
page, in the CSV and in the PDF; one statement whatever the data size; counts only."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse

from coaching.tests.factories import CoachFactory
from learning import services as learning
from learning.models import FollowUpNeed, FollowUpStep
from learning.tests.factories import PDSessionFactory
from reports.builder import build_figures
from reports.models import ScopeKind
from reports.scopes import Period, Scope
from reports.tests.test_plans import built
from reports.tests.test_runs_and_dashboard import pdf_text
from teachers.tests.factories import SchoolFactory, TeacherFactory

pytestmark = pytest.mark.django_db

YEAR = Period.school_year(2025)  # July 2025 – June 2026, finished
TODAY = dt.date(2026, 11, 23)
M, G, D = FollowUpNeed.MASTERED, FollowUpNeed.GUIDANCE, FollowUpNeed.MODELING


def groups(session, spec):
    """spec: need -> (step, offered_on, done_on); one attendee per group."""
    teachers = [TeacherFactory(school=session.schools.first()) for _ in spec]
    session.attendees.set(teachers)
    learning.followup_groups_set(
        session=session, placements={t.pk: need for t, need in zip(teachers, spec, strict=True)},
        offers={need: learning.FollowUpOffer(step, "", offered, done)
                for need, (step, offered, done) in ((n, spec.get(n, (FollowUpStep.EXTENSION, None, None)))
                                                    for n in FollowUpNeed)},
    )  # fmt: skip


@pytest.fixture
def year(tenant_a, tenant_b):
    other_school = SchoolFactory(district=tenant_a.district, name="Second School")
    coach2 = CoachFactory(program=tenant_a.program)
    s1 = PDSessionFactory(facilitator=tenant_a.coach, district=tenant_a.district, date=dt.date(2025, 10, 1))
    s1.schools.set([tenant_a.school])
    s2 = PDSessionFactory(facilitator=coach2, district=tenant_a.district, date=dt.date(2026, 2, 2))
    s2.schools.set([other_school])
    before = PDSessionFactory(facilitator=tenant_a.coach, district=tenant_a.district, date=dt.date(2025, 6, 1))
    before.schools.set([tenant_a.school])
    elsewhere = PDSessionFactory(facilitator=tenant_b.coach, district=tenant_b.district, date=dt.date(2025, 10, 1))
    elsewhere.schools.set([tenant_b.school])
    day = dt.date
    groups(s1, {M: (FollowUpStep.EXTENSION, day(2025, 10, 3), day(2025, 10, 10)),
                G: (FollowUpStep.SMALL_GROUP, day(2025, 10, 3), None),
                D: (FollowUpStep.MICRO_MODELING, None, None)})  # fmt: skip
    groups(s2, {G: (FollowUpStep.SMALL_GROUP, day(2026, 2, 4), day(2026, 2, 11))})
    groups(before, {M: (FollowUpStep.EXTENSION, day(2025, 6, 2), None)})
    groups(elsewhere, {M: (FollowUpStep.EXTENSION, day(2025, 10, 2), day(2025, 10, 2))})
    return {"coach2": coach2, "school": tenant_a.school}


def counts(kind, pk, program=0):
    f = build_figures(Scope(kind, pk, "x", program=program), YEAR, today=TODAY)["followups"]
    return [(r["step"], r["groups"], r["offered"], r["done"]) for r in f["rows"]], f["total"]


def test_follow_ups_are_counted_by_kind_for_each_scope(tenant_a, year):
    # District A: s1's three groups and s2's one; the June session is before the year, B's elsewhere.
    rows, total = counts(ScopeKind.DISTRICT, tenant_a.district.pk)
    assert rows == [("extension", 1, 1, 1), ("micro_modeling", 1, 0, 0), ("small_group", 2, 2, 1)]
    assert (total["groups"], total["offered"], total["done"]) == (4, 3, 2)
    assert counts(ScopeKind.PROGRAM, tenant_a.program.pk)[0] == rows
    # A school: the sessions that list it (s1 only).
    assert counts(ScopeKind.SCHOOL, year["school"].pk)[0] == [
        ("extension", 1, 1, 1), ("micro_modeling", 1, 0, 0), ("small_group", 1, 1, 0)]  # fmt: skip
    # A coach: the sessions they facilitated (s2 for coach2).
    assert counts(ScopeKind.COACH, year["coach2"].pk)[0] == [
        ("extension", 0, 0, 0), ("micro_modeling", 0, 0, 0), ("small_group", 1, 1, 1)]  # fmt: skip
    # Another program's time in district A: none of these.
    assert counts(ScopeKind.DISTRICT, tenant_a.district.pk, program=tenant_a.program.pk + 999)[1]["groups"] == 0


def test_one_statement_whatever_the_data_size(tenant_a, year, django_assert_num_queries):
    from django.db import connection

    from reports.followups import followup_figures

    scope = Scope(ScopeKind.DISTRICT, tenant_a.district.pk)
    with django_assert_num_queries(1):
        followup_figures(scope, YEAR, today=TODAY, conn=connection)
    for i in range(6):
        session = PDSessionFactory(
            facilitator=tenant_a.coach, district=tenant_a.district, date=dt.date(2025, 11, 3 + i)
        )
        session.schools.set([tenant_a.school])
        groups(session, {G: (FollowUpStep.SMALL_GROUP, dt.date(2025, 11, 5 + i), None)})
    with django_assert_num_queries(1):
        figures = followup_figures(scope, YEAR, today=TODAY, conn=connection)
    assert figures["total"]["groups"] == 10


def test_the_page_csv_and_pdf_show_the_same_follow_up_counts(
    client, tenant_a, year, django_capture_on_commit_callbacks
):
    scope = Scope(ScopeKind.DISTRICT, tenant_a.district.pk, tenant_a.district.name)
    query = built(scope, YEAR, django_capture_on_commit_callbacks)
    client.force_login(tenant_a.district_admin)
    page = client.get(f"{reverse('reports:dashboard')}?{query}").content.decode()
    section = page[page.index('data-testid="followups-section"') :]
    section = section[: section.index("</section>")]
    cells = re.findall(r'<th scope="row"[^>]*>\s*([^<]+?)\s*</th>\s*<td[^>]*>(\d+)</td>\s*<td[^>]*>(\d+)</td>\s*'
                       r'<td[^>]*>(\d+)</td>', section)  # fmt: skip
    expected = [
        ("Extension activities", "1", "1", "1"),
        ("Micro-modeling in their classroom", "1", "0", "0"),
        ("A small-group coaching session", "2", "2", "1"),
        ("Total", "4", "3", "2"),
    ]
    assert cells == expected
    assert "Teacher" not in section  # counts only: nobody is named

    response = client.get(f"{reverse('reports:export_csv')}?{query}&table=followups")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows == [["next_step", "groups", "offered", "done"], *[list(r) for r in expected[:3]]]

    text = pdf_text(client.get(f"{reverse('reports:export_pdf')}?{query}").content)
    assert "Follow-up after group PD" in text
    for name, formed, offered, done in expected[:3]:
        assert re.search(rf"{re.escape(name)}\s+{formed}\s+{offered}\s+{done}", text), name
