"""Forms of the district's coaching plan: the plan (kick-off date, notes), its priorities and
checklist items as formsets, the planned number of each service, and a site visit. They validate
input; `coaching.coaching_plans` writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from coaching.coaching_plans import ItemValues, PriorityValues
from coaching.models import ServiceKind, VisitKind

MAX_PRIORITIES = 12
MAX_ITEMS = 30


class CoachingPlanForm(forms.Form):
    kickoff_on = forms.DateField(required=False, label="Kick-off call", widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
                            help_text="What the kick-off call agreed with the district's leaders.")  # fmt: skip


class PriorityForm(forms.Form):
    pk = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    title = forms.CharField(required=False, max_length=120, label="Priority")
    description = forms.CharField(required=False, max_length=300, label="Short description")


class ItemForm(forms.Form):
    pk = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    text = forms.CharField(required=False, max_length=200, label="Checklist item")


PriorityFormSet = forms.formset_factory(PriorityForm, extra=2, can_delete=True, max_num=MAX_PRIORITIES,
                                        validate_max=True, absolute_max=MAX_PRIORITIES + 2)  # fmt: skip
ItemFormSet = forms.formset_factory(ItemForm, extra=1, can_delete=True, max_num=MAX_ITEMS, validate_max=True,
                                    absolute_max=MAX_ITEMS + 1)  # fmt: skip


def priorities_from(formset: forms.BaseFormSet[PriorityForm]) -> list[PriorityValues]:
    return [
        PriorityValues(pk=f.cleaned_data.get("pk"), title=f.cleaned_data.get("title") or "",
                       description=f.cleaned_data.get("description") or "", delete=bool(f.cleaned_data.get("DELETE")))
        for f in formset.forms if f.cleaned_data
    ]  # fmt: skip


def items_from(formset: forms.BaseFormSet[ItemForm]) -> list[ItemValues]:
    return [
        ItemValues(pk=f.cleaned_data.get("pk"), text=f.cleaned_data.get("text") or "",
                   delete=bool(f.cleaned_data.get("DELETE")))
        for f in formset.forms if f.cleaned_data
    ]  # fmt: skip


class ServicesForm(forms.Form):
    """The planned number of each service for the year; empty or 0 leaves a service out."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in ServiceKind.choices:
            self.fields[kind] = forms.IntegerField(
                required=False, min_value=0, max_value=999, label=label,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                error_messages={"min_value": "From 0 to 999.", "max_value": "From 0 to 999."},
            )  # fmt: skip

    def planned(self) -> dict[str, int | None]:
        return {kind: self.cleaned_data.get(kind) for kind in ServiceKind.values}


class SiteVisitForm(forms.Form):
    kind = forms.ChoiceField(choices=VisitKind.choices, initial=VisitKind.SITE_VISIT, label="Kind")
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
                            help_text="For the program's directors only.")  # fmt: skip

    def clean_date(self) -> Any:
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError("Record a visit on or after its day.")
        return date
