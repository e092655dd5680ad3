"""The set-up pages under /setup/: a director runs a program's whole year from here (districts
and schools, contracts, coaches, district administrators, activities, focus areas, the
non-coaching threshold, the set-up history); a district administrator their districts' schools
and administrators. Each view asks `programs.access`, validates with a form and calls a service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coaching.models import Activity, ActivityKind, Contract, FocusArea, Program
from coaching.months import contract_approvals_add
from coaching.selectors import contract_usage_list
from teachers.access import Request
from teachers.invitations import LinkFor
from teachers.models import District
from toolkit.forms import form_errors_add
from toolkit.params import ID_MAX, parse_int_param
from toolkit.schoolyear import school_year_label, school_year_of

from . import selectors, services
from .access import (
    administrators_in_setup,
    choosable_coaches,
    contracts_readable_in_setup,
    get_administrator_for_setup,
    get_coach_for_setup,
    get_contract_for_setup,
    get_district_for_setup,
    get_item_for_setup,
    get_school_for_setup,
    may_rename_district,
    may_set_up_programs,
    program_districts,
    require_program_setup,
    require_setup,
    setup_districts_for,
    setup_program_for,
    setup_programs_for,
)
from .enrollment import COLUMNS, EnrollmentImportError, enrollment_import, school_enrollment_set
from .forms import (
    ActivityForm,
    CoachMoveForm,
    ContractForm,
    DistrictAddForm,
    EnrollmentImportForm,
    NameForm,
    PersonForm,
    SchoolForm,
    ThresholdForm,
)

HISTORY_PAGE_SIZE = 50
ItemModel = type[Activity] | type[FocusArea]
ITEM_LABELS = {Activity: ("activity", "activities", "programs:activities"),
               FocusArea: ("focus area", "focus areas", "programs:focus_areas")}  # fmt: skip


def _to(name: str, program: Program | None = None, *args: object) -> HttpResponseRedirect:
    url = reverse(name, args=args)
    return HttpResponseRedirect(f"{url}?program={program.pk}" if program else url)


def _link_for(request: HttpRequest) -> LinkFor:
    def link(token: str) -> str:
        return request.build_absolute_uri(reverse("invitation", args=[token]))

    return link


def _render(request: HttpRequest, template: str, context: dict[str, Any], form: Any = None) -> HttpResponse:
    """A page; 400 when its form was posted with errors (everything typed is shown again)."""
    status = 400 if form is not None and form.is_bound and form.errors else 200
    program = context.get("program")
    context["pq"] = f"?program={program.pk}" if program else ""  # keeps a director's chosen program in links
    return render(request, template, context, status=status)


def _posted(request: HttpRequest) -> Any:
    """A form's data: what was posted (even nothing, so an empty form shows its errors), else None."""
    return request.POST if request.method == "POST" else None


def _program(request: Request) -> tuple[Program | None, list[Program]]:
    """A director's chosen program and all of theirs; (None, []) for a district administrator."""
    if may_set_up_programs(request.user) and setup_programs_for(request.user).exists():
        return setup_program_for(request.user, request.GET.get("program") or request.POST.get("program"))
    require_setup(request.user)
    return None, []


def _program_serving(request: Request, district: District) -> Program | None:
    """The director's program a district-level change is recorded under (the chosen one if it
    serves the district, else the first that does); None for a district administrator."""
    programs = setup_programs_for(request.user).filter(contracts__district=district).distinct()
    chosen = parse_int_param(request.GET.get("program"), minimum=1, maximum=ID_MAX)
    return (programs.filter(pk=chosen).first() if chosen else None) or programs.first()


def _districts(request: Request, program: Program | None) -> QuerySet[District]:
    return program_districts(program) if program else setup_districts_for(request.user)


# --------------------------------------------------------------------------- overview


@login_required
@require_GET
def overview(request: Request) -> HttpResponse:
    """A director's program at a glance, with a way into each part; a district administrator's
    districts (schools, administrators, contracts)."""
    program, programs = _program(request)
    context: dict[str, Any] = {"program": program, "programs": programs}
    if program is not None:
        context["counts"] = selectors.program_overview(program=program)
    else:
        districts = setup_districts_for(request.user)
        context["districts"] = selectors.districts_with_schools_list(districts=districts)
        context["admin_count"] = administrators_in_setup(request.user).count()
        context["contract_count"] = contracts_readable_in_setup(request.user).count()
    return _render(request, "programs/setup_overview.html", context)


