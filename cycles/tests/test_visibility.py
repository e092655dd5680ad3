"""Who sees and changes what of an Impact Cycle (the rules of cycles/access.py).

- The cycle's coach and its teachers see the whole cycle; the coach's notes are the coach's alone.
- Administrators (district admins, program directors, site admins) see a cycle only once a
  teacher of it shares it, and then only its goal and progress, read-only. Unshared cycles reach
  them as counts.
- A reflection is visible to its author and to the cycle's coach, nobody else.
- Anything outside a person's scope is a 404, exactly like a missing row.

Which answer each role gets on each cycle URL, shared and unshared, is declared once, in the
access matrix (tests/test_access_matrix.py); here are the rules behind it, case by case.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coaching.models import LogEntry
from coaching.tests.factories import LogEntryFactory
from cycles import services
from cycles.access import get_cycle_for
from cycles.models import (
    Adjustment,
    AdjustmentKind,
    ChecklistItem,
    Cycle,
    CycleTime,
    Evidence,
    Goal,
    Occasion,
    Reflection,
    ReflectionLink,
    Stage,
    StageChange,
)
from cycles.tests import writes
from cycles.tests.factories import (
    CycleFactory,
    EvidenceFactory,
    GoalFactory,
    ProgressMeasureFactory,
    ReflectionFactory,
)
from cycles.tests.writes import WRITE_URLS, snapshot
from learning.models import Resource
from teachers.models import Role, Teacher, User
from teachers.tests.factories import TeacherFactory, UserFactory

pytestmark = pytest.mark.django_db

# Confidential text planted in the cycle; none of it may reach an administrator.
GOAL = "Ninety percent of 3B explain their reasoning on exit tickets"
REALITY = "CONFIDENTIAL-REALITY: half the class copies the answer from a neighbour"
STRATEGY = "CONFIDENTIAL-STRATEGY: think-pair-share"
COACH_NOTES = "CONFIDENTIAL-COACH-NOTE: worried about the merger"
EVIDENCE = "CONFIDENTIAL-EVIDENCE: observed 12 of 24 off task"
EVIDENCE_FILE = "lesson-observation-3b.txt"
CHECKLIST = "CONFIDENTIAL-CHECKLIST: students restate the target"
ADJUSTMENT = "CONFIDENTIAL-ADJUSTMENT: shorter tickets"
STAGE_REASON = "CONFIDENTIAL-STAGE-REASON: back to basics"
REFLECTION = "CONFIDENTIAL-REFLECTION: I felt unsure in front of the class"
TITLE = "Exit tickets in 3B"

ADMINS = ("district_admin", "director", "site_admin")
URL_NAMES = writes.cycle_url_names()


@dataclass
class World:
    """Tenant A's coach and teacher in a cycle (in Improve) with one of everything, plus the cast."""

    cycle: Cycle
    teacher: Teacher
    goal: Goal
    evidence: Evidence
    item: ChecklistItem
    reflection: Reflection
    link: ReflectionLink
    counted_entry: LogEntry  # already counted toward the cycle
    free_entry: LogEntry  # logged with the teacher, not yet counted
    users: dict[str, User | None]
    resource: Resource  # in the coach's program's library, not yet attached

    @property
    def teacher_name(self) -> str:
        return f"{self.teacher.first_name} {self.teacher.last_name}"


def entry_with(tenant, teacher: Teacher) -> LogEntry:
    entry = LogEntryFactory(coach=tenant.coach, district=tenant.district, school=tenant.school)
    entry.teachers.add(teacher)
    return entry


