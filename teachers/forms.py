"""Roster forms: upload a CSV, filter the roster list."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet

from toolkit.params import parse_id_param

from .models import District, GradeBand, School, Teacher

ROSTER_MAX_BYTES = 5 * 1024 * 1024
BUNDLE_MAX_BYTES = 25 * 1024 * 1024  # a OneRoster zip carries students and classes too


class RosterImportForm(forms.Form):
    district = forms.ModelChoiceField(queryset=District.objects.none(), empty_label="Choose a district…")
    file = forms.FileField(
        label="Roster CSV or OneRoster zip",
        help_text="A CSV with the columns school, first_name, last_name, email, grade_band, subject (up to 5 MB), "
        "or a OneRoster 1.1 or 1.2 CSV bundle as a zip (up to 25 MB).",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,.zip,application/zip"}),
    )
    invite = forms.BooleanField(
        required=False, label="Invite the teachers this import adds",
        help_text="Each gets their own link by email to set a password (it lasts 7 days).",
    )  # fmt: skip

    def __init__(self, *args: Any, districts: QuerySet[District], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "district").queryset = districts
        if districts.count() == 1:
            self.fields["district"].initial = districts.first()
        self.helper = FormHelper()
        self.helper.layout = Layout("district", "file", "invite", Submit("import", "Import roster"))

    def clean_file(self) -> UploadedFile[bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["file"]
        head = upload.read(4)
        upload.seek(0)
        if head == b"PK\x03\x04":
            if (upload.size or 0) > BUNDLE_MAX_BYTES:
                raise forms.ValidationError("The zip is larger than 25 MB. Leave out the files Fulcrum does not "
                                            "read (classes, results, demographics) and try again.")  # fmt: skip
            return upload
        if (upload.size or 0) > ROSTER_MAX_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB. Split it by school and import each part.")
        return upload


class RosterFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=100)
    district = forms.ModelChoiceField(queryset=District.objects.none(), required=False, empty_label="All districts")
    school = forms.ModelChoiceField(queryset=School.objects.none(), required=False, empty_label="All schools")
    grade_band = forms.ChoiceField(choices=[("", "All grade bands"), *GradeBand.choices], required=False)
    show_inactive = forms.BooleanField(required=False, label="Include inactive")

    def __init__(self, *args: Any, districts: QuerySet[District], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "district").queryset = districts
        model_choice_field(self, "school").queryset = School.objects.filter(district__in=districts)
        style_filter_fields(self)


def model_choice_field(form: forms.Form, name: str) -> forms.ModelChoiceField[Any]:
    """A form's model choice field by name, to set its queryset or choices (`form.fields` holds
    plain Fields)."""
    return cast("forms.ModelChoiceField[Any]", form.fields[name])


def style_filter_fields(form: forms.Form) -> None:
    """Give a plain (non-crispy) filter form Bootstrap's small controls."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select form-select-sm")
        else:
            widget.attrs.setdefault("class", "form-control form-control-sm")


def chosen_district_id(form: forms.Form) -> int | None:
    """The district a (bound or initial) form has chosen, as an id, or None when unreadable."""
    raw = form.data.get("district") if form.is_bound else form.initial.get("district")
    if isinstance(raw, District):
        return raw.pk
    if isinstance(raw, int):
        return raw
    return parse_id_param(raw if isinstance(raw, str) else None)


if TYPE_CHECKING:
    _TeacherChoices = forms.ModelMultipleChoiceField[Teacher]
else:  # the generic alias exists only for the type checker
    _TeacherChoices = forms.ModelMultipleChoiceField


class TeacherPickerField(_TeacherChoices):
    """Teachers, each shown with their school, for pickers across the apps."""

    def label_from_instance(self, obj: Teacher) -> str:
        return f"{obj.last_name}, {obj.first_name} · {obj.school.name}"