# --------------------------------------------------------------------------- districts and schools


@login_required
@require_GET
def district_list(request: Request) -> HttpResponse:
    program, programs = _program(request)
    districts = selectors.districts_with_schools_list(districts=_districts(request, program))
    return _render(request, "programs/setup_districts.html", {
        "program": program, "programs": programs, "districts": districts,
        "may_rename": may_rename_district(request.user),
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def district_add(request: Request) -> HttpResponse:
    require_program_setup(request.user)
    program, programs = setup_program_for(request.user, request.GET.get("program"))
    form = DistrictAddForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            contract = services.district_create(program=program, by=request.user, request=request, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, f"{contract.district.name} added, with its {contract.school_year_label} "
                                      "contract. Add its schools next.")  # fmt: skip
            return _to("programs:districts", program)
    return _render(request, "programs/setup_form.html", {
        "form": form, "program": program, "programs": programs, "title": "Add a district",
        "intro": "A district joins with its first contract, so your program serves it from the start.",
        "submit": "Add district", "back": "programs:districts",
    }, form)  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def district_edit(request: Request, pk: int) -> HttpResponse:
    district = get_district_for_setup(request.user, pk)
    if not may_rename_district(request.user):
        raise PermissionDenied("The program keeps the district's name.")
    program = _program_serving(request, district)
    old = district.name
    form = NameForm(_posted(request), initial={"name": district.name}, label="District name", max_length=200)
    if request.method == "POST" and form.is_valid():
        try:
            services.district_rename(district=district, name=form.cleaned_data["name"], by=request.user,
                                     program=program, request=request)  # fmt: skip
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, f"The district is now called {district.name}.")
            return _to("programs:districts", program)
    return _render(request, "programs/setup_form.html", {
        "form": form, "program": program, "title": f"Rename {old}",
        "submit": "Rename", "back": "programs:districts",
    }, form)  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def school_add(request: Request, pk: int) -> HttpResponse:
    district = get_district_for_setup(request.user, pk)
    program = _program_serving(request, district)
    form = NameForm(_posted(request), label="School name", max_length=200)
    if request.method == "POST" and form.is_valid():
        try:
            school = services.school_add(district=district, name=form.cleaned_data["name"], by=request.user,
                                         program=program, request=request)  # fmt: skip
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, f"{school.name} added to {district.name}.")
            return _to("programs:districts", program)
    return _render(request, "programs/setup_form.html", {
        "form": form, "program": program, "title": f"Add a school to {district.name}", "submit": "Add school",
        "back": "programs:districts",
    }, form)  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def school_edit(request: Request, pk: int) -> HttpResponse:
    """Rename a school, and set (or clear) its enrollment and the school year it is for."""
    school = get_school_for_setup(request.user, pk)
    program = _program_serving(request, school.district)
    old = school.name
    initial = {"name": school.name, "enrollment": school.enrollment, "enrollment_year": school.enrollment_year}
    form = SchoolForm(_posted(request), initial=initial, year=school.enrollment_year)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                if data["name"].strip() != school.name:
                    services.school_rename(school=school, name=data["name"], by=request.user, program=program,
                                           request=request)  # fmt: skip
                school_enrollment_set(school=school, enrollment=data["enrollment"], year=data["enrollment_year"],
                                      by=request.user, program=program, request=request)  # fmt: skip
        except ValidationError as exc:
            school.name = old
            form_errors_add(form, exc)
        else:
            messages.success(request, f"{school.name} saved.")
            return _to("programs:districts", program)
    return _render(request, "programs/setup_form.html", {
        "form": form, "program": program, "title": f"Edit {old} ({school.district.name})", "submit": "Save",
        "back": "programs:districts",
    }, form)  # fmt: skip


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def enrollment_import_view(request: Request, pk: int) -> HttpResponse:
    """Import a district's schools' enrollment from a CSV (school, enrollment), all or nothing."""
    district = get_district_for_setup(request.user, pk)
    program = _program_serving(request, district)
    posted = request.method == "POST"
    form = EnrollmentImportForm(request.POST if posted else None, request.FILES if posted else None)
    errors: list[Any] = []
    if request.method == "POST" and form.is_valid():
        try:
            count = enrollment_import(district=district, data=form.cleaned_data["file"],
                                      year=form.cleaned_data["school_year"], by=request.user, program=program,
                                      request=request)  # fmt: skip
        except EnrollmentImportError as exc:
            errors = exc.errors
        else:
            messages.success(request, f"Enrollment set for {count} school{'s' if count != 1 else ''} of "
                                      f"{district.name}.")  # fmt: skip
            return _to("programs:districts", program)
    status = 400 if errors or (form.is_bound and form.errors) else 200
    context = {"form": form, "district": district, "errors": errors, "program": program, "columns": COLUMNS,
               "pq": f"?program={program.pk}" if program else ""}  # fmt: skip
    return render(request, "programs/setup_enrollment.html", context, status=status)


