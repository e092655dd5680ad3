"""Tenant isolation: two programs, two districts, and every page of the project (found by walking
the URL resolver, so a new page is covered automatically, or fails here until it is mapped) asked
for by every role of tenant A. No response may be a server error, and no response body may carry
any of tenant B's marker strings — not a list, search, export, report, picker or QR page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from calendars.models import CalendarDraft
from calendars.services import feed_create
from coaching.coaching_plans import coaching_plan_create, site_visit_record
from coaching.models import Activity, Balance, CoachMonth, FocusArea, MonthStatus, PlanPriority
from coaching.tests.factories import CoachFactory, LogEntryFactory, focus_area
from cycles import services as cycles
from cycles.kickoff import kickoff_save, plan_step_add
from cycles.models import ChecklistItem, CycleTime, Debrief, Evidence
from learning import services as learning
from learning.models import MIN_CHECKIN_RESPONSES, PRINCIPLES, FollowUpNeed, FollowUpStep, SharedExample
from programs.impact_services import impact_publish
from programs.statements import statement_issue
from reports.models import TimePlan, TimePlanLine
from reports.scopes import Period, Scope
from reports.services import report_request
from subscriptions.models import Delivery, DeliveryStatus, Frequency
from subscriptions.services import subscription_add, token_hash
from teachers.invitations import teacher_accounts_invite
from teachers.models import SignInProvider
from teachers.tests.factories import TeacherFactory, UserFactory
from toolkit.schoolyear import school_year_of

pytestmark = pytest.mark.django_db

SKIP_NAMESPACES = {"admin"}  # the Django admin is the site administrator's alone
OK_STATUSES = {200, 302, 403, 404, 405, 410}
# Capability links: an unguessable token in the URL is the permission (a teacher's private
# reflection link, an anonymous check-in, a resource's QR code). Whoever holds tenant B's token is
# meant to see that one form; holding none of them, tenant A's people are only checked on their own.
CAPABILITY_URLS = {"reflect", "learning:checkin_answer", "learning:resource_open", "invitation", "calendars:feed"}
# A coach's private calendar feed is polled by calendar apps: it may be kept in a private cache for
# a few minutes (never a shared one), instead of no-store.
PRIVATE_CACHE_URLS = {"calendars:feed"}
# Reports by email: an email's unsubscribe link.
CAPABILITY_URLS |= {"subscriptions:unsubscribe"}
# issue 16: impactpage. A program's published impact page: its address is the permission.
CAPABILITY_URLS |= {"impact:public"}


@dataclass
class Objects:
    """One tenant's objects, for filling in URL parameters."""

    entry: Any
    cycle: Any
    reflection: Any
    link: Any
    token: str
    evidence: Any
    item: Any
    time_entry: Any
    session: Any
    signup: Any
    resource: Any
    group: Any
    meeting: Any
    goal: Any
    checkin: Any
    run: Any
    teacher: Any
    checkin_token: str = ""  # a live link of the open check-in (links are emailed, never stored)
    invitation_token: str = ""  # a live invitation link of a roster teacher who does not sign in yet
    # Month close: the coach's last month, submitted and waiting for the director.
    coach_month: Any = None
    # Program set-up: the tenant's contract and district administrator, its program's own
    # activity and focus area (filled in by `seed`).
    contract: Any = None
    district_admin: Any = None
    own_activity: Any = None
    own_focus_area: Any = None
    # Calendars: a draft entry from the coach's calendar, and a live token of the coach's feed.
    calendar_draft: Any = None
    feed_token: str = ""
    # Contract statements: one issued for the tenant's contract, this month.
    statement: Any = None
    # The agreed time plan: the program's plan, with the marker in its note and a line's name.
    time_plan: Any = None
    # Reports by email: the district administrator's subscription, a failed delivery of it, and
    # that email's live unsubscribe token.
    subscription: Any = None
    delivery: Any = None
    unsubscribe_token: str = ""
    # issue 16: dplan — the district's coaching plan, with a priority and a site visit (marker in each).
    coaching_plan: Any = None
    # issue 16: kickoff
    plan_step: Any = None  # a step of the cycle's action plan, not done yet
    # issue 16: impactpage. The live token of the program's published impact page.
    impact_token: str = ""
    # issue 16: followup — the PD session's follow-up groups, a shared example (with a file) in
    # the session's space and one in the coach group's, and a role-play turn in the meeting.
    followup_group: Any = None
    example: Any = None
    group_example: Any = None
    role_play: Any = None
    # issue 17: oidc — the district's sign-in provider (its name is public: the sign-in page lists
    # every enabled provider, so it carries no marker).
    sign_in_provider: Any = None


