"""Impact Cycle pages. Each view checks access through cycles.access, validates with a form,
calls one service, and redirects back to the cycle (or re-renders it with the errors)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from coaching.access import coach_for, coach_required, entries_visible_to
from coaching.forms import LogEntryForm
from coaching.models import Activity, Coach
from coaching.services import entry_log
from learning.access import in_coach_group, resources_visible_to
from learning.models import GroupMeeting, PDSession
from learning.selectors import pd_sessions_attended_list
from teachers.access import Request, districts_visible_to, districts_with_roster_managed_by, may_erase_teachers
from teachers.audit import AuditAction, audit_record
from teachers.models import School, Teacher
from toolkit.csv_export import csv_response
from toolkit.params import parse_id_param, parse_id_params
from toolkit.qr import qr_svg, qr_svg_data_uri
from toolkit.ratelimit import Limit, by_path, rate_limited
from toolkit.schoolyear import school_year_of
from toolkit.uploads import download_response

from . import lifecycle, services
from .access import (
    CycleView,
    cycle_list_scope_for,
    get_cycle_for,
    get_reflection_for,
    require_coach_of,
    require_teacher_of,
    teacher_for,
    view_of_cycle,
)
from .forms import (
    AdjustmentForm,
    ChecklistItemForm,
    CycleFilterForm,
    CycleStartForm,
    EvidenceForm,
    GoalForm,
    LinkForm,
    ModeledLessonForm,
    MoveForm,
    PlanForm,
    ProgressForm,
    ReflectionForm,
    SignUpForm,
)
from .kickoff import kickoff_summary_get
from .models import MODELED_MODES, Cycle, Evidence, ReflectionLink, Stage
from .selectors import cycle_list, cycle_page_get, cycle_stage_counts, principle_tally_for_coach
from .yearend import year_end_banner_count

ViewT = TypeVar("ViewT", bound=Callable[..., HttpResponseBase])


class HtmxRequest(Request):
    """A signed-in request as django-htmx's middleware leaves it: `htmx` says whether htmx sent it."""

    htmx: HtmxDetails


def confidential(view: ViewT) -> ViewT:
    """Signed in, and never cached: goals, evidence, notes and reflections are confidential."""
    return login_required(never_cache(view))


def _detail_url(cycle: Cycle, anchor: str = "") -> str:
    return reverse("cycles:detail", args=[cycle.public_id]) + (f"#{anchor}" if anchor else "")


# ---------------------------------------------------------------------------- lists


@confidential
@require_GET
def cycle_list_view(request: Request) -> HttpResponse:
    """Coaches and teachers: their cycles. Administrators: counts, and the cycles shared with them."""
    access = cycle_list_scope_for(request.user)
    scoped, is_admin_view = access.listed, access.admin_view
    counts = cycle_stage_counts(cycles=access.counted)
    schools = School.objects.filter(pk__in=scoped.values("school")).order_by("name")
    form = CycleFilterForm(request.GET or None, schools=schools)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {"stage": data["stage"], "school_id": data["school"].pk if data["school"] else None,
                   "q": data["q"].strip()}  # fmt: skip
    page = Paginator(cycle_list(cycles=scoped, **filters, confidential=not is_admin_view), 25).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    coach = coach_for(request.user)
    # Once the program's next school year has started, the coach is asked about their open cycles.
    pending = year_end_banner_count(coach=coach, school_year=school_year_of(timezone.localdate())) if coach else 0
    return render(
        request,
        "cycles/cycle_list.html",
        {"page": page, "filter_form": form, "counts": counts, "admin_view": is_admin_view,
         "is_coach": coach is not None, "query": query.urlencode(), "stages": list(Stage),
         "year_end_pending": pending,
         "principles": principle_tally_for_coach(coach=coach) if coach and not is_admin_view else None,
         "attended": pd_sessions_attended_list(user=request.user) if not coach and not is_admin_view else []},
    )  # fmt: skip


