"""A forgotten password (signIn.create({strategy: reset_password_*}), resetPassword()): the
identifier, the reset code, the second factor for a user with MFA, then the new password.
Nothing about the account changes before the new password is accepted."""

from __future__ import annotations

from django.urls import reverse

from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.flows import passwords, trust, user_sessions
from authflows.flows.screens import Screen, Submission
from authflows.flows.sign_in import attempts, finish, first_factor, identify
from authflows.flows.sign_in.table import Reason, Status, handles, move, page_of
from authflows.models import SignInAttempt, User
from authflows.strategies import Strategy

PAGE = "authflows:reset-password"


def set_new_password(ctx: FlowContext, attempt: SignInAttempt, password: str) -> None:
    """signIn.resetPassword(): set the new password, end every session of the user, revoke
    every trusted client; this client is trusted again when the user passed MFA here."""
    if attempt.status != Status.NEEDS_NEW_PASSWORD or attempt.user is None:
        raise FlowError("sign_in_expired")
    user = attempt.user
    passwords.validate_password(password, settings=ctx.settings, user=user)
    user.set_password(password)
    User.objects.filter(pk=user.pk).update(password=user.password)
    user_sessions.after_password_reset(ctx, user)
    if attempt.reason == Reason.MFA:
        trust.trust_client(ctx, user, strategy=attempt.supported_second_factors[0])
    move(attempt, Status.COMPLETE)
    finish.settle(ctx, attempt)


def page(ctx: FlowContext, sub: Submission) -> Screen:
    """One page, three steps: the identifier, the reset code, the new password. Signing in
    happens on the next GET (see finish_reset()), which keeps each request within budget."""
    attempt = attempts.current(ctx)
    if handles(PAGE, attempt) and attempt is not None:
        if attempt.status == Status.NEEDS_NEW_PASSWORD:
            return _new_password(ctx, attempt, sub)
        return _code(ctx, attempt, sub)
    if attempt is None or (attempt.status, attempt.reason) == (
        Status.NEEDS_FIRST_FACTOR,
        Reason.NONE,
    ):
        return _identifier(ctx, sub)
    return Screen(status=attempt.status, redirect=reverse(page_of(attempt)))


def finish_reset(ctx: FlowContext) -> str | None:
    """The reset completed in the previous request: sign in now (None when there is none)."""
    done = attempts.completed(ctx)
    if done is None or not Strategy(done.first_factor or "password").is_reset:
        return None
    return finish.finalize(ctx, done)


def _identifier(ctx: FlowContext, sub: Submission) -> Screen:
    screen = Screen(status=Status.NEEDS_IDENTIFIER, extra={"step": "identifier"})
    if sub.posted:
        try:
            identify.create(ctx, identifier=sub.identifier, reset=True)
        except FlowError as error:
            screen.error = error
        else:
            screen.redirect = reverse(PAGE)
    return screen


def _code(ctx: FlowContext, attempt: SignInAttempt, sub: Submission) -> Screen:
    strategy = Strategy(attempt.first_factor)
    screen = Screen(status=attempt.status, strategy=strategy, extra={"step": "code"})
    try:
        if not sub.posted:
            screen.challenge = first_factor.prepare(ctx, attempt, strategy)
        elif sub.action == "resend":
            screen.challenge = first_factor.prepare(ctx, attempt, strategy, resend=True)
            screen.notice = "sent"
        else:
            first_factor.verify(ctx, attempt, strategy, sub.code)
            return Screen(status=attempt.status, redirect=reverse(page_of(attempt)))
    except FlowError as error:
        screen.error = error
        screen.challenge = screen.challenge or first_factor.pending(ctx, attempt, strategy)
    screen.target = first_factor.target(ctx, attempt, strategy)
    return screen


def _new_password(ctx: FlowContext, attempt: SignInAttempt, sub: Submission) -> Screen:
    screen = Screen(status=attempt.status, extra={"step": "new_password"})
    if sub.posted:
        try:
            set_new_password(ctx, attempt, sub.password)
        except FlowError as error:
            screen.error = error
        else:
            screen.redirect = reverse(PAGE)
    return screen
