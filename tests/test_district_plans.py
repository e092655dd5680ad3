"""The district's coaching plan: its rules, who sees it (and who never sees the director's site
visits), progress counted from the log, the cycles and the PD sessions, priorities on entries,
cycles and PD sessions, and the report by priority on the page, in the CSV and in the PDF."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from coaching import coaching_plans
from coaching import services as coaching_services
from coaching.coaching_plans import DEFAULT_ONBOARDING, ItemValues, PriorityValues
from coaching.models import CoachingPlan, OnboardingItem, PlanPriority, ServiceKind, SiteVisit, VisitKind
from coaching.tests.factories import ContractFactory, LogEntryFactory, activity, focus_area
from cycles import services as cycles
from cycles.models import Cycle
from learning import services as learning
from learning.models import PDSession
from reports.models import ScopeKind
from reports.scopes import Period, Scope
from teachers.models import AuditEvent
from teachers.tests.factories import TeacherFactory
from toolkit.schoolyear import school_year_bounds, school_year_of

pytestmark = pytest.mark.django_db

VISIT_NOTE = "Superintendent worried about the grade 4 team"


def today() -> dt.date:
    return timezone.localdate()


def this_year() -> int:
    return school_year_of(today())


def make_plan(tenant, *, year: int | None = None, priorities=("Student agency", "Formative assessment"),
              services=None) -> CoachingPlan:  # fmt: skip
    plan = coaching_plans.coaching_plan_create(program=tenant.program, district=tenant.district,
                                               school_year=year or this_year(), by=tenant.director)  # fmt: skip
    coaching_plans.coaching_plan_save(
        plan=plan, kickoff_on=None, notes="Kick-off notes", by=tenant.director,
        priorities=[PriorityValues(None, title, f"About {title}") for title in priorities],
        services=services or {}, items=[ItemValues(i.pk, i.text) for i in plan.onboarding_items.all()],
    )  # fmt: skip
    return plan


def priority(plan: CoachingPlan, index: int = 0) -> PlanPriority:
    return list(plan.priorities.all())[index]


# --------------------------------------------------------------------------- the plan's rules


def test_a_new_plan_has_the_default_onboarding_checklist(tenant_a):
    plan = coaching_plans.coaching_plan_create(program=tenant_a.program, district=tenant_a.district,
                                               school_year=this_year(), by=tenant_a.director)  # fmt: skip
    assert [i.text for i in plan.onboarding_items.all()] == list(DEFAULT_ONBOARDING)
    assert AuditEvent.objects.filter(object_type="coaching plan", object_ref=str(plan.pk)).count() == 1


def test_a_plan_needs_a_contract_that_year_and_only_one_per_district_and_year(tenant_a):
    with pytest.raises(ValidationError) as refused:
        coaching_plans.coaching_plan_create(program=tenant_a.program, district=tenant_a.district,
                                            school_year=this_year() + 1, by=tenant_a.director)  # fmt: skip
    assert "no contract" in refused.value.message_dict["district"][0]
    make_plan(tenant_a)
    with pytest.raises(ValidationError) as twice:
        coaching_plans.coaching_plan_create(program=tenant_a.program, district=tenant_a.district,
                                            school_year=this_year(), by=tenant_a.director)  # fmt: skip
    assert "already has a plan" in twice.value.message_dict["district"][0]


def test_saving_a_plan_orders_removes_and_swaps_priorities_and_sets_services(tenant_a):
    plan = make_plan(tenant_a, priorities=("A", "B", "C"), services={ServiceKind.CYCLES: 5})
    a, b, c = plan.priorities.all()
    coaching_plans.coaching_plan_save(
        plan=plan, kickoff_on=dt.date(2026, 8, 20), notes=" Agreed ", by=tenant_a.director,
        priorities=[PriorityValues(c.pk, "B", ""), PriorityValues(b.pk, "C", "x"), PriorityValues(a.pk, "A", "",
                                                                                                 delete=True),
                    PriorityValues(None, "D", "new")],
        services={ServiceKind.CYCLES: 0, ServiceKind.GROUP_PD: 3}, items=[],
    )  # fmt: skip
    plan.refresh_from_db()
    assert [(p.pk, p.title) for p in plan.priorities.all()] == [(c.pk, "B"), (b.pk, "C"), (plan.priorities.last().pk,
                                                                                          "D")]  # fmt: skip
    assert not PlanPriority.objects.filter(pk=a.pk).exists()
    assert [(s.kind, s.planned) for s in plan.services.all()] == [(ServiceKind.GROUP_PD, 3)]
    assert (plan.kickoff_on, plan.notes) == (dt.date(2026, 8, 20), "Agreed")
    assert plan.onboarding_items.count() == 0


def test_two_priorities_with_the_same_title_are_refused(tenant_a):
    plan = make_plan(tenant_a)
    with pytest.raises(ValidationError) as refused:
        coaching_plans.coaching_plan_save(plan=plan, kickoff_on=None, notes="", by=tenant_a.director, services={},
                                          items=[], priorities=[PriorityValues(None, "Same", ""),
                                                                PriorityValues(None, "same ", "")])  # fmt: skip
    assert "same title" in refused.value.message_dict["priorities"][0]


def test_ticking_keeps_who_and_when_and_unticking_clears_both(tenant_a):
    item = make_plan(tenant_a).onboarding_items.first()
    coaching_plans.onboarding_item_tick(item=item, done=True, by=tenant_a.director)
    item.refresh_from_db()
    assert item.done_by == tenant_a.director
    assert item.done_at is not None
    coaching_plans.onboarding_item_tick(item=item, done=False, by=tenant_a.director)
    item.refresh_from_db()
    assert (item.done_by, item.done_at) == (None, None)


# --------------------------------------------------------------------------- priorities on records


def test_an_entry_takes_a_priority_of_its_districts_plan_only(tenant_a, tenant_b):
    mine, theirs = make_plan(tenant_a), make_plan(tenant_b)
    values = {"date": today(), "minutes": 30, "district": tenant_a.district, "activity": activity(),
              "focus_area": focus_area()}  # fmt: skip
    entry = coaching_services.entry_log(coach=tenant_a.coach, priority=priority(mine), **values)
    assert entry.priority == priority(mine)
    with pytest.raises(ValidationError) as refused:
        coaching_services.entry_log(coach=tenant_a.coach, priority=priority(theirs), **values)
    assert refused.value.message_dict["priority"] == [coaching_plans.PRIORITY_ELSEWHERE]
    with pytest.raises(ValidationError):
        coaching_services.entry_update(entry=entry, priority=priority(theirs), **values)
    entry.refresh_from_db()
    assert entry.priority == priority(mine)


def test_a_priority_of_the_same_district_but_another_year_is_refused(tenant_a):
    ContractFactory(program=tenant_a.program, district=tenant_a.district, school_year=this_year() - 1)
    last_year = make_plan(tenant_a, year=this_year() - 1)
    with pytest.raises(ValidationError) as refused:
        coaching_services.entry_log(
            coach=tenant_a.coach, date=today(), minutes=30, district=tenant_a.district, activity=activity(),
            focus_area=focus_area(), priority=priority(last_year),
        )  # fmt: skip
    assert "priority" in refused.value.message_dict


def test_the_log_form_offers_only_the_districts_priorities_and_refuses_another_beside_the_field(
    client, tenant_a, tenant_b
):
    mine, theirs = make_plan(tenant_a), make_plan(tenant_b)
    client.force_login(tenant_a.coach.user)
    page = client.get(reverse("coaching:entry_add")).content.decode()
    select = re.search(r'<select name="priority".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option value="(\d+)"', select) == [str(p.pk) for p in mine.priorities.all()]
    assert "Student agency" in select
    assert "District A" in select
    post = {"date": today().isoformat(), "minutes": "30", "district": tenant_a.district.pk,
            "activity": activity().pk, "focus_area": focus_area().pk, "format": "in_person",
            "priority": priority(theirs).pk}  # fmt: skip
    response = client.post(reverse("coaching:entry_add"), post)
    assert response.status_code == 200
    assert response.context["form"].errors["priority"]
    assert not tenant_a.coach.entries.exists()
    # A second district the coach serves: its priorities are offered too (grouped by district), and
    # the service refuses one of them on an entry in the first district, beside the field.
    second = ContractFactory(program=tenant_a.program)
    second.coaches.add(tenant_a.coach)
    neighbour = coaching_plans.coaching_plan_create(program=tenant_a.program, district=second.district,
                                                    school_year=this_year(), by=tenant_a.director)  # fmt: skip
    elsewhere = PlanPriority.objects.create(plan=neighbour, title="Neighbour's priority")
    post["priority"] = elsewhere.pk
    response = client.post(reverse("coaching:entry_add"), post)
    assert response.context["form"].errors["priority"] == [coaching_plans.PRIORITY_ELSEWHERE]
    assert not tenant_a.coach.entries.exists()
    post["priority"] = priority(mine).pk
    client.post(reverse("coaching:entry_add"), post)
    assert tenant_a.coach.entries.get().priority == priority(mine)


def test_a_cycle_takes_a_priority_of_its_districts_plan_for_the_year_it_started(client, tenant_a, tenant_b):
    mine, theirs = make_plan(tenant_a), make_plan(tenant_b)
    cycle = cycles.cycle_start(coach=tenant_a.coach, teachers=[tenant_a.teacher], title="Exit tickets")
    with pytest.raises(ValidationError) as refused:
        cycles.cycle_update_plan(cycle=cycle, by=tenant_a.coach.user, priority=priority(theirs))
    assert "priority" in refused.value.message_dict
    client.force_login(tenant_a.coach.user)
    page = client.get(reverse("cycles:detail", args=[cycle.public_id])).content.decode()
    select = re.search(r'<select name="priority".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option value="(\d+)"', select) == [str(p.pk) for p in mine.priorities.all()]
    cycles.cycle_update_plan(cycle=cycle, by=tenant_a.coach.user, priority=priority(mine, 1))
    cycle.refresh_from_db()
    assert cycle.priority == priority(mine, 1)


def test_a_pd_sessions_priority_is_checked_and_carried_to_its_facilitation_time(tenant_a, tenant_b):
    mine, theirs = make_plan(tenant_a), make_plan(tenant_b)
    values = {"coach": tenant_a.coach, "district": tenant_a.district, "title": "PLC", "date": today(),
              "start_time": dt.time(6, 0), "minutes": 60, "focus_area": focus_area()}  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        learning.pd_session_schedule(priority=priority(theirs), **values)
    assert "priority" in refused.value.message_dict
    session = learning.pd_session_schedule(priority=priority(mine), **values)
    learning.pd_attendance_set(session=session, teachers=[tenant_a.teacher])
    session.refresh_from_db()
    assert session.log_entry.priority == priority(mine)


# --------------------------------------------------------------------------- who sees what


def urls(plan: CoachingPlan) -> dict[str, str]:
    return {name: reverse(f"district_plans:{name}", args=[plan.pk]) for name in ("detail", "edit", "visits")}


def test_who_reads_and_who_changes_a_plan(client, tenant_a, tenant_b, site_admin):
    plan = make_plan(tenant_a)
    u = urls(plan)
    expected = {
        tenant_a.director: (200, 200, 200), site_admin: (200, 200, 200),
        tenant_a.district_admin: (200, 403, 403), tenant_a.coach.user: (200, 403, 403),
        tenant_b.director: (404, 404, 404), tenant_b.district_admin: (404, 404, 404),
        tenant_b.coach.user: (404, 404, 404), tenant_a.teacher.user: (403, 403, 403),
    }  # fmt: skip
    for user, statuses in expected.items():
        client.force_login(user)
        got = tuple(client.get(u[name]).status_code for name in ("detail", "edit", "visits"))
        assert got == statuses, user.username
        listing = client.get(reverse("district_plans:list"))
        assert (tenant_a.district.name in listing.content.decode()) == (statuses[0] == 200), user.username


def test_a_coach_not_assigned_to_the_districts_contract_does_not_see_its_plan(client, tenant_a):
    from coaching.tests.factories import CoachFactory

    plan = make_plan(tenant_a)
    elsewhere = CoachFactory(program=tenant_a.program)  # the contract names only tenant A's coach
    client.force_login(elsewhere.user)
    assert client.get(urls(plan)["detail"]).status_code == 404


def test_site_visit_notes_never_reach_the_district_administrator_or_the_coach(client, tenant_a):
    """The attack: the district's administrator (and the coach) try every way they have to the
    director's visit notes — the plan's page, its list, the visits page, posting a visit, the
    audit log they read — and get none of it."""
    plan = make_plan(tenant_a)
    coaching_plans.site_visit_record(plan=plan, kind=VisitKind.SITE_VISIT, date=today(), notes=VISIT_NOTE,
                                     by=tenant_a.director)  # fmt: skip
    client.force_login(tenant_a.director)
    assert VISIT_NOTE in client.get(urls(plan)["detail"]).content.decode()
    assert VISIT_NOTE in client.get(urls(plan)["visits"]).content.decode()
    for reader in (tenant_a.district_admin, tenant_a.coach.user):
        client.force_login(reader)
        detail = client.get(urls(plan)["detail"])
        assert detail.status_code == 200
        assert VISIT_NOTE not in detail.content.decode()
        assert "Site visit" not in detail.content.decode()
        assert detail.context["visits"] == []
        assert VISIT_NOTE not in client.get(reverse("district_plans:list")).content.decode()
        visits = client.get(urls(plan)["visits"])
        assert visits.status_code == 403
        assert VISIT_NOTE not in visits.content.decode()
        posted = client.post(urls(plan)["visits"], {"kind": "check_in", "date": today().isoformat(), "notes": "x"})
        assert posted.status_code == 403
        assert client.post(urls(plan)["edit"], {}).status_code == 403
    assert SiteVisit.objects.count() == 1
    client.force_login(tenant_a.district_admin)
    audit = client.get(reverse("audit")).content.decode()
    assert "site visit" not in audit.lower()


def test_only_the_plans_directors_tick_the_checklist(client, tenant_a, tenant_b):
    plan = make_plan(tenant_a)
    item = plan.onboarding_items.first()
    url = reverse("district_plans:checklist", args=[plan.pk])
    for user, status in ((tenant_a.district_admin, 403), (tenant_a.coach.user, 403), (tenant_b.director, 404)):
        client.force_login(user)
        assert client.post(url, {"item": item.pk, "done": "1"}).status_code == status
    assert OnboardingItem.objects.get(pk=item.pk).done_at is None
    client.force_login(tenant_a.director)
    assert client.post(url, {"item": item.pk, "done": "1"}).status_code == 302
    item.refresh_from_db()
    assert item.done_by == tenant_a.director


def test_the_director_writes_the_plan_on_one_form_with_errors_beside_the_fields(client, tenant_a):
    plan = make_plan(tenant_a, priorities=("Agency",))
    client.force_login(tenant_a.director)
    (p,) = plan.priorities.all()
    items = list(plan.onboarding_items.all())
    post = {"kickoff_on": "2026-08-20", "notes": "Agreed in August",
            "priority-TOTAL_FORMS": "2", "priority-INITIAL_FORMS": "1",
            "priority-0-pk": p.pk, "priority-0-title": "Agency", "priority-0-description": "",
            "priority-1-title": "Math talk", "priority-1-description": "K–2",
            "service-cycles": "6", "service-group_pd": "-1",
            "item-TOTAL_FORMS": str(len(items)), "item-INITIAL_FORMS": str(len(items)),
            **{f"item-{i}-pk": it.pk for i, it in enumerate(items)},
            **{f"item-{i}-text": it.text for i, it in enumerate(items)}}  # fmt: skip
    refused = client.post(urls(plan)["edit"], post)
    assert refused.status_code == 400
    assert refused.context["services_form"].errors["group_pd"] == ["From 0 to 999."]
    assert 'value="Math talk"' in refused.content.decode()  # what was typed is kept
    post["service-group_pd"] = "3"
    assert client.post(urls(plan)["edit"], post).status_code == 302
    plan.refresh_from_db()
    assert [x.title for x in plan.priorities.all()] == ["Agency", "Math talk"]
    assert {s.kind: s.planned for s in plan.services.all()} == {"cycles": 6, "group_pd": 3}


def test_a_director_starts_a_plan_only_for_a_district_their_program_serves(client, tenant_a, tenant_b):
    client.force_login(tenant_a.director)
    listing = client.get(reverse("district_plans:list")).content.decode()
    assert "Start the plan" in listing
    refused = client.post(reverse("district_plans:new"), {"program": tenant_a.program.pk,
                                                          "district": tenant_b.district.pk,
                                                          "school_year": this_year()})  # fmt: skip
    assert refused.status_code == 400
    foreign = client.post(reverse("district_plans:new"), {"program": tenant_b.program.pk,
                                                          "district": tenant_b.district.pk,
                                                          "school_year": this_year()})  # fmt: skip
    assert foreign.status_code == 400
    assert not CoachingPlan.objects.exists()
    started = client.post(reverse("district_plans:new"), {"program": tenant_a.program.pk,
                                                          "district": tenant_a.district.pk,
                                                          "school_year": this_year()})  # fmt: skip
    plan = CoachingPlan.objects.get()
    assert started["Location"] == reverse("district_plans:edit", args=[plan.pk])


# --------------------------------------------------------------------------- progress


def deliver(tenant, tenant_b) -> None:
    """Counted by hand below: what each service of tenant A's plan has delivered this year."""
    day = today()
    last_year = school_year_bounds(this_year())[0] - dt.timedelta(days=10)
    team, modeled = activity("Individual or Team Meeting"), activity("Modeling or Co-teaching")
    for _ in range(2):  # counted: 2 team discussions
        LogEntryFactory(coach=tenant.coach, district=tenant.district, activity=team, date=day)
    LogEntryFactory(coach=tenant.coach, district=tenant.district, activity=team, date=last_year)  # last year
    LogEntryFactory(coach=tenant_b.coach, district=tenant_b.district, activity=team, date=day)  # another district
    # Another program's coach in this district: not this plan's program.
    LogEntryFactory(coach=tenant_b.coach, program=tenant_b.program, district=tenant.district, activity=team, date=day)
    for _ in range(3):  # counted: 3 modeled lessons
        LogEntryFactory(coach=tenant.coach, district=tenant.district, activity=modeled, date=day)
    LogEntryFactory(coach=tenant.coach, district=tenant.district, activity=activity("Co-Planning"), date=day)
    second = TeacherFactory(school=tenant.school)
    cycles.cycle_start(coach=tenant.coach, teachers=[tenant.teacher], title="One")  # counted
    cycles.cycle_start(coach=tenant.coach, teachers=[second], title="Two")  # counted
    cycles.cycle_start(coach=tenant.coach, teachers=[second], title="Old", started_on=last_year)  # last year
    held = {"coach": tenant.coach, "district": tenant.district, "title": "PLC", "start_time": dt.time(6, 0),
            "minutes": 60, "focus_area": focus_area()}  # fmt: skip
    learning.pd_session_schedule(date=day, **held)  # counted: held today
    learning.pd_session_schedule(date=day + dt.timedelta(days=7), **held)  # not held yet


