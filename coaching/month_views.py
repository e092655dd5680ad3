"""Month close pages: a coach's months (submit one that has ended), the director's approvals
(approve, return with a note, reopen with a reason)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from teachers.access import Request
from toolkit.params import parse_int_param
from toolkit.schoolyear import school_year_bounds, school_year_label, school_year_of

from . import months
from .access import (
    coach_months_decidable_by,
    coach_required,
    get_coach_month_for_decision,
    may_approve_months,
    school_years_visible_to,
)
from .forms import MonthReopenForm, MonthReturnForm
from .models import Coach, CoachMonth, MonthStatus


def _chosen_year(request: Request) -> tuple[int, list[int], int]:
    """The school year asked for (?year=), if the person has anything in it; else the current one."""
    current = school_year_of(timezone.localdate())
    years = sorted(set(school_years_visible_to(request.user)) | {current}, reverse=True)
    asked = request.GET.get("year")
    year = parse_int_param(asked, minimum=dt.MINYEAR, maximum=dt.MAXYEAR - 1)
    if year is None or year not in years:
        if asked:
            messages.info(request, "There is nothing to show for that school year; here is the current one.")
        year = current
    return year, years, current


@coach_required
@never_cache
@require_GET
def my_months(request: Request, coach: Coach) -> HttpResponse:
    """A coach's months of a school year: hours, entries, status, the director's note; Submit."""
    year, years, current = _chosen_year(request)
    today = timezone.localdate()
    summaries = months.coach_month_list(coach=coach, school_year=year, today=today)
    context = {"months": summaries, "years": years, "chosen_year": year, "current_year": current,
               "year_label": school_year_label(year), "this_month": months.month_start(today)}  # fmt: skip
    return render(request, "coaching/my_months.html", context)


def _parse_month(value: str | None) -> dt.date | None:
    """A month as YYYY-MM (its first day), or None."""
    if not value or len(value) != 7 or value[4] != "-":
        return None
    year = parse_int_param(value[:4], minimum=dt.MINYEAR, maximum=dt.MAXYEAR)
    month = parse_int_param(value[5:], minimum=1, maximum=12)
    if year is None or month is None:
        return None
    return dt.date(year, month, 1)


@coach_required
@require_POST
def month_submit(request: Request, coach: Coach) -> HttpResponse:
    """Submit one of the coach's months (`month`: YYYY-MM) for approval."""
    first = _parse_month(request.POST.get("month"))
    if first is None:
        messages.error(request, "Choose a month to submit.")
        return redirect("coaching:my_months")
    try:
        record = months.month_submit(coach=coach, month=first, by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{months.month_label(record.month)} is submitted for approval; its entries "
                                  "are locked until your program director decides.")  # fmt: skip
    return redirect(f"{reverse('coaching:my_months')}?year={school_year_of(first)}")


def _approver(request: Request) -> None:
    if not may_approve_months(request.user):
        raise PermissionDenied("Months are approved by the coach's program director.")


def _approvals_url(record: CoachMonth | None = None, *, decided: bool = False) -> str:
    url = reverse("coaching:approvals")
    if decided and record is not None:
        return f"{url}?show=decided&year={school_year_of(record.month)}"
    return url


@login_required
@never_cache
@require_GET
def approvals(request: Request) -> HttpResponse:
    """Months waiting for approval (every year), or the months decided in a school year."""
    _approver(request)
    show = "decided" if request.GET.get("show") == "decided" else "waiting"
    decidable = coach_months_decidable_by(request.user)
    year, years, current = _chosen_year(request)
    if show == "waiting":
        chosen = decidable.filter(status=MonthStatus.SUBMITTED)
    else:
        first, last = school_year_bounds(year)
        chosen = decidable.filter(status__in=[MonthStatus.APPROVED, MonthStatus.RETURNED], month__range=(first, last))
    review = months.month_review_list(months=chosen)
    waiting = len(review) if show == "waiting" else decidable.filter(status=MonthStatus.SUBMITTED).count()
    context = {"review": review, "show": show, "waiting": waiting, "years": years, "chosen_year": year,
               "current_year": current, "year_label": school_year_label(year)}  # fmt: skip
    return render(request, "coaching/approvals.html", context)


@login_required
@require_POST
def month_approve(request: Request, pk: int) -> HttpResponse:
    _approver(request)
    record = get_coach_month_for_decision(request.user, pk)
    try:
        record = months.month_approve(record=record, by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Approved {months.month_label(record.month)} of {record.coach}.")
    return redirect(_approvals_url())


def _decide(request: Request, pk: int, *, reopen: bool) -> HttpResponse:
    """Return a submitted month with a note, or reopen an approved one with a reason."""
    _approver(request)
    record = get_coach_month_for_decision(request.user, pk)
    wanted = MonthStatus.APPROVED if reopen else MonthStatus.SUBMITTED
    if record.status != wanted:
        messages.info(request, f"{months.month_label(record.month)} of {record.coach} is "
                               f"{record.get_status_display().lower()}; nothing was changed.")  # fmt: skip
        return redirect(_approvals_url(record, decided=record.status != MonthStatus.SUBMITTED))
    form: MonthReopenForm | MonthReturnForm
    if request.method == "POST":
        form = MonthReopenForm(request.POST) if reopen else MonthReturnForm(request.POST)
        if form.is_valid():
            try:
                if reopen:
                    record = months.month_reopen(record=record, by=request.user, reason=form.cleaned_data["reason"],
                                                 request=request)  # fmt: skip
                else:
                    record = months.month_return(record=record, by=request.user, note=form.cleaned_data["note"],
                                                 request=request)  # fmt: skip
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                done = "Reopened" if reopen else "Returned"
                messages.success(request, f"{done} {months.month_label(record.month)} of {record.coach}; they can "
                                          "change its entries and submit it again.")  # fmt: skip
                return redirect(_approvals_url(record, decided=reopen))
    else:
        form = MonthReopenForm() if reopen else MonthReturnForm()
    [item] = months.month_review_list(months=CoachMonth.objects.filter(pk=record.pk))
    context = {"form": form, "item": item, "reopen": reopen,
               "back": _approvals_url(record, decided=reopen)}  # fmt: skip
    return render(request, "coaching/month_decide.html", context)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def month_return(request: Request, pk: int) -> HttpResponse:
    return _decide(request, pk, reopen=False)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def month_reopen(request: Request, pk: int) -> HttpResponse:
    return _decide(request, pk, reopen=True)
