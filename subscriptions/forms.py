"""Forms for reports by email and reminders: they validate; the services write."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms

from reports.access import ScopeChoice

from .models import Frequency

SHORT_CHOICES = [(Frequency.WEEKLY.value, "Weekly"), (Frequency.MONTHLY.value, "Monthly")]
DAYS_MESSAGE = "Enter a number of working days from 0 (off) to 30."


def _helper(*fields: Any) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.layout = Layout(*fields)
    return helper


class SubscribeForm(forms.Form):
    """A report the person may open (keys from the reports picker), and how often."""

    scope = forms.ChoiceField(label="Report", choices=[])
    frequency = forms.ChoiceField(
        label="How often", choices=SHORT_CHOICES, initial=Frequency.MONTHLY,
        help_text="Weekly: the last full week, on Monday morning. Monthly: the last full month, on the 1st.",
    )  # fmt: skip

    def __init__(self, *args: Any, choices: list[ScopeChoice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scopes = {c.scope.key: c.scope for c in choices}
        options = [(c.scope.key, f"{c.scope.name} ({c.group[:-1].lower()})") for c in choices]
        self.fields["scope"].choices = [("", "Choose a district or program"), *options]  # type: ignore[attr-defined]
        self.fields["scope"].error_messages["invalid_choice"] = "Choose one of the reports you may see."
        self.helper = _helper("scope", "frequency")


class FrequencyForm(forms.Form):
    frequency = forms.ChoiceField(label="How often", choices=SHORT_CHOICES)


class ReminderDaysForm(forms.Form):
    days = forms.IntegerField(
        min_value=0, max_value=30, label="Remind a coach after this many working days without an entry",
        error_messages={"min_value": DAYS_MESSAGE, "max_value": DAYS_MESSAGE, "required": DAYS_MESSAGE},
        help_text="Monday to Friday count; 0 turns reminders off for the program.",
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("days")


class MyRemindersForm(forms.Form):
    reminders = forms.BooleanField(required=False, label="Email me when I have logged nothing for a few working days")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("reminders")
