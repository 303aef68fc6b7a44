"""QR codes as inline SVG, drawn server-side (segno), for pages a user scans with a phone."""

from __future__ import annotations

import io

import segno
from django.utils.translation import gettext as _

# Four light modules around the symbol: the quiet zone ISO/IEC 18004 asks for, without
# which phone cameras fail to find the finder squares.
QUIET_ZONE = 4
# Pixels per module at natural size: 228 px for a typical otpauth:// URI (version 8).
MODULE_PX = 4


def qr_svg(data: str) -> str:
    """The QR code as inline SVG that scales: a viewBox covering the symbol and its quiet
    zone, so a stylesheet can shrink it (max-width) without cropping, and width/height
    attributes for its natural size. Colours are SVG attributes (fill, stroke), never a
    style attribute, which the page's CSP (style-src 'self') would block."""
    code = segno.make(data, error="m")
    buffer = io.BytesIO()
    code.save(
        buffer,
        kind="svg",
        xmldecl=False,
        svgns=True,
        nl=False,
        scale=1,
        border=QUIET_ZONE,
        dark="#000",
        light="#fff",
        svgclass="qr-code",
        lineclass=None,
        omitsize=True,  # segno then writes viewBox="0 0 n n"
        title=_("QR code for your authenticator app"),
    )
    size = code.symbol_size(scale=MODULE_PX, border=QUIET_ZONE)[0]
    svg = buffer.getvalue().decode()
    # segno has no option for these: the natural size, and role="img" so assistive
    # technology names the image from its <title>.
    return svg.replace("<svg ", f'<svg width="{size}" height="{size}" role="img" ', 1)
