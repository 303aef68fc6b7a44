from __future__ import annotations

from django.contrib.auth.hashers import make_password

from authflows.factors.base import Factor, FactorContext, Outcome

# A real Argon2 hash of a random string: checked for unknown identifiers so that answering
# "no such account" costs the same time as a wrong password (enumeration protection).
_dummy_hash: str | None = None


def run_dummy_check(password: str) -> None:
    global _dummy_hash
    from django.contrib.auth.hashers import check_password

    if _dummy_hash is None:
        _dummy_hash = make_password("authflows-dummy-password-for-timing")
    check_password(password, _dummy_hash)


class PasswordFactor(Factor):
    strategy = "password"

    def verify(self, ctx: FactorContext, code: str) -> Outcome:
        if not code:
            return Outcome.MISSING
        if ctx.user is None:
            run_dummy_check(code)
            return Outcome.INCORRECT
        return Outcome.OK if ctx.user.check_password(code) else Outcome.INCORRECT
