"""Per request: the flow context (instance settings, client cookie, session, address),
session lifetime and inactivity limits, 429 answers for rate limits, the audit log flush."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from authflows.errors import RateLimited
from authflows.flows import activation, gate
from authflows.http import flow_context, set_client_cookie, typed
from authflows.models import AuthEvent
from authflows.protect import audit


class AuthflowsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, plain: HttpRequest) -> HttpResponse:
        request = typed(plain)
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
        response = render(
            request,
            "authflows/too_many_requests.html",
            {"retry_after": exception.retry_after, "status": "rate_limited"},
            status=429,
        )
        response["Retry-After"] = str(exception.retry_after)
        return response
