"""QR codes for links handed out in a room (reflection forms, resources), as SVG or PNG."""

from __future__ import annotations

import segno


def qr_svg(url: str, *, title: str = "QR code") -> str:
    """Inline SVG markup, scalable for a slide or a printout."""
    return segno.make(url, error="m").svg_inline(scale=5, title=title, border=2)


def qr_svg_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=10, border=2)


def qr_png_data_uri(url: str) -> str:
    return segno.make(url, error="m").png_data_uri(scale=10, border=2)
