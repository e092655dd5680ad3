"""Forms for resources, PD sessions, coach groups and partnership check-ins."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils import timezone

from coaching.access import coach_for
from coaching.forms import domains_offer, priority_choices_set, priority_field, priority_years
from coaching.models import Coach, FocusArea, Program
from teachers.access import districts_visible_to
from teachers.forms import TeacherPickerField, model_choice_field, style_filter_fields
from teachers.models import District, GradeBand, School, Teacher, User
from toolkit.uploads import check_upload

from .models import (
    DEFAULT_STEP,
    MIN_CHECKIN_RESPONSES,
    PRINCIPLES,
    AgendaItem,
    CoachGroup,
    FollowUpGroup,
    FollowUpNeed,
    FollowUpStep,
    Resource,
    ResourceKind,
)

PRINCIPLE_STATEMENTS = {
    "equality": "My coach treats me as an equal partner; my ideas count as much as theirs.",
    "choice": "I choose what we work on and how.",
    "voice": "I can say what I really think, and my coach listens.",
    "dialogue": "Our conversations are real back-and-forth, not telling.",
    "reflection": "Coaching helps me think about my own teaching.",
    "praxis": "What we do together is useful in my classroom right away.",
    "reciprocity": "My coach learns from me as I learn from my coach.",
}


def _helper(*fields: Any) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.layout = Layout(*fields)
    return helper


class ResourceForm(forms.Form):
    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=ResourceKind.choices)
    link = forms.URLField(required=False, max_length=500, assume_scheme="https")
    file = forms.FileField(required=False, help_text="Or upload a file: up to 10 MB, checked by its content.")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    focus_area = forms.ModelChoiceField(queryset=FocusArea.objects.none(), required=False)
    grade_band = forms.ChoiceField(choices=[("", "Any grades"), *GradeBand.choices], required=False)
    tags = forms.CharField(required=False, max_length=200, help_text="Comma-separated, e.g. number sense, PLC")

    def __init__(
        self, *args: Any, focus_areas: QuerySet[FocusArea], program: Program | None = None, **kwargs: Any
    ) -> None:
        """`program`: the library's program; with its standards lens on, the domains are offered."""
        super().__init__(*args, **kwargs)
        model_choice_field(self, "focus_area").queryset = focus_areas
        self.helper = _helper(
            "title",
            Row(Column("kind", css_class="col-md-4"), Column("link", css_class="col-md-8")),
            "file",
            "description",
            Row(Column("focus_area", css_class="col-md-4"), Column("grade_band", css_class="col-md-4"),
                Column("tags", css_class="col-md-4")),
        )  # fmt: skip
        domains_offer(self, program=program)

    def clean_file(self) -> UploadedFile[bytes] | None:
        # The widget's "clear" box posts False: a new resource has no file to clear, so it is None.
        upload: UploadedFile[bytes] | Literal[False] | None = self.cleaned_data.get("file")
        return check_upload(upload) if upload else None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean() returns; the stubs also allow None
        if not self.errors and not data.get("link") and not data.get("file"):
            self.add_error("link", "Give a link or upload a file.")
        return data


class ResourceFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=100)
    kind = forms.ChoiceField(required=False, choices=[("", "All kinds"), *ResourceKind.choices])
    focus_area = forms.ModelChoiceField(
        queryset=FocusArea.objects.none(), required=False, empty_label="All focus areas"
    )
    grade_band = forms.ChoiceField(required=False, choices=[("", "All grades"), *GradeBand.choices])

    def __init__(self, *args: Any, focus_areas: QuerySet[FocusArea], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "focus_area").queryset = focus_areas
        style_filter_fields(self)


if TYPE_CHECKING:
    _CoachChoices = forms.ModelMultipleChoiceField[Coach]
    _SchoolChoices = forms.ModelMultipleChoiceField[School]
else:  # the generic aliases exist only for the type checker
    _CoachChoices = _SchoolChoices = forms.ModelMultipleChoiceField


class CoachChoiceField(_CoachChoices):
    def label_from_instance(self, obj: Coach) -> str:
        return obj.user.display_name


