"""Writes for Impact Cycles. One function per business action; each checks its own rules."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from coaching.access import contracts_served_by
from coaching.coaching_plans import priority_check
from coaching.models import Coach, FocusArea, LogEntry, StandardsDomain
from coaching.selectors import activity_list
from coaching.services import domains_tag, entry_log
from learning.models import GroupMeeting, PDSession, Resource, SignUp, SignUpStatus
from learning.services import signup_request
from teachers.audit import AuditAction, audit_record
from teachers.invitations import token_hash
from teachers.models import Teacher, User
from toolkit.schoolyear import school_year_of
from toolkit.uploads import attach_checked_upload

from .lifecycle import move_readiness
from .models import (
    MODELED_ACTIVITY,
    MODELED_MODES,
    STAGE_ORDER,
    TIMED_KINDS,
    Adjustment,
    AdjustmentKind,
    ChecklistItem,
    Cycle,
    CycleTime,
    Evidence,
    EvidenceKind,
    Goal,
    Occasion,
    Outcome,
    ProgressMeasure,
    Reflection,
    ReflectionLink,
    Stage,
    StageChange,
)

MAX_TEAM = 6
LINK_LIFETIME = dt.timedelta(days=14)


class StaleEdit(ValidationError):
    """Someone saved the cycle after this form was opened."""


def _bump(cycle: Cycle, expected_version: int | None) -> None:
    """Optimistic lock: refuse a save based on an old version, then move the version on."""
    if expected_version is not None:
        updated = Cycle.objects.filter(pk=cycle.pk, version=expected_version).update(
            version=F("version") + 1, updated_at=timezone.now()
        )
        if not updated:
            raise StaleEdit(
                "Someone else changed this cycle after you opened it. Your changes were not saved: "
                "reload the page to see theirs, then make yours again."
            )
        cycle.version = expected_version + 1
    else:
        Cycle.objects.filter(pk=cycle.pk).update(version=F("version") + 1, updated_at=timezone.now())
        cycle.refresh_from_db(fields=["version"])


@transaction.atomic
def cycle_start(*, coach: Coach, teachers: Iterable[Teacher], title: str, started_on: dt.date | None = None) -> Cycle:
    """Open a cycle in Identify with one teacher or a small team from one school."""
    teachers = list(teachers)
    if not teachers:
        raise ValidationError({"teachers": "Choose the teacher (or up to six teachers of one school)."})
    if len(teachers) > MAX_TEAM:
        raise ValidationError({"teachers": f"A team cycle has at most {MAX_TEAM} teachers."})
    schools = {t.school_id for t in teachers}
    if len(schools) > 1:
        raise ValidationError({"teachers": "A team cycle's teachers must all teach at the same school."})
    first = teachers[0]
    if not contracts_served_by(coach).filter(district_id=first.district_id).exists():
        raise ValidationError({"teachers": "These teachers are not in a district you serve."})
    cycle = Cycle(
        coach=coach,
        district_id=first.district_id,
        school_id=first.school_id,
        title=title.strip(),
        started_on=started_on or timezone.localdate(),
    )
    cycle.full_clean()
    cycle.save()
    cycle.teachers.set(teachers)
    StageChange.objects.create(cycle=cycle, from_stage="", to_stage=Stage.IDENTIFY, changed_by=coach.user)
    return cycle


ALLOWED_WITHOUT_REASON = {
    (Stage.IDENTIFY, Stage.LEARN),
    (Stage.LEARN, Stage.IMPROVE),
    (Stage.IMPROVE, Stage.CLOSED),
}


@transaction.atomic
def cycle_move(
    *,
    cycle: Cycle,
    to_stage: str,
    by: User,
    reason: str = "",
    outcome: str = "",
    goal_met: bool | None = None,
    closing_note: str = "",
    agency_at_close: str = "",
    expected_version: int | None = None,
) -> Cycle:
    """Move a cycle to another stage and record who did it and why.

    Forward one stage at a time needs no reason; skipping a stage, closing early, or going back
    from Improve to Learn (revisiting the strategy) does. Leaving Identify needs a PEERS goal and
    a strategy. Closing needs an outcome, and asks student agency again (`agency_at_close`: how
    did this empower learners?). A closed cycle does not move again.
    """
    Cycle.objects.select_for_update().filter(pk=cycle.pk).exists()  # lock the row, then read it fresh
    cycle.refresh_from_db()
    current, target = Stage(cycle.stage), Stage(to_stage)
    reason = reason.strip()
    if current == Stage.CLOSED:
        raise ValidationError({"to_stage": "This cycle is closed. Start a new cycle to keep going."})
    if target == current:
        raise ValidationError({"to_stage": f"The cycle is already in {current.label}."})
    going_back = STAGE_ORDER.index(target) < STAGE_ORDER.index(current)
    if going_back and (current, target) != (Stage.IMPROVE, Stage.LEARN):
        raise ValidationError({"to_stage": "A cycle can only go back from Improve to Learn."})
    if (current, target) not in ALLOWED_WITHOUT_REASON and not reason:
        what = "Going back to Learn" if going_back else f"Moving from {current.label} to {target.label}"
        raise ValidationError({"reason": f"{what} skips the usual order: say why."})
    readiness = move_readiness(cycle, target)  # the same checklist the cycle page shows
    if not readiness.ready:
        raise ValidationError({"to_stage": readiness.refusal()})
    if target == Stage.CLOSED:
        if outcome not in Outcome.values:
            raise ValidationError({"outcome": "Choose how the cycle ended."})
        if goal_met is None:
            raise ValidationError({"goal_met": "Say whether the goal was met."})
        cycle.outcome = outcome
        cycle.goal_met = goal_met
        cycle.closing_note = closing_note.strip()
        cycle.agency_at_close = agency_at_close.strip()
        cycle.closed_on = timezone.localdate()
        if goal_met:
            cycle.goals.filter(is_current=True, met_on__isnull=True).update(met_on=timezone.localdate())
    _bump(cycle, expected_version)
    cycle.stage = target
    cycle.save(update_fields=["stage", "outcome", "goal_met", "closing_note", "agency_at_close", "closed_on"])
    StageChange.objects.create(cycle=cycle, from_stage=current, to_stage=target, changed_by=by, reason=reason)
    return cycle


@transaction.atomic
def cycle_update_plan(
    *,
    cycle: Cycle,
    by: User,
    expected_version: int | None = None,
    domains: Iterable[StandardsDomain] | None = None,
    **fields: Any,
) -> Cycle:
    """Change the Identify/Learn fields (current reality, strategy, how to learn it, notes) and,
    while the program has the standards lens on, the cycle's domains (`None`: left as they are)."""
    allowed = {"title", "current_reality", "strategy", "strategy_description", "learn_mode", "learn_date",
               "coach_notes", "priority"}  # fmt: skip
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"cycle_update_plan() got unexpected fields: {sorted(unknown)}")
    if cycle.is_closed:
        raise ValidationError("This cycle is closed.")
    if "priority" in fields:
        priority_check(priority=fields["priority"], program_id=cycle.coach.program_id, district_id=cycle.district_id,
                       school_year=school_year_of(cycle.started_on))  # fmt: skip
    _bump(cycle, expected_version)
    for name, value in fields.items():
        setattr(cycle, name, value)
    cycle.full_clean()
    cycle.save(update_fields=[*fields, "updated_at"])
    domains_tag(obj=cycle, program=cycle.coach.program, domains=domains)
    return cycle


