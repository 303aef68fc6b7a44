from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from authflows import clock
from authflows.clients import ClientRef
from authflows.flows import session as session_flow
from authflows.flows.errors import RateLimited
from authflows.models import AuthEvent, InstanceSettings
from authflows.protect import audit


class AuthflowsMiddleware:
    """Per request: the instance settings (cached), the client cookie, session lifetime and
    inactivity limits, 429 answers for rate limits, and the audit log flush."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.instance_settings = SimpleLazyObject(InstanceSettings.load)  # type: ignore[attr-defined]
        request.authflows_client = ClientRef(request)  # type: ignore[attr-defined]
        self.enforce_session_limits(request)
        try:
            response = self.get_response(request)
        finally:
            audit.flush(request)
        if request.authflows_client.issue_cookie:  # type: ignore[attr-defined]
            request.authflows_client.set_cookie(response)  # type: ignore[attr-defined]
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RateLimited):
            from authflows.views.pages import too_many_requests

            if exception.first:  # one row per window, so a flood costs no writes
                audit.record(
                    request,
                    AuthEvent.Kind.RATE_LIMITED,
                    scope=exception.scope,
                    path=request.path[:200],
                )
            return too_many_requests(request, exception.retry_after)
        return None

    def enforce_session_limits(self, request: HttpRequest) -> None:
        session = request.session
        if not session.session_key or "_auth_user_id" not in session:
            return
        settings = request.instance_settings  # type: ignore[attr-defined]
        now = clock.now().timestamp()
        auth_at = session.get(session_flow.AUTH_AT_SESSION_KEY, 0)
        seen_at = session.get(session_flow.SEEN_AT_SESSION_KEY, auth_at)
        too_old = settings.session_lifetime_enabled and (
            now - auth_at > settings.session_max_lifetime_hours * 3600
        )
        idle = settings.session_inactivity_enabled and (
            now - seen_at > settings.session_inactivity_minutes * 60
        )
        if too_old or idle:
            logout(request)
            request.user = AnonymousUser()
            return
        if settings.session_inactivity_enabled and now - seen_at > 60:
            session[session_flow.SEEN_AT_SESSION_KEY] = now
