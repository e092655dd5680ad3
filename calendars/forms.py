"""Forms for calendars. They validate input; services save."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils import timezone

from toolkit.uploads import SNIFF_BYTES, sniff_content_type

from .services import DEFAULT_IMPORT_DAYS, MAX_IMPORT_DAYS

ICS_MAX_BYTES = 2 * 1024 * 1024


def check_ics_upload(upload: Any) -> bytes:
    """The bytes of an uploaded calendar after the upload checks: not empty, at most 2 MB, and
    plain UTF-8 text by its content (no binary signature, no NUL byte), whatever its name says."""
    size = upload.size or 0
    if size == 0:
        raise forms.ValidationError("The file is empty.")
    if size > ICS_MAX_BYTES:
        raise forms.ValidationError(
            f"The file is {size / 1024 / 1024:.1f} MB; the limit is 2 MB. Export a shorter period."
        )
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    # An .ics file is text: checked as the upload checks check a .txt file.
    if sniff_content_type(head, "calendar.txt") != "text/plain":
        raise forms.ValidationError("This is not a calendar file (.ics): upload the file your calendar exported.")
    upload.seek(0)
    data: bytes = upload.read()
    return data


class CalendarImportForm(forms.Form):
    file = forms.FileField(
        label="Calendar file (.ics)",
        help_text="Exported from Google Calendar or Outlook; up to 2 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".ics,text/calendar"}),
    )
    date_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["date_from"].initial = today - dt.timedelta(days=DEFAULT_IMPORT_DAYS)
        self.fields["date_to"].initial = today
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "file",
            Row(Column("date_from", css_class="col-6"), Column("date_to", css_class="col-6")),
        )
        self.data_bytes = b""

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        self.data_bytes = check_ics_upload(upload)
        return upload

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean() returns; the stubs also allow None
        first, last = data.get("date_from"), data.get("date_to")
        if first and last:
            if first > last:
                self.add_error("date_to", "“To” must be on or after “From”.")
            elif (last - first).days >= MAX_IMPORT_DAYS:
                self.add_error("date_from", "Import at most a year at a time.")
        return data
