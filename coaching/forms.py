"""Forms for coaches: log an entry, filter entries. They validate input; services save."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Field, Layout, Row
from django import forms
from django.db.models import Max, QuerySet
from django.urls import reverse
from django.utils import timezone

from teachers.access import districts_visible_to
from teachers.forms import TeacherPickerField, chosen_district_id, model_choice_field, style_filter_fields
from teachers.models import District, School, Teacher, User
from toolkit.params import parse_id_param
from toolkit.schoolyear import school_year_of

from .access import plan_priorities_offered
from .history import HISTORY_MAX_BYTES
from .models import (
    MAX_ENTRY_MINUTES,
    Activity,
    ActivityKind,
    Balance,
    Coach,
    FocusArea,
    Format,
    LogEntry,
    PlanPriority,
    Program,
    StandardsDomain,
)
from .selectors import activity_list, focus_area_list, standards_domain_list

# A choice list with option groups: ("", "Choose…") first, then (group label, [(activity id, name)]).
ActivityChoices = list[tuple[str, str | list[tuple[int, str]]]]


if TYPE_CHECKING:
    _DomainChoices = forms.ModelMultipleChoiceField[StandardsDomain]
else:  # the generic alias exists only for the type checker
    _DomainChoices = forms.ModelMultipleChoiceField


class DomainChoiceField(_DomainChoices):
    def label_from_instance(self, obj: StandardsDomain) -> str:
        return f"{obj.number}. {obj.name}"


def domains_offer(form: forms.BaseForm, *, program: Program | None, initial: Iterable[int] = ()) -> bool:
    """Offer the Teacher Leader Model Standards' domains as optional checkboxes at the end of a
    form (after its crispy layout is built), when the program has the lens on. Returns whether
    they are offered; a form without them ignores any posted `domains`."""
    domains = standards_domain_list(program=program)
    if program is None or not program.standards_lens:
        return False
    form.fields["domains"] = DomainChoiceField(
        queryset=domains, required=False, initial=list(initial),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        label="Teacher Leader Model Standards (optional)",
        help_text="The domains of the standards this work serves, if any.",
    )  # fmt: skip
    helper = getattr(form, "helper", None)
    if isinstance(helper, FormHelper) and helper.layout is not None:
        helper.layout.fields.append("domains")
    return True


def grouped_activity_choices(activities: list[Activity]) -> ActivityChoices:
    """Activities grouped as the LTC report groups them: input, output, non-coaching."""
    groups: dict[str, list[tuple[int, str]]] = {
        "Coaching · output (supporting teachers)": [],
        "Coaching · input (learning, assessing, tracking)": [],
        "Non-coaching duties": [],
    }
    keys = list(groups)
    for activity in activities:
        if activity.kind == ActivityKind.NON_COACHING:
            groups[keys[2]].append((activity.pk, activity.name))
        elif activity.balance == Balance.INPUT:
            groups[keys[1]].append((activity.pk, activity.name))
        else:
            groups[keys[0]].append((activity.pk, activity.name))
    return [("", "Choose an activity…")] + [(label, options) for label, options in groups.items() if options]


class ActivitySelect(forms.Select):
    """The activity choice, each option saying whether it needs a focus area (`data-needs-focus`),
    so the form marks the focus area required the moment an activity is chosen. The same set
    decides on the server (coaching activities need one), so the marks and the rules agree."""

    needs_focus: frozenset[int] = frozenset()

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        raw = getattr(value, "value", value)
        if raw not in (None, "") and int(raw) in self.needs_focus:
            option["attrs"]["data-needs-focus"] = "true"
        return option


def priority_field(
    label: str = "Priority of the district's plan",
) -> forms.ModelChoiceField[PlanPriority]:
    """The optional priority of a log entry, cycle or PD session (filled by `priority_choices_set`)."""
    return forms.ModelChoiceField(
        queryset=PlanPriority.objects.none(), required=False, empty_label="No priority", label=label,
        help_text="One of the priorities agreed in the district's coaching plan for that school year.",
    )  # fmt: skip


def priority_choices_set(
    form: forms.Form, *, coach: Coach, school_years: list[int], district_id: int | None = None
) -> None:
    """Offer the priorities of the coach's program's plans for these school years (of one district
    when given), grouped by district and year, in one query. The service checks that the one chosen
    belongs to the record's own district and year."""
    field = model_choice_field(form, "priority")
    offered = plan_priorities_offered(coach=coach, school_years=school_years)
    if district_id is not None:
        offered = offered.filter(plan__district_id=district_id)
    priorities = list(offered)
    groups: dict[str, list[tuple[int, str]]] = {}
    for p in priorities:
        groups.setdefault(f"{p.plan.district.name} · {p.plan.school_year_label}", []).append((p.pk, p.title))
    field.queryset = PlanPriority.objects.filter(pk__in=[p.pk for p in priorities])
    field.choices = [("", "No priority"), *groups.items()]
    form.priorities_offered = bool(priorities)  # type: ignore[attr-defined]


