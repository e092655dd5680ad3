"""Pages for the resource library, PD sessions, coach groups and partnership check-ins. A PD
session's own page, with its follow-up reflections and the sign-ups that open cycles, is in
`cycles.pd_views`."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coaching.access import coach_for, coach_required, contracts_served_by, programs_directed_by
from coaching.models import Coach, FocusArea
from coaching.selectors import focus_area_list
from teachers.access import Request
from teachers.models import Teacher, User
from toolkit.forms import form_errors_add
from toolkit.qr import qr_png_data_uri, qr_svg, qr_svg_data_uri
from toolkit.ratelimit import Limit, by_path, rate_limited
from toolkit.uploads import download_response

from . import selectors, services
from .access import (
    checkins_visible_to,
    coach_groups_visible_to,
    get_coach_group_for,
    get_example_for,
    get_example_space_group,
    get_example_space_session,
    get_meeting_for_practice,
    get_pd_session_for,
    get_resource_for,
    group_program_for,
    groups_of,
    in_coach_group,
    library_program_for,
    may_form_groups,
    may_see_checkins,
    may_see_coach_groups,
    may_see_pd_sessions,
    pd_sessions_visible_to,
    resources_visible_to,
)
from .forms import (
    PRINCIPLE_STATEMENTS,
    CheckInAnswerForm,
    CheckInOpenForm,
    CoachGoalForm,
    CoachGoalNoteForm,
    CoachGroupForm,
    ExampleCommentForm,
    GroupMeetingForm,
    PDSessionForm,
    ResourceFilterForm,
    ResourceForm,
    RolePlayForm,
    SharedExampleForm,
    SignUpDecisionForm,
)
from .models import (
    MIN_CHECKIN_RESPONSES,
    CheckIn,
    CoachGoal,
    CoachGroup,
    ExampleComment,
    PDSession,
    Resource,
    SharedExample,
    SignUp,
)


def pd_session_url(session: PDSession, anchor: str = "") -> str:
    """A PD session's page (composed in `cycles`, which adds its follow-up reflections)."""
    return reverse("cycles:pd_session", args=[session.public_id]) + (f"#{anchor}" if anchor else "")


# ------------------------------------------------------------------------------------ resources


def _focus_areas(user: User) -> QuerySet[FocusArea]:
    """A coach's focus areas; a director's: the built-in ones and their programs' own."""
    coach = coach_for(user)
    if coach is not None:
        return focus_area_list(coach=coach)
    programs = programs_directed_by(user).values("pk")
    return FocusArea.objects.filter(Q(program__isnull=True) | Q(program_id__in=programs), active=True)


