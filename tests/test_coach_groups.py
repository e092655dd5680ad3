"""Coaching the coaches: groups of three to six coaches formed by a director, whose meeting notes,
shared goals and reflections stay inside the group, and the coach's own learning time in the log."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from coaching.models import Activity, Balance, Coach
from coaching.tests.factories import CoachFactory, activity, focus_area
from cycles.models import Reflection
from learning import services
from learning import services as learning
from learning.models import AgendaItem, CoachGoal, CoachGroup, GroupMeeting
from reports.builder import build_figures
from reports.models import ScopeKind
from reports.scopes import Period, Scope
from teachers.models import Role
from teachers.tests.factories import UserFactory
from toolkit.schoolyear import school_year_of

pytestmark = pytest.mark.django_db

NOTES = "GROUP-ONLY-NOTE: role-played a hard feedback conversation"
SHARED_GOAL = "Ask more questions than I answer in every coaching conversation"
PRIVATE_GOAL = "PRIVATE-GOAL: stop checking email during observations"
RULE = "A coach group has 3 to 6 coaches"


def coaches_of(tenant, n: int) -> list[Coach]:
    """Tenant's own coach first, then n - 1 new coaches of the same program."""
    extra = [CoachFactory(program=tenant.program, user=UserFactory(role=Role.COACH)) for _ in range(n - 1)]
    return [tenant.coach, *extra]


@pytest.fixture
def lead(tenant_a) -> Coach:
    """A lead coach of program A who facilitates but is not a member."""
    return CoachFactory(program=tenant_a.program, user=UserFactory(username="lead_A", role=Role.COACH))


@pytest.fixture
def members(tenant_a) -> list[Coach]:
    return coaches_of(tenant_a, 4)


@pytest.fixture
def group(tenant_a, members, lead) -> CoachGroup:
    return learning.coach_group_form(
        program=tenant_a.program,
        name="Tuesday circle",
        facilitator=lead.user,
        members=members,
        cadence="every other Tuesday, 3:30",
    )


@pytest.fixture
def meeting(group, members) -> GroupMeeting:
    return learning.group_meeting_record(
        group=group, date=timezone.localdate(), agenda=[AgendaItem.ROLE_PLAY], attendees=members[:3], notes=NOTES
    )


def group_url(group: CoachGroup) -> str:
    return reverse("learning:group", args=[group.pk])


def form_data(tenant, members, facilitator=None, name="Tuesday circle") -> dict:
    return {
        "name": name,
        "facilitator": (facilitator or tenant.director).pk,
        "members": [m.pk for m in members],
        "cadence": "every other Tuesday",
    }


# ---------------------------------------------------------------------------- forming a group


@pytest.mark.parametrize("size", [2, 7])
def test_the_service_refuses_a_group_outside_three_to_six_coaches(tenant_a, size):
    with pytest.raises(ValidationError) as caught:
        learning.coach_group_form(
            program=tenant_a.program,
            name="Too small or big",
            facilitator=tenant_a.director,
            members=coaches_of(tenant_a, size),
            cadence="weekly",
        )
    assert caught.value.message_dict == {"members": [f"{RULE}; you chose {size}."]}
    assert not CoachGroup.objects.exists()


@pytest.mark.parametrize("size", [2, 7])
def test_the_form_page_refuses_a_group_outside_three_to_six_with_the_rule(client, tenant_a, size):
    members = coaches_of(tenant_a, size)
    client.force_login(tenant_a.director)
    response = client.post(reverse("learning:group_new"), form_data(tenant_a, members))
    assert response.status_code == 200
    assert response.context["form"].errors["members"] == [f"{RULE}; you chose {size}."]
    assert f"{RULE}; you chose {size}." in response.content.decode()
    assert not CoachGroup.objects.exists()


@pytest.mark.parametrize("size", [3, 6])
def test_a_director_forms_a_group_of_three_or_six(client, tenant_a, size):
    members = coaches_of(tenant_a, size)
    client.force_login(tenant_a.director)
    response = client.post(reverse("learning:group_new"), form_data(tenant_a, members))
    group = CoachGroup.objects.get()
    assert response.status_code == 302
    assert response["Location"] == group_url(group)
    assert (group.program, group.facilitator, group.name) == (tenant_a.program, tenant_a.director, "Tuesday circle")
    assert set(group.members.all()) == set(members)


