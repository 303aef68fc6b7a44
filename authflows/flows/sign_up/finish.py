"""The end of a sign-up: the account is created once nothing is missing or unverified, then
setActive() signs it in on this client."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.flows import activation, gate, trust
from authflows.flows.sign_up import attempts
from authflows.flows.sign_up.fields import EMAIL, PHONE, USERNAME
from authflows.flows.sso import accounts as sso_accounts
from authflows.models import AuthEvent, SignUpAttempt, User


def advance(ctx: FlowContext, attempt: SignUpAttempt) -> None:
    """Save the attempt; with nothing missing or unverified, create the user first."""
    settings = ctx.settings
    if not attempts.missing_fields(attempt, settings) and not attempts.unverified_fields(
        attempt, settings
    ):
        _create_user(ctx, attempt)
        assert attempt.created_user is not None
        # A sign-up that started at an identity provider links that account to the user.
        sso_accounts.adopt_pending(ctx, attempt, attempt.created_user)
    attempts.save(ctx, attempt)


def _create_user(ctx: FlowContext, attempt: SignUpAttempt) -> None:
    """Create the account. Two sign-ups for one address completing at the same moment: the
    database's unique constraints let exactly one INSERT win."""
    user = User(
        email=attempt.email or None,
        phone=attempt.phone or None,
        username=attempt.username or None,
        first_name=attempt.first_name,
        last_name=attempt.last_name,
        email_verified=bool(attempt.email and attempt.email_verified),
        phone_verified=bool(attempt.phone and attempt.phone_verified),
        locale=ctx.locale,
    )
    if attempt.password_hash:
        user.password = attempt.password_hash
    else:
        user.set_unusable_password()
    try:
        # User.save() normalizes and creates the primary email-address and phone-number rows;
        # the unique constraints (a verified address belongs to one account) decide.
        with transaction.atomic():
            user.save(force_insert=True)
    except IntegrityError as exc:  # exactly one account per address
        field = EMAIL if attempt.email else PHONE if attempt.phone else USERNAME
        raise FlowError("form_identifier_exists", field=field) from exc
    attempt.status, attempt.created_user = attempts.Status.COMPLETE, user
    gate.record(ctx, AuthEvent.Kind.USER_CREATED, user=user, via="sign_up")


def finalize(ctx: FlowContext, attempt: SignUpAttempt | None) -> str:
    """setActive(): trust this client for the new user and sign them in (or open the pending
    setup-mfa task). Returns where to go."""
    if (
        attempt is None
        or attempt.status != attempts.Status.COMPLETE
        or attempt.created_user is None
    ):
        raise FlowError("sign_up_expired")
    attempts.forget(ctx)
    user = attempt.created_user
    # Recorded here rather than at creation: it joins this request's one audit INSERT.
    gate.record(ctx, AuthEvent.Kind.SIGN_UP_COMPLETED, user=user)
    trust.trust_client(ctx, user, strategy="sign_up")
    return activation.start_session(
        ctx, user, strategy="sign_up", redirect_url=attempt.redirect_url
    )
