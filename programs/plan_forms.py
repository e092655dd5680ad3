"""The time plan form: the plan's scope, first month and note, and its lines as a formset.
Errors go beside the line they concern; the services write."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from coaching.models import Activity, ActivityKind, Coach
from reports.models import PlanLineKind
from reports.plans import EVERYTHING_ELSE
from teachers.models import District

MAX_LINES = 12
SHARE_MESSAGE = "Enter a share from 0 to 100, with at most one decimal."
RESERVED_MESSAGE = f"“{EVERYTHING_ELSE}” is the report's line for the activities in no line: name this one otherwise."


class MonthField(forms.DateField):
    """A month as YYYY-MM (the browser's month picker), kept as its first day."""

    widget = forms.DateInput(attrs={"type": "month"})
    input_formats = ["%Y-%m"]

    def prepare_value(self, value: Any) -> Any:
        return f"{value:%Y-%m}" if isinstance(value, dt.date) else value

    def to_python(self, value: Any) -> dt.date | None:
        day = super().to_python(value)
        return day.replace(day=1) if day else None


class PlanForm(forms.Form):
    scope = forms.ChoiceField(label="The plan is for", choices=[])
    starts_on = MonthField(
        label="Applies from", help_text="The first month it applies to; it applies until the next plan starts.",
        error_messages={"invalid": "Enter a month, like 2026-01."},
    )  # fmt: skip
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                           help_text="What was agreed, and with whom.")  # fmt: skip

    def __init__(self, *args: Any, districts: list[District], coaches: list[Coach], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[Any] = [("program", "The whole program")]
        if districts:
            choices.append(("One district", [(f"district-{d.pk}", d.name) for d in districts]))
        if coaches:
            choices.append(("One coach", [(f"coach-{c.pk}", c.user.display_name) for c in coaches]))
        self.fields["scope"].choices = choices  # type: ignore[attr-defined]
        self.districts = {d.pk: d for d in districts}
        self.coaches = {c.pk: c for c in coaches}

    def clean_scope(self) -> tuple[District | None, Coach | None]:
        value = str(self.cleaned_data["scope"])
        kind, _, pk = value.partition("-")
        if kind == "district" and pk.isdigit() and int(pk) in self.districts:
            return self.districts[int(pk)], None
        if kind == "coach" and pk.isdigit() and int(pk) in self.coaches:
            return None, self.coaches[int(pk)]
        return None, None


class PlanLineForm(forms.Form):
    name = forms.CharField(max_length=100, required=False, label="Line")
    share = forms.DecimalField(
        required=False, min_value=Decimal(0), max_value=Decimal(100), max_digits=4, decimal_places=1,
        label="Share (%)",
        error_messages={"min_value": SHARE_MESSAGE, "max_value": SHARE_MESSAGE, "max_digits": SHARE_MESSAGE,
                        "max_decimal_places": SHARE_MESSAGE, "invalid": SHARE_MESSAGE},
    )  # fmt: skip
    kind = forms.ChoiceField(choices=PlanLineKind.choices, initial=PlanLineKind.TARGET, label="Kind")
    activities = forms.MultipleChoiceField(required=False, choices=[], widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, activities: list[Activity], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.activity_list = activities
        self.fields["activities"].choices = [(str(a.pk), a.name) for a in activities]  # type: ignore[attr-defined]

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("name") and data.get("share") is None and not data.get("activities")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.is_blank or self.errors:
            return data
        if not data.get("name"):
            self.add_error("name", "Name the line.")
        elif data["name"].strip().casefold() == EVERYTHING_ELSE.casefold():
            self.add_error("name", RESERVED_MESSAGE)
        if data.get("share") is None:
            self.add_error("share", "Enter the line's share.")
        if not data.get("activities"):
            self.add_error("activities", "Tick at least one activity.")
        return data

    def activity_groups(self) -> list[tuple[str, list[tuple[str, str, bool, str]]]]:
        """Checkboxes grouped by kind: (group label, [(value, name, checked, id)])."""
        chosen = {str(v) for v in (self["activities"].value() or [])}
        groups: dict[str, list[tuple[str, str, bool, str]]] = {}
        for a in self.activity_list:
            label = ("Non-coaching duties" if a.kind == ActivityKind.NON_COACHING
                     else f"Coaching — {a.get_balance_display().lower()} side")  # fmt: skip
            value = str(a.pk)
            groups.setdefault(label, []).append((value, a.name, value in chosen, f"{self.prefix}-a{value}"))
        order = ["Coaching — output side", "Coaching — input side", "Non-coaching duties"]
        return sorted(groups.items(), key=lambda g: order.index(g[0]) if g[0] in order else len(order))


class BasePlanLineFormSet(forms.BaseFormSet[PlanLineForm]):
    def clean(self) -> None:
        if any(form.errors for form in self.forms):
            return
        total = Decimal(0)
        seen: dict[str, str] = {}
        lines = [f for f in self.forms if not f.is_blank]
        if not lines:
            raise ValidationError("A plan needs at least one line.")
        names: set[str] = set()
        for form in lines:
            data = form.cleaned_data
            total += data["share"]
            if total > 100:
                form.add_error("share", f"The lines add up to {total}%: at most 100% can be planned.")
            name = data["name"].strip().casefold()
            if name in names:
                form.add_error("name", "Another line has this name.")
            names.add(name)
            for pk in data["activities"]:
                if pk in seen:
                    activity = {str(a.pk): a.name for a in form.activity_list}[pk]
                    form.add_error("activities", f"{activity} is in the line “{seen[pk]}” already: an activity "
                                                 "belongs to one line only.")  # fmt: skip
                else:
                    seen[pk] = data["name"]

    def lines(self) -> list[dict[str, Any]]:
        """The lines typed, blank ones left out, as the service takes them."""
        return [
            {"name": f.cleaned_data["name"].strip(), "share": f.cleaned_data["share"], "kind": f.cleaned_data["kind"],
             "activities": [int(pk) for pk in f.cleaned_data["activities"]]}
            for f in self.forms if not f.is_blank
        ]  # fmt: skip


def plan_line_formset(*, extra: int) -> type[BasePlanLineFormSet]:
    """The lines' formset with `extra` empty lines to fill in."""
    return forms.formset_factory(  # type: ignore[return-value]
        PlanLineForm, formset=BasePlanLineFormSet, extra=extra, max_num=MAX_LINES, absolute_max=MAX_LINES,
        validate_max=True,
    )  # fmt: skip
