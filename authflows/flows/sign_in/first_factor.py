"""Factor one: a passwordless first factor (email code, SMS code, email link), the password
chosen through "use another method", and the code of a forgotten-password reset."""

from __future__ import annotations

from authflows import delivery
from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.factors import Challenge, FactorContext, Outcome, codes, get_factor
from authflows.flows import gate
from authflows.flows.gate import Secret
from authflows.flows.screens import Screen, Submission, mask_email, mask_phone
from authflows.flows.sign_in import attempts, finish, or_up, policy
from authflows.flows.sign_in.table import Status
from authflows.models import AuthEvent, SignInAttempt, Verification
from authflows.strategies import Strategy, strategies

PASSWORD = Secret(Strategy.PASSWORD, field="password", event=AuthEvent.Kind.SIGN_IN_FAILED)
#: Sign-in-or-up: the right code for an address without an account (Clerk's error code).
TRANSFER = "sign_up_if_missing_transfer"


def _require(attempt: SignInAttempt | None) -> SignInAttempt:
    if attempt is None or attempt.status != Status.NEEDS_FIRST_FACTOR:
        raise FlowError("sign_in_expired")
    return attempt


def _supported(attempt: SignInAttempt, value: str, *, field: str) -> Strategy:
    strategy = Strategy.parse(value)
    if strategy is None or strategy not in strategies(attempt.supported_first_factors):
        raise FlowError("strategy_for_user_invalid", field=field)
    return strategy


def factor_context(ctx: FlowContext, attempt: SignInAttempt, strategy: Strategy) -> FactorContext:
    reset = strategy.is_reset
    purpose = Verification.Purpose.RESET_PASSWORD if reset else Verification.Purpose.FIRST_FACTOR
    target = _typed_address(attempt, strategy) if attempt.user else attempt.identifier
    return attempts.factor_context(ctx, attempt, purpose=purpose, proven=False, target=target)


def _typed_address(attempt: SignInAttempt, strategy: Strategy) -> str:
    """A code goes to the address typed when it is one of the account's (any verified email
    address or phone number signs in); else ("" ) to the account's primary one."""
    typed = attempt.identifier
    if strategy.base is Strategy.PHONE_CODE:
        return typed if typed.startswith("+") else ""
    return typed if "@" in typed else ""


def prepare(
    ctx: FlowContext, attempt: SignInAttempt, value: str, *, resend: bool = False
) -> Challenge:
    """signIn.prepareFirstFactor(): send the email code, SMS code, email link or reset code.
    A live code is kept on arrival; resend replaces it after the cool-down. For an unknown
    identifier (strict enumeration protection) a code is armed with the same cool-down and
    answers, and nothing is sent: a decoy message costs the request the same work."""
    attempt = _require(attempt)
    strategy = _supported(attempt, value, field="strategy")
    if strategy is Strategy.PASSWORD:
        raise FlowError("strategy_for_user_invalid", field="strategy")
    if resend:
        gate.throttle(ctx, "code_send")
    factor_ctx = factor_context(ctx, attempt, strategy)
    if attempt.user is None and not or_up.sends_to_unknown(ctx, attempt):
        challenge = _arm_without_sending(factor_ctx, strategy.base, resend=resend)
    else:
        challenge = get_factor(strategy).prepare(factor_ctx, resend=resend)
    attempts.point_at(attempt, challenge.verification, first_factor=strategy)
    if challenge.sent:
        gate.record(
            ctx,
            AuthEvent.Kind.CODE_SENT,
            user=attempt.user,
            strategy=strategy,
            purpose=factor_ctx.purpose,
        )
    if resend and challenge.throttled:
        raise FlowError(
            "verification_code_too_many_requests", field="code", seconds=challenge.retry_after
        )
    return challenge


def _arm_without_sending(
    factor_ctx: FactorContext, strategy: Strategy, *, resend: bool
) -> Challenge:
    """An unknown identifier under strict enumeration protection: a code armed as for a real
    account (same cool-down, same answers) and a decoy message queued exactly like a real one
    (same rendering, same row), which the worker drops: the request does the same work."""
    link = strategy is Strategy.EMAIL_LINK
    target = factor_ctx.target
    challenge, secret = codes.issue(
        factor_ctx, strategy=strategy, target=target, link=link, resend=resend
    )
    if secret:
        _decoy(factor_ctx, strategy, secret)
    challenge.sent = False
    return challenge


def _decoy(factor_ctx: FactorContext, strategy: Strategy, secret: str) -> None:
    context: dict[str, object] = {"purpose": factor_ctx.purpose, "minutes": 10}
    if strategy is Strategy.EMAIL_LINK:
        event, context["url"] = "verification_link", f"{factor_ctx.link_base}?token={secret}"
    else:
        event, context["code"] = "verification_code", secret
    if strategy is Strategy.PHONE_CODE:
        delivery.send_decoy(to=factor_ctx.target, event=event, context=context, channel="sms")
        return
    context = {**factor_ctx.about, **context}
    delivery.send_decoy(to=factor_ctx.target, event=event, context=context, channel="email")