@pytest.fixture
def world(tenant_a, tenant_b, site_admin) -> World:
    coach_user = tenant_a.coach.user
    peer = TeacherFactory(school=tenant_a.school, user=UserFactory(username="peer_teacher", role=Role.TEACHER))
    cycle = CycleFactory(
        coach=tenant_a.coach, school=tenant_a.school, teachers=[tenant_a.teacher], stage=Stage.IMPROVE, title=TITLE,
        current_reality=REALITY, strategy=STRATEGY, coach_notes=COACH_NOTES,
    )  # fmt: skip
    goal = GoalFactory(cycle=cycle, statement=GOAL)
    ProgressMeasureFactory(goal=goal, value=Decimal("64.5"))
    evidence = EvidenceFactory(
        cycle=cycle, note=EVIDENCE, file=ContentFile(b"12 of 24 off task", name=EVIDENCE_FILE),
        file_name=EVIDENCE_FILE, content_type="text/plain",
    )  # fmt: skip
    item = ChecklistItem.objects.create(cycle=cycle, text=CHECKLIST, position=1)
    Adjustment.objects.create(cycle=cycle, kind=AdjustmentKind.CHANGE_TEACHING, note=ADJUSTMENT, made_by=coach_user)
    StageChange.objects.create(cycle=cycle, from_stage=Stage.LEARN, to_stage=Stage.IMPROVE, changed_by=coach_user,
                               reason=STAGE_REASON)  # fmt: skip
    reflection = ReflectionFactory(cycle=cycle, teacher=tenant_a.teacher, what_happened=REFLECTION)
    link, _token = services.reflection_link_create(
        cycle=cycle, teacher=tenant_a.teacher, by=coach_user, occasion=Occasion.AFTER_SESSION
    )
    counted = entry_with(tenant_a, tenant_a.teacher)
    CycleTime.objects.create(cycle=cycle, entry=counted)
    free = entry_with(tenant_a, tenant_a.teacher)
    users: dict[str, User | None] = {
        "anonymous": None,
        "coach": coach_user,
        "teacher": tenant_a.teacher.user,
        "peer_teacher": peer.user,
        "other_coach": tenant_b.coach.user,
        "district_admin": tenant_a.district_admin,
        "director": tenant_a.director,
        "site_admin": site_admin,
        "other_admin": tenant_b.district_admin,
        "other_director": tenant_b.director,
    }
    resource = Resource.objects.create(program=tenant_a.program, title="Exit ticket template", kind="template",
                                       link="https://example.org/template")  # fmt: skip
    return World(cycle, tenant_a.teacher, goal, evidence, item, reflection, link, counted, free, users, resource)


def url_of(name: str, w: World, public_id: Any = None) -> str:
    public_id = public_id or w.cycle.public_id
    if name == "cycles:reflection":
        return reverse(name, kwargs={"public_id": w.reflection.public_id})
    extra = {
        "cycles:evidence_file": {"pk": w.evidence.pk},
        "cycles:checklist_toggle": {"pk": w.item.pk},
        "cycles:checklist_delete": {"pk": w.item.pk},
        "cycles:link": {"link_id": w.link.public_id},
        "cycles:link_email": {"link_id": w.link.public_id},
        "cycles:time_unlink": {"entry_id": w.counted_entry.pk},
        # Any step: the tests that reach it name an unknown or garbled cycle.
        "cycles:plan_step_done": {"pk": 1},
    }.get(name, {})
    return reverse(name, kwargs={"public_id": public_id, **extra})


def valid_post(name: str, w: World) -> dict[str, Any]:
    """A POST that succeeds (and changes something) when the person is allowed to make it."""
    return writes.valid_post(name, cycle=w.cycle, teacher=w.teacher, resource=w.resource, free_entry=w.free_entry)


def share(w: World, shared: bool = True) -> None:
    services.cycle_share(cycle=w.cycle, teacher=w.teacher, shared=shared)


def replace_goal(w: World, statement: str) -> Goal:
    """Set a new current goal; the old one is kept as an earlier goal."""
    deadline = timezone.localdate() + dt.timedelta(days=9)
    return services.goal_set(cycle=w.cycle, by=w.users["coach"], replace=True, statement=statement,
                             measure="rubric", target=Decimal(95), deadline=deadline)  # fmt: skip


# ---------------------------------------------------------------------------- unknown and garbled ids


@pytest.mark.parametrize("name", [n for n in URL_NAMES if n != "cycles:reflection"])
def test_an_unknown_cycle_id_is_a_404_on_every_url_even_for_the_coach(client, world, name):
    client.force_login(world.users["coach"])
    target = url_of(name, world, public_id=uuid.uuid4())
    before = snapshot(world.cycle)
    response = client.post(target, valid_post(name, world)) if name in WRITE_URLS else client.get(target)
    assert response.status_code == 404
    assert snapshot(world.cycle) == before


