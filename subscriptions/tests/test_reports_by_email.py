"""Reports by email, tested against a real SMTP server on loopback (the `smtp_server` fixture):
what arrives (the figures in the body, the PDF and its text, the unsubscribe link and header),
once per period however often the beat runs; a send that fails is kept, shown and retried; a
person who may no longer see a report stops receiving it."""

from __future__ import annotations

import datetime as dt
import re
import socket
import subprocess
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from coaching.tests.factories import CoachFactory, ContractFactory, LogEntryFactory, activity
from reports.models import ScopeKind
from reports.scopes import Period, Scope
from reports.services import snapshot_for
from subscriptions import services
from subscriptions.models import Delivery, DeliveryStatus, Frequency, Subscription
from teachers.models import AuditEvent, Role
from teachers.tests.factories import DistrictFactory, UserFactory

WEEK_START, WEEK_END = dt.date(2026, 11, 23), dt.date(2026, 11, 29)  # a Monday to a Sunday


def at(day: dt.date, hour: int = 7, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def subscribe(user, scope: Scope, frequency: str, *, since: dt.datetime | None = None) -> Subscription:
    sub = services.subscription_add(user=user, scope=scope, frequency=frequency)
    Subscription.objects.filter(pk=sub.pk).update(created_at=since or at(dt.date(2026, 10, 1)))
    return sub


def week_of_entries(tenant) -> None:
    """Two coaching entries and a substitution in the week, and one entry on either side of it."""
    entry = LogEntryFactory(coach=tenant.coach, district=tenant.district, school=tenant.school, date=WEEK_START,
                            minutes=90, activity=activity("Coaching Cycles"))  # fmt: skip
    entry.teachers.add(tenant.teacher)
    LogEntryFactory(coach=tenant.coach, district=tenant.district, date=WEEK_START + dt.timedelta(days=2), minutes=45,
                    activity=activity("Observation or Feedback"))  # fmt: skip
    LogEntryFactory(coach=tenant.coach, district=tenant.district, date=WEEK_END, minutes=20,
                    activity=activity("Substituting"))  # fmt: skip
    for outside in (WEEK_START - dt.timedelta(days=1), WEEK_END + dt.timedelta(days=1)):
        LogEntryFactory(coach=tenant.coach, district=tenant.district, date=outside, minutes=300)


def the_pdf(message) -> bytes:
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(parts) == 1
    return parts[0].get_content()


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def bodies(message) -> tuple[str, str]:
    return (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content())


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the probe is closed


@pytest.mark.django_db
def test_a_weekly_district_report_arrives_once_with_its_figures_pdf_and_unsubscribe_link(
    client, smtp_server, tenant_a, tenant_b, tmp_path
):
    week_of_entries(tenant_a)
    week_of_entries(tenant_b)  # another district's time is in no figure of A's email
    admin = tenant_a.district_admin
    sub = subscribe(admin, Scope(ScopeKind.DISTRICT, tenant_a.district.pk), Frequency.WEEKLY)

    services.deliveries_send_due(now=at(WEEK_END + dt.timedelta(days=1), 5))  # Monday, before the send hour
    assert smtp_server.messages == []
    assert not Delivery.objects.exists()
    monday = at(WEEK_END + dt.timedelta(days=1))
    services.deliveries_send_due(now=monday)
    services.deliveries_send_due(now=monday + dt.timedelta(minutes=5))  # the beat, again: nothing more
    services.deliveries_send_due(now=monday + dt.timedelta(days=2))
    assert len(smtp_server.messages) == 1
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.period_start, delivery.period_end) == (
        DeliveryStatus.SENT, 1, WEEK_START, WEEK_END)  # fmt: skip

    message = smtp_server.messages[0]
    assert message["To"] == admin.email
    assert message["Subject"] == "Coaching time, District A, week of November 23, 2026"
    figures = snapshot_for(Scope(ScopeKind.DISTRICT, tenant_a.district.pk), Period.custom(WEEK_START, WEEK_END)).figures
    assert (figures["total_hours"], figures["entries"], figures["teachers_reached"]) == ("2.58", 3, 1)
    text, html = bodies(message)
    assert f"Total hours: {figures['total_hours']}" in text
    assert "Entries: 3" in text
    assert "Teachers reached: 1" in text
    top = figures["by_activity"]
    assert [a["name"] for a in top] == ["Coaching Cycles", "Observation or Feedback", "Substituting"]
    for row in top:
        assert f"{row['name']}: {row['hours']} h ({row['share']}%)" in text
        assert row["hours"] in html
        assert f"{row['share']}%" in html
    for side in figures["balance"]:
        assert f"{side['hours']} h ({side['share']}%)" in text
    assert figures["non_coaching_flag"]
    assert f"Non-coaching duties: {figures['non_coaching_share']}%, ABOVE" in text
    contract = figures["contracts"][0]
    assert f"District A, Program A, {contract['school_year']}: {contract['used']} of 60 days used" in text
    assert "ZEBRA" not in text
    assert "District B" not in text

    pdf = the_pdf(message)
    assert pdf.startswith(b"%PDF")
    assert figures["total_hours"] in pdf_text(pdf, tmp_path)

    report = re.search(r"http://127\.0\.0\.1:8000(/reports/\?\S+)", text).group(1)
    client.force_login(admin)
    assert client.get(report).status_code == 200
    client.logout()

    link = re.search(r"Unsubscribe from this report:\s+(\S+)", text).group(1)
    assert message["List-Unsubscribe"].strip() == f"<{link}>"
    assert link in html
    path = urlsplit(link).path
    page = client.get(path)
    assert page.status_code == 200
    assert b"Stop this report by email?" in page.content
    assert Subscription.objects.get(pk=sub.pk).active  # a GET only asks
    done = client.post(path)
    assert done.status_code == 200
    assert b"no longer receive the weekly report of District A" in done.content
    assert not Subscription.objects.get(pk=sub.pk).active
    assert AuditEvent.objects.filter(object_type="subscription", object_ref=str(sub.pk),
                                     actor_label__contains="by the unsubscribe link").exists()  # fmt: skip
    services.deliveries_send_due(now=monday + dt.timedelta(days=7))
    assert len(smtp_server.messages) == 1
    assert client.get(reverse("subscriptions:unsubscribe", args=["x" * 43])).status_code == 404


