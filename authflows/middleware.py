"""Per request: the flow context (instance settings, client cookie, session, address),
session lifetime and inactivity limits, 429 answers for rate limits (503 when the cache that
counts them is down), the audit log flush."""

from __future__ import annotations

import codecs
from collections.abc import Callable

from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render

from authflows import faults, observability
from authflows.cache import CacheUnavailable, ProcessCopy
from authflows.errors import FlowError, RateLimited
from authflows.flows import activation, gate
from authflows.http import AuthRequest, flow_context, set_client_cookie, typed
from authflows.models import AuthEvent
from authflows.protect import audit
from authflows.session_store import SessionStore

API_PREFIX = "/api/"
#: Clerk's Frontend API (authflows/fapi/): refusals in Clerk's error format.
FAPI_PREFIX = "/__clerk/"
#: The load balancer's health check reports on the database itself: it needs no transaction.
OUTSIDE_TRANSACTIONS = frozenset({"/healthz"})
UTF_8 = codecs.lookup("utf-8").name


def declared_charset_is_utf8(request: HttpRequest) -> bool:
    """Pages and the API are UTF-8, and browsers post them as UTF-8: a body declared in any
    other (or an unknown) charset is refused before anything decodes it."""
    charset = request.content_params.get("charset") if request.content_params else None
    if not charset:
        return True
    try:
        return codecs.lookup(charset).name in (UTF_8, "ascii")
    except LookupError:
        return False


class RequestEncodingMiddleware:
    """Answers 400 to a body in a charset other than UTF-8 (early: CSRF reads the body)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if declared_charset_is_utf8(request):
            return self.get_response(request)
        return HttpResponseBadRequest(
            "Send the form as UTF-8.", content_type="text/plain; charset=utf-8"
        )


class StepTransactionMiddleware:
    """A request runs in one database transaction, from the view's first read to the
    session's save, the audit rows and the queued messages: they commit together, or (a 500,
    a crash at any instant) not at all, and the old state stays whole. Refusals are answers,
    not errors: their failure counts and audit rows commit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path in OUTSIDE_TRANSACTIONS:
            return self.get_response(request)
        point = f"{request.method} {request.path}"
        with transaction.atomic():
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
            faults.crash_point(f"before-commit {point}")
        faults.crash_point(f"after-commit {point}")
        return response


class AuthflowsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, plain: HttpRequest) -> HttpResponse:
        # The session comes in the version keys' round trip.
        session = getattr(plain, "session", None)
        along = [key] if isinstance(session, SessionStore) and (key := session.copies_key()) else []
        with ProcessCopy.versions_read_at_once(also=along):
            return self._handle(typed(plain))

    def _handle(self, request: AuthRequest) -> HttpResponse:
        request.flow = ctx = flow_context(request)
        request.instance_settings = ctx.settings
        request.authflows_client = ctx.client
        if activation.is_over(ctx):
            logout(request)
            request.user, ctx.user = AnonymousUser(), None
        try:
            response = self.get_response(request)
        finally:
            audit.flush(ctx)
        set_client_cookie(request, response)
        return response

    def process_exception(self, plain: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, CacheUnavailable):  # limits can't be counted: fail closed
            return observability.limits_unavailable(plain, api=plain.path.startswith(API_PREFIX))
        if not isinstance(exception, RateLimited):
            return None
        request = typed(plain)
        if exception.first:  # one row per window, so a flood costs no writes
            gate.record(
                request.flow,
                AuthEvent.Kind.RATE_LIMITED,
                scope=exception.scope,
                path=request.path[:200],
            )
        if request.path.startswith((API_PREFIX, FAPI_PREFIX)):
            error = FlowError("too_many_requests", seconds=exception.retry_after)
            body = {"errors": [{"code": error.code, "message": error.message, "meta": {}}]}
            if request.path.startswith(FAPI_PREFIX):
                body["errors"][0]["long_message"] = error.message
            response: HttpResponse = JsonResponse(body, status=429)
        else:
            context = {"retry_after": exception.retry_after, "status": "rate_limited"}
            response = render(request, "authflows/too_many_requests.html", context, status=429)
        response["Retry-After"] = str(exception.retry_after)
        return response
