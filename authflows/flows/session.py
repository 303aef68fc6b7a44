"""Sessions: signing in (with pending tasks), signing out, trusting clients, redirects."""

from __future__ import annotations

import logging

from django.contrib.auth import login, logout
from django.http import HttpRequest
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme

from authflows import clock, delivery
from authflows.db import insert_once
from authflows.models import AuthEvent, TrustedClient, User
from authflows.protect import audit, lockout
from authflows.sessions import CLIENT_ID_SESSION_KEY, META_SESSION_KEY

logger = logging.getLogger("authflows.session")

AUTH_AT_SESSION_KEY = "authflows_auth_at"
SEEN_AT_SESSION_KEY = "authflows_seen_at"
PENDING_USER_SESSION_KEY = "authflows_pending_user"
PENDING_TASK_SESSION_KEY = "authflows_pending_task"
PENDING_REDIRECT_SESSION_KEY = "authflows_pending_redirect"
PENDING_HASH_SESSION_KEY = "authflows_pending_hash"
PENDING_AT_SESSION_KEY = "authflows_pending_at"
PENDING_KEYS = (
    PENDING_USER_SESSION_KEY,
    PENDING_TASK_SESSION_KEY,
    PENDING_REDIRECT_SESSION_KEY,
    PENDING_HASH_SESSION_KEY,
    PENDING_AT_SESSION_KEY,
)
# Time to finish a pending task (long enough to install an authenticator app).
PENDING_TASK_LIFETIME_SECONDS = 30 * 60
BACKEND = "authflows.backends.AuthflowsBackend"
TASK_SETUP_MFA = "setup-mfa"


def safe_redirect_url(request: HttpRequest, url: str) -> str:
    """Keep only same-host relative or absolute URLs; refuse others (off-site, //host,
    javascript:, control characters)."""
    url = (url or "").strip()
    if not url or len(url) > 2000:
        return ""
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def trust_client(
    request: HttpRequest, user: User, *, strategy: str, announce: bool = False
) -> None:
    """Mark this client trusted for the user (one INSERT; a repeat writes nothing and is
    neither audited nor announced)."""
    client_id = request.authflows_client.ensure()  # type: ignore[attr-defined]
    if not insert_once(TrustedClient(client_id=client_id, user=user, strategy=strategy)):
        return
    audit.record(request, AuthEvent.Kind.TRUST_GRANTED, user=user, strategy=strategy)
    if announce:  # a client-trust verification: the owner gets "New sign-in to your account"
        request.authflows_new_trust = strategy  # type: ignore[attr-defined]


def revoke_trust(
    user: User, *, request: HttpRequest | None = None, actor: str = "", client_id: int | None = None
) -> int:
    """Revoke the user's trusted clients (one, or all when client_id is None)."""
    queryset = TrustedClient.objects.filter(user=user)
    if client_id is not None:
        queryset = queryset.filter(client_id=client_id)
    deleted, _ = queryset.delete()
    if deleted:
        audit.record(
            request,
            AuthEvent.Kind.TRUST_REVOKED,
            user=user,
            actor=actor,
            client=client_id,
            count=deleted,
        )
    return deleted


def needs_setup_mfa(user: User, settings) -> bool:  # type: ignore[no-untyped-def]
    from authflows.flows.sign_in import mfa_strategies

    return bool(settings.mfa_required) and not mfa_strategies(user, settings)


