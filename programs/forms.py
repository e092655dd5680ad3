"""Set-up forms: they validate and clean; the services write."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from coaching.models import MAX_CONTRACT_DAYS, MIN_CONTRACT_DAYS, ActivityKind, Balance, Coach, Contract, Program
from teachers.forms import model_choice_field
from teachers.models import MAX_ENROLLMENT, District
from toolkit.schoolyear import school_year_label, school_year_of

from .access import statement_contract_for
from .statements import period_check as statement_period_errors

PERCENT_MESSAGE = "Enter a percentage from 0 to 100."
DAYS_MESSAGE = f"Contracted days must be between {MIN_CONTRACT_DAYS} and {MAX_CONTRACT_DAYS}."


def _helper(*fields: Any) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.layout = Layout(*fields)
    return helper


def school_year_choices(*extra: int) -> list[tuple[int, str]]:
    """Last year, this year and the next two (and any year a contract has already)."""
    current = school_year_of(timezone.localdate())
    years = sorted({current - 1, current, current + 1, current + 2, *extra})
    return [(y, school_year_label(y) + (" (this year)" if y == current else "")) for y in years]


class _ContractTerms(forms.Form):
    contracted_days = forms.IntegerField(
        min_value=MIN_CONTRACT_DAYS, max_value=MAX_CONTRACT_DAYS,
        error_messages={"min_value": DAYS_MESSAGE, "max_value": DAYS_MESSAGE},
        help_text=f"{MIN_CONTRACT_DAYS} to {MAX_CONTRACT_DAYS} days.",
    )  # fmt: skip
    daily_rate = forms.DecimalField(min_value=0, max_digits=8, decimal_places=2, label="Daily rate ($)")


class DistrictAddForm(_ContractTerms):
    """A new district comes with the program's first contract with it."""

    name = forms.CharField(max_length=200, label="District name")
    school_year = forms.TypedChoiceField(coerce=int, choices=[], label="First contract's school year")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school_year"].choices = school_year_choices()  # type: ignore[attr-defined]
        self.fields["school_year"].initial = school_year_of(timezone.localdate())
        self.helper = _helper("name", Row(Column("school_year", css_class="col-md-4"),
                                          Column("contracted_days", css_class="col-md-4"),
                                          Column("daily_rate", css_class="col-md-4")))  # fmt: skip


