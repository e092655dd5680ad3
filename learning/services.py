"""Writes for group learning: resources, PD sessions, coach groups, partnership check-ins.

The same rules as every app's services: keyword-only arguments, one transaction per action,
full_clean() before saving. Facilitating a PD session is logged through `coaching.services`.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from coaching.access import contracts_served_by
from coaching.coaching_plans import priority_check
from coaching.models import Activity, Coach, FocusArea, PlanPriority, Program, StandardsDomain
from coaching.services import EntryValues, domains_tag, entry_log, entry_update
from teachers.invitations import token_hash
from teachers.models import District, School, Teacher, User
from toolkit.schoolyear import school_year_of
from toolkit.uploads import attach_checked_upload

from .models import (
    MAX_GROUP,
    MIN_CHECKIN_RESPONSES,
    MIN_GROUP,
    PRINCIPLES,
    CheckIn,
    CheckInInvite,
    CheckInResponse,
    CoachGoal,
    CoachGoalNote,
    CoachGroup,
    ExampleComment,
    FollowUpGroup,
    FollowUpNeed,
    GroupMeeting,
    PDSession,
    Resource,
    RolePlay,
    SharedExample,
    SignUp,
    SignUpStatus,
)

FACILITATION = "Facilitation of Professional Development"


@transaction.atomic
def resource_create(
    *, program: Program, by: User, title: str, kind: str, link: str = "",
    upload: UploadedFile[bytes] | None = None, description: str = "",
    focus_area: FocusArea | None = None, grade_band: str = "", tags: str = "",
    domains: Iterable[StandardsDomain] | None = None,
) -> Resource:  # fmt: skip
    """Add a resource to the program's library (a link, or a file already checked by content),
    tagged with the standards' domains while the program has the lens on."""
    if not link and upload is None:
        raise ValidationError({"link": "Give a link or upload a file."})
    clean_tags = ", ".join(dict.fromkeys(t.strip().lower() for t in tags.split(",") if t.strip()))
    resource = Resource(program=program, created_by=by, title=title.strip(), kind=kind, link=link,
                        description=description.strip(), focus_area=focus_area, grade_band=grade_band,
                        tags=clean_tags[:200])  # fmt: skip
    if upload is not None:
        attach_checked_upload(resource, upload)
    resource.full_clean()
    resource.save()
    domains_tag(obj=resource, program=program, domains=domains)
    return resource


# ------------------------------------------------------------------------------------ PD sessions


@transaction.atomic
def pd_session_schedule(
    *, coach: Coach, district: District, title: str, date: dt.date, start_time: dt.time, minutes: int,
    focus_area: FocusArea, schools: Iterable[School] = (), grade_band: str = "", audience: str = "",
    description: str = "", capacity: int | None = None, resources: Iterable[Resource] = (),
    priority: PlanPriority | None = None, domains: Iterable[StandardsDomain] | None = None,
) -> PDSession:  # fmt: skip
    """Schedule a session in a district the coach serves that school year (its priority, if any,
    one of that district's plan for that year), tagged with the standards' domains while the
    program has the lens on."""
    schools = list(schools)
    if not contracts_served_by(coach).filter(district=district, school_year=school_year_of(date)).exists():
        raise ValidationError({"district": f"{district} is not on one of your contracts for that school year."})
    if any(s.district_id != district.pk for s in schools):
        raise ValidationError({"schools": f"Choose schools of {district}."})
    priority_check(priority=priority, program_id=coach.program_id, district_id=district.pk,
                   school_year=school_year_of(date))  # fmt: skip
    resources = [r for r in resources if r.program_id == coach.program_id]
    session = PDSession(program_id=coach.program_id, district=district, facilitator=coach, title=title.strip(),
                        date=date, start_time=start_time, minutes=minutes, grade_band=grade_band,
                        audience=audience.strip(), description=description.strip(), capacity=capacity,
                        focus_area=focus_area, priority=priority)  # fmt: skip
    session.full_clean()
    session.save()
    session.schools.set(schools)
    session.resources.set(resources)
    domains_tag(obj=session, program=coach.program, domains=domains)
    return session


