"""Project-level pages: the front door sends each person to where their work is."""

from typing import Any

from axes.utils import reset as axes_reset
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from coaching.access import coach_for, may_see_own_sessions
from reports.access import may_use_reports
from teachers.access import Request, is_site_admin
from toolkit.ratelimit import Limit, by_address_and_field, rate_limited


@login_required
@require_GET
def home(request: Request) -> HttpResponse:
    user = request.user
    if coach_for(user) is not None:
        return redirect("coaching:my_week")
    if may_see_own_sessions(user):
        return redirect("cycles:list")
    if may_use_reports(user) and not is_site_admin(user):
        return redirect("reports:dashboard")
    if is_site_admin(user):
        return redirect("admin:index")
    return redirect("coaching:contracts")


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for a load balancer: the process answers and the database responds."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


_reset_limit = Limit("password_reset", keys=by_address_and_field("email"))
# At most a few reset emails per hour for one address and for one email address: the "sent" page
# still says the same whether or not the account exists.
password_reset = rate_limited(_reset_limit)(auth_views.PasswordResetView.as_view())


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """Setting a new password through the emailed link lifts any sign-in lockout on the account:
    someone who tried to lock a person out cannot keep them out of their own account."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())
        return response
