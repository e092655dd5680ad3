"""PD sessions: schedule, attendance (which logs the facilitation time once), follow-up
reflections through private links and QR codes, sign-ups that can open a cycle, a room sheet."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Avg, Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coaching import learning
from coaching.access import coach_for, coach_required, get_pd_session_for, pd_sessions_visible_to, resources_visible_to
from coaching.models import Coach, PDSession, SignUp
from coaching.selectors import focus_areas_for
from toolkit.qr import qr_png_data_uri, qr_svg, qr_svg_data_uri

from . import services
from .forms import AttendanceForm, PDSessionForm, SignUpDecisionForm


def _session_url(session: PDSession, anchor: str = "") -> str:
    return reverse("cycles:pd_session", args=[session.public_id]) + (f"#{anchor}" if anchor else "")


@login_required
@require_GET
def pd_session_list(request: HttpRequest) -> HttpResponse:
    sessions = pd_sessions_visible_to(request.user)
    if coach_for(request.user) is None and not sessions.exists():
        raise PermissionDenied("PD sessions are for coaches and program directors.")
    sessions = sessions.select_related("district", "facilitator__user").annotate(
        attended=Count("attendees", distinct=True)
    )
    page = Paginator(sessions.order_by("-date", "-start_time"), 25).get_page(request.GET.get("page"))
    return render(request, "cycles/pd_session_list.html", {"page": page, "is_coach": coach_for(request.user)})


@coach_required
@require_http_methods(["GET", "POST"])
def pd_session_new(request: HttpRequest, coach: Coach) -> HttpResponse:
    form = PDSessionForm(request.POST or None, user=request.user, focus_areas=focus_areas_for(coach),
                         resources=resources_visible_to(request.user))  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            session = learning.pd_session_schedule(coach=coach, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Session scheduled.")
            return redirect(_session_url(session))
    return render(request, "cycles/pd_session_form.html", {"form": form})


def _render_session(request: HttpRequest, session: PDSession, **forms: Any) -> HttpResponse:
    is_facilitator = session.facilitator.user_id == request.user.pk
    attendees = list(session.attendees.select_related("school").order_by("last_name", "first_name"))
    responses = session.reflections.aggregate(n=Count("pk"), confidence=Avg("confidence"))
    context = {
        "session": session, "is_facilitator": is_facilitator, "attendees": attendees,
        "schools": list(session.schools.all()), "resources": list(session.resources.all()),
        "responses": responses,
        "reflections": list(session.reflections.select_related("teacher")) if is_facilitator else [],
        "signups": list(session.signups.select_related("teacher", "cycle")) if is_facilitator else [],
        "links": session.reflection_links.count(),
        "today": timezone.localdate(),
    }  # fmt: skip
    if is_facilitator:
        attendance = forms.get("attendance_form") or AttendanceForm(
            initial={"teachers": [t.pk for t in attendees]}, district_id=session.district_id
        )
        context["attendance_form"] = attendance
        context["bulk_groups"] = sorted(
            {(t.school.name, t.get_grade_band_display(), f"{t.school_id}-{t.grade_band}")
             for t in attendance.fields["teachers"].queryset}
        )  # fmt: skip
    return render(request, "cycles/pd_session_detail.html", context, status=400 if forms else 200)


@login_required
@never_cache
@require_GET
def pd_session_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    return _render_session(request, get_pd_session_for(request.user, public_id))


@login_required
@require_POST
def pd_attendance(request: HttpRequest, public_id: str) -> HttpResponse:
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
            return redirect(_session_url(session, "attendance"))
    return _render_session(request, session, attendance_form=form)


@login_required
@never_cache
@require_POST
def pd_followup_links(request: HttpRequest, public_id: str) -> HttpResponse:
    """Make every attendee's private follow-up link and show them (with QR codes) once, to print."""
    session = get_pd_session_for(request.user, public_id, write=True)
    try:
        made = services.pd_followup_links_create(session=session, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_session_url(session, "attendance"))
    slips = []
    for link, token in made:
        url = request.build_absolute_uri(reverse("reflect", args=[token]))
        slips.append({"teacher": link.teacher, "url": url, "qr": qr_svg(url, title=f"Follow-up for {link.teacher}"),
                      "svg": qr_svg_data_uri(url), "png": qr_png_data_uri(url)})  # fmt: skip
    return render(request, "cycles/pd_followup_links.html", {"session": session, "slips": slips})


@login_required
@require_POST
def pd_signup_decide(request: HttpRequest, public_id: str, pk: int) -> HttpResponse:
    session = get_pd_session_for(request.user, public_id, write=True)
    signup = get_object_or_404(SignUp, session=session, pk=pk)
    form = SignUpDecisionForm(request.POST)
    if form.is_valid():
        try:
            learning.signup_decide(signup=signup, accept=form.cleaned_data["decision"] == "accept",
                                   scheduled_for=form.cleaned_data["scheduled_for"])  # fmt: skip
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Request updated.")
    return redirect(_session_url(session, "signups"))


@login_required
@require_POST
def pd_signup_cycle(request: HttpRequest, public_id: str, pk: int) -> HttpResponse:
    """One step from an accepted classroom-support request to an Impact Cycle with that teacher."""
    session = get_pd_session_for(request.user, public_id, write=True)
    signup = get_object_or_404(SignUp.objects.select_related("teacher", "session"), session=session, pk=pk)
    try:
        cycle = services.cycle_from_signup(signup=signup, coach=coach_for(request.user))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_session_url(session, "signups"))
    messages.success(request, "Impact Cycle opened from the request.")
    return redirect("cycles:detail", public_id=cycle.public_id)


@login_required
@require_GET
def pd_room_sheet(request: HttpRequest, public_id: str) -> HttpResponse:
    """A printable page of the session's resources, each with its QR code."""
    session = get_pd_session_for(request.user, public_id)
    items = []
    for resource in session.resources.all():
        url = request.build_absolute_uri(reverse("resource_open", args=[resource.public_id]))
        items.append({"resource": resource, "url": url, "qr": qr_svg(url, title=resource.title)})
    return render(request, "cycles/pd_room_sheet.html", {"session": session, "items": items})