@coach_required
@never_cache
@require_http_methods(["GET", "POST"])
def cycle_start(request: Request, coach: Coach) -> HttpResponse:
    if request.method == "POST":
        form = CycleStartForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                cycle = services.cycle_start(
                    coach=coach, teachers=form.cleaned_data["teachers"], title=form.cleaned_data["title"]
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Cycle opened in Identify. Start with a clear picture of current reality.")
                return redirect(_detail_url(cycle))
    else:
        initial: dict[str, Any] = {}
        districts = list(districts_visible_to(request.user).values_list("pk", flat=True)[:2])
        if len(districts) == 1:
            initial["district"] = districts[0]
        asked = parse_id_param(request.GET.get("district"))
        if asked is not None:
            initial["district"] = asked
        form = CycleStartForm(initial=initial, user=request.user)
    return render(request, "cycles/cycle_start.html", {"form": form})


@coach_required
@require_GET
def teacher_picker(request: Request, coach: Coach) -> HttpResponse:
    """htmx: the teacher checkboxes for the district just chosen."""
    form = CycleStartForm(initial={"district": request.GET.get("district")}, user=request.user)
    return render(request, "cycles/partials/_teacher_picker.html", {"form": form})


# ---------------------------------------------------------------------------- one cycle


def _render_detail(request: Request, cycle: Cycle, status: int = 200, **forms: Form) -> HttpResponse:
    view = view_of_cycle(request.user, cycle)
    page = cycle_page_get(cycle=cycle, view=view, viewer_teacher=teacher_for(request.user))
    # The template gets the fields this view may see, not the cycle row (see cycles.selectors).
    context: dict[str, Any] = {"p": page, "cycle": page.cycle, "view": view.value, "stages": list(Stage)}
    if view != CycleView.SHARED:  # the kickoff, plan and debriefs are the coach's and the teachers' only
        context["kickoff"] = kickoff_summary_get(cycle=cycle)
    if view != CycleView.SHARED and not cycle.is_closed:
        # ?edit=strategy opens the plan's editor, focused on the strategy (a readiness link; no script needed).
        editing = request.GET.get("edit") == "strategy"
        context["editing"] = editing
        readiness = lifecycle.move_readiness(cycle, _next(cycle))
        context["readiness"] = readiness
        plan_form = forms.get("plan_form")
        if plan_form is None:
            initial = _plan_initial(page.cycle, cycle.version)
            if view == CycleView.COACH:
                initial["priority"] = cycle.priority_id
            plan_form = PlanForm(initial=initial, for_coach=view == CycleView.COACH, cycle=cycle,
                                 program=cycle.coach.program, domains=[d.pk for d in page.domains])  # fmt: skip
            if editing:
                plan_form.fields["strategy"].widget.attrs["autofocus"] = True
        move_initial = {"version": cycle.version, "to_stage": _next(cycle) if readiness.ready else Stage.CLOSED.value}
        coach = cycle.coach if view == CycleView.COACH else None
        last_focus = services.focus_area_last_used(cycle=cycle) if coach else None
        context.update(
            plan_form=plan_form,
            evidence_form=forms.get("evidence_form")
            or EvidenceForm(coach=coach, initial={"focus_area": last_focus.pk if last_focus else None}),
            checklist_form=forms.get("checklist_form") or ChecklistItemForm(),
            progress_form=forms.get("progress_form")
            or ProgressForm(initial={"date": timezone.localdate()}, unit=page.goal.unit if page.goal else ""),
            adjustment_form=forms.get("adjustment_form") or AdjustmentForm(),
            move_form=forms.get("move_form") or MoveForm(initial=move_initial),
        )
        if coach is not None and _modeled_lesson_due(cycle):
            context["modeled_form"] = forms.get("modeled_form") or ModeledLessonForm(
                coach=coach, initial={"date": cycle.learn_date, "focus_area": last_focus.pk if last_focus else None}
            )
        if view == CycleView.COACH:
            context["link_form"] = forms.get("link_form") or LinkForm(cycle_teachers=cycle.teachers.all())
            context["library"] = list(resources_visible_to(request.user).only("pk", "title"))
    return render(request, "cycles/cycle_detail.html", context, status=status)


def _modeled_lesson_due(cycle: Cycle) -> bool:
    """The coach models or co-teaches the strategy, on a planned day, and it is not recorded yet."""
    return (cycle.learn_mode in MODELED_MODES and cycle.learn_date is not None and cycle.modeled_entry_id is None
            and cycle.stage in (Stage.LEARN, Stage.IMPROVE))  # fmt: skip


def _next(cycle: Cycle) -> str:
    order = list(Stage)
    return order[min(cycle.stage_index + 1, len(order) - 1)].value


def _plan_initial(fields: dict[str, Any], version: int) -> dict[str, Any]:
    """The plan form's values from the fields the viewer may see (the coach's notes only for the coach)."""
    names = ("title", "current_reality", "strategy", "strategy_description", "learn_mode", "learn_date", "coach_notes")
    return {"version": version, **{name: fields[name] for name in names if name in fields}}


@confidential
@require_GET
def cycle_detail(request: Request, public_id: str) -> HttpResponse:
    cycle = get_cycle_for(request.user, public_id)
    if view_of_cycle(request.user, cycle) == CycleView.SHARED:
        _audit_read(request, cycle.district_id, "cycle", cycle.public_id, "shared goal and progress")
    return _render_detail(request, cycle)


def _audit_read(request: Request, district_id: int | None, kind: str, ref: object, what: str) -> None:
    """A read of confidential content by someone other than its author goes in the audit log."""
    audit_record(action=AuditAction.CONFIDENTIAL_READ, actor=request.user, request=request, district=district_id,
                 object_type=kind, object_ref=ref, detail=what)  # fmt: skip


@confidential
@require_POST
def cycle_plan(request: Request, public_id: str) -> HttpResponse:
    cycle = get_cycle_for(request.user, public_id, write=True)
    for_coach = view_of_cycle(request.user, cycle) == CycleView.COACH
    form = PlanForm(request.POST, for_coach=for_coach, cycle=cycle, program=cycle.coach.program)
    if form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k not in ("version", "domains")}
        fields["domains"] = form.cleaned_data.get("domains")
        try:
            services.cycle_update_plan(cycle=cycle, by=request.user, expected_version=form.cleaned_data["version"],
                                       **fields)  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Saved.")
            return redirect(_detail_url(cycle, "plan"))
    return _render_detail(request, cycle, status=400, plan_form=form)