def verify(ctx: FlowContext, attempt: SignInAttempt, value: str, code: str) -> None:
    """signIn.attemptFirstFactor(): check the code (or the password). Passwordless factors
    never lead to client trust; MFA still applies; a reset code leads to the new password
    (after MFA, for a user who has it)."""
    attempt = _require(attempt)
    strategy = _supported(attempt, value, field="code")
    who = attempts.claimant_of(ctx, attempt)
    factor_ctx = factor_context(ctx, attempt, strategy)
    if strategy is Strategy.PASSWORD:
        gate.check(ctx, who, PASSWORD, lambda: get_factor(strategy).verify(factor_ctx, code))
    else:
        signs_up = or_up.sends_to_unknown(ctx, attempt)
        try:
            gate.check(
                ctx,
                who,
                Secret(strategy),
                lambda: _check_code(factor_ctx, strategy, code, signs_up=signs_up),
            )
        except FlowError:
            attempts.touch(attempt)
            raise
    if attempt.user is None:  # sign-in-or-up: the address is proven, and has no account
        raise FlowError(TRANSFER, field="code")
    policy.after_first_factor(ctx, attempt, strategy)
    finish.settle(ctx, attempt)


def _check_code(
    factor_ctx: FactorContext, strategy: Strategy, code: str, *, signs_up: bool
) -> Outcome:
    outcome = get_factor(strategy).verify(factor_ctx, code)
    if outcome.ok and factor_ctx.user is None and not signs_up:
        return Outcome.INCORRECT  # an unknown identifier never signs in, even by a lucky guess
    return outcome


def link_opened(ctx: FlowContext, attempt: SignInAttempt | None) -> bool:
    """If this sign-in's email link was opened (in any browser), the first factor is proven;
    a locked user finishes no step, by code or by link (the link stays usable)."""
    if attempt is None or attempt.status != Status.NEEDS_FIRST_FACTOR or attempt.user is None:
        return False
    if attempt.first_factor != Strategy.EMAIL_LINK:
        return False
    try:
        gate.ensure_open(ctx, attempts.claimant_of(ctx, attempt), field="code")
    except FlowError:
        return False
    factor_ctx = factor_context(ctx, attempt, Strategy.EMAIL_LINK)
    if not get_factor(Strategy.EMAIL_LINK).verify(factor_ctx, "").ok:
        return False
    policy.after_first_factor(ctx, attempt, Strategy.EMAIL_LINK)
    finish.settle(ctx, attempt)
    return True


def target(ctx: FlowContext, attempt: SignInAttempt, strategy: Strategy) -> str:
    """Where the code went, masked. Under strict enumeration protection, the identifier
    typed (never an address the account holds that the person did not type), or nothing."""
    user = attempt.user
    phone = strategy.base is Strategy.PHONE_CODE
    if user is None or ctx.settings.strict_enumeration:
        typed = attempt.identifier
        if phone:
            return mask_phone(typed) if typed.startswith("+") else ""
        return mask_email(typed) if "@" in typed else ""
    sent_to = _typed_address(attempt, strategy)
    if phone:
        return mask_phone(sent_to or user.phone or "")
    return mask_email(sent_to or user.email or "")


def chosen(attempt: SignInAttempt, asked: str) -> Strategy:
    """The strategy the page works with: the one asked for ("use another method") if the
    attempt offers it, else the attempt's current one."""
    usable = [s for s in strategies(attempt.supported_first_factors) if not s.is_reset]
    strategy = Strategy.parse(asked)
    return strategy if strategy in usable else Strategy(attempt.first_factor)


def page(ctx: FlowContext, attempt: SignInAttempt, sub: Submission) -> Screen:
    """The factor-one page: arrival sends (not for the password), "check" looks for an opened
    link, "resend" sends a new code, anything else verifies."""
    strategy = chosen(attempt, sub.strategy)
    screen = Screen(status=attempt.status, strategy=strategy)
    try:
        if strategy is Strategy.EMAIL_LINK and link_opened(ctx, attempt):
            return Screen(status=attempt.status, redirect=finish.next_url(ctx, attempt))
        if not sub.posted or sub.action == "check":
            if strategy is not Strategy.PASSWORD:
                screen.challenge = prepare(ctx, attempt, strategy)
            screen.notice = "waiting" if sub.action == "check" else ""
        elif sub.action == "resend":
            screen.challenge, screen.notice = prepare(ctx, attempt, strategy, resend=True), "sent"
        else:
            secret = sub.password if strategy is Strategy.PASSWORD else sub.code
            try:
                verify(ctx, attempt, strategy, secret)
            except FlowError as refusal:
                if refusal.code != TRANSFER:
                    raise
                return Screen(status=attempt.status, redirect=or_up.transfer(ctx, attempt))
            return Screen(status=attempt.status, redirect=finish.next_url(ctx, attempt))
    except FlowError as error:
        screen.error = error
        screen.challenge = screen.challenge or pending(ctx, attempt, strategy)
    screen.target = target(ctx, attempt, strategy)
    offered = strategies(attempt.supported_first_factors)
    screen.others = [s for s in offered if s != strategy and not s.is_reset]
    return screen


def pending(ctx: FlowContext, attempt: SignInAttempt, strategy: Strategy) -> Challenge | None:
    """The live code's cool-down, without sending (a page shown after a refusal keeps its
    "I need a new code" timer)."""
    if not strategy.sends:
        return None
    return codes.cooldown(factor_context(ctx, attempt, strategy), strategy.base)
