"""Roster pages: list with search and filters, CSV export, CSV import, invitations to sign in."""

from __future__ import annotations

from axes.utils import reset as axes_reset
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from toolkit.csv_export import csv_response
from toolkit.params import parse_id_params
from toolkit.ratelimit import Limit, by_path, rate_limited

from .access import (
    Request,
    districts_with_roster_managed_by,
    may_manage_rosters,
    may_read_audit_log,
    teachers_visible_to,
)
from .audit import AuditAction, audit_events_visible_to, audit_record
from .forms import RosterFilterForm, RosterImportForm
from .invitations import (
    InvitationUnusable,
    LinkFor,
    invitation_accept,
    invitation_for,
    invitations_revoke,
    teacher_accounts_invite,
)
from .models import District, Teacher
from .oneroster import OneRosterError, import_summary, is_bundle, oneroster_import
from .selectors import roster_list
from .services import ROSTER_COLUMNS, RosterImportError, RosterRowError, roster_import


def _managed_districts(request: Request) -> QuerySet[District]:
    if not may_manage_rosters(request.user):
        raise PermissionDenied("Only district administrators and program directors manage rosters.")
    return districts_with_roster_managed_by(request.user)


def _filtered_roster(request: Request) -> tuple[RosterFilterForm, QuerySet[Teacher]]:
    districts = _managed_districts(request)
    form = RosterFilterForm(request.GET or None, districts=districts)
    teachers = teachers_visible_to(request.user)
    if form.is_bound and not form.is_valid():
        return form, teachers.none()
    data = form.cleaned_data if form.is_bound else {}
    return form, roster_list(
        teachers=teachers,
        q=data.get("q", ""),
        district=data.get("district"),
        school=data.get("school"),
        grade_band=data.get("grade_band", ""),
        include_inactive=data.get("show_inactive", False),
    )


@login_required
@require_GET
def roster(request: Request) -> HttpResponse:
    form, teachers = _filtered_roster(request)
    page = Paginator(teachers, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "teachers/roster.html", {"filter_form": form, "page": page, "query": query.urlencode()})


@login_required
@require_GET
def roster_export(request: Request) -> StreamingHttpResponse:
    form, teachers = _filtered_roster(request)
    rows = (
        [t.district.name, t.school.name, t.first_name, t.last_name, t.email, t.grade_band, t.subject,
         "yes" if t.active else "no"]
        for t in teachers.iterator(chunk_size=2000)
    )  # fmt: skip
    header = ["district", "school", "first_name", "last_name", "email", "grade_band", "subject", "active"]
    # The district the export was filtered to, once the form has checked it is one of theirs (an
    # unreadable or foreign id leaves the export empty, and the event with no district).
    district = form.cleaned_data.get("district") if form.is_bound and form.is_valid() else None
    audit_record(action=AuditAction.EXPORT, actor=request.user, request=request, object_type="roster",
                 district=district, detail="roster as CSV")  # fmt: skip
    return csv_response(f"fulcrum-roster-{timezone.localdate().isoformat()}.csv", header, rows)


@login_required
@require_GET
def roster_template(request: Request) -> StreamingHttpResponse:
    """A sample file with the expected header, to fill in a spreadsheet."""
    _managed_districts(request)
    sample = [["Lincoln Elementary", "Ada", "Lovelace", "ada.lovelace@example.org", "K-2", "Math"]]
    return csv_response("fulcrum-roster-template.csv", list(ROSTER_COLUMNS), sample)


@login_required
@require_http_methods(["GET", "POST"])
def roster_import_view(request: Request) -> HttpResponse:
    districts = _managed_districts(request)
    errors: list[RosterRowError] = []
    if request.method == "POST":
        form = RosterImportForm(request.POST, request.FILES, districts=districts)
        if form.is_valid():
            district = form.cleaned_data["district"]
            data = form.cleaned_data["file"].read()
            try:
                result = (oneroster_import(data=data, district=district) if is_bundle(data)
                          else roster_import(district=district, data=data))  # fmt: skip
            except (RosterImportError, OneRosterError) as exc:
                errors = exc.errors
            else:
                messages.success(request, import_summary(district, result))
                if form.cleaned_data["invite"] and result.created:
                    try:
                        sent = teacher_accounts_invite(teachers=result.created, by=request.user,
                                                       link_for=_invitation_link(request))  # fmt: skip
                    except ValidationError as exc:
                        messages.error(request, "The roster is in, but " + " ".join(exc.messages)
                                       + " Use Invite on the roster to send them later.")  # fmt: skip
                    else:
                        messages.success(request, f"{sent} invitation{'s' if sent != 1 else ''} sent.")
                return redirect(f"{reverse('teachers:roster')}?district={district.pk}")
    else:
        form = RosterImportForm(districts=districts)
    return render(request, "teachers/roster_import.html", {"form": form, "errors": errors, "columns": ROSTER_COLUMNS})


@login_required
@require_GET
def audit_log(request: Request) -> HttpResponse:
    """Who signed in, exported, changed roles or sharing, or read confidential content — never what."""
    events = audit_events_visible_to(request.user)
    if not may_read_audit_log(request.user):
        raise PermissionDenied("The audit log is for site and district administrators.")
    action = request.GET.get("action", "")
    if action in AuditAction.values:
        events = events.filter(action=action)
    page = Paginator(events.order_by("-at", "-pk"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"page": page, "actions": AuditAction.choices, "action": action, "query": query.urlencode()}
    return render(request, "teachers/audit_log.html", context)


def _invitation_link(request: HttpRequest) -> LinkFor:
    def link_for(token: str) -> str:
        return request.build_absolute_uri(reverse("invitation", args=[token]))

    return link_for


@login_required
@require_POST
def roster_invite(request: Request) -> HttpResponse:
    """Invite roster teachers (chosen by id, in the districts one manages) to set a password."""
    districts = _managed_districts(request)
    ids = parse_id_params(request.POST.getlist("teacher"))
    teachers = list(Teacher.objects.filter(pk__in=ids, district__in=districts).select_related("user"))
    if request.POST.get("action") == "revoke":
        ended = invitations_revoke(users=[t.user for t in teachers if t.user is not None])
        messages.success(request, f"{ended} invitation{'s' if ended != 1 else ''} withdrawn.")
        return _back(request)
    try:
        count = teacher_accounts_invite(teachers=teachers, by=request.user, link_for=_invitation_link(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{count} invitation{'s' if count != 1 else ''} sent." if count else
                         "Nobody to invite: they already sign in, or have no email address.")  # fmt: skip
    return _back(request)


def _back(request: Request) -> HttpResponse:
    back = request.POST.get("next") or ""
    safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
    return redirect(back if back and safe else reverse("teachers:roster"))


_invitation_limit = Limit("reflection_link", keys=by_path)


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited(_invitation_limit)
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Set one's password from an invitation link, then sign in."""
    try:
        found = invitation_for(token)
    except LookupError as exc:
        raise Http404("No such invitation.") from exc
    except InvitationUnusable as exc:
        return render(request, "registration/invitation.html", {"unusable": exc.reason}, status=410)
    form = SetPasswordForm(found.user, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            user = invitation_accept(token=token, password=form.cleaned_data["new_password1"])
        except InvitationUnusable as exc:
            return render(request, "registration/invitation.html", {"unusable": exc.reason}, status=410)
        axes_reset(username=user.get_username())
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Your password is set. Welcome to Fulcrum.")
        return redirect("home")
    context = {"form": form, "invited": found.user}
    return render(request, "registration/invitation.html", context, status=400 if form.errors else 200)