class CoachGroupForm(forms.Form):
    name = forms.CharField(max_length=100)
    facilitator = forms.ModelChoiceField(queryset=User.objects.none(), help_text="A director or a lead coach.")
    members = CoachChoiceField(queryset=Coach.objects.none(), widget=forms.CheckboxSelectMultiple,
                               help_text="Three to six coaches.")  # fmt: skip
    cadence = forms.CharField(max_length=100, help_text="e.g. every other Tuesday, 3:30")

    def __init__(self, *args: Any, coaches: QuerySet[Coach], facilitators: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "members").queryset = coaches
        model_choice_field(self, "facilitator").queryset = facilitators
        self.helper = _helper("name", "facilitator", "members", "cadence")


class GroupMeetingForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    agenda = forms.MultipleChoiceField(choices=AgendaItem.choices, widget=forms.CheckboxSelectMultiple)
    attendees = CoachChoiceField(queryset=Coach.objects.none(), widget=forms.CheckboxSelectMultiple, required=False)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}),
                            help_text="Visible to the group's members and facilitator only.")  # fmt: skip
    resources = forms.ModelMultipleChoiceField(queryset=Resource.objects.none(), required=False,
                                               widget=forms.CheckboxSelectMultiple)  # fmt: skip

    def __init__(self, *args: Any, members: QuerySet[Coach], resources: QuerySet[Resource], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "attendees").queryset = members
        model_choice_field(self, "resources").queryset = resources
        self.fields["date"].initial = timezone.localdate()
        self.helper = _helper("date", "agenda", "attendees", "notes", "resources")


class CoachGoalForm(forms.Form):
    statement = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="My goal")
    measure = forms.CharField(required=False, max_length=200, help_text="How will you know? What will you count?")
    deadline = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    powerful = forms.BooleanField(required=False, help_text="Will it make a real difference to the teachers you coach?")
    easy = forms.BooleanField(required=False, help_text="Is it simple enough to say in a sentence?")
    emotionally_compelling = forms.BooleanField(required=False, label="Emotionally compelling",
                                                help_text="Do you care about reaching it?")  # fmt: skip
    reachable = forms.BooleanField(required=False, help_text="Is there a measure and a deadline?")
    student_focused = forms.BooleanField(required=False, label="Student-focused",
                                         help_text="Does it reach students, through the teachers?")  # fmt: skip
    shared_with_group = forms.BooleanField(required=False, label="Share with my coach group")
    group = forms.ModelChoiceField(queryset=CoachGroup.objects.none(), required=False, label="Which group",
                                   empty_label=None)  # fmt: skip

    def __init__(self, *args: Any, groups: QuerySet[CoachGroup], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "group").queryset = groups
        choices = list(groups[:2])
        self.only_group = choices[0] if len(choices) == 1 else None
        if len(choices) < 2:  # one group (or none): nothing to choose
            del self.fields["group"]
        self.helper = _helper(*self.fields)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean() returns; the stubs also allow None
        if data.get("shared_with_group") and "group" not in self.fields:
            data["group"] = self.only_group
        return data


class CoachGoalNoteForm(forms.Form):
    """A progress note on a coach's own goal, posted from the group page (a plain HTML form)."""

    note = forms.CharField(required=False)
    met = forms.BooleanField(required=False)


class CheckInOpenForm(forms.Form):
    """A coach invites the teachers they coach; each gets their own link by email."""

    title = forms.CharField(required=False, max_length=200, initial="How is our coaching partnership going?")
    closes_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Open until")
    teachers = TeacherPickerField(
        queryset=Teacher.objects.none(), label="Invite",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=f"At least {MIN_CHECKIN_RESPONSES}: results are shown only from {MIN_CHECKIN_RESPONSES} answers. "
                  "Teachers without an email address are not listed.",
    )  # fmt: skip

    def __init__(self, *args: Any, teachers: QuerySet[Teacher], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "teachers").queryset = teachers
        self.helper = _helper("title", "closes_on", "teachers")

    def clean_closes_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["closes_on"]
        if day < timezone.localdate():
            raise forms.ValidationError("Choose a closing date from today on.")
        return day