@pytest.mark.django_db
def test_a_directors_monthly_program_report_covers_the_past_finished_month(smtp_server, tenant_a, tmp_path):
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=dt.date(2026, 11, 2), minutes=60)
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=dt.date(2026, 11, 30), minutes=75)
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=dt.date(2026, 10, 30), minutes=500)
    director = tenant_a.director
    # Subscribed once October's email was due: November's is the first.
    subscribe(
        director, Scope(ScopeKind.PROGRAM, tenant_a.program.pk), Frequency.MONTHLY, since=at(dt.date(2026, 11, 9))
    )
    services.deliveries_send_due(now=at(dt.date(2026, 11, 30), 23))  # November has not ended
    assert smtp_server.messages == []
    services.deliveries_send_due(now=at(dt.date(2026, 12, 1)))
    services.deliveries_send_due(now=at(dt.date(2026, 12, 15)))
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["Subject"] == "Coaching time, Program A, November 2026"
    figures = snapshot_for(Scope(ScopeKind.PROGRAM, tenant_a.program.pk), Period.month(2026, 11)).figures
    assert figures["total_hours"] == "2.25"
    text, _html = bodies(message)
    assert "Total hours: 2.25" in text
    assert "Entries: 2" in text
    assert "2.25" in pdf_text(the_pdf(message), tmp_path)
    assert Delivery.objects.get().period_label == "November 2026"


