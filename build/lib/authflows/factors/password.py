"""Passwords as a factor: Django's hashers, with a dummy check where there is no password."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password

from authflows.factors.base import Factor, FactorContext, Outcome
from authflows.strategies import Strategy

# Real Argon2 hashes of a random string, one per hasher configuration: checked for unknown
# identifiers so that answering "no such account" costs the same time as a wrong password
# (enumeration protection). Keyed by the parameters so a change of ARGON2_* (or of the test
# settings) never leaves a cheaper dummy behind.
_dummy_hashes: dict[tuple[object, ...], str] = {}


def _hasher_params() -> tuple[object, ...]:
    return (
        settings.PASSWORD_HASHERS[0],
        getattr(settings, "ARGON2_TIME_COST", None),
        getattr(settings, "ARGON2_MEMORY_COST", None),
        getattr(settings, "ARGON2_PARALLELISM", None),
    )


def run_dummy_check(password: str) -> None:
    """Spend the time a real password check spends, for an identifier with no password."""
    params = _hasher_params()
    if params not in _dummy_hashes:
        _dummy_hashes[params] = make_password("authflows-dummy-password-for-timing")
    check_password(password, _dummy_hashes[params])


class PasswordFactor(Factor):
    strategy = Strategy.PASSWORD

    def verify(self, ctx: FactorContext, code: str) -> Outcome:
        if not code:
            return Outcome.MISSING
        user = ctx.user
        if user is None or not user.is_active or not user.has_usable_password():
            run_dummy_check(code)
            return Outcome.INCORRECT
        return Outcome.OK if user.check_password(code) else Outcome.INCORRECT
