"""Request ids in every log line and on error pages; the 404, 500 and 503 pages.

Each request gets an id: the value of a header the reverse proxy sets (REQUEST_ID_HEADER, e.g.
X-Request-ID; only when configured, since any client can send that header to a site without
such a proxy), else a new random one. It is answered in `X-Request-ID`, added to every log line
written while the request runs (and by the task worker for the messages the request queued),
and shown on error pages so a user can quote it.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import sys
import uuid
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseServerError,
    JsonResponse,
)
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext

from authflows import metrics
from authflows.cache import CacheUnavailable

logger = logging.getLogger("authflows.observability")

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_VALID_ID = re.compile(r"[A-Za-z0-9._:+/=-]{1,128}")
RESPONSE_HEADER = "X-Request-ID"
RETRY_AFTER_SECONDS = 30


def current_request_id() -> str:
    return _request_id.get()


@contextlib.contextmanager
def request_id_context(request_id: str | None) -> Iterator[None]:
    token = _request_id.set(request_id or "-")
    try:
        yield
    finally:
        _request_id.reset(token)


def _trusted_header() -> str:
    name = getattr(settings, "AUTHFLOWS_REQUEST_ID_HEADER", "") or ""
    return "HTTP_" + name.upper().replace("-", "_") if name else ""


class RequestIdMiddleware:
    """First in MIDDLEWARE, so redirects, static files and error pages all carry the id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = _trusted_header()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = self.incoming(request) or uuid.uuid4().hex
        with request_id_context(request_id):
            response = self.get_response(request)
        response[RESPONSE_HEADER] = request_id
        return response

    def incoming(self, request: HttpRequest) -> str:
        value = request.META.get(self.header, "") if self.header else ""
        return value if _VALID_ID.fullmatch(value) else ""


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (use it in a handler's formatter)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


def request_id(request: HttpRequest) -> dict[str, str]:
    """Template context processor: `request_id` for error pages."""
    return {"request_id": getattr(request, "request_id", current_request_id())}


def is_outage(error: BaseException | None) -> bool:
    """A dependency (database, cache) is unreachable, not a bug: answer 503, not 500."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    outages = (
        OperationalError,
        InterfaceError,
        RedisConnectionError,
        RedisTimeoutError,
        CacheUnavailable,
    )
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, outages):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def limits_unavailable(request: HttpRequest, *, api: bool) -> HttpResponse:
    """The cache that counts rate limits and failed attempts is down: nothing that needs them
    is checked (a password, a code, a message budget), and the answer says when to retry. A
    warning per outage is logged by authflows.cache, not a traceback per request."""
    retry_after = RETRY_AFTER_SECONDS
    metrics.LIMITS_UNAVAILABLE.inc()
    if api:
        message = gettext(
            "Sign-in checks are briefly unavailable, so nothing was checked or sent. Please "
            "try again in %(retry_after)s seconds."
        ) % {"retry_after": retry_after}
        error = {"code": "limits_unavailable", "message": message, "meta": {}}
        response: HttpResponse = JsonResponse({"errors": [error]}, status=503)
    else:
        context = {"retry_after": retry_after, "status": "unavailable"}
        response = render(request, "authflows/limits_unavailable.html", context, status=503)
    response["Retry-After"] = str(retry_after)
    return response


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", {"status": "not_found"}, status=404)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: rendered without the request's context processors, so a body Django could
    not read (the reason for the 400) is never read again (e.g. by the CSRF token's)."""
    context = {"status": "bad_request", "request_id": current_request_id()}
    return HttpResponseBadRequest(loader.get_template("400.html").render(context))


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: 503 with Retry-After when a dependency is down, else 500. Rendered without
    context processors or the database, which may be what failed."""
    outage = is_outage(sys.exc_info()[1])
    status, template = (503, "503.html") if outage else (500, "500.html")
    context = {
        "status": "unavailable" if outage else "server_error",
        "request_id": getattr(request, "request_id", current_request_id()),
        "retry_after": RETRY_AFTER_SECONDS,
    }
    try:
        body = loader.get_template(template).render(context)
    except Exception:
        logger.exception("the %s page could not be rendered", status)
        body = f"Server error. Request id: {context['request_id']}\n"
    response = HttpResponseServerError(body)
    response.status_code = status
    if outage:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