SERVICES = {ServiceKind.CYCLES: 3, ServiceKind.TEAM_DISCUSSIONS: 5, ServiceKind.GROUP_PD: 2,
            ServiceKind.MODELED_LESSONS: 4, ServiceKind.TECHNICAL_TRAINING: 2}  # fmt: skip


def test_progress_counts_services_delivered_against_the_plan(client, tenant_a, tenant_b):
    plan = make_plan(tenant_a, services=SERVICES)
    deliver(tenant_a, tenant_b)
    assert PDSession.objects.count() == 2
    assert Cycle.objects.count() == 3
    client.force_login(tenant_a.district_admin)
    page = client.get(urls(plan)["detail"]).content.decode()
    found = re.findall(r'<span>([^<]+)</span>\s*<span class="fw-semibold text-nowrap" data-testid="progress">'
                       r"([^<]+)</span>", page)  # fmt: skip
    assert found == [
        ("One-on-one coaching cycles", "2 of 3"),
        ("Grade-level team discussions", "2 of 5"),
        ("Large-group professional learning", "1 of 2"),
        ("Modeled or co-taught lessons", "3 of 4"),
        ("Technical trainings", "0 of 2"),
    ]
    listing = client.get(reverse("district_plans:list")).content.decode()
    assert listing.count('data-testid="progress"') == 5
    assert "2 of 3" in listing