@confidential
@require_http_methods(["GET", "POST"])
def goal_edit(request: Request, public_id: str) -> HttpResponse:
    """The PEERS goal: coach and teacher both edit it; ?new=1 sets a new goal and keeps the old."""
    cycle = get_cycle_for(request.user, public_id, write=True)
    if cycle.is_closed:
        raise PermissionDenied("This cycle is closed.")
    replacing = request.GET.get("new") == "1" or request.POST.get("replace") == "True"
    current = None if replacing else cycle.goals.filter(is_current=True).first()
    if request.method == "POST":
        form = GoalForm(request.POST, instance=current or None, program=cycle.coach.program)
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
            try:
                services.goal_set(cycle=cycle, by=request.user, replace=replacing,
                                  domains=form.cleaned_data.get("domains"), **fields)  # fmt: skip
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Goal saved.")
                return redirect(_detail_url(cycle, "goal"))
    else:
        form = GoalForm(instance=current, initial={"replace": replacing}, program=cycle.coach.program)
    return render(request, "cycles/goal_form.html", {"form": form, "cycle": cycle, "replacing": replacing})


@confidential
@require_POST
def evidence_add(request: Request, public_id: str) -> HttpResponse:
    cycle = get_cycle_for(request.user, public_id, write=True)
    coach = cycle.coach if cycle.coach.user_id == request.user.pk else None
    form = EvidenceForm(request.POST, request.FILES, coach=coach)
    if form.is_valid():
        data = form.cleaned_data
        try:
            evidence = services.evidence_add(cycle=cycle, by=request.user, kind=data["kind"], note=data["note"],
                                             link=data["link"], upload=data["file"],
                                             **form.time_values())  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if evidence.entry is not None:
                messages.success(request, f"Evidence added, and {evidence.entry.minutes} minutes logged as your time.")
            else:
                messages.success(request, "Evidence added.")
            return redirect(_detail_url(cycle, "evidence"))
    return _render_detail(request, cycle, status=400, evidence_form=form)