@transaction.atomic
def pd_attendance_set(*, session: PDSession, teachers: Iterable[Teacher]) -> PDSession:
    """Record who attended, and log the facilitation time once (created, then kept in step)."""
    teachers = list(teachers)
    if session.date > timezone.localdate():
        raise ValidationError({"teachers": "Attendance is marked on or after the day of the session."})
    outsiders = [t.full_name for t in teachers if t.district_id != session.district_id]
    if outsiders:
        raise ValidationError({"teachers": f"Not on the {session.district} roster: {', '.join(outsiders)}."})
    if session.capacity and len(teachers) > session.capacity:
        raise ValidationError(
            {"teachers": f"{len(teachers)} attendees is more than the session's capacity of {session.capacity}."}
        )
    session.attendees.set(teachers)
    _log_facilitation(session, teachers)
    return session


def _log_facilitation(session: PDSession, teachers: list[Teacher]) -> None:
    """The facilitator's log entry for the session: attendees are its teachers, so the time-use
    report counts them as teachers reached and the hours as group professional learning."""
    schools = list(session.schools.all())
    values: EntryValues = {
        "date": session.date, "minutes": session.minutes, "district": session.district,
        "school": schools[0] if len(schools) == 1 else None,
        "activity": Activity.objects.get(program=None, name=FACILITATION), "focus_area": session.focus_area,
        "teachers": teachers, "start_time": session.start_time, "format": "in_person",
        "notes": f"PD session: {session.title}", "priority": session.priority,
    }  # fmt: skip
    try:
        if session.log_entry is not None:
            entry_update(entry=session.log_entry, **values)
        else:
            session.log_entry = entry_log(coach=session.facilitator, **values)
            session.save(update_fields=["log_entry"])
    except ValidationError as exc:
        # The time log's rules are keyed by its own fields; say them whole on the attendance form.
        raise ValidationError(
            "Attendance was not saved: the facilitation time could not be logged. " + " ".join(exc.messages)
        ) from exc


@transaction.atomic
def signup_request(
    *, session: PDSession, teacher: Teacher, kind: str, date_preferences: str = "", note: str = ""
) -> SignUp:
    """An attendee asks for a modeled lesson or co-teaching in their classroom (once per session)."""
    if not session.attendees.filter(pk=teacher.pk).exists():
        raise ValidationError("Only the session's attendees can sign up for classroom support.")
    signup, _ = SignUp.objects.update_or_create(
        session=session, teacher=teacher,
        defaults={"kind": kind, "date_preferences": date_preferences.strip(), "note": note.strip()},
    )  # fmt: skip
    return signup


@transaction.atomic
def signup_decide(*, signup: SignUp, accept: bool, scheduled_for: dt.date | None = None) -> SignUp:
    """Accept (with a date, so it becomes a scheduled item) or decline a classroom-support request."""
    if accept and scheduled_for is None:
        raise ValidationError({"scheduled_for": "Choose the date of the visit."})
    signup.status = SignUpStatus.ACCEPTED if accept else SignUpStatus.DECLINED
    signup.scheduled_for = scheduled_for if accept else None
    signup.full_clean()
    signup.save()
    return signup


# ------------------------------------------------------------------------------------ coach groups


@transaction.atomic
def coach_group_form(
    *, program: Program, name: str, facilitator: User, members: Iterable[Coach], cadence: str,
    group: CoachGroup | None = None,
) -> CoachGroup:  # fmt: skip
    """Form (or re-form) a group of 3–6 of the program's coaches."""
    members = list(dict.fromkeys(members))
    if not MIN_GROUP <= len(members) <= MAX_GROUP:
        raise ValidationError(
            {"members": f"A coach group has {MIN_GROUP} to {MAX_GROUP} coaches; you chose {len(members)}."}
        )
    if any(m.program_id != program.pk for m in members):
        raise ValidationError({"members": "Every member must be a coach of this program."})
    group = group or CoachGroup(program=program)
    group.name, group.facilitator, group.cadence = name.strip(), facilitator, cadence.strip()
    group.full_clean()
    group.save()
    group.members.set(members)
    return group


