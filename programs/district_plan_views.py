"""The districts' coaching plans, under /district-plans/: directors write their programs' plans
and record their site visits and check-ins; district administrators read their districts' plans
and progress (never the visits); coaches read the plans of the districts they serve. Who may do
what is decided in coaching.access."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coaching import coaching_plans as services
from coaching.access import (
    coaching_plans_visible_to,
    get_coaching_plan_for,
    may_edit_coaching_plan,
    may_see_coaching_plans,
    programs_directed_by,
    site_visits_visible_to,
)
from coaching.models import CoachingPlan, OnboardingItem
from teachers.access import Request
from teachers.models import District
from toolkit.forms import form_errors_add
from toolkit.params import ID_MAX, parse_int_param
from toolkit.schoolyear import school_year_label, school_year_of

from .district_plan_forms import (
    CoachingPlanForm,
    ItemFormSet,
    PriorityFormSet,
    ServicesForm,
    SiteVisitForm,
    items_from,
    priorities_from,
)
from .district_plans import plan_rows_list, plan_years_list, unplanned_list


def _require_readers(request: Request) -> None:
    if not may_see_coaching_plans(request.user):
        raise PermissionDenied("Coaching plans are for coaches, directors and district administrators.")


def _detail_url(plan: CoachingPlan) -> str:
    return reverse("district_plans:detail", args=[plan.pk])


def _list_page(request: Request, *, year: int, status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    current = school_year_of(today)
    years = plan_years_list(user=request.user, current=current)
    plans = coaching_plans_visible_to(request.user).filter(school_year=year).order_by("district__name", "program__name")
    rows = plan_rows_list(plans=plans, today=today)
    return render(request, "programs/dplan_list.html", {
        "rows": rows, "unplanned": unplanned_list(user=request.user, school_year=year), "years": years,
        "chosen_year": year, "current_year": current, "year_label": school_year_label(year),
        "may_write": programs_directed_by(request.user).exists(),
    }, status=status)  # fmt: skip


@login_required
@never_cache
@require_GET
def plan_list(request: Request) -> HttpResponse:
    """Every plan of a school year this person may read, with its services' progress; for a
    director, the served districts still without a plan, each with *Start the plan*."""
    _require_readers(request)
    current = school_year_of(timezone.localdate())
    asked = parse_int_param(request.GET.get("year"), minimum=dt.MINYEAR, maximum=dt.MAXYEAR - 1)
    return _list_page(request, year=asked if asked is not None else current)


@login_required
@never_cache
@require_POST
def plan_new(request: Request) -> HttpResponse:
    """Start a plan for a district a director's program serves that year (with the default checklist)."""
    _require_readers(request)
    programs = programs_directed_by(request.user)
    if not programs.exists():
        raise PermissionDenied("Directors start a district's coaching plan.")
    current = school_year_of(timezone.localdate())
    year = parse_int_param(request.POST.get("school_year"), minimum=2000, maximum=2100)
    program = programs.filter(pk=parse_int_param(request.POST.get("program"), minimum=1, maximum=ID_MAX) or 0).first()
    district = District.objects.filter(pk=parse_int_param(request.POST.get("district"), minimum=1,
                                                          maximum=ID_MAX) or 0).first()  # fmt: skip
    if year is None or program is None or district is None:
        messages.error(request, "Choose a district your program serves, and its school year.")
        return _list_page(request, year=year or current, status=400)
    try:
        plan = services.coaching_plan_create(program=program, district=district, school_year=year, by=request.user,
                                             request=request)  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _list_page(request, year=year, status=400)
    messages.success(request, f"Plan started for {plan}: add its priorities and services.")
    return redirect(reverse("district_plans:edit", args=[plan.pk]))


