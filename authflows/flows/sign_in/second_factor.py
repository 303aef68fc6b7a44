"""The second step: an MFA method (factor-two) or, for a password on a new device, client
trust (an email code, email link or SMS code). signIn.mfa.* / prepare- and
attemptSecondFactor()."""

from __future__ import annotations

from collections.abc import Callable

from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.factors import Challenge, FactorContext, Outcome, codes, get_factor
from authflows.flows import gate, trust
from authflows.flows.gate import Secret
from authflows.flows.screens import Screen, Submission, mask_email, mask_phone
from authflows.flows.sign_in import attempts, finish
from authflows.flows.sign_in.table import SECOND_FACTOR, Reason, Status, move
from authflows.models import AuthEvent, SignInAttempt, Verification
from authflows.strategies import Strategy, strategies


def _require(attempt: SignInAttempt | None) -> SignInAttempt:
    if attempt is None or attempt.status not in SECOND_FACTOR:
        raise FlowError("sign_in_expired")
    return attempt


def is_client_trust(attempt: SignInAttempt) -> bool:
    return attempt.reason == Reason.CLIENT_TRUST


def supported(attempt: SignInAttempt) -> list[Strategy]:
    return strategies(attempt.supported_second_factors)


def factor_context(ctx: FlowContext, attempt: SignInAttempt) -> FactorContext:
    trust_step = is_client_trust(attempt)
    purpose = (
        Verification.Purpose.CLIENT_TRUST if trust_step else Verification.Purpose.SECOND_FACTOR
    )
    return attempts.factor_context(ctx, attempt, purpose=purpose, proven=True)


def prepare(
    ctx: FlowContext,
    attempt: SignInAttempt,
    strategy: Strategy | None = None,
    *,
    resend: bool = False,
) -> Challenge:
    """Send the code of a second factor (signIn.mfa.sendEmailCode / sendPhoneCode). On
    arrival a live code is kept; "I need a new code" replaces it once the cool-down passed.
    TOTP and backup codes send nothing."""
    attempt = _require(attempt)
    strategy = strategy or supported(attempt)[0]
    if strategy not in supported(attempt):
        raise FlowError("strategy_for_user_invalid", field="strategy")
    if not strategy.sends:  # TOTP, backup codes, passkeys (flows/passkeys arms those)
        return Challenge()
    factor = get_factor(strategy)
    if resend:
        gate.throttle(ctx, "code_send")
    factor_ctx = factor_context(ctx, attempt)
    challenge = factor.prepare(factor_ctx, resend=resend)
    attempts.point_at(attempt, challenge.verification)
    if challenge.sent:
        gate.record(
            ctx,
            AuthEvent.Kind.CODE_SENT,
            user=attempt.user,
            strategy=strategy,
            purpose=factor_ctx.purpose,
        )
    if resend:
        attempts.touch(attempt)
    if resend and challenge.throttled:  # test mode arms without sending: only the cool-down refuses
        raise FlowError(
            "verification_code_too_many_requests", field="code", seconds=challenge.retry_after
        )
    return challenge


def verify(
    ctx: FlowContext,
    attempt: SignInAttempt,
    strategy: Strategy,
    code: str,
    *,
    check: Callable[[], Outcome] | None = None,
    secret: Secret | None = None,
) -> None:
    """Check an MFA or client-trust code (signIn.mfa.verify*, attemptSecondFactor()). A
    passkey's answer is no code: flows/passkeys passes its own `check` (and `secret`)."""
    attempt = _require(attempt)
    if strategy not in supported(attempt) or (check is None and strategy is Strategy.PASSKEY):
        raise FlowError("strategy_for_user_invalid", field="code")
    factor_ctx = factor_context(ctx, attempt)
    try:
        gate.check(
            ctx,
            attempts.claimant_of(ctx, attempt),
            secret or Secret(strategy),
            check or (lambda: get_factor(strategy).verify(factor_ctx, code)),
        )
    except FlowError:
        attempts.touch(attempt)
        raise
    _passed(ctx, attempt, strategy)


def _passed(ctx: FlowContext, attempt: SignInAttempt, strategy: Strategy) -> None:
    """A second factor passed: a reset goes on to the new password (nothing about the account
    changed yet); a sign-in trusts this client for the user and completes."""
    assert attempt.user is not None
    if Strategy(attempt.first_factor or "password").is_reset:
        move(attempt, Status.NEEDS_NEW_PASSWORD)
        finish.settle(ctx, attempt)
        return
    if not attempt.client_trusted:
        trust.trust_client(ctx, attempt.user, strategy=strategy, announce=is_client_trust(attempt))
    move(attempt, Status.COMPLETE)
    finish.settle(ctx, attempt)


