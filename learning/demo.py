"""The demo's group learning: a resource library, a coach group with meetings and shared goals,
and a partnership check-in. Loaded after `coaching.demo`, whose program and people it uses.
Safe to load twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from coaching.access import contracts_served_by
from coaching.models import Coach, FocusArea, Program
from teachers.models import Teacher, User
from toolkit.uploads import check_upload

from .models import (
    PRINCIPLES,
    CheckIn,
    CoachGroup,
    FollowUpGroup,
    PDSession,
    Resource,
    RolePlay,
    SharedExample,
)
from .services import (
    Invitation,
    checkin_answer,
    checkin_close,
    checkin_open,
    coach_goal_note,
    coach_goal_set,
    coach_group_form,
    example_comment_add,
    example_post,
    group_meeting_record,
    resource_create,
    role_play_record,
)

GROUP_COACHES = ("coach", "coach2", "coach3", "coach4")


def load_learning_demo(*, today: dt.date) -> dict[str, int]:
    coaches = sorted(Coach.objects.filter(user__username__in=GROUP_COACHES).select_related("program", "user"),
                     key=lambda c: GROUP_COACHES.index(c.user.username))  # fmt: skip
    director = User.objects.get(username="director")
    _group_learning_demo(coaches[0].program, director, coaches, today=today)
    return {"resources": Resource.objects.count(), "coach groups": CoachGroup.objects.count()}


DEMO_RESOURCES = [
    ("Number talks: a 10-minute routine", "video", "https://example.org/number-talks", "math, number sense", "K-2"),
    ("Exit ticket template", "template", "https://example.org/exit-ticket-template", "assessment", ""),
    ("Think-pair-share, modeled in Grade 4", "example", "https://example.org/think-pair-share", "talk", "3-5"),
]


def _group_learning_demo(program: Program, director: User, coaches: list[Coach], *, today: dt.date) -> None:
    """A resource library, a coach group with meetings and shared goals, and a check-in."""
    if not Resource.objects.filter(program=program).exists():
        math = FocusArea.objects.filter(program=None, name="Math").first()
        for title, kind, link, tags, band in DEMO_RESOURCES:
            resource_create(program=program, by=director, title=title, kind=kind, link=link, tags=tags,
                            grade_band=band, focus_area=math)  # fmt: skip
    if not CoachGroup.objects.filter(program=program).exists():
        group = coach_group_form(program=program, name="Tuesday coaching circle", facilitator=director,
                                 members=coaches, cadence="every other Tuesday, 3:30")  # fmt: skip
        for weeks, agenda, notes in (
            (4, ["experience_sharing", "role_play"], "Practised the opening of a coaching conversation."),
            (2, ["goal_setting", "reflection"], "Each of us wrote a PEERS goal for our own practice."),
        ):
            group_meeting_record(group=group, date=today - dt.timedelta(weeks=weeks), agenda=agenda,
                                 attendees=coaches, notes=notes)  # fmt: skip
        goal = coach_goal_set(coach=coaches[0], group=group, shared_with_group=True,
                              statement="Ask more than I tell: three open questions in every coaching conversation",
                              measure="open questions per conversation", powerful=True, easy=True,
                              emotionally_compelling=True, reachable=True, student_focused=False)  # fmt: skip
        coach_goal_note(goal=goal, note="Recorded two conversations: 2 and 3 open questions.")
        met = coach_goal_set(coach=coaches[1], group=group, shared_with_group=True,
                             statement="Visit every school I serve at least once a week")  # fmt: skip
        coach_goal_note(goal=met, note="Four weeks in a row.", met=True)
    if not CheckIn.objects.filter(coach=coaches[0]).exists():
        _checkin_demo(coaches[0], today=today)


DEMO_COMMENTS = [
    "Our planning time is the most useful part.",
    "I like that I choose what we work on.",
    "More time in my room, please.",
    "The video of my lesson helped a lot.",
    "I feel listened to.",
]


def _checkin_demo(coach: Coach, *, today: dt.date) -> None:
    """A closed check-in with its results, and an open one with two of six answers in. The demo
    plays the teachers: it answers through their links instead of emailing them."""
    districts = contracts_served_by(coach).values("district")
    teachers = list(Teacher.objects.filter(district__in=districts, active=True).exclude(email="").order_by("pk")[:6])
    links: dict[int, list[str]] = {}

    def keep_links(checkin: CheckIn, invitations: list[Invitation]) -> None:
        links[checkin.pk] = [invitation.token for invitation in invitations]

    earlier = checkin_open(coach=coach, closes_on=today, teachers=teachers, deliver=keep_links,
                           title="Fall check-in: how is our coaching partnership going?")  # fmt: skip
    for i, token in enumerate(links[earlier.pk]):
        scores = {p: 2 + (i * 3 + n * 2) % 4 for n, p in enumerate(PRINCIPLES)}
        checkin_answer(token=token, comment=DEMO_COMMENTS[i] if i < len(DEMO_COMMENTS) else "", **scores)
    checkin_close(checkin=earlier)
    current = checkin_open(coach=coach, closes_on=today + dt.timedelta(days=14), teachers=teachers,
                           deliver=keep_links)  # fmt: skip
    for token in links[current.pk][:2]:
        checkin_answer(token=token, comment="", **dict.fromkeys(PRINCIPLES, 4))


# A 1×1 PNG: the demo's classroom photo (real PNG bytes, so it passes the upload checks).
DEMO_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63f8cfc0f01f0005000201a5f3a4f90000000049454e44ae426082"
)


def followup_demo_receiver(sender: object, *, today: dt.date, **kwargs: Any) -> dict[str, int]:
    """After the demo's PD session (with its follow-up groups, from `cycles.demo`) and coach group
    exist: shared classroom examples with feedback in the session and the group, and role-play
    practice in the group's role-play meeting. Safe to load twice."""
    session = PDSession.objects.filter(facilitator__user__username="coach").order_by("pk").first()
    group = CoachGroup.objects.filter(name="Tuesday coaching circle").first()
    if session is not None:
        _examples_demo(session)
    if group is not None:
        _group_space_demo(group)
    return {"follow-up groups": FollowUpGroup.objects.count(), "shared examples": SharedExample.objects.count(),
            "role-play turns": RolePlay.objects.count()}  # fmt: skip


