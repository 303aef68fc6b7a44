"""The HTTP side of the flows: the typed request the views see, and the FlowContext built
from it once per request (by the middleware)."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from authflows.app_settings import app_settings
from authflows.clients import SALT, ClientRef
from authflows.context import FlowContext
from authflows.models import InstanceSettings, User
from authflows.protect.ip import client_ip

BACKEND = "authflows.backends.AuthflowsBackend"


class AuthRequest(HttpRequest):
    """What the middleware adds to every request."""

    instance_settings: InstanceSettings
    authflows_client: ClientRef
    flow: FlowContext
    user: User | AnonymousUser


class RequestSessionPort:
    """Signs the request's session in and out with Django's auth (key rotated, CSRF token
    rotated, request.user updated)."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    def login(self, user: User) -> None:
        login(self.request, user, backend=BACKEND)

    def logout(self) -> None:
        logout(self.request)

    def keep_signed_in(self, user: User) -> None:
        update_session_auth_hash(self.request, user)


def flow_context(request: HttpRequest) -> FlowContext:
    """Plain inputs for the flows, read from the request once."""
    cookie = request.get_signed_cookie(app_settings.CLIENT_COOKIE_NAME, default=None, salt=SALT)
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    user = request.user if request.user.is_authenticated else None
    return FlowContext(
        settings=cast(InstanceSettings, SimpleLazyObject(InstanceSettings.load)),
        client=ClientRef(cookie, user_agent=user_agent),
        session=request.session,
        port=RequestSessionPort(request),
        ip=client_ip(request),
        user_agent=user_agent[:512],
        origin=app_settings.PUBLIC_ORIGIN,
        host=request.get_host(),
        secure=request.is_secure(),
        locale=translation.get_language() or settings.LANGUAGE_CODE,
        user=user,
    )


def typed(request: HttpRequest) -> AuthRequest:
    return cast(AuthRequest, request)


def set_client_cookie(request: AuthRequest, response: HttpResponse) -> None:
    """(Re)issue the client cookie when a flow created or stamped the client this request."""
    client = request.flow.client
    if not client.issue_cookie:
        return
    response.set_signed_cookie(
        app_settings.CLIENT_COOKIE_NAME,
        str(client.id),
        salt=SALT,
        max_age=app_settings.CLIENT_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        # Secure whenever the session cookie is (production), even behind a TLS proxy.
        secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
    )