def link_opened(ctx: FlowContext, attempt: SignInAttempt | None, token: str = "") -> bool:
    """Finish the step if this attempt's email link was opened: here (`token` is the link's)
    or in any browser (no token: the link marked the verification verified)."""
    if attempt is None or attempt.status not in SECOND_FACTOR or attempt.user is None:
        return False
    if Strategy.EMAIL_LINK not in supported(attempt):
        return False
    factor_ctx = factor_context(ctx, attempt)
    verify_link = get_factor(Strategy.EMAIL_LINK).verify
    try:
        who = attempts.claimant_of(ctx, attempt)
        if token:
            gate.check(
                ctx, who, Secret(Strategy.EMAIL_LINK), lambda: verify_link(factor_ctx, token)
            )
        else:
            gate.ensure_open(ctx, who, field="code")
            if not verify_link(factor_ctx, "").ok:
                return False
        _passed(ctx, attempt, Strategy.EMAIL_LINK)
    except FlowError:  # wrong, locked, or completed meanwhile by another request
        return False
    return True


def _page_strategy(attempt: SignInAttempt, sub: Submission) -> Strategy | None:
    """Factor two's strategy: the one asked for if the user has it, the backup code when
    ticked, else the first offered. None when a method the user lacks was asked for."""
    offered = supported(attempt)
    asked = Strategy.parse(sub.strategy) if sub.strategy else offered[0]
    if asked not in offered:
        return None
    if sub.posted and sub.action != "resend" and sub.use_backup_code:
        return Strategy.BACKUP_CODE
    return asked


def factor_two(ctx: FlowContext, attempt: SignInAttempt, sub: Submission) -> Screen:
    """The factor-two page: TOTP first; SMS sent on arrival; backup codes by a checkbox."""
    strategy = _page_strategy(attempt, sub)
    offered = supported(attempt)
    screen = Screen(status=attempt.status, strategy=strategy or offered[0])
    screen.extra["has_backup"] = Strategy.BACKUP_CODE in offered
    try:
        if strategy is None:
            # A method the user has not enrolled (or the Dashboard turned off) is refused,
            # never silently swapped for another one.
            raise FlowError("strategy_for_user_invalid", field="code")
        if not sub.posted:
            if strategy is Strategy.PHONE_CODE:
                screen.challenge = prepare(ctx, attempt, strategy)
        elif sub.action == "resend":
            screen.strategy, screen.notice = Strategy.PHONE_CODE, "sent"
            screen.challenge = prepare(ctx, attempt, Strategy.PHONE_CODE, resend=True)
        else:
            verify(ctx, attempt, strategy, sub.code)
            return Screen(status=attempt.status, redirect=finish.next_url(ctx, attempt))
    except FlowError as error:
        screen.error = error
        screen.challenge = screen.challenge or pending(ctx, attempt, Strategy(screen.strategy))
    screen.others = [s for s in offered if s not in (screen.strategy, Strategy.BACKUP_CODE)]
    return screen


def client_trust(ctx: FlowContext, attempt: SignInAttempt, sub: Submission) -> Screen:
    """The client-trust page: the code (or link) is sent on arrival; "check" looks for an
    opened link; "resend" sends a new code; anything else verifies the code."""
    strategy = supported(attempt)[0]
    screen = Screen(status=attempt.status, strategy=strategy, target=_target(attempt, strategy))
    try:
        if strategy is Strategy.EMAIL_LINK and sub.action != "resend" and link_opened(ctx, attempt):
            return Screen(status=attempt.status, redirect=finish.next_url(ctx, attempt))
        if sub.action == "resend":
            screen.challenge, screen.notice = prepare(ctx, attempt, resend=True), "sent"
        elif not sub.posted or strategy is Strategy.EMAIL_LINK:
            screen.challenge = prepare(ctx, attempt)
            screen.notice = "waiting" if sub.posted else ""
        else:
            verify(ctx, attempt, strategy, sub.code)
            return Screen(status=attempt.status, redirect=finish.next_url(ctx, attempt))
    except FlowError as error:
        screen.error = error
        screen.challenge = screen.challenge or pending(ctx, attempt, strategy)
    return screen


def _target(attempt: SignInAttempt, strategy: Strategy) -> str:
    user = attempt.user
    if user is None:
        return ""
    return (
        mask_phone(user.phone or "")
        if strategy is Strategy.PHONE_CODE
        else mask_email(user.email or "")
    )


def pending(ctx: FlowContext, attempt: SignInAttempt, strategy: Strategy) -> Challenge | None:
    """The live code's cool-down, without sending (after a refusal the page keeps its timer)."""
    if not strategy.sends:
        return None
    return codes.cooldown(factor_context(ctx, attempt), strategy)
