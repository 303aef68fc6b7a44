"""This browser's session as Clerk's Session object: its id (stable while the session lasts,
kept in the session itself; never the session key, which is a bearer credential), whose it
is, active or pending a task, and ending it by its id. Single-session: one browser, one
session, shared by the pages and the Frontend API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from authflows import clock
from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.flows import activation, clerk_ids
from authflows.models import User

SESSION_ID_SESSION_KEY = "authflows_clerk_session_id"


@dataclass(frozen=True)
class SessionState:
    id: str
    user: User
    #: "active", or "pending" while a session task (setup-mfa) is open.
    status: str
    task: str | None
    signed_in_at: datetime
    last_active_at: datetime
    expire_at: datetime


def _stamp(value: object) -> datetime:
    if isinstance(value, int | float) and value > 0:
        return datetime.fromtimestamp(value, tz=clock.now().tzinfo)
    return clock.now()


def current(ctx: FlowContext) -> SessionState | None:
    """The signed-in session of this browser, or its pending one; None when signed out."""
    session, user = ctx.session, ctx.user
    status, task = "active", None
    if user is None:
        user = activation.pending_user(ctx)
        if user is None:
            return None
        status, task = "pending", activation.pending_task(ctx)
        started = session.get(activation.PENDING_AT_SESSION_KEY)
    else:
        started = session.get(activation.AUTH_AT_SESSION_KEY)
    session_id = session.get(SESSION_ID_SESSION_KEY)
    if not session_id:
        session_id = session[SESSION_ID_SESSION_KEY] = clerk_ids.new_session_id()
    signed_in_at = _stamp(started)
    lifetime = timedelta(hours=ctx.settings.session_max_lifetime_hours)
    return SessionState(
        id=session_id,
        user=user,
        status=status,
        task=task,
        signed_in_at=signed_in_at,
        last_active_at=_stamp(session.get(activation.SEEN_AT_SESSION_KEY, started)),
        expire_at=signed_in_at + lifetime,
    )


def by_id(ctx: FlowContext, session_id: str) -> SessionState:
    """The session named, if it is this browser's; anything else is signed out (Clerk's
    SDK then reloads the client and forgets the session)."""
    state = current(ctx)
    if state is None or state.id != session_id:
        raise FlowError("signed_out")
    return state


def end(ctx: FlowContext, session_id: str | None = None) -> None:
    """Sign out (sessions/{id}/end, /remove, DELETE /client/sessions). The client and its
    trust stay."""
    if session_id is not None:
        by_id(ctx, session_id)
    activation.sign_out(ctx)
    ctx.user = None


def signed_in(ctx: FlowContext, user: User | None) -> None:
    """A step of this request signed `user` in (unless it opened a pending task instead)."""
    if user is not None and activation.pending_task(ctx) is None:
        ctx.user = user
