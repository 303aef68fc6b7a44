"""Verifying a sign-up's email address (code or link) and phone number (SMS code):
prepare- and attemptEmailAddressVerification / PhoneNumberVerification."""

from __future__ import annotations

from django.urls import reverse

from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.factors import Challenge, FactorContext, codes, get_factor
from authflows.factors.code_factors import open_link
from authflows.flows import gate, notices, users
from authflows.flows.gate import Secret
from authflows.flows.screens import Screen, Submission
from authflows.flows.sign_up import attempts, finish
from authflows.flows.sign_up.fields import EMAIL, PHONE
from authflows.models import AuthEvent, SignUpAttempt, User, Verification
from authflows.strategies import Strategy

FIELD_STEPS = {EMAIL: "verify_email", PHONE: "verify_phone"}


def strategy_for(ctx: FlowContext, field: str) -> Strategy:
    return attempts.email_strategy(ctx.settings) if field == EMAIL else Strategy.PHONE_CODE


def _target(attempt: SignUpAttempt, field: str) -> str:
    return attempt.email if field == EMAIL else attempt.phone


def _context(ctx: FlowContext, attempt: SignUpAttempt, field: str) -> FactorContext:
    return FactorContext(
        user=None,
        settings=ctx.settings,
        purpose=Verification.Purpose.SIGN_UP,
        sign_up=attempt,
        target=_target(attempt, field),
        allow_send=gate.send_budget(ctx, proven=False),
        link_base=ctx.link(reverse("authflows:sign-up-verify")),
        locale=ctx.locale,
        about=notices.about_request(ctx),
    )


def _require_unverified(
    ctx: FlowContext, attempt: SignUpAttempt | None, field: str
) -> SignUpAttempt:
    attempt = attempts.require(attempt)
    if field not in attempts.unverified_fields(attempt, ctx.settings):
        raise FlowError("verification_missing", field="code")
    return attempt


def prepare(
    ctx: FlowContext, attempt: SignUpAttempt | None, field: str, *, resend: bool = False
) -> Challenge:
    """Send the code or link. Under strict enumeration protection an address that has an
    account gets a notice to its owner instead, with the same cool-down and answers."""
    attempt = _require_unverified(ctx, attempt, field)
    strategy, target = strategy_for(ctx, field), _target(attempt, field)
    if resend:
        gate.throttle(ctx, "code_send")
    factor_ctx = _context(ctx, attempt, field)
    owner = _owner_of(field, target) if ctx.settings.strict_enumeration else None
    if owner is not None:
        challenge = _notify_owner(ctx, factor_ctx, strategy, owner=owner, resend=resend)
    else:
        challenge = get_factor(strategy).prepare(factor_ctx, resend=resend)
    if challenge.sent:
        gate.record(ctx, AuthEvent.Kind.CODE_SENT, identifier=target, strategy=strategy)
    if resend and challenge.throttled:
        raise FlowError(
            "verification_code_too_many_requests", field="code", seconds=challenge.retry_after
        )
    return challenge


def _owner_of(field: str, target: str) -> User | None:
    owners = users.owner_of("phone" if field == PHONE else "email", target)
    return owners.only("pk", "locale").first()


def _notify_owner(
    ctx: FlowContext, factor_ctx: FactorContext, strategy: Strategy, *, owner: User, resend: bool
) -> Challenge:
    """Arm a verification as usual (same cool-down, same answers; no code will ever match)
    and tell the owner someone tried to sign up with their address."""
    link = strategy is Strategy.EMAIL_LINK
    target = factor_ctx.target
    challenge, secret = codes.issue(
        factor_ctx, strategy=strategy, target=target, link=link, resend=resend
    )
    if secret:
        phone = strategy is Strategy.PHONE_CODE
        notices.sign_up_attempted(ctx, target=target, phone=phone, locale=owner.locale)
    return challenge


def verify(ctx: FlowContext, attempt: SignUpAttempt | None, field: str, code: str) -> None:
    """attemptEmailAddressVerification() / attemptPhoneNumberVerification()."""
    attempt = _require_unverified(ctx, attempt, field)
    strategy = Strategy.EMAIL_CODE if field == EMAIL else Strategy.PHONE_CODE
    factor_ctx = _context(ctx, attempt, field)
    who = gate.claimant(ctx, None, identifier=factor_ctx.target)
    secret = Secret(strategy, ip_scope="sign_up_verify", account=False)
    gate.check(ctx, who, secret, lambda: get_factor(strategy).verify(factor_ctx, code))
    _mark_verified(ctx, attempt, field)


