"""Argon2id password hashing: the parameters from settings, verification by whichever of
two libraries costs less on this host.

Both compute the same Argon2id from the same stored strings; an attacker's cost per guess is
set by the parameters, not by the library. Which is cheaper depends on the host:
- libsodium (PyNaCl) picks the CPU's widest vector instructions at run time (AVX2, AVX-512),
  but maps and the kernel zeroes fresh memory (m KiB) for each verification, which some
  virtual machines make dear;
- argon2-cffi reuses its heap; its wheels compute with SSE2 only, and `make setup` rebuilds it
  with AVX2 where the CPU has it (deploy/build-argon2.sh).
ARGON2_VERIFIER picks one ("libsodium", "argon2-cffi"); "auto", the default, times both once
per process with the site's parameters (CPU time, the kernel's share included) and keeps
argon2-cffi unless libsodium is clearly cheaper. Web workers do that as they start
(deploy/gunicorn.conf.py); any other process at its first verification.

libsodium computes one lane (p=1, the default here) of version 19 (0x13). A hash it cannot
verify (more lanes, Argon2i or Argon2d, an older version, a string it refuses) is verified
by argon2-cffi, as Django does. New hashes are made by argon2-cffi, which takes Django's salt.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import argon2
import nacl.exceptions
import nacl.pwhash.argon2id
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

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


def _sodium(ascii_hash: bytes, secret: bytes) -> bool:
    try:
        return nacl.pwhash.argon2id.verify(ascii_hash, secret)
    except (nacl.exceptions.InvalidkeyError, nacl.exceptions.ValueError):
        return False


def _cffi(ascii_hash: bytes, secret: bytes) -> bool:
    try:
        return argon2.PasswordHasher().verify(ascii_hash, secret)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False


#: The two libraries, by the names ARGON2_VERIFIER takes.
VERIFIERS: dict[str, Callable[[bytes, bytes], bool]] = {"libsodium": _sodium, "argon2-cffi": _cffi}
#: What "auto" measured in this process, per (time cost, memory cost): CPU seconds of one
#: verification through each library, timed once; empty when the timing failed.
_measured: dict[tuple[int, int], dict[str, float]] = {}
_measuring = threading.Lock()
#: libsodium is kept only when it costs less than this share of argon2-cffi's time: argon2-cffi
#: does no work in the kernel per verification, so its cost moves less with the host's state,
#: and workers whose timings come out close all keep the same library.
SODIUM_MARGIN = 0.9


def measure(time_cost: int, memory_cost: int, *, samples: int = 3) -> dict[str, float]:
    """CPU seconds of one verification through each library, the least of `samples` runs
    after one to warm up. Thread CPU time counts the kernel's share (libsodium's fresh
    memory) and not the time other processes hold the CPU (their use of shared caches and
    memory bandwidth still shows)."""
    password = b"authflows-verifier-timing"
    hasher = argon2.PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=1)
    encoded = hasher.hash(password).encode()
    costs = {}
    for name, check in VERIFIERS.items():
        if not check(encoded, password):
            raise RuntimeError(f"{name} did not verify a hash made with the site's parameters")
        runs = []
        for _ in range(samples):
            started = time.thread_time()
            check(encoded, password)
            runs.append(time.thread_time() - started)
        costs[name] = min(runs)
    return costs


def verifier() -> str:
    """The library that verifies hashes both can compute: ARGON2_VERIFIER, or under "auto"
    the one `cheaper` keeps on this host with the site's parameters, measured at first use."""
    wanted = getattr(settings, "ARGON2_VERIFIER", "auto")
    if wanted in VERIFIERS:
        return wanted
    if wanted != "auto":
        raise ImproperlyConfigured(
            f"ARGON2_VERIFIER must be auto, {' or '.join(VERIFIERS)}; it is {wanted!r}"
        )
    key = (settings.ARGON2_TIME_COST, settings.ARGON2_MEMORY_COST)
    costs = _measured.get(key)
    if costs is None:
        with _measuring:  # one timing per process, however many threads ask at once
            costs = _measured.get(key)
            if costs is None:
                costs = _measured[key] = _timed(key)
    return cheaper(costs)


def cheaper(costs: dict[str, float]) -> str:
    """The library to keep, given each one's measured cost (argon2-cffi when unmeasured)."""
    if costs and costs["libsodium"] < SODIUM_MARGIN * costs["argon2-cffi"]:
        return "libsodium"
    return "argon2-cffi"


def _timed(key: tuple[int, int]) -> dict[str, float]:
    try:
        costs = measure(*key)
    except Exception:  # a library that fails here (out of memory, say) is not chosen
        logger.exception("password verifier: timing failed; argon2-cffi verifies")
        return {}
    logger.info(
        "password verifier: %s (one verification: %s)",
        cheaper(costs),
        ", ".join(f"{name} {cost * 1000:.1f} ms" for name, cost in costs.items()),
    )
    return costs


def verify(encoded: str, password: str) -> bool:
    """Whether the password matches the Argon2 hash (without Django's "argon2" prefix). A
    damaged hash, or a password no hash can have been made from (not encodable as UTF-8, such
    as a lone surrogate sent in JSON), is a mismatch, not an error."""
    try:
        secret, ascii_hash = password.encode(), encoded.encode("ascii")
    except UnicodeEncodeError:
        return False
    if sodium_verifies(encoded):
        return VERIFIERS[verifier()](ascii_hash, secret)
    return _cffi(ascii_hash, secret)


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
