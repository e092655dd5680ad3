"""The coach's year-end page: each open cycle carried into the next school year or closed now.
Only the coach's own open cycles are listed and decided (cycles.yearend)."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from coaching.access import coach_required
from coaching.models import Coach
from teachers.access import Request
from toolkit.forms import form_errors_add
from toolkit.schoolyear import school_year_label, school_year_of

from .models import Cycle, Outcome, YearEndChoice
from .yearend import YearEndInput, YearEndRowError, year_end_cycles, year_end_decide, year_end_started

DECISION_SUFFIX = "-decision"


class YearEndForm(forms.Form):
    """One open cycle's decision. Closing asks what the normal close asks: an outcome and whether
    the goal was met; the closing note is optional."""

    decision = forms.ChoiceField(
        required=False, widget=forms.RadioSelect(attrs={"class": "btn-check"}), label="Decision"
    )
    outcome = forms.ChoiceField(required=False, choices=[("", "—"), *Outcome.choices], label="Outcome")
    goal_met = forms.TypedChoiceField(
        required=False, choices=[("", "—"), ("yes", "Yes"), ("no", "No")], label="Goal met?",
        coerce=lambda value: {"yes": True, "no": False}.get(value), empty_value=None,
    )  # fmt: skip
    closing_note = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}), label="Closing note (optional)"
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, next_year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        decision = self.fields["decision"]
        assert isinstance(decision, forms.ChoiceField)  # noqa: S101  # nosec B101: declared above
        decision.choices = [
            ("", "Decide later"),
            (YearEndChoice.CARRIED, f"Carry over into {school_year_label(next_year)}"),
            (YearEndChoice.CLOSED, "Close now"),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == YearEndChoice.CLOSED:
            if not data.get("outcome"):
                self.add_error("outcome", "Choose how the cycle ended.")
            if data.get("goal_met") is None:
                self.add_error("goal_met", "Say whether the goal was met.")
        return data


def _posted_cycle_ids(request: Request) -> set[str]:
    """The cycles a POST decides for, as its field names give them."""
    found = set()
    for key in request.POST:
        if key.endswith(DECISION_SUFFIX):
            try:
                found.add(str(uuid.UUID(key[: -len(DECISION_SUFFIX)])))
            except ValueError as exc:
                raise Http404("No such cycle.") from exc
    return found


@coach_required
@never_cache
@require_http_methods(["GET", "POST"])
def year_end(request: Request, coach: Coach) -> HttpResponse:
    """The coach's open cycles of the ending school year, each to carry over or to close now."""
    year = school_year_of(timezone.localdate())
    cycles: list[Cycle] = list(year_end_cycles(coach=coach, school_year=year))
    bound = request.method == "POST"
    if bound and not _posted_cycle_ids(request) <= {str(c.public_id) for c in cycles}:
        # Another coach's cycle, a closed one, or no cycle at all: refused, like any id outside one's scope.
        raise Http404("No such cycle.")
    rows = [
        (cycle, YearEndForm(request.POST if bound else None, prefix=str(cycle.public_id), next_year=year + 1,
                            initial={"decision": cycle.year_end or "", "version": cycle.version}))  # type: ignore[attr-defined]
        for cycle in cycles
    ]  # fmt: skip
    status = 200
    if bound:
        valid = [form.is_valid() for _, form in rows]
        if all(valid):
            changes = [
                YearEndInput(
                    cycle=cycle,
                    decision=form.cleaned_data["decision"],
                    outcome=form.cleaned_data["outcome"],
                    goal_met=form.cleaned_data["goal_met"],
                    closing_note=form.cleaned_data["closing_note"],
                    version=form.cleaned_data["version"],
                )
                for cycle, form in rows
                if form.cleaned_data["decision"] != (cycle.year_end or "")  # type: ignore[attr-defined]
            ]
            if not changes:
                messages.info(request, "Nothing changed: choose carry over or close for a cycle.")
                return redirect("cycles:yearend")
            try:
                result = year_end_decide(coach=coach, school_year=year, rows=changes, by=request.user)
            except YearEndRowError as exc:
                form_errors_add(next(form for cycle, form in rows if cycle.pk == exc.cycle.pk), exc)
            else:
                undone = f", {result.undone} back to undecided." if result.undone else "."
                messages.success(request, f"Recorded: {result.carried} carried over, {result.closed} closed{undone}")
                return redirect("cycles:yearend")
        status = 400
    decided = len([cycle for cycle in cycles if cycle.year_end])  # type: ignore[attr-defined]
    return render(
        request,
        "cycles/yearend.html",
        {"rows": rows, "year_label": school_year_label(year), "next_label": school_year_label(year + 1),
         "started": year_end_started(program_id=coach.program_id, school_year=year),
         "undecided": len(cycles) - decided, "carried": decided},
        status=status,
    )  # fmt: skip