def seed(tenant, marker: str) -> Objects:
    """Every kind of object, with the tenant's marker in every name and text a page could show."""
    today = timezone.localdate()
    tenant.district.name = f"{marker} District"
    tenant.district.save()
    tenant.school.name = f"{marker} School"
    tenant.school.save()
    tenant.teacher.first_name, tenant.teacher.last_name = f"{marker}Ann", f"{marker}Teacher"
    tenant.teacher.email = f"{marker.lower()}@example.org"
    tenant.teacher.save()
    coach_user = tenant.coach.user
    coach_user.first_name, coach_user.last_name = f"{marker}Coach", "Person"
    coach_user.save()
    entry = LogEntryFactory(coach=tenant.coach, district=tenant.district, school=tenant.school, date=today,
                            notes=f"{marker} private note")  # fmt: skip
    entry.teachers.add(tenant.teacher)
    cycle = cycles.cycle_start(coach=tenant.coach, teachers=[tenant.teacher], title=f"{marker} cycle")
    cycles.goal_set(cycle=cycle, by=coach_user, statement=f"{marker} goal", measure=f"{marker} measure",
                    target=Decimal(90), deadline=today + dt.timedelta(days=30))  # fmt: skip
    cycles.progress_record(cycle=cycle, by=coach_user, date=today, value=Decimal(50))
    cycles.cycle_update_plan(cycle=cycle, by=coach_user, strategy=f"{marker} strategy",
                             current_reality=f"{marker} reality", coach_notes=f"{marker} coach notes")  # fmt: skip
    evidence = Evidence.objects.create(cycle=cycle, kind="observation", note=f"{marker} evidence",
                                       file=ContentFile(b"%PDF-1.4 x", name="e.pdf"), file_name=f"{marker}.pdf",
                                       content_type="application/pdf", added_by=coach_user)  # fmt: skip
    item = ChecklistItem.objects.create(cycle=cycle, text=f"{marker} step")
    time_entry = LogEntryFactory(coach=tenant.coach, district=tenant.district, date=today, minutes=30)
    CycleTime.objects.create(cycle=cycle, entry=time_entry)
    reflection = cycles.reflection_write(author=tenant.teacher.user, teacher=tenant.teacher, cycle=cycle,
                                         occasion="free", what_happened=f"{marker} reflection")  # fmt: skip
    link, token = cycles.reflection_link_create(cycle=cycle, teacher=tenant.teacher, by=coach_user, occasion="free")
    cycles.cycle_share(cycle=cycle, teacher=tenant.teacher, shared=True)
    resource = learning.resource_create(program=tenant.program, by=coach_user, title=f"{marker} resource",
                                        kind="video", link="https://example.org/v", tags=marker.lower())  # fmt: skip
    session = learning.pd_session_schedule(
        coach=tenant.coach, district=tenant.district, title=f"{marker} PD", date=today, start_time=dt.time(6, 0),
        minutes=30, focus_area=focus_area(), schools=[tenant.school], resources=[resource],
        description=f"{marker} description",
    )  # fmt: skip
    learning.pd_attendance_set(session=session, teachers=[tenant.teacher])
    signup = learning.signup_request(session=session, teacher=tenant.teacher, kind="modeled_lesson",
                                     note=f"{marker} signup note")  # fmt: skip
    cycles.reflection_write(author=None, teacher=tenant.teacher, cycle=None, pd_session=session,
                            occasion="free", what_happened=f"{marker} PD reflection")  # fmt: skip
    others = [CoachFactory(program=tenant.program, user=UserFactory(first_name=f"{marker}Peer{i}")) for i in range(2)]
    group = learning.coach_group_form(program=tenant.program, name=f"{marker} group", facilitator=tenant.director,
                                      members=[tenant.coach, *others], cadence="weekly")  # fmt: skip
    meeting = learning.group_meeting_record(group=group, date=today, agenda=["reflection"], attendees=others,
                                            notes=f"{marker} meeting notes")  # fmt: skip
    goal = learning.coach_goal_set(coach=tenant.coach, group=group, statement=f"{marker} coach goal",
                                   shared_with_group=True)  # fmt: skip
    links: list[str] = []
    invited = [TeacherFactory(school=tenant.school, email=f"{marker.lower()}{i}@school.example") for i in range(6)]

    def keep(_checkin: Any, invitations: list[Any]) -> None:
        links.extend(i.token for i in invitations)

    closed = learning.checkin_open(coach=tenant.coach, closes_on=today, teachers=invited, deliver=keep,
                                   title=f"{marker} closed check-in")  # fmt: skip
    for answer_link in links[:MIN_CHECKIN_RESPONSES]:
        learning.checkin_answer(token=answer_link, comment=f"{marker} comment", **dict.fromkeys(PRINCIPLES, 4))
    learning.checkin_close(checkin=closed)  # its results (and comments) are shown to A's coach and director
    links.clear()
    checkin = learning.checkin_open(coach=tenant.coach, closes_on=today + dt.timedelta(days=3), teachers=invited,
                                    deliver=keep, title=f"{marker} open check-in")  # fmt: skip
    run = report_request(scope=Scope("district", tenant.district.pk), period=Period.parse("", today=today), by=None)
    invitation_links: list[str] = []
    newcomer = TeacherFactory(school=tenant.school, email=f"{marker.lower()}.newcomer@school.example", user=None)
    teacher_accounts_invite(teachers=[newcomer], by=tenant.district_admin,
                            link_for=lambda t: invitation_links.append(t) or t)  # fmt: skip
    objects = Objects(entry, cycle, reflection, link, token, evidence, item, time_entry, session, signup, resource,
                      group, meeting, goal, checkin, run, tenant.teacher, links[0], invitation_links[0])  # fmt: skip
    # Month close
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    objects.coach_month = CoachMonth.objects.create(
        coach=tenant.coach, month=last_month, status=MonthStatus.SUBMITTED, submitted_at=timezone.now()
    )
    # Program set-up: a program's own activity and focus area, with the marker in their names.
    objects.contract, objects.district_admin = tenant.contract, tenant.district_admin
    objects.own_activity = Activity.objects.create(program=tenant.program, name=f"{marker} own activity",
                                                   balance=Balance.OUTPUT)  # fmt: skip
    objects.own_focus_area = FocusArea.objects.create(program=tenant.program, name=f"{marker} own focus")
    # Calendars
    objects.calendar_draft = CalendarDraft.objects.create(
        coach=tenant.coach, uid=f"{marker}-event", starts_at=timezone.now(), date=today, minutes=45,
        title=f"{marker} calendar event", location=f"{marker} School", district=tenant.district, school=tenant.school,
        activity=Activity.objects.get(name="Observation or Feedback", program=None), focus_area=focus_area(),
        unmatched_emails=[f"{marker.lower()}.guest@example.org"],
    )  # fmt: skip
    objects.calendar_draft.teachers.add(tenant.teacher)
    objects.feed_token = feed_create(coach=tenant.coach, actor=coach_user)
    # Contract statements
    objects.statement = statement_issue(contract=tenant.contract, start=today, end=today, by=tenant.director)
    # The agreed time plan
    objects.time_plan = TimePlan.objects.create(program=tenant.program, starts_on=today.replace(day=1),
                                                note=f"{marker} plan note")  # fmt: skip
    TimePlanLine.objects.create(plan=objects.time_plan, name=f"{marker} plan line", share=60).activities.add(
        Activity.objects.get(name="Coaching Cycles", program=None))  # fmt: skip
    # Reports by email
    objects.subscription = subscription_add(user=tenant.district_admin, frequency=Frequency.WEEKLY,
                                            scope=Scope("district", tenant.district.pk))  # fmt: skip
    objects.unsubscribe_token = f"{marker.lower()}-unsubscribe-token"
    objects.delivery = Delivery.objects.create(
        subscription=objects.subscription, period_start=today - dt.timedelta(days=13),
        period_end=today - dt.timedelta(days=7), period_label=f"{marker} week", status=DeliveryStatus.FAILED,
        attempts=5, last_error=f"{marker} SMTP error", token_hash=token_hash(objects.unsubscribe_token),
    )  # fmt: skip
    # issue 16: dplan
    objects.coaching_plan = coaching_plan_create(program=tenant.program, district=tenant.district,
                                                 school_year=tenant.contract.school_year,
                                                 by=tenant.director)  # fmt: skip
    PlanPriority.objects.create(plan=objects.coaching_plan, title=f"{marker} priority")
    site_visit_record(plan=objects.coaching_plan, kind="site_visit", date=today, notes=f"{marker} visit notes",
                      by=tenant.director)  # fmt: skip
    # issue 16: kickoff (its meetings, with the marker in every text the kickoff page shows)
    kickoff_save(cycle=cycle, by=coach_user, held_on=today, agency=f"{marker} agency", brainstorm=f"{marker} ideas",
                 resources=[resource], other_resources=f"{marker} poster", students_know=f"{marker} know")  # fmt: skip
    objects.plan_step = plan_step_add(cycle=cycle, by=coach_user, kind="modeling", planned_on=today,
                                      note=f"{marker} plan step")  # fmt: skip
    Debrief.objects.create(cycle=cycle, held_on=today, step=objects.plan_step, impact=f"{marker} debrief",
                           next_time=f"{marker} next time", added_by=coach_user)  # fmt: skip
    # issue 16: impactpage. The program's impact page, published; its school with an enrollment figure.
    tenant.school.enrollment, tenant.school.enrollment_year = 321, school_year_of(today)
    tenant.school.save()
    objects.impact_token = impact_publish(program=tenant.program, by=tenant.director).token
    # issue 16: followup
    objects.followup_group = learning.followup_groups_set(
        session=session, placements={tenant.teacher.pk: FollowUpNeed.GUIDANCE},
        offers={need: learning.FollowUpOffer(FollowUpStep.SMALL_GROUP, f"{marker} offer") for need in FollowUpNeed},
    )[0]  # fmt: skip
    objects.example = SharedExample.objects.create(
        session=session, author=tenant.teacher.user, title=f"{marker} example", note=f"{marker} example note",
        file=ContentFile(b"%PDF-1.4 x", name="x.pdf"), file_name=f"{marker}-ex.pdf", content_type="application/pdf",
    )  # fmt: skip
    learning.example_comment_add(example=objects.example, author=coach_user, text=f"{marker} feedback")
    objects.group_example = learning.example_post(author=coach_user, group=group, title=f"{marker} group example",
                                                  note=f"{marker} group example note")  # fmt: skip
    objects.role_play = learning.role_play_record(meeting=meeting, scenario=f"{marker} scenario",
                                                  practised_by=tenant.coach, question_stems=f"{marker} stem",
                                                  feedback=f"{marker} peer feedback")  # fmt: skip
    # issue 17: oidc — a provider on a loopback port where nothing answers, so no test reaches out.
    objects.sign_in_provider = SignInProvider.objects.create(
        display_name="District accounts", district=tenant.district, issuer=f"http://127.0.0.1:9/{marker.lower()}",
        client_id=f"{marker.lower()}-client", client_secret="secret", allowed_email_domains="example.org",
    )  # fmt: skip
    return objects


