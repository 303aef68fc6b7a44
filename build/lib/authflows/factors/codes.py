"""One-time codes and links: generated with `secrets`, stored as keyed hashes, used once.

Single use is a database fact: a code is consumed with a conditional UPDATE (… WHERE
consumed_at IS NULL), so of two simultaneous submissions exactly one wins.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from django.db.models import F
from django.utils.crypto import constant_time_compare

from authflows import clock
from authflows.app_settings import app_settings
from authflows.db import insert_once
from authflows.factors.base import Challenge, FactorContext, Outcome
from authflows.models import Verification

CODE_LIFETIME = timedelta(minutes=10)
MAX_WRONG_TRIES = 5
CODE_COOLDOWN_SECONDS = 30
LINK_COOLDOWN_SECONDS = 60
_TEST_PHONE = re.compile(r"^\+1\d{3}55501\d{2}$")


def generate_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def generate_token() -> str:
    return secrets.token_urlsafe(32)


def keyed_hash(value: str) -> str:
    return hmac.new(app_settings.CODE_HASH_KEY, value.encode(), hashlib.sha256).hexdigest()


def is_test_target(target: str) -> bool:
    """Test-mode addresses: a +clerk_test subaddress, or +1 XXX 555-0100..0199."""
    local = target.split("@", 1)[0] if "@" in target else ""
    return "+clerk_test" in local or bool(_TEST_PHONE.match(target))


def normalize_code(code: str) -> str:
    return "".join(code.split()).replace("-", "")


def _owner_filter(ctx: FactorContext) -> dict[str, object]:
    if ctx.sign_in is not None:
        return {"sign_in": ctx.sign_in}
    if ctx.sign_up is not None:
        return {"sign_up": ctx.sign_up}
    return {"user": ctx.user, "sign_in": None, "sign_up": None}


def find_verification(ctx: FactorContext, strategy: str) -> Verification | None:
    current = ctx.sign_in.current_verification if ctx.sign_in is not None else None
    if current is not None and (current.purpose, current.strategy) == (ctx.purpose, strategy):
        return current  # loaded with the attempt: no query
    # A flow that already loaded its verification (select_related) passes it along, saving
    # the query; it is used only when it is the one this lookup would find.
    known = ctx.verification
    owner = (getattr(ctx.sign_in, "pk", None), getattr(ctx.sign_up, "pk", None))
    if isinstance(known, Verification) and (
        known.purpose,
        known.strategy,
        known.sign_in_id,
        known.sign_up_id,
    ) == (ctx.purpose, strategy, *owner):
        return known
    if ctx.sign_in is not None and ctx.sign_in.current_verification_id is None:
        # Every code sent for a sign-in attempt is recorded on it as its current verification,
        # so an attempt that names none has none (a racing creation is caught by the INSERT).
        return None
    return _query_verification(ctx, strategy)


def _query_verification(ctx: FactorContext, strategy: str) -> Verification | None:
    return Verification.objects.filter(
        **_owner_filter(ctx), purpose=ctx.purpose, strategy=strategy
    ).first()


def issue(
    ctx: FactorContext, *, strategy: str, target: str, link: bool, resend: bool
) -> tuple[Challenge, str]:
    """Arm a code (or link token) for ctx's owner, purpose and strategy.

    Returns the challenge and the secret to deliver ("" when nothing is to be sent: inside the
    cool-down, or an existing live code on first arrival). A resend replaces the code in place, so
    there is never more than one live code per owner, purpose and strategy.
    """
    cooldown = LINK_COOLDOWN_SECONDS if link else CODE_COOLDOWN_SECONDS
    now = clock.now()
    existing = find_verification(ctx, strategy)
    if existing is not None and existing.target == target:
        elapsed = (now - existing.sent_at).total_seconds()
        live = existing.consumed_at is None and existing.expires_at > now
        if elapsed < cooldown or (live and not resend and existing.attempts < MAX_WRONG_TRIES):
            left = max(0, int(cooldown - elapsed))
            return Challenge(existing, retry_after=left, throttled=elapsed < cooldown), ""
    test_mode = ctx.settings.test_mode and is_test_target(target)
    if not test_mode:
        # Before the old code is replaced: a refused send leaves the live code usable.
        ctx.allow_send(target)
    secret = (
        generate_token() if link else (app_settings.TEST_CODE if test_mode else generate_code())
    )
    fields = {
        "target": target,
        "code_hash": "" if link else keyed_hash(secret),
        "token_hash": keyed_hash(secret) if link else "",
        "test_mode": test_mode,
        "attempts": 0,
        "sent_at": now,
        "expires_at": now + CODE_LIFETIME,
        "verified_at": None,
        "consumed_at": None,
        "user": ctx.user,
    }
    if existing is not None:
        # Conditional: if another request re-sent meanwhile, it wins and we send nothing.
        won = Verification.objects.filter(pk=existing.pk, sent_at=existing.sent_at).update(**fields)
        if not won:
            return Challenge(existing, retry_after=cooldown, throttled=True), ""
        for name, value in fields.items():
            setattr(existing, name, value)
        verification = existing
    else:
        verification = Verification(
            **{**_owner_filter(ctx), **fields}, purpose=ctx.purpose, strategy=strategy
        )
        if not insert_once(verification):  # another request created it at the same moment
            winner = _query_verification(ctx, strategy)
            return Challenge(winner, retry_after=cooldown, throttled=True), ""
    return Challenge(verification, sent=not test_mode, retry_after=cooldown), (
        "" if test_mode else secret
    )


def cooldown(ctx: FactorContext, strategy: str) -> Challenge | None:
    """The live code's state without sending anything: seconds left of its cool-down."""
    existing = find_verification(ctx, strategy)
    if existing is None:
        return None
    cooldown = LINK_COOLDOWN_SECONDS if strategy == "email_link" else CODE_COOLDOWN_SECONDS
    left = max(0, int(cooldown - (clock.now() - existing.sent_at).total_seconds()))
    return Challenge(existing, retry_after=left, throttled=left > 0)


