"""The sign-in for a client that is not this site's pages (a JSON API): start, act on the
current step, read the state. The same flow calls the pages make, nothing else."""

from __future__ import annotations

from typing import Any

from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.flows.sign_in import attempts, finish, first_factor, identify, second_factor
from authflows.flows.sign_in.table import SECOND_FACTOR, Status, state_of
from authflows.flows.sso.start import enterprise_url
from authflows.models import SignInAttempt
from authflows.strategies import Strategy


def state(
    ctx: FlowContext, attempt: SignInAttempt | None = None, *, redirect: str | None = None
) -> dict[str, Any]:
    """The attempt as a client sees it (Clerk's SignIn fields), never a secret."""
    status, reason = state_of(attempt)
    if redirect is not None:
        status = Status.COMPLETE
    return {
        "status": status,
        "reason": reason or None,
        "identifier": attempt.identifier if attempt else None,
        "supported_first_factors": attempt.supported_first_factors if attempt else [],
        "supported_second_factors": attempt.supported_second_factors if attempt else [],
        "first_factor": attempt.first_factor if attempt else None,
        "redirect": redirect,
        "signed_in": ctx.user is not None or redirect is not None,
    }


#: An address at an enterprise connection's domain (Clerk, API 2024-10-01): the first factor
#: is enterprise_sso only; the client sends the browser to external_verification_redirect_url.
ENTERPRISE = {
    "status": Status.NEEDS_FIRST_FACTOR,
    "supported_first_factors": [Strategy.ENTERPRISE_SSO],
    "first_factor": Strategy.ENTERPRISE_SSO,
}


def current(ctx: FlowContext) -> dict[str, Any]:
    return state(ctx, attempts.current(ctx))


def _moved(ctx: FlowContext, attempt: SignInAttempt) -> dict[str, Any]:
    if attempt.status == Status.COMPLETE:
        return state(ctx, attempt, redirect=finish.finalize(ctx, attempt))
    return state(ctx, attempt)


def start(
    ctx: FlowContext, *, identifier: str, password: str = "", strategy: str = ""
) -> dict[str, Any]:
    """signIn.create(): with a password, the first factor at once; with strategy
    reset_password_* a forgotten-password reset; otherwise the identifier alone."""
    if ctx.user is not None:
        raise FlowError("session_exists")
    provider_url = enterprise_url(ctx, identifier, redirect_url="")
    if provider_url is not None:  # the address's enterprise IdP signs it in, nothing else
        return {**state(ctx), **ENTERPRISE, "external_verification_redirect_url": provider_url}
    if password:
        return _moved(ctx, identify.password(ctx, identifier=identifier, password=password))
    reset = strategy.startswith("reset_password")
    return state(ctx, identify.create(ctx, identifier=identifier, reset=reset))


def act(ctx: FlowContext, *, action: str, strategy: str, code: str = "") -> dict[str, Any]:
    """prepare_* (send a code) or attempt_* (check one) on the current step."""
    attempt = attempts.current(ctx)
    if attempt is None:
        raise FlowError("sign_in_expired")
    chosen = Strategy.parse(strategy)
    if chosen is None:
        raise FlowError("strategy_for_user_invalid", field="strategy")
    second = attempt.status in SECOND_FACTOR
    if action == "prepare":
        (second_factor.prepare if second else first_factor.prepare)(ctx, attempt, chosen)
        return state(ctx, attempt)
    if second:
        second_factor.verify(ctx, attempt, chosen, code)
    else:
        first_factor.verify(ctx, attempt, chosen, code)
    return _moved(ctx, attempt)
