"""Forms for Impact Cycles and reflections. They validate; services save."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, cast

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Layout, Row, Submit
from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from coaching.forms import domains_offer, priority_choices_set, priority_field
from coaching.models import Coach, Program
from coaching.selectors import focus_area_list
from learning.forms import PRINCIPLE_STATEMENTS
from learning.models import PRINCIPLE_CHOICES, Resource, SignUpKind
from teachers.access import districts_visible_to
from teachers.forms import TeacherPickerField, chosen_district_id, style_filter_fields
from teachers.models import District, School, Teacher, User
from toolkit.schoolyear import school_year_label, school_year_of
from toolkit.uploads import check_upload

from .models import (
    TIMED_KINDS,
    AdjustmentKind,
    Cycle,
    EvidenceKind,
    Goal,
    LearnMode,
    Occasion,
    Outcome,
    PlanStep,
    Stage,
    StepKind,
)
from .selectors import CASELOAD_SORTS

PEERS_PROMPTS = {
    "powerful": ("Powerful", "Will reaching it make a real difference to students' learning or well-being?"),
    "easy": ("Easy", "Is it simple and clear enough to say in one sentence and remember?"),
    "emotionally_compelling": ("Emotionally compelling", "Does it matter to you? Do you care about reaching it?"),
    "reachable": ("Reachable", "Is there a measurable student outcome, a target and a deadline you can hit?"),
    "student_focused": ("Student-focused", "Is it about what students do, learn or feel, not what the teacher does?"),
}


def _model_choice(form: forms.Form, name: str) -> forms.ModelChoiceField[Any]:
    """A form's model choice field by name, to set its queryset (`form.fields` holds plain Fields)."""
    return cast("forms.ModelChoiceField[Any]", form.fields[name])


def _helper(*layout: Any, submit: str | None = None) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.layout = Layout(*layout, *([Submit("save", submit)] if submit else []))
    return helper