def test_members_must_be_coaches_of_the_program(client, tenant_a, tenant_b):
    outsiders = [*coaches_of(tenant_a, 2), tenant_b.coach]
    with pytest.raises(ValidationError) as caught:
        learning.coach_group_form(
            program=tenant_a.program, name="Mixed", facilitator=tenant_a.director, members=outsiders, cadence="weekly"
        )
    assert caught.value.message_dict == {"members": ["Every member must be a coach of this program."]}

    client.force_login(tenant_a.director)
    response = client.post(reverse("learning:group_new"), form_data(tenant_a, outsiders))
    assert response.status_code == 200
    assert "Select a valid choice" in response.context["form"].errors["members"][0]
    assert not CoachGroup.objects.exists()


def test_only_directors_form_groups(client, tenant_a):
    members = coaches_of(tenant_a, 3)
    client.force_login(tenant_a.coach.user)
    assert client.get(reverse("learning:group_new")).status_code == 403
    assert client.post(reverse("learning:group_new"), form_data(tenant_a, members)).status_code == 403
    assert client.get(reverse("learning:groups")).context["may_form"] is False
    client.force_login(tenant_a.teacher.user)
    assert client.get(reverse("learning:group_new")).status_code == 403
    assert not CoachGroup.objects.exists()


# ---------------------------------------------------------------------------- who reads what


def test_members_read_the_groups_notes_and_shared_goals(client, group, meeting, members):
    learning.coach_goal_set(coach=members[1], statement=SHARED_GOAL, group=group, shared_with_group=True)
    client.force_login(members[0].user)
    response = client.get(group_url(group))
    body = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response.context["member_view"] is True
    assert response.context["meetings"] == [meeting]
    assert NOTES in body
    assert SHARED_GOAL in body


def test_the_facilitator_reads_the_groups_notes_too(client, group, meeting, lead):
    client.force_login(lead.user)
    response = client.get(group_url(group))
    assert response.context["member_view"] is True
    assert NOTES in response.content.decode()


def test_the_director_who_does_not_facilitate_sees_membership_only(client, tenant_a, group, meeting, members):
    learning.coach_goal_set(coach=members[1], statement=SHARED_GOAL, group=group, shared_with_group=True)
    client.force_login(tenant_a.director)
    response = client.get(group_url(group))
    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["member_view"] is False
    assert (response.context["meetings"], response.context["goals"], response.context["goals_met"]) == ([], [], [])
    assert set(response.context["members"]) == set(members)
    assert all(escape(m.user.display_name) in body for m in members)
    assert NOTES not in body
    assert SHARED_GOAL not in body


def test_a_group_is_not_found_for_another_programs_coach_or_director(client, tenant_b, group, meeting):
    for outsider in (tenant_b.coach.user, tenant_b.director):
        client.force_login(outsider)
        assert client.get(group_url(group)).status_code == 404
        assert client.get(reverse("learning:meeting_new", args=[group.pk])).status_code == 404


def test_a_coach_of_the_same_program_outside_the_group_gets_404(client, tenant_a, group, meeting):
    outsider = CoachFactory(program=tenant_a.program, user=UserFactory(username="outside_A", role=Role.COACH))
    client.force_login(outsider.user)
    assert client.get(group_url(group)).status_code == 404


# ---------------------------------------------------------------------------- meetings


