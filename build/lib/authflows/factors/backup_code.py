"""Backup codes: 10 per set, 8 characters from an unambiguous alphabet, shown as xxxx-xxxx,
case and dash insensitive on entry. Only keyed hashes are stored; each is used once (a
conditional UPDATE ... WHERE used_at IS NULL)."""

from __future__ import annotations

import secrets

from django.db import transaction

from authflows import clock
from authflows.factors.base import Factor, FactorContext, Outcome
from authflows.factors.codes import keyed_hash
from authflows.models import BackupCode, User
from authflows.strategies import Strategy

ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i
CODES_PER_SET = 10


def _normalize(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _hash(user: User, code: str) -> str:
    return keyed_hash(f"backup:{user.pk}:{_normalize(code)}")


def generate_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def replace_codes(user: User, *, locked: bool = False) -> list[str]:
    """Make a new set (replacing the old one) and return the codes, to show once.

    The user's row is locked first (unless the caller's transaction locked it already): two
    simultaneous "new codes" requests then run one after the other, and the user ends with
    one set of 10, not two sets both live."""
    if not locked:
        with transaction.atomic():
            User.objects.select_for_update().filter(pk=user.pk).first()
            return replace_codes(user, locked=True)
    codes = [generate_code() for _ in range(CODES_PER_SET)]
    BackupCode.objects.filter(user=user).delete()
    BackupCode.objects.bulk_create([BackupCode(user=user, code_hash=_hash(user, c)) for c in codes])
    return codes


def remaining(user: User) -> int:
    return BackupCode.objects.filter(user=user, used_at__isnull=True).count()


class BackupCodeFactor(Factor):
    strategy = Strategy.BACKUP_CODE

    def verify(self, ctx: FactorContext, code: str) -> Outcome:
        normalized = _normalize(code)
        if not normalized:
            return Outcome.MISSING
        if len(normalized) != 8 or ctx.user is None:
            return Outcome.INCORRECT
        won = BackupCode.objects.filter(
            user=ctx.user, code_hash=_hash(ctx.user, normalized), used_at__isnull=True
        ).update(used_at=clock.now())
        return Outcome.OK if won else Outcome.INCORRECT