@pytest.mark.parametrize("name", URL_NAMES)
@pytest.mark.parametrize("garbled", ["not-a-uuid", "12345678-1234-1234-1234-1234567890", "0" * 32 + "zz"])
def test_a_garbled_id_is_a_404_on_every_url(client, world, name, garbled):
    client.force_login(world.users["coach"])
    real = str(world.reflection.public_id if name == "cycles:reflection" else world.cycle.public_id)
    target = url_of(name, world).replace(real, garbled)
    assert garbled in target
    response = client.post(target, {}) if name in WRITE_URLS else client.get(target)
    assert response.status_code == 404


@pytest.mark.parametrize("bad", ["garbled", "", None, 42, "00000000-0000-0000-0000-000000000000"])
def test_looking_up_a_cycle_by_a_bad_or_unknown_id_raises_404_not_an_error(world, bad):
    with pytest.raises(Http404):
        get_cycle_for(world.users["coach"], bad)


def test_an_unknown_reflection_id_is_a_404_even_for_the_coach(client, world):
    client.force_login(world.users["coach"])
    assert client.get(reverse("cycles:reflection", args=[uuid.uuid4()])).status_code == 404


def test_a_cycles_items_cannot_be_reached_through_another_cycles_url(client, world, tenant_a):
    """Evidence, checklist steps, links and counted time belong to one cycle: naming them under
    another cycle's address (one the person may see) finds nothing and changes nothing."""
    other_teacher = TeacherFactory(school=tenant_a.school)
    other = CycleFactory(coach=tenant_a.coach, school=tenant_a.school, teachers=[other_teacher])
    other_item = ChecklistItem.objects.create(cycle=other, text="Somebody else's step")
    other_evidence = EvidenceFactory(cycle=other, file=ContentFile(b"x", name="other.txt"), file_name="other.txt")
    other_link, _ = services.reflection_link_create(cycle=other, teacher=other_teacher, by=world.users["coach"],
                                                    occasion=Occasion.FREE)  # fmt: skip
    other_entry = entry_with(tenant_a, other_teacher)
    CycleTime.objects.create(cycle=other, entry=other_entry)
    mine = world.cycle.public_id

    client.force_login(world.users["teacher"])  # a teacher of the first cycle only
    for action in ("toggle", "delete"):
        response = client.post(reverse(f"cycles:checklist_{action}", args=[mine, other_item.pk]))
        assert response.status_code == 404
    assert ChecklistItem.objects.filter(pk=other_item.pk, done=False).exists()
    assert client.get(reverse("cycles:evidence_file", args=[mine, other_evidence.pk])).status_code == 404

    client.force_login(world.users["coach"])  # the coach of both
    assert client.get(reverse("cycles:link", args=[mine, other_link.public_id])).status_code == 404
    client.post(reverse("cycles:time_unlink", args=[mine, other_entry.pk]))
    assert CycleTime.objects.get(entry=other_entry).cycle == other


# ---------------------------------------------------------------------------- what each view shows


@pytest.mark.parametrize("role", ADMINS)
def test_an_administrator_sees_only_goal_and_progress_of_a_shared_cycle(client, world, role):
    replace_goal(world, GOAL + " (revised)")
    share(world)
    client.force_login(world.users[role])
    response = client.get(reverse("cycles:detail", args=[world.cycle.public_id]))
    assert response.status_code == 200
    assert response.context["view"] == "shared"
    html = response.content.decode()
    assert GOAL + " (revised)" in html
    for secret in (GOAL + "<", REALITY, STRATEGY, COACH_NOTES, EVIDENCE, EVIDENCE_FILE, CHECKLIST, ADJUSTMENT,
                   STAGE_REASON, REFLECTION, str(world.reflection.public_id)):  # fmt: skip
        assert secret not in html, f"{role} sees {secret!r}"
    page = response.context["p"]
    assert (page.evidence, page.checklist, page.reflections, page.links, page.adjustments, page.stage_changes,
            page.past_goals, page.time_entries) == ([], [], [], [], [], [], [], [])  # fmt: skip