@login_required
@never_cache
@require_GET
def plan_detail(request: Request, pk: int) -> HttpResponse:
    """A plan read-only, with its progress; its directors also see the site visits (decided by
    `site_visits_visible_to`: the page is given no visit for anyone else)."""
    _require_readers(request)
    plan = get_coaching_plan_for(request.user, pk)
    row = plan_rows_list(plans=CoachingPlan.objects.filter(pk=plan.pk), today=timezone.localdate())[0]
    may_edit = may_edit_coaching_plan(request.user, plan)
    visits = list(site_visits_visible_to(request.user).filter(plan=plan).select_related("recorded_by"))
    return render(request, "programs/dplan_detail.html", {
        "row": row, "plan": row.plan, "may_edit": may_edit, "visits": visits,
    })  # fmt: skip


def _writable(request: Request, pk: int) -> CoachingPlan:
    """A plan this person may change: 404 outside their reach, 403 when they may only read it."""
    _require_readers(request)
    plan = get_coaching_plan_for(request.user, pk)
    if not may_edit_coaching_plan(request.user, plan):
        raise PermissionDenied("The program's directors change the plan.")
    return plan


def _initial(plan: CoachingPlan) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any], list[dict[str, Any]]]:
    priorities = [{"pk": p.pk, "title": p.title, "description": p.description} for p in plan.priorities.all()]
    services_planned = {s.kind: s.planned for s in plan.services.all()}
    items = [{"pk": i.pk, "text": i.text} for i in plan.onboarding_items.all()]
    return {"kickoff_on": plan.kickoff_on, "notes": plan.notes}, priorities, services_planned, items


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def plan_edit(request: Request, pk: int) -> HttpResponse:
    """The whole plan on one form: kick-off, notes, priorities, services and checklist items."""
    plan = _writable(request, pk)
    plan_initial, priorities, planned, items = _initial(plan)
    data = request.POST if request.method == "POST" else None
    form = CoachingPlanForm(data, initial=plan_initial)
    priority_set = PriorityFormSet(data, initial=None if data else priorities, prefix="priority")
    services_form = ServicesForm(data, initial=planned, prefix="service")
    item_set = ItemFormSet(data, initial=None if data else items, prefix="item")
    valid = data is not None and all(
        [form.is_valid(), priority_set.is_valid(), services_form.is_valid(), item_set.is_valid()]
    )
    if valid:
        try:
            services.coaching_plan_save(
                plan=plan, kickoff_on=form.cleaned_data["kickoff_on"], notes=form.cleaned_data["notes"],
                priorities=priorities_from(priority_set), services=services_form.planned(),
                items=items_from(item_set), by=request.user, request=request,
            )  # fmt: skip
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, "Plan saved.")
            return redirect(_detail_url(plan))
    return render(request, "programs/dplan_form.html", {
        "plan": plan, "form": form, "priority_set": priority_set, "services_form": services_form,
        "item_set": item_set,
    }, status=400 if data is not None else 200)  # fmt: skip


@login_required
@never_cache
@require_POST
def plan_checklist(request: Request, pk: int) -> HttpResponse:
    """Tick or untick one onboarding item (`item`, `done` 1 or 0); who and when are kept."""
    plan = _writable(request, pk)
    item_pk = parse_int_param(request.POST.get("item"), minimum=1, maximum=ID_MAX)
    item = OnboardingItem.objects.filter(plan=plan, pk=item_pk or 0).first()
    if item is None:
        raise Http404("No such checklist item.")
    services.onboarding_item_tick(item=item, done=request.POST.get("done") == "1", by=request.user)
    return redirect(f"{_detail_url(plan)}#onboarding")


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def plan_visits(request: Request, pk: int) -> HttpResponse:
    """The director's site visits and check-ins with a district, and a form to record one. Only
    the plan's directors: a district administrator or coach who reads the plan gets 403."""
    plan = _writable(request, pk)
    form = SiteVisitForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        services.site_visit_record(plan=plan, by=request.user, request=request, **form.cleaned_data)
        messages.success(request, "Visit recorded.")
        return redirect(reverse("district_plans:visits", args=[plan.pk]))
    visits = site_visits_visible_to(request.user).filter(plan=plan).select_related("recorded_by")
    return render(request, "programs/dplan_visits.html", {"plan": plan, "form": form, "visits": visits},
                  status=400 if request.method == "POST" else 200)  # fmt: skip