@confidential
@require_POST
def modeled_lesson(request: Request, public_id: str) -> HttpResponse:
    """Record the lesson the coach modeled or co-taught as the coach's time, counted toward the cycle."""
    cycle = get_cycle_for(request.user, public_id, write=True)
    require_coach_of(request.user, cycle)
    if not _modeled_lesson_due(cycle):
        messages.info(request, "There is no modeled lesson to record on this cycle.")
        return redirect(_detail_url(cycle, "plan"))
    form = ModeledLessonForm(request.POST, coach=cycle.coach)
    if form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.modeled_lesson_record(cycle=cycle, by=request.user, date=data["date"],
                                                   minutes=data["minutes"], start_time=data["start_time"],
                                                   focus_area=data["focus_area"])  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Modeled lesson recorded: {entry.minutes} minutes logged as your time.")
            return redirect(_detail_url(cycle, "plan"))
    return _render_detail(request, cycle, status=400, modeled_form=form)


@confidential
@require_GET
def evidence_file(request: Request, public_id: str, pk: int) -> FileResponse:
    """Serve an uploaded file only to those who may read the cycle's evidence, as a download."""
    cycle = get_cycle_for(request.user, public_id)
    if view_of_cycle(request.user, cycle) == CycleView.SHARED:
        raise Http404("No such file.")
    evidence = get_object_or_404(Evidence, cycle=cycle, pk=pk)
    if not evidence.file:
        raise Http404("No such file.")
    if evidence.added_by_id != request.user.pk:
        _audit_read(request, cycle.district_id, "evidence file", cycle.public_id, "an evidence file of a cycle")
    return download_response(evidence, fallback_name="evidence")


def _checklist_response(request: HtmxRequest, cycle: Cycle) -> HttpResponse:
    if request.htmx:
        return render(request, "cycles/partials/_checklist.html",
                      {"cycle": cycle, "checklist": list(cycle.checklist.all()), "checklist_form": ChecklistItemForm(),
                       "view": view_of_cycle(request.user, cycle).value})  # fmt: skip
    return redirect(_detail_url(cycle, "checklist"))


@confidential
@require_POST
def checklist_add(request: HtmxRequest, public_id: str) -> HttpResponse:
    cycle = get_cycle_for(request.user, public_id, write=True)
    form = ChecklistItemForm(request.POST)
    if form.is_valid():
        services.checklist_add(cycle=cycle, text=form.cleaned_data["text"])
    elif not request.htmx:
        return _render_detail(request, cycle, status=400, checklist_form=form)
    return _checklist_response(request, cycle)


@confidential
@require_POST
def checklist_item(request: HtmxRequest, public_id: str, pk: int, action: str) -> HttpResponse:
    cycle = get_cycle_for(request.user, public_id, write=True)
    item = get_object_or_404(cycle.checklist, pk=pk)
    if action == "toggle":
        services.checklist_toggle(item=item)
    else:
        services.checklist_remove(item=item)
    return _checklist_response(request, cycle)


