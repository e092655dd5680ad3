"""A PD session's page: the session (from `learning`) with its follow-up reflections through
private links and QR codes, attendance, and the sign-ups that can open a cycle."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import ModelMultipleChoiceField
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coaching.access import coach_for
from learning import services as learning
from learning.access import get_pd_session_for, is_pd_facilitator
from learning.forms import AttendanceForm, FollowUpForm
from learning.models import FollowUpGroup, PDSession, SignUp
from learning.views import pd_session_url
from teachers.access import Request
from teachers.models import Teacher
from toolkit.forms import form_errors_add
from toolkit.qr import qr_png_data_uri, qr_svg, qr_svg_data_uri

from . import services
from .selectors import MIN_ANSWERS_SHOWN, pd_followup_needs_suggest, pd_followup_summary_get


def _render_session(request: Request, session: PDSession, **forms: AttendanceForm) -> HttpResponse:
    is_facilitator = is_pd_facilitator(request.user, session)
    attendees = list(session.attendees.select_related("school").order_by("last_name", "first_name"))
    responses = pd_followup_summary_get(session=session, for_facilitator=is_facilitator)
    context = {
        "session": session, "is_facilitator": is_facilitator, "attendees": attendees,
        "schools": list(session.schools.all()), "resources": list(session.resources.all()),
        "responses": responses, "min_answers": MIN_ANSWERS_SHOWN,
        "reflections": list(session.reflections.select_related("teacher")) if is_facilitator else [],
        "signups": list(session.signups.select_related("teacher", "cycle")) if is_facilitator else [],
        "links": session.reflection_links.count(),
        # Who is in which follow-up group, and what each was offered: the facilitator's only.
        "followup_groups": list(session.followup_groups.prefetch_related("members")) if is_facilitator else [],
        "today": timezone.localdate(),
    }  # fmt: skip
    if is_facilitator:
        attendance = forms.get("attendance_form") or AttendanceForm(
            initial={"teachers": [t.pk for t in attendees]}, district_id=session.district_id
        )
        context["attendance_form"] = attendance
        # The teachers the attendance form offers (AttendanceForm always sets its field's queryset).
        offered = cast("ModelMultipleChoiceField[Teacher]", attendance.fields["teachers"]).queryset
        context["bulk_groups"] = sorted(
            {(t.school.name, t.get_grade_band_display(), f"{t.school_id}-{t.grade_band}")
             for t in offered or ()}
        )  # fmt: skip
    return render(request, "cycles/pd_session_detail.html", context, status=400 if forms else 200)


@login_required
@never_cache
@require_GET
def pd_session_detail(request: Request, public_id: str) -> HttpResponse:
    return _render_session(request, get_pd_session_for(request.user, public_id))


@login_required
@require_POST
def pd_attendance(request: Request, public_id: str) -> HttpResponse:
    session = get_pd_session_for(request.user, public_id, write=True)
    form = AttendanceForm(request.POST, district_id=session.district_id)
    if form.is_valid():
        try:
            learning.pd_attendance_set(session=session, teachers=form.cleaned_data["teachers"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            count = len(form.cleaned_data["teachers"])
            messages.success(
                request,
                f"Attendance saved: {count} teacher{'s' if count != 1 else ''}. "
                f"Your {session.minutes} minutes of facilitation are in your time log.",
            )
            return redirect(pd_session_url(session, "attendance"))
    return _render_session(request, session, attendance_form=form)


@login_required
@never_cache
@require_POST
def pd_followup_links(request: Request, public_id: str) -> HttpResponse:
    """Make every attendee's private follow-up link and show them (with QR codes) once, to print."""
    session = get_pd_session_for(request.user, public_id, write=True)
    try:
        made = services.pd_followup_links_create(session=session, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(pd_session_url(session, "attendance"))
    slips = []
    for link, token in made:
        url = request.build_absolute_uri(reverse("reflect", args=[token]))
        slips.append({"teacher": link.teacher, "url": url, "qr": qr_svg(url, title=f"Follow-up for {link.teacher}"),
                      "svg": qr_svg_data_uri(url), "png": qr_png_data_uri(url)})  # fmt: skip
    return render(request, "cycles/pd_followup_links.html", {"session": session, "slips": slips})


@login_required
@require_POST
def pd_signup_cycle(request: Request, public_id: str, pk: int) -> HttpResponse:
    """One step from an accepted classroom-support request to an Impact Cycle with that teacher."""
    session = get_pd_session_for(request.user, public_id, write=True)
    signup = get_object_or_404(SignUp.objects.select_related("teacher", "session"), session=session, pk=pk)
    coach = coach_for(request.user)
    if coach is None:  # the session's facilitator, whose account is no longer a coach's
        raise PermissionDenied("Only coaches open cycles.")
    try:
        cycle = services.cycle_from_signup(signup=signup, coach=coach)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(pd_session_url(session, "signups"))
    messages.success(request, "Impact Cycle opened from the request.")
    return redirect("cycles:detail", public_id=cycle.public_id)


def _followup_groups(session: PDSession) -> dict[str, FollowUpGroup]:
    return {g.need: g for g in session.followup_groups.prefetch_related("members")}


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def pd_followup(request: Request, public_id: str) -> HttpResponse:
    """The facilitator sorts the attendees into follow-up groups by need, started from their
    follow-up answers, and records each group's next step and when it was offered and done."""
    session = get_pd_session_for(request.user, public_id, write=True)
    attendees = list(session.attendees.select_related("school").order_by("last_name", "first_name"))
    groups = _followup_groups(session)
    suggestions = pd_followup_needs_suggest(session=session)
    placed = {t.pk: g.need for g in groups.values() for t in g.members.all()}
    initial = {t.pk: placed.get(t.pk) or (suggestions[t.pk].need if t.pk in suggestions else "") for t in attendees}
    form = FollowUpForm(request.POST or None, attendees=attendees, initial_needs=initial, groups=groups)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                learning.followup_groups_set(
                    session=session, placements=form.placements(),
                    offers={need: learning.FollowUpOffer(**offer) for need, offer in form.offers().items()},
                )  # fmt: skip
            except ValidationError as exc:
                form_errors_add(form, exc)
            else:
                messages.success(request, "Follow-up groups saved.")
                return redirect(pd_session_url(session, "followup"))
        status = 400
    rows = [(field, suggestions.get(t.pk), placed.get(t.pk), t)
            for field, t in zip(form.place_fields(), attendees, strict=True)]  # fmt: skip
    context = {"session": session, "form": form, "rows": rows, "groups": form.group_fields()}
    return render(request, "cycles/pd_followup.html", context, status=status)
