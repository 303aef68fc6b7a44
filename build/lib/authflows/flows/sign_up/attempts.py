"""The client's sign-up attempt (Clerk's SignUp): what it still misses, what is unverified,
and which page handles it next.

missing_requirements -> complete (the user exists) -> finalize (signed in)
missing_requirements -> abandoned (24 hours without completing)
"""

from __future__ import annotations

from datetime import timedelta

from authflows import clock
from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.flows.sign_up.fields import (
    EMAIL,
    FIELDS,
    FORM_NAMES,
    IDENTIFIERS,
    PHONE,
    requirements,
)
from authflows.models import InstanceSettings, SignUpAttempt, SignUpStatus
from authflows.strategies import Strategy

Status = SignUpStatus
SIGN_UP_ATTEMPT_SESSION_KEY = "authflows_sign_up"
ABANDON_AFTER = timedelta(hours=24)

#: The page of each next step (the guard and the redirect after each step read it).
PAGES = {
    "start": "authflows:sign-up",
    "continue": "authflows:sign-up-continue",
    "verify_email": "authflows:sign-up-verify-email",
    "verify_phone": "authflows:sign-up-verify-phone",
    "complete": "authflows:sign-up-complete",
}


def current(ctx: FlowContext) -> SignUpAttempt | None:
    """The attempt this session names and this client owns, while in progress (or complete
    and not yet signed in); an attempt left for 24 hours is abandoned."""
    attempt_id = ctx.session.get(SIGN_UP_ATTEMPT_SESSION_KEY)
    if not attempt_id or not ctx.client.id:
        return None
    attempt = (
        SignUpAttempt.objects.select_related("created_user")
        .filter(pk=attempt_id, client_id=ctx.client.id)
        .exclude(status=Status.ABANDONED)
        .first()
    )
    if (
        attempt
        and attempt.status == Status.MISSING_REQUIREMENTS
        and attempt.abandon_at <= clock.now()
    ):
        SignUpAttempt.objects.filter(pk=attempt.pk).update(status=Status.ABANDONED)
        return None
    return attempt


def require(attempt: SignUpAttempt | None) -> SignUpAttempt:
    if attempt is None or attempt.status != Status.MISSING_REQUIREMENTS:
        raise FlowError("sign_up_expired")
    return attempt


def has(attempt: SignUpAttempt, name: str) -> bool:
    values = {
        EMAIL: attempt.email,
        PHONE: attempt.phone,
        "username": attempt.username,
        "password": attempt.password_hash,
        "first_name": attempt.first_name,
        "last_name": attempt.last_name,
        "legal_accepted": attempt.legal_accepted_at,
    }
    return bool(values[name])


def missing_fields(attempt: SignUpAttempt | None, settings: InstanceSettings) -> list[str]:
    """Required fields not collected yet. With no required identifier, at least one of the
    enabled ones is needed, or the user could never sign in."""
    reqs = requirements(settings)
    missing = [name for name in reqs.required if attempt is None or not has(attempt, name)]
    enabled = [name for name in IDENTIFIERS if name in reqs.enabled]
    if enabled and not any((attempt and has(attempt, n)) or n in missing for n in enabled):
        missing.insert(0, enabled[0])
    return missing


def unverified_fields(attempt: SignUpAttempt | None, settings: InstanceSettings) -> list[str]:
    if attempt is None:
        return []
    unverified = []
    if attempt.email and not attempt.email_verified:
        unverified.append(EMAIL)
    if attempt.phone and not attempt.phone_verified and settings.phone_verify_at_sign_up:
        unverified.append(PHONE)
    return unverified


def email_strategy(settings: InstanceSettings) -> Strategy:
    link = settings.email_verification == InstanceSettings.EmailVerification.LINK
    return Strategy.EMAIL_LINK if link else Strategy.EMAIL_CODE


def next_step(attempt: SignUpAttempt | None, settings: InstanceSettings) -> str:
    """What the sign-up needs next: start, continue, verify_email, verify_phone, complete."""
    if attempt is None:
        return "start"
    if attempt.status == Status.COMPLETE:
        return "complete"
    if missing_fields(attempt, settings):
        return "continue"
    unverified = unverified_fields(attempt, settings)
    if EMAIL in unverified:
        return "verify_email"
    if PHONE in unverified:
        return "verify_phone"
    return "continue"


def save(ctx: FlowContext, attempt: SignUpAttempt) -> None:
    attempt.updated_at = clock.now()
    attempt.save()
    if ctx.session.get(SIGN_UP_ATTEMPT_SESSION_KEY) != attempt.pk:
        ctx.session[SIGN_UP_ATTEMPT_SESSION_KEY] = attempt.pk


def forget(ctx: FlowContext) -> None:
    """Start over: the session forgets the attempt (it is abandoned after 24 hours)."""
    ctx.session.pop(SIGN_UP_ATTEMPT_SESSION_KEY, None)


def abandon_stale() -> int:
    """Mark sign-ups left for 24 hours as abandoned (the housekeeping job); the password hash
    of a typed password goes at once."""
    return SignUpAttempt.objects.filter(
        status=Status.MISSING_REQUIREMENTS, abandon_at__lte=clock.now()
    ).update(status=Status.ABANDONED, password_hash="", updated_at=clock.now())


def field_list(
    attempt: SignUpAttempt | None, settings: InstanceSettings, names: list[str]
) -> list[dict[str, object]]:
    """The fields a page shows, in order, each marked required or not."""
    required = set(requirements(settings).required) | set(missing_fields(attempt, settings))
    return [
        {"flow": name, "name": FORM_NAMES[name], "required": name in required}
        for name in FIELDS
        if name in names
    ]