class CycleStartForm(forms.Form):
    district = forms.ModelChoiceField(queryset=District.objects.none(), empty_label="Choose a district…")
    teachers = TeacherPickerField(
        queryset=Teacher.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text="One teacher, or a small team (up to six) from one school.",
    )
    title = forms.CharField(
        max_length=200, help_text="A short name you will both recognise, e.g. “Exit tickets in 3B”."
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        districts = districts_visible_to(user)
        _model_choice(self, "district").queryset = districts
        district_id = chosen_district_id(self)
        self.district_chosen = bool(district_id and districts.filter(pk=district_id).exists())
        if self.district_chosen and district_id is not None:
            _model_choice(self, "teachers").queryset = (
                Teacher.objects.filter(district_id=district_id, active=True)
                .select_related("school")
                .order_by("last_name", "first_name")
            )
        self.fields["district"].widget.attrs.update(
            {"hx-get": reverse("cycles:teacher_picker"), "hx-target": "#teacher-picker", "hx-trigger": "change",
             "hx-include": "this"}
        )  # fmt: skip
        self.helper = _helper(
            "district",
            Div(HTML('{% include "cycles/partials/_teacher_picker.html" %}'), css_id="teacher-picker"),
            "title",
        )


class PlanForm(forms.Form):
    """Identify and Learn: current reality, strategy, how the teacher will see it."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(max_length=200)
    current_reality = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), label="Current reality",
        help_text="What do you see now? Summarise the evidence: observation, video, student work, data.",
    )  # fmt: skip
    strategy = forms.CharField(required=False, max_length=200, label="Teaching strategy")
    strategy_description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="How the strategy works"
    )
    learn_mode = forms.ChoiceField(
        required=False, choices=[("", "Not chosen yet"), *LearnMode.choices], label="How the teacher will see it"
    )
    learn_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="When")
    coach_notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Coach notes",
        help_text="Private to you: the teacher and administrators never see them.",
    )  # fmt: skip

    priority = priority_field()

    def __init__(
        self, *args: Any, for_coach: bool, cycle: Cycle | None = None, program: Program | None = None,
        domains: Iterable[int] = (), **kwargs: Any,
    ) -> None:  # fmt: skip
        """`cycle`: the cycle, whose district's plan offers its priorities to the coach; `program`:
        the cycle's coach's program, whose standards lens decides whether the domains are offered;
        `domains`: the cycle's tags, ticked."""
        super().__init__(*args, **kwargs)
        if not for_coach:
            del self.fields["coach_notes"]
        # The coach files the cycle under a priority of its district's plan for the year it started.
        self.priorities_offered = False
        if for_coach and cycle is not None:
            priority_choices_set(self, coach=cycle.coach, school_years=[school_year_of(cycle.started_on)],
                                 district_id=cycle.district_id)  # fmt: skip
        if not self.priorities_offered:
            del self.fields["priority"]
        self.helper = _helper(
            "version",
            "title",
            "current_reality",
            Row(Column("strategy", css_class="col-md-6"), Column("learn_mode", css_class="col-md-3"),
                Column("learn_date", css_class="col-md-3")),
            "strategy_description",
            *(["priority"] if self.priorities_offered else []),
            *(["coach_notes"] if for_coach else []),
        )  # fmt: skip
        domains_offer(self, program=program, initial=domains)


class GoalForm(forms.ModelForm[Goal]):
    replace = forms.BooleanField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Goal
        fields = ["statement", "measure", "unit", "baseline", "target", "deadline", *PEERS_PROMPTS]
        widgets = {
            "statement": forms.Textarea(attrs={"rows": 2}),
            "deadline": forms.DateInput(attrs={"type": "date"}),
            "baseline": forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
            "target": forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        }
        labels = {"statement": "Goal", "measure": "Student measure", "baseline": "Baseline (now)"}
        help_texts = {"unit": "What the numbers count, e.g. “% of students” or “average score”."}

    def __init__(self, *args: Any, program: Program | None = None, **kwargs: Any) -> None:
        """`program`: the cycle's coach's program; with its standards lens on, the goal's domains
        are offered (the goal's own tags ticked)."""
        super().__init__(*args, **kwargs)
        for name, (label, prompt) in PEERS_PROMPTS.items():
            self.fields[name].label = label
            self.fields[name].help_text = prompt
        self.fields["statement"].widget.attrs["placeholder"] = (
            "e.g. 90% of students score 4/5 or better on exit tickets"
        )
        self.helper = _helper(
            "replace",
            "statement",
            Row(Column("measure", css_class="col-md-6"), Column("unit", css_class="col-md-6")),
            Row(Column("baseline", css_class="col-4"), Column("target", css_class="col-4"),
                Column("deadline", css_class="col-4")),
            HTML('<fieldset id="peers" tabindex="-1" class="peers-check border rounded p-3 mb-3">'
                 '<legend class="fs-6 fw-semibold">Test the goal against PEERS</legend>'),
            *PEERS_PROMPTS,
            HTML("</fieldset>"),
        )  # fmt: skip
        tags = list(self.instance.domains.values_list("pk", flat=True)) if self.instance.pk else []
        domains_offer(self, program=program, initial=tags)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        baseline, target = data.get("baseline"), data.get("target")
        if baseline is not None and target is not None and baseline == target:
            self.add_error("target", "The target should differ from the baseline: what will change?")
        if data.get("deadline") and data["deadline"] < timezone.localdate() and not self.instance.pk:
            self.add_error("deadline", "The deadline has passed; choose a date ahead.")
        if data.get("reachable") and (target is None or not data.get("deadline")):
            self.add_error("reachable", "A Reachable goal has a measurable target and a deadline.")
        return data


def _time_fields(form: forms.Form, coach: Coach, *, required: bool) -> None:
    """The date, length, start time and focus area of a cycle's time, checked by the coaching log's rules."""
    form.fields["date"] = forms.DateField(required=required, widget=forms.DateInput(attrs={"type": "date"}),
                                          initial=timezone.localdate)  # fmt: skip
    form.fields["minutes"] = forms.IntegerField(
        required=required, min_value=1, max_value=720, label="Length (minutes)",
        help_text="" if required else "With a length, this observation or conversation is logged as your time.",
    )  # fmt: skip
    form.fields["start_time"] = forms.TimeField(required=False, label="Start time (optional)",
                                                widget=forms.TimeInput(attrs={"type": "time"}))  # fmt: skip
    form.fields["focus_area"] = forms.ModelChoiceField(
        queryset=focus_area_list(coach=coach), required=False, label="Focus area",
        help_text="What the time was about; needed with a length.",
    )  # fmt: skip
    if required:
        form.fields["focus_area"].widget.attrs["aria-required"] = "true"


_TIME_ROW = Row(*(Column(name, css_class="col-6 col-md-3") for name in ("date", "minutes", "start_time", "focus_area")))


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(choices=EvidenceKind.choices)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    link = forms.URLField(required=False, max_length=500, assume_scheme="https")
    file = forms.FileField(required=False, help_text="Up to 10 MB: PDF, image, video, Office document, CSV or text.")

    def __init__(self, *args: Any, coach: Coach | None = None, **kwargs: Any) -> None:
        """With the cycle's `coach`, an observation or a conversation may be given its date and length."""
        super().__init__(*args, **kwargs)
        self.timed = coach is not None
        rows: list[Any] = ["note", "file"]
        if coach is not None:
            _time_fields(self, coach, required=False)
            rows.append(_TIME_ROW)
        self.helper = _helper(Row(Column("kind", css_class="col-md-4"), Column("link", css_class="col-md-8")),
                              *rows)  # fmt: skip

    def clean_file(self) -> UploadedFile[bytes] | Literal[False] | None:
        # None when no file was sent, False when the "clear" box was ticked (FileField's own values).
        upload = self.cleaned_data.get("file")
        return check_upload(upload) if upload else upload

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        timed = data.get("minutes") is not None
        if not self.errors and not (data.get("note", "").strip() or data.get("link") or data.get("file") or timed):
            self.add_error("note", "Add a note, a link or a file.")
        if timed and data.get("kind") not in TIMED_KINDS:
            self.add_error("minutes", "Time is logged for an observation or a coaching conversation.")
        if timed and not data.get("date") and "date" not in self.errors:
            self.add_error("date", "Say when it took place.")
        return data

    def time_values(self) -> dict[str, Any]:
        """The time fields for `evidence_add` (nothing when the form has none or no length was given)."""
        data = self.cleaned_data
        if not self.timed or data.get("minutes") is None:
            return {}
        return {name: data.get(name) for name in ("date", "minutes", "start_time", "focus_area")}


class ModeledLessonForm(forms.Form):
    """The lesson the coach modeled or co-taught: its date (the planned one to start with) and length."""

    def __init__(self, *args: Any, coach: Coach, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _time_fields(self, coach, required=True)
        self.helper = _helper(_TIME_ROW)


class ChecklistItemForm(forms.Form):
    text = forms.CharField(max_length=300, label="New checklist step")


class ProgressForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    value = forms.DecimalField(max_digits=7, decimal_places=2, widget=forms.NumberInput(attrs={"step": "any",
                               "inputmode": "decimal"}))  # fmt: skip
    n_students = forms.IntegerField(required=False, min_value=1, max_value=1000, label="Students measured")
    note = forms.CharField(required=False, max_length=300)

    def __init__(self, *args: Any, unit: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["value"].label = f"Value ({unit})" if unit else "Value"
        self.fields["date"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.helper = _helper(
            Row(Column("date", css_class="col-6 col-md-3"), Column("value", css_class="col-6 col-md-3"),
                Column("n_students", css_class="col-6 col-md-2"), Column("note", css_class="col-12 col-md-4")),
        )  # fmt: skip


class AdjustmentForm(forms.Form):
    kind = forms.ChoiceField(choices=AdjustmentKind.choices, label="Adjustment")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="What changes, and why")


class MoveForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    to_stage = forms.ChoiceField(choices=Stage.choices, label="Move to")
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when skipping a stage, closing early or going back to Learn.",
    )
    outcome = forms.ChoiceField(required=False, choices=[("", "—"), *Outcome.choices], label="Outcome (when closing)")
    goal_met = forms.TypedChoiceField(
        required=False, choices=[("", "—"), ("yes", "Yes"), ("no", "No")], label="Goal met? (when closing)",
        coerce=lambda value: {"yes": True, "no": False}.get(value), empty_value=None,
    )  # fmt: skip
    closing_note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Closing note")
    agency_at_close = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}),
        label="How did this empower learners? (when closing)",
        help_text="Student agency, asked at the kickoff and again now: what choice and voice did students gain?",
    )  # fmt: skip


