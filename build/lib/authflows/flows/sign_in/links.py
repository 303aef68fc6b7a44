"""Emailed links: the landing page (opened in any browser) and the waiting tab's polling."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.factors.code_factors import open_link
from authflows.flows import gate
from authflows.flows.screens import Screen
from authflows.flows.sign_in import attempts, finish, first_factor, second_factor
from authflows.flows.sign_in.table import Status, state_of


@dataclass(frozen=True)
class Poll:
    """What the waiting tab learns: the attempt's status, and where to go once it moved on."""

    status: str
    redirect: str | None = None


def poll(ctx: FlowContext) -> Poll:
    """The waiting tab of an email-link step asks: was the link opened (in any browser)?"""
    attempt = attempts.current(ctx)
    if first_factor.link_opened(ctx, attempt) or second_factor.link_opened(ctx, attempt):
        assert attempt is not None
        return Poll(Status.COMPLETE, finish.next_url(ctx, attempt))
    if attempt is None and ctx.user is not None:
        return Poll(Status.COMPLETE, "/")
    return Poll(state_of(attempt)[0])


def land(ctx: FlowContext, token: str) -> Screen:
    """The link's Continue button. In the browser that asked, the step finishes here; in
    another, the link is marked verified and the first tab finishes it."""
    gate.throttle(ctx, "factor_attempt")
    attempt = attempts.current(ctx)
    if token and second_factor.link_opened(ctx, attempt, token):
        assert attempt is not None
        return Screen(status=attempt.status, redirect=finish.next_url(ctx, attempt))
    outcome, verification = open_link(token)
    here = (
        attempt is not None and verification is not None and attempt.pk == verification.sign_in_id
    )
    if outcome.ok and here and attempt is not None and attempt.status == Status.NEEDS_FIRST_FACTOR:
        # The factor-one page finishes the sign-in (one request, within the query budget).
        return Screen(status=attempt.status, redirect=reverse("authflows:factor-one"))
    ok = outcome.ok
    return Screen(
        status="verified" if ok else "failed",
        error=None if ok else FlowError(outcome.error_code),
        extra={"ok": ok, "error_code": "" if ok else outcome.error_code},
    )
