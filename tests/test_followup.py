"""Differentiated follow-up after group PD, the shared examples spaces of PD sessions and coach
groups, and role-play practice in coach-group meetings: what each person sees, and the attacks
(a peer teacher of the same school, another tenant, an administrator, a guessed file URL)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from coaching.tests.factories import CoachFactory, focus_area
from cycles import services as cycles
from learning import services as learning
from learning.demo import DEMO_PNG
from learning.models import ExampleComment, FollowUpGroup, FollowUpNeed, FollowUpStep, RolePlay, SharedExample
from teachers.models import Role
from teachers.tests.factories import TeacherFactory, UserFactory

pytestmark = pytest.mark.django_db


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", "replace")


@pytest.fixture
def pd(tenant_a):
    """A session two days ago with four attendees: Ava answered 5, Ben 2, Cleo asked for a
    modeled lesson (and answered 5), Dan answered nothing. Ava signs in; Pat (same school) did not attend."""
    today = timezone.localdate()
    session = learning.pd_session_schedule(
        coach=tenant_a.coach, district=tenant_a.district, title="Number talks PLC", date=today - dt.timedelta(days=2),
        start_time=dt.time(6, 0), minutes=45, focus_area=focus_area(), schools=[tenant_a.school],
    )  # fmt: skip
    ava = tenant_a.teacher
    ava.first_name, ava.last_name = "Ava", "Attendee"
    ava.save()
    ben, cleo, dan = (TeacherFactory(school=tenant_a.school, first_name=n, last_name="Teacher")
                      for n in ("Ben", "Cleo", "Dan"))  # fmt: skip
    learning.pd_attendance_set(session=session, teachers=[ava, ben, cleo, dan])
    for teacher, confidence in ((ava, 3), (ava, 5), (ben, 2), (cleo, 5)):  # Ava's latest answer is 5
        cycles.reflection_write(author=None, teacher=teacher, cycle=None, pd_session=session, occasion="free",
                                what_happened="Tried it.", confidence=confidence)  # fmt: skip
    learning.signup_request(session=session, teacher=cleo, kind="modeled_lesson")
    peer = TeacherFactory(school=tenant_a.school, first_name="Pat", last_name="Peer",
                          user=UserFactory(username="peer", role=Role.TEACHER))  # fmt: skip
    return {"session": session, "ava": ava, "ben": ben, "cleo": cleo, "dan": dan, "peer": peer, "today": today}


def followup_url(session) -> str:
    return reverse("cycles:pd_followup", args=[session.public_id])


# ------------------------------------------------------------------------ follow-up groups


def test_the_sort_starts_from_each_attendees_answers(client, tenant_a, pd):
    client.force_login(tenant_a.coach.user)
    page = body(client.get(followup_url(pd["session"])))
    # Ava 5 -> mastered; Ben 2 -> needs guidance; Cleo asked for a modeled lesson -> modeling; Dan unplaced.
    for teacher, need in (("ava", "mastered"), ("ben", "guidance"), ("cleo", "modeling")):
        select = page[page.index(f'name="place_{pd[teacher].pk}"') :]
        select = select[: select.index("</select>")]
        assert f'<option value="{need}" selected>' in select, teacher
    dan = page[page.index(f'name="place_{pd["dan"].pk}"') :]
    assert '<option value="" selected>' in dan[: dan.index("</select>")]
    assert "confidence 5/5" in page
    assert "asked for a modeled lesson" in page
    assert "no follow-up answer yet" in page


def post_groups(client, pd, **extra):
    data = {f"place_{pd['ava'].pk}": "mastered", f"place_{pd['ben'].pk}": "guidance",
            f"place_{pd['cleo'].pk}": "modeling", f"place_{pd['dan'].pk}": "guidance",
            "step_mastered": "extension", "step_guidance": "small_group", "step_modeling": "micro_modeling",
            "offer_guidance": "A small-group session on Thursday.", "offered_guidance": pd["today"].isoformat(),
            "offered_mastered": pd["today"].isoformat(), "done_mastered": pd["today"].isoformat()}  # fmt: skip
    data.update(extra)
    return client.post(followup_url(pd["session"]), data)


def test_the_coach_places_attendees_and_only_the_coach_sees_who_is_where(client, tenant_a, pd):
    client.force_login(tenant_a.coach.user)
    assert post_groups(client, pd).status_code == 302
    groups = {g.need: g for g in FollowUpGroup.objects.filter(session=pd["session"])}
    assert set(groups) == {"mastered", "guidance", "modeling"}
    assert {t.first_name for t in groups["guidance"].members.all()} == {"Ben", "Dan"}
    assert groups["guidance"].next_step == FollowUpStep.SMALL_GROUP
    assert groups["guidance"].offered_on == pd["today"]
    assert groups["guidance"].done_on is None
    assert groups["mastered"].done_on == pd["today"]
    session_url = reverse("cycles:pd_session", args=[pd["session"].public_id])
    page = body(client.get(session_url))
    section = page[page.index('id="followup"') :]
    section = section[: section.index("</section>")]
    assert "Needs more guidance" in section
    assert "Ben Teacher, Dan Teacher" in section
    assert "A small-group session on Thursday." in section
    # The program's director opens the session page: counts, never who needs what next.
    client.force_login(tenant_a.director)
    page = body(client.get(session_url))
    assert client.get(session_url).status_code == 200
    assert "Needs more guidance" not in page
    assert "Ben Teacher" not in page
    assert "Thursday" not in page
    assert client.get(followup_url(pd["session"])).status_code == 403
    # Teachers (an attendee included) and the district's administrator get nothing.
    for user in (pd["ava"].user, tenant_a.district_admin):
        client.force_login(user)
        assert client.get(session_url).status_code == 404
        assert client.get(followup_url(pd["session"])).status_code == 404
    # Re-sorting moves people and drops an emptied group.
    client.force_login(tenant_a.coach.user)
    assert post_groups(client, pd, **{f"place_{pd['cleo'].pk}": "mastered"}).status_code == 302
    assert not FollowUpGroup.objects.filter(session=pd["session"], need="modeling").exists()
    assert {t.first_name for t in FollowUpGroup.objects.get(session=pd["session"], need="mastered").members.all()} == {
        "Ava", "Cleo"}  # fmt: skip


def test_a_follow_up_done_before_it_was_offered_is_refused_beside_the_field(client, tenant_a, pd):
    client.force_login(tenant_a.coach.user)
    yesterday = (pd["today"] - dt.timedelta(days=1)).isoformat()
    response = post_groups(client, pd, done_guidance=yesterday)
    assert response.status_code == 400
    page = body(response)
    done = page[page.index('id="id_done_guidance"') - 400 : page.index('id="id_done_guidance"') + 600]
    assert "It was done on or after the day it was offered." in done
    assert "A small-group session on Thursday." in page  # what was typed is kept
    assert not FollowUpGroup.objects.exists()
    assert post_groups(client, pd, offered_guidance=(pd["today"] - dt.timedelta(days=5)).isoformat()).status_code == 400
    assert not FollowUpGroup.objects.exists()


OFFER = learning.FollowUpOffer(FollowUpStep.SMALL_GROUP)


def test_only_attendees_are_placed(tenant_a, pd):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        learning.followup_groups_set(session=pd["session"], placements={pd["peer"].pk: FollowUpNeed.GUIDANCE},
                                     offers=dict.fromkeys(FollowUpNeed, OFFER))  # fmt: skip
    assert not FollowUpGroup.objects.exists()


# ----------------------------------------------------------------- a PD session's shared space


def examples_url(session) -> str:
    return reverse("learning:pd_examples", args=[session.public_id])


def test_attendees_post_examples_with_checked_files_and_give_feedback(
    client, tenant_a, pd, django_capture_on_commit_callbacks
):
    client.force_login(pd["ava"].user)
    with django_capture_on_commit_callbacks(execute=True):  # the file is written once the row is committed
        response = client.post(examples_url(pd["session"]), {
            "title": "Dot cards on the carpet", "note": "Ten minutes.",
            "file": SimpleUploadedFile("photo.png", DEMO_PNG, content_type="image/png"),
        })  # fmt: skip
    assert response.status_code == 302
    example = SharedExample.objects.get()
    assert example.session == pd["session"]
    assert example.author == pd["ava"].user
    assert example.content_type == "image/png"
    assert example.file.name.endswith(".png")
    # A page named .png that is HTML is refused beside the file field, the title kept, nothing saved.
    response = client.post(examples_url(pd["session"]), {
        "title": "Sneaky",
        "file": SimpleUploadedFile("x.png", b"<html><script>alert(1)</script>", content_type="image/png"),
    })  # fmt: skip
    assert response.status_code == 400
    page = body(response)
    assert (
        "This kind of file is not accepted" in page[page.index('id="id_file"') - 600 : page.index('id="id_file"') + 800]
    )
    assert 'value="Sneaky"' in page
    assert SharedExample.objects.count() == 1
    # The facilitator gives feedback; Ava reads it.
    client.force_login(tenant_a.coach.user)
    assert client.post(reverse("learning:example_comment", args=[example.pk]), {"text": "Lovely."}).status_code == 302
    client.force_login(pd["ava"].user)
    page = body(client.get(examples_url(pd["session"])))
    assert "Dot cards on the carpet" in page
    assert "Lovely." in page
    file_response = client.get(reverse("learning:example_file", args=[example.pk]))
    assert file_response.status_code == 200
    assert b"".join(file_response.streaming_content) == DEMO_PNG
    assert file_response["Content-Disposition"].startswith("attachment")


def test_nobody_outside_the_session_reads_its_space_or_its_files(client, tenant_a, tenant_b, pd):
    example = SharedExample.objects.create(
        session=pd["session"], author=pd["ava"].user, title="Anchor chart", note="Secret-ish",
        file=ContentFile(b"%PDF-1.4 x", name="x.pdf"), file_name="chart.pdf", content_type="application/pdf",
    )  # fmt: skip
    other_coach_same_program = CoachFactory(program=tenant_a.program, user=UserFactory(role=Role.COACH)).user
    outsiders = {
        "a peer teacher of the same school": pd["peer"].user, "another tenant's teacher": tenant_b.teacher.user,
        "another tenant's coach": tenant_b.coach.user, "the district's administrator": tenant_a.district_admin,
        "the program's director": tenant_a.director, "another coach of the program": other_coach_same_program,
    }  # fmt: skip
    for label, user in outsiders.items():
        client.force_login(user)
        assert client.get(examples_url(pd["session"])).status_code == 404, label
        assert client.get(reverse("learning:example_file", args=[example.pk])).status_code == 404, label
        assert client.post(reverse("learning:example_comment", args=[example.pk]), {"text": "x"}).status_code == 404
        assert client.post(examples_url(pd["session"]), {"title": "x", "note": "y"}).status_code == 404, label
    assert not ExampleComment.objects.exists()
    assert SharedExample.objects.count() == 1
    # Guessing: an attendee of one session asks for a file of another session's space by its id.
    other = learning.pd_session_schedule(
        coach=tenant_a.coach, district=tenant_a.district, title="Other PLC", date=pd["today"],
        start_time=dt.time(6, 0), minutes=30, focus_area=focus_area(), schools=[tenant_a.school],
    )  # fmt: skip
    learning.pd_attendance_set(session=other, teachers=[pd["peer"]])
    guessed = SharedExample.objects.create(session=other, author=pd["peer"].user, title="Theirs", note="n",
                                           file=ContentFile(b"%PDF-1.4 y", name="y.pdf"), file_name="y.pdf",
                                           content_type="application/pdf")  # fmt: skip
    client.force_login(pd["ava"].user)
    assert client.get(reverse("learning:example_file", args=[guessed.pk])).status_code == 404
    assert client.get(reverse("learning:example_file", args=[example.pk])).status_code == 200
    assert "Theirs" not in body(client.get(examples_url(pd["session"])))
    # An attendee taken off the attendance loses the space.
    learning.pd_attendance_set(session=pd["session"], teachers=[pd["ben"]])
    assert client.get(examples_url(pd["session"])).status_code == 404


def test_the_examples_page_reads_in_the_same_queries_for_few_and_many(
    client, tenant_a, pd, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(n):
        for i in range(n):
            example = learning.example_post(author=pd["ava"].user, session=pd["session"], title=f"E{i}", note="n")
            learning.example_comment_add(example=example, author=tenant_a.coach.user, text="c")

    client.force_login(pd["ava"].user)
    add(2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(examples_url(pd["session"])).status_code == 200
    add(10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = body(client.get(examples_url(pd["session"])))
    assert page.count('data-testid="example"') == 12


# ----------------------------------------------------------- a coach group's space and practice


@pytest.fixture
def circle(tenant_a):
    others = [CoachFactory(program=tenant_a.program, user=UserFactory(first_name=f"Peer{i}", role=Role.COACH))
              for i in range(2)]  # fmt: skip
    group = learning.coach_group_form(program=tenant_a.program, name="Circle", facilitator=tenant_a.director,
                                      members=[tenant_a.coach, *others], cadence="weekly")  # fmt: skip
    meeting = learning.group_meeting_record(group=group, date=timezone.localdate(), agenda=["role_play"],
                                            attendees=others)  # fmt: skip
    outsider = CoachFactory(program=tenant_a.program, user=UserFactory(role=Role.COACH))
    return {"group": group, "meeting": meeting, "others": others, "outsider": outsider}


def test_a_group_shares_examples_among_its_members_and_facilitator_only(client, tenant_a, tenant_b, circle,
                                                                       site_admin):  # fmt: skip
    url = reverse("learning:group_examples", args=[circle["group"].pk])
    client.force_login(circle["others"][0].user)
    assert client.post(url, {"title": "Opening questions", "link": "https://example.org/q"}).status_code == 302
    example = SharedExample.objects.get()
    assert example.group == circle["group"]
    assert example.session is None
    for user in (tenant_a.coach.user, tenant_a.director):
        client.force_login(user)
        assert "Opening questions" in body(client.get(url))
    for user in (circle["outsider"].user, tenant_b.coach.user, tenant_b.director, tenant_a.teacher.user, site_admin):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(reverse("learning:example_comment", args=[example.pk]), {"text": "x"}).status_code == 404
    assert not ExampleComment.objects.exists()


def test_role_play_practice_is_kept_with_the_meeting_for_the_group(client, tenant_a, tenant_b, circle, site_admin):
    url = reverse("learning:meeting_practice", args=[circle["group"].pk, circle["meeting"].pk])
    client.force_login(tenant_a.coach.user)
    response = client.post(url, {
        "scenario": "A reluctant teacher", "practised_by": circle["others"][1].pk,
        "question_stems": "What would make this a good year?\n\n  What have you tried?  ",
        "feedback": "Good wait time.",
    })  # fmt: skip
    assert response.status_code == 302
    play = RolePlay.objects.get()
    assert play.meeting == circle["meeting"]
    assert play.practised_by == circle["others"][1]
    assert play.stem_list == ["What would make this a good year?", "What have you tried?"]
    # Someone outside the group cannot be the one who practised.
    response = client.post(url, {"scenario": "x", "practised_by": circle["outsider"].pk, "question_stems": "y"})
    assert response.status_code == 400
    assert RolePlay.objects.count() == 1
    client.force_login(tenant_a.director)  # the facilitator
    page = body(client.get(url))
    assert "A reluctant teacher" in page
    assert "What have you tried?" in page
    assert "Good wait time." in page
    group_page = body(client.get(reverse("learning:group", args=[circle["group"].pk])))
    assert "A reluctant teacher" in group_page
    for user in (circle["outsider"].user, tenant_b.coach.user, tenant_a.teacher.user, site_admin):
        client.force_login(user)
        assert client.get(url).status_code == 404
    # The site administrator sees the group's membership, never its practice.
    client.force_login(site_admin)
    assert "A reluctant teacher" not in body(client.get(reverse("learning:group", args=[circle["group"].pk])))
    # Another group's meeting under this group's address is a 404 too.
    other_group = learning.coach_group_form(program=tenant_a.program, name="Other", facilitator=tenant_a.director,
                                            members=[*circle["others"], circle["outsider"]],
                                            cadence="monthly")  # fmt: skip
    other_meeting = learning.group_meeting_record(group=other_group, date=timezone.localdate(), agenda=["reflection"],
                                                  attendees=[])  # fmt: skip
    client.force_login(tenant_a.coach.user)
    assert (
        client.get(reverse("learning:meeting_practice", args=[circle["group"].pk, other_meeting.pk])).status_code == 404
    )


def test_the_follow_up_and_practice_pages_read_in_the_same_queries_for_few_and_many(
    client, tenant_a, pd, circle, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(tenant_a.coach.user)
    assert post_groups(client, pd).status_code == 302
    practice = reverse("learning:meeting_practice", args=[circle["group"].pk, circle["meeting"].pk])
    learning.role_play_record(meeting=circle["meeting"], scenario="s", practised_by=tenant_a.coach, question_stems="q")
    with CaptureQueriesContext(connection) as small_followup:
        assert client.get(followup_url(pd["session"])).status_code == 200
    with CaptureQueriesContext(connection) as small_practice:
        assert client.get(practice).status_code == 200
    more = [TeacherFactory(school=tenant_a.school) for _ in range(12)]
    learning.pd_attendance_set(session=pd["session"], teachers=[*pd["session"].attendees.all(), *more])
    for teacher in more[:6]:
        cycles.reflection_write(author=None, teacher=teacher, cycle=None, pd_session=pd["session"], occasion="free",
                                what_happened="Tried it.", confidence=2)  # fmt: skip
    learning.followup_groups_set(
        session=pd["session"], placements={t.pk: FollowUpNeed.GUIDANCE for t in more},
        offers=dict.fromkeys(FollowUpNeed, OFFER),
    )  # fmt: skip
    for coach in circle["others"]:
        learning.role_play_record(meeting=circle["meeting"], scenario="s", practised_by=coach, question_stems="q")
    with django_assert_max_num_queries(len(small_followup.captured_queries)):
        page = body(client.get(followup_url(pd["session"])))
    assert page.count('name="place_') == 16
    with django_assert_max_num_queries(len(small_practice.captured_queries)):
        page = body(client.get(practice))
    assert page.count('data-testid="role-play"') == 3