def _context_holds(value: object, secret: str, seen: set[int] | None = None, depth: int = 0) -> bool:
    """Whether a page context (dicts, lists, dataclasses, model rows, down a few levels) holds a text."""
    import dataclasses

    from django.db.models import Model

    seen = seen if seen is not None else set()
    if id(value) in seen or depth > 6:
        return False
    seen.add(id(value))
    if isinstance(value, str):
        return secret in value
    if isinstance(value, Model):
        return any(secret in str(getattr(value, f.attname, "")) for f in value._meta.concrete_fields)
    if isinstance(value, dict):
        return any(_context_holds(v, secret, seen, depth + 1) for v in value.values())
    if isinstance(value, list | tuple | set):
        return any(_context_holds(v, secret, seen, depth + 1) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(_context_holds(getattr(value, f.name), secret, seen, depth + 1) for f in dataclasses.fields(value))
    return False


@pytest.mark.parametrize("role", [*ADMINS, "teacher"])
def test_the_page_context_of_anyone_but_the_coach_holds_no_private_note(client, world, role):
    """Decided in code, not in the template: the page is given no object holding the coach's
    notes (nor, for an administrator, the cycle's confidential plan)."""
    share(world)
    client.force_login(world.users[role])
    response = client.get(reverse("cycles:detail", args=[world.cycle.public_id]))
    assert response.status_code == 200
    skip = {"request", "user", "perms", "can"}
    context = {k: v for c in response.context for d in c.dicts for k, v in d.items() if k not in skip}
    assert not _context_holds(context, COACH_NOTES), f"{role}'s page context holds the coach's private note"
    assert "coach_notes" not in response.context["cycle"]
    if role != "teacher":
        for secret in (REALITY, STRATEGY):
            assert not _context_holds(context, secret), f"{role}'s page context holds {secret!r}"


def test_the_coachs_page_context_holds_their_notes(client, world):
    client.force_login(world.users["coach"])
    response = client.get(reverse("cycles:detail", args=[world.cycle.public_id]))
    assert response.context["cycle"]["coach_notes"] == COACH_NOTES


def test_an_administrator_sees_the_progress_data_of_a_shared_cycle(client, world):
    share(world)
    client.force_login(world.users["district_admin"])
    response = client.get(reverse("cycles:detail", args=[world.cycle.public_id]))
    assert [m.value for m in response.context["p"].measures] == [Decimal("64.5")]
    assert "64.5" in response.content.decode()


def test_the_teacher_sees_the_whole_cycle_except_the_coachs_notes(client, world):
    client.force_login(world.users["teacher"])
    response = client.get(reverse("cycles:detail", args=[world.cycle.public_id]))
    html = response.content.decode()
    assert response.context["view"] == "teacher"
    for shown in (GOAL, REALITY, STRATEGY, EVIDENCE, CHECKLIST, ADJUSTMENT, str(world.reflection.public_id)):
        assert shown in html
    assert COACH_NOTES not in html
    assert "coach_notes" not in response.context["plan_form"].fields


def test_the_coach_sees_their_own_notes(client, world):
    client.force_login(world.users["coach"])
    html = client.get(reverse("cycles:detail", args=[world.cycle.public_id])).content.decode()
    assert COACH_NOTES in html


def test_a_teacher_cannot_overwrite_the_coachs_notes_through_the_plan_form(client, world):
    client.force_login(world.users["teacher"])
    data = valid_post("cycles:plan", world) | {"coach_notes": "overwritten by the teacher"}
    assert client.post(reverse("cycles:plan", args=[world.cycle.public_id]), data).status_code == 302
    world.cycle.refresh_from_db()
    assert world.cycle.title == data["title"]
    assert world.cycle.coach_notes == COACH_NOTES


# ---------------------------------------------------------------------------- sharing


def test_only_the_cycles_teacher_can_share_and_withdrawing_hides_it_again(client, world):
    detail = reverse("cycles:detail", args=[world.cycle.public_id])
    share_url = reverse("cycles:share", args=[world.cycle.public_id])
    admin = world.users["district_admin"]

    client.force_login(world.users["coach"])
    assert client.post(share_url, {"shared": "on"}).status_code == 403
    client.force_login(admin)
    assert client.post(share_url, {"shared": "on"}).status_code == 404
    assert client.get(detail).status_code == 404
    world.cycle.refresh_from_db()
    assert world.cycle.shared_with_admins is False

    client.force_login(world.users["teacher"])
    assert client.post(share_url, {"shared": "on"}).status_code == 302
    world.cycle.refresh_from_db()
    assert world.cycle.shared_with_admins is True
    assert world.cycle.shared_changed_at is not None
    client.force_login(admin)
    assert client.get(detail).status_code == 200

    client.force_login(world.users["teacher"])
    assert client.post(share_url, {}).status_code == 302  # the switch turned off
    world.cycle.refresh_from_db()
    assert world.cycle.shared_with_admins is False
    client.force_login(admin)
    assert client.get(detail).status_code == 404


@pytest.mark.parametrize("role", [*ADMINS, "coach"])
def test_nobody_but_the_teacher_can_withdraw_a_shared_cycle(client, world, role):
    share(world)
    client.force_login(world.users[role])
    assert client.post(reverse("cycles:share", args=[world.cycle.public_id]), {}).status_code == 403
    world.cycle.refresh_from_db()
    assert world.cycle.shared_with_admins is True


def test_either_teacher_of_a_team_cycle_may_share_it(client, world, tenant_a):
    partner = TeacherFactory(school=tenant_a.school, user=UserFactory(username="partner", role=Role.TEACHER))
    world.cycle.teachers.add(partner)
    client.force_login(partner.user)
    assert client.post(reverse("cycles:share", args=[world.cycle.public_id]), {"shared": "on"}).status_code == 302
    world.cycle.refresh_from_db()
    assert world.cycle.shared_with_admins is True


@pytest.mark.parametrize("role", ADMINS)
def test_an_unshared_cycle_reaches_administrators_only_as_a_count(client, world, role):
    client.force_login(world.users[role])
    response = client.get(reverse("cycles:list"))
    assert response.status_code == 200
    assert response.context["admin_view"] is True
    assert response.context["counts"]["total"] == 1
    assert response.context["counts"]["improve"] == 1
    assert list(response.context["page"].object_list) == []
    html = response.content.decode()
    for secret in (world.teacher_name, TITLE, GOAL, str(world.cycle.public_id)):
        assert secret not in html, f"{role} sees {secret!r}"


@pytest.mark.parametrize("role", ADMINS)
def test_a_shared_cycle_appears_in_the_administrators_list(client, world, tenant_a, role):
    unshared = CycleFactory(coach=tenant_a.coach, school=tenant_a.school,
                            teachers=[TeacherFactory(school=tenant_a.school, first_name="Ignatius",
                                                     last_name="Unsharedsworth")])  # fmt: skip
    share(world)
    client.force_login(world.users[role])
    response = client.get(reverse("cycles:list"))
    assert list(response.context["page"].object_list) == [world.cycle]
    assert response.context["counts"]["total"] == 2
    html = response.content.decode()
    assert world.teacher_name in html
    assert TITLE in html
    assert "Unsharedsworth" not in html
    assert unshared.title not in html


def test_a_search_on_the_administrators_list_finds_no_unshared_cycle(client, world):
    client.force_login(world.users["district_admin"])
    for q in (world.teacher.last_name, TITLE.split()[0], GOAL.split()[0]):
        response = client.get(reverse("cycles:list"), {"q": q})
        assert list(response.context["page"].object_list) == []
        assert world.teacher_name not in response.content.decode()


def test_a_search_on_the_administrators_list_matches_what_they_can_see_of_a_shared_cycle(client, world):
    share(world)
    client.force_login(world.users["district_admin"])
    for q in (world.teacher.last_name, TITLE.split()[-1], GOAL.split()[0]):
        response = client.get(reverse("cycles:list"), {"q": q})
        assert list(response.context["page"].object_list) == [world.cycle], q


def test_an_administrators_search_cannot_probe_a_shared_cycles_confidential_strategy(client, world):
    share(world)
    client.force_login(world.users["district_admin"])
    response = client.get(reverse("cycles:list"), {"q": "think-pair-share"})  # a word of STRATEGY only
    assert list(response.context["page"].object_list) == []


def test_an_administrators_search_cannot_probe_a_shared_cycles_earlier_goals(client, world):
    replace_goal(world, "Fewer blank answers")
    share(world)
    client.force_login(world.users["district_admin"])
    response = client.get(reverse("cycles:list"), {"q": "reasoning"})  # a word of the replaced GOAL only
    assert list(response.context["page"].object_list) == []


@pytest.mark.parametrize("role", ["other_admin", "other_director"])
def test_another_tenants_administrators_neither_count_nor_see_a_shared_cycle(client, world, role):
    share(world)
    client.force_login(world.users[role])
    response = client.get(reverse("cycles:list"))
    assert response.context["counts"]["total"] == 0
    assert list(response.context["page"].object_list) == []
    assert world.teacher_name not in response.content.decode()
    assert client.get(reverse("cycles:detail", args=[world.cycle.public_id])).status_code == 404


@pytest.mark.parametrize("role", ["other_coach", "peer_teacher"])
def test_coaches_and_teachers_outside_the_cycle_do_not_list_it_even_when_shared(client, world, role):
    share(world)
    client.force_login(world.users[role])
    response = client.get(reverse("cycles:list"))
    assert response.context["counts"]["total"] == 0
    assert list(response.context["page"].object_list) == []
    assert TITLE not in response.content.decode()


@pytest.mark.parametrize("role", ["coach", "teacher"])
def test_the_coach_and_the_teacher_list_their_cycle_whether_shared_or_not(client, world, role):
    client.force_login(world.users[role])
    assert list(client.get(reverse("cycles:list")).context["page"].object_list) == [world.cycle]


# ---------------------------------------------------------------------------- reflections


@pytest.mark.parametrize("role", ["teacher", "coach"])
def test_a_reflection_is_readable_by_its_author_and_the_cycles_coach(client, world, role):
    client.force_login(world.users[role])
    response = client.get(reverse("cycles:reflection", args=[world.reflection.public_id]))
    assert response.status_code == 200
    assert REFLECTION in response.content.decode()


@pytest.mark.parametrize("role", ["peer_teacher", "other_coach", *ADMINS, "other_admin", "other_director"])
def test_nobody_else_can_read_a_reflection_even_of_a_shared_cycle(client, world, role):
    share(world)
    client.force_login(world.users[role])
    response = client.get(reverse("cycles:reflection", args=[world.reflection.public_id]))
    assert response.status_code == 404
    assert REFLECTION not in response.content.decode()


def test_a_teacher_of_a_team_cycle_cannot_read_the_other_teachers_reflection(client, world, tenant_a):
    partner = TeacherFactory(school=tenant_a.school, user=UserFactory(username="partner", role=Role.TEACHER))
    world.cycle.teachers.add(partner)
    theirs = ReflectionFactory(cycle=world.cycle, teacher=partner, what_happened="PARTNER-ONLY: I froze")
    client.force_login(world.users["teacher"])
    assert client.get(reverse("cycles:reflection", args=[theirs.public_id])).status_code == 404
    page = client.get(reverse("cycles:detail", args=[world.cycle.public_id]))
    assert page.context["p"].reflections == [world.reflection]
    assert str(theirs.public_id) not in page.content.decode()

    client.force_login(partner.user)
    assert client.get(reverse("cycles:reflection", args=[world.reflection.public_id])).status_code == 404
    assert client.get(reverse("cycles:reflection", args=[theirs.public_id])).status_code == 200
    client.force_login(world.users["coach"])
    assert client.get(reverse("cycles:reflection", args=[theirs.public_id])).status_code == 200


def test_the_coachs_own_reflection_is_not_visible_to_the_teacher(client, world):
    client.force_login(world.users["coach"])
    response = client.post(reverse("cycles:reflection_new", args=[world.cycle.public_id]),
                           {"occasion": Occasion.FREE, "what_happened": "COACH-ONLY: I talked too much"})  # fmt: skip
    assert response.status_code == 302
    mine = Reflection.objects.get(what_happened="COACH-ONLY: I talked too much")
    assert (mine.author, mine.teacher, mine.cycle) == (world.users["coach"], None, world.cycle)
    assert client.get(reverse("cycles:reflection", args=[mine.public_id])).status_code == 200

    client.force_login(world.users["teacher"])
    assert client.get(reverse("cycles:reflection", args=[mine.public_id])).status_code == 404
    page = client.get(reverse("cycles:detail", args=[world.cycle.public_id]))
    assert mine not in page.context["p"].reflections
    assert str(mine.public_id) not in page.content.decode()


def test_a_reflection_sent_through_a_link_is_readable_by_the_teacher_and_the_coach(client, world):
    _link, token = services.reflection_link_create(cycle=world.cycle, teacher=world.teacher,
                                                   by=world.users["coach"], occasion=Occasion.FREE)  # fmt: skip
    reflection = services.reflection_link_submit(token=token, what_happened="LINKED: it clicked")
    for role in ("teacher", "coach"):
        client.force_login(world.users[role])
        assert client.get(reverse("cycles:reflection", args=[reflection.public_id])).status_code == 200
    client.force_login(world.users["peer_teacher"])
    assert client.get(reverse("cycles:reflection", args=[reflection.public_id])).status_code == 404


# ---------------------------------------------------------------------------- query counts


def count_queries(client, url: str):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def add_listed_cycles(tenant, teachers: list[Teacher], how_many: int) -> None:
    for _ in range(how_many):
        cycle = CycleFactory(coach=tenant.coach, school=tenant.school, teachers=teachers, shared_with_admins=True)
        GoalFactory(cycle=cycle)


@pytest.mark.parametrize("role", ["coach", "teacher", "district_admin"])
def test_the_cycle_list_costs_the_same_queries_for_10_or_300_cycles(
    client, tenant_a, django_assert_max_num_queries, role
):
    team = [tenant_a.teacher, TeacherFactory(school=tenant_a.school)]
    users = {"coach": tenant_a.coach.user, "teacher": tenant_a.teacher.user, "district_admin": tenant_a.district_admin}
    add_listed_cycles(tenant_a, team, 10)
    client.force_login(users[role])
    url = reverse("cycles:list")
    client.get(url)  # warm up: session and per-process caches
    small, response = count_queries(client, url)
    assert len(response.context["page"].object_list) == 10
    add_listed_cycles(tenant_a, team, 290)
    large, response = count_queries(client, url)
    assert len(response.context["page"].object_list) == 25
    assert response.context["counts"]["total"] == 300
    print(f"\ncycles:list queries as {role}: {small} with 10 cycles, {large} with 300 cycles")
    assert large == small
    with django_assert_max_num_queries(small):
        client.get(url)


def fill_cycle(cycle: Cycle, teachers: list[Teacher], tenant, n: int) -> None:
    """An earlier goal, a current goal with n measures, and n of everything else the page lists."""
    coach_user = tenant.coach.user
    GoalFactory(cycle=cycle, is_current=False, statement="An earlier goal")
    goal = GoalFactory(cycle=cycle)
    for i in range(n):
        ProgressMeasureFactory(goal=goal, value=Decimal(50 + i % 40), date=timezone.localdate() - dt.timedelta(i))
        upload = {"file": ContentFile(b"x", name=f"e{i}.txt"), "file_name": f"e{i}.txt"} if i % 2 else {}
        EvidenceFactory(cycle=cycle, **upload)
        ChecklistItem.objects.create(cycle=cycle, text=f"Step {i}", position=i, done=bool(i % 2))
        ReflectionFactory(cycle=cycle, teacher=teachers[i % 2])
        Adjustment.objects.create(cycle=cycle, kind=AdjustmentKind.CHANGE_TEACHING, note=f"Try {i}", made_by=coach_user)
        StageChange.objects.create(cycle=cycle, from_stage=Stage.LEARN, to_stage=Stage.IMPROVE, changed_by=coach_user)
        services.reflection_link_create(cycle=cycle, teacher=teachers[i % 2], by=coach_user, occasion=Occasion.FREE)
        CycleTime.objects.create(cycle=cycle, entry=entry_with(tenant, teachers[i % 2]))


@pytest.mark.parametrize("role", ["coach", "teacher", "district_admin"])
def test_the_cycle_page_costs_the_same_queries_for_3_or_40_of_everything(
    client, tenant_a, django_assert_max_num_queries, role
):
    team = [tenant_a.teacher, TeacherFactory(school=tenant_a.school)]
    users = {"coach": tenant_a.coach.user, "teacher": tenant_a.teacher.user, "district_admin": tenant_a.district_admin}
    counts = {}
    for n in (3, 40):
        cycle = CycleFactory(coach=tenant_a.coach, school=tenant_a.school, teachers=team, stage=Stage.IMPROVE,
                             shared_with_admins=True)  # fmt: skip
        fill_cycle(cycle, team, tenant_a, n)
        client.force_login(users[role])
        url = reverse("cycles:detail", args=[cycle.public_id])
        client.get(url)  # warm up
        counts[n], response = count_queries(client, url)
        page = response.context["p"]
        assert len(page.measures) == n
        if role != "district_admin":
            assert (len(page.evidence), len(page.checklist), len(page.adjustments)) == (n, n, n)
    print(f"\ncycles:detail queries as {role}: {counts[3]} with 3 of everything, {counts[40]} with 40")
    assert counts[40] == counts[3]
    with django_assert_max_num_queries(counts[3]):
        client.get(url)