@transaction.atomic
def group_meeting_record(
    *, group: CoachGroup, date: dt.date, agenda: list[str], attendees: Iterable[Coach], notes: str = "",
    resources: Iterable[Resource] = (),
) -> GroupMeeting:  # fmt: skip
    attendees = list(attendees)
    member_ids = set(group.members.values_list("pk", flat=True))
    if any(a.pk not in member_ids for a in attendees):
        raise ValidationError({"attendees": "Only the group's members can attend its meetings."})
    meeting = GroupMeeting(group=group, date=date, agenda=list(agenda), notes=notes.strip())
    meeting.full_clean()
    meeting.save()
    meeting.attendees.set(attendees)
    meeting.resources.set([r for r in resources if r.program_id == group.program_id])
    return meeting


@transaction.atomic
def coach_goal_set(*, coach: Coach, statement: str, goal: CoachGoal | None = None, **fields: Any) -> CoachGoal:
    """Write a coach's own PEERS goal (shared with their group only when they choose)."""
    goal = goal or CoachGoal(coach=coach)
    goal.statement = statement.strip()
    for name, value in fields.items():
        setattr(goal, name, value)
    if goal.group is not None and not goal.group.members.filter(pk=coach.pk).exists():
        raise ValidationError({"group": "Share goals only with a group you belong to."})
    goal.full_clean()
    goal.save()
    return goal


@transaction.atomic
def coach_goal_note(*, goal: CoachGoal, note: str, date: dt.date | None = None, met: bool = False) -> CoachGoalNote:
    entry = CoachGoalNote(goal=goal, date=date or timezone.localdate(), note=note.strip())
    entry.full_clean()
    entry.save()
    if met and goal.met_on is None:
        goal.met_on = entry.date
        goal.save(update_fields=["met_on"])
    return entry


# ------------------------------------------------------------------------------------ check-ins


@dataclass(frozen=True)
class Invitation:
    """One teacher's link, held in memory only while it is sent: the database keeps its hash."""

    teacher: Teacher
    token: str


Deliver = Callable[[CheckIn, list[Invitation]], None]


checkin_token_hash = token_hash  # links are fingerprinted as invitations are (teachers.invitations)


def checkin_invitations_email(
    checkin: CheckIn, invitations: list[Invitation], *, link_for: Callable[[str], str]
) -> None:
    """Send each invited teacher their own link, by email, in one SMTP session."""
    coach = checkin.coach.user.display_name
    subject = f"{coach} asks: {checkin.title}"
    messages = []
    for invitation in invitations:
        context = {"checkin": checkin, "coach": coach, "teacher": invitation.teacher,
                   "link": link_for(invitation.token)}  # fmt: skip
        body = render_to_string("learning/email/checkin_invitation.txt", context)
        messages.append(EmailMessage(subject, body, to=[invitation.teacher.email]))
    with get_connection() as connection:
        connection.send_messages(messages)


@transaction.atomic
def checkin_open(
    *, coach: Coach, closes_on: dt.date, teachers: Iterable[Teacher], deliver: Deliver, title: str = ""
) -> CheckIn:
    """Open a check-in and invite each teacher with their own single-use link (`deliver` sends
    them: by email in the app). Only the links' hashes are stored, and no teacher with them. At
    least MIN_CHECKIN_RESPONSES teachers, each with an email, from the districts the coach serves."""
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if closes_on < today:
        errors["closes_on"] = "Choose a closing date from today on."
    invited = list(dict.fromkeys(teachers))
    served = set(contracts_served_by(coach).values_list("district_id", flat=True))
    if any(t.district_id not in served or not t.active for t in invited):
        errors["teachers"] = "Invite teachers of the districts you serve."
    elif len([t for t in invited if t.email]) < MIN_CHECKIN_RESPONSES:
        errors["teachers"] = (
            f"Invite at least {MIN_CHECKIN_RESPONSES} teachers with an email address: results are shown only "
            f"from {MIN_CHECKIN_RESPONSES} answers."
        )
    if errors:
        raise ValidationError(errors)
    invited = [t for t in invited if t.email]
    checkin = CheckIn(coach=coach, closes_on=closes_on, invited=len(invited),
                      **({"title": title.strip()} if title.strip() else {}))  # fmt: skip
    checkin.full_clean()
    checkin.save()
    invitations = [Invitation(teacher, secrets.token_urlsafe(32)) for teacher in invited]  # 256 bits each
    CheckInInvite.objects.bulk_create(
        [CheckInInvite(checkin=checkin, token_hash=checkin_token_hash(i.token)) for i in invitations]
    )
    random.SystemRandom().shuffle(invitations)  # the invite rows' order says nothing about whom
    try:
        deliver(checkin, invitations)
    except (OSError, smtplib.SMTPException) as exc:  # nothing half-opened: no check-in, no links
        raise ValidationError(f"The invitations could not be sent ({exc}); nothing was opened. Try again.") from exc
    return checkin


