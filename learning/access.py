"""Who may see and change the group-learning rows. Every learning view starts here.

Rules:
- A program's resource library is for its coaches and directors; anyone holding a resource's
  QR link can open that one resource (shared materials, not confidential content).
- A coach sees the program's PD sessions in the districts they serve; a director, the
  program's. Only a session's facilitator changes it (attendance, sign-ups, follow-up links).
- A coach group is read by its members and facilitator (notes, shared goals); a director of its
  program sees that it exists and who is in it, and forms groups.
- Check-ins are their coach's; a director sees their coaches'. Answers are read only in
  aggregate, never one by one.
- A PD session's follow-up groups (who needs what next) are its facilitator's only.
- A shared examples space is its PD session's attendees (signed in as that roster teacher) and
  facilitator, or its coach group's members and facilitator: nobody else, not a director, not a
  district administrator, not a peer of the same school. Everyone else gets a 404, files too.
- A meeting's role-play practice is read and written by its group's members and facilitator.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from coaching.access import coach_for, contracts_served_by, directs_a_program, programs_directed_by
from coaching.models import Coach, Program
from teachers.models import User
from toolkit.params import parse_id_param

from .models import CheckIn, CoachGroup, GroupMeeting, PDSession, Resource, SharedExample


def resources_visible_to(user: User) -> QuerySet[Resource]:
    """A program's library: its coaches and directors see it (anyone with the QR link can open one)."""
    coach = coach_for(user)
    if coach is not None:
        return Resource.objects.filter(program_id=coach.program_id)
    return Resource.objects.filter(program__in=programs_directed_by(user))


def library_programs_for(user: User) -> QuerySet[Program]:
    """The programs whose library this person adds to: a coach's own, a director's programs."""
    coach = coach_for(user)
    if coach is not None:
        return Program.objects.filter(pk=coach.program_id)
    return programs_directed_by(user).order_by("name", "pk")


def _choose(programs: list[Program], chosen: object) -> Program | None:
    pk = parse_id_param(chosen if isinstance(chosen, str) else None)
    return next((p for p in programs if p.pk == pk), programs[0] if programs else None)


def library_program_for(user: User, chosen: object = None) -> tuple[Program, list[Program]]:
    """The program whose library a person is working in, and the programs they could choose: a
    coach's own; for a director of several programs the one they chose (`?program=`), else the
    first by name. 403 for anyone else; a program that is not theirs is never chosen."""
    programs = list(library_programs_for(user))
    program = _choose(programs, chosen)
    if program is None:
        raise PermissionDenied("The resource library belongs to coaches and program directors.")
    return program, programs


def may_see_coach_groups(user: User, groups: QuerySet[CoachGroup]) -> bool:
    return coach_for(user) is not None or may_form_groups(user) or groups.exists()


def group_program_for(user: User, chosen: object = None) -> tuple[Program, list[Program]]:
    """The program a director forms a coach group in (their chosen one of several), and their
    programs; 403 for anyone else."""
    programs = list(programs_directed_by(user).order_by("name", "pk"))
    program = _choose(programs, chosen)
    if program is None:
        raise PermissionDenied("Program directors form coach groups.")
    return program, programs


def groups_of(coach: Coach) -> QuerySet[CoachGroup]:
    """A coach's own groups, oldest first: a coach may be in several."""
    return coach.coach_groups.order_by("pk")


def may_see_checkins(user: User) -> bool:
    """Coaches (their own) and directors (their coaches', in aggregate)."""
    return coach_for(user) is not None or programs_directed_by(user).exists()


def may_see_pd_sessions(user: User, sessions: QuerySet[PDSession]) -> bool:
    return coach_for(user) is not None or sessions.exists()


def get_resource_for(user: User, public_id: object) -> Resource:
    resource = resources_visible_to(user).filter(public_id=_uuid(public_id)).first()
    if resource is None:
        raise Http404("No such resource.")
    return resource


def pd_sessions_visible_to(user: User) -> QuerySet[PDSession]:
    """A coach: the program's sessions in districts they serve. A director: the program's."""
    coach = coach_for(user)
    if coach is not None:
        districts = contracts_served_by(coach).values("district")
        return PDSession.objects.filter(program_id=coach.program_id, district__in=districts)
    return PDSession.objects.filter(program__in=programs_directed_by(user))


