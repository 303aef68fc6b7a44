"""QR codes a person scans (the authenticator app's key), drawn server-side as inline SVG."""

from __future__ import annotations

import io

import segno
from django.utils.translation import gettext as _


def qr_svg(data: str) -> str:
    """The QR code as inline SVG. Colours are SVG attributes (fill, stroke), never a style
    attribute, which the page's CSP (style-src 'self') would block."""
    buffer = io.BytesIO()
    segno.make(data, error="m").save(
        buffer,
        kind="svg",
        xmldecl=False,
        svgns=True,
        nl=False,
        scale=4,
        border=4,
        dark="#000",
        light="#fff",
        svgclass="qr-code",
        lineclass=None,
        title=_("QR code for your authenticator app"),
    )
    return buffer.getvalue().decode()
