"""A cycle's kickoff, action plan and debriefs: one page for the cycle's coach and teachers, and its
small forms. Administrators get 404, even for a cycle shared with them (cycles.access)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from learning.access import resources_visible_to
from teachers.access import Request
from toolkit.forms import form_errors_add

from . import kickoff as services
from .access import CycleView, get_cycle_in_confidence_for, view_of_cycle
from .forms import DebriefForm, KickoffForm, PlanStepForm, StepDoneForm
from .models import TIMED_STEPS, Cycle, PlanStep
from .views import confidential


def _page_url(cycle: Cycle, anchor: str = "") -> str:
    return reverse("cycles:kickoff", args=[cycle.public_id]) + (f"#{anchor}" if anchor else "")


def _is_coach(request: Request, cycle: Cycle) -> bool:
    """The cycle's coach (who alone logs its meetings as time), by the cycles' own access rule."""
    return view_of_cycle(request.user, cycle) == CycleView.COACH


def _kickoff_form(request: Request, cycle: Cycle, page: services.KickoffPage, data: Any = None) -> KickoffForm:
    kickoff = page.kickoff
    # Only the coach logs time, and a kickoff's time once.
    coach = cycle.coach if _is_coach(request, cycle) and (kickoff is None or kickoff.entry_id is None) else None
    library = resources_visible_to(request.user).filter(program=cycle.coach.program_id).order_by("title")
    if kickoff is None:
        initial: dict[str, Any] = {"held_on": timezone.localdate()}
    else:
        names = ("held_on", "brainstorm", "other_resources", "students_know", "students_understand", "students_do",
                 "agency")  # fmt: skip
        initial = {name: getattr(kickoff, name) for name in names}
        initial["resources"] = [r.pk for r in page.resources]
    return KickoffForm(data, initial=initial, library=library, coach=coach)


def _render(request: Request, cycle: Cycle, status: int = 200, **forms: Form | int) -> HttpResponse:
    page = services.kickoff_page_get(cycle=cycle)
    coach = _is_coach(request, cycle)
    context: dict[str, Any] = {"cycle": cycle, "p": page, "is_coach": coach,
                               "planning_open": services.planning_open(cycle),
                               "debriefs_open": services.debriefs_open(cycle), "timed_steps": list(TIMED_STEPS),
                               "done_step": forms.get("done_step")}  # fmt: skip
    # A refused form is shown again with its errors, whatever the stage; a fresh one only while it applies.
    context["kickoff_form"] = forms.get("kickoff_form") or (
        _kickoff_form(request, cycle, page) if context["planning_open"] else None
    )
    context["step_form"] = forms.get("step_form") or (
        PlanStepForm(initial={"planned_on": timezone.localdate()}) if context["planning_open"] else None
    )
    context["done_form"] = forms.get("done_form")
    last = page.steps[-1].pk if page.steps else None
    context["debrief_form"] = forms.get("debrief_form") or (
        DebriefForm(initial={"held_on": timezone.localdate(), "step": last}, steps=cycle.plan_steps.all(),
                    coach=cycle.coach if coach else None)
        if context["debriefs_open"] else None
    )  # fmt: skip
    return render(request, "cycles/kickoff.html", context, status=status)


@confidential
@require_http_methods(["GET", "POST"])
def kickoff_page(request: Request, public_id: str) -> HttpResponse:
    """The kickoff, action plan and debriefs; a POST writes the kickoff (in Identify or Learn)."""
    cycle = get_cycle_in_confidence_for(request.user, public_id)
    if request.method == "GET":
        return _render(request, cycle)
    form = _kickoff_form(request, cycle, services.kickoff_page_get(cycle=cycle), request.POST)
    if form.is_valid():
        data = form.cleaned_data
        fields = ("held_on", "brainstorm", "other_resources", "students_know", "students_understand", "students_do",
                  "agency")  # fmt: skip
        try:
            # Only those who see the library choose from it; the others leave the choice as it is.
            chosen = data.get("resources", []) if "resources" in form.fields else None
            kickoff = services.kickoff_save(cycle=cycle, by=request.user, resources=chosen,
                                            **{name: data[name] for name in fields}, **form.time_values())  # fmt: skip
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            if kickoff.entry is not None and form.time_values():
                messages.success(request, f"Kickoff saved, and {kickoff.entry.minutes} minutes logged as your time.")
            else:
                messages.success(request, "Kickoff saved.")
            return redirect(_page_url(cycle, "kickoff"))
    return _render(request, cycle, status=400, kickoff_form=form)


@confidential
@require_POST
def plan_step_add(request: Request, public_id: str) -> HttpResponse:
    cycle = get_cycle_in_confidence_for(request.user, public_id)
    form = PlanStepForm(request.POST)
    if form.is_valid():
        try:
            services.plan_step_add(cycle=cycle, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, "Step added to the plan.")
            return redirect(_page_url(cycle, "plan"))
    return _render(request, cycle, status=400, step_form=form)


@confidential
@require_POST
def plan_step_done(request: Request, public_id: str, pk: int) -> HttpResponse:
    """Mark a step done; the coach may log a modeled or co-taught step's time with it."""
    cycle = get_cycle_in_confidence_for(request.user, public_id)
    step = get_object_or_404(PlanStep, cycle=cycle, pk=pk)
    timed = _is_coach(request, cycle) and step.kind in TIMED_STEPS
    form = StepDoneForm(request.POST, coach=cycle.coach if timed else None)
    if form.is_valid():
        try:
            step = services.plan_step_done(step=step, by=request.user, done_on=form.cleaned_data["done_on"],
                                           **form.time_values())  # fmt: skip
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            logged = f", and {step.entry.minutes} minutes logged as your time" if step.entry else ""
            messages.success(request, f"Step marked done{logged}.")
            return redirect(_page_url(cycle, "plan"))
    return _render(request, cycle, status=400, done_form=form, done_step=step.pk)


@confidential
@require_POST
def debrief_add(request: Request, public_id: str) -> HttpResponse:
    """Record the debrief after a lesson (in Improve)."""
    cycle = get_cycle_in_confidence_for(request.user, public_id)
    form = DebriefForm(request.POST, steps=cycle.plan_steps.all(),
                       coach=cycle.coach if _is_coach(request, cycle) else None)  # fmt: skip
    if form.is_valid():
        data = form.cleaned_data
        try:
            debrief = services.debrief_add(cycle=cycle, by=request.user, held_on=data["held_on"], step=data["step"],
                                           impact=data["impact"], next_time=data["next_time"],
                                           **form.time_values())  # fmt: skip
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            logged = f", and {debrief.entry.minutes} minutes logged as your time" if debrief.entry else ""
            messages.success(request, f"Debrief saved{logged}.")
            return redirect(_page_url(cycle, "debriefs"))
    return _render(request, cycle, status=400, debrief_form=form)
