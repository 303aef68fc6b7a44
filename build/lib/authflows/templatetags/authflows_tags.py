from django import template
from django.utils.safestring import SafeString, mark_safe

from authflows.qr import qr_svg as draw_qr

register = template.Library()


@register.filter
def errors_for(form: object, field: str) -> list[tuple[str, str]]:
    items = getattr(form, "error_items", None)
    return items(field) if items is not None else []


@register.filter
def qr_svg(data: str) -> SafeString:
    """The QR code of `data` as inline SVG (segno's own markup, nothing from the request)."""
    return mark_safe(draw_qr(data))  # noqa: S308 - segno's own markup


@register.filter
def grouped(secret: str) -> str:
    """A key in groups of four, easier to type; authenticator apps ignore the spaces."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
