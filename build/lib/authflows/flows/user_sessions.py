"""A user's active sessions: listed on the account page, ended one by one or all but this one,
and all ended when the password changes.

Session keys are bearer credentials, so pages never show them: a session is named by a keyed
hash of its key (`handle`), which is useless to anyone who reads the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils.crypto import salted_hmac

from authflows import clock, useragent
from authflows.context import FlowContext
from authflows.flows import gate, trust
from authflows.models import AuthEvent, InstanceSettings, User, UserSession
from authflows.session_store import end_sessions

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


def _live(user: User, settings: InstanceSettings) -> QuerySet[UserSession]:
    queryset = UserSession.objects.filter(user=user, expire_date__gt=clock.now())
    if settings.session_lifetime_enabled:
        oldest = clock.now() - timedelta(hours=settings.session_max_lifetime_hours)
        queryset = queryset.filter(created_at__gt=oldest)
    return queryset


def active_sessions(ctx: FlowContext, user: User) -> list[ActiveSession]:
    """The signed-in user's live sessions, this one first."""
    current = ctx.session.session_key
    rows = _live(user, ctx.settings).order_by("-created_at")[:50]
    sessions = [
        ActiveSession(
            handle=handle_for(row.session_key),
            device=useragent.describe(row.user_agent),
            ip=row.ip or "",
            created_at=row.created_at,
            current=row.session_key == current,
        )
        for row in rows
    ]
    return sorted(sessions, key=lambda s: not s.current)


def end_session(ctx: FlowContext, user: User, handle: str) -> int:
    """End one other session (named by its handle), or all the others (handle "others")."""
    if handle == "others":
        return end_all_sessions(ctx, user, keep=ctx.session.session_key)
    keys = _live(user, ctx.settings).values_list("session_key", flat=True)
    current = ctx.session.session_key
    return _end(ctx, user, [k for k in keys if handle_for(k) == handle[:64] and k != current])


def end_all_sessions(ctx: FlowContext | None, user: User, *, keep: str | None = None) -> int:
    """End every session of the user except `keep` (none kept when None)."""
    keys = list(
        UserSession.objects.filter(user=user)
        .exclude(session_key=keep or "")
        .values_list("session_key", flat=True)
    )
    return _end(ctx, user, keys)


def _end(ctx: FlowContext | None, user: User, keys: list[str]) -> int:
    if keys:
        end_sessions(keys)
        gate.record(ctx, AuthEvent.Kind.SESSION_ENDED, user=user, count=len(keys))
    return len(keys)


def after_password_change(ctx: FlowContext, user: User) -> None:
    """A signed-in user changed their password (the account page): this session stays (with a
    new key), every other one ends, every trusted device is revoked (SPEC 3)."""
    end_all_sessions(ctx, user, keep=ctx.session.session_key)
    ctx.port.keep_signed_in(user)  # after: it renames this session's key
    trust.revoke_trust(ctx, user)
    gate.record(ctx, AuthEvent.Kind.PASSWORD_CHANGED, user=user)


def after_password_reset(ctx: FlowContext, user: User) -> None:
    """A forgotten password was reset (before signing the user in): every session ends,
    every trusted device is revoked."""
    end_all_sessions(ctx, user)
    trust.revoke_trust(ctx, user)
    gate.record(ctx, AuthEvent.Kind.PASSWORD_RESET, user=user)