def _mark_verified(ctx: FlowContext, attempt: SignUpAttempt, field: str) -> None:
    if field == EMAIL:
        attempt.email_verified = True
    else:
        attempt.phone_verified = True
    finish.advance(ctx, attempt)


def link_opened(ctx: FlowContext, attempt: SignUpAttempt | None) -> bool:
    """If the sign-up's email link was opened (in any browser), the address is verified."""
    if attempt is None or attempt.status != attempts.Status.MISSING_REQUIREMENTS:
        return False
    if EMAIL not in attempts.unverified_fields(attempt, ctx.settings):
        return False
    if attempts.email_strategy(ctx.settings) is not Strategy.EMAIL_LINK:
        return False
    if not get_factor(Strategy.EMAIL_LINK).verify(_context(ctx, attempt, EMAIL), "").ok:
        return False
    _mark_verified(ctx, attempt, EMAIL)
    return True


def page(ctx: FlowContext, attempt: SignUpAttempt, field: str, sub: Submission) -> Screen:
    """The verification page of one field (email address or phone number)."""
    strategy = strategy_for(ctx, field)
    screen = Screen(status=attempt.status, strategy=strategy, target=_target(attempt, field))
    screen.extra["field"] = "email_address" if field == EMAIL else "phone_number"
    try:
        waiting = strategy is Strategy.EMAIL_LINK and sub.action in ("check", "")
        if not sub.posted or waiting:
            if strategy is Strategy.EMAIL_LINK and link_opened(ctx, attempt):
                return Screen(status=attempt.status, redirect=next_url(ctx, attempt))
            screen.challenge = prepare(ctx, attempt, field)
            screen.notice = "waiting" if sub.posted else ""
        elif sub.action == "resend":
            screen.challenge, screen.notice = prepare(ctx, attempt, field, resend=True), "sent"
        else:
            verify(ctx, attempt, field, sub.code)
            return Screen(status=attempt.status, redirect=next_url(ctx, attempt))
    except FlowError as error:
        screen.error = error
        screen.challenge = screen.challenge or codes.cooldown(
            _context(ctx, attempt, field), strategy
        )
    return screen


def next_url(ctx: FlowContext, attempt: SignUpAttempt | None) -> str:
    return reverse(attempts.PAGES[attempts.next_step(attempt, ctx.settings)])


def poll(ctx: FlowContext) -> tuple[str, str | None]:
    """The waiting tab asks whether the email link was opened: (status, where to go)."""
    attempt = attempts.current(ctx)
    if attempts.next_step(attempt, ctx.settings) == "verify_email":
        link_opened(ctx, attempt)
    step = attempts.next_step(attempt, ctx.settings)
    if step == "verify_email":
        return (attempt.status if attempt else ""), None
    return attempts.Status.COMPLETE, reverse(attempts.PAGES[step])


def land(ctx: FlowContext, token: str) -> Screen:
    """The link's Continue button: in the browser that signed up it moves on; in another it
    verifies the address and says to go back to the first tab."""
    gate.throttle(ctx, "sign_up_verify")
    outcome, verification = open_link(token)
    ok = outcome.ok and verification is not None and verification.sign_up_id is not None
    attempt = attempts.current(ctx) if ok else None
    if (
        ok
        and attempt is not None
        and verification is not None
        and attempt.pk == verification.sign_up_id
    ):
        # The verification page finishes the step (one request, within the query budget).
        return Screen(status=attempt.status, redirect=next_url(ctx, attempt))
    return Screen(
        status="verified" if ok else "failed",
        error=None if ok else FlowError(outcome.error_code),
        extra={"ok": ok, "error_code": "" if ok else outcome.error_code},
    )


def pending(ctx: FlowContext, attempt: SignUpAttempt, field: str) -> Challenge | None:
    """The live code's cool-down for a field, without sending (None when none was sent)."""
    return codes.cooldown(_context(ctx, attempt, field), strategy_for(ctx, field))
