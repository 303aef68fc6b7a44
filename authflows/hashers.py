"""Argon2id password hashing: the parameters from settings, verification through libsodium.

libsodium (PyNaCl) computes Argon2id with the CPU's widest vector instructions, chosen at run
time (AVX2, AVX-512), where argon2-cffi's wheels use SSE only: the same hash, with the same
parameters, in well under half the CPU time on a current x86-64 server. A sign-in's cost is
almost all its password verification, so this is the largest single saving per sign-in; an
attacker's cost per guess is unchanged, since the parameters are.

libsodium computes one lane (p=1, the default here) of version 19 (0x13). A hash it cannot
verify (more lanes, Argon2i or Argon2d, an older version, a string it refuses) is verified
by argon2-cffi, as Django does. New hashes are made by argon2-cffi, which takes Django's salt.
"""

from __future__ import annotations

import argon2
import nacl.exceptions
import nacl.pwhash.argon2id
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher

#: The encoded hashes libsodium verifies: Argon2id, version 19, one lane.
SODIUM_PREFIX = "$argon2id$v=19$"
#: libsodium's limit on an encoded hash's length (crypto_pwhash_STRBYTES - 1).
SODIUM_MAX_ENCODED = 127


def sodium_verifies(encoded: str) -> bool:
    """True when libsodium computes this hash (without Django's "argon2" prefix)."""
    if not encoded.startswith(SODIUM_PREFIX) or len(encoded) > SODIUM_MAX_ENCODED:
        return False
    fields = encoded[len(SODIUM_PREFIX) :].split("$", 1)[0].split(",")
    return "p=1" in fields


def verify(encoded: str, password: str) -> bool:
    """Whether the password matches the Argon2 hash (without Django's "argon2" prefix). A
    damaged hash, or a password no hash can have been made from (not encodable as UTF-8, such
    as a lone surrogate sent in JSON), is a mismatch, not an error."""
    try:
        secret, ascii_hash = password.encode(), encoded.encode("ascii")
    except UnicodeEncodeError:
        return False
    if sodium_verifies(encoded):
        try:
            return nacl.pwhash.argon2id.verify(ascii_hash, secret)
        except (nacl.exceptions.InvalidkeyError, nacl.exceptions.ValueError):
            return False
    try:
        return argon2.PasswordHasher().verify(ascii_hash, secret)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False


class ConfiguredArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with the parameters chosen in settings (ARGON2_* environment variables), read
    on every use, so a change of settings applies without a restart.

    Hashes made with other parameters still verify, and are re-hashed on the next
    successful sign-in (Django's must_update compares against params()).
    """

    algorithm = "argon2"

    def verify(self, password: str, encoded: str) -> bool:
        algorithm, rest = encoded.split("$", 1)
        assert algorithm == self.algorithm
        return verify("$" + rest, password)

    def params(self) -> argon2.Parameters:
        return argon2.Parameters(
            type=argon2.low_level.Type.ID,
            version=argon2.low_level.ARGON2_VERSION,
            salt_len=argon2.DEFAULT_RANDOM_SALT_LENGTH,
            hash_len=argon2.DEFAULT_HASH_LENGTH,
            time_cost=settings.ARGON2_TIME_COST,
            memory_cost=settings.ARGON2_MEMORY_COST,
            parallelism=settings.ARGON2_PARALLELISM,
        )
