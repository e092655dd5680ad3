"""Contract statements under /statements/: a director previews a district's contract over whole
months and issues a numbered statement; directors and the district's administrators read it, and
download it as CSV or a one-page PDF. Each view asks `programs.access` first."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from coaching.models import Contract, Program
from coaching.months import month_end, month_start
from teachers.access import Request
from teachers.forms import style_filter_fields
from teachers.models import District
from toolkit.csv_export import csv_response
from toolkit.schoolyear import school_year_label

from . import statements as st
from .access import (
    get_statement_for,
    program_districts,
    require_statement_district,
    require_statement_issue,
    require_statements,
    setup_program_for,
    statements_visible_to,
)
from .forms import StatementPeriodForm
from .models import Statement

PAGE_SIZE = 25


def _years(program: Program) -> list[int]:
    years = Contract.objects.filter(program=program).order_by().values_list("school_year", flat=True).distinct()
    return sorted(years, reverse=True)


def _period_form(request: Request, data: QueryDict | None) -> tuple[StatementPeriodForm, Program, list[Program]]:
    """The period form of the director's chosen program; another program's district by id is a 404."""
    require_statement_issue(request.user)
    source = data if data is not None else request.GET
    program, programs = setup_program_for(request.user, source.get("program"))
    require_statement_district(program, source.get("district"))
    districts = program_districts(program).order_by("name")
    form = StatementPeriodForm(data, program=program, districts=districts, years=_years(program))
    style_filter_fields(form)
    return form, program, programs


def _preview_context(form: StatementPeriodForm, program: Program, programs: list[Program]) -> dict[str, Any]:
    context: dict[str, Any] = {"form": form, "program": program, "programs": programs}
    valid = form.is_bound and form.is_valid()  # finds the contract, even when the months are wrong
    if form.is_bound and form.contract is not None:
        context["shortcuts"] = st.period_shortcuts(contract=form.contract, today=timezone.localdate())
        context["shortcut_query"] = urlencode({"program": program.pk, "district": form.contract.district_id,
                                               "school_year": form.contract.school_year})  # fmt: skip
    if valid and form.contract is not None:
        contract, start, end = form.contract, form.cleaned_data["start"], form.cleaned_data["end"]
        figures = st.statement_figures(contract=contract, start=start, end=end, today=timezone.localdate())
        context.update({
            "figures": figures, "banner": st.unapproved_banner(figures), "contract": contract,
            "previous": st.statement_current_for_period(contract=contract, start=start,
                                                        end=month_end(month_start(end))),
        })  # fmt: skip
    return context


@login_required
@never_cache
@require_GET
def statement_new(request: Request) -> HttpResponse:
    """Choose a district, its contract year and whole months; the statement's figures appear as a
    preview, to issue with one button."""
    bound = request.GET if "district" in request.GET else None
    form, program, programs = _period_form(request, bound)
    return render(request, "programs/statement_new.html", _preview_context(form, program, programs))


@login_required
@require_POST
def statement_issue(request: Request) -> HttpResponse:
    form, program, programs = _period_form(request, request.POST)
    if form.is_valid() and form.contract is not None:
        try:
            statement = st.statement_issue(contract=form.contract, start=form.cleaned_data["start"],
                                           end=form.cleaned_data["end"], by=request.user, request=request)  # fmt: skip
        except ValidationError as exc:
            form.add_error("end", exc)
        else:
            messages.success(request, f"Statement {statement.number} issued.")
            return HttpResponseRedirect(reverse("statements:detail", args=[statement.pk]))
    context = _preview_context(form, program, programs)
    return render(request, "programs/statement_new.html", context, status=400)


class StatementFilterForm(forms.Form):
    district = forms.ModelChoiceField(queryset=District.objects.none(), required=False, empty_label="Every district")
    year = forms.TypedChoiceField(coerce=int, choices=[], required=False, empty_value=None, label="Contract year")


@login_required
@never_cache
@require_GET
def statement_list(request: Request) -> HttpResponse:
    """Issued statements, newest first, by district and contract year, a page at a time."""
    require_statements(request.user)
    visible = statements_visible_to(request.user)
    form = StatementFilterForm(request.GET or None)
    district_field = form.fields["district"]
    assert isinstance(district_field, forms.ModelChoiceField)  # noqa: S101  # nosec B101: declared above
    district_field.queryset = District.objects.filter(pk__in=visible.values("district_id")).order_by("name")
    years = sorted(visible.order_by().values_list("contract__school_year", flat=True).distinct(), reverse=True)
    year_field = form.fields["year"]
    assert isinstance(year_field, forms.TypedChoiceField)  # noqa: S101  # nosec B101: declared above
    year_field.choices = [("", "Every year"), *((y, school_year_label(y)) for y in years)]
    style_filter_fields(form)
    chosen = visible
    query: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        if form.cleaned_data["district"] is not None:
            chosen = chosen.filter(district=form.cleaned_data["district"])
            query["district"] = form.cleaned_data["district"].pk
        if form.cleaned_data["year"] is not None:
            chosen = chosen.filter(contract__school_year=form.cleaned_data["year"])
            query["year"] = form.cleaned_data["year"]
    page = Paginator(st.statement_list(statements=chosen), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "programs/statement_list.html", {
        "form": form, "page": page, "query": urlencode(query),
    })  # fmt: skip


def _statement_context(statement: Statement) -> dict[str, Any]:
    figures = statement.figures
    return {"statement": statement, "f": figures, "banner": st.unapproved_banner(figures)}


@login_required
@never_cache
@require_GET
def statement_detail(request: Request, pk: int) -> HttpResponse:
    """An issued statement as it was issued; a warning when the entries now say otherwise."""
    statement = get_statement_for(request.user, pk)
    current = st.statement_figures(contract=statement.contract, start=statement.period_start,
                                   end=statement.period_end, today=timezone.localdate())  # fmt: skip
    context = _statement_context(statement)
    context["changed"] = st.figures_differ(statement.figures, current)
    context["current"] = current
    return render(request, "programs/statement_detail.html", context)


def _filename(statement: Statement, ext: str) -> str:
    return f"statement-{statement.number}.{ext}"


def csv_lines(statement: Statement) -> Iterator[list[object]]:
    """A statement as CSV rows: a header block, the lines (months, coaches, activities), totals."""
    f = statement.figures
    yield ["program", f["program"]]
    yield ["district", f["district"]]
    yield ["school_year", f["school_year"]]
    yield ["period_start", f["period"]["start"]]
    yield ["period_end", f["period"]["end"]]
    yield ["issued_at", timezone.localtime(statement.issued_at).strftime("%Y-%m-%d %H:%M")]
    yield ["approval", st.unapproved_banner(f) or "every month approved"]
    if statement.superseded_by_id:
        yield ["superseded_by", statement.superseded_by.number if statement.superseded_by else ""]
    yield []
    yield ["section", "line", "state", "days", "minutes", "hours"]
    for m in f["months"]:
        yield ["month", m["month"], m["text"], m["days"], m["minutes"], m["hours"]]
    for c in f["coaches"]:
        yield ["coach", c["name"], "", c["days"], c["minutes"], c["hours"]]
    for a in f["activities"]:
        yield ["activity", a["name"], "", "", a["minutes"], a["hours"]]
    yield []
    yield ["total_days", f["days"]]
    yield ["total_minutes", f["minutes"]]
    yield ["total_hours", f["hours"]]
    yield ["days_approved", f["days_approved"]]
    yield ["daily_rate", f["daily_rate"]]
    yield ["amount_due", f["amount"]]
    yield ["contracted_days", f["contracted_days"]]
    yield ["days_used_to_date", f["days_to_date"]]
    yield ["days_left", f["days_left"]]


@login_required
@require_GET
def statement_csv(request: Request, pk: int) -> StreamingHttpResponse:
    statement = get_statement_for(request.user, pk)
    st.statement_download_audit(statement=statement, by=request.user, request=request, kind="CSV")
    return csv_response(_filename(statement, "csv"), ["statement", statement.number], csv_lines(statement))


def statement_pdf_bytes(statement: Statement, *, base_url: str) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which only this view needs

    html = render_to_string("programs/statement_pdf.html", _statement_context(statement))
    pdf: bytes = HTML(string=html, base_url=base_url).write_pdf()
    return pdf


@login_required
@require_GET
def statement_pdf(request: Request, pk: int) -> HttpResponse:
    statement = get_statement_for(request.user, pk)
    pdf = statement_pdf_bytes(statement, base_url=request.build_absolute_uri("/"))
    st.statement_download_audit(statement=statement, by=request.user, request=request, kind="PDF")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(statement, "pdf")}"'
    return response