def priority_years(form: forms.Form, field: str = "date") -> list[int]:
    """This school year, and the year of the date typed or given (when it parses)."""
    years = {school_year_of(timezone.localdate())}
    raw = form.data.get(field) if form.is_bound else form.initial.get(field)
    if isinstance(raw, dt.date):
        years.add(school_year_of(raw))
    elif isinstance(raw, str):
        with contextlib.suppress(ValueError):
            years.add(school_year_of(dt.date.fromisoformat(raw)))
    return sorted(years)


# The quick durations on the log form, in minutes: a tap sets the minutes (hours too: a 3-hour
# substitution is one tap).
QUICK_MINUTES = ((15, "15 min"), (30, "30 min"), (45, "45 min"), (60, "1 h"), (90, "1½ h"), (120, "2 h"),
                 (180, "3 h"), (240, "4 h"), (360, "6 h"))  # fmt: skip
RECENT_TEACHER_CHIPS = 6


def recent_teachers(
    *,
    coach: Coach,
    district_id: int | None = None,
    districts: QuerySet[District] | None = None,
    limit: int = RECENT_TEACHER_CHIPS,
) -> list[Teacher]:
    """The active teachers in the coach's most recent entries (of one district, or of these
    districts, if given), the most recently seen first (one query)."""
    teachers = Teacher.objects.filter(log_entries__coach=coach, active=True)
    if districts is not None:
        teachers = teachers.filter(district__in=districts)
    if district_id is not None:
        teachers = teachers.filter(log_entries__district_id=district_id, district_id=district_id)
    return list(
        teachers.annotate(last_seen=Max("log_entries__created_at"))
        .select_related("school")
        .order_by("-last_seen", "last_name")[:limit]
    )


class LogEntryForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    minutes = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ENTRY_MINUTES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 5, "placeholder": "e.g. 45"}),
        help_text="Or a start and end time.",
        error_messages={
            "min_value": "Enter between 1 and 720 minutes.",
            "max_value": "Enter between 1 and 720 minutes (12 hours); split longer days into entries.",
        },
    )
    start_time = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}), label="Start")
    end_time = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}), label="End")
    district = forms.ModelChoiceField(queryset=District.objects.none(), empty_label="Choose a district…")
    school = forms.ModelChoiceField(queryset=School.objects.none(), required=False, empty_label="Whole district")
    teachers = TeacherPickerField(
        queryset=Teacher.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    activity = forms.ModelChoiceField(queryset=Activity.objects.none(), widget=ActivitySelect)
    focus_area: forms.ModelChoiceField[FocusArea] = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="Choose a focus area…",
        label="Focus area",
        help_text="Required for coaching activities; optional for non-coaching duties.",
    )
    format = forms.ChoiceField(choices=Format.choices, initial=Format.IN_PERSON, widget=forms.RadioSelect)
    notes = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Private to you: never shown to administrators.",
    )
    priority = priority_field()
    priorities_offered = False  # set by priority_choices_set

    def __init__(self, *args: Any, coach: Coach, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.coach = coach
        districts = districts_visible_to(user)
        model_choice_field(self, "district").queryset = districts
        district_id = chosen_district_id(self)
        self.district_chosen = bool(district_id and districts.filter(pk=district_id).exists())
        self.recent_teachers: list[Teacher] = []
        self.quick_minutes = QUICK_MINUTES
        if district_id is not None and self.district_chosen:
            model_choice_field(self, "school").queryset = School.objects.filter(district_id=district_id)
            model_choice_field(self, "teachers").queryset = (
                Teacher.objects.filter(district_id=district_id, active=True)
                .select_related("school")
                .order_by("last_name", "first_name")
            )
            self.recent_teachers = recent_teachers(coach=coach, district_id=district_id)
        activities = list(activity_list(coach=coach))
        activity = model_choice_field(self, "activity")
        activity.queryset = Activity.objects.filter(pk__in=[a.pk for a in activities])
        activity.choices = grouped_activity_choices(activities)
        needs_focus = frozenset(a.pk for a in activities if a.kind == ActivityKind.COACHING)
        cast("ActivitySelect", activity.widget).needs_focus = needs_focus
        # Marked required at once when the chosen activity needs a focus area (the script keeps
        # the mark in step as the activity changes); the rule itself is checked in clean().
        self.focus_required = self._chosen_activity_id() in needs_focus
        if self.focus_required:
            self.fields["focus_area"].widget.attrs["aria-required"] = "true"
        model_choice_field(self, "focus_area").queryset = focus_area_list(coach=coach)
        # Every served district's priorities, grouped by district: the district can change on the
        # form without reloading this list, and the service refuses another district's beside it.
        priority_choices_set(self, coach=coach, school_years=priority_years(self))
        if not self.priorities_offered:
            del self.fields["priority"]
        self.fields["district"].widget.attrs.update(
            {
                "hx-get": reverse("coaching:district_fields"),
                "hx-target": "#district-fields",
                "hx-trigger": "change",
                "hx-include": "this",
            }
        )
        self.fields["date"].widget.attrs["max"] = timezone.localdate().isoformat()
        # Enter in a field never submits half a form (the script stops it); say how to save.
        self.fields["notes"].widget.attrs["aria-keyshortcuts"] = "Control+Enter Meta+Enter"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(
                Column("date", css_class="col-6 col-lg-3"),
                Column(Field("minutes"), css_class="col-6 col-lg-3"),
                Column("start_time", css_class="col-6 col-lg-3"),
                Column("end_time", css_class="col-6 col-lg-3"),
            ),
            HTML('{% include "coaching/partials/_minute_buttons.html" %}'),
            "district",
            Div(HTML('{% include "coaching/partials/_district_fields.html" %}'), css_id="district-fields"),
            Row(
                Column("activity", css_class="col-12 col-md-6"),
                Column("focus_area", css_class="col-12 col-md-6"),
            ),
            InlineRadios("format"),
            *(["priority"] if self.priorities_offered else []),
            "notes",
        )

    def _chosen_activity_id(self) -> int | None:
        raw = self.data.get("activity") if self.is_bound else self.initial.get("activity")
        if isinstance(raw, Activity):
            return raw.pk
        if isinstance(raw, int):
            return raw
        return parse_id_param(raw if isinstance(raw, str) else None)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean() returns; the stubs also allow None
        start, end, minutes = data.get("start_time"), data.get("end_time"), data.get("minutes")
        if "minutes" in self.errors:
            return data
        if start and end:
            if end <= start:
                self.add_error("end_time", "The end time must be after the start time.")
                return data
            span = (dt.datetime.combine(dt.date.min, end) - dt.datetime.combine(dt.date.min, start)).seconds // 60
            if minutes and minutes != span:
                self.add_error(
                    "minutes", f"{minutes} minutes does not match {start:%H:%M}–{end:%H:%M} ({span} minutes)."
                )
            elif span > MAX_ENTRY_MINUTES:
                self.add_error("end_time", "Enter between 1 and 720 minutes (12 hours); split longer days.")
            else:
                data["minutes"] = span
        elif start and minutes:
            # A start time (the default after the day's last entry) and a duration: the end follows.
            finish = dt.datetime.combine(dt.date.min, start) + dt.timedelta(minutes=minutes)
            if finish.date() != dt.date.min:
                self.add_error("minutes", f"{minutes} minutes from {start:%H:%M} runs past midnight.")
            else:
                data["end_time"] = finish.time()
        elif start or end:
            self.add_error("end_time" if start else "start_time", "Give both a start and an end time, or neither.")
        elif not minutes:
            self.add_error("minutes", "Enter how many minutes, or a start and end time.")
        activity = data.get("activity")
        if activity and activity.kind == ActivityKind.COACHING and not data.get("focus_area"):
            self.add_error("focus_area", "Choose what this coaching time was about.")
        return data

    @staticmethod
    def initial_like(entry: LogEntry) -> dict[str, Any]:
        """Initial values to log "the same kind" of entry as this one: where, what, about what and
        how, but not when, how long, with whom or the notes."""
        return {
            "district": entry.district_id,
            "school": entry.school_id,
            "activity": entry.activity_id,
            "focus_area": entry.focus_area_id,
            "format": entry.format,
        }

    @staticmethod
    def initial_from(entry: LogEntry, *, date: dt.date | None = None) -> dict[str, Any]:
        """Initial values copied from an entry (for edit, or "duplicate" with a new date)."""
        return {
            "date": date or entry.date,
            "minutes": entry.minutes,
            "start_time": entry.start_time if date is None else None,
            "end_time": entry.end_time if date is None else None,
            "district": entry.district_id,
            "school": entry.school_id,
            "teachers": [t.pk for t in entry.teachers.all()],
            "activity": entry.activity_id,
            "focus_area": entry.focus_area_id,
            "format": entry.format,
            "notes": entry.notes if date is None else "",
            "priority": entry.priority_id,
        }


