"""What a user has and may add."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Subquery

from authflows.errors import FlowError
from authflows.flows import users
from authflows.models import BackupCode, InstanceSettings, PhoneMFA, User
from authflows.strategies import REAL_MFA, Strategy

TOTP, PHONE, BACKUP = Strategy.TOTP, Strategy.PHONE_CODE, Strategy.BACKUP_CODE


@dataclass
class Overview:
    """What the account page shows about MFA (never a secret or a code)."""

    totp: bool
    phone: str
    backup_codes_left: int
    can_add: dict[str, bool]
    enabled: dict[str, bool]


def overview(user: User, settings: InstanceSettings) -> Overview:
    """Everything the page shows, in one query."""
    enabled = set(settings.enabled_mfa_strategies())
    unused = BackupCode.objects.filter(user=OuterRef("pk"), used_at__isnull=True)
    row = (
        users.with_methods(User.objects.filter(pk=user.pk))
        .annotate(
            mfa_phone_number=Subquery(
                PhoneMFA.objects.filter(user=OuterRef("pk")).values("phone")[:1]
            ),
            backup_left=Subquery(
                unused.values("user").annotate(n=Count("pk")).values("n")[:1],
                output_field=IntegerField(),
            ),
        )
        .values("has_totp", "mfa_phone_number", "backup_left")
        .get()
    )
    has_totp = bool(row["has_totp"])
    has = {TOTP} if has_totp else set()
    has |= {PHONE} if row["mfa_phone_number"] else set()
    return Overview(
        totp=has_totp,
        phone=row["mfa_phone_number"] or "",
        backup_codes_left=row["backup_left"] or 0,
        can_add={
            TOTP: TOTP in enabled and TOTP not in has,
            PHONE: PHONE in enabled and PHONE not in has,
            BACKUP: BACKUP in enabled and bool(has),
        },
        enabled={method: method in enabled for method in (TOTP, PHONE, BACKUP)},
    )


def addable(user: User, settings: InstanceSettings) -> list[Strategy]:
    """Real methods the user can add now (Dashboard on, not enrolled yet), app first."""
    have = users.methods_of(user).enrolled
    enabled = settings.enabled_mfa_strategies()
    return [m for m in REAL_MFA if m in enabled and m not in have]


def require_enabled(settings: InstanceSettings, strategy: Strategy, *, field: str) -> None:
    if strategy not in settings.enabled_mfa_strategies():
        raise FlowError("strategy_for_user_invalid", field=field)
