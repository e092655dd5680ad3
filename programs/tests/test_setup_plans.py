"""Time plan pages: the program's plans by scope with their start months; a plan written with
its lines (errors beside the line, everything typed kept); a copy of the plan in force; another
program's plan is a 404; a district administrator reads the plans of their districts only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from coaching.tests.factories import activity
from reports.models import PlanLineKind, TimePlan
from reports.tests.test_plans import standard_plan
from teachers.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def post_data(scope="program", starts_on="2026-01", lines=(), note=""):
    data = {"scope": scope, "starts_on": starts_on, "note": note, "line-TOTAL_FORMS": str(len(lines)),
            "line-INITIAL_FORMS": "0", "line-MIN_NUM_FORMS": "0", "line-MAX_NUM_FORMS": "12"}  # fmt: skip
    for i, (name, share, kind, names) in enumerate(lines):
        data |= {f"line-{i}-name": name, f"line-{i}-share": share, f"line-{i}-kind": kind}
        data[f"line-{i}-activities"] = [str(activity(n).pk) for n in names]
    return data


GOOD = [
    ("Coaching cycles and direct support", "60", "target", ["Coaching Cycles", "Co-Planning"]),
    ("Professional learning", "15.5", "target", ["Continuous Learning"]),
    ("Non-coaching duties", "10", "at_most", ["Substituting", "Fixing broken technology"]),
    ("", "", "target", []),  # an empty line is left out
]


def test_a_director_writes_a_plan_with_its_lines_and_it_is_audited(client, tenant_a):
    client.force_login(tenant_a.director)
    response = client.post(reverse("programs:plan_add"), post_data(lines=GOOD, note="Agreed with the board"))
    assert response.status_code == 302, response.content.decode()[:3000]
    plan = TimePlan.objects.get(program=tenant_a.program)
    assert (plan.starts_on, plan.district, plan.coach, plan.note) == (dt.date(2026, 1, 1), None, None,
                                                                      "Agreed with the board")  # fmt: skip
    assert [(line.name, line.share, line.kind, sorted(a.name for a in line.activities.all()))
            for line in plan.lines.all()] == [
        ("Coaching cycles and direct support", Decimal("60.0"), "target", ["Co-Planning", "Coaching Cycles"]),
        ("Professional learning", Decimal("15.5"), "target", ["Continuous Learning"]),
        ("Non-coaching duties", Decimal("10.0"), "at_most", ["Fixing broken technology", "Substituting"]),
    ]  # fmt: skip
    event = AuditEvent.objects.get(object_type="time plan", object_ref=str(plan.pk))
    assert (event.action, event.program_id) == (AuditAction.SETUP_CHANGE, tenant_a.program.pk)
    page = client.get(reverse("programs:plans")).content.decode()
    assert "From January 2026" in page
    assert "Professional learning" in page
    assert "14.5%" in page  # everything else: what the lines leave


def test_shares_over_100_are_refused_beside_the_line_and_everything_typed_is_kept(client, tenant_a):
    client.force_login(tenant_a.director)
    lines = [GOOD[0], ("Professional learning", "45.5", "target", ["Continuous Learning"])]
    response = client.post(reverse("programs:plan_add"), post_data(lines=lines, note="kept note"))
    assert response.status_code == 400
    assert not TimePlan.objects.exists()
    formset = response.context["lines"]
    assert formset.forms[1].errors["share"] == ["The lines add up to 105.5%: at most 100% can be planned."]
    assert "share" not in formset.forms[0].errors
    page = response.content.decode()
    assert 'value="45.5"' in page
    assert 'value="Professional learning"' in page
    assert "kept note" in page
    assert (
        f'value="{activity("Continuous Learning").pk}" id="line-1-a{activity("Continuous Learning").pk}" checked'
        in page
    )
    assert 'id="id_line-1-share-error"' in page


def test_an_activity_in_two_lines_is_refused_beside_the_second(client, tenant_a):
    client.force_login(tenant_a.director)
    lines = [GOOD[0], ("Direct support", "20", "target", ["Co-Planning"])]
    response = client.post(reverse("programs:plan_add"), post_data(lines=lines))
    assert response.status_code == 400
    errors = response.context["lines"].forms[1].errors["activities"]
    assert errors == ["Co-Planning is in the line “Coaching cycles and direct support” already: an activity "
                      "belongs to one line only."]  # fmt: skip
    assert "Co-Planning is in the line" in response.content.decode()


def test_a_line_named_everything_else_is_refused_beside_its_name(client, tenant_a):
    """The report's own rest line: a line of that name would be added into it and vanish."""
    client.force_login(tenant_a.director)
    lines = [GOOD[0], (" everything ELSE ", "30", "target", ["Continuous Learning"])]
    response = client.post(reverse("programs:plan_add"), post_data(lines=lines))
    assert response.status_code == 400
    assert response.context["lines"].forms[1].errors["name"] == [
        "“Everything else” is the report's line for the activities in no line: name this one otherwise."
    ]
    assert not TimePlan.objects.exists()


def test_a_bad_month_and_a_second_plan_the_same_month_are_refused_beside_the_field(client, tenant_a):
    standard_plan(tenant_a.program, dt.date(2026, 1, 1), "60", "15", "10")
    client.force_login(tenant_a.director)
    clash = client.post(reverse("programs:plan_add"), post_data(lines=GOOD[:1]))
    assert clash.status_code == 400
    assert "Another plan for this starts in January 2026" in clash.context["form"].errors["starts_on"][0]
    bad = client.post(reverse("programs:plan_add"), post_data(starts_on="January", lines=GOOD[:1]))
    assert bad.context["form"].errors["starts_on"] == ["Enter a month, like 2026-01."]
    assert TimePlan.objects.count() == 1