# --------------------------------------------------------------------------- contracts


def _years(contracts: QuerySet[Contract], current: int) -> list[int]:
    found = set(contracts.order_by().values_list("school_year", flat=True).distinct())
    return sorted(found | {current}, reverse=True)


@login_required
@require_GET
def contract_list(request: Request) -> HttpResponse:
    """The program's contracts of a school year with their days used, left and the share used;
    a district administrator reads their districts' contracts (every program's) here."""
    program, programs = _program(request)
    contracts = Contract.objects.filter(program=program) if program else contracts_readable_in_setup(request.user)
    today = timezone.localdate()
    current = school_year_of(today)
    years = _years(contracts, current)
    asked = parse_int_param(request.GET.get("year"), minimum=dt.MINYEAR, maximum=dt.MAXYEAR - 1)
    year = asked if asked in years else current
    chosen = contracts.filter(school_year=year).prefetch_related("coaches__user")
    usage = contract_approvals_add(usage=contract_usage_list(contracts=chosen, as_of=today), as_of=today)
    coach_names = {c.pk: [coach.user.display_name for coach in c.coaches.all()] for c in chosen}
    rows = [(u, coach_names.get(u.contract.pk, [])) for u in usage]
    return _render(request, "programs/setup_contracts.html", {
        "program": program, "programs": programs, "rows": rows, "years": years, "year": year,
        "current_year": current, "year_label": school_year_label(year),
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def contract_add(request: Request) -> HttpResponse:
    require_program_setup(request.user)
    program, programs = setup_program_for(request.user, request.GET.get("program"))
    year = parse_int_param(request.GET.get("year"), minimum=2000, maximum=2100)
    form = ContractForm(_posted(request), districts=program_districts(program).order_by("name"),
                        coaches=choosable_coaches(program), year=year)  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            contract = services.contract_create(program=program, by=request.user, request=request, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, f"Contract added: {contract}.")
            return HttpResponseRedirect(
                f"{reverse('programs:contracts')}?program={program.pk}&year={contract.school_year}"
            )
    return _render(request, "programs/setup_form.html", {
        "form": form, "program": program, "programs": programs, "title": "Add a contract",
        "intro": "With a district your program serves already. A new district is added with its first contract "
                 "under Districts and schools.",
        "submit": "Add contract", "back": "programs:contracts",
    }, form)  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def contract_edit(request: Request, pk: int) -> HttpResponse:
    contract = get_contract_for_setup(request.user, pk)
    program = contract.program
    coaches = choosable_coaches(program, keep=contract.coaches.all())
    form = ContractForm(_posted(request), districts=None, coaches=coaches,
                        initial={"contracted_days": contract.contracted_days, "daily_rate": contract.daily_rate,
                                 "coaches": list(contract.coaches.all())})  # fmt: skip
    [usage] = contract_usage_list(contracts=Contract.objects.filter(pk=contract.pk), as_of=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        try:
            services.contract_update(contract=contract, by=request.user, request=request, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, f"Contract saved: {contract}.")
            if contract.contracted_days < usage.days_used:
                messages.warning(request, f"{usage.days_used} days are used already, more than the "
                                          f"{contract.contracted_days} contracted: the contract is "
                                          "overdrawn.")  # fmt: skip
            return HttpResponseRedirect(
                f"{reverse('programs:contracts')}?program={program.pk}&year={contract.school_year}"
            )
    return _render(request, "programs/setup_form.html", {
        "form": form, "program": program, "title": f"Contract: {contract}", "usage": usage,
        "submit": "Save contract", "back": "programs:contracts",
    }, form)  # fmt: skip


# --------------------------------------------------------------------------- coaches


@login_required
@require_GET
def coach_list(request: Request) -> HttpResponse:
    require_program_setup(request.user)
    program, programs = setup_program_for(request.user, request.GET.get("program"))
    return _render(request, "programs/setup_coaches.html", {
        "program": program, "programs": programs, "rows": selectors.coach_rows_list(program=program),
        "may_move": len(programs) > 1, "year_label": school_year_label(school_year_of(timezone.localdate())),
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def coach_add(request: Request) -> HttpResponse:
    require_program_setup(request.user)
    program, programs = setup_program_for(request.user, request.GET.get("program"))
    form = PersonForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            coach = services.coach_add(program=program, by=request.user, link_for=_link_for(request),
                                       request=request, **form.cleaned_data)  # fmt: skip
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            invited = "an invitation to set a password was sent" if not coach.user.has_usable_password() else \
                "they sign in with their existing password"  # fmt: skip
            messages.success(request, f"{coach.user.display_name} added; {invited}.")
            return _to("programs:coaches", program)
    return _render(request, "programs/setup_form.html", {
        "form": form, "program": program, "programs": programs, "title": "Add a coach",
        "intro": "The coach gets an email with a link to set their password (it works once and lasts 7 days).",
        "submit": "Add and invite", "back": "programs:coaches",
    }, form)  # fmt: skip


@login_required
@require_POST
def coach_active(request: Request, pk: int) -> HttpResponse:
    coach = get_coach_for_setup(request.user, pk)
    active = request.POST.get("active") == "1"
    services.coach_set_active(coach=coach, active=active, by=request.user, request=request)
    messages.success(request, f"{coach.user.display_name} " + (
        "can sign in and log time again." if active else
        "is deactivated: they can no longer sign in or log time; their entries stay in every report."))  # fmt: skip
    return _to("programs:coaches", coach.program)


def _invite_view(request: Request, user_name: str, sent_to: Any, do: Any) -> None:
    revoke = request.POST.get("action") == "revoke"
    try:
        count = do(revoke)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return
    if revoke:
        messages.success(
            request, f"{user_name}'s invitation withdrawn." if count else "No pending invitation to withdraw."
        )
    else:
        messages.success(request, f"A new invitation was sent to {sent_to}; the earlier link no longer works.")


@login_required
@require_POST
def coach_invite(request: Request, pk: int) -> HttpResponse:
    coach = get_coach_for_setup(request.user, pk)
    _invite_view(request, coach.user.display_name, coach.user.email, lambda revoke: services.user_invite(
        user=coach.user, revoke=revoke, by=request.user, link_for=_link_for(request), program=coach.program,
        request=request))  # fmt: skip
    return _to("programs:coaches", coach.program)


@login_required
@require_http_methods(["GET", "POST"])
def coach_move(request: Request, pk: int) -> HttpResponse:
    """Move a coach to another program the same person directs."""
    coach = get_coach_for_setup(request.user, pk)
    others = setup_programs_for(request.user).exclude(pk=coach.program_id)
    form = CoachMoveForm(_posted(request), programs=others)
    if request.method == "POST" and form.is_valid():
        try:
            services.coach_move(coach=coach, to=form.cleaned_data["program"], by=request.user, request=request)
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, f"{coach.user.display_name} moved to {coach.program.name}. Their past entries "
                                      "stay with the program they were delivered for.")  # fmt: skip
            return _to("programs:coaches", coach.program)
    return _render(request, "programs/setup_form.html", {
        "form": form, "program": coach.program, "title": f"Move {coach.user.display_name} to another program",
        "intro": "Only to a program you direct too. Past entries keep their program; the coach leaves this "
                 "program's contracts." if others.exists() else "You direct no other program to move them to.",
        "submit": "Move coach", "back": "programs:coaches",
    }, form)  # fmt: skip


# --------------------------------------------------------------------------- district administrators


@login_required
@require_GET
def administrator_list(request: Request) -> HttpResponse:
    program, programs = _program(request)
    groups = selectors.administrators_by_district_list(districts=_districts(request, program))
    return _render(request, "programs/setup_administrators.html", {
        "program": program, "programs": programs, "groups": groups,
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def administrator_add(request: Request) -> HttpResponse:
    program, programs = _program(request)
    districts = _districts(request, program).order_by("name")
    chosen = parse_int_param(request.GET.get("district"), minimum=1, maximum=ID_MAX)
    form = PersonForm(_posted(request), districts=districts, initial={"district": chosen} if chosen else None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        district = data.pop("district")
        try:
            user, invited = services.administrator_add(district=district, by=request.user, program=program,
                                                       link_for=_link_for(request), request=request,
                                                       **data)  # fmt: skip
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, f"{user.display_name} now administers {district.name}" + (
                "; an invitation to set a password was sent." if invited else "."))  # fmt: skip
            return _to("programs:administrators", program)
    return _render(request, "programs/setup_form.html", {
        "form": form, "program": program, "programs": programs, "title": "Add a district administrator",
        "intro": "An address that already signs in as a district administrator is reused; a new person gets an email "
                 "with a link to set their password (it works once and lasts 7 days).",
        "submit": "Add administrator", "back": "programs:administrators",
    }, form)  # fmt: skip


@login_required
@require_POST
def administrator_remove(request: Request, pk: int, user_pk: int) -> HttpResponse:
    district = get_district_for_setup(request.user, pk)
    admin = get_administrator_for_setup(request.user, user_pk)
    if not admin.administered_districts.filter(pk=district.pk).exists():
        raise PermissionDenied("This person does not administer this district.")
    program = _program_serving(request, district)
    try:
        services.administrator_remove(district=district, administrator=admin, by=request.user, program=program,
                                      request=request)  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{admin.display_name} no longer administers {district.name}.")
    return _to("programs:administrators", program)


@login_required
@require_POST
def administrator_invite(request: Request, pk: int) -> HttpResponse:
    admin = get_administrator_for_setup(request.user, pk)
    district = setup_districts_for(request.user).filter(administrators=admin).order_by("name").first()
    program = _program_serving(request, district) if district else None
    _invite_view(request, admin.display_name, admin.email, lambda revoke: services.user_invite(
        user=admin, revoke=revoke, by=request.user, link_for=_link_for(request), program=program,
        district=district, request=request))  # fmt: skip
    return _to("programs:administrators", program)


# --------------------------------------------------------------------------- activities and focus areas


@login_required
@require_GET
def item_list(request: Request, model: ItemModel) -> HttpResponse:
    require_program_setup(request.user)
    program, programs = setup_program_for(request.user, request.GET.get("program"))
    label, plural, _ = ITEM_LABELS[model]
    order = ("kind", "position", "name", "pk") if model is Activity else ("position", "name", "pk")
    own: list[Any] = list(model.objects.filter(program=program).order_by(*order))
    shared = list(model.objects.filter(program__isnull=True).order_by(*order))
    groups: list[tuple[str, list[Any], bool]] = [
        ("Coaching activities", [i for i in own if i.kind == ActivityKind.COACHING], True),
        ("Non-coaching duties", [i for i in own if i.kind == ActivityKind.NON_COACHING], False),
    ] if model is Activity else [("", own, False)]  # fmt: skip
    return _render(request, "programs/setup_items.html", {
        "program": program, "programs": programs, "groups": groups, "shared": shared, "label": label,
        "plural": plural, "is_activity": model is Activity,
        "add_url": reverse("programs:activity_add" if model is Activity else "programs:focus_area_add"),
        "prefix": "activity" if model is Activity else "focus_area",
    })  # fmt: skip


def _item_form(model: ItemModel, data: Any, item: Activity | FocusArea | None = None) -> Any:
    initial = {"name": item.name, "balance": getattr(item, "balance", "")} if item else None
    if model is Activity:
        return ActivityForm(data, initial=initial, editing=getattr(item, "kind", "") if item else "")
    return NameForm(data, initial=initial, label="Focus area")


@login_required
@require_http_methods(["GET", "POST"])
def item_add(request: Request, model: ItemModel) -> HttpResponse:
    require_program_setup(request.user)
    program, programs = setup_program_for(request.user, request.GET.get("program"))
    label, _plural, back = ITEM_LABELS[model]
    form = _item_form(model, _posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            item = services.item_add(model=model, program=program, by=request.user, request=request,
                                     **form.cleaned_data)  # fmt: skip
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, f"{item.name} added; coaches can choose it now.")
            return _to(back, program)
    return _render(request, "programs/setup_form.html", {
        "form": form, "program": program, "programs": programs, "title": f"Add a {label}", "submit": f"Add {label}",
        "back": back,
    }, form)  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request: Request, pk: int, model: ItemModel) -> HttpResponse:
    item = get_item_for_setup(request.user, model, pk)
    label, _plural, back = ITEM_LABELS[model]
    old = item.name
    form = _item_form(model, _posted(request), item)
    if request.method == "POST" and form.is_valid():
        try:
            services.item_rename(item=item, name=form.cleaned_data["name"], by=request.user, request=request,
                                 balance=form.cleaned_data.get("balance", ""))  # fmt: skip
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, f"Saved: {item.name}. Past entries and reports show the new name.")
            return _to(back, item.program)
    return _render(request, "programs/setup_form.html", {
        "form": form, "program": item.program, "title": f"Rename the {label} {old}", "submit": "Save", "back": back,
    }, form)  # fmt: skip


@login_required
@require_POST
def item_move(request: Request, pk: int, model: ItemModel) -> HttpResponse:
    item = get_item_for_setup(request.user, model, pk)
    services.item_move(item=item, direction="up" if request.POST.get("direction") == "up" else "down",
                       by=request.user, request=request)  # fmt: skip
    response = _to(ITEM_LABELS[model][2], item.program)
    response["Location"] += f"#item-{item.pk}"  # back to the row, so the keyboard user keeps their place
    return response


@login_required
@require_POST
def item_active(request: Request, pk: int, model: ItemModel) -> HttpResponse:
    item = get_item_for_setup(request.user, model, pk)
    active = request.POST.get("active") == "1"
    services.item_set_active(item=item, active=active, by=request.user, request=request)
    messages.success(request, f"{item.name} " + ("restored: coaches can choose it again." if active else
                     "retired: coaches no longer see it; past entries and reports keep it."))  # fmt: skip
    return _to(ITEM_LABELS[model][2], item.program)


# --------------------------------------------------------------------------- threshold and history


@login_required
@require_http_methods(["GET", "POST"])
def threshold(request: Request) -> HttpResponse:
    require_program_setup(request.user)
    program, programs = setup_program_for(request.user, request.GET.get("program"))
    initial = {"threshold": program.non_coaching_threshold, "impact_counts_unshared": program.impact_counts_unshared,
               "standards_lens": program.standards_lens}  # fmt: skip
    form = ThresholdForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        services.threshold_set(program=program, threshold=form.cleaned_data["threshold"], by=request.user,
                               request=request,
                               impact_counts_unshared=form.cleaned_data["impact_counts_unshared"],
                               standards_lens=form.cleaned_data["standards_lens"])  # fmt: skip
        policy = "every cycle" if program.impact_counts_unshared else "only the cycles teachers shared"
        messages.success(request, f"Reports now flag non-coaching time above {program.non_coaching_threshold}% "
                                  f"and count {policy} in the impact figures.")  # fmt: skip
        return _to("programs:setup", program)
    return _render(request, "programs/setup_form.html", {
        "form": form, "program": program, "programs": programs, "title": "Report settings",
        "intro": "Non-coaching duties (substituting, fixing technology, testing…) are logged honestly; a rising "
                 "share is the first sign a coaching program is being eroded. The impact figures (growth toward "
                 "goals, goals met, hours and cost per goal met) count only the cycles teachers chose to share, "
                 "unless you decide that every cycle counts. The Teacher Leader Model Standards' seven domains "
                 "are an optional lens: tags on cycles, goals, PD sessions and resources, and time by domain.",
        "submit": "Save settings", "back": "programs:setup",
    }, form)  # fmt: skip


@login_required
@require_GET
def history(request: Request) -> HttpResponse:
    """The program's audit events: every set-up change and invitation, newest first."""
    require_program_setup(request.user)
    program, programs = setup_program_for(request.user, request.GET.get("program"))
    page = Paginator(selectors.program_history_list(program=program), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page"))  # fmt: skip
    return _render(request, "programs/setup_history.html", {
        "program": program, "programs": programs, "page": page, "query": f"program={program.pk}",
    })  # fmt: skip