def start_session(request: HttpRequest, user: User, *, strategy: str, redirect_url: str) -> str:
    """finalize(): sign in with Django's login() (session key rotated), stamp the client,
    or open a pending session task first. Returns the URL to go to."""
    settings = request.instance_settings  # type: ignore[attr-defined]
    if needs_setup_mfa(user, settings):
        request.session.cycle_key()
        request.session[PENDING_USER_SESSION_KEY] = user.pk
        request.session[PENDING_TASK_SESSION_KEY] = TASK_SETUP_MFA
        request.session[PENDING_REDIRECT_SESSION_KEY] = redirect_url
        # Like a signed-in session, a pending one ends with a password change or reset (the
        # hash) and does not last: it is a step of the sign-in, not a session.
        request.session[PENDING_HASH_SESSION_KEY] = user.get_session_auth_hash()
        request.session[PENDING_AT_SESSION_KEY] = clock.now().timestamp()
        return reverse("authflows:task-setup-mfa")
    _login(request, user, strategy=strategy)
    return redirect_url or "/"


def _login(request: HttpRequest, user: User, *, strategy: str) -> None:
    now = clock.now()
    client = request.authflows_client  # type: ignore[attr-defined]
    for key in PENDING_KEYS:
        request.session.pop(key, None)
    login(request, user, backend=BACKEND)
    request.session[AUTH_AT_SESSION_KEY] = now.timestamp()
    request.session[SEEN_AT_SESSION_KEY] = now.timestamp()
    # Stamps the client's last-active time, creating the row (and its cookie) if needed.
    request.session[CLIENT_ID_SESSION_KEY] = client.ensure()
    request.session[META_SESSION_KEY] = {
        "ip": audit.client_ip(request),
        "ua": request.META.get("HTTP_USER_AGENT", "")[:512],
    }
    User.objects.filter(pk=user.pk).update(last_login=now, failed_attempts=0)
    audit.record(request, AuthEvent.Kind.SIGN_IN_SUCCEEDED, user=user, strategy=strategy)
    new_trust = getattr(request, "authflows_new_trust", None)
    if new_trust in ("email_code", "email_link", "phone_code") and user.email:
        notify_new_sign_in(request, user)


def pending_user(request: HttpRequest) -> User | None:
    """The user of this session's pending task, while the task is still valid: not older than
    its lifetime, the password unchanged since, the user active and not locked. Otherwise the
    pending state is dropped (the browser signs in again)."""
    user_id = request.session.get(PENDING_USER_SESSION_KEY)
    if not user_id:
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    started = request.session.get(PENDING_AT_SESSION_KEY, 0)
    fresh = clock.now().timestamp() - started <= PENDING_TASK_LIFETIME_SECONDS
    same_password = user is not None and constant_time_compare(
        request.session.get(PENDING_HASH_SESSION_KEY, ""), user.get_session_auth_hash()
    )
    if user is None or not fresh or not same_password or lockout.is_locked(user):
        drop_pending(request)
        return None
    return user


def drop_pending(request: HttpRequest) -> None:
    for key in PENDING_KEYS:
        request.session.pop(key, None)


def pending_task(request: HttpRequest) -> str | None:
    return request.session.get(PENDING_TASK_SESSION_KEY)


def finish_task(request: HttpRequest, user: User) -> str:
    """A pending task is done: the session becomes active. Returns where to go."""
    redirect_url = request.session.get(PENDING_REDIRECT_SESSION_KEY) or "/"
    _login(request, user, strategy="task")
    return redirect_url


def sign_out(request: HttpRequest) -> None:
    """End the session. The client (and its trust) stays."""
    user = request.user if request.user.is_authenticated else None
    if user is not None:
        audit.record(request, AuthEvent.Kind.SIGN_OUT, user=user)
    logout(request)


def notify_locked(request: HttpRequest, user: User) -> None:
    audit.record(request, AuthEvent.Kind.USER_LOCKED, user=user)
    if user.email:
        delivery.send_email(to=user.email, event="account_locked", context={"user": user})


def notify_new_sign_in(request: HttpRequest, user: User) -> None:
    from authflows.useragent import describe

    delivery.send_email(
        to=user.email or "",
        event="new_sign_in",
        context={
            "user": user,
            "device": describe(request.META.get("HTTP_USER_AGENT", "")),
            "ip": audit.client_ip(request),
            "when": clock.now(),
        },
    )
