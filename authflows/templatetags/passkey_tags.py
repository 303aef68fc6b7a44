"""What the passkey script needs on a page: the origins the passkeys work at, and its
messages in the page's language (no inline script: they travel as data attributes)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from authflows.app_settings import app_settings

register = template.Library()


def _messages() -> dict[str, str]:
    return {
        "cancelled": gettext("The passkey prompt was closed or timed out. Try again."),
        "exists": gettext("This device already holds a passkey for your account."),
        "unsupported": gettext("This browser can't use passkeys here. Use another method."),
        "error": gettext("Something went wrong. Try again."),
    }


@register.simple_tag
def passkey_attributes() -> SafeString:
    """data-origins and data-msg-* attributes for the element that carries data-passkey."""
    origins = format_html('data-origins="{}"', " ".join(app_settings.WEBAUTHN_ORIGINS))
    texts = format_html_join(" ", 'data-msg-{}="{}"', _messages().items())
    return format_html("{} {}", origins, texts)


@register.simple_tag
def passkey_origin() -> str:
    """The first origin passkeys work at (shown when the page is open elsewhere)."""
    origins = app_settings.WEBAUTHN_ORIGINS
    return origins[0] if origins else ""