def test_the_plan_pages_query_count_does_not_grow_with_plans_or_records(
    client, tenant_a, tenant_b, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    plan = make_plan(tenant_a, services=SERVICES)
    client.force_login(tenant_a.director)
    with CaptureQueriesContext(connection) as small_list:
        client.get(reverse("district_plans:list"))
    with CaptureQueriesContext(connection) as small_detail:
        client.get(urls(plan)["detail"])
    for n in range(3):  # more districts with plans, and more of everything delivered
        contract = ContractFactory(program=tenant_a.program)
        other = coaching_plans.coaching_plan_create(program=tenant_a.program, district=contract.district,
                                                    school_year=this_year(), by=tenant_a.director)  # fmt: skip
        coaching_plans.coaching_plan_save(
            plan=other, kickoff_on=None, notes="", by=tenant_a.director, items=[],
            priorities=[PriorityValues(None, f"P{n}", "")], services=SERVICES,
        )  # fmt: skip
    deliver(tenant_a, tenant_b)
    deliver(tenant_a, tenant_b)
    coaching_plans.site_visit_record(plan=plan, kind=VisitKind.CHECK_IN, date=today(), notes="n", by=tenant_a.director)
    with django_assert_max_num_queries(len(small_list.captured_queries)):
        assert client.get(reverse("district_plans:list")).content.decode().count('data-testid="plan"') == 4
    with django_assert_max_num_queries(len(small_detail.captured_queries)):
        client.get(urls(plan)["detail"])
    print(f"plan list: {len(small_list.captured_queries)} queries; plan page: {len(small_detail.captured_queries)}")


# --------------------------------------------------------------------------- the report by priority


def test_the_report_shows_time_and_cycles_by_priority_alike_on_page_csv_and_pdf(
    client, tenant_a, tenant_b, django_capture_on_commit_callbacks
):
    from reports import services as report_services
    from reports.tests.test_runs_and_dashboard import pdf_text

    plan = make_plan(tenant_a)
    agency, assessment = priority(plan, 0), priority(plan, 1)
    day = today()
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=day, minutes=90, priority=agency)
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=day, minutes=30, priority=assessment)
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=day, minutes=60)
    cycle = cycles.cycle_start(coach=tenant_a.coach, teachers=[tenant_a.teacher], title="Exit tickets")
    cycles.cycle_update_plan(cycle=cycle, by=tenant_a.coach.user, priority=agency)
    cycles.cycle_start(coach=tenant_a.coach, teachers=[TeacherFactory(school=tenant_a.school)], title="No priority")
    # Tenant B's time is in another district: not in A's district report.
    LogEntryFactory(coach=tenant_b.coach, district=tenant_b.district, date=day, minutes=45)
    # By hand: 180 minutes in all; 90 = 1.50 h (50.0 %), 30 = 0.50 h (16.7 %), 60 = 1.00 h (33.3 %).
    expected = [("Student agency", "1.50", "50.0", "1"), ("Formative assessment", "0.50", "16.7", "0"),
                ("No priority", "1.00", "33.3", "1")]  # fmt: skip

    scope = Scope(ScopeKind.DISTRICT, tenant_a.district.pk, tenant_a.district.name)
    period = Period.school_year(this_year())
    with django_capture_on_commit_callbacks(execute=True):
        report_services.report_request(scope=scope, period=period, by=None)
    query = f"scope={scope.key}&period={period.key}"
    client.force_login(tenant_a.district_admin)
    page = client.get(f"{reverse('reports:dashboard')}?{query}").content.decode()
    section = page[page.index('data-testid="by-priority"') :]
    section = section[: section.index("</section>")]
    cells = re.findall(r"<tr>\s*<td>([^<]+)</td>\s*<td>[^<]*</td>\s*<td[^>]*>([\d.]+)</td>\s*<td[^>]*>([\d.]+)%</td>"
                       r"\s*<td[^>]*>(\d+)</td>", section)  # fmt: skip
    assert cells == expected

    response = client.get(f"{reverse('reports:export_csv')}?{query}&table=priorities")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["priority", "district", "minutes", "hours", "share_percent", "entries", "cycles_started"]
    district = tenant_a.district.name
    assert rows[1:] == [["Student agency", district, "90", "1.50", "50.0", "1", "1"],
                        ["Formative assessment", district, "30", "0.50", "16.7", "1", "0"],
                        ["No priority", "", "60", "1.00", "33.3", "1", "1"]]  # fmt: skip

    text = pdf_text(client.get(f"{reverse('reports:export_pdf')}?{query}").content)
    for name, hours, share, started in expected:
        assert re.search(rf"{re.escape(name)}.*\s{re.escape(hours)}\s+{re.escape(share)}%\s+{started}\b", text), name


