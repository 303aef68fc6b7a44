"""Queued messages carry one-time codes and links, so their task payload is sealed.

AES-256-GCM with a key derived from SECRET_KEY by HKDF-SHA256 (a fixed info string, so the key
serves nothing else). The task table then holds only ciphertext: a copy of the database, a
backup or an admin page of task rows shows no code. Plaintexts are padded to a multiple of
PAD_TO bytes, so a payload's length says little about what it carries (and a decoy is the same
size as the message it stands for). Keys in SECRET_KEY_FALLBACKS still open messages queued
before a key rotation.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

HKDF_INFO = b"authflows.delivery.payload.v1"
ASSOCIATED_DATA = b"authflows.delivery.task"
NONCE_BYTES = 12
PAD_TO = 4096


class UnreadablePayload(Exception):
    """The payload was not sealed with SECRET_KEY (or a fallback), or was altered."""


@functools.lru_cache(maxsize=8)
def _key(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(
        secret.encode()
    )


def _secrets() -> list[str]:
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def seal(payload: dict[str, Any]) -> str:
    """Encrypt a JSON-serialisable dict into a URL-safe text token."""
    plain = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    size = -(-len(plain) // PAD_TO) * PAD_TO
    padded = plain.ljust(size, b" ")  # JSON ignores trailing whitespace
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_key(settings.SECRET_KEY)).encrypt(nonce, padded, ASSOCIATED_DATA)
    return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(token: str) -> dict[str, Any]:
    """Decrypt a token made by seal(); raises UnreadablePayload otherwise."""
    try:
        raw = base64.urlsafe_b64decode(token.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, AttributeError) as error:
        raise UnreadablePayload from error
    nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
    for secret in _secrets():
        try:
            plain = AESGCM(_key(secret)).decrypt(nonce, sealed, ASSOCIATED_DATA)
        except (InvalidTag, ValueError):
            continue
        payload = json.loads(plain)
        if isinstance(payload, dict):
            return payload
    raise UnreadablePayload
