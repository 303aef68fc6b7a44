"""Challenges of passkey ceremonies: 32 random bytes, stored server-side for a few minutes,
used once. A challenge belongs to one ceremony (purpose) and one owner: the browser (client)
for a sign-in, the sign-in attempt for a second factor, the user for a registration. It is
consumed by one conditional UPDATE, keyed by the value the browser signed, so a replayed or
simultaneous second answer finds nothing to consume."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db.models import Q
from webauthn.helpers import bytes_to_base64url

from authflows import clock
from authflows.models import PasskeyChallenge, SignInAttempt, User

Purpose = PasskeyChallenge.Purpose
LIFETIME = timedelta(minutes=5)


def _owner(
    *, client_id: int | None, user: User | None, sign_in: SignInAttempt | None
) -> dict[str, object]:
    return {"client_id": client_id, "user": user, "sign_in": sign_in}


def issue(
    purpose: str,
    *,
    client_id: int | None,
    user: User | None = None,
    sign_in: SignInAttempt | None = None,
) -> bytes:
    """A new challenge for this owner. Its used and expired ones go; live ones stay (two tabs
    of one page each wait for their own)."""
    now = clock.now()
    owner = _owner(client_id=client_id, user=user, sign_in=sign_in)
    stale = Q(consumed_at__isnull=False) | Q(expires_at__lte=now)
    PasskeyChallenge.objects.filter(stale, purpose=purpose, **owner).delete()
    value = secrets.token_bytes(32)
    PasskeyChallenge.objects.create(
        challenge=bytes_to_base64url(value),
        purpose=purpose,
        created_at=now,
        expires_at=now + LIFETIME,
        **owner,
    )
    return value


def consume(
    value: bytes,
    purpose: str,
    *,
    client_id: int | None,
    user: User | None = None,
    sign_in: SignInAttempt | None = None,
) -> bool:
    """Use the challenge the browser signed, once: True when it was this owner's, live and
    unused (one conditional UPDATE, so of two simultaneous answers exactly one wins)."""
    if client_id is None or not value:
        return False
    now = clock.now()
    owner = _owner(client_id=client_id, user=user, sign_in=sign_in)
    won = PasskeyChallenge.objects.filter(
        challenge=bytes_to_base64url(value),
        purpose=purpose,
        consumed_at__isnull=True,
        expires_at__gt=now,
        **owner,
    ).update(consumed_at=now)
    return bool(won)
