"""The first step: who is signing in (signIn.create) and, with a password, the first factor
at once (signIn.password)."""

from __future__ import annotations

from django.urls import reverse

from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.factors import FactorContext, get_factor
from authflows.flows import gate, users
from authflows.flows.gate import Secret
from authflows.flows.screens import Screen, Submission
from authflows.flows.sign_in import attempts, finish, policy
from authflows.flows.sign_in.table import Reason, Status, move, page_of
from authflows.flows.sign_up.fields import sign_up_offer
from authflows.flows.sso.start import enterprise_redirect
from authflows.identifiers import parse_identifier
from authflows.models import AuthEvent, SignInAttempt, Verification
from authflows.strategies import Strategy

PASSWORD = Secret(
    Strategy.PASSWORD, field="password", ip_scope="", event=AuthEvent.Kind.SIGN_IN_FAILED
)


def _identify(ctx: FlowContext, identifier: str) -> tuple[str, str]:
    gate.throttle(ctx, "sign_in_start")
    return parse_identifier(identifier, ctx.settings.sign_in_identifier_kinds())


def password(
    ctx: FlowContext, *, identifier: str, password: str, redirect_url: str = ""
) -> SignInAttempt:
    """Identifier and password together (Clerk's signIn.password()). A trusted client without
    MFA completes at once; otherwise the attempt is saved in its next status."""
    kind, value = _identify(ctx, identifier)
    if not ctx.settings.password_enabled:
        raise FlowError("strategy_for_user_invalid", field="password")
    if not password:
        raise FlowError("form_param_missing", field="password")
    user = users.find_user(kind, value, client_id=ctx.client.id)
    attempt = attempts.new(ctx, identifier=value, user=user, redirect_url=redirect_url)
    factor_ctx = FactorContext(
        user=user, settings=ctx.settings, purpose=Verification.Purpose.FIRST_FACTOR
    )
    verify = get_factor(Strategy.PASSWORD).verify
    gate.check(
        ctx, attempts.claimant_of(ctx, attempt), PASSWORD, lambda: verify(factor_ctx, password)
    )
    move(attempt, Status.NEEDS_FIRST_FACTOR)
    policy.after_first_factor(ctx, attempt, Strategy.PASSWORD)
    finish.settle(ctx, attempt)
    return attempt


def create(
    ctx: FlowContext, *, identifier: str, redirect_url: str = "", reset: bool = False
) -> SignInAttempt:
    """signIn.create({identifier}): identify the user and offer their first factors; with
    reset=True start a forgotten-password reset instead. Under strict enumeration protection
    an unknown identifier proceeds the same way (and nothing is ever sent to it)."""
    kind, value = _identify(ctx, identifier)
    user = users.find_user(kind, value, client_id=ctx.client.id)
    settings = ctx.settings
    factors = (
        policy.reset_offer(user, kind, settings) if reset else policy.offer(user, kind, settings)
    )
    attempt = attempts.new(ctx, identifier=value, user=user, redirect_url=redirect_url)
    move(attempt, Status.NEEDS_FIRST_FACTOR, Reason.RESET_PASSWORD if reset else Reason.NONE)
    attempt.supported_first_factors = list(factors)
    attempt.first_factor = factors[0]
    attempts.save(ctx, attempt)
    return attempt


def start_page(ctx: FlowContext, sub: Submission | None) -> Screen:
    """The sign-in page. Shown while an attempt is in progress, it sends the browser to that
    attempt's page. Its form makes a password sign-in, or (passwordless asked for, or
    passwords off) sends the identifier alone on to factor-one."""
    screen = Screen(status=Status.NEEDS_IDENTIFIER)
    if sub is None:  # a post the form refused: shown again with the form's errors
        return screen
    if not sub.posted:
        attempt = attempts.current(ctx)
        screen.redirect = reverse(page_of(attempt)) if attempt is not None else None
        return screen
    try:
        # An address at a domain with an enterprise connection signs in at that IdP only.
        sso = enterprise_redirect(ctx, sub.identifier, redirect_url=sub.redirect_url)
        if sso is not None:
            return Screen(
                status=Status.NEEDS_FIRST_FACTOR, strategy=Strategy.ENTERPRISE_SSO, redirect=sso
            )
        attempt = _submit(ctx, sub)
    except FlowError as error:
        screen.error = error
        screen.extra["sign_up_offer"] = sign_up_offer(sub.identifier, ctx.settings, error=error)
        return screen
    return Screen(status=attempt.status, redirect=finish.next_url(ctx, attempt))


def _submit(ctx: FlowContext, sub: Submission) -> SignInAttempt:
    if ctx.user is not None:
        raise FlowError("session_exists")
    passwordless = policy.goes_passwordless(ctx.settings, asked=sub.action == "passwordless")
    if passwordless:
        return create(ctx, identifier=sub.identifier, redirect_url=sub.redirect_url)
    return password(
        ctx, identifier=sub.identifier, password=sub.password, redirect_url=sub.redirect_url
    )
