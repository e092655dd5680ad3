"""The standards' domains as optional tags in the forms of cycles, goals, PD sessions and
resources, and the program setting that turns them off: the forms hide them and posted tags are
ignored (the tags already given are kept)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from coaching.models import Program, StandardsDomain
from coaching.tests.factories import focus_area
from cycles.models import Cycle, Goal
from cycles.tests.factories import CycleFactory
from learning.models import PDSession, Resource
from teachers.audit import AuditEvent

pytestmark = pytest.mark.django_db


def ids(*numbers):
    return [StandardsDomain.objects.get(number=n).pk for n in numbers]


def tags(obj):
    return sorted(obj.domains.values_list("number", flat=True))


@pytest.fixture
def cycle(tenant_a):
    return CycleFactory(coach=tenant_a.coach, school=tenant_a.school, teachers=[tenant_a.teacher])


def lens_off(tenant):
    Program.objects.filter(pk=tenant.program.pk).update(standards_lens=False)


def plan(cycle, **extra):
    cycle.refresh_from_db()
    return {"version": cycle.version, "title": cycle.title, "strategy": "Exit tickets", **extra}


def test_the_cycle_page_offers_the_seven_domains_and_the_plan_saves_them(client, tenant_a, cycle):
    client.force_login(tenant_a.coach.user)
    page = client.get(reverse("cycles:detail", args=[cycle.public_id])).content.decode()
    assert page.count('name="domains"') == 7
    assert "4. Facilitating Improvements in Instruction and Student Learning" in page
    response = client.post(reverse("cycles:plan", args=[cycle.public_id]), plan(cycle, domains=ids(2, 4)))
    assert response.status_code == 302
    assert tags(cycle) == [2, 4]
    page = client.get(reverse("cycles:detail", args=[cycle.public_id])).content.decode()
    assert 'data-testid="cycle-domains"' in page
    boxes = page.split('name="domains"')[1:]
    ticked = [box.split(">")[0] for box in boxes if "checked" in box.split(">")[0]]
    assert [box.split('value="')[1].split('"')[0] for box in ticked] == [str(pk) for pk in ids(2, 4)]
    # Unticking every box clears them.
    client.post(reverse("cycles:plan", args=[cycle.public_id]), plan(cycle))
    assert tags(cycle) == []


def test_the_teacher_of_the_cycle_may_tag_it_too(client, tenant_a, cycle):
    client.force_login(tenant_a.teacher.user)
    client.post(reverse("cycles:plan", args=[cycle.public_id]), plan(cycle, domains=ids(1)))
    assert tags(cycle) == [1]


def test_with_the_lens_off_the_forms_hide_the_domains_and_posted_tags_are_ignored(client, tenant_a, cycle):
    cycle.domains.set(ids(3))
    lens_off(tenant_a)
    client.force_login(tenant_a.coach.user)
    page = client.get(reverse("cycles:detail", args=[cycle.public_id])).content.decode()
    assert 'name="domains"' not in page
    assert 'data-testid="cycle-domains"' not in page  # the tags kept are not shown either
    assert (
        client.post(reverse("cycles:plan", args=[cycle.public_id]), plan(cycle, domains=ids(5, 6))).status_code == 302
    )
    assert tags(cycle) == [3]  # kept as they were, neither replaced nor cleared
    assert 'name="domains"' not in client.get(reverse("cycles:goal", args=[cycle.public_id])).content.decode()
    assert 'name="domains"' not in client.get(reverse("learning:pd_session_new")).content.decode()
    assert 'name="domains"' not in client.get(reverse("learning:resource_new")).content.decode()


def goal_data(**extra):
    deadline = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    return {"statement": "90% of students score 4/5 on exit tickets", "measure": "exit tickets",
            "unit": "% of students", "baseline": "40", "target": "90", "deadline": deadline, **extra}  # fmt: skip


def test_a_goal_takes_its_own_domains(client, tenant_a, cycle):
    client.force_login(tenant_a.coach.user)
    url = reverse("cycles:goal", args=[cycle.public_id])
    assert client.get(url).content.decode().count('name="domains"') == 7
    assert client.post(url, goal_data(domains=ids(5))).status_code == 302
    goal = Goal.objects.get(cycle=cycle, is_current=True)
    assert tags(goal) == [5]
    assert tags(Cycle.objects.get(pk=cycle.pk)) == []  # the cycle's own tags are its own
    lens_off(tenant_a)
    client.post(url, goal_data(domains=ids(1, 2)))
    assert tags(goal) == [5]


def test_a_pd_session_and_a_resource_take_domains_when_the_lens_is_on(client, tenant_a):
    client.force_login(tenant_a.coach.user)
    response = client.post(reverse("learning:pd_session_new"), {
        "title": "K–2 Number Sense PLC", "district": tenant_a.district.pk, "date": timezone.localdate().isoformat(),
        "start_time": "15:30", "minutes": "60", "focus_area": focus_area().pk, "domains": ids(3),
    })  # fmt: skip
    assert response.status_code == 302
    assert tags(PDSession.objects.get(title="K–2 Number Sense PLC")) == [3]
    response = client.post(reverse("learning:resource_new"), {
        "title": "Exit ticket template", "kind": "template", "link": "https://example.org/t", "domains": ids(2, 5),
    })  # fmt: skip
    assert response.status_code == 302
    assert tags(Resource.objects.get(title="Exit ticket template")) == [2, 5]


def test_posted_tags_are_ignored_for_a_pd_session_and_a_resource_when_the_lens_is_off(client, tenant_a):
    lens_off(tenant_a)
    client.force_login(tenant_a.coach.user)
    client.post(reverse("learning:pd_session_new"), {
        "title": "Off", "district": tenant_a.district.pk, "date": timezone.localdate().isoformat(),
        "start_time": "15:30", "minutes": "60", "focus_area": focus_area().pk, "domains": ids(3),
    })  # fmt: skip
    assert tags(PDSession.objects.get(title="Off")) == []
    client.post(reverse("learning:resource_new"), {"title": "Off", "kind": "template", "link": "https://e.org/t",
                                                   "domains": ids(2)})  # fmt: skip
    assert tags(Resource.objects.get(title="Off")) == []


def test_the_director_turns_the_lens_off_and_on_in_report_settings_and_each_change_is_audited(client, tenant_a):
    client.force_login(tenant_a.director)
    url = reverse("programs:threshold")
    page = client.get(url).content.decode()
    checkbox = page.split('name="standards_lens"')[1].split(">")[0]
    assert "checked" in checkbox  # on by default
    assert "Teacher Leader standards as tags: on" in client.get(reverse("programs:setup")).content.decode()
    assert client.post(url, {"threshold": "10"}).status_code == 302
    tenant_a.program.refresh_from_db()
    assert tenant_a.program.standards_lens is False
    assert (
        AuditEvent.objects.filter(program_id=tenant_a.program.pk).first().detail == "turned the standards' domains off"
    )
    assert client.post(url, {"threshold": "10", "standards_lens": "on"}).status_code == 302
    tenant_a.program.refresh_from_db()
    assert tenant_a.program.standards_lens is True
    assert (
        AuditEvent.objects.filter(program_id=tenant_a.program.pk).first().detail == "turned the standards' domains on"
    )


def test_another_programs_director_or_a_coach_cannot_turn_it_off(client, tenant_a, tenant_b):
    for user in (tenant_a.coach.user, tenant_a.district_admin):
        client.force_login(user)
        assert client.post(reverse("programs:threshold"), {"threshold": "10"}).status_code == 403
    client.force_login(tenant_a.director)
    client.post(f"{reverse('programs:threshold')}?program={tenant_b.program.pk}", {"threshold": "10"})
    tenant_b.program.refresh_from_db()
    assert tenant_b.program.standards_lens is True
