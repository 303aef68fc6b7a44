"""Session tokens: a short-lived RS256 JWT per session with Clerk's claims, signed by a key
from the database and published (public halves only) as a JWKS.

Keys rotate by themselves: a key signs for ROTATE_AFTER, then a new one takes over and the old
one stays published for PUBLISH_RETIRED_FOR (far longer than any token it signed lives), so a
verifier that caches the JWKS never meets an unknown `kid` for a live token. `manage.py
rotate_signing_key` rotates at once (after a suspected leak: the old key is withdrawn too).
The private halves are stored sealed (AES-256-GCM, a key derived from SECRET_KEY by HKDF with
its own label); SECRET_KEY_FALLBACKS still open keys sealed before a SECRET_KEY rotation.
"""

from __future__ import annotations

import base64
import functools
import logging
import os
import secrets
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction

from authflows import clock
from authflows.models import SigningKey

ALGORITHM = "RS256"
#: Seconds a session token is valid; clerk-js refreshes it shortly before it expires.
TOKEN_LIFETIME = 60
#: Clock skew allowed for `nbf` (a verifier's clock a little behind ours).
NOT_BEFORE_SKEW = 5
ROTATE_AFTER = timedelta(days=30)
PUBLISH_RETIRED_FOR = timedelta(days=2)
_HKDF_INFO = b"authflows.fapi.signing-key.v1"
logger = logging.getLogger(__name__)
_ASSOCIATED_DATA = b"authflows.fapi.signing-key"


class KeyUnavailable(Exception):
    """No signing key can be opened with SECRET_KEY or its fallbacks."""


@functools.lru_cache(maxsize=8)
def _sealing_key(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
        secret.encode()
    )


def _seal(private_pem: bytes) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_sealing_key(settings.SECRET_KEY)).encrypt(nonce, private_pem, _ASSOCIATED_DATA)
    return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def _unseal(token: str) -> bytes:
    raw = base64.urlsafe_b64decode(token.encode("ascii"))
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        try:
            return AESGCM(_sealing_key(secret)).decrypt(raw[:12], raw[12:], _ASSOCIATED_DATA)
        except InvalidTag:
            continue
    raise KeyUnavailable("the signing key was sealed with another SECRET_KEY")


@functools.lru_cache(maxsize=16)
def _private_key(kid: str, sealed: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(_unseal(sealed), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def _new_key() -> SigningKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    kid = "ins_" + secrets.token_hex(12)
    public = jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    public.update({"kid": kid, "alg": ALGORITHM, "use": "sig"})
    return SigningKey(kid=kid, private_sealed=_seal(pem), public_jwk=public)


def rotate(*, withdraw_old: bool = False) -> SigningKey:
    """A new key signs from now on. The old ones stay published for PUBLISH_RETIRED_FOR, or
    are withdrawn at once (`withdraw_old`: their tokens stop verifying). Keys retired longer
    ago than that are deleted."""
    now = clock.now()
    with transaction.atomic():
        active = SigningKey.objects.filter(retired_at__isnull=True)
        if withdraw_old:
            SigningKey.objects.all().delete()
        else:
            active.update(retired_at=now)
            SigningKey.objects.filter(retired_at__lte=now - PUBLISH_RETIRED_FOR).delete()
        key = _new_key()
        key.created_at = now
        key.save()
    return key


def signing_key() -> SigningKey:
    """The key that signs now (created on first use, replaced after ROTATE_AFTER)."""
    key = SigningKey.objects.filter(retired_at__isnull=True).order_by("-created_at").first()
    if key is None or key.created_at <= clock.now() - ROTATE_AFTER:
        key = rotate()
    return key


def jwks() -> dict[str, list[dict[str, Any]]]:
    """The public halves of the keys a live token may carry (never a private part)."""
    oldest = clock.now() - PUBLISH_RETIRED_FOR
    keys = SigningKey.objects.exclude(retired_at__lte=oldest).order_by("-created_at")
    return {"keys": [dict(key.public_jwk) for key in keys]}


def mint(
    *,
    subject: str,
    session_id: str,
    issuer: str,
    authorized_party: str,
    signed_in_at: datetime,
    status: str = "active",
) -> str:
    """A session token with Clerk's claims: sub, sid, iat, nbf, exp, iss, azp, sts, v, fva."""
    key = signing_key()
    now = int(clock.now().timestamp())
    minutes = max(0, (now - int(signed_in_at.timestamp())) // 60)
    claims: dict[str, Any] = {
        "sub": subject,
        "sid": session_id,
        "iat": now,
        "nbf": now - NOT_BEFORE_SKEW,
        "exp": now + TOKEN_LIFETIME,
        "iss": issuer,
        "sts": status,
        "v": 2,
        # Minutes since the first and the second factor were verified (-1: not tracked).
        "fva": [minutes, -1],
    }
    if authorized_party:
        claims["azp"] = authorized_party
    try:
        private = _private_key(key.kid, key.private_sealed)
    except KeyUnavailable:
        # SECRET_KEY changed without the old one in SECRET_KEY_FALLBACKS: the key can't be
        # opened any more, so a new one signs (tokens signed before stay verifiable).
        logger.warning("session token key %s can't be opened: a new key signs", key.kid)
        key = rotate()
        private = _private_key(key.kid, key.private_sealed)
    return jwt.encode(claims, private, algorithm=ALGORITHM, headers={"kid": key.kid})
