"""Knight's partnership principles as a lens in reflections: a teacher may say which principle a
session lived up to (the private link form and the signed-in form); only the teacher and the
cycle's coach read one answer; anyone else sees counts only, from five teachers, for a whole
finished school year of a program or a district, and never where narrowing a scope or
differencing two reports would single out fewer than five."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from coaching.tests.factories import CoachFactory, ContractFactory, ProgramFactory
from cycles import services
from cycles.models import Cycle, Reflection
from cycles.selectors import principle_tally_for_coach
from cycles.tests.factories import CycleFactory, ReflectionFactory
from reports.builder import build_figures
from reports.models import ScopeKind
from reports.scopes import Period, Scope
from reports.standards import NOT_ENDED, SINGLED_OUT, TOO_FEW
from teachers.models import Role
from teachers.tests.factories import DistrictFactory, SchoolFactory, TeacherFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)
PAST_YEAR = Period.school_year(2025)  # finished
ANSWERS = {"what_happened": "We tried the exit tickets", "confidence": "4"}


@pytest.fixture
def cycle(tenant_a):
    return CycleFactory(coach=tenant_a.coach, school=tenant_a.school, teachers=[tenant_a.teacher])


# ---------------------------------------------------------------------------- the forms


def test_the_teacher_names_a_principle_signed_in_and_reads_it_back(client, tenant_a, cycle):
    client.force_login(tenant_a.teacher.user)
    url = reverse("cycles:reflection_new", args=[cycle.public_id])
    page = client.get(url).content.decode()
    assert page.count('name="principle"') == 8  # the seven principles and "none in particular"
    assert "Voice — I can say what I really think, and my coach listens." in page
    assert client.post(url, {**ANSWERS, "occasion": "after_session", "principle": "voice"}).status_code == 302
    reflection = Reflection.objects.get()
    assert (reflection.principle, reflection.teacher) == ("voice", tenant_a.teacher)
    detail = client.get(reverse("cycles:reflection", args=[reflection.public_id])).content.decode()
    assert "Voice" in detail
    # The cycle's coach reads it with the reflection.
    client.force_login(tenant_a.coach.user)
    assert "lived up to Voice" in client.get(reverse("cycles:detail", args=[cycle.public_id])).content.decode()


def test_the_principle_is_optional(client, tenant_a, cycle):
    client.force_login(tenant_a.teacher.user)
    client.post(reverse("cycles:reflection_new", args=[cycle.public_id]), {**ANSWERS, "occasion": "after_session"})
    assert Reflection.objects.get().principle == ""


def test_the_private_link_form_offers_it_too(client, tenant_a, cycle):
    _link, token = services.reflection_link_create(cycle=cycle, teacher=tenant_a.teacher, by=tenant_a.coach.user,
                                                  occasion="after_session")  # fmt: skip
    url = reverse("reflect", args=[token])
    assert client.get(url).content.decode().count('name="principle"') == 8
    client.post(url, {**ANSWERS, "principle": "reciprocity"})
    assert Reflection.objects.get().principle == "reciprocity"


def test_a_coachs_own_reflection_names_no_principle_and_an_unknown_one_is_refused(client, tenant_a, cycle):
    client.force_login(tenant_a.coach.user)
    url = reverse("cycles:reflection_new", args=[cycle.public_id])
    assert 'name="principle"' not in client.get(url).content.decode()
    client.post(url, {**ANSWERS, "occasion": "after_session", "principle": "voice"})
    assert Reflection.objects.get().principle == ""  # not offered, so not taken
    with pytest.raises(ValidationError):
        services.reflection_write(author=tenant_a.coach.user, teacher=None, cycle=cycle, occasion="free",
                                  what_happened="x", principle="voice")  # fmt: skip
    client.force_login(tenant_a.teacher.user)
    response = client.post(url, {**ANSWERS, "occasion": "after_session", "principle": "obedience"})
    assert response.status_code == 200  # the form again, with the error beside the field
    assert Reflection.objects.filter(teacher=tenant_a.teacher).count() == 0


def test_nobody_but_the_teacher_and_the_coach_reads_one_answer(client, tenant_a, tenant_b, cycle, site_admin):
    reflection = ReflectionFactory(cycle=cycle, principle="voice")
    url = reverse("cycles:reflection", args=[reflection.public_id])
    for user in (tenant_a.director, tenant_a.district_admin, tenant_b.coach.user, tenant_b.teacher.user):
        client.force_login(user)
        assert client.get(url).status_code == 404
    # A teacher who shares the cycle's goal shares no reflection.
    Cycle.objects.filter(pk=cycle.pk).update(shared_with_admins=True)
    client.force_login(tenant_a.district_admin)
    assert "Voice" not in client.get(reverse("cycles:detail", args=[cycle.public_id])).content.decode()


# ---------------------------------------------------------------------------- the coach's counts


def test_the_coach_sees_counts_of_their_own_reflections_only_from_five_answers(client, tenant_a, tenant_b):
    for principle in ("voice", "voice", "choice", "dialogue"):
        ReflectionFactory(cycle=CycleFactory(coach=tenant_a.coach, school=tenant_a.school), principle=principle)
    ReflectionFactory(cycle=CycleFactory(coach=tenant_b.coach, school=tenant_b.school), principle="praxis")
    assert principle_tally_for_coach(coach=tenant_a.coach).rows == []
    client.force_login(tenant_a.coach.user)
    page = client.get(reverse("cycles:list")).content.decode()
    assert "Counts appear from 5 answers (4 so far)" in page
    ReflectionFactory(cycle=CycleFactory(coach=tenant_a.coach, school=tenant_a.school), principle="voice")
    tally = principle_tally_for_coach(coach=tenant_a.coach)
    assert tally.answers == 5
    assert tally.rows[:3] == [("Voice", 3), ("Choice", 1), ("Dialogue", 1)]
    assert ("Praxis", 0) in tally.rows  # the other coach's answer is theirs
    assert "Voice 3" in client.get(reverse("cycles:list")).content.decode()
    client.force_login(tenant_a.director)
    assert 'data-testid="coach-principles"' not in client.get(reverse("cycles:list")).content.decode()


# ---------------------------------------------------------------------------- the report


def answers(coach, school, principles, *, year=2025, month=10, same_teacher=False):
    """One reflection per principle, each by a new teacher of a new cycle at `school` (or all by one)."""
    teacher = TeacherFactory(school=school)
    for i, principle in enumerate(principles):
        if not same_teacher:
            teacher = TeacherFactory(school=school)
        made = ReflectionFactory(cycle=CycleFactory(coach=coach, school=school, teachers=[teacher],
                                                    started_on=dt.date(year, 9, 1)), principle=principle)  # fmt: skip
        day = dt.datetime(year, month, 1 + i, 12, tzinfo=timezone.get_current_timezone())
        Reflection.objects.filter(pk=made.pk).update(created_at=day)


def principles(scope, period=PAST_YEAR):
    return build_figures(scope, period, today=TODAY)["standards"]["principles"]


def program(tenant):
    return Scope(ScopeKind.PROGRAM, tenant.program.pk, tenant.program.name)


def district(pk, program=0):
    return Scope(ScopeKind.DISTRICT, pk, "d", program)


def counts(found):
    return {row["principle"]: row["answers"] for row in found["rows"]}


def test_a_program_sees_counts_from_five_teachers_of_a_finished_year(tenant_a):
    answers(tenant_a.coach, tenant_a.school, ["voice", "voice", "choice", "equality"])
    found = principles(program(tenant_a))
    assert (found["shown"], found["reason"]) == (False, TOO_FEW)
    answers(tenant_a.coach, tenant_a.school, ["voice"], month=11)
    found = principles(program(tenant_a))
    assert found["shown"] is True
    assert (found["answers"], found["teachers"]) == (5, 5)
    assert counts(found) == {"voice": 3, "choice": 1, "equality": 1, "dialogue": 0, "reflection": 0, "praxis": 0,
                             "reciprocity": 0}  # fmt: skip
    assert found["rows"][0] == {"principle": "voice", "name": "Voice", "answers": 3, "share": 60.0}


def test_five_answers_by_one_teacher_are_not_five_teachers(tenant_a):
    answers(tenant_a.coach, tenant_a.school, ["voice"] * 6, same_teacher=True)
    assert principles(program(tenant_a))["reason"] == TOO_FEW


def test_nothing_is_shown_while_the_year_runs_nor_for_a_month_or_a_narrowed_period(tenant_a):
    answers(tenant_a.coach, tenant_a.school, ["voice"] * 6, year=2026)
    assert principles(program(tenant_a), Period.school_year(2026))["reason"] == NOT_ENDED
    answers(tenant_a.coach, tenant_a.school, ["choice"] * 6)
    # Narrowing a finished year around a few answers shows nothing: only whole years count.
    assert principles(program(tenant_a), Period.month(2025, 10))["reason"] == NOT_ENDED
    assert (
        principles(program(tenant_a), Period.custom(dt.date(2025, 10, 1), dt.date(2025, 10, 2)))["reason"] == NOT_ENDED
    )


def test_a_schools_or_a_coachs_report_has_no_principles(tenant_a):
    answers(tenant_a.coach, tenant_a.school, ["voice"] * 6)
    assert principles(Scope(ScopeKind.SCHOOL, tenant_a.school.pk, "s")) is None
    assert principles(Scope(ScopeKind.COACH, tenant_a.coach.pk, "c")) is None
    assert principles(program(tenant_a))["shown"] is True


def test_a_district_that_would_leave_fewer_than_five_in_its_programs_other_districts_is_not_shown(tenant_a):
    """The attack: the program's counts minus district A's (narrowed to the program) would be
    district C's two teachers' answers."""
    school_c = SchoolFactory(district=DistrictFactory(name="District C"))
    ContractFactory(program=tenant_a.program, district=school_c.district).coaches.add(tenant_a.coach)
    answers(tenant_a.coach, tenant_a.school, ["voice"] * 6)
    answers(tenant_a.coach, school_c, ["choice", "choice"])
    assert principles(program(tenant_a))["shown"] is True  # 8 teachers
    assert principles(district(tenant_a.district.pk, tenant_a.program.pk))["reason"] == SINGLED_OUT
    assert principles(district(school_c.district.pk, tenant_a.program.pk))["reason"] == TOO_FEW
    # With five in district C as well, both districts are shown, and the program's total is theirs.
    answers(tenant_a.coach, school_c, ["dialogue"] * 3)
    shown_a = principles(district(tenant_a.district.pk, tenant_a.program.pk))
    shown_c = principles(district(school_c.district.pk, tenant_a.program.pk))
    assert (shown_a["shown"], shown_c["shown"]) == (True, True)
    assert counts(shown_a)["voice"] == 6
    assert (counts(shown_c)["choice"], counts(shown_c)["dialogue"]) == (2, 3)
    assert principles(program(tenant_a))["answers"] == 11


def test_a_district_served_by_two_programs_never_reveals_the_smaller_programs_answers(tenant_a):
    """The attack: the district's counts (every program) minus the district narrowed to program A
    would be program B's three teachers' answers."""
    program_b = ProgramFactory(name="Program Second")
    coach_b = CoachFactory(user=UserFactory(username="coach_second", role=Role.COACH), program=program_b)
    ContractFactory(program=program_b, district=tenant_a.district).coaches.add(coach_b)
    answers(tenant_a.coach, tenant_a.school, ["voice"] * 6)
    answers(coach_b, tenant_a.school, ["praxis"] * 3)
    whole = principles(district(tenant_a.district.pk))
    assert whole["shown"] is True
    assert (counts(whole)["voice"], counts(whole)["praxis"], whole["teachers"]) == (6, 3, 9)
    assert principles(district(tenant_a.district.pk, tenant_a.program.pk))["reason"] == SINGLED_OUT
    assert principles(district(tenant_a.district.pk, program_b.pk))["reason"] == TOO_FEW
    assert principles(Scope(ScopeKind.PROGRAM, program_b.pk, "B"))["reason"] == TOO_FEW
    # Reflections of other years, of coaches' own, or naming nothing never count.
    answers(coach_b, tenant_a.school, ["praxis"] * 3, year=2024)
    answers(coach_b, tenant_a.school, [""] * 3)
    assert principles(district(tenant_a.district.pk, tenant_a.program.pk))["reason"] == SINGLED_OUT
    # Two more teachers of program B: now the district shows each program's counts too.
    answers(coach_b, tenant_a.school, ["praxis", "voice"])
    narrowed = principles(district(tenant_a.district.pk, program_b.pk))
    assert (narrowed["shown"], counts(narrowed)["praxis"], counts(narrowed)["voice"]) == (True, 4, 1)
    assert counts(principles(district(tenant_a.district.pk, tenant_a.program.pk)))["voice"] == 6


def test_the_coachs_cycle_list_reads_the_counts_in_one_statement_whatever_the_answers(client, tenant_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    answers(tenant_a.coach, tenant_a.school, ["voice", "choice", "praxis", "voice", "dialogue"])
    client.force_login(tenant_a.coach.user)
    url = reverse("cycles:list")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert "Voice 2" in client.get(url).content.decode()
    answers(tenant_a.coach, tenant_a.school, ["voice"] * 15)
    with CaptureQueriesContext(connection) as larger:
        assert "Voice 17" in client.get(url).content.decode()
    assert len(larger.captured_queries) == len(small.captured_queries)