class EntryFilterForm(forms.Form):
    """Filters for a coach's entry list and its CSV export; every field optional."""

    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    district = forms.ModelChoiceField(queryset=District.objects.none(), required=False, empty_label="All districts")
    activity = forms.ModelChoiceField(queryset=Activity.objects.none(), required=False, empty_label="All activities")
    q = forms.CharField(required=False, label="Search notes and teachers", max_length=100)

    def __init__(self, *args: Any, coach: Coach, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "district").queryset = districts_visible_to(user)
        activities = list(activity_list(coach=coach))
        activity = model_choice_field(self, "activity")
        activity.queryset = Activity.objects.filter(pk__in=[a.pk for a in activities])
        activity.choices = [("", "All activities"), *grouped_activity_choices(activities)[1:]]
        style_filter_fields(self)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean() returns; the stubs also allow None
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "“To” must be on or after “From”.")
        return data


class HistoryUploadForm(forms.Form):
    """Step one of bringing history in: the CSV file."""

    file = forms.FileField(
        label="Time-log CSV",
        help_text="UTF-8 CSV (as a spreadsheet saves it), up to 5 MB and 20,000 rows.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if (upload.size or 0) > HISTORY_MAX_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB. Split it by school year and import each part.")
        return upload


class ActivityMappingForm(forms.Form):
    """Step two: which activity each name the file uses, and Fulcrum does not know, stands for."""

    def __init__(self, *args: Any, names: list[str], activities: list[Activity], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.names = names
        choices = grouped_activity_choices(activities)
        for position, name in enumerate(names):
            self.fields[f"map_{position}"] = forms.TypedChoiceField(
                label=f"“{name}” in the file is", choices=choices, coerce=int
            )
        self.helper = FormHelper()
        self.helper.form_tag = False

    def mapping(self) -> dict[str, int]:
        """{lower-case name: activity id}; call after is_valid()."""
        return {name.lower(): self.cleaned_data[f"map_{i}"] for i, name in enumerate(self.names)}


class MonthReturnForm(forms.Form):
    """The director's note when sending a submitted month back to its coach."""

    note = forms.CharField(
        label="Note for the coach",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What needs another look. The coach sees this note on their months page.",
        error_messages={"required": "Write a note for the coach: what needs another look."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class MonthReopenForm(forms.Form):
    """Why an approved month is reopened (kept with the month and in the audit log)."""

    reason = forms.CharField(
        label="Reason for reopening",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The coach sees it as the note on the returned month.",
        error_messages={"required": "Write why the month is reopened."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
