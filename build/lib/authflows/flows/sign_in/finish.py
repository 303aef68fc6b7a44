"""The end of a step: persist the attempt, complete it once, and sign the session in."""

from __future__ import annotations

from django.urls import reverse

from authflows import clock
from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.flows import activation, gate, users
from authflows.flows.sign_in import attempts
from authflows.flows.sign_in.table import Reason, Status, page_of
from authflows.models import SignInAttempt


def settle(ctx: FlowContext, attempt: SignInAttempt) -> None:
    """Persist the step: an attempt that reached `complete` completes once (conditional, so
    two racing requests for it can't both finish it); any other status is saved."""
    if attempt.status != Status.COMPLETE:
        attempts.save(ctx, attempt)
        return
    now = clock.now()
    if attempt.pk:
        won = (
            SignInAttempt.objects.filter(pk=attempt.pk, expires_at__gt=now)
            .exclude(status=Status.COMPLETE)
            .update(status=Status.COMPLETE, completed_at=now)
        )
        if not won:
            raise FlowError("sign_in_expired")
    attempt.completed_at = now
    # Only a finished sign-in forgets this client's failures: a right password followed by
    # wrong codes keeps counting.
    gate.finished(ctx, attempts.claimant_of(ctx, attempt))


def finalize(ctx: FlowContext, attempt: SignInAttempt) -> str:
    """Sign the user in (or open a pending session task) and return where to go next."""
    if attempt.status != Status.COMPLETE or attempt.user is None:
        raise FlowError("sign_in_expired")
    attempts.forget(ctx)
    if attempt.reason == Reason.MFA:
        # The attempt lists the user's MFA methods: the require-MFA check needs no query.
        users.remember_methods(attempt.user, attempt.supported_second_factors)
    return activation.start_session(
        ctx,
        attempt.user,
        strategy=attempt.first_factor or "password",
        redirect_url=attempt.redirect_url,
    )


def next_url(ctx: FlowContext, attempt: SignInAttempt) -> str:
    """Where the browser goes after a step: signed in when complete, else the page of the
    attempt's new status."""
    if attempt.status == Status.COMPLETE:
        return finalize(ctx, attempt)
    return reverse(page_of(attempt))