@transaction.atomic
def goal_set(
    *,
    cycle: Cycle,
    by: User,
    replace: bool = False,
    domains: Iterable[StandardsDomain] | None = None,
    **fields: Any,
) -> Goal:
    """Write the cycle's current PEERS goal (replace=True keeps the old one as history), and its
    standards' domains while the program has the lens on (`None`: left as they are)."""
    if cycle.is_closed:
        raise ValidationError("This cycle is closed.")
    if fields.get("reachable") and (fields.get("target") is None or not fields.get("deadline")):
        raise ValidationError({"reachable": "A Reachable goal has a measurable target and a deadline."})
    current = cycle.goals.filter(is_current=True).first()
    if current is not None and replace:
        current.is_current = False
        current.save(update_fields=["is_current", "updated_at"])
        current = None
    goal = current or Goal(cycle=cycle, created_by=by)
    for name, value in fields.items():
        setattr(goal, name, value)
    goal.full_clean()
    goal.save()
    domains_tag(obj=goal, program=cycle.coach.program, domains=domains)
    _bump(cycle, None)
    return goal


def focus_area_last_used(*, cycle: Cycle) -> FocusArea | None:
    """The focus area of the cycle's latest entry that has one: the default for its next entry."""
    link = (
        CycleTime.objects.filter(cycle=cycle, entry__focus_area__isnull=False)
        .select_related("entry__focus_area")
        .order_by("-entry__date", "-entry_id")
        .first()
    )
    return link.entry.focus_area if link else None


