"""The report's PDF: the same bytes for the export button and for a report sent by email."""

from __future__ import annotations

from django.template.loader import render_to_string

from .models import Snapshot
from .scopes import Scope


def report_pdf_bytes(*, snapshot: Snapshot, scope: Scope, base_url: str) -> bytes:
    """The one-to-two page PDF of a snapshot's figures (WeasyPrint; `base_url` resolves the
    stylesheet's and images' relative addresses)."""
    from weasyprint import HTML  # imported here: it loads Pango, which only the PDF needs

    html = render_to_string("reports/report_pdf.html", {"f": snapshot.figures, "snapshot": snapshot, "scope": scope})
    pdf: bytes = HTML(string=html, base_url=base_url).write_pdf()
    return pdf