def get_pd_session_for(user: User, public_id: object, *, write: bool = False) -> PDSession:
    """A session this person may see (404 otherwise); with write=True only its facilitator (403)."""
    session = (
        pd_sessions_visible_to(user)
        .select_related("district", "facilitator__user", "focus_area")
        .filter(public_id=_uuid(public_id))
        .first()
    )
    if session is None:
        raise Http404("No such session.")
    if write and not is_pd_facilitator(user, session):
        raise PermissionDenied("Only the session's facilitator can change it.")
    return session


def is_pd_facilitator(user: User, session: PDSession) -> bool:
    """The session's facilitator: the one person who changes it and reads its follow-ups."""
    return session.facilitator.user_id == user.pk


def coach_groups_visible_to(user: User) -> QuerySet[CoachGroup]:
    """Groups a person belongs to, facilitates, or (as director) runs in their program."""
    coach = coach_for(user)
    mine = Q(facilitator=user)
    if coach is not None:
        mine |= Q(members=coach)
    return CoachGroup.objects.filter(mine | Q(program__in=programs_directed_by(user))).distinct()


def in_coach_group(user: User, group: CoachGroup) -> bool:
    """Members and the facilitator are the group; only they read its notes and shared goals."""
    coach = coach_for(user)
    return group.facilitator_id == user.pk or (coach is not None and group.members.filter(pk=coach.pk).exists())


def get_coach_group_for(user: User, pk: int) -> CoachGroup:
    group = coach_groups_visible_to(user).select_related("facilitator", "program").filter(pk=pk).first()
    if group is None:
        raise Http404("No such group.")
    return group


def may_form_groups(user: User) -> bool:
    """Program directors (and site administrators) form coach groups."""
    return directs_a_program(user)


def checkins_visible_to(user: User) -> QuerySet[CheckIn]:
    """A coach's own check-ins (open ones with their progress); a director's coaches' closed ones
    only, whose results are frozen. Answers are only ever read in aggregate."""
    coach = coach_for(user)
    if coach is not None:
        return CheckIn.objects.filter(coach=coach)
    return CheckIn.objects.filter(coach__program__in=programs_directed_by(user), closed_at__isnull=False)


def _uuid(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise Http404("Not found.") from exc


def get_example_space_session(user: User, public_id: object) -> PDSession:
    """A PD session whose shared space this person is in: an attendee signed in as that roster
    teacher, or the facilitator. 404 for everyone else (the session's existence included)."""
    in_space = Q(attendees__user=user) | Q(facilitator__user=user) if user.is_authenticated else Q(pk__in=[])
    session = (
        PDSession.objects.select_related("district", "facilitator__user")
        .filter(in_space, public_id=_uuid(public_id)).distinct().first()
    )  # fmt: skip
    if session is None:
        raise Http404("No such session.")
    return session


def get_example_space_group(user: User, pk: int) -> CoachGroup:
    """A coach group whose shared space this person is in (a member or its facilitator); 404 otherwise."""
    group = CoachGroup.objects.select_related("facilitator", "program").filter(pk=pk).first()
    if group is None or not in_coach_group(user, group):
        raise Http404("No such group.")
    return group


def examples_visible_to(user: User) -> QuerySet[SharedExample]:
    """The shared examples of every space this person is in."""
    if not user.is_authenticated:
        return SharedExample.objects.none()
    spaces = Q(session__attendees__user=user) | Q(session__facilitator__user=user) | Q(group__facilitator=user)
    coach = coach_for(user)
    if coach is not None:
        spaces |= Q(group__members=coach)
    return SharedExample.objects.filter(pk__in=SharedExample.objects.filter(spaces).values("pk"))


def get_example_for(user: User, pk: int) -> SharedExample:
    example = examples_visible_to(user).select_related("session", "group").filter(pk=pk).first()
    if example is None:
        raise Http404("No such example.")
    return example


def get_meeting_for_practice(user: User, group_pk: int, meeting_pk: int) -> GroupMeeting:
    """A meeting of a group this person is in (member or facilitator); 404 otherwise."""
    group = get_example_space_group(user, group_pk)
    meeting = group.meetings.select_related("group").filter(pk=meeting_pk).first()
    if meeting is None:
        raise Http404("No such meeting.")
    return meeting