def url_kwargs(name: str, params: list[str], o: Objects) -> dict[str, Any] | None:
    """Parameters for a URL name from one tenant's objects; None when a page is not mapped yet."""
    by_name: dict[str, dict[str, Any]] = {
        "cycles:reflection": {"public_id": o.reflection.public_id},
        "cycles:link": {"public_id": o.cycle.public_id, "link_id": o.link.public_id},
        "cycles:evidence_file": {"public_id": o.cycle.public_id, "pk": o.evidence.pk},
        "cycles:checklist_toggle": {"public_id": o.cycle.public_id, "pk": o.item.pk},
        "cycles:checklist_delete": {"public_id": o.cycle.public_id, "pk": o.item.pk},
        "cycles:time_unlink": {"public_id": o.cycle.public_id, "entry_id": o.time_entry.pk},
        "cycles:meeting_reflect": {"pk": o.meeting.pk},
        "cycles:teacher_erase": {"pk": o.teacher.pk},
        "learning:pd_signup_decide": {"public_id": o.session.public_id, "pk": o.signup.pk},
        "cycles:pd_signup_cycle": {"public_id": o.session.public_id, "pk": o.signup.pk},
        "coaching:entry_edit": {"pk": o.entry.pk},
        "coaching:entry_delete": {"pk": o.entry.pk},
        "learning:group": {"pk": o.group.pk},
        "learning:meeting_new": {"pk": o.group.pk},
        "learning:coach_goal_note": {"pk": o.goal.pk},
        "learning:resource": {"public_id": o.resource.public_id},
        "reports:run_status": {"pk": o.run.pk},
        "learning:resource_open": {"public_id": o.resource.public_id},
        "learning:checkin_answer": {"token": o.checkin_token},
        "learning:checkin_close": {"public_id": o.checkin.public_id},
        "invitation": {"token": o.invitation_token},
        "reflect": {"token": o.token},
        "password_reset_confirm": {"uidb64": "MQ", "token": "set-password"},
        # Year rollover: no URL parameter (a director's program comes from ?program=, whose other
        # programs' ids are 404s in programs/tests/test_rollover.py; a coach's cycles are their own).
        "programs:rollover": {},
        "cycles:yearend": {},
        # Month close
        "coaching:month_approve": {"pk": o.coach_month.pk},
        "coaching:month_return": {"pk": o.coach_month.pk},
        "coaching:month_reopen": {"pk": o.coach_month.pk},
        # Small frictions of the cycle pages: emailing a reflection link.
        "cycles:link_email": {"public_id": o.cycle.public_id, "link_id": o.link.public_id},
        # Quick log
        "coaching:entry_repeat": {"pk": o.entry.pk},
        # Calendars
        "calendars:draft_confirm": {"pk": o.calendar_draft.pk if o.calendar_draft else 0},
        "calendars:draft_edit": {"pk": o.calendar_draft.pk if o.calendar_draft else 0},
        "calendars:draft_discard": {"pk": o.calendar_draft.pk if o.calendar_draft else 0},
        "calendars:feed": {"token": o.feed_token or "none"},
        # Log once: the modeled lesson of a cycle
        "cycles:modeled_lesson": {"public_id": o.cycle.public_id},
        # Contract statements: the tenant's issued statement, its CSV and PDF
        **{f"statements:{n}": {"pk": o.statement.pk if o.statement else 0} for n in ("detail", "csv", "pdf")},
        # The agreed time plan
        "programs:plan_edit": {"pk": o.time_plan.pk if o.time_plan else 0},
        # Reports by email
        "subscriptions:subscription_change": {"pk": o.subscription.pk if o.subscription else 0},
        "subscriptions:subscription_remove": {"pk": o.subscription.pk if o.subscription else 0},
        "subscriptions:delivery_retry": {"pk": o.delivery.pk if o.delivery else 0},
        "subscriptions:unsubscribe": {"token": o.unsubscribe_token or "none"},
        # issue 16: dplan
        **{
            f"district_plans:{n}": {"pk": o.coaching_plan.pk if o.coaching_plan else 0}
            for n in ("detail", "edit", "checklist", "visits")
        },
        # issue 16: kickoff
        "cycles:plan_step_done": {"public_id": o.cycle.public_id, "pk": o.plan_step.pk if o.plan_step else 0},
        # issue 16: impactpage. The tenant's program's page, PDF and publishing; its public address.
        **{f"impact:{n}": {"pk": o.entry.program_id} for n in ("page", "pdf", "publication")},
        "impact:public": {"token": o.impact_token or "none"},
        "programs:enrollment_import": {"pk": o.entry.district_id},
        # issue 16: followup (the session's examples and follow-up pages take its public_id)
        "learning:group_examples": {"pk": o.group.pk},
        "learning:example_comment": {"pk": o.example.pk if o.example else 0},
        "learning:example_file": {"pk": o.example.pk if o.example else 0},
        "learning:meeting_practice": {"pk": o.group.pk, "meeting_pk": o.meeting.pk},
        # issue 17: oidc
        "sso:start": {"pk": o.sign_in_provider.pk if o.sign_in_provider else 0},
    }
    # Program set-up (programs/setup_urls.py): the tenant's district, school, contract, coach,
    # district administrator and its program's own activity and focus area.
    setup: dict[str, dict[str, Any]] = {
        "programs:district_edit": {"pk": o.entry.district_id},
        "programs:school_add": {"pk": o.entry.district_id},
        "programs:school_edit": {"pk": o.entry.school_id},
        "programs:contract_edit": {"pk": o.contract.pk if o.contract else 0},
        "programs:coach_active": {"pk": o.entry.coach_id},
        "programs:coach_invite": {"pk": o.entry.coach_id},
        "programs:coach_move": {"pk": o.entry.coach_id},
        "programs:administrator_invite": {"pk": o.district_admin.pk if o.district_admin else 0},
        "programs:administrator_remove": {"pk": o.entry.district_id,
                                          "user_pk": o.district_admin.pk if o.district_admin else 0},
        **{f"programs:activity_{n}": {"pk": o.own_activity.pk if o.own_activity else 0}
           for n in ("edit", "move", "active")},
        **{f"programs:focus_area_{n}": {"pk": o.own_focus_area.pk if o.own_focus_area else 0}
           for n in ("edit", "move", "active")},
    }  # fmt: skip
    if name in setup:
        return setup[name]
    if name in by_name:
        return by_name[name]
    if name.startswith(("cycles:pd_", "learning:pd_")) and params == ["public_id"]:
        return {"public_id": o.session.public_id}
    if name.startswith("cycles:") and params == ["public_id"]:
        return {"public_id": o.cycle.public_id}
    if not params:
        return {}
    return None