# Where a refusal of `entry_log` is shown on a cycle's small time forms (date, minutes, start time,
# focus area): a district off the coach's contracts that year is a matter of the date.
_ERROR_FIELD = {"date": "date", "minutes": "minutes", "focus_area": "focus_area", "start_time": "start_time",
                "end_time": "start_time", "district": "date"}  # fmt: skip


def _cycle_entry_log(
    *,
    cycle: Cycle,
    activity_name: str,
    date: dt.date,
    minutes: int,
    start_time: dt.time | None,
    focus_area: FocusArea | None,
) -> LogEntry:
    """Log the coach's time for this cycle under every rule of the coaching log (its district,
    school and teachers, no notes: the cycle's contents stay confidential) and count it toward the
    cycle. A refusal is raised keyed by the fields of the cycle's time forms."""
    coach = cycle.coach
    activity = activity_list(coach=coach).filter(name=activity_name).first()
    if activity is None:
        raise ValidationError({"minutes": f"“{activity_name}” is not an activity of your program."})
    end_time = None
    if start_time is not None:
        end = dt.datetime.combine(date, start_time) + dt.timedelta(minutes=minutes)
        end_time = end.time() if end.date() == date else None
    try:
        entry = entry_log(coach=coach, date=date, minutes=minutes, district=cycle.district, school=cycle.school,
                          teachers=cycle.teachers.all(), activity=activity,
                          focus_area=focus_area or focus_area_last_used(cycle=cycle), start_time=start_time,
                          end_time=end_time)  # fmt: skip
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for field, messages in exc.message_dict.items():
            errors.setdefault(_ERROR_FIELD.get(field, NON_FIELD_ERRORS), []).extend(messages)
        raise ValidationError(errors) from exc
    CycleTime.objects.create(cycle=cycle, entry=entry)
    return entry


@transaction.atomic
def evidence_add(
    *,
    cycle: Cycle,
    by: User,
    kind: str,
    note: str = "",
    link: str = "",
    upload: Any = None,
    date: dt.date | None = None,
    minutes: int | None = None,
    start_time: dt.time | None = None,
    focus_area: FocusArea | None = None,
) -> Evidence:
    """Add a piece of current-reality evidence (a note, a link, or an already-checked file). An
    observation or a coaching conversation given a length is also the coach's time: one log entry,
    counted toward the cycle, that the evidence points at. All of it, or nothing."""
    timed = minutes is not None
    if not (note.strip() or link or upload or timed):
        raise ValidationError({"note": "Add a note, a link or a file."})
    evidence = Evidence(cycle=cycle, kind=kind, note=note.strip(), link=link, added_by=by)
    if timed:
        if cycle.coach.user_id != by.pk:
            raise ValidationError({"minutes": "Only the cycle's coach logs time."})
        if kind not in TIMED_KINDS:
            raise ValidationError({"minutes": "Time is logged for an observation or a coaching conversation."})
        if date is None:
            raise ValidationError({"date": "Say when it took place."})
        evidence.entry = _cycle_entry_log(cycle=cycle, activity_name=TIMED_KINDS[EvidenceKind(kind)], date=date,
                                          minutes=minutes or 0, start_time=start_time,
                                          focus_area=focus_area)  # fmt: skip
    if upload is not None:
        attach_checked_upload(evidence, upload)
    evidence.full_clean()
    evidence.save()
    return evidence


