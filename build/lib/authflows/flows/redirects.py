"""Where a finished flow may send the browser: this site only."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme

from authflows.context import FlowContext


def safe_redirect_url(ctx: FlowContext, url: str) -> str:
    """Keep only same-host relative or absolute URLs; refuse others (off-site, //host,
    javascript:, control characters)."""
    url = (url or "").strip()
    if not url or len(url) > 2000:
        return ""
    if url_has_allowed_host_and_scheme(url, allowed_hosts={ctx.host}, require_https=ctx.secure):
        return url
    return ""