def test_the_report_by_priority_adds_two_statements_and_none_per_entry(tenant_a, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.builder import build_figures

    plan = make_plan(tenant_a)
    scope = Scope(ScopeKind.PROGRAM, tenant_a.program.pk, "x")
    period = Period.school_year(this_year())
    with CaptureQueriesContext(connection) as small:
        build_figures(scope, period, today=today())
    for i in range(20):
        LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=today(), minutes=10,
                        priority=priority(plan, i % 2))  # fmt: skip
    with django_assert_max_num_queries(len(small.captured_queries)):
        figures = build_figures(scope, period, today=today())
    assert [(r["name"], r["minutes"]) for r in figures["priorities"]] == [("Formative assessment", 100),
                                                                          ("Student agency", 100)]  # fmt: skip


def test_the_demo_has_the_maple_grove_plan_and_loading_twice_adds_nothing():
    from django.core.management import call_command

    from coaching.tests.factories import ensure_builtin_lists

    ensure_builtin_lists()  # a transactional test before this one may have flushed them
    call_command("load_demo", stdout=io.StringIO())
    counts = (CoachingPlan.objects.count(), PlanPriority.objects.count(), SiteVisit.objects.count())
    call_command("load_demo", stdout=io.StringIO())
    assert (CoachingPlan.objects.count(), PlanPriority.objects.count(), SiteVisit.objects.count()) == counts
    maple = CoachingPlan.objects.get(district__name="Maple Grove CUSD 5")
    assert maple.priorities.count() == 3
    assert maple.services.count() == 5
    assert maple.visits.count() == 2
    assert maple.priorities.first().entries.exists()