@transaction.atomic
def modeled_lesson_record(
    *,
    cycle: Cycle,
    by: User,
    date: dt.date,
    minutes: int,
    start_time: dt.time | None = None,
    focus_area: FocusArea | None = None,
) -> LogEntry:
    """Record the lesson the coach modeled (or co-taught) in Learn as the coach's log entry,
    counted toward the cycle, once."""
    cycle = Cycle.objects.select_for_update().select_related("coach", "district", "school").get(pk=cycle.pk)
    if cycle.coach.user_id != by.pk:
        raise ValidationError({"minutes": "Only the cycle's coach logs time."})
    if cycle.learn_mode not in MODELED_MODES or cycle.stage not in (Stage.LEARN, Stage.IMPROVE):
        raise ValidationError({"date": "Only a lesson the coach models or co-teaches in Learn is recorded here."})
    if cycle.modeled_entry_id is not None:
        raise ValidationError({"date": "The modeled lesson is already recorded."})
    entry = _cycle_entry_log(cycle=cycle, activity_name=MODELED_ACTIVITY, date=date, minutes=minutes,
                             start_time=start_time, focus_area=focus_area)  # fmt: skip
    cycle.modeled_entry = entry
    cycle.save(update_fields=["modeled_entry", "updated_at"])
    return entry