@pytest.mark.django_db
def test_a_district_served_by_two_programs_narrowed_to_the_directors_program(smtp_server, tenant_a, tenant_b):
    """A director subscribed to a district another program serves too receives their own program's time only."""
    ContractFactory(program=tenant_b.program, district=tenant_a.district)
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=dt.date(2026, 11, 10), minutes=60)
    LogEntryFactory(coach=tenant_b.coach, district=tenant_a.district, date=dt.date(2026, 11, 10), minutes=240)
    scope = Scope(ScopeKind.DISTRICT, tenant_a.district.pk, program=tenant_a.program.pk)
    subscribe(tenant_a.director, scope, Frequency.MONTHLY)
    subscribe(tenant_a.district_admin, Scope(ScopeKind.DISTRICT, tenant_a.district.pk), Frequency.MONTHLY)
    services.deliveries_send_due(now=at(dt.date(2026, 12, 1)))
    got = {m["To"]: bodies(m)[0] for m in smtp_server.messages}
    assert "Total hours: 1.00" in got[tenant_a.director.email]
    assert "Program B" not in got[tenant_a.director.email]
    assert "Total hours: 5.00" in got[tenant_a.district_admin.email]  # every program serving the district


@pytest.mark.django_db
def test_smtp_down_the_delivery_fails_visibly_is_retried_and_sent_once_when_the_server_is_back(
    client, settings, smtp_server, tenant_a
):
    week_of_entries(tenant_a)
    admin = tenant_a.district_admin
    subscribe(admin, Scope(ScopeKind.DISTRICT, tenant_a.district.pk), Frequency.WEEKLY)
    settings.EMAIL_PORT = closed_port()
    monday = at(WEEK_END + dt.timedelta(days=1))
    assert services.deliveries_send_due(now=monday) == {"failed": 1}
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 1
    assert "ConnectionRefusedError" in delivery.last_error
    assert delivery.next_attempt_at == monday + dt.timedelta(minutes=5)
    assert services.deliveries_send_due(now=monday + dt.timedelta(minutes=1)) == {}  # not yet due: not tried
    assert Delivery.objects.get().attempts == 1

    client.force_login(admin)
    page = client.get(reverse("subscriptions:settings")).content.decode()
    assert "Failed" in page
    assert "ConnectionRefusedError" in page
    assert "Send again" in page

    settings.EMAIL_PORT = smtp_server.port  # the mail server is back
    assert services.deliveries_send_due(now=monday + dt.timedelta(minutes=6)) == {"sent": 1}
    assert services.deliveries_send_due(now=monday + dt.timedelta(minutes=12)) == {}
    assert len(smtp_server.messages) == 1
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.SENT, 2, "")


@pytest.mark.django_db
def test_after_the_last_try_a_failed_delivery_stays_listed_and_send_again_sends_it(
    client, settings, smtp_server, tenant_a
):
    week_of_entries(tenant_a)
    admin = tenant_a.district_admin
    subscribe(admin, Scope(ScopeKind.DISTRICT, tenant_a.district.pk), Frequency.WEEKLY)
    settings.EMAIL_PORT = closed_port()
    now = at(WEEK_END + dt.timedelta(days=1))
    for wait in (*services.RETRY_BACKOFF, None):
        assert services.deliveries_send_due(now=now) == {"failed": 1}
        if wait:
            now += wait
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (DeliveryStatus.FAILED, 5, None)
    assert services.deliveries_send_due(now=now + dt.timedelta(days=3)) == {}
    client.force_login(admin)
    assert "no more tries on its own" in client.get(reverse("subscriptions:settings")).content.decode()

    settings.EMAIL_PORT = smtp_server.port
    response = client.post(reverse("subscriptions:delivery_retry", args=[delivery.pk]), follow=True)
    assert "Sent: Week of Nov 23, 2026" in response.content.decode()
    assert Delivery.objects.get().status == DeliveryStatus.SENT
    assert len(smtp_server.messages) == 1
    # A sent one cannot be sent again.
    client.post(reverse("subscriptions:delivery_retry", args=[delivery.pk]))
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db
def test_an_administrator_removed_from_the_district_receives_nothing_more_and_the_delivery_says_why(
    client, smtp_server, tenant_a
):
    week_of_entries(tenant_a)
    admin = tenant_a.district_admin
    subscribe(admin, Scope(ScopeKind.DISTRICT, tenant_a.district.pk), Frequency.WEEKLY)
    admin.administered_districts.remove(tenant_a.district)
    services.deliveries_send_due(now=at(WEEK_END + dt.timedelta(days=1)))
    assert smtp_server.messages == []
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.STOPPED
    assert "may no longer see the report of District A" in delivery.last_error
    client.force_login(admin)
    assert (
        "may no longer see the report of District A" in client.get(reverse("subscriptions:settings")).content.decode()
    )


