"""A user's active sessions: listed on the account page, ended one by one or all but this one,
and all ended when the password changes.

Session keys are bearer credentials, so pages never show them: a session is named by a keyed
hash of its key (`handle`), which is useless to anyone who reads the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from authflows import clock, useragent
from authflows.models import AuthEvent, InstanceSettings, User, UserSession
from authflows.protect import audit
from authflows.sessions import end_sessions

_HANDLE_SALT = "authflows.protect.user_sessions"


@dataclass(frozen=True)
class ActiveSession:
    handle: str
    device: str
    ip: str
    created_at: datetime
    current: bool


def handle_for(session_key: str) -> str:
    return salted_hmac(_HANDLE_SALT, session_key).hexdigest()[:32]


def _live(user: User, settings: InstanceSettings):  # type: ignore[no-untyped-def]
    queryset = UserSession.objects.filter(user=user, expire_date__gt=clock.now())
    if settings.session_lifetime_enabled:
        oldest = clock.now() - timedelta(hours=settings.session_max_lifetime_hours)
        queryset = queryset.filter(created_at__gt=oldest)
    return queryset


def active_sessions(request: HttpRequest) -> list[ActiveSession]:
    """The signed-in user's live sessions, this one first."""
    current = request.session.session_key
    rows = _live(request.user, request.instance_settings).order_by("-created_at")  # type: ignore[attr-defined]
    sessions = [
        ActiveSession(
            handle=handle_for(row.session_key),
            device=useragent.describe(row.user_agent),
            ip=row.ip or "",
            created_at=row.created_at,
            current=row.session_key == current,
        )
        for row in rows[:50]
    ]
    return sorted(sessions, key=lambda s: not s.current)


def end_session(request: HttpRequest, handle: str) -> int:
    """End one of the user's other sessions, named by its handle. Returns how many ended."""
    keys = _live(request.user, request.instance_settings).values_list("session_key", flat=True)  # type: ignore[attr-defined]
    chosen = [k for k in keys if handle_for(k) == handle and k != request.session.session_key]
    return _end(request, request.user, chosen)  # type: ignore[arg-type]


def end_other_sessions(request: HttpRequest) -> int:
    """Sign out everywhere else ("End other sessions")."""
    return end_all_sessions(request.user, request=request, keep=request.session.session_key)  # type: ignore[arg-type]


def end_all_sessions(
    user: User, *, request: HttpRequest | None = None, keep: str | None = None
) -> int:
    """End every session of the user except `keep` (none kept when None)."""
    keys = list(
        UserSession.objects.filter(user=user)
        .exclude(session_key=keep or "")
        .values_list("session_key", flat=True)
    )
    return _end(request, user, keys)


def _end(request: HttpRequest | None, user: User, keys: list[str]) -> int:
    if keys:
        end_sessions(keys)
        audit.record(request, AuthEvent.Kind.SESSION_ENDED, user=user, count=len(keys))
    return len(keys)


def after_password_change(request: HttpRequest, user: User) -> None:
    """Call right after a signed-in user changed their password (the account page).

    Keeps this session (with a new key), ends every other one, revokes every trusted device
    (SPEC 3) and writes the audit event.
    """
    from authflows.flows.session import revoke_trust

    end_all_sessions(user, request=request, keep=request.session.session_key)
    update_session_auth_hash(request, user)  # after: it renames this session's key
    revoke_trust(user, request=request)
    audit.record(request, AuthEvent.Kind.PASSWORD_CHANGED, user=user)


def after_password_reset(request: HttpRequest, user: User) -> None:
    """Call right after a forgotten password was reset (before signing the user in): ends
    every session, revokes every trusted device and writes the audit event."""
    from authflows.flows.session import revoke_trust

    end_all_sessions(user, request=request)
    revoke_trust(user, request=request)
    audit.record(request, AuthEvent.Kind.PASSWORD_RESET, user=user)
