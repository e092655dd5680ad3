"""The time plan pages under /setup/plan/: a director lists the program's plans (program-wide,
per district, per coach) and writes them; a district administrator reads those that apply to
their districts."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from coaching.models import Coach, Program
from reports.models import TimePlan
from teachers.access import Request
from toolkit.forms import form_errors_add
from toolkit.params import ID_MAX, parse_int_param

from . import plans as selectors
from .access import (
    get_plan_for_setup,
    plans_readable_in_setup,
    program_districts,
    require_program_setup,
    require_setup,
    setup_program_for,
    writes_plans,
)
from .plan_forms import PlanForm, plan_line_formset


def _context(request: Request, context: dict[str, Any]) -> dict[str, Any]:
    program = context.get("program")
    context["pq"] = f"?program={program.pk}" if program else ""
    return context


@login_required
@require_GET
def plan_list(request: Request) -> HttpResponse:
    """The program's plans by what they are for, each with its start month and lines."""
    require_setup(request.user)
    today = timezone.localdate()
    if writes_plans(request.user):
        program, programs = setup_program_for(request.user, request.GET.get("program"))
        plans = TimePlan.objects.filter(program=program)
    else:
        program, programs = None, []
        plans = plans_readable_in_setup(request.user)
    rows = selectors.plan_series_list(plans=list(selectors.plans_with_lines(plans)), today=today)
    return render(request, "programs/setup_plans.html", _context(request, {
        "program": program, "programs": programs, "series": rows, "may_edit": program is not None,
    }))  # fmt: skip


def _scopes(program: Program) -> tuple[list[Any], list[Coach]]:
    districts = list(program_districts(program).order_by("name", "pk"))
    coaches = list(Coach.objects.filter(program=program, active=True).select_related("user")
                   .order_by("user__last_name", "user__first_name", "pk"))  # fmt: skip
    return districts, coaches


def _initial(plan: TimePlan) -> list[dict[str, Any]]:
    return [{"name": line.name, "share": line.share, "kind": line.kind,
             "activities": [str(a.pk) for a in line.activities.all()]} for line in plan.lines.all()]  # fmt: skip


def _scope_value(plan: TimePlan) -> str:
    if plan.coach_id:
        return f"coach-{plan.coach_id}"
    return f"district-{plan.district_id}" if plan.district_id else "program"


def _form_page(request: Request, program: Program, plan: TimePlan | None, source: TimePlan | None) -> HttpResponse:
    districts, coaches = _scopes(program)
    from_plan = plan or source
    if from_plan is not None:  # its lines and their activities in two statements
        from_plan = selectors.plans_with_lines(TimePlan.objects.filter(pk=from_plan.pk)).get()
    keep = {a.pk for line in from_plan.lines.all() for a in line.activities.all()} if from_plan else set()
    activities = selectors.plan_activities_list(program=program, keep=keep)
    data = request.POST if request.method == "POST" else None
    initial: dict[str, Any] = {}
    if plan is not None:
        initial = {"scope": _scope_value(plan), "starts_on": plan.starts_on, "note": plan.note}
    elif source is not None:
        month = timezone.localdate().replace(day=1)
        initial = {"scope": _scope_value(source), "starts_on": month, "note": ""}
    else:
        initial = {"starts_on": timezone.localdate().replace(day=1)}
    form = PlanForm(data, initial=initial, districts=districts, coaches=coaches)
    # A posted plan is read as typed, every line alike (the plan it came from is not compared).
    initial_lines = _initial(from_plan) if from_plan and data is None else None
    # Three empty lines for a new plan, one more beside a plan's own.
    lines = plan_line_formset(extra=1 if from_plan else 3)(
        data, initial=initial_lines, prefix="line", form_kwargs={"activities": activities}
    )
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        district, coach = form.cleaned_data["scope"]
        try:
            saved = selectors.time_plan_save(
                program=program, district=district, coach=coach, starts_on=form.cleaned_data["starts_on"],
                note=form.cleaned_data["note"], lines=lines.lines(), by=request.user, request=request, plan=plan,
            )  # fmt: skip
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, f"Plan saved: {saved}.")
            return HttpResponseRedirect(f"{reverse('programs:plans')}?program={program.pk}")
    status = 400 if data is not None else 200
    title = f"Edit the plan: {plan}" if plan else "A new time plan"
    return render(request, "programs/setup_plan_form.html", _context(request, {
        "program": program, "programs": [] if plan else setup_program_for(request.user, program.pk)[1],
        "form": form, "lines": lines, "plan": plan, "source": source, "title": title,
    }), status=status)  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def plan_add(request: Request) -> HttpResponse:
    """A new plan: empty, or a copy of another (`?copy=`, the list's "New plan from this one")."""
    require_program_setup(request.user)
    copy = parse_int_param(request.GET.get("copy"), minimum=1, maximum=ID_MAX)
    source = get_plan_for_setup(request.user, copy) if copy else None
    program = source.program if source else setup_program_for(request.user, request.GET.get("program"))[0]
    return _form_page(request, program, None, source)


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: Request, pk: int) -> HttpResponse:
    plan = get_plan_for_setup(request.user, pk)
    return _form_page(request, plan.program, plan, None)
