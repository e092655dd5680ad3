"""Activities and focus areas (the program's own: add, rename, reorder, retire, restore; the
shared ones read-only), the non-coaching threshold, and the set-up history."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coaching.models import Activity, ActivityKind, Balance, FocusArea
from coaching.tests.factories import LogEntryFactory, activity
from reports.builder import build_figures
from reports.scopes import Period, Scope, ScopeKind
from teachers.audit import audit_record
from teachers.models import AuditAction, AuditEvent
from toolkit.schoolyear import school_year_of

pytestmark = pytest.mark.django_db


def add(client, name: str, **extra: str) -> object:
    return client.post(reverse("programs:activity_add"), {"name": name, "kind": ActivityKind.COACHING,
                                                         "balance": Balance.OUTPUT, **extra})  # fmt: skip


def test_a_director_adds_renames_and_reorders_the_programs_activities(client, tenant_a):
    client.force_login(tenant_a.director)
    for name in ("Lesson Study", "Walkthroughs", "Book Club"):
        assert add(client, name).status_code == 302
    first, second, third = Activity.objects.filter(program=tenant_a.program).order_by("position")
    assert [first.name, second.name, third.name] == ["Lesson Study", "Walkthroughs", "Book Club"]
    client.post(reverse("programs:activity_move", args=[third.pk]), {"direction": "up"})
    client.post(reverse("programs:activity_move", args=[first.pk]), {"direction": "up"})  # first already: nothing
    names = list(Activity.objects.filter(program=tenant_a.program).order_by("position").values_list("name", flat=True))
    assert names == ["Lesson Study", "Book Club", "Walkthroughs"]
    page = client.get(reverse("programs:activities")).content.decode()
    page = page.split('<h2 class="h5">Your program')[1]
    assert page.index("Lesson Study") < page.index("Book Club") < page.index("Walkthroughs")
    assert "Move Book Club up" in page  # the buttons say what they do to a screen reader
    assert (
        client.post(
            reverse("programs:activity_edit", args=[second.pk]), {"name": "Learning Walks", "balance": Balance.INPUT}
        ).status_code
        == 302
    )
    second.refresh_from_db()
    assert (second.name, second.balance) == ("Learning Walks", Balance.INPUT)
    assert (
        AuditEvent.objects.filter(program_id=tenant_a.program.pk, object_type="activity").count() == 5
    )  # a move that moves nothing is not one


def test_a_name_already_used_or_a_missing_side_is_a_form_error(client, tenant_a):
    client.force_login(tenant_a.director)
    shared = add(client, "coaching cycles")
    assert shared.status_code == 400
    assert "already a shared activity of this name" in shared.content.decode()
    no_side = add(client, "Lesson Study", balance="")
    assert no_side.status_code == 400
    assert "input or the output side" in no_side.content.decode()
    assert 'value="Lesson Study"' in no_side.content.decode()
    duty = add(client, "Bus duty", kind=ActivityKind.NON_COACHING, balance="")
    assert duty.status_code == 302
    assert Activity.objects.get(name="Bus duty").balance == ""


def test_a_retired_activity_leaves_the_log_form_but_past_reports_keep_its_minutes(client, tenant_a):
    client.force_login(tenant_a.director)
    add(client, "Lesson Study")
    own = Activity.objects.get(name="Lesson Study")
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, activity=own, minutes=75)
    coach = Client()
    coach.force_login(tenant_a.coach.user)
    assert client.post(reverse("programs:activity_active", args=[own.pk]), {"active": "0"}).status_code == 302
    own.refresh_from_db()
    assert own.active is False
    assert "Lesson Study" not in coach.get(reverse("coaching:entry_add")).content.decode()
    today = timezone.localdate()
    figures = build_figures(Scope(ScopeKind.PROGRAM, tenant_a.program.pk, "p"),
                            Period.school_year(school_year_of(today)), today=today)  # fmt: skip
    assert {r["name"]: r["minutes"] for r in figures["by_activity"]}["Lesson Study"] == 75
    client.post(reverse("programs:activity_active", args=[own.pk]), {"active": "1"})
    assert "Lesson Study" in coach.get(reverse("coaching:entry_add")).content.decode()


def test_built_in_and_other_programs_items_are_read_only(client, tenant_a, tenant_b):
    builtin = activity()
    theirs = FocusArea.objects.create(program=tenant_b.program, name="Their focus")
    client.force_login(tenant_a.director)
    page = client.get(reverse("programs:activities")).content.decode()
    assert builtin.name in page
    assert "shared" in page
    assert client.post(reverse("programs:activity_edit", args=[builtin.pk]), {"name": "Hacked"}).status_code == 404
    assert client.post(reverse("programs:activity_active", args=[builtin.pk]), {"active": "0"}).status_code == 404
    assert client.post(reverse("programs:focus_area_move", args=[theirs.pk]), {"direction": "up"}).status_code == 404
    builtin.refresh_from_db()
    assert (builtin.name, builtin.active) == ("Coaching Cycles", True)


def test_focus_areas_are_added_renamed_and_retired(client, tenant_a):
    client.force_login(tenant_a.director)
    assert client.post(reverse("programs:focus_area_add"), {"name": "Early numeracy"}).status_code == 302
    area = FocusArea.objects.get(program=tenant_a.program)
    client.post(reverse("programs:focus_area_edit", args=[area.pk]), {"name": "Early math"})
    client.post(reverse("programs:focus_area_active", args=[area.pk]), {"active": "0"})
    area.refresh_from_db()
    assert (area.name, area.active) == ("Early math", False)
    assert "Retired" in client.get(reverse("programs:focus_areas")).content.decode()


@pytest.mark.parametrize(("value", "message"), [("101", "Enter a percentage from 0 to 100."),
                                                ("-1", "Enter a percentage from 0 to 100."),
                                                ("ten", "Enter a whole number.")])  # fmt: skip
def test_the_threshold_is_0_to_100_with_a_clear_error(client, tenant_a, value, message):
    client.force_login(tenant_a.director)
    response = client.post(reverse("programs:threshold"), {"threshold": value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert f'value="{value}"' in response.content.decode()
    tenant_a.program.refresh_from_db()
    assert tenant_a.program.non_coaching_threshold == 10


def test_the_threshold_is_saved_and_audited(client, tenant_a):
    client.force_login(tenant_a.director)
    assert client.post(reverse("programs:threshold"), {"threshold": "25", "standards_lens": "on"}).status_code == 302
    tenant_a.program.refresh_from_db()
    assert tenant_a.program.non_coaching_threshold == 25
    assert AuditEvent.objects.get(program_id=tenant_a.program.pk).detail == \
        "changed the non-coaching threshold from 10% to 25%"  # fmt: skip
    assert "above 25%" in client.get(reverse("programs:setup")).content.decode()


def test_the_history_shows_the_programs_events_only_a_page_at_a_time(client, tenant_a, tenant_b):
    for i in range(55):
        audit_record(action=AuditAction.SETUP_CHANGE, program=tenant_a.program.pk, detail=f"change number {i}")
    audit_record(action=AuditAction.SETUP_CHANGE, program=tenant_b.program.pk, detail="the other program's change")
    client.force_login(tenant_a.director)
    first = client.get(reverse("programs:history"))
    page = first.content.decode()
    assert "change number 54" in page
    assert "change number 4<" not in page
    assert "other program" not in page
    assert "Page 1 of 2" in page
    second = client.get(reverse("programs:history"), {"page": 2}).content.decode()
    assert "change number 4<" in second


@pytest.mark.parametrize("n", [3, 30])
def test_the_activity_list_costs_the_same_queries_for_3_or_30(client, tenant_a, n, django_assert_max_num_queries):
    for i in range(n):
        Activity.objects.create(program=tenant_a.program, name=f"Own {i}", balance=Balance.INPUT, position=i)
    client.force_login(tenant_a.director)
    with django_assert_max_num_queries(11):
        assert client.get(reverse("programs:activities")).status_code == 200
    with django_assert_max_num_queries(17):
        assert client.get(reverse("programs:setup")).status_code == 200
