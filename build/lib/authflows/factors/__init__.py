"""Factor registry: strategy -> factor. The instance settings say which are on."""

from __future__ import annotations

from authflows.factors.backup_code import BackupCodeFactor
from authflows.factors.base import Challenge, Factor, FactorContext, Outcome
from authflows.factors.code_factors import EmailCodeFactor, EmailLinkFactor, PhoneCodeFactor
from authflows.factors.password import PasswordFactor
from authflows.factors.totp import TOTPFactor
from authflows.strategies import Strategy

FACTORS: dict[Strategy, Factor] = {
    factor.strategy: factor
    for factor in (
        PasswordFactor(),
        EmailCodeFactor(),
        PhoneCodeFactor(),
        EmailLinkFactor(),
        TOTPFactor(),
        BackupCodeFactor(),
    )
}


def get_factor(strategy: Strategy) -> Factor:
    """The factor that checks `strategy` (a reset code is checked as an email or SMS code)."""
    return FACTORS[Strategy(strategy).base]


__all__ = ["Challenge", "Factor", "FactorContext", "Outcome", "get_factor"]
