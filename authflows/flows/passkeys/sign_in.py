"""Signing in with a passkey: as the first factor (signIn.passkey(): no identifier, the
browser offers the site's passkeys, also as autofill) and as a second factor on factor-two.

A passkey sign-in proves possession of the key and, by user verification, the person: it
completes without a second factor and without client trust, and the browser becomes trusted
for the user, as after a second factor."""

from __future__ import annotations

from typing import Any

from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.flows import gate, trust
from authflows.flows.passkeys import challenges, relying_party, store
from authflows.flows.passkeys.assertion import CHECKED, UNKNOWN, AssertionCheck, explained, read
from authflows.flows.screens import Screen
from authflows.flows.sign_in import attempts, finish, policy, second_factor
from authflows.flows.sign_in.table import Status, move
from authflows.models import PasskeyChallenge, SignInAttempt
from authflows.strategies import Strategy

Purpose = PasskeyChallenge.Purpose


def options(ctx: FlowContext) -> dict[str, Any]:
    """The options of a passkey sign-in: the same for every visitor (no identifier, no list
    of passkeys), so they tell nothing about any account."""
    _require_first_factor(ctx)
    gate.throttle(ctx, "sign_in_start")
    challenge = challenges.issue(Purpose.SIGN_IN, client_id=ctx.client.ensure())
    return relying_party.request_options(relying_party.party(ctx.settings), challenge=challenge)


def _require_first_factor(ctx: FlowContext) -> None:
    if not ctx.settings.passkey_sign_in:
        raise FlowError("strategy_for_user_invalid", field="passkey")
    if ctx.user is not None:
        raise FlowError("session_exists", field="passkey")


def sign_in(ctx: FlowContext, data: object, *, redirect_url: str = "") -> Screen:
    """Check the browser's answer and sign its user in."""
    attempt = pass_first_factor(ctx, data, redirect_url=redirect_url)
    return Screen(status=attempt.status, redirect=finish.finalize(ctx, attempt))


def pass_first_factor(ctx: FlowContext, data: object, *, redirect_url: str = "") -> SignInAttempt:
    """Check the browser's answer: the attempt of its user, completed (the caller signs the
    session in). An unknown passkey, a wrong signature, a missing user verification or a
    counter that went backwards get one answer, whatever the reason; failures for a known
    passkey count toward its owner's lock."""
    _require_first_factor(ctx)
    answer = read(data)
    passkey = store.find(answer.credential_id)
    user = passkey.user if passkey is not None else None
    run = AssertionCheck(ctx, answer, passkey, Purpose.SIGN_IN, discoverable=True)
    with explained(ctx, run):
        gate.check(ctx, gate.claimant(ctx, user), CHECKED if user else UNKNOWN, run)
    assert user is not None  # the check passed: the passkey and its owner exist
    attempt = attempts.new(ctx, identifier=user.identifier, user=user, redirect_url=redirect_url)
    move(attempt, Status.NEEDS_FIRST_FACTOR)
    policy.after_first_factor(ctx, attempt, Strategy.PASSKEY)
    trust.trust_client(ctx, user, strategy=Strategy.PASSKEY)
    finish.settle(ctx, attempt)
    return attempt


def _second_factor_attempt(attempt: SignInAttempt | None) -> SignInAttempt:
    """The attempt waiting for a second factor that offers passkeys (MFA, not client trust)."""
    if attempt is None or attempt.status != Status.NEEDS_SECOND_FACTOR or attempt.user is None:
        raise FlowError("sign_in_expired", field="passkey")
    if Strategy.PASSKEY not in second_factor.supported(attempt):
        raise FlowError("strategy_for_user_invalid", field="passkey")
    return attempt


def second_factor_options(ctx: FlowContext, attempt: SignInAttempt | None = None) -> dict[str, Any]:
    """The options of a passkey as the second factor: only the user's own passkeys. The
    pages ask for this client's current attempt; Clerk's Frontend API names it."""
    attempt = _second_factor_attempt(attempt or attempts.current(ctx))
    assert attempt.user is not None
    challenge = challenges.issue(
        Purpose.SECOND_FACTOR, client_id=ctx.client.ensure(), sign_in=attempt
    )
    rp = relying_party.party(ctx.settings)
    return relying_party.request_options(rp, challenge=challenge, allow=store.keys_of(attempt.user))


def pass_second_factor(
    ctx: FlowContext, data: object, attempt: SignInAttempt | None = None
) -> SignInAttempt:
    """Check the passkey answer of a second factor through the same step as a code (the
    gate, the client trusted, the attempt completed once; a reset goes on to the new
    password). Factor-two's script and Clerk's attempt_second_factor both end here."""
    attempt = _second_factor_attempt(attempt or attempts.current(ctx))
    answer = read(data)
    passkey = store.find(answer.credential_id)
    run = AssertionCheck(
        ctx, answer, passkey, Purpose.SECOND_FACTOR, sign_in=attempt, user=attempt.user
    )
    with explained(ctx, run):
        second_factor.verify(ctx, attempt, Strategy.PASSKEY, "", check=run, secret=CHECKED)
    return attempt


def verify_second_factor(ctx: FlowContext, data: object) -> Screen:
    """Factor-two's passkey answer, and where the browser goes next."""
    attempt = pass_second_factor(ctx, data)
    return Screen(status=attempt.status, redirect=finish.next_url(ctx, attempt))