class CheckInAnswerForm(forms.Form):
    comment = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                              label="Anything else? (optional — don't write your name)")  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scale = [(i, str(i)) for i in range(1, 6)]
        statements = {
            principle: forms.TypedChoiceField(
                choices=scale, coerce=int, widget=forms.RadioSelect, label=PRINCIPLE_STATEMENTS[principle]
            )
            for principle in PRINCIPLES
        }
        self.fields = {**statements, **self.fields}
        self.helper = _helper(*[InlineRadios(p) for p in PRINCIPLES], "comment")


class SchoolChoiceField(_SchoolChoices):
    def label_from_instance(self, obj: School) -> str:
        return f"{obj.name} ({obj.district.name})"


class PDSessionForm(forms.Form):
    title = forms.CharField(max_length=200, help_text="e.g. K–2 Number Sense PLC")
    district = forms.ModelChoiceField(queryset=District.objects.none(), empty_label="Choose a district…")
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}), label="Starts at")
    minutes = forms.IntegerField(min_value=15, max_value=720, label="Length (minutes)", initial=60)
    focus_area = forms.ModelChoiceField(queryset=FocusArea.objects.none(), label="Focus area")
    schools = SchoolChoiceField(queryset=School.objects.none(), required=False,
                                widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}))  # fmt: skip
    grade_band = forms.ChoiceField(required=False, choices=[("", "Any"), *GradeBand.choices], label="PLC grade band")
    audience = forms.CharField(required=False, max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    capacity = forms.IntegerField(required=False, min_value=1, max_value=1000)
    resources = forms.ModelMultipleChoiceField(queryset=Resource.objects.none(), required=False,
                                               widget=forms.CheckboxSelectMultiple)  # fmt: skip
    priority = priority_field()

    def __init__(
        self, *args: Any, user: User, focus_areas: QuerySet[FocusArea], resources: QuerySet[Resource],
        program: Program | None = None, **kwargs: Any,
    ) -> None:  # fmt: skip
        """`program`: the facilitator's program; with its standards lens on, the domains are offered."""
        super().__init__(*args, **kwargs)
        districts = districts_visible_to(user)
        model_choice_field(self, "district").queryset = districts
        schools = School.objects.filter(district__in=districts).select_related("district")
        model_choice_field(self, "schools").queryset = schools
        model_choice_field(self, "focus_area").queryset = focus_areas
        model_choice_field(self, "resources").queryset = resources
        coach = coach_for(user)
        self.priorities_offered = False
        if coach is not None:
            priority_choices_set(self, coach=coach, school_years=priority_years(self))
        if not self.priorities_offered:
            del self.fields["priority"]
        self.helper = _helper(
            "title", "district",
            Row(Column("date", css_class="col-6 col-md-4"), Column("start_time", css_class="col-6 col-md-4"),
                Column("minutes", css_class="col-12 col-md-4")),
            Row(Column("focus_area", css_class="col-md-6"), Column("grade_band", css_class="col-md-3"),
                Column("capacity", css_class="col-md-3")),
            "schools", "audience", "description", *(["priority"] if self.priorities_offered else []), "resources",
        )  # fmt: skip
        domains_offer(self, program=program)


class AttendanceForm(forms.Form):
    teachers = TeacherPickerField(
        queryset=Teacher.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )  # fmt: skip

    def __init__(self, *args: Any, district_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "teachers").queryset = (
            Teacher.objects.filter(district_id=district_id, active=True)
            .select_related("school")
            .order_by("school__name", "last_name", "first_name")
        )


class SignUpDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("decline", "Decline")])
    scheduled_for = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class FollowUpForm(forms.Form):
    """Sort a PD session's attendees into follow-up groups (one choice per attendee, started from
    their answers) and say what each group is offered and when."""

    def __init__(
        self, *args: Any, attendees: list[Teacher], initial_needs: dict[int, str],
        groups: dict[str, FollowUpGroup], **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.attendees = attendees
        choices = [("", "Not placed yet"), *FollowUpNeed.choices]
        for teacher in attendees:
            self.fields[f"place_{teacher.pk}"] = forms.ChoiceField(
                choices=choices, required=False, label=teacher.full_name, initial=initial_needs.get(teacher.pk, "")
            )
        for need, label in FollowUpNeed.choices:
            group = groups.get(need)
            self.fields[f"step_{need}"] = forms.ChoiceField(
                choices=FollowUpStep.choices, label="Next step offered",
                initial=group.next_step if group else DEFAULT_STEP[FollowUpNeed(need)],
            )  # fmt: skip
            self.fields[f"offer_{need}"] = forms.CharField(
                required=False, max_length=2000, label="What was offered", initial=group.offer if group else "",
                widget=forms.Textarea(attrs={"rows": 2}),
            )  # fmt: skip
            self.fields[f"offered_{need}"] = forms.DateField(
                required=False, label="Offered on", initial=group.offered_on if group else None,
                widget=forms.DateInput(attrs={"type": "date"}),
            )  # fmt: skip
            self.fields[f"done_{need}"] = forms.DateField(
                required=False, label="Done on", initial=group.done_on if group else None,
                widget=forms.DateInput(attrs={"type": "date"}),
            )  # fmt: skip
            self.fields[f"step_{need}"].group_label = label  # type: ignore[attr-defined]

    def place_fields(self) -> list[forms.BoundField]:
        return [self[f"place_{t.pk}"] for t in self.attendees]

    def group_fields(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        return [(need, label, [self[f"{part}_{need}"] for part in ("step", "offer", "offered", "done")])
                for need, label in FollowUpNeed.choices]  # fmt: skip

    def placements(self) -> dict[int, str]:
        return {t.pk: self.cleaned_data[f"place_{t.pk}"] for t in self.attendees if self.cleaned_data[f"place_{t.pk}"]}

    def offers(self) -> dict[str, Any]:
        return {
            need: {"next_step": self.cleaned_data[f"step_{need}"], "offer": self.cleaned_data[f"offer_{need}"],
                   "offered_on": self.cleaned_data[f"offered_{need}"], "done_on": self.cleaned_data[f"done_{need}"]}
            for need in FollowUpNeed.values
        }  # fmt: skip


class SharedExampleForm(forms.Form):
    title = forms.CharField(max_length=200, help_text="e.g. “Number talk anchor chart, Grade 1”.")
    note = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
                           label="Short note", help_text="What you tried and how it went.")  # fmt: skip
    link = forms.URLField(required=False, max_length=500, assume_scheme="https")
    file = forms.FileField(
        required=False, help_text="Or a file: a photo, a PDF, a short video… up to 10 MB, checked by its content."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("title", "note", Row(Column("link", css_class="col-md-6"),
                                                   Column("file", css_class="col-md-6")))  # fmt: skip

    def clean_file(self) -> UploadedFile[bytes] | None:
        upload: UploadedFile[bytes] | Literal[False] | None = self.cleaned_data.get("file")
        return check_upload(upload) if upload else None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not self.errors and not data.get("note", "").strip() and not data.get("link") and not data.get("file"):
            self.add_error("note", "Add a short note, a link or a file.")
        return data


class ExampleCommentForm(forms.Form):
    text = forms.CharField(max_length=2000, label="Feedback", widget=forms.Textarea(attrs={"rows": 2}))


if TYPE_CHECKING:
    _OneCoach = forms.ModelChoiceField[Coach]
else:
    _OneCoach = forms.ModelChoiceField


class OneCoachField(_OneCoach):
    def label_from_instance(self, obj: Coach) -> str:
        return obj.user.display_name


class RolePlayForm(forms.Form):
    scenario = forms.CharField(
        max_length=300, help_text="e.g. “A reluctant teacher who says coaching is not for them”."
    )
    practised_by = OneCoachField(queryset=Coach.objects.none(), label="Who practised")
    question_stems = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                                     help_text="One stem a line, e.g. “What would it look like if…?”")  # fmt: skip
    feedback = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
                               label="Peers' feedback")  # fmt: skip

    def __init__(self, *args: Any, members: QuerySet[Coach], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "practised_by").queryset = members
        self.helper = _helper("scenario", "practised_by", "question_stems", "feedback")
