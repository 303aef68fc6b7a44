"""Reverification: a signed-in user proves it's them again before a security change (Clerk's
reverification). A sign-in counts as proof for RECENT; after that the user re-enters the
password, or, without one, a code sent to their email address or phone."""

from __future__ import annotations

from django.urls import reverse

from authflows import clock
from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.factors import Challenge, FactorContext, get_factor
from authflows.flows import gate, notices, redirects
from authflows.flows.activation import AUTH_AT_SESSION_KEY
from authflows.flows.gate import Secret
from authflows.flows.screens import Screen, Submission, mask_email, mask_phone
from authflows.models import AuthEvent, User, Verification
from authflows.strategies import Strategy

VERIFIED_AT_SESSION_KEY = "authflows_verified_at"
RECENT_SECONDS = 10 * 60
PASSWORD = Secret(Strategy.PASSWORD, field="password", event=AuthEvent.Kind.CODE_FAILED)


def is_recent(ctx: FlowContext) -> bool:
    session = ctx.session
    proved = max(session.get(VERIFIED_AT_SESSION_KEY, 0), session.get(AUTH_AT_SESSION_KEY, 0))
    return clock.now().timestamp() - proved <= RECENT_SECONDS


def _stamp(ctx: FlowContext) -> None:
    ctx.session[VERIFIED_AT_SESSION_KEY] = clock.now().timestamp()


def with_password(ctx: FlowContext, user: User, password: str) -> None:
    """Re-entering the password. Wrong ones count toward the lockout, so a borrowed session
    can't be used to guess it."""
    if not password:
        raise FlowError("form_param_missing", field="password")
    verify = get_factor(Strategy.PASSWORD).verify
    factor_ctx = FactorContext(
        user=user, settings=ctx.settings, purpose=Verification.Purpose.ACCOUNT
    )
    gate.check(ctx, gate.claimant(ctx, user), PASSWORD, lambda: verify(factor_ctx, password))
    _stamp(ctx)


def code_strategy(user: User) -> Strategy | None:
    if user.email:
        return Strategy.EMAIL_CODE
    return Strategy.PHONE_CODE if user.phone else None


def _code_context(ctx: FlowContext, user: User) -> FactorContext:
    return FactorContext(
        user=user,
        settings=ctx.settings,
        purpose=Verification.Purpose.REVERIFY,
        allow_send=gate.send_budget(ctx, proven=True, attempt_key=f"user {user.pk}"),
        locale=user.locale,
        about=notices.about_request(ctx),
    )


def send_code(ctx: FlowContext, user: User, *, resend: bool = False) -> Challenge:
    strategy = code_strategy(user)
    if strategy is None:
        raise FlowError("strategy_for_user_invalid", field="code")
    if resend:
        gate.throttle(ctx, "code_send")
    challenge = get_factor(strategy).prepare(_code_context(ctx, user), resend=resend)
    if resend and challenge.throttled:
        raise FlowError(
            "verification_code_too_many_requests", field="code", seconds=challenge.retry_after
        )
    return challenge


def with_code(ctx: FlowContext, user: User, code: str) -> None:
    strategy = code_strategy(user)
    if strategy is None:
        raise FlowError("strategy_for_user_invalid", field="code")
    verify = get_factor(strategy).verify
    factor_ctx = _code_context(ctx, user)
    gate.check(ctx, gate.claimant(ctx, user), Secret(strategy), lambda: verify(factor_ctx, code))
    _stamp(ctx)


def page(ctx: FlowContext, user: User, sub: Submission, *, redirect_url: str) -> Screen:
    """/user/verify/: the password, or a code for an account without one; then back."""
    strategy = Strategy.PASSWORD if user.has_usable_password() else code_strategy(user)
    back = redirects.safe_redirect_url(ctx, redirect_url) or reverse("authflows:account")
    screen = Screen(status="reverify", strategy=strategy or "", extra={"redirect_url": back})
    try:
        if strategy is Strategy.PASSWORD and sub.posted:
            with_password(ctx, user, sub.password)
            screen.redirect = back
        elif strategy is not Strategy.PASSWORD and sub.action != "verify":
            screen.challenge = send_code(ctx, user, resend=sub.action == "resend")
            screen.notice = "sent" if sub.action == "resend" else ""
        elif strategy is not Strategy.PASSWORD:
            with_code(ctx, user, sub.code)
            screen.redirect = back
    except FlowError as error:
        screen.error = error
    if strategy is not Strategy.PASSWORD:
        screen.target = mask_email(user.email or "") if user.email else mask_phone(user.phone or "")
    return screen
