"""The program's impact page under /impact/: the director's page with a year choice, its one-page
PDF, publishing it to a public address, and the public page itself (aggregates only, no group
under five, rate-limited). Each view asks `programs.access` first."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST, require_safe

from coaching.models import Program
from teachers.access import Request
from toolkit.ratelimit import Limit, by_address, rate_limited

from . import impact_page as ip
from .access import get_program_for_impact, impact_publication_live, require_impact_page, setup_programs_for
from .impact_services import impact_live_publication, impact_publish, impact_unpublish


def _by_page(request: HttpRequest) -> list[str]:
    """The public address itself (its token is in the path), from wherever it is read."""
    return [f"path:{request.path}"]


# A public page: per client address (guessing addresses from one place is stopped) and per page
# (one address posted somewhere popular cannot be hammered from many places into rebuilding it).
PUBLIC_BY_ADDRESS = Limit("impact_page_address", by_address, methods=("GET", "HEAD"))
PUBLIC_BY_PAGE = Limit("impact_page", _by_page, methods=("GET", "HEAD"))


def _context(program: Program, year_param: str | None, *, public: bool) -> dict[str, Any]:
    cube = ip.impact_cube(program=program, today=timezone.localdate())
    year = ip.parse_year(year_param, cube=cube)
    return {
        "program": program,
        "f": ip.page_figures(cube, year=year, public=public),
        "choices": ip.year_choices(cube),
        "chosen": ip.ALL if year is None else str(year),
    }


@login_required
@require_GET
def impact_home(request: Request) -> HttpResponse:
    """The first of the director's programs (a director of several picks another on the page)."""
    require_impact_page(request.user)
    program = setup_programs_for(request.user).first()
    if program is None:
        raise Http404("No program yet.")
    return HttpResponseRedirect(reverse("impact:page", args=[program.pk]))


@login_required
@require_GET
def impact_detail(request: Request, pk: int) -> HttpResponse:
    """The program's impact page for a school year, or since the program began, as the director
    sees it: every figure, each marked where the public page hides it."""
    program = get_program_for_impact(request.user, pk)
    context = _context(program, request.GET.get("year"), public=False)
    publication = impact_live_publication(program=program)
    context.update({
        "programs": list(setup_programs_for(request.user)),
        "publication": publication,
        "public_url": request.build_absolute_uri(reverse("impact:public", args=[publication.token]))
        if publication else "",
        "query": urlencode({"year": context["chosen"]}),
    })  # fmt: skip
    return render(request, "programs/impact_page.html", context)


def impact_pdf_bytes(program: Program, year_param: str | None, *, base_url: str) -> bytes:
    """The one-page PDF: the public page's figures (it is the page to hand out)."""
    from weasyprint import HTML  # imported here: it loads Pango, which only the PDF needs

    context = _context(program, year_param, public=True)
    context["printed"] = timezone.localdate()
    html = render_to_string("programs/impact_pdf.html", context)
    pdf: bytes = HTML(string=html, base_url=base_url).write_pdf()
    return pdf


@login_required
@require_GET
def impact_pdf(request: Request, pk: int) -> HttpResponse:
    program = get_program_for_impact(request.user, pk)
    pdf = impact_pdf_bytes(program, request.GET.get("year"), base_url=request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="impact-{program.pk}.pdf"'
    return response


@login_required
@require_POST
def impact_publication(request: Request, pk: int) -> HttpResponse:
    """Publish the page (`action=publish`) or take its public address down (`action=unpublish`)."""
    program = get_program_for_impact(request.user, pk)
    action = request.POST.get("action")
    if action == "publish":
        impact_publish(program=program, by=request.user, request=request)
        messages.success(request, "The impact page is published. Anyone with its address can read it.")
    elif action == "unpublish":
        if impact_unpublish(program=program, by=request.user, request=request):
            messages.success(request, "The public address is taken down; it no longer works.")
    else:
        return HttpResponse("Choose publish or unpublish.", status=400, content_type="text/plain")
    return HttpResponseRedirect(reverse("impact:page", args=[program.pk]))


@rate_limited(PUBLIC_BY_ADDRESS)
@rate_limited(PUBLIC_BY_PAGE)
@require_safe
def impact_public(request: HttpRequest, token: str) -> HttpResponse:
    """The published page: public to whoever holds the address, read-only, aggregates only (no
    names, no group under five); 404 once taken down."""
    publication = impact_publication_live(token)
    context = _context(publication.program, request.GET.get("year"), public=True)
    response = render(request, "programs/impact_public.html", context)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