def every_url_name() -> list[tuple[str, tuple[str, ...]]]:
    found: list[tuple[str, tuple[str, ...]]] = []

    def walk(patterns: list[Any], namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace in SKIP_NAMESPACES:
                    continue
                walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
            elif isinstance(p, URLPattern) and p.name:
                found.append((f"{namespace}{p.name}", tuple(p.pattern.converters)))

    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


def body_of(response: Any) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", "replace")


def test_no_page_shows_another_tenants_data_to_any_role(client, tenant_a, tenant_b, capsys):
    """…and every page answered carries Cache-Control: no-store (a shared computer's browser or a
    proxy keeps no copy of anyone's roster, audit log, report, check-in or link)."""
    mine, theirs = seed(tenant_a, "AARDVARK"), seed(tenant_b, "ZEBRA")
    roles = {
        "anonymous": None, "coach": tenant_a.coach.user, "teacher": tenant_a.teacher.user,
        "district_admin": tenant_a.district_admin, "director": tenant_a.director,
    }  # fmt: skip
    unmapped, requests, failures = [], 0, []
    for name, params in every_url_name():
        for objects, label in ((mine, "own"), (theirs, "other tenant's")):
            if objects is theirs and name in CAPABILITY_URLS:
                continue
            kwargs = url_kwargs(name, list(params), objects)
            if kwargs is None:
                unmapped.append(name)
                continue
            url = reverse(name, kwargs=kwargs)
            for role, user in roles.items():
                client.logout()
                if user is not None:
                    client.force_login(user)
                response = client.get(url)
                requests += 1
                if response.status_code not in OK_STATUSES:
                    failures.append(f"{role} GET {name} ({label}): {response.status_code}")
                elif "ZEBRA" in body_of(response):
                    failures.append(f"{role} GET {name} ({label}) shows tenant B's data")
                elif name in PRIVATE_CACHE_URLS:
                    if response.status_code == 200 and "private" not in response.get("Cache-Control", ""):
                        failures.append(f"{role} GET {name} ({label}) may be stored by a shared cache")
                elif response.status_code == 200 and "no-store" not in response.get("Cache-Control", ""):
                    failures.append(f"{role} GET {name} ({label}) may be stored by a browser or proxy")
    print(f"tenant isolation: {requests} requests over {len(every_url_name())} URL patterns")
    assert not unmapped, f"map these URLs in url_kwargs: {sorted(set(unmapped))}"
    assert not failures, "\n".join(failures)