def principle_choices() -> list[tuple[str, str]]:
    """Knight's partnership principles, each with the check-in's statement of it, and a way out."""
    return [("", "None in particular / I'd rather not say"),
            *((value, f"{label} — {PRINCIPLE_STATEMENTS[value]}") for value, label in PRINCIPLE_CHOICES)]  # fmt: skip


class ReflectionForm(forms.Form):
    occasion = forms.ChoiceField(choices=Occasion.choices, label="When is this reflection?")
    what_happened = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 3}), label="What happened?")
    what_worked = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}), label="What worked?"
    )
    what_was_hard = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}), label="What was hard?"
    )
    what_next = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}), label="What next?"
    )
    confidence = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, widget=forms.RadioSelect,
        choices=[(i, str(i)) for i in range(1, 6)],
        label="How confident do you feel about this strategy now? (1 = not yet, 5 = very)",
    )  # fmt: skip
    principle = forms.ChoiceField(
        required=False, choices=principle_choices, widget=forms.RadioSelect,
        label="Which partnership principle did this session live up to? (optional)",
        help_text="Your coach reads your answer with your reflection; anyone else sees only counts of five "
                  "answers or more, never yours.",
    )  # fmt: skip

    def __init__(
        self,
        *args: Any,
        with_occasion: bool = True,
        strategy: str | None = None,
        with_principle: bool = False,
        **kwargs: Any,
    ) -> None:
        """`strategy`: the cycle's teaching strategy, named in the questions; "" for a cycle that has
        none yet, None when the reflection is not about a cycle (the general wording stays).
        `with_principle`: a teacher reflecting on a cycle may name a partnership principle."""
        super().__init__(*args, **kwargs)
        if not with_occasion:
            del self.fields["occasion"]
        if not with_principle:
            del self.fields["principle"]
        if strategy:
            self.fields["what_worked"].label = f"What worked with “{strategy}”?"
            self.fields[
                "confidence"
            ].label = f"How confident do you feel about “{strategy}” now? (1 = not yet, 5 = very)"
        elif strategy is not None:
            self.fields[
                "confidence"
            ].label = "How confident do you feel about what you are working on now? (1 = not yet, 5 = very)"
        self.helper = _helper(
            *(["occasion"] if with_occasion else []), "what_happened", "what_worked", "what_was_hard", "what_next",
            InlineRadios("confidence"), *(["principle"] if with_principle else []),
        )  # fmt: skip