class CheckInLinkUnusable(Exception):
    """A check-in link that cannot take an answer: `reason` says why, for the person holding it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def checkin_for_token(token: str) -> CheckIn:
    """The check-in a live link belongs to; Http404-style LookupError for a link never made."""
    invite = CheckInInvite.objects.select_related("checkin__coach__user").filter(token_hash=checkin_token_hash(token))
    found = invite.first()
    if found is None:
        raise LookupError("No such check-in link.")
    return found.checkin


@transaction.atomic
def checkin_answer(*, token: str, comment: str = "", **scores: int) -> CheckInResponse:
    """Save one anonymous answer through a teacher's own link, once. Nothing about who answered
    is kept: the answer row has no link, no teacher and no time."""
    invite = (
        CheckInInvite.objects.select_for_update().select_related("checkin")
        .filter(token_hash=checkin_token_hash(token)).first()
    )  # fmt: skip
    if invite is None:
        raise LookupError("No such check-in link.")
    checkin = invite.checkin
    if checkin.is_closed or checkin.closes_on < timezone.localdate():
        raise CheckInLinkUnusable("This check-in has closed.")
    if invite.used:
        raise CheckInLinkUnusable("This link has been used: each link takes one answer.")
    response = CheckInResponse(checkin=checkin, comment=comment.strip(), **{p: scores[p] for p in PRINCIPLES})
    response.full_clean()
    response.save()
    CheckInInvite.objects.filter(pk=invite.pk).update(used=True)
    CheckIn.objects.filter(pk=checkin.pk).update(answered=F("answered") + 1)
    return response


def checkin_results_freeze(rows: list[dict[str, Any]], *, note: str = "") -> dict[str, Any]:
    """The results shown for good: averages (one decimal) only from MIN_CHECKIN_RESPONSES answers,
    comments only from that many comments and in random order, else nothing."""
    shown = len(rows) >= MIN_CHECKIN_RESPONSES
    comments = [r["comment"] for r in rows if r["comment"]]
    random.SystemRandom().shuffle(comments)
    return {
        "answers": len(rows),
        "shown": shown,
        "principles": [[p, round(sum(r[p] for r in rows) / len(rows), 1)] for p in PRINCIPLES] if shown else [],
        "comments": comments if shown and len(comments) >= MIN_CHECKIN_RESPONSES else [],
        "comments_withheld": shown and 0 < len(comments) < MIN_CHECKIN_RESPONSES,
        "note": note,
    }


@transaction.atomic
def checkin_close(*, checkin: CheckIn) -> CheckIn:
    """Close a check-in (its coach, or its end date): freeze its results, and forget its links'
    hashes. Closing twice changes nothing."""
    locked = CheckIn.objects.select_for_update().get(pk=checkin.pk)
    if locked.is_closed:
        return locked
    rows = list(CheckInResponse.objects.filter(checkin=locked).values(*PRINCIPLES, "comment"))
    locked.results = checkin_results_freeze(rows)
    locked.closed_at = timezone.now()
    locked.save(update_fields=["results", "closed_at"])
    CheckInInvite.objects.filter(checkin=locked).delete()
    return locked


def checkins_close_due(*, today: dt.date | None = None) -> int:
    """Close every open check-in whose last day has passed (the nightly job, and any page that
    shows check-ins). Returns how many were closed."""
    day = today or timezone.localdate()
    due = list(CheckIn.objects.filter(closed_at__isnull=True, closes_on__lt=day))
    for checkin in due:
        checkin_close(checkin=checkin)
    return len(due)


# ------------------------------------------------------------ differentiated follow-up after PD


@dataclass(frozen=True)
class FollowUpOffer:
    """What one follow-up group is offered, and when it was offered and done."""

    next_step: str
    offer: str = ""
    offered_on: dt.date | None = None
    done_on: dt.date | None = None


@transaction.atomic
def followup_groups_set(
    *, session: PDSession, placements: dict[int, str], offers: dict[str, FollowUpOffer]
) -> list[FollowUpGroup]:
    """Sort a session's attendees into follow-up groups by need (`placements`: teacher id -> a
    FollowUpNeed value; an attendee left out is in no group) and record each group's next step.
    A need with nobody placed in it has no group. Only attendees are placed."""
    attendee_ids = set(session.attendees.values_list("pk", flat=True))
    outsiders = set(placements) - attendee_ids
    if outsiders:
        raise ValidationError("Only the session's attendees can be placed in its follow-up groups.")
    if any(need not in FollowUpNeed.values for need in placements.values()):
        raise ValidationError("Choose one of the follow-up groups.")
    today = timezone.localdate()
    errors: dict[str, str] = {}
    for need, offer in offers.items():
        if offer.offered_on is not None and offer.offered_on < session.date:
            errors[f"offered_{need}"] = "A follow-up is offered on or after the day of the session."
        if offer.offered_on is not None and offer.offered_on > today:
            errors[f"offered_{need}"] = "Record the day it was offered once it has been."
        if offer.done_on is not None and offer.offered_on is None:
            errors[f"done_{need}"] = "Say when it was offered first."
        elif offer.done_on is not None and offer.offered_on is not None and offer.done_on < offer.offered_on:
            errors[f"done_{need}"] = "It was done on or after the day it was offered."
        if offer.done_on is not None and offer.done_on > today:
            errors[f"done_{need}"] = "Record it as done once it has been."
    if errors:
        raise ValidationError(errors)
    kept: list[FollowUpGroup] = []
    for need in FollowUpNeed.values:
        members = sorted(t for t, n in placements.items() if n == need)
        if not members:
            FollowUpGroup.objects.filter(session=session, need=need).delete()
            continue
        offer = offers[need]
        group, _ = FollowUpGroup.objects.update_or_create(
            session=session, need=need,
            defaults={"next_step": offer.next_step, "offer": offer.offer.strip(), "offered_on": offer.offered_on,
                      "done_on": offer.done_on},
        )  # fmt: skip
        group.full_clean()
        group.members.set(members)
        kept.append(group)
    return kept


# ------------------------------------------------------------------- shared classroom examples


@transaction.atomic
def example_post(
    *, author: User, title: str, session: PDSession | None = None, group: CoachGroup | None = None,
    note: str = "", link: str = "", upload: UploadedFile[bytes] | None = None,
) -> SharedExample:  # fmt: skip
    """Post a classroom example (a file already checked by content, a link or a short note) to
    a PD session's or a coach group's shared space. The caller has checked the author is in it."""
    if not note.strip() and not link and upload is None:
        raise ValidationError({"note": "Add a short note, a link or a file."})
    example = SharedExample(session=session, group=group, author=author, title=title.strip(), note=note.strip(),
                            link=link)  # fmt: skip
    if upload is not None:
        attach_checked_upload(example, upload)
    example.full_clean()
    example.save()
    return example


@transaction.atomic
def example_comment_add(*, example: SharedExample, author: User, text: str) -> ExampleComment:
    """A member's feedback on an example of their space."""
    comment = ExampleComment(example=example, author=author, text=text.strip())
    comment.full_clean()
    comment.save()
    return comment


# --------------------------------------------------------------- role-play practice in meetings


@transaction.atomic
def role_play_record(
    *, meeting: GroupMeeting, scenario: str, practised_by: Coach, question_stems: str, feedback: str = ""
) -> RolePlay:
    """One member's turn at role-play practice in a meeting of their group."""
    if not meeting.group.members.filter(pk=practised_by.pk).exists():
        raise ValidationError({"practised_by": "Only the group's members practise in its meetings."})
    stems = "\n".join(line.strip() for line in question_stems.splitlines() if line.strip())
    play = RolePlay(meeting=meeting, scenario=scenario.strip(), practised_by=practised_by, question_stems=stems,
                    feedback=feedback.strip())  # fmt: skip
    play.full_clean()
    play.save()
    return play