@transaction.atomic
def checklist_add(*, cycle: Cycle, text: str) -> ChecklistItem:
    position = (cycle.checklist.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    item = ChecklistItem(cycle=cycle, text=text.strip(), position=position)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def checklist_toggle(*, item: ChecklistItem) -> ChecklistItem:
    item.done = not item.done
    item.save(update_fields=["done"])
    return item


@transaction.atomic
def checklist_remove(*, item: ChecklistItem) -> None:
    item.delete()


@transaction.atomic
def progress_record(
    *, cycle: Cycle, by: User, date: dt.date, value: Decimal, n_students: int | None = None, note: str = ""
) -> ProgressMeasure:
    """Add a data point of the current goal's measure; marks the goal met when it reaches the target."""
    goal = cycle.goals.filter(is_current=True).first()
    if goal is None:
        raise ValidationError({"value": "Write the goal before recording progress toward it."})
    if date > timezone.localdate():
        raise ValidationError({"date": "The date cannot be in the future."})
    measure = ProgressMeasure(goal=goal, date=date, value=value, n_students=n_students, note=note.strip(),
                              recorded_by=by)  # fmt: skip
    measure.full_clean()
    measure.save()
    if value >= goal.target and goal.met_on is None:
        goal.met_on = date
        goal.save(update_fields=["met_on", "updated_at"])
    return measure


@transaction.atomic
def adjustment_record(*, cycle: Cycle, by: User, kind: str, note: str) -> Adjustment:
    """Record an adjustment in Improve; revisiting the strategy moves the cycle back to Learn."""
    if cycle.stage != Stage.IMPROVE:
        raise ValidationError({"kind": "Adjustments are made in the Improve stage."})
    if not note.strip():
        raise ValidationError({"note": "Say what you are changing and why."})
    adjustment = Adjustment(cycle=cycle, kind=kind, note=note.strip(), made_by=by)
    adjustment.full_clean()
    adjustment.save()
    if kind == AdjustmentKind.REVISIT_STRATEGY:
        cycle_move(cycle=cycle, to_stage=Stage.LEARN, by=by, reason=note)
    return adjustment


@transaction.atomic
def cycle_share(*, cycle: Cycle, teacher: Teacher, shared: bool) -> Cycle:
    """The teacher's choice: show (or stop showing) the goal and progress to administrators."""
    if not cycle.teachers.filter(pk=teacher.pk).exists():
        raise ValidationError("Only the cycle's own teachers decide what is shared.")
    cycle.shared_with_admins = shared
    cycle.shared_changed_at = timezone.now()
    cycle.save(update_fields=["shared_with_admins", "shared_changed_at", "updated_at"])
    audit_record(
        action=AuditAction.SHARING_CHANGE,
        actor=teacher.user,
        district=cycle.district_id,
        object_type="cycle",
        actor_label="" if teacher.user else f"{teacher.full_name} (teacher)",
        object_ref=cycle.public_id,
        detail="shared goal and progress" if shared else "withdrew sharing",
    )
    return cycle


@transaction.atomic
def time_link(*, cycle: Cycle, entries: Iterable[LogEntry]) -> int:
    """Count the coach's own entries as time invested in this cycle; returns how many were linked."""
    entries = [e for e in entries if e.coach_id == cycle.coach_id]
    existing = set(CycleTime.objects.filter(entry__in=entries).values_list("entry_id", flat=True))
    new = [CycleTime(cycle=cycle, entry=e) for e in entries if e.pk not in existing]
    CycleTime.objects.bulk_create(new)
    return len(new)


@transaction.atomic
def time_unlink(*, cycle: Cycle, entry: LogEntry) -> None:
    CycleTime.objects.filter(cycle=cycle, entry=entry).delete()


@transaction.atomic
def reflection_write(
    *,
    author: User | None,
    teacher: Teacher | None,
    cycle: Cycle | None,
    occasion: str,
    pd_session: PDSession | None = None,
    group_meeting: GroupMeeting | None = None,
    what_happened: str,
    what_worked: str = "",
    what_was_hard: str = "",
    what_next: str = "",
    confidence: int | None = None,
    via_link: bool = False,
    principle: str = "",
) -> Reflection:
    """Save a reflection by a teacher (signed in or through a link) or by a coach. A partnership
    principle is kept only from a teacher reflecting on a cycle (the lens is theirs)."""
    if principle and (teacher is None or cycle is None):
        raise ValidationError({"principle": "Only a teacher reflecting on a cycle names a partnership principle."})
    reflection = Reflection(
        author=author, teacher=teacher, cycle=cycle, pd_session=pd_session, group_meeting=group_meeting,
        occasion=occasion or Occasion.FREE,
        what_happened=what_happened.strip(), what_worked=what_worked.strip(), what_was_hard=what_was_hard.strip(),
        what_next=what_next.strip(), confidence=confidence, via_link=via_link, principle=principle,
    )  # fmt: skip
    reflection.full_clean()
    reflection.save()
    return reflection


hash_token = token_hash  # links are fingerprinted as invitations are (teachers.invitations)


@transaction.atomic
def reflection_link_create(*, cycle: Cycle, teacher: Teacher, by: User, occasion: str) -> tuple[ReflectionLink, str]:
    """Make a private reflection link for one teacher of the cycle. Returns the row and the raw
    token, which is shown once and never stored (only its SHA-256 is)."""
    if not cycle.teachers.filter(pk=teacher.pk).exists():
        raise ValidationError({"teacher": "Choose a teacher of this cycle."})
    token = secrets.token_urlsafe(32)  # 256 bits
    link = ReflectionLink.objects.create(
        token_hash=hash_token(token), cycle=cycle, teacher=teacher, occasion=occasion, created_by=by,
        expires_at=timezone.now() + LINK_LIFETIME,
    )  # fmt: skip
    return link, token


def link_email_blocker(teacher: Teacher) -> str:
    """Why a reflection link cannot be emailed to this teacher ("" when it can)."""
    if not teacher.active:
        return f"{teacher.full_name} is no longer on the roster."
    if not teacher.email or teacher.email.lower().endswith(".invalid"):
        return f"The roster has no email address for {teacher.full_name}."
    return ""


@transaction.atomic
def reflection_link_email(
    *, link: ReflectionLink, token: str, url: str, by: User, request: HttpRequest | None = None
) -> str:
    """Email a cycle's fresh reflection link to its teacher, from the coach; returns the address.

    Only the SHA-256 of a link is stored, so the link can be sent only while its creator still
    holds it: `token` must be the link's own, and the link still live. Nothing about the link is
    stored; the audit log records that a link went out (never the link)."""
    if link.cycle is None or not secrets.compare_digest(link.token_hash, hash_token(token or "")):
        raise ValidationError("This is not the address of that link. Make a new link from the cycle page.")
    if link.used_at is not None or link.is_expired:
        raise ValidationError("This link has been used or has expired. Make a new one from the cycle page.")
    teacher, cycle = link.teacher, link.cycle
    blocker = link_email_blocker(teacher)
    if blocker:
        raise ValidationError(blocker)
    body = render_to_string("cycles/email/reflection_link.txt", {
        "teacher": teacher, "coach": by.display_name, "cycle": cycle, "occasion": link.get_occasion_display(),
        "link": url, "expires_at": link.expires_at,
    })  # fmt: skip
    message = EmailMessage(f"{by.display_name} asks for a short reflection", body, to=[teacher.email])
    try:
        with get_connection() as connection:
            connection.send_messages([message])
    except OSError as exc:
        raise ValidationError(f"The email could not be sent ({exc}). Copy the link instead, or try again.") from exc
    audit_record(
        action=AuditAction.INVITATION, actor=by, request=request, district=cycle.district_id,
        program=cycle.coach.program_id, object_type="reflection link", object_ref=link.public_id,
        detail="a private reflection link emailed to a teacher of the cycle",
    )  # fmt: skip
    return teacher.email


class LinkUnusable(Exception):
    """The link is unknown, expired or already used; `reason` says which, for the page."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def reflection_link_find(token: str) -> ReflectionLink:
    """The live link for a raw token, or LinkUnusable("unknown" | "expired" | "used")."""
    if not token or len(token) > 100:
        raise LinkUnusable("unknown")
    link = (
        ReflectionLink.objects.select_related("cycle__coach__user", "pd_session__facilitator__user", "teacher")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if link is None or not secrets.compare_digest(link.token_hash, hash_token(token)):
        raise LinkUnusable("unknown")
    if link.used_at is not None:
        raise LinkUnusable("used")
    if link.expires_at <= timezone.now():
        raise LinkUnusable("expired")
    return link


@transaction.atomic
def reflection_link_submit(*, token: str, signup: dict[str, Any] | None = None, **answers: Any) -> Reflection:
    """Save the reflection for a live link and use the link up, once, even under a double submit.
    A PD follow-up may carry a request for a modeled lesson or co-teaching (`signup`)."""
    link = reflection_link_find(token)
    claimed = ReflectionLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=timezone.now())
    if not claimed:
        raise LinkUnusable("used")
    reflection = reflection_write(
        author=link.teacher.user, teacher=link.teacher, cycle=link.cycle, pd_session=link.pd_session,
        occasion=link.occasion, via_link=True, **answers,
    )  # fmt: skip
    ReflectionLink.objects.filter(pk=link.pk).update(reflection=reflection)
    if signup and link.pd_session is not None:
        signup_request(session=link.pd_session, teacher=link.teacher, **signup)
    return reflection


@transaction.atomic
def pd_followup_links_create(*, session: PDSession, by: User) -> list[tuple[ReflectionLink, str]]:
    """One private follow-up link per attendee (raw tokens returned once, only hashes stored)."""
    made = []
    for teacher in session.attendees.order_by("last_name", "first_name"):
        token = secrets.token_urlsafe(32)
        link = ReflectionLink.objects.create(
            token_hash=hash_token(token), pd_session=session, teacher=teacher, occasion=Occasion.AFTER_IMPLEMENTING,
            created_by=by, expires_at=timezone.now() + LINK_LIFETIME,
        )  # fmt: skip
        made.append((link, token))
    if not made:
        raise ValidationError("Mark who attended first: follow-up links go to attendees.")
    return made


@transaction.atomic
def cycle_from_signup(*, signup: SignUp, coach: Coach) -> Cycle:
    """Accepting a classroom-support request can open an Impact Cycle with that teacher, in one step."""
    if signup.session.facilitator_id != coach.pk:
        raise ValidationError("Only the session's facilitator can open a cycle from its sign-ups.")
    if hasattr(signup, "cycle"):
        return signup.cycle
    if signup.status != SignUpStatus.ACCEPTED:
        raise ValidationError("Accept the request (with a date) before opening a cycle.")
    cycle = cycle_start(coach=coach, teachers=[signup.teacher], title=f"{signup.get_kind_display()}: "
                        f"{signup.session.title}"[:200])  # fmt: skip
    cycle.from_signup = signup
    cycle.save(update_fields=["from_signup"])
    return cycle


@transaction.atomic
def strategy_resources_set(*, cycle: Cycle, resources: Iterable[Resource]) -> Cycle:
    """Attach library resources to the cycle's strategy (only the coach's program's)."""
    chosen = [r for r in resources if r.program_id == cycle.coach.program_id]
    cycle.strategy_resources.set(chosen)
    return cycle
