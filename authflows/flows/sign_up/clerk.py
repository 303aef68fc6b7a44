"""The sign-up as Clerk's Frontend API addresses it: the attempt by its id, signUp.create()
and update() with Clerk's parameter names (they are the flow's field names), and the
verification of a field by strategy. Routes into the same flow functions the pages call; a
sign-up that creates the account signs the session in at once (Clerk's created_session_id)."""

from __future__ import annotations

from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.flows import clerk_ids, clerk_session
from authflows.flows.sign_up import attempts, collect, finish, verify
from authflows.flows.sign_up.fields import EMAIL, PHONE
from authflows.flows.sso import clerk as sso
from authflows.models import SignUpAttempt
from authflows.strategies import Strategy

#: The strategies a sign-up may name when it is created (password, or none at all).
CREATE_STRATEGIES = ("", "password")


def public_id(attempt: SignUpAttempt) -> str:
    return clerk_ids.sign_up_id(attempt.pk)


def by_id(ctx: FlowContext, sign_up_id: str) -> SignUpAttempt:
    """This client's current sign-up, if that is the one named; any other is not found."""
    attempt = attempts.current(ctx)
    if attempt is None or public_id(attempt) != sign_up_id:
        raise FlowError("resource_not_found")
    return attempt


def complete(ctx: FlowContext, attempt: SignUpAttempt) -> None:
    """A sign-up that created its account signs the session in (or opens the pending task)."""
    if attempt.status == attempts.Status.COMPLETE:
        finish.finalize(ctx, attempt)
        clerk_session.signed_in(ctx, attempt.created_user)


def create(
    ctx: FlowContext,
    *,
    data: dict[str, object],
    strategy: str = "",
    redirect_url: str = "",
    transfer: bool = False,
) -> SignUpAttempt:
    """POST /client/sign_ups (signUp.create(), signUp.password()); with transfer=true, the
    sign-up from the provider account a sign-in found without a user."""
    if transfer:
        attempt = sso.transfer_to_sign_up(ctx)
        complete(ctx, attempt)
        return attempt
    if strategy not in CREATE_STRATEGIES:
        raise FlowError("strategy_for_user_invalid", field="strategy")
    attempt = collect.create(ctx, data=data, redirect_url=redirect_url)
    complete(ctx, attempt)
    return attempt


def update(ctx: FlowContext, attempt: SignUpAttempt, *, data: dict[str, object]) -> None:
    """PATCH /client/sign_ups/{id} (signUp.update(), a second signUp.password())."""
    collect.update(ctx, attempt, data=data)
    complete(ctx, attempt)


def _field(ctx: FlowContext, value: str) -> str:
    """The field a verification strategy verifies (it must be the one the Dashboard uses)."""
    strategy = Strategy.parse(value)
    field = PHONE if strategy is Strategy.PHONE_CODE else EMAIL
    if strategy is None or verify.strategy_for(ctx, field) is not strategy:
        raise FlowError("strategy_for_user_invalid", field="strategy")
    return field


def prepare_verification(ctx: FlowContext, attempt: SignUpAttempt, strategy: str) -> None:
    """prepare_verification: send the code (or link). Asked again, it is "I need a new code"."""
    field = _field(ctx, strategy)
    again = attempt.pk is not None and verify.pending(ctx, attempt, field) is not None
    verify.prepare(ctx, attempt, field, resend=again)


def attempt_verification(
    ctx: FlowContext, attempt: SignUpAttempt, strategy: str, code: str
) -> None:
    verify.verify(ctx, attempt, _field(ctx, strategy), code)
    complete(ctx, attempt)


def refresh(ctx: FlowContext, attempt: SignUpAttempt) -> None:
    """GET of the sign-up: an emailed link opened (in any browser) verifies the address."""
    if verify.link_opened(ctx, attempt):
        complete(ctx, attempt)