def test_a_member_records_a_meeting(client, group, members):
    client.force_login(members[0].user)
    today = timezone.localdate()
    response = client.post(
        reverse("learning:meeting_new", args=[group.pk]),
        {
            "date": today.isoformat(),
            "agenda": [AgendaItem.EXPERIENCE, AgendaItem.FEEDBACK],
            "attendees": [m.pk for m in members[:3]],
            "notes": NOTES,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == group_url(group)
    meeting = GroupMeeting.objects.get()
    assert (meeting.group, meeting.date, meeting.notes) == (group, today, NOTES)
    assert meeting.agenda == [AgendaItem.EXPERIENCE, AgendaItem.FEEDBACK]
    assert set(meeting.attendees.all()) == set(members[:3])


def test_a_non_member_cannot_record_a_meeting(client, tenant_a, group):
    client.force_login(tenant_a.director)  # sees the group, is not in it
    url = reverse("learning:meeting_new", args=[group.pk])
    assert client.get(url).status_code == 403
    data = {"date": timezone.localdate().isoformat(), "agenda": [AgendaItem.GOALS], "notes": "x"}
    assert client.post(url, data).status_code == 403
    assert not GroupMeeting.objects.exists()


def test_meeting_attendees_must_be_members(client, tenant_a, group, members):
    outsider = CoachFactory(program=tenant_a.program)
    with pytest.raises(ValidationError) as caught:
        learning.group_meeting_record(
            group=group, date=timezone.localdate(), agenda=[AgendaItem.GOALS], attendees=[members[0], outsider]
        )
    assert caught.value.message_dict == {"attendees": ["Only the group's members can attend its meetings."]}

    client.force_login(members[0].user)
    response = client.post(
        reverse("learning:meeting_new", args=[group.pk]),
        {
            "date": timezone.localdate().isoformat(),
            "agenda": [AgendaItem.GOALS],
            "attendees": [members[0].pk, outsider.pk],
        },
    )
    assert response.status_code == 200
    assert "attendees" in response.context["form"].errors
    assert not GroupMeeting.objects.exists()


# ---------------------------------------------------------------------------- coaches' own goals


def test_a_private_goal_never_reaches_the_other_members(client, group, members):
    learning.coach_goal_set(coach=members[0], statement=PRIVATE_GOAL, group=group, shared_with_group=False)
    learning.coach_goal_set(coach=members[0], statement=SHARED_GOAL, group=group, shared_with_group=True)
    client.force_login(members[1].user)
    response = client.get(group_url(group))
    body = response.content.decode()
    assert [g.statement for g in response.context["goals"]] == [SHARED_GOAL]
    assert SHARED_GOAL in body
    assert PRIVATE_GOAL not in body
    client.force_login(members[0].user)  # its owner still sees it, marked private
    own = client.get(group_url(group))
    assert PRIVATE_GOAL in own.content.decode()
    assert {g.statement for g in own.context["my_goals"]} == {PRIVATE_GOAL, SHARED_GOAL}


def test_a_goal_written_on_the_goal_page_is_shared_only_when_the_coach_chooses(client, group, members):
    client.force_login(members[0].user)
    response = client.post(
        reverse("learning:coach_goal_new"),
        {"statement": SHARED_GOAL, "shared_with_group": "on", "powerful": "on", "easy": "on"},
    )
    assert response.status_code == 302
    assert response["Location"] == group_url(group)
    client.post(reverse("learning:coach_goal_new"), {"statement": PRIVATE_GOAL})
    shared, private = CoachGoal.objects.get(statement=SHARED_GOAL), CoachGoal.objects.get(statement=PRIVATE_GOAL)
    assert (shared.group, shared.shared_with_group, shared.powerful) == (group, True, True)
    assert (private.group, private.shared_with_group) == (None, False)
    client.force_login(members[2].user)
    body = client.get(group_url(group)).content.decode()
    assert SHARED_GOAL in body
    assert PRIVATE_GOAL not in body


def test_a_goal_marked_met_is_celebrated_on_the_group_page(client, group, members):
    goal = learning.coach_goal_set(coach=members[0], statement=SHARED_GOAL, group=group, shared_with_group=True)
    client.force_login(members[0].user)
    response = client.post(
        reverse("learning:coach_goal_note", args=[goal.pk]), {"note": "Counted: 14 to 5", "met": "on"}
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.met_on == timezone.localdate()
    assert [n.note for n in goal.notes.all()] == ["Counted: 14 to 5"]
    client.force_login(members[1].user)
    page = client.get(group_url(group))
    assert page.context["goals_met"] == [goal]
    body = page.content.decode()
    assert "Celebrate!" in body
    assert "Counted: 14 to 5" in body


def test_an_unmet_goal_is_not_celebrated(client, group, members):
    goal = learning.coach_goal_set(coach=members[0], statement=SHARED_GOAL, group=group, shared_with_group=True)
    learning.coach_goal_note(goal=goal, note="Halfway there")
    client.force_login(members[1].user)
    page = client.get(group_url(group))
    assert page.context["goals_met"] == []
    assert "Celebrate!" not in page.content.decode()


def test_a_coach_cannot_note_progress_on_someone_elses_goal(client, group, members):
    goal = learning.coach_goal_set(coach=members[0], statement=SHARED_GOAL, group=group, shared_with_group=True)
    client.force_login(members[1].user)
    response = client.post(reverse("learning:coach_goal_note", args=[goal.pk]), {"note": "Done!", "met": "on"})
    assert response.status_code == 404
    goal.refresh_from_db()
    assert goal.met_on is None
    assert not goal.notes.exists()


# ---------------------------------------------------------------------------- meeting reflections


def test_a_member_reflects_on_a_meeting_privately(client, group, meeting, members, lead):
    client.force_login(members[0].user)
    url = reverse("cycles:meeting_reflect", args=[meeting.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"what_happened": "I talked less", "what_next": "Wait longer", "confidence": "3"})
    assert response.status_code == 302
    assert response["Location"] == group_url(group)
    reflection = Reflection.objects.get()
    assert (reflection.group_meeting, reflection.author) == (meeting, members[0].user)
    assert (reflection.teacher, reflection.cycle, reflection.pd_session) == (None, None, None)
    assert reflection.confidence == 3
    reflection_url = reverse("cycles:reflection", args=[reflection.public_id])
    assert client.get(reflection_url).status_code == 200
    for other in (members[1].user, lead.user, group.program.directors.get()):
        client.force_login(other)
        assert client.get(reflection_url).status_code == 404, other.username


def test_another_groups_coach_cannot_reflect_on_the_meeting(client, tenant_a, group, meeting):
    others = [CoachFactory(program=tenant_a.program) for _ in range(3)]
    learning.coach_group_form(
        program=tenant_a.program,
        name="Thursday circle",
        facilitator=tenant_a.director,
        members=others,
        cadence="Thursdays",
    )
    client.force_login(others[0].user)
    url = reverse("cycles:meeting_reflect", args=[meeting.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"what_happened": "Not my meeting"}).status_code == 404
    assert not Reflection.objects.exists()


# ---------------------------------------------------------------------------- a coach's own learning time


@pytest.mark.parametrize("name", ["Continuous Learning", "Coach Group Meeting"])
def test_the_coachs_own_learning_is_a_built_in_input_activity(name):
    found = activity(name)
    assert (found.program, found.kind, found.balance, found.active) == (None, "coaching", Balance.INPUT, True)


def test_learning_time_counts_on_the_input_side_of_the_coachs_balance(tenant_a):
    today = timezone.localdate()
    coach = tenant_a.coach
    for name, minutes in (("Continuous Learning", 60), ("Coach Group Meeting", 90), ("Coaching Cycles", 30)):
        services.entry_log(
            coach=coach,
            date=today,
            minutes=minutes,
            district=tenant_a.district,
            activity=activity(name),
            focus_area=focus_area("Math"),
        )
    assert Activity.objects.filter(entries__coach=coach).distinct().count() == 3
    period = Period.school_year(school_year_of(today))
    figures = build_figures(Scope(ScopeKind.COACH, coach.pk), period, today=today)
    balance = {b["name"]: b["minutes"] for b in figures["balance"]}
    assert balance == {"output": 30, "input": 150, "non_coaching": 0}
    rows = {a["name"]: (a["balance"], a["minutes"]) for a in figures["by_activity"]}
    assert rows["Continuous Learning"] == ("input", 60)
    assert rows["Coach Group Meeting"] == ("input", 90)


def test_a_coach_logs_a_group_meeting_through_the_log_page(client, tenant_a):
    client.force_login(tenant_a.coach.user)
    response = client.post(
        reverse("coaching:entry_add"),
        {
            "date": timezone.localdate().isoformat(),
            "minutes": "75",
            "district": tenant_a.district.pk,
            "activity": activity("Coach Group Meeting").pk,
            "focus_area": focus_area("Math").pk,
            "format": "virtual",
        },
    )
    assert response.status_code == 302
    entry = tenant_a.coach.entries.get()
    assert (entry.activity.name, entry.minutes) == ("Coach Group Meeting", 75)