def _examples_demo(session: PDSession) -> None:
    if session.shared_examples.exists():
        return
    ava = session.attendees.filter(user__isnull=False).select_related("user").order_by("pk").first()
    if ava is not None and ava.user is not None:
        photo = check_upload(SimpleUploadedFile("dot-cards.png", DEMO_PNG, content_type="image/png"))
        example = example_post(author=ava.user, session=session, title="Dot cards on the carpet, Grade 1",
                               note="Three images, ten minutes. Every child found a way to count the fives.",
                               upload=photo)  # fmt: skip
        example_comment_add(example=example, author=session.facilitator.user,
                            text="Lovely: it kept to ten minutes. Try recording their strategies.")  # fmt: skip
    example_post(author=session.facilitator.user, session=session, title="The number-talk recording sheet",
                 link="https://example.org/number-talk-recording-sheet",
                 note="The sheet I used in the modeled lesson, for anyone trying it this week.")  # fmt: skip


DEMO_ROLE_PLAYS = [
    (
        "coach",
        "A reluctant teacher who says coaching is not for them this year",
        "What would make this year a good one for you?\nWhat do your students do that you'd like to see more of?",
        "Good wait time after the first question. The second stem opened the conversation up.",
    ),
    (
        "coach3",
        "A teacher who wants to be told what to do",
        "What have you already tried?\nIf it worked perfectly, what would you see?",
        "Resist giving the answer at once: you did on the second try. Name the choice back to them.",
    ),
]


def _group_space_demo(group: CoachGroup) -> None:
    meeting = next((m for m in group.meetings.order_by("date") if "role_play" in m.agenda), None)
    members = {c.user.username: c for c in group.members.select_related("user")}
    if meeting is not None and not meeting.role_plays.exists():
        for username, scenario, stems, feedback in DEMO_ROLE_PLAYS:
            if username in members:
                role_play_record(meeting=meeting, scenario=scenario, practised_by=members[username],
                                 question_stems=stems, feedback=feedback)  # fmt: skip
    if not group.shared_examples.exists() and "coach2" in members:
        example = example_post(author=members["coach2"].user, group=group, title="My opening questions card",
                               note="The five questions I keep on a card for first conversations.",
                               link="https://example.org/opening-questions")  # fmt: skip
        if "coach" in members:
            example_comment_add(
                example=example,
                author=members["coach"].user,
                text="Borrowing the third one. Could we add a stem for a teacher who says no?",
            )