@confidential
@require_POST
def progress_add(request: Request, public_id: str) -> HttpResponse:
    cycle = get_cycle_for(request.user, public_id, write=True)
    goal = cycle.goals.filter(is_current=True).first()
    form = ProgressForm(request.POST, unit=goal.unit if goal else "")
    if form.is_valid():
        try:
            services.progress_record(cycle=cycle, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Progress recorded.")
            return redirect(_detail_url(cycle, "progress"))
    return _render_detail(request, cycle, status=400, progress_form=form)


@confidential
@require_POST
def adjustment_add(request: Request, public_id: str) -> HttpResponse:
    cycle = get_cycle_for(request.user, public_id, write=True)
    form = AdjustmentForm(request.POST)
    if form.is_valid():
        try:
            services.adjustment_record(cycle=cycle, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if form.cleaned_data["kind"] == "new_goal":
                return redirect(reverse("cycles:goal", args=[cycle.public_id]) + "?new=1")
            messages.success(request, "Adjustment recorded.")
            return redirect(_detail_url(cycle, "improve"))
    return _render_detail(request, cycle, status=400, adjustment_form=form)


@confidential
@require_POST
def cycle_move(request: Request, public_id: str) -> HttpResponse:
    cycle = get_cycle_for(request.user, public_id, write=True)
    require_coach_of(request.user, cycle)
    form = MoveForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.cycle_move(
                cycle=cycle, to_stage=data["to_stage"], by=request.user, reason=data["reason"],
                outcome=data["outcome"], goal_met=data["goal_met"], closing_note=data["closing_note"],
                agency_at_close=data["agency_at_close"], expected_version=data["version"],
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Moved to {Stage(data['to_stage']).label}.")
            return redirect(_detail_url(cycle))
    return _render_detail(request, cycle, status=400, move_form=form)


@confidential
@require_POST
def strategy_resources(request: Request, public_id: str) -> HttpResponse:
    """The coach picks library resources for the strategy (shown to the teacher with the plan)."""
    cycle = get_cycle_for(request.user, public_id, write=True)
    require_coach_of(request.user, cycle)
    chosen = resources_visible_to(request.user).filter(pk__in=parse_id_params(request.POST.getlist("resources")))
    services.strategy_resources_set(cycle=cycle, resources=chosen)
    messages.success(request, "Strategy resources saved.")
    return redirect(_detail_url(cycle, "plan"))


@confidential
@require_POST
def cycle_share(request: Request, public_id: str) -> HttpResponse:
    """Only the cycle's teacher may share it with administrators, or withdraw it."""
    cycle = get_cycle_for(request.user, public_id, write=True)
    teacher = require_teacher_of(request.user, cycle)
    shared = request.POST.get("shared") == "on"
    services.cycle_share(cycle=cycle, teacher=teacher, shared=shared)
    messages.success(
        request,
        "Your goal and progress chart are now visible to your district's administrators. "
        "Reflections and notes stay private."
        if shared
        else "Sharing withdrawn: administrators see this cycle only as a count again.",
    )
    return redirect(_detail_url(cycle, "sharing"))


# ---------------------------------------------------------------------------- reflections


@confidential
@require_http_methods(["GET", "POST"])
def reflection_new(request: Request, public_id: str) -> HttpResponse:
    """A signed-in teacher of the cycle, or its coach, writes a reflection."""
    cycle = get_cycle_for(request.user, public_id, write=True)
    teacher = teacher_for(request.user)
    # A teacher of the cycle may say which partnership principle the session lived up to.
    with_principle = teacher is not None
    if request.method == "POST":
        form = ReflectionForm(request.POST, strategy=cycle.strategy, with_principle=with_principle)
        if form.is_valid():
            services.reflection_write(author=request.user, teacher=teacher, cycle=cycle, **form.cleaned_data)
            messages.success(request, "Reflection saved. Only you and your coach can read it." if teacher
                             else "Reflection saved. Only you can read it.")  # fmt: skip
            return redirect(_detail_url(cycle, "reflections"))
    else:
        form = ReflectionForm(strategy=cycle.strategy, with_principle=with_principle)
    return render(request, "cycles/reflection_form.html", {"form": form, "cycle": cycle})


@confidential
@require_GET
def reflection_detail(request: Request, public_id: str) -> HttpResponse:
    reflection = get_reflection_for(request.user, public_id)
    if reflection.author_id != request.user.pk:
        place = reflection.cycle or reflection.pd_session
        _audit_read(request, getattr(place, "district_id", None), "reflection", reflection.public_id,
                    "a teacher's reflection")  # fmt: skip
    return render(request, "cycles/reflection_detail.html", {"reflection": reflection})


@confidential
@require_POST
def link_new(request: Request, public_id: str) -> HttpResponse:
    cycle = get_cycle_for(request.user, public_id, write=True)
    require_coach_of(request.user, cycle)
    form = LinkForm(request.POST, cycle_teachers=cycle.teachers.all())
    if not form.is_valid():
        return _render_detail(request, cycle, status=400, link_form=form)
    link, token = services.reflection_link_create(
        cycle=cycle, teacher=form.cleaned_data["teacher"], by=request.user, occasion=form.cleaned_data["occasion"]
    )
    return _fresh_link_page(request, cycle, link, token)


def _fresh_link_page(
    request: Request, cycle: Cycle, link: ReflectionLink, token: str, *, status: int = 200, **extra: Any
) -> HttpResponse:
    """The page that shows a link just made. The link is in this response only (never cached,
    never stored: the database keeps just its hash); its email form posts the token back."""
    url = request.build_absolute_uri(reverse("reflect", args=[token]))
    context = {"cycle": cycle, "link": link, "url": url, "token": token, "qr_download": qr_svg_data_uri(url),
               "qr": qr_svg(url, title=f"Reflection link for {link.teacher.first_name}"),
               "email_blocker": services.link_email_blocker(link.teacher), **extra}  # fmt: skip
    return render(request, "cycles/link_show.html", context, status=status)


@confidential
@require_GET
def link_show(request: Request, public_id: str, link_id: str) -> HttpResponse:
    cycle = get_cycle_for(request.user, public_id, write=True)
    require_coach_of(request.user, cycle)
    link = get_object_or_404(ReflectionLink.objects.select_related("teacher"), cycle=cycle, public_id=link_id)
    context: dict[str, Any] = {"cycle": cycle, "link": link}
    return render(request, "cycles/link_show.html", context)


def _by_user(request: HttpRequest) -> list[str]:
    return [f"user:{request.user.pk}"]


# Emails a coach may have Fulcrum send in an hour: a mail server is not a megaphone.
_link_email_limit = Limit("reflection_link_email", keys=_by_user)


@confidential
@require_POST
@rate_limited(_link_email_limit)
def link_email(request: Request, public_id: str, link_id: str) -> HttpResponse:
    """Email a link just made to its teacher. The coach's page posts the link's token back: Fulcrum
    does not keep it, so only the page that showed it can send it."""
    cycle = get_cycle_for(request.user, public_id, write=True)
    require_coach_of(request.user, cycle)
    link = get_object_or_404(ReflectionLink.objects.select_related("teacher", "cycle__coach"), cycle=cycle,
                             public_id=link_id)  # fmt: skip
    token = str(request.POST.get("token", ""))[:100]
    if not token or not secrets.compare_digest(services.hash_token(token), link.token_hash):
        context = {"cycle": cycle, "link": link, "email_error": "This is not the address of that link. "
                   "Make a new link from the cycle page."}  # fmt: skip
        return render(request, "cycles/link_show.html", context, status=400)
    url = request.build_absolute_uri(reverse("reflect", args=[token]))
    try:
        sent_to = services.reflection_link_email(link=link, token=token, url=url, by=request.user, request=request)
    except ValidationError as exc:
        return _fresh_link_page(request, cycle, link, token, status=400, email_error=" ".join(exc.messages))
    return _fresh_link_page(request, cycle, link, token, sent_to=sent_to)


# Answers (and the sign-ups sent with them) through private links: per client address and per link.
_link_limit = Limit("reflection_link", keys=by_path)


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited(_link_limit)
def reflect_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """The private link: no sign-in, one teacher, one cycle, once, for 14 days. Shows nothing else."""
    try:
        link = services.reflection_link_find(token)
    except services.LinkUnusable as exc:
        return render(request, "cycles/link_unusable.html", {"reason": exc.reason}, status=404)
    session = link.pd_session
    signup_form = SignUpForm(request.POST or None, prefix="signup") if session else None
    # What the teacher already sees of their cycle (its title and strategy), never more.
    strategy = link.cycle.strategy if link.cycle else None
    form = ReflectionForm(request.POST or None, with_occasion=False, strategy=strategy,
                          with_principle=link.cycle is not None)  # fmt: skip
    if request.method == "POST" and form.is_valid() and (signup_form is None or signup_form.is_valid()):
        wanted = signup_form.cleaned_data if signup_form and signup_form.cleaned_data.get("kind") else None
        try:
            services.reflection_link_submit(token=token, signup=wanted, **form.cleaned_data)
        except services.LinkUnusable as exc:
            return render(request, "cycles/link_unusable.html", {"reason": exc.reason}, status=404)
        except ValidationError as exc:  # e.g. no longer on the attendance: nothing saved, link still live
            (signup_form or form).add_error(None, exc.messages)
        else:
            return render(request, "cycles/link_thanks.html", {"first_name": link.teacher.first_name})
    # A link is for a cycle or for a PD session, exactly one (the table's check constraint says so).
    coach = link.cycle.coach if link.cycle else cast(PDSession, session).facilitator
    # The token is in the URL; the site-wide Referrer-Policy "same-origin" keeps it from ever being
    # sent to another site. ("no-referrer" would make browsers post with Origin: null, failing CSRF.)
    return render(
        request, "cycles/reflect_by_link.html",
        {"form": form, "signup_form": signup_form, "first_name": link.teacher.first_name, "session": session,
         "coach_name": coach.user.display_name, "occasion": link.get_occasion_display(),
         "cycle_title": link.cycle.title if link.cycle else "", "strategy": strategy or ""},
    )  # fmt: skip


@confidential
@require_http_methods(["GET", "POST"])
def meeting_reflect(request: Request, pk: int) -> HttpResponse:
    """A coach's own reflection after a coach-group meeting: private to its author."""
    meeting = get_object_or_404(GroupMeeting.objects.select_related("group"), pk=pk)
    if not in_coach_group(request.user, meeting.group):
        raise Http404("No such meeting.")
    form = ReflectionForm(request.POST or None, with_occasion=False)
    if request.method == "POST" and form.is_valid():
        services.reflection_write(author=request.user, teacher=None, cycle=None, group_meeting=meeting,
                                  occasion="free", **form.cleaned_data)  # fmt: skip
        messages.success(request, "Reflection saved. Only you can read it.")
        return redirect("learning:group", pk=meeting.group_id)
    return render(request, "cycles/meeting_reflect.html", {"form": form, "meeting": meeting})


# ---------------------------------------------------------------------------- time invested


@confidential
@require_http_methods(["GET", "POST"])
def time_link(request: Request, public_id: str) -> HttpResponse:
    """Count already-logged entries (with this cycle's teachers) as time invested in the cycle."""
    cycle = get_cycle_for(request.user, public_id, write=True)
    require_coach_of(request.user, cycle)
    candidates = (
        entries_visible_to(request.user)
        .filter(district=cycle.district, cycle_link__isnull=True)
        .filter(Q(teachers__in=cycle.teachers.all()) | Q(school=cycle.school))
        .filter(date__gte=cycle.started_on)
        .select_related("activity")
        .distinct()
        .order_by("-date")[:100]
    )
    if request.method == "POST":
        chosen = [e for e in candidates if str(e.pk) in request.POST.getlist("entries")]
        count = services.time_link(cycle=cycle, entries=chosen)
        messages.success(request, f"{count} entr{'y' if count == 1 else 'ies'} counted toward this cycle.")
        return redirect(_detail_url(cycle, "time"))
    return render(request, "cycles/time_link.html", {"cycle": cycle, "candidates": candidates})


@confidential
@require_http_methods(["GET", "POST"])
def time_log(request: Request, public_id: str) -> HttpResponse:
    """Log new time straight into this cycle, with the coaching log's own form and rules."""
    cycle = get_cycle_for(request.user, public_id, write=True)
    require_coach_of(request.user, cycle)
    coach = coach_for(request.user)
    if coach is None:  # the cycle's coach, whose account is no longer a coach's
        raise PermissionDenied("Only coaches log time.")
    if request.method == "POST":
        form = LogEntryForm(request.POST, coach=coach, user=request.user)
        if form.is_valid():
            names = ("date", "minutes", "district", "school", "activity", "focus_area", "format", "start_time",
                     "end_time")  # fmt: skip
            values: dict[str, Any] = {k: form.cleaned_data.get(k) for k in names}
            try:
                entry = entry_log(coach=coach, teachers=form.cleaned_data["teachers"] or [],
                                  notes=form.cleaned_data["notes"] or "", **values)  # fmt: skip
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                services.time_link(cycle=cycle, entries=[entry])
                messages.success(request, f"Logged {entry.minutes} minutes toward this cycle.")
                return redirect(_detail_url(cycle, "time"))
    else:
        cycles_activity = Activity.objects.filter(program=None, name="Coaching Cycles").values_list("pk", flat=True)
        form = LogEntryForm(
            initial={"date": timezone.localdate(), "district": cycle.district_id, "school": cycle.school_id,
                     "teachers": list(cycle.teachers.values_list("pk", flat=True)),
                     "activity": cycles_activity.first()},
            coach=coach, user=request.user,
        )  # fmt: skip
    return render(request, "coaching/entry_form.html", {"form": form, "entry": None, "copy_of": None, "cycle": cycle})


@confidential
@require_POST
def time_unlink(request: Request, public_id: str, entry_id: int) -> HttpResponse:
    cycle = get_cycle_for(request.user, public_id, write=True)
    require_coach_of(request.user, cycle)
    entry = get_object_or_404(entries_visible_to(request.user), pk=entry_id)
    services.time_unlink(cycle=cycle, entry=entry)
    return redirect(_detail_url(cycle, "time"))


# ---------------------------------------------------------------------------- data lifecycle


@confidential
@require_GET
def my_data(request: Request, fmt: str) -> HttpResponseBase:
    """A teacher downloads everything Fulcrum holds about them (JSON or CSV)."""
    teacher = teacher_for(request.user)
    if teacher is None:
        raise PermissionDenied("This export is a teacher's own data.")
    data = lifecycle.teacher_data(teacher)
    audit_record(action=AuditAction.EXPORT, actor=request.user, request=request, district=teacher.district_id,
                 object_type="own data", detail=f"a teacher's own data as {fmt.upper()}")  # fmt: skip
    if fmt == "csv":
        return csv_response("my-fulcrum-data.csv", lifecycle.TEACHER_DATA_CSV_HEADER, lifecycle.teacher_data_rows(data))
    response = JsonResponse(data, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = 'attachment; filename="my-fulcrum-data.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def teacher_erase(request: Request, pk: int) -> HttpResponse:
    """A district administrator erases a teacher who left (confirm, then erase)."""
    teacher = get_object_or_404(Teacher.objects.select_related("school", "district"), pk=pk,
                                district__in=districts_with_roster_managed_by(request.user))  # fmt: skip
    if not may_erase_teachers(request.user):
        raise PermissionDenied("District administrators erase teachers who left.")
    if request.method == "POST":
        counts = lifecycle.teacher_erase(teacher=teacher, by=request.user)
        messages.success(
            request,
            f"Erased: {counts['reflections']} reflections, {counts['goals']} goals, {counts['cycles']} cycles' "
            "contents. Their coaching time stays, anonymously.",
        )
        return redirect("teachers:roster")
    return render(request, "cycles/teacher_erase.html", {"teacher": teacher})
