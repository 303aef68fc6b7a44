"""Loading, creating and saving the client's sign-in attempt (Clerk's SignIn object)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Exists, FilteredRelation, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse

from authflows import clock
from authflows.compiled import Compiled
from authflows.context import FlowContext
from authflows.factors import FactorContext
from authflows.flows import gate, notices, redirects
from authflows.flows.sign_in.table import Reason, Status
from authflows.models import SignInAttempt, TrustedClient, User, Verification
from authflows.protect.lockout import Claimant

SIGN_IN_ATTEMPT_SESSION_KEY = "authflows_sign_in"
ATTEMPT_LIFETIME = timedelta(minutes=10)


def _with_user_and_trust(attempt_id: int, client_id: int) -> QuerySet[SignInAttempt]:
    trust = TrustedClient.objects.filter(user=OuterRef("user"), client=OuterRef("client"))
    # The user's confirmed authenticator app comes in the same query (a LEFT JOIN), so
    # verifying a TOTP code costs only its conditional UPDATE.
    totp_device = FilteredRelation(
        "user__totpdevice", condition=Q(user__totpdevice__confirmed=True)
    )
    return (
        SignInAttempt.objects.annotate(
            totp_device=totp_device,
            trusted_here=Exists(trust),
            trust_lock=Subquery(trust.values("locked_until")[:1]),
        )
        .select_related("user", "current_verification", "totp_device")  # type: ignore[misc]  # totp_device: the FilteredRelation above, unknown to the stubs
        .filter(pk=attempt_id, client_id=client_id)
    )


# Read on every sign-in step: compiled once (authflows/compiled.py).
_attempt_query = Compiled(_with_user_and_trust, attempt_id=-7_919_000_011, client_id=-7_919_000_013)


def current(ctx: FlowContext) -> SignInAttempt | None:
    """The attempt this session names, if it belongs to this client, has not expired and is
    not complete."""
    attempt_id = ctx.session.get(SIGN_IN_ATTEMPT_SESSION_KEY)
    if not attempt_id or not ctx.client.id:
        return None
    attempt = _attempt_query.first(attempt_id=int(attempt_id), client_id=ctx.client.id)
    if attempt is None or attempt.status == Status.COMPLETE or attempt.expires_at <= clock.now():
        return None
    read = attempt.__dict__
    attempt.client_trusted = bool(read.pop("trusted_here", False))
    attempt.trust_locked_until = read.pop("trust_lock", None)
    ctx.client.confirm()
    return attempt


def completed(ctx: FlowContext) -> SignInAttempt | None:
    """The attempt this session completed but has not finalized yet (a reset that set the
    password in the previous request)."""
    attempt_id = ctx.session.get(SIGN_IN_ATTEMPT_SESSION_KEY)
    if not attempt_id or not ctx.client.id:
        return None
    return (
        SignInAttempt.objects.select_related("user")
        .filter(pk=attempt_id, client_id=ctx.client.id, status=Status.COMPLETE)
        .filter(completed_at__gt=clock.now() - ATTEMPT_LIFETIME)
        .first()
    )


def new(
    ctx: FlowContext, *, identifier: str, user: User | None, redirect_url: str
) -> SignInAttempt:
    """A fresh attempt (not saved yet: a trusted password sign-in completes without a row)."""
    now = clock.now()
    attempt = SignInAttempt(
        identifier=identifier,
        user=user,
        status=Status.NEEDS_IDENTIFIER,
        reason=Reason.NONE,
        redirect_url=redirects.safe_redirect_url(ctx, redirect_url),
        created_at=now,
        updated_at=now,
        expires_at=now + ATTEMPT_LIFETIME,
    )
    if user is not None:  # what find_user() read along: this client's trust for the user
        attempt.client_trusted = user.is_trusted_client
        attempt.trust_locked_until = user.trust_locked_until
    return attempt


def save(ctx: FlowContext, attempt: SignInAttempt) -> None:
    """Save the attempt (its step lives 10 more minutes) and name it in the session."""
    attempt.client_id = ctx.client.ensure()
    attempt.updated_at = clock.now()
    attempt.expires_at = attempt.updated_at + ATTEMPT_LIFETIME
    attempt.save()
    ctx.session[SIGN_IN_ATTEMPT_SESSION_KEY] = attempt.pk


def touch(attempt: SignInAttempt) -> None:
    """A resend or a refused code is a step: the attempt lives 10 more minutes, so a late code
    is answered verification_expired instead of a silent return to /sign-in/."""
    now = clock.now()
    attempt.updated_at, attempt.expires_at = now, now + ATTEMPT_LIFETIME
    SignInAttempt.objects.filter(pk=attempt.pk).update(
        updated_at=now, expires_at=attempt.expires_at
    )


def point_at(attempt: SignInAttempt, verification: Verification | None, **fields: str) -> None:
    """Remember the code just armed (and the chosen strategy) on the attempt, so checking it
    needs no lookup: one UPDATE, only when something changed."""
    changed: dict[str, Any] = {k: v for k, v in fields.items() if getattr(attempt, k) != v}
    if (
        verification is not None
        and verification.pk
        and attempt.current_verification_id != verification.pk
    ):
        changed["current_verification"] = verification
    if not changed or not attempt.pk:
        return
    for name, value in changed.items():
        setattr(attempt, name, value)
    SignInAttempt.objects.filter(pk=attempt.pk).update(**changed)


def factor_context(
    ctx: FlowContext, attempt: SignInAttempt, *, purpose: str, proven: bool, target: str = ""
) -> FactorContext:
    """What a factor needs to send or check a code of this attempt. Sends after a proof (the
    second step) spend the attempt's own budget; the first step's are anonymous."""
    user = attempt.user
    if proven:
        budget = gate.send_budget(ctx, proven=True, attempt_key=f"sign-in {attempt.pk}")
    else:
        budget = gate.send_budget(ctx, proven=False, owner_trusted=attempt.client_trusted)
    return FactorContext(
        user=user,
        settings=ctx.settings,
        purpose=purpose,
        sign_in=attempt,
        target=target or ("" if user else attempt.identifier),
        allow_send=budget,
        link_base=ctx.link(reverse("authflows:verify")),
        locale=user.locale if user else "",
        about=notices.about_request(ctx),
        verification=attempt.current_verification,
    )


def forget(ctx: FlowContext) -> None:
    """Start over (signIn.reset()): the session no longer names an attempt."""
    ctx.session.pop(SIGN_IN_ATTEMPT_SESSION_KEY, None)


def claimant_of(ctx: FlowContext, attempt: SignInAttempt) -> Claimant:
    """Whose secrets this attempt checks, with this client's trust as the loader read it."""
    return gate.claimant(
        ctx,
        attempt.user,
        identifier=attempt.identifier,
        trusted=attempt.client_trusted,
        device_locked_until=attempt.trust_locked_until,
    )