class LinkForm(forms.Form):
    teacher = forms.ModelChoiceField(queryset=Teacher.objects.none(), empty_label=None)
    occasion = forms.ChoiceField(choices=Occasion.choices, label="Reflection for")

    def __init__(self, *args: Any, cycle_teachers: QuerySet[Teacher], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "teacher").queryset = cycle_teachers


class CycleFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=100)
    stage = forms.ChoiceField(required=False, choices=[("", "All stages"), *Stage.choices])
    school = forms.ModelChoiceField(queryset=School.objects.none(), required=False, empty_label="All schools")

    def __init__(self, *args: Any, schools: QuerySet[School], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "school").queryset = schools
        style_filter_fields(self)


class SignUpForm(forms.Form):
    """Optional, on a PD follow-up: ask for a modeled lesson or co-teaching in one's own classroom."""

    kind = forms.ChoiceField(
        required=False, choices=[("", "No, not now"), *SignUpKind.choices],
        label="Would you like your coach in your classroom?",
    )  # fmt: skip
    date_preferences = forms.CharField(required=False, max_length=200, label="Days and times that suit you")
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                           label="Anything your coach should know")  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("kind", "date_preferences", "note")


class CaseloadYearForm(forms.Form):
    """The school year a caseload is shown for, among the years offered (the current one by default)."""

    year = forms.TypedChoiceField(required=False, label="School year", coerce=int, empty_value=None)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.TypedChoiceField", self.fields["year"]).choices = [(y, school_year_label(y)) for y in years]
        style_filter_fields(self)


class CaseloadFilterForm(CaseloadYearForm):
    """A coach's caseload: the school year, search by name, only those not seen in 4 weeks, the order."""

    q = forms.CharField(required=False, label="Search by name", max_length=100)
    stale = forms.BooleanField(required=False, label="Not seen in 4 weeks")
    sort = forms.ChoiceField(required=False, label="Sort by", choices=list(CASELOAD_SORTS.items()))


# ---------------------------------------------------------------------------- kickoff, action plan, debriefs


def _meeting_time_fields(form: forms.Form, coach: Coach, what: str) -> list[str]:
    """A meeting's length, start time and focus area (its date is the meeting's own): with a length
    the meeting is logged as the coach's time, under every rule of the log."""
    form.fields["minutes"] = forms.IntegerField(
        required=False, min_value=1, max_value=720, label="Length (minutes)",
        help_text=f"With a length, {what} is logged as your time and counted toward the cycle.",
    )  # fmt: skip
    form.fields["start_time"] = forms.TimeField(required=False, label="Start time (optional)",
                                                widget=forms.TimeInput(attrs={"type": "time"}))  # fmt: skip
    form.fields["focus_area"] = forms.ModelChoiceField(
        queryset=focus_area_list(coach=coach), required=False, label="Focus area",
        help_text="What the time was about.",
    )  # fmt: skip
    return ["minutes", "start_time", "focus_area"]