@pytest.mark.django_db
def test_a_subscription_made_after_the_period_was_due_waits_for_the_next_one(smtp_server, tenant_a):
    week_of_entries(tenant_a)
    monday = at(WEEK_END + dt.timedelta(days=1))
    subscribe(tenant_a.district_admin, Scope(ScopeKind.DISTRICT, tenant_a.district.pk), Frequency.WEEKLY,
              since=monday + dt.timedelta(hours=3))  # fmt: skip
    services.deliveries_send_due(now=monday + dt.timedelta(hours=4))
    assert smtp_server.messages == []
    services.deliveries_send_due(now=monday + dt.timedelta(days=7))
    assert [m["Subject"] for m in smtp_server.messages] == ["Coaching time, District A, week of November 30, 2026"]


@pytest.mark.django_db
@pytest.mark.parametrize("subscribers", [3, 30])
def test_the_due_deliveries_are_written_in_three_queries_for_3_or_30(tenant_a, subscribers, django_assert_num_queries):
    admins = UserFactory.create_batch(subscribers, role=Role.DISTRICT_ADMIN)
    Subscription.objects.bulk_create(
        Subscription(user=admin, scope_kind=ScopeKind.DISTRICT, scope_id=tenant_a.district.pk, scope_name="District A",
                     frequency=Frequency.WEEKLY if i % 2 else Frequency.MONTHLY)
        for i, admin in enumerate(admins)
    )  # fmt: skip
    Subscription.objects.update(created_at=at(dt.date(2026, 10, 1)))
    monday = at(dt.date(2026, 12, 7))  # the week of Nov 30 and the month of November are both due
    with django_assert_num_queries(3):
        assert services.deliveries_create_due(now=monday) == subscribers
    with django_assert_num_queries(2):  # the beat again: nothing more to write
        assert services.deliveries_create_due(now=monday) == 0
    assert Delivery.objects.filter(period_start=dt.date(2026, 11, 30)).count() == subscribers // 2
    assert Delivery.objects.filter(period_start=dt.date(2026, 11, 1)).count() == subscribers - subscribers // 2


@pytest.mark.django_db
def test_a_coach_in_two_districts_counts_in_each_districts_email_only_there(smtp_server, tenant_a):
    other = DistrictFactory(name="District C")
    ContractFactory(program=tenant_a.program, district=other)
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=dt.date(2026, 11, 3), minutes=30)
    LogEntryFactory(coach=tenant_a.coach, district=other, date=dt.date(2026, 11, 3), minutes=120)
    subscribe(tenant_a.district_admin, Scope(ScopeKind.DISTRICT, tenant_a.district.pk), Frequency.MONTHLY)
    subscribe(tenant_a.director, Scope(ScopeKind.PROGRAM, tenant_a.program.pk), Frequency.MONTHLY)
    services.deliveries_send_due(now=at(dt.date(2026, 12, 1)))
    got = {m["To"]: bodies(m)[0] for m in smtp_server.messages}
    assert "Total hours: 0.50" in got[tenant_a.district_admin.email]
    assert "Total hours: 2.50" in got[tenant_a.director.email]


@pytest.mark.django_db
def test_an_empty_program_gets_an_email_that_says_so(smtp_server, tenant_a):
    empty = CoachFactory().program  # a program with a coach and no time at all
    empty.directors.add(tenant_a.director)
    subscribe(tenant_a.director, Scope(ScopeKind.PROGRAM, empty.pk), Frequency.MONTHLY)
    services.deliveries_send_due(now=at(dt.date(2026, 12, 1)))
    text, _ = bodies(smtp_server.messages[0])
    assert "Total hours: 0.00" in text
    assert "Nothing was logged in this period." in text


