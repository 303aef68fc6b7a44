"""Clerk's SDK sends no CSRF token (its bodies are plain form posts, cookies included), so the
Frontend API accepts a state-changing request only when the browser says it comes from this
site's own origin: `Sec-Fetch-Site: same-origin` when the browser sends it, and an `Origin`
(or, without one, a `Referer`) on this scheme and host. A request that proves neither is
refused. Reads (GET) are refused only when the browser says they come from another site;
their answers can't be read cross-origin anyway (no CORS headers are ever sent)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest

SAFE_METHODS = ("GET", "HEAD")


def own_origin(request: HttpRequest) -> str:
    """This request's own scheme and host (the host is checked against ALLOWED_HOSTS)."""
    return f"{request.scheme}://{request.get_host()}"


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def is_allowed(request: HttpRequest, *, method: str) -> bool:
    fetch_site = request.headers.get("Sec-Fetch-Site", "")
    if method in SAFE_METHODS:
        return fetch_site not in ("cross-site", "same-site")
    if fetch_site and fetch_site != "same-origin":
        return False
    origin = request.headers.get("Origin", "")
    if origin == "null":  # an opaque origin (a sandboxed frame, a file): not this site
        return False
    if not origin:
        origin = _origin_of(request.headers.get("Referer", ""))
    return bool(origin) and origin == own_origin(request)
