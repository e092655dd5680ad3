"""A district's export, for its administrators: one zip of JSON and CSV to take elsewhere."""

from __future__ import annotations

import tempfile

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from teachers.access import Request
from teachers.audit import AuditAction, audit_record
from toolkit.params import parse_id_param

from .access import export_districts_for, get_export_district_for
from .portability import FORMAT, VERSION, export_name, export_zip


@login_required
@require_GET
def export(request: Request) -> HttpResponse | FileResponse:
    """The page (which districts, what is in the zip), or with `?district=` the zip itself."""
    districts = export_districts_for(request.user)
    if not districts.exists():
        raise PermissionDenied("A district's export is for its administrators.")
    pk = parse_id_param(request.GET.get("district"))
    if pk is None:
        return render(request, "programs/export.html", {"districts": districts, "format": FORMAT, "version": VERSION})
    district = get_export_district_for(request.user, pk)
    out = tempfile.TemporaryFile()  # noqa: SIM115  # FileResponse closes it once sent
    manifest = export_zip(out=out, districts=[district])
    out.seek(0)
    rows = sum(t["rows"] for t in manifest["tables"])
    audit_record(action=AuditAction.EXPORT, actor=request.user, request=request, object_type="district export",
                 district=district, detail=f"the district's data as a zip ({rows} rows)")  # fmt: skip
    return FileResponse(out, as_attachment=True, filename=export_name(f"district-{district.pk}"),
                        content_type="application/zip")  # fmt: skip