@pytest.mark.django_db
def test_the_email_gives_the_plan_lines_furthest_off_and_the_impact_as_the_report_does(smtp_server, tenant_a):
    from cycles.models import Cycle
    from reports.models import PlanLineKind, TimePlan, TimePlanLine
    from reports.tests.test_impact import make_cycle

    november = dt.date(2026, 11, 1)
    plan = TimePlan.objects.create(program=tenant_a.program, starts_on=dt.date(2026, 7, 1))
    TimePlanLine.objects.create(plan=plan, name="Coaching cycles", share=60).activities.add(activity("Coaching Cycles"))
    duties = TimePlanLine.objects.create(plan=plan, name="Duties", share=10, kind=PlanLineKind.AT_MOST)
    duties.activities.add(activity("Substituting"))
    for day, minutes, name in ((2, 120, "Coaching Cycles"), (3, 60, "Substituting"), (4, 60, "Co-Planning")):
        LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=november.replace(day=day),
                        minutes=minutes, activity=activity(name))  # fmt: skip
    for i in range(5):  # five shared, measured cycles: enough for the impact to be shown
        make_cycle(tenant_a, started=dt.date(2026, 9, 1 + i), baseline=20, target=60,
                   measures=[(dt.date(2026, 11, 10), 40)], met_on=dt.date(2026, 11, 20) if i < 2 else None,
                   title=f"c{i}")  # fmt: skip
    assert Cycle.objects.count() == 5
    subscribe(tenant_a.director, Scope(ScopeKind.PROGRAM, tenant_a.program.pk), Frequency.MONTHLY,
              since=at(dt.date(2026, 11, 9)))  # fmt: skip
    services.deliveries_send_due(now=at(dt.date(2026, 12, 1)))
    assert len(smtp_server.messages) == 1
    text, html = bodies(smtp_server.messages[0])

    figures = snapshot_for(Scope(ScopeKind.PROGRAM, tenant_a.program.pk), Period.month(2026, 11)).figures
    plan_figures, impact = figures["plan"], figures["impact"]
    # 2 h of 4 on cycles (50% against 60%), 1 h on duties (25% against at most 10%).
    lines = {line["name"]: line for line in plan_figures["lines"]}
    assert (lines["Duties"]["actual_share"], lines["Duties"]["variance"]) == (25.0, 15.0)
    assert (lines["Coaching cycles"]["actual_share"], lines["Coaching cycles"]["variance"]) == (50.0, -10.0)
    assert plan_figures["non_coaching_exceeded"] is True
    assert f"Against the agreed plan: {plan_figures['distance']} points off in all; non-coaching duties ABOVE" in text
    assert "  Duties: 25.0% against at most 10.0% planned (+15.0 points), over its ceiling" in text
    assert "  Coaching cycles: 50.0% against 60.0% planned (-10.0 points)" in text
    assert text.index("  Duties:") < text.index("  Coaching cycles:")  # furthest off first
    assert "+15.0 pts" in html

    total = impact["total"]
    assert (total["cycles"], total["growth"], total["goals_met"]) == (5, 50.0, 2)
    assert "Impact of coaching cycles: 5 cycles measured, average growth toward target 50.0%, 2 goals met" in text
    assert "Counts only cycles teachers shared." in text
    assert "<b>50.0%</b>" in html


@pytest.mark.django_db
def test_an_email_for_fewer_than_five_cycles_shows_no_impact_figure(smtp_server, tenant_a):
    from reports.tests.test_impact import make_cycle

    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=dt.date(2026, 11, 2), minutes=60)
    for i in range(4):
        make_cycle(tenant_a, started=dt.date(2026, 9, 1 + i), baseline=20, target=60,
                   measures=[(dt.date(2026, 11, 10), 40 + i)], title=f"c{i}")  # fmt: skip
    subscribe(tenant_a.district_admin, Scope(ScopeKind.DISTRICT, tenant_a.district.pk), Frequency.MONTHLY,
              since=at(dt.date(2026, 11, 9)))  # fmt: skip
    services.deliveries_send_due(now=at(dt.date(2026, 12, 1)))
    text, html = bodies(smtp_server.messages[0])
    assert "Impact of coaching cycles: fewer than 5 cycles, not shown." in text
    assert "growth" not in text
    assert "Fewer than 5 cycles: not shown." in html
    assert "Against the agreed plan" not in text  # no plan recorded