def _time_row(names: list[str]) -> Row:
    return Row(*(Column(name, css_class="col-12 col-md-4") for name in names))


class MeetingTimeMixin:
    """The time values of a meeting form for its service (none when no length was given)."""

    cleaned_data: dict[str, Any]
    timed: bool

    def time_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        if not self.timed or data.get("minutes") is None:
            return {}
        return {name: data.get(name) for name in ("minutes", "start_time", "focus_area")}


def _text(label: str, rows: int = 2, help_text: str = "") -> forms.CharField:
    return forms.CharField(required=False, max_length=5000, label=label, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": rows}))  # fmt: skip


class KickoffForm(MeetingTimeMixin, forms.Form):
    """The kickoff meeting. The coach may give it a length (once) to log it as their time."""

    held_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Date of the kickoff")
    agency = _text(
        "How will this empower learners?",
        3,
        "Student agency first: what choice, voice or ownership will students gain?",
    )
    brainstorm = _text("Brainstorm", 3)
    resources = forms.ModelMultipleChoiceField(
        queryset=Resource.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        label="Resources chosen from the library",
    )  # fmt: skip
    other_resources = _text("Other resources", 2, "Tools or materials outside the library, one a line.")
    students_know = _text("Students should know")
    students_understand = _text("Students should understand")
    students_do = _text("Students should be able to do")

    def __init__(self, *args: Any, library: QuerySet[Resource], coach: Coach | None, **kwargs: Any) -> None:
        """`coach`: the cycle's coach when they are the one writing and the kickoff's time is not logged yet."""
        super().__init__(*args, **kwargs)
        cast("forms.ModelMultipleChoiceField[Any]", self.fields["resources"]).queryset = library
        self.timed = coach is not None
        time = [_time_row(_meeting_time_fields(self, coach, "the kickoff"))] if coach is not None else []
        self.helper = _helper(
            Row(Column("held_on", css_class="col-12 col-md-4")), *time, "agency", "brainstorm",
            Div("resources", css_class="teacher-picker border rounded px-2 py-1 mb-3") if library.exists() else Div(),
            "other_resources",
            Row(Column("students_know", css_class="col-12 col-md-4"),
                Column("students_understand", css_class="col-12 col-md-4"),
                Column("students_do", css_class="col-12 col-md-4")),
        )  # fmt: skip
        if not library.exists():
            del self.fields["resources"]


class PlanStepForm(forms.Form):
    """A dated step of the action plan."""

    kind = forms.ChoiceField(choices=StepKind.choices, label="Step")
    planned_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Planned for")
    note = forms.CharField(required=False, max_length=300, label="Note")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper(Row(Column("kind", css_class="col-12 col-md-4"),
                                  Column("planned_on", css_class="col-12 col-md-3"),
                                  Column("note", css_class="col-12 col-md-5")))  # fmt: skip


class StepDoneForm(MeetingTimeMixin, forms.Form):
    """Mark a step done; a modeled or co-taught step may carry the coach's time."""

    done_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Done on")

    def __init__(self, *args: Any, coach: Coach | None, **kwargs: Any) -> None:
        """`coach`: the cycle's coach, when the step is one they are in the room for."""
        super().__init__(*args, **kwargs)
        self.fields["done_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.timed = coach is not None
        names = ["done_on", *(_meeting_time_fields(self, coach, "the lesson") if coach is not None else [])]
        self.helper = _helper(Row(*(Column(name, css_class="col-12 col-md-3") for name in names)))


class DebriefForm(MeetingTimeMixin, forms.Form):
    """The debrief after a lesson."""

    held_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Date of the debrief")
    step = forms.ModelChoiceField(queryset=PlanStep.objects.none(), required=False, label="The lesson it follows",
                                  empty_label="A lesson outside the plan")  # fmt: skip
    impact = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
                             label="How did the tool or strategy affect learning?")  # fmt: skip
    next_time = _text("What to change next time", 2)

    def __init__(self, *args: Any, steps: QuerySet[PlanStep], coach: Coach | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["held_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        _model_choice(self, "step").queryset = steps
        self.timed = coach is not None
        time = [_time_row(_meeting_time_fields(self, coach, "the debrief"))] if coach is not None else []
        self.helper = _helper(Row(Column("held_on", css_class="col-12 col-md-4"),
                                  Column("step", css_class="col-12 col-md-8")),
                              *time, "impact", "next_time")  # fmt: skip
