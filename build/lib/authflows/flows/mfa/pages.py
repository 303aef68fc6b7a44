"""The MFA pages of the account (/user/mfa/...) and the pending setup-mfa session task
(/sign-in/tasks/setup-mfa/): both enrol through the same steps."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.factors import backup_code
from authflows.flows import activation, reverify, users
from authflows.flows.mfa import enrol, remove
from authflows.flows.mfa.methods import BACKUP, PHONE, TOTP, addable
from authflows.flows.screens import Screen, Submission
from authflows.models import User
from authflows.strategies import Strategy

BACKUP_NONCE_SESSION_KEY = "authflows_backup_codes_nonce"


def reverification_url(ctx: FlowContext, here: str) -> str | None:
    """Where to prove it's you first, when the last proof is not recent (None when it is)."""
    if reverify.is_recent(ctx):
        return None
    return f"{reverse('authflows:reverify')}?{urlencode({'redirect_url': here})}"


def _done(ctx: FlowContext, user: User, *, task: bool, message: str) -> Screen:
    """A real method was added: the pending task (if any) is done and the session starts;
    otherwise the account page, or the offer of backup codes if the user has none yet."""
    if task:
        return Screen(redirect=activation.finish_task(ctx, user))
    wants_codes = BACKUP in ctx.settings.enabled_mfa_strategies() and not backup_code.remaining(
        user
    )
    page = "authflows:mfa-backup-codes" if wants_codes else "authflows:account"
    return Screen(redirect=reverse(page), message=message)


def _base(ctx: FlowContext, user: User, *, task: bool, method: Strategy) -> Screen:
    others = [m for m in addable(user, ctx.settings) if m != method] if task else []
    status = "setup-mfa" if task else f"mfa_{'totp' if method is TOTP else 'phone'}"
    return Screen(
        status=status, strategy=method, extra={"task": task, "method": method, "others": others}
    )


def totp_page(ctx: FlowContext, user: User, sub: Submission, *, task: bool = False) -> Screen:
    """Adding the authenticator app: the QR code and the secret, then a current code."""
    try:
        enrolment = enrol.start_totp(ctx, user)
    except FlowError:  # off in the Dashboard, or already added
        return Screen(redirect=reverse("authflows:task-setup-mfa" if task else "authflows:account"))
    screen = _base(ctx, user, task=task, method=TOTP)
    screen.extra.update(secret=enrolment.secret, uri=enrolment.uri)
    if sub.posted:
        try:
            enrol.confirm_totp(ctx, user, code=sub.code, enrolment=enrolment)
        except FlowError as error:
            screen.error = error
        else:
            return _done(ctx, user, task=task, message=_("Authenticator app added."))
    return screen


def phone_page(ctx: FlowContext, user: User, sub: Submission, *, task: bool = False) -> Screen:
    """Adding SMS codes: the number (action "send"), then the code sent to it ("verify")."""
    if PHONE not in addable(user, ctx.settings):
        return Screen(redirect=reverse("authflows:task-setup-mfa" if task else "authflows:account"))
    screen = _base(ctx, user, task=task, method=PHONE)
    pending = ""
    try:
        if sub.action == "send":
            screen.challenge = enrol.start_phone(ctx, user, phone=sub.identifier)
            if screen.challenge is None:  # an already verified number: added at once
                return _done(ctx, user, task=task, message=_("SMS codes added."))
            pending = screen.challenge.verification.target if screen.challenge.verification else ""
        elif sub.action == "resend":
            pending, screen.notice = enrol.pending_phone(ctx, user), "sent"
            screen.challenge = enrol.start_phone(ctx, user, phone=pending, resend=True)
        elif sub.action == "verify":
            enrol.confirm_phone(ctx, user, code=sub.code)
            return _done(ctx, user, task=task, message=_("SMS codes added."))
    except FlowError as error:
        screen.error, screen.notice = error, ""
    if not pending and sub.action != "send":
        pending = enrol.pending_phone(ctx, user)
    asked_number = sub.strategy == "number" or (sub.action == "send" and screen.error is not None)
    screen.extra.update(step="code" if pending and not asked_number else "number", pending=pending)
    return screen


def offer_backup_codes(ctx: FlowContext, user: User) -> Screen:
    """The page that offers a new set of backup codes; its form carries a one-time nonce, so a
    reloaded (resubmitted) form never silently makes another set."""
    nonce = secrets.token_urlsafe(16)
    ctx.session[BACKUP_NONCE_SESSION_KEY] = nonce
    left = backup_code.remaining(user)
    return Screen(status="mfa_backup_codes_offer", extra={"nonce": nonce, "left": left})


def create_backup_codes(ctx: FlowContext, user: User, nonce: str) -> Screen:
    """POST: make a new set and show it, once (the codes are in this response only)."""
    expected = ctx.session.pop(BACKUP_NONCE_SESSION_KEY, None)
    if not expected or not secrets.compare_digest(str(expected), nonce):
        return Screen(status="mfa_backup_codes_shown", extra={"already_shown": True})
    try:
        codes = enrol.create_backup_codes(ctx, user)
    except FlowError as error:
        return Screen(redirect=reverse("authflows:account"), error=error)
    return Screen(
        status="mfa_backup_codes", extra={"codes": codes, "codes_text": "\n".join(codes) + "\n"}
    )


def remove_page(ctx: FlowContext, user: User, method: Strategy, sub: Submission) -> Screen:
    if method not in users.methods_of(user).enrolled:
        return Screen(redirect=reverse("authflows:account"))
    screen = Screen(status="mfa_remove", strategy=method, extra={"method": method})
    screen.extra["needs_password"] = user.has_usable_password()
    if not sub.posted:
        return screen
    try:
        remove.remove_method(ctx, user, method=method, password=sub.password)
    except FlowError as error:
        screen.error = error
        return screen
    return Screen(redirect=reverse("authflows:account"), message=_("Method removed."))


def setup_task(ctx: FlowContext, sub: Submission, *, asked: str) -> Screen:
    """Require MFA: the session stays pending (signed out everywhere else) until the user adds
    a real method here; then it becomes active and continues to the original redirect_url."""
    user = activation.pending_user(ctx)
    if user is None or activation.pending_task(ctx) != activation.TASK_SETUP_MFA:
        return Screen(redirect=reverse("authflows:sign-in"))
    methods = addable(user, ctx.settings)
    if users.methods_of(user).usable(ctx.settings) or not methods:
        # A method was added elsewhere meanwhile (or none can be added here): this task can't
        # finish the sign-in; signing in again asks for the method the account has now.
        activation.drop_pending(ctx)
        return Screen(redirect=reverse("authflows:sign-in"))
    if not users.mfa_required_but_missing(user, ctx.settings):  # Require MFA turned off
        return Screen(redirect=activation.finish_task(ctx, user))
    method = Strategy.parse(asked)
    if method not in methods:
        method = methods[0]
    if method is TOTP:
        return totp_page(ctx, user, sub, task=True)
    return phone_page(ctx, user, sub, task=True)