@login_required
@require_GET
def resource_list(request: Request) -> HttpResponse:
    program, programs = library_program_for(request.user, request.GET.get("program"))
    form = ResourceFilterForm(request.GET or None, focus_areas=_focus_areas(request.user))
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    resources = selectors.resource_list(resources=resources_visible_to(request.user).filter(program=program), **filters)
    page = Paginator(resources, 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "learning/resource_list.html", {
        "page": page, "filter_form": form, "query": query.urlencode(), "program": program,
        "programs": programs,
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def resource_new(request: Request) -> HttpResponse:
    program, _ = library_program_for(request.user, request.GET.get("program"))
    if request.method == "POST":
        form = ResourceForm(request.POST, request.FILES, focus_areas=_focus_areas(request.user), program=program)
        if form.is_valid():
            data = form.cleaned_data
            try:
                resource = services.resource_create(
                    program=program, by=request.user, title=data["title"], kind=data["kind"], link=data["link"],
                    upload=data["file"], description=data["description"], focus_area=data["focus_area"],
                    grade_band=data["grade_band"], tags=data["tags"], domains=data.get("domains"),
                )  # fmt: skip
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Resource added to the library.")
                return redirect("learning:resource", public_id=resource.public_id)
    else:
        form = ResourceForm(focus_areas=_focus_areas(request.user), program=program)
    return render(request, "learning/resource_form.html", {"form": form, "program": program})


def open_url(request: HttpRequest, resource: Resource) -> str:
    return request.build_absolute_uri(reverse("learning:resource_open", args=[resource.public_id]))


@login_required
@require_GET
def resource_detail(request: Request, public_id: str) -> HttpResponse:
    resource = get_resource_for(request.user, public_id)
    url = open_url(request, resource)
    return render(request, "learning/resource_detail.html", {
        "resource": resource, "url": url, "qr": qr_svg(url, title=f"QR code: {resource.title}"),
        "qr_svg": qr_svg_data_uri(url), "qr_png": qr_png_data_uri(url),
    })  # fmt: skip


@require_GET
def resource_open(request: HttpRequest, public_id: str) -> HttpResponseRedirect | FileResponse:
    """What a QR code opens, for anyone holding it: the link, or the file as a download."""
    try:
        resource = Resource.objects.get(public_id=public_id)
    except (Resource.DoesNotExist, ValidationError) as exc:
        raise Http404("No such resource.") from exc
    if resource.link:
        return redirect(resource.link)
    return download_response(resource, fallback_name="resource")


# ------------------------------------------------------------------------------------ coach groups


@login_required
@require_GET
def group_list(request: Request) -> HttpResponse:
    groups = coach_groups_visible_to(request.user).select_related("facilitator").prefetch_related("members__user")
    if not may_see_coach_groups(request.user, groups):
        raise PermissionDenied("Coach groups are for coaches and program directors.")
    coach = coach_for(request.user)
    my_goals = list(CoachGoal.objects.filter(coach=coach).prefetch_related("notes")) if coach else []
    return render(request, "learning/group_list.html",
                  {"groups": groups, "may_form": may_form_groups(request.user), "my_goals": my_goals})  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def group_new(request: Request) -> HttpResponse:
    program, programs = group_program_for(request.user, request.GET.get("program"))
    coaches = Coach.objects.filter(program=program, active=True).select_related("user")
    facilitators = User.objects.filter(
        Q(coach__program=program) | Q(directed_programs=program), is_active=True
    ).distinct()
    form = CoachGroupForm(request.POST or None, coaches=coaches, facilitators=facilitators)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.coach_group_form(program=program, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{group.name} formed.")
            return redirect("learning:group", pk=group.pk)
    return render(request, "learning/group_form.html", {"form": form, "program": program, "programs": programs})


@login_required
@never_cache
@require_GET
def group_detail(request: Request, pk: int) -> HttpResponse:
    group = get_coach_group_for(request.user, pk)
    member_view = in_coach_group(request.user, group)
    meetings = (
        list(group.meetings.prefetch_related("attendees__user", "resources", "role_plays__practised_by__user"))
        if member_view
        else []
    )
    goals = list(
        CoachGoal.objects.filter(group=group, shared_with_group=True).select_related("coach__user")
        .prefetch_related("notes")
    ) if member_view else []  # fmt: skip
    coach = coach_for(request.user)
    context = {
        "group": group, "member_view": member_view, "meetings": meetings, "goals": goals,
        "members": list(group.members.select_related("user")),
        "goals_met": [g for g in goals if g.met_on],
        "my_goals": list(CoachGoal.objects.filter(coach=coach).prefetch_related("notes")) if coach else [],
        "meeting_count": group.meetings.count(),
    }  # fmt: skip
    return render(request, "learning/group_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: Request, pk: int) -> HttpResponse:
    group = get_coach_group_for(request.user, pk)
    if not in_coach_group(request.user, group):
        raise PermissionDenied("Only the group records its meetings.")
    form = GroupMeetingForm(request.POST or None, members=group.members.select_related("user"),
                            resources=resources_visible_to(request.user))  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            services.group_meeting_record(group=group, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Meeting recorded.")
            return redirect("learning:group", pk=group.pk)
    return render(request, "learning/meeting_form.html", {"form": form, "group": group})


@coach_required
@require_http_methods(["GET", "POST"])
def coach_goal_new(request: Request, coach: Coach) -> HttpResponse:
    form = CoachGoalForm(request.POST or None, groups=groups_of(coach))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        chosen = data.pop("group", None)
        group = chosen if data["shared_with_group"] else None
        goal = services.coach_goal_set(coach=coach, group=group, **data)
        messages.success(request, "Goal saved." + (f" {group.name} can see it." if group else ""))
        return _goals_home(coach, goal)
    return render(request, "learning/coach_goal_form.html", {"form": form})


@login_required
@require_POST
def coach_goal_note(request: Request, pk: int) -> HttpResponse:
    coach = coach_for(request.user)
    if coach is None:
        raise Http404
    goal = get_object_or_404(CoachGoal, pk=pk, coach=coach)
    form = CoachGoalNoteForm(request.POST)
    if not form.is_valid():
        problems = " ".join(str(message) for message in form.errors.get("note", []))
        messages.error(request, "The note could not be saved: " + problems)
    elif form.cleaned_data["note"]:
        services.coach_goal_note(goal=goal, note=form.cleaned_data["note"], met=form.cleaned_data["met"])
        messages.success(request, "Goal met — congratulations!" if goal.met_on else "Progress noted.")
    return _goals_home(coach, goal)


def _goals_home(coach: Coach, goal: CoachGoal) -> HttpResponse:
    """A coach's own goals show on a group's page: the one the goal is shared with, else their
    first group (or the group list when they have none)."""
    group = goal.group if goal.group_id else groups_of(coach).first()
    return redirect("learning:group", pk=group.pk) if group else redirect("learning:groups")


# ------------------------------------------------------------------------------------ check-ins


def _checkin_teachers(coach: Coach) -> QuerySet[Teacher]:
    """Whom a coach may invite: active teachers with an email in the districts they serve."""
    districts = contracts_served_by(coach).values("district")
    return (
        Teacher.objects.filter(district__in=districts, active=True).exclude(email="")
        .select_related("school").order_by("school__name", "last_name", "first_name")
    )  # fmt: skip


def _by_email(request: Request) -> services.Deliver:
    """Deliver invitations by email, each link absolute to this site."""

    def link_for(token: str) -> str:
        return request.build_absolute_uri(reverse("learning:checkin_answer", args=[token]))

    def deliver(checkin: CheckIn, invitations: list[services.Invitation]) -> None:
        services.checkin_invitations_email(checkin, invitations, link_for=link_for)

    return deliver


@login_required
@require_http_methods(["GET", "POST"])
def checkin_list(request: Request) -> HttpResponse:
    """A coach opens check-ins and reads their closed ones' results; a director reads the
    results of their coaches' closed check-ins. Nobody sees a result before it is closed."""
    coach = coach_for(request.user)
    if not may_see_checkins(request.user):
        raise PermissionDenied("Partnership check-ins are for coaches and their directors.")
    services.checkins_close_due()
    form = None
    if coach is not None:
        initial = {"closes_on": timezone.localdate() + dt.timedelta(days=14)}
        data = request.POST if request.method == "POST" else None
        form = CheckInOpenForm(data, teachers=_checkin_teachers(coach), initial=initial)
        if form.is_bound and form.is_valid():
            chosen = form.cleaned_data
            try:
                checkin = services.checkin_open(
                    coach=coach, closes_on=chosen["closes_on"], teachers=chosen["teachers"], title=chosen["title"],
                    deliver=_by_email(request),
                )  # fmt: skip
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"Check-in opened: {checkin.invited} teachers were each sent their own link.")
                return redirect("learning:checkins")
    elif request.method == "POST":
        raise PermissionDenied("Coaches open check-ins.")
    checkins = checkins_visible_to(request.user).select_related("coach__user")
    context = {
        "form": form, "checkins": list(checkins), "is_coach": coach is not None, "minimum": MIN_CHECKIN_RESPONSES,
        "statements": PRINCIPLE_STATEMENTS,
    }  # fmt: skip
    return render(
        request, "learning/checkin_list.html", context, status=400 if form is not None and form.errors else 200
    )


@coach_required
@require_POST
def checkin_close(request: Request, coach: Coach, public_id: str) -> HttpResponse:
    checkin = get_object_or_404(CheckIn, public_id=public_id, coach=coach)
    closed = services.checkin_close(checkin=checkin)
    shown = bool(closed.results and closed.results["shown"])
    messages.success(request, "Closed. " + ("Its results are below." if shown else
                     f"Fewer than {MIN_CHECKIN_RESPONSES} teachers answered: no results are shown."))  # fmt: skip
    return redirect("learning:checkins")


# Answers through the links: per client address and per link.
_checkin_limit = Limit("checkin_answer", keys=by_path)


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited(_checkin_limit)
def checkin_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The anonymous survey, through a teacher's own link. No sign-in; nothing about who answers
    is stored; each link takes one answer."""
    try:
        checkin = services.checkin_for_token(token)
    except LookupError as exc:
        raise Http404("No such check-in link.") from exc
    form = CheckInAnswerForm(request.POST or None)
    unusable = ""
    if checkin.is_closed or checkin.closes_on < timezone.localdate():
        unusable = "This check-in has closed."
    elif request.method == "POST" and form.is_valid():
        try:
            services.checkin_answer(token=token, **form.cleaned_data)
        except services.CheckInLinkUnusable as exc:
            unusable = exc.reason
        else:
            return render(request, "learning/checkin_thanks.html", {"checkin": checkin})
    context = {"form": form, "checkin": checkin, "unusable": unusable}
    return render(request, "learning/checkin_answer.html", context, status=410 if unusable else 200)


# ------------------------------------------------------------------------------------ PD sessions


@login_required
@require_GET
def pd_session_list(request: Request) -> HttpResponse:
    sessions = pd_sessions_visible_to(request.user)
    if not may_see_pd_sessions(request.user, sessions):
        raise PermissionDenied("PD sessions are for coaches and program directors.")
    sessions = sessions.select_related("district", "facilitator__user").annotate(
        attended=Count("attendees", distinct=True)
    )
    page = Paginator(sessions.order_by("-date", "-start_time"), 25).get_page(request.GET.get("page"))
    return render(request, "learning/pd_session_list.html", {"page": page, "is_coach": coach_for(request.user)})


@coach_required
@require_http_methods(["GET", "POST"])
def pd_session_new(request: Request, coach: Coach) -> HttpResponse:
    form = PDSessionForm(request.POST or None, user=request.user, focus_areas=focus_area_list(coach=coach),
                         resources=resources_visible_to(request.user), program=coach.program)  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            session = services.pd_session_schedule(coach=coach, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Session scheduled.")
            return redirect(pd_session_url(session))
    return render(request, "learning/pd_session_form.html", {"form": form})


@login_required
@require_POST
def pd_signup_decide(request: Request, public_id: str, pk: int) -> HttpResponse:
    session = get_pd_session_for(request.user, public_id, write=True)
    signup = get_object_or_404(SignUp, session=session, pk=pk)
    form = SignUpDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.signup_decide(signup=signup, accept=form.cleaned_data["decision"] == "accept",
                                   scheduled_for=form.cleaned_data["scheduled_for"])  # fmt: skip
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Request updated.")
    return redirect(pd_session_url(session, "signups"))


@login_required
@require_GET
def pd_room_sheet(request: Request, public_id: str) -> HttpResponse:
    """A printable page of the session's resources, each with its QR code."""
    session = get_pd_session_for(request.user, public_id)
    items = []
    for resource in session.resources.all():
        url = request.build_absolute_uri(reverse("learning:resource_open", args=[resource.public_id]))
        items.append({"resource": resource, "url": url, "qr": qr_svg(url, title=resource.title)})
    return render(request, "learning/pd_room_sheet.html", {"session": session, "items": items})


# ------------------------------------------------------------------- shared classroom examples


def _examples_page(
    request: Request, *, examples: QuerySet[SharedExample], session: PDSession | None = None,
    group: CoachGroup | None = None,
) -> HttpResponse:  # fmt: skip
    """A shared space's page: its examples with their feedback, and the form to post one."""
    form = SharedExampleForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.example_post(author=request.user, session=session, group=group, title=data["title"],
                                      note=data["note"], link=data["link"], upload=data["file"])  # fmt: skip
            except ValidationError as exc:
                form_errors_add(form, exc)
            else:
                messages.success(request, "Example posted.")
                return redirect(request.path)
        status = 400
    rows = list(examples.select_related("author").prefetch_related(
        Prefetch("comments", queryset=ExampleComment.objects.select_related("author"))))  # fmt: skip
    context = {"form": form, "examples": rows, "session": session, "group": group,
               "comment_form": ExampleCommentForm()}  # fmt: skip
    return render(request, "learning/examples.html", context, status=status)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def pd_examples(request: Request, public_id: str) -> HttpResponse:
    """A PD session's shared space: its attendees and facilitator only (404 for anyone else)."""
    session = get_example_space_session(request.user, public_id)
    return _examples_page(request, examples=session.shared_examples.all(), session=session)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def group_examples(request: Request, pk: int) -> HttpResponse:
    """A coach group's shared space: its members and facilitator only (404 for anyone else)."""
    group = get_example_space_group(request.user, pk)
    return _examples_page(request, examples=group.shared_examples.all(), group=group)


def _space_url(example: SharedExample) -> str:
    if example.session is not None:
        return reverse("learning:pd_examples", args=[example.session.public_id])
    return reverse("learning:group_examples", args=[example.group_id])


@login_required
@require_POST
def example_comment(request: Request, pk: int) -> HttpResponse:
    example = get_example_for(request.user, pk)
    form = ExampleCommentForm(request.POST)
    if form.is_valid():
        services.example_comment_add(example=example, author=request.user, text=form.cleaned_data["text"])
        messages.success(request, "Feedback added.")
    else:
        messages.error(request, "Write your feedback first (2,000 characters at most).")
    return redirect(f"{_space_url(example)}#example-{example.pk}")


@login_required
@require_GET
def example_file(request: Request, pk: int) -> FileResponse:
    """An example's file, to the members of its space only, as a download (404 for anyone else)."""
    example = get_example_for(request.user, pk)
    if not example.file:
        raise Http404("No such file.")
    return download_response(example, fallback_name="example")


# --------------------------------------------------------------- role-play practice in meetings


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def meeting_practice(request: Request, pk: int, meeting_pk: int) -> HttpResponse:
    """Role-play practice in a coach-group meeting: who practised which question stems on which
    scenario, and the peers' feedback. The group's members and facilitator only."""
    meeting = get_meeting_for_practice(request.user, pk, meeting_pk)
    group = meeting.group
    form = RolePlayForm(request.POST or None, members=group.members.select_related("user"))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.role_play_record(meeting=meeting, **form.cleaned_data)
            except ValidationError as exc:
                form_errors_add(form, exc)
            else:
                messages.success(request, "Practice recorded.")
                return redirect(request.path)
        status = 400
    plays = list(meeting.role_plays.select_related("practised_by__user"))
    return render(request, "learning/meeting_practice.html",
                  {"meeting": meeting, "group": group, "form": form, "plays": plays}, status=status)  # fmt: skip
