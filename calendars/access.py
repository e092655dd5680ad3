"""Who may use calendars. A coach imports their own calendar and confirms their own drafts; a
draft is its coach's alone (anyone else gets 404, as for a missing one). The feed is a capability
address: whoever holds it reads it, like a calendar app's private address; it answers only while
its coach is active."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from coaching.access import coach_for
from coaching.models import Coach
from teachers.invitations import token_hash
from teachers.models import User

from .models import CalendarDraft, CalendarFeed


def may_use_calendars(user: User) -> bool:
    """Coaches import calendars and keep a feed."""
    return coach_for(user) is not None


def drafts_visible_to(user: User) -> QuerySet[CalendarDraft]:
    """The user's own drafts (a coach's), nobody else's."""
    coach = coach_for(user)
    if coach is None:
        return CalendarDraft.objects.none()
    return CalendarDraft.objects.filter(coach=coach)


def get_draft_for(user: User, pk: int) -> CalendarDraft:
    """One of the user's own drafts still waiting, or 404 whether missing, someone else's or done."""
    try:
        return drafts_visible_to(user).get(pk=pk, confirmed_at__isnull=True, discarded_at__isnull=True)
    except CalendarDraft.DoesNotExist as exc:
        raise Http404("No such draft.") from exc


def coach_for_feed_token(token: str) -> Coach:
    """The coach whose feed this token opens, or 404: an unknown or replaced token, or a coach who
    is no longer active (or cannot sign in)."""
    feed = (
        CalendarFeed.objects.select_related("coach__user", "coach__program")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if feed is None or not feed.coach.active or not feed.coach.user.is_active:
        raise Http404("No such calendar.")
    return feed.coach