def test_editing_replaces_the_lines_and_a_district_plan_is_its_own_series(client, tenant_a):
    plan = standard_plan(tenant_a.program, dt.date(2026, 1, 1), "60", "15", "10")
    client.force_login(tenant_a.director)
    form = client.get(reverse("programs:plan_edit", args=[plan.pk]))
    assert form.status_code == 200
    assert 'value="Professional learning"' in form.content.decode()
    data = post_data(scope=f"district-{tenant_a.district.pk}", starts_on="2026-02", lines=GOOD[:1])
    response = client.post(reverse("programs:plan_edit", args=[plan.pk]), data)
    assert response.status_code == 302, (
        response.context["form"].errors,
        response.context["lines"].non_form_errors(),
        response.context["form"].non_field_errors(),
    )
    plan.refresh_from_db()
    assert (plan.district, plan.starts_on, plan.lines.count()) == (tenant_a.district, dt.date(2026, 2, 1), 1)


def test_a_new_plan_from_a_copy_of_the_one_in_force(client, tenant_a):
    plan = standard_plan(tenant_a.program, dt.date(2024, 7, 1), "60", "15", "10")
    client.force_login(tenant_a.director)
    response = client.get(reverse("programs:plan_add"), {"copy": plan.pk})
    lines = response.context["lines"]
    assert [f.initial["name"] for f in lines.forms[:3]] == [
        "Coaching cycles and direct support", "Professional learning", "Non-coaching duties"]  # fmt: skip
    assert lines.forms[2].initial["kind"] == PlanLineKind.AT_MOST
    assert "A copy of the plan from July 2024" in response.content.decode()


def test_another_programs_plan_is_a_404_and_a_district_administrator_only_reads(client, tenant_a, tenant_b):
    theirs = standard_plan(tenant_b.program, dt.date(2026, 1, 1), "60", "15", "10")
    mine = standard_plan(tenant_a.program, dt.date(2026, 1, 1), "70", "15", "10")
    client.force_login(tenant_a.director)
    assert client.get(reverse("programs:plan_edit", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("programs:plan_edit", args=[theirs.pk]), post_data(lines=GOOD[:1])).status_code == 404
    assert client.get(reverse("programs:plan_add"), {"copy": theirs.pk}).status_code == 404
    client.force_login(tenant_a.district_admin)
    page = client.get(reverse("programs:plans"))
    assert page.status_code == 200
    assert [p["plan"] for s in page.context["series"] for p in s["plans"]] == [mine]
    assert "Edit" not in page.content.decode()
    assert client.get(reverse("programs:plan_edit", args=[mine.pk])).status_code == 403
    assert client.post(reverse("programs:plan_edit", args=[mine.pk]), post_data(lines=GOOD[:1])).status_code == 403
    assert client.post(reverse("programs:plan_add"), post_data(lines=GOOD[:1])).status_code == 403
    mine.refresh_from_db()
    assert mine.lines.count() == 3


def test_query_counts_of_the_list_and_edit_pages_do_not_grow_with_plans(client, tenant_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(tenant_a.director)
    counts = []
    for plans in (3, 30):
        made = [standard_plan(tenant_a.program, dt.date(1990 + len(counts) * 40 + i, 1, 1), "60", "15", "10")
                for i in range(plans)]  # fmt: skip
        standard_plan(tenant_a.program, made[-1].starts_on, "50", "15", "10", district=tenant_a.district)
        with CaptureQueriesContext(connection) as listed:
            assert client.get(reverse("programs:plans")).status_code == 200
        with CaptureQueriesContext(connection) as edited:
            assert client.get(reverse("programs:plan_edit", args=[made[-1].pk])).status_code == 200
        counts.append((len(listed.captured_queries), len(edited.captured_queries)))
    assert counts[0] == counts[1], counts
    assert counts[0][0] <= 12
    assert counts[0][1] <= 15


def test_saving_a_plan_rebuilds_the_current_reports_that_compare_it_and_only_those(
    client, tenant_a, tenant_b, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from coaching.tests.factories import LogEntryFactory
    from reports import services
    from reports.scopes import Period, Scope

    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=timezone.localdate(), minutes=60,
                    activity=activity("Coaching Cycles"))  # fmt: skip
    this_year, long_ago = Period.school_year(2026), Period.school_year(2023)
    scopes = {
        "program": Scope("program", tenant_a.program.pk),
        "district": Scope("district", tenant_a.district.pk),
        "coach": Scope("coach", tenant_a.coach.pk),
        "other program": Scope("program", tenant_b.program.pk),
    }
    with django_capture_on_commit_callbacks(execute=True):
        for scope in scopes.values():
            services.report_request(scope=scope, period=this_year, by=None)
        services.report_request(scope=scopes["program"], period=long_ago, by=None)
    assert not services.snapshot_for(scopes["program"], this_year).figures["plan"]["has_plan"]

    client.force_login(tenant_a.director)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("programs:plan_add"), post_data(starts_on="2026-07", lines=GOOD))
    assert response.status_code == 302
    for name in ("program", "district", "coach"):
        plan = services.snapshot_for(scopes[name], this_year).figures["plan"]
        assert plan["has_plan"], name
        assert {line["name"] for line in plan["lines"]} >= {"Coaching cycles and direct support"}, name
    # Another program's report, and a report of a year long past, are not rebuilt.
    assert not services.snapshot_for(scopes["other program"], this_year).figures["plan"]["has_plan"]
    assert not services.snapshot_for(scopes["program"], long_ago).figures["plan"]["has_plan"]
