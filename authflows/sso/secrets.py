"""Client secrets of identity providers, sealed at rest.

AES-256-GCM with a key derived from SECRET_KEY by HKDF-SHA256 under an info string of its own
(the key serves nothing else). A copy of the database shows no secret; keys in
SECRET_KEY_FALLBACKS still open secrets sealed before a key rotation."""

from __future__ import annotations

import base64
import binascii
import functools
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

HKDF_INFO = b"authflows.sso.secret.v1"
ASSOCIATED_DATA = b"authflows.sso"
NONCE_BYTES = 12


class UnreadableSecret(Exception):
    """Not sealed with SECRET_KEY (or a fallback), or altered."""


@functools.lru_cache(maxsize=8)
def _key(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(
        secret.encode()
    )


def seal(plain: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_key(settings.SECRET_KEY)).encrypt(nonce, plain.encode(), ASSOCIATED_DATA)
    return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(token: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(token.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError) as error:
        raise UnreadableSecret from error
    nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        try:
            return AESGCM(_key(secret)).decrypt(nonce, sealed, ASSOCIATED_DATA).decode()
        except (InvalidTag, ValueError):
            continue
    raise UnreadableSecret