def check_code(verification: Verification | None, code: str) -> Outcome:
    """Check a 6-digit code against a verification and consume it on success."""
    code = normalize_code(code or "")
    if not code:
        return Outcome.MISSING
    if verification is None:
        return Outcome.NOT_PREPARED
    now = clock.now()
    if verification.attempts >= MAX_WRONG_TRIES:
        return Outcome.FAILED
    if verification.consumed_at is not None:
        return Outcome.INCORRECT
    if verification.expires_at <= now:
        return Outcome.EXPIRED
    if not constant_time_compare(keyed_hash(code), verification.code_hash):
        return record_wrong_try(verification)
    return consume(verification, now=now)


def record_wrong_try(verification: Verification) -> Outcome:
    """Count a wrong try. Conditional, like consume(): of many simultaneous guesses at most
    MAX_WRONG_TRIES are counted, and consume() refuses once they are, so parallel guessing
    gains nothing over guessing in turn."""
    counted = Verification.objects.filter(pk=verification.pk, attempts__lt=MAX_WRONG_TRIES).update(
        attempts=F("attempts") + 1
    )
    verification.attempts = verification.attempts + 1 if counted else MAX_WRONG_TRIES
    return Outcome.FAILED if verification.attempts >= MAX_WRONG_TRIES else Outcome.INCORRECT


def consume(verification: Verification, *, now: datetime | None = None) -> Outcome:
    now = now or clock.now()
    won = Verification.objects.filter(
        pk=verification.pk,
        consumed_at__isnull=True,
        attempts__lt=MAX_WRONG_TRIES,
        expires_at__gt=now,
    ).update(consumed_at=now, verified_at=F("verified_at") if verification.verified_at else now)
    if not won:
        return Outcome.INCORRECT
    verification.consumed_at = now
    verification.verified_at = verification.verified_at or now
    return Outcome.OK
