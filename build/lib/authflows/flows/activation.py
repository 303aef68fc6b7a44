"""Activating a session: signing in (or opening a pending session task first), finishing the
task, session lifetime and inactivity, signing out. Clerk's setActive() and session tasks."""

from __future__ import annotations

from django.urls import reverse
from django.utils.crypto import constant_time_compare

from authflows import clock
from authflows.context import FlowContext
from authflows.flows import gate, notices, users
from authflows.models import AuthEvent, User
from authflows.session_store import CLIENT_ID_SESSION_KEY, META_SESSION_KEY

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
TASK_SETUP_MFA = "setup-mfa"


def start_session(ctx: FlowContext, user: User, *, strategy: str, redirect_url: str) -> str:
    """finalize(): sign in (session key rotated) and stamp the client, or open a pending
    session task first. Returns the URL to go to."""
    if users.mfa_required_but_missing(user, ctx.settings):
        _open_task(ctx, user, TASK_SETUP_MFA, redirect_url=redirect_url)
        return reverse("authflows:task-setup-mfa")
    _login(ctx, user, strategy=strategy)
    return redirect_url or "/"


def _open_task(ctx: FlowContext, user: User, task: str, *, redirect_url: str) -> None:
    session = ctx.session
    session.cycle_key()
    session[PENDING_USER_SESSION_KEY] = user.pk
    session[PENDING_TASK_SESSION_KEY] = task
    session[PENDING_REDIRECT_SESSION_KEY] = redirect_url
    # Like a signed-in session, a pending one ends with a password change or reset (the
    # hash) and does not last: it is a step of the sign-in, not a session.
    session[PENDING_HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[PENDING_AT_SESSION_KEY] = clock.now().timestamp()


def _login(ctx: FlowContext, user: User, *, strategy: str) -> None:
    now = clock.now()
    drop_pending(ctx)
    ctx.port.login(user)
    session = ctx.session
    session[AUTH_AT_SESSION_KEY] = session[SEEN_AT_SESSION_KEY] = now.timestamp()
    # Stamps the client's last-active time, creating the row (and its cookie) if needed.
    session[CLIENT_ID_SESSION_KEY] = ctx.client.ensure()
    session[META_SESSION_KEY] = {"ip": ctx.ip, "ua": ctx.user_agent[:512]}
    User.objects.filter(pk=user.pk).update(last_login=now)
    gate.record(ctx, AuthEvent.Kind.SIGN_IN_SUCCEEDED, user=user, strategy=strategy)
    if ctx.new_trust:
        notices.new_sign_in(ctx, user)


def pending_user(ctx: FlowContext) -> User | None:
    """The user of this session's pending task, while the task is still valid: not older than
    its lifetime, the password unchanged since, the user active and not locked. Otherwise the
    pending state is dropped (the browser signs in again)."""
    session = ctx.session
    user_id = session.get(PENDING_USER_SESSION_KEY)
    if not user_id:
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    started = session.get(PENDING_AT_SESSION_KEY, 0)
    fresh = clock.now().timestamp() - started <= PENDING_TASK_LIFETIME_SECONDS
    same_password = user is not None and constant_time_compare(
        session.get(PENDING_HASH_SESSION_KEY, ""), user.get_session_auth_hash()
    )
    if user is None or not fresh or not same_password or gate.is_locked(user):
        drop_pending(ctx)
        return None
    return user


def drop_pending(ctx: FlowContext) -> None:
    for key in PENDING_KEYS:
        ctx.session.pop(key, None)


def pending_task(ctx: FlowContext) -> str | None:
    return ctx.session.get(PENDING_TASK_SESSION_KEY)


def finish_task(ctx: FlowContext, user: User) -> str:
    """A pending task is done: the session becomes active. Returns where to go."""
    redirect_url = ctx.session.get(PENDING_REDIRECT_SESSION_KEY) or "/"
    _login(ctx, user, strategy="task")
    return redirect_url


def sign_out(ctx: FlowContext) -> None:
    """End the session. The client (and its trust) stays."""
    if ctx.user is not None:
        gate.record(ctx, AuthEvent.Kind.SIGN_OUT, user=ctx.user)
    ctx.port.logout()


def is_over(ctx: FlowContext) -> bool:
    """The signed-in session outlived the Dashboard's maximum lifetime or inactivity timeout
    (then it ends). A live one is stamped as seen, at most once a minute."""
    session, settings = ctx.session, ctx.settings
    if not session.session_key or "_auth_user_id" not in session:
        return False
    now = clock.now().timestamp()
    auth_at = session.get(AUTH_AT_SESSION_KEY, 0)
    seen_at = session.get(SEEN_AT_SESSION_KEY, auth_at)
    lifetime = settings.session_max_lifetime_hours * 3600
    idle_limit = settings.session_inactivity_minutes * 60
    too_old = settings.session_lifetime_enabled and now - auth_at > lifetime
    idle = settings.session_inactivity_enabled and now - seen_at > idle_limit
    if too_old or idle:
        return True
    if settings.session_inactivity_enabled and now - seen_at > 60:
        session[SEEN_AT_SESSION_KEY] = now
    return False
