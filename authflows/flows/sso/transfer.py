"""A provider account nobody has linked and whose address belongs to no user becomes a
sign-up (Clerk's transfer): the provider's address (verified when the provider says so) and
names are taken, and only what the Dashboard still requires is asked for on the sign-up
pages. A sign-up from a provider needs no password."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from authflows import clock
from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.flows import gate
from authflows.flows.sign_up import attempts, finish, verify
from authflows.flows.sign_up.fields import (
    EMAIL,
    FIRST_NAME,
    LAST_NAME,
    clean,
    is_open,
    requirements,
)
from authflows.flows.sso import accounts
from authflows.models import SignUpAttempt, SSOConnection
from authflows.sso.identity import Identity


def _take(attempt: SignUpAttempt, ctx: FlowContext, identity: Identity) -> None:
    """The provider's address (when the Dashboard takes addresses) and names; a value the
    sign-up would refuse is left for the person to type."""
    enabled = requirements(ctx.settings).enabled
    for name, value in (
        (EMAIL, identity.email),
        (FIRST_NAME, identity.first_name),
        (LAST_NAME, identity.last_name),
    ):
        if not value or (name == EMAIL and name not in enabled):
            continue
        try:
            cleaned = str(clean(name, value, ctx.settings))
        except FlowError:
            continue
        setattr(attempt, {EMAIL: "email"}.get(name, name), cleaned)
    attempt.email_verified = bool(attempt.email and identity.email_verified)


def sign_up(
    ctx: FlowContext, connection: SSOConnection, identity: Identity, *, redirect_url: str
) -> str:
    """Start the sign-up; returns its next page (signed in when nothing is missing)."""
    attempt = start(ctx, connection, identity, redirect_url=redirect_url)
    return verify.next_url(ctx, attempt)


def start(
    ctx: FlowContext, connection: SSOConnection, identity: Identity, *, redirect_url: str
) -> SignUpAttempt:
    """The sign-up from the provider account, saved: complete (its user created) when the
    Dashboard requires nothing more, else missing what it still requires."""
    gate.throttle(ctx, "sign_up_start")
    if not is_open(ctx.settings):
        raise FlowError("sign_up_closed")
    now = clock.now()
    attempt = SignUpAttempt(
        client_id=ctx.client.ensure(),
        redirect_url=redirect_url,
        created_at=now,
        updated_at=now,
        abandon_at=now + attempts.ABANDON_AFTER,
        # No password: an unusable one stands for it (and marks a sign-up from a provider).
        password_hash=make_password(None),
    )
    _take(attempt, ctx, identity)
    attempts.save(ctx, attempt)
    accounts.leave_for_sign_up(attempt, connection, identity)
    finish.advance(ctx, attempt)
    return attempt
