"""Verifying an address a user added (Clerk's prepareVerification / attemptVerification):
the code or link goes to the new address, spending the signed-in user's proven message
budget; under strict enumeration protection an address another account holds gets the same
answers and work, and its owner a notice instead of a code. The first verified address of a
kind becomes the primary one."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.urls import reverse

from authflows import clock
from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.factors import Challenge, FactorContext, Outcome, codes, get_factor
from authflows.factors.code_factors import open_link
from authflows.flows import gate, notices
from authflows.flows.gate import Secret
from authflows.flows.me.identifications import (
    Identification,
    is_reserved,
    kind_of,
    lock_account,
    other_owner,
    record_change,
    set_primary,
    strategy_for,
)
from authflows.models import AuthEvent, EmailAddress, User, Verification
from authflows.strategies import Strategy


def _factor_context(ctx: FlowContext, user: User, row: Identification) -> FactorContext:
    """Codes for adding an address belong to the user (no sign-in or sign-up attempt) and
    spend the signed-in user's proven message budget."""
    return FactorContext(
        user=user,
        settings=ctx.settings,
        purpose=Verification.Purpose.IDENTIFICATION,
        target=row.value,
        allow_send=gate.send_budget(ctx, proven=True, attempt_key=f"user {user.pk}"),
        link_base=ctx.link(reverse("authflows:email-address-link")),
        locale=user.locale,
        about=notices.about_request(ctx),
    )


def prepare(
    ctx: FlowContext, user: User, row: Identification, *, resend: bool = False
) -> Challenge:
    """Send the code or link that verifies the address (prepareVerification). On arrival a
    live code is kept; "I need a new code" replaces it after the cool-down."""
    if row.verified:
        raise FlowError("verification_missing", field="code")
    kind = kind_of(row)
    strategy = strategy_for(ctx.settings, kind)
    if resend:
        gate.throttle(ctx, "code_send")
    factor_ctx = _factor_context(ctx, user, row)
    owner = other_owner(kind, row.value, user)
    if owner is not None and not ctx.settings.strict_enumeration:
        raise FlowError("form_identifier_exists", field="code")
    if owner is not None:
        challenge = _notifyother_owner(ctx, factor_ctx, strategy, owner=owner, resend=resend)
    else:
        challenge = get_factor(strategy).prepare(factor_ctx, resend=resend)
    if challenge.sent:
        gate.record(
            ctx, AuthEvent.Kind.CODE_SENT, user=user, strategy=strategy, purpose=factor_ctx.purpose
        )
    if resend and challenge.throttled:
        raise FlowError(
            "verification_code_too_many_requests", field="code", seconds=challenge.retry_after
        )
    return challenge


def _notifyother_owner(
    ctx: FlowContext, factor_ctx: FactorContext, strategy: Strategy, *, owner: User, resend: bool
) -> Challenge:
    """Strict enumeration protection: arm a code as usual (same cool-down, same answers; no
    one ever sees it, so the address can't be verified here) and tell the owner instead."""
    challenge, secret = codes.issue(
        factor_ctx,
        strategy=strategy,
        target=factor_ctx.target,
        link=strategy is Strategy.EMAIL_LINK,
        resend=resend,
    )
    if secret:
        phone = strategy is Strategy.PHONE_CODE
        notices.identification_claimed(ctx, target=factor_ctx.target, phone=phone, owner=owner)
    return challenge


def cooldown(ctx: FlowContext, user: User, row: Identification) -> Challenge | None:
    """The live code's cool-down, without sending (a page shown again after a refusal)."""
    strategy = strategy_for(ctx.settings, kind_of(row))
    challenge = codes.cooldown(_factor_context(ctx, user, row), strategy)
    live = challenge and challenge.verification and challenge.verification.target == row.value
    return challenge if live else None


def verify(ctx: FlowContext, user: User, row: Identification, code: str) -> None:
    """Check the code sent to the address (attemptVerification). A wrong code guesses no
    secret of the account (the code went to the new address): it counts per IP and against
    the code's own tries, not toward the account's lock."""
    if row.verified:
        raise FlowError("verification_missing", field="code")
    strategy = strategy_for(ctx.settings, kind_of(row))
    if strategy is Strategy.EMAIL_LINK:
        raise FlowError("strategy_for_user_invalid", field="code")
    factor_ctx = _factor_context(ctx, user, row)

    def check() -> Outcome:
        verification = codes.find_verification(factor_ctx, strategy)
        if verification is None or verification.target != row.value:
            return Outcome.MISSING if not code.strip() else Outcome.NOT_PREPARED
        return codes.check_code(verification, code)

    gate.check(ctx, gate.claimant(ctx, user), Secret(strategy, account=False), check)
    mark_verified(ctx, user, row)


def land(ctx: FlowContext, token: str) -> tuple[bool, str]:
    """The emailed link's Continue button, in any browser: the link proves the mailbox, so
    it verifies the address there. Returns (verified, the refusal's error code)."""
    gate.throttle(ctx, "factor_attempt")
    outcome, verification = open_link(token)
    if not outcome.ok or verification is None:
        return False, outcome.error_code
    if verification.purpose != Verification.Purpose.IDENTIFICATION or verification.user is None:
        return False, Outcome.INCORRECT.error_code
    user = verification.user
    row = EmailAddress.objects.filter(user=user, email_address=verification.target).first()
    if row is None or not codes.consume(verification).ok:
        return False, Outcome.INCORRECT.error_code
    try:
        mark_verified(ctx, user, row)
    except FlowError as error:
        return False, error.code
    return True, ""


def mark_verified(ctx: FlowContext, user: User, row: Identification) -> None:
    """The address is the user's now. Conditional, under the unique index: of two accounts
    verifying one address at the same moment exactly one wins; the other is told it is taken.
    The first verified address of its kind becomes the primary one."""
    kind = kind_of(row)
    now = clock.now()
    try:
        with transaction.atomic():
            won = kind.model.objects.filter(pk=row.pk, verified=False).update(
                verified=True, verified_at=now, updated_at=now
            )
    except IntegrityError as exc:
        raise FlowError("form_identifier_exists", field="code") from exc
    if not won:
        return
    row.verified, row.verified_at = True, now
    record_change(ctx, user, row, AuthEvent.Kind.IDENTIFICATION_ADDED)
    lock_account(user)
    if row.primary:  # the primary address, unverified until now
        set_primary(ctx, user, kind, row.value, change=f"{kind.column}_verified")
    elif not getattr(user, kind.column) and not is_reserved(row):
        set_primary(ctx, user, kind, row.value)