class NameForm(forms.Form):
    name = forms.CharField(max_length=100)

    def __init__(self, *args: Any, label: str = "Name", max_length: int = 100, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["name"]
        field.label = label
        field.max_length = max_length  # type: ignore[attr-defined]
        field.widget.attrs["maxlength"] = str(max_length)
        self.helper = _helper("name")


class ContractForm(_ContractTerms):
    district = forms.ModelChoiceField(queryset=District.objects.none(), empty_label="Choose a district…")
    school_year = forms.TypedChoiceField(coerce=int, choices=[])
    coaches = forms.ModelMultipleChoiceField(
        queryset=Coach.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Leave every box empty to let any coach of the program serve this district.",
    )  # fmt: skip

    def __init__(self, *args: Any, districts: QuerySet[District] | None, coaches: QuerySet[Coach],
                 year: int | None = None, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        model_choice_field(self, "coaches").queryset = coaches
        self.fields["coaches"].label_from_instance = lambda c: c.user.display_name + (  # type: ignore[attr-defined]
            "" if c.active else " (deactivated)")  # fmt: skip
        terms = Row(Column("contracted_days", css_class="col-md-6"), Column("daily_rate", css_class="col-md-6"))
        if districts is None:  # editing: the district and year are the contract's identity
            del self.fields["district"], self.fields["school_year"]
            self.helper = _helper(terms, "coaches")
            return
        model_choice_field(self, "district").queryset = districts
        self.fields["school_year"].choices = school_year_choices(*([year] if year else []))  # type: ignore[attr-defined]
        self.fields["school_year"].initial = year or school_year_of(timezone.localdate())
        self.helper = _helper(Row(Column("district", css_class="col-md-8"),
                                  Column("school_year", css_class="col-md-4")),
                              terms, "coaches")  # fmt: skip


class PersonForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(help_text="The invitation to set a password goes here; it is also the user name.")

    def __init__(self, *args: Any, districts: QuerySet[District] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = Row(Column("first_name", css_class="col-md-6"), Column("last_name", css_class="col-md-6"))
        if districts is None:
            self.helper = _helper(names, "email")
            return
        self.fields["district"] = forms.ModelChoiceField(queryset=districts, empty_label="Choose a district…")
        if len(districts) == 1:
            self.fields["district"].initial = districts[0]
        self.helper = _helper("district", names, "email")

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip()


class CoachMoveForm(forms.Form):
    program = forms.ModelChoiceField(queryset=Program.objects.none(), empty_label="Choose a program…",
                                     label="Move to")  # fmt: skip

    def __init__(self, *args: Any, programs: QuerySet[Program], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "program").queryset = programs
        self.helper = _helper("program")


class ActivityForm(forms.Form):
    name = forms.CharField(max_length=100)
    kind = forms.ChoiceField(choices=ActivityKind.choices, initial=ActivityKind.COACHING)
    balance = forms.ChoiceField(
        choices=[("", "—"), *Balance.choices], required=False, label="Side of the coaching role",
        help_text="For coaching activities: input (learning, assessing needs, data) or output (supporting teachers).",
    )  # fmt: skip

    def __init__(self, *args: Any, editing: str = "", **kwargs: Any) -> None:
        """`editing`: the kind of the activity being renamed (its kind decides how past reports
        count it, so it never changes); empty when adding one."""
        super().__init__(*args, **kwargs)
        self.editing = bool(editing)
        if editing:
            del self.fields["kind"]
            if editing == ActivityKind.COACHING:
                self.fields["balance"].choices = Balance.choices  # type: ignore[attr-defined]
                self.helper = _helper("name", "balance")
            else:
                del self.fields["balance"]
                self.helper = _helper("name")
        else:
            self.helper = _helper("name", Row(Column("kind", css_class="col-md-6"),
                                              Column("balance", css_class="col-md-6")))  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.editing and data.get("kind") == ActivityKind.COACHING and not data.get("balance"):
            self.add_error("balance", "A coaching activity is on the input or the output side: choose one.")
        return data


class ThresholdForm(forms.Form):
    threshold = forms.IntegerField(
        min_value=0, max_value=100, label="Non-coaching threshold (%)",
        error_messages={"min_value": PERCENT_MESSAGE, "max_value": PERCENT_MESSAGE},
        help_text="Reports flag a district, coach or month whose share of non-coaching duties is above this.",
    )  # fmt: skip
    impact_counts_unshared = forms.BooleanField(
        required=False, label="Count every cycle in the impact figures",
        help_text="Off: the impact figures count only the cycles whose teachers chose to share them with "
                  "administrators. On: every cycle counts, shared or not (still only as aggregates of five "
                  "cycles or more, never naming a teacher).",
    )  # fmt: skip
    standards_lens = forms.BooleanField(
        required=False, label="Tag work with the Teacher Leader Model Standards",
        help_text="On: coaches may tag cycles, goals, PD sessions and resources with the seven domains, and "
                  "reports show coaching time and cycles by domain. Off: the tags leave the forms and the reports "
                  "(tags already given are kept, and come back if you turn this on again).",
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("threshold", "impact_counts_unshared", "standards_lens")


# --------------------------------------------------------------------------- contract statements


MONTH_MESSAGE = "Choose a month (year and month)."


class StatementPeriodForm(forms.Form):
    """A statement's district, school year and whole months; `clean` finds the program's contract."""

    district = forms.ModelChoiceField(queryset=District.objects.none(), empty_label=None)
    school_year = forms.TypedChoiceField(coerce=int, choices=[], label="Contract year")
    start = forms.CharField(label="First month", widget=forms.DateInput(attrs={"type": "month"}),
                            error_messages={"required": MONTH_MESSAGE})  # fmt: skip
    end = forms.CharField(label="Last month", widget=forms.DateInput(attrs={"type": "month"}),
                          error_messages={"required": MONTH_MESSAGE})  # fmt: skip

    def __init__(self, *args: Any, program: Program, districts: QuerySet[District], years: list[int],
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.program = program
        model_choice_field(self, "district").queryset = districts
        current = school_year_of(timezone.localdate())
        year_field = self.fields["school_year"]
        assert isinstance(year_field, forms.TypedChoiceField)  # noqa: S101  # nosec B101: declared above
        year_field.choices = [(y, school_year_label(y) + (" (this year)" if y == current else "")) for y in years]
        self.contract: Contract | None = None

    @staticmethod
    def _month(value: str) -> dt.date:
        try:
            year, month = (int(part) for part in value.strip().split("-"))
            return dt.date(year, month, 1)
        except ValueError as exc:
            raise forms.ValidationError(MONTH_MESSAGE) from exc

    def clean_start(self) -> dt.date:
        return self._month(self.cleaned_data["start"])

    def clean_end(self) -> dt.date:
        return self._month(self.cleaned_data["end"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        district, year = data.get("district"), data.get("school_year")
        start, end = data.get("start"), data.get("end")
        if district is None or year is None:
            return data
        self.contract = statement_contract_for(self.program, district=district, school_year=year)
        if self.contract is None:
            self.add_error(
                "school_year", f"{self.program} has no contract with {district} for {school_year_label(year)}."
            )
            return data
        if start is not None and end is not None:
            today = timezone.localdate()
            for error in statement_period_errors(contract=self.contract, start=start, end=end, today=today):
                self.add_error("end", error)
        return data


ENROLLMENT_MESSAGE = f"Enter the number of students, from 1 to {MAX_ENROLLMENT:,}, or leave it empty."
ENROLLMENT_MAX_BYTES = 1024 * 1024


class SchoolForm(forms.Form):
    """A school's name and, optionally, its enrollment and the school year the figure is for."""

    name = forms.CharField(max_length=200, label="School name")
    enrollment = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ENROLLMENT, label="Students enrolled",
        error_messages={"min_value": ENROLLMENT_MESSAGE, "max_value": ENROLLMENT_MESSAGE},
        help_text="Optional. The program's impact page adds up the students of the schools it serves.",
    )  # fmt: skip
    enrollment_year = forms.TypedChoiceField(coerce=int, choices=[], required=False, empty_value=None,
                                             label="Enrollment for the school year")  # fmt: skip

    def __init__(self, *args: Any, year: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = school_year_of(timezone.localdate())
        self.fields["enrollment_year"].choices = school_year_choices(*([year] if year else []))  # type: ignore[attr-defined]
        self.fields["enrollment_year"].initial = year or current
        self.current_year = current
        self.helper = _helper("name", Row(Column("enrollment", css_class="col-md-6"),
                                          Column("enrollment_year", css_class="col-md-6")))  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("enrollment") is not None and data.get("enrollment_year") is None:
            data["enrollment_year"] = self.current_year  # the figure is this year's unless said otherwise
        return data


class EnrollmentImportForm(forms.Form):
    """A CSV of a district's schools and their enrollment, for one school year."""

    file = forms.FileField(
        label="Enrollment CSV", help_text="Columns: school, enrollment. Up to 1 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )  # fmt: skip
    school_year = forms.TypedChoiceField(coerce=int, choices=[], label="The figures are for the school year")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school_year"].choices = school_year_choices()  # type: ignore[attr-defined]
        self.fields["school_year"].initial = school_year_of(timezone.localdate())
        self.helper = _helper("file", "school_year")

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if (upload.size or 0) > ENROLLMENT_MAX_BYTES:
            raise forms.ValidationError("The file is larger than 1 MB: one line per school is all it needs.")
        data: bytes = upload.read()
        return data
