"""Project-level pages: the front door sends each person to where their work is."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from teachers.access import Request, is_site_admin
from teachers.models import Role


@login_required
@require_GET
def home(request: Request) -> HttpResponse:
    user = request.user
    if user.role == Role.COACH:
        return redirect("coaching:my_week")
    if user.role == Role.TEACHER:
        return redirect("cycles:list")
    if user.role in (Role.DISTRICT_ADMIN, Role.PROGRAM_DIRECTOR):
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
