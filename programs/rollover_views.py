"""The director's rollover page: this year's contracts copied into the next school year for review,
and how the new year stands (contracts, and the coaches' year-end decisions as counts).
Access is decided in programs.rollover."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms.utils import ErrorDict
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from coaching.models import MAX_CONTRACT_DAYS, MIN_CONTRACT_DAYS, Program
from teachers.access import Request
from toolkit.forms import form_errors_add
from toolkit.schoolyear import school_year_label, school_year_of

from .rollover import (
    ContractCopy,
    RolloverRowError,
    rollover_contracts_copy,
    rollover_get,
    rollover_program_for,
    rollover_programs_for,
)

DAYS_ERROR = f"Between {MIN_CONTRACT_DAYS} and {MAX_CONTRACT_DAYS} days."
ROW_FIELD = re.compile(r"c([0-9]{1,19})-(copy|contracted_days|daily_rate)")


class RolloverRowForm(forms.Form):
    """One of this year's contracts: copy it or not, with the new year's days and rate. A row left
    unticked is not copied, so what it holds is not checked."""

    copy = forms.BooleanField(required=False, label="Copy")
    contracted_days = forms.IntegerField(
        min_value=MIN_CONTRACT_DAYS, max_value=MAX_CONTRACT_DAYS, label="Contracted days",
        error_messages={"min_value": DAYS_ERROR, "max_value": DAYS_ERROR, "required": DAYS_ERROR,
                        "invalid": DAYS_ERROR},
    )  # fmt: skip
    daily_rate = forms.DecimalField(
        min_value=Decimal(0), max_digits=8, decimal_places=2, label="Daily rate",
        error_messages={"min_value": "A rate of 0 or more.", "required": "Type the daily rate (0 or more).",
                        "invalid": "A rate in dollars and cents, e.g. 425.00."},
    )  # fmt: skip

    def full_clean(self) -> None:
        super().full_clean()
        if self.is_bound and not self.cleaned_data.get("copy"):
            self._errors = ErrorDict()


def _rollover_url(program: Program) -> str:
    return f"{reverse('programs:rollover')}?program={program.pk}"


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def rollover(request: Request) -> HttpResponse:
    """Step one copies this year's contracts into the next school year (days and rates editable,
    active assigned coaches carried over) in one transaction; then the new year's status."""
    program = rollover_program_for(request.user, request.GET.get("program"))
    today = timezone.localdate()
    from_year = school_year_of(today)
    if program is None:  # a director of several programs picks one first
        if request.method == "POST":
            return redirect("programs:rollover")
        return render(request, "programs/rollover_pick.html",
                      {"programs": rollover_programs_for(request.user),
                       "next_label": school_year_label(from_year + 1)})  # fmt: skip
    page = rollover_get(program=program, from_year=from_year, today=today)
    bound = request.method == "POST"
    rows = [
        (row, RolloverRowForm(request.POST if bound else None, prefix=f"c{row.contract.pk}",
                              initial={"copy": True, "contracted_days": row.contract.contracted_days,
                                       "daily_rate": row.contract.daily_rate}))
        for row in page.to_copy
    ]  # fmt: skip
    error = ""
    status = 200
    if bound:
        posted = {int(m.group(1)) for key in request.POST if (m := ROW_FIELD.fullmatch(key))}
        if not posted <= {row.contract.pk for row in page.rows}:
            raise Http404("No such contract.")  # another program's, another year's, or none
        meanwhile = [row for row in page.already if row.contract.pk in posted]
        if meanwhile:
            messages.info(request, f"{len(meanwhile)} contract(s) were set up in {page.to_label} meanwhile; "
                                   "they are listed as already set up.")  # fmt: skip
        valid = [form.is_valid() for _, form in rows]
        chosen = [(row, form) for row, form in rows if form.is_valid() and form.cleaned_data["copy"]]
        if all(valid) and not chosen:
            error = "Tick at least one contract to copy."
        elif all(valid):
            copies = [ContractCopy(source=row.contract, contracted_days=form.cleaned_data["contracted_days"],
                                   daily_rate=form.cleaned_data["daily_rate"]) for row, form in chosen]  # fmt: skip
            try:
                result = rollover_contracts_copy(program=program, from_year=from_year, copies=copies,
                                                 by=request.user, request=request)  # fmt: skip
            except RolloverRowError as exc:
                form_errors_add(next(form for row, form in rows if row.contract.pk == exc.source.pk), exc)
            else:
                done = f"{len(result.created)} contract(s) copied into {page.to_label}."
                if result.skipped:
                    done += f" {len(result.skipped)} already set up, left as they were."
                messages.success(request, done)
                return redirect(_rollover_url(program))
        status = 400
    context: dict[str, Any] = {
        "page": page, "rows": rows, "error": error, "action": _rollover_url(program),
        "several_programs": rollover_programs_for(request.user)[1:2].exists(),
        "new_only": [u for u in page.new_year if u.contract.district_id not in
                     {row.contract.district_id for row in page.rows}],
    }  # fmt: skip
    return render(request, "programs/rollover.html", context, status=status)
