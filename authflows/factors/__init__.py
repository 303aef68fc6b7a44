"""Factor registry: strategy name -> factor. The instance settings say which are on."""

from __future__ import annotations

from django.utils.module_loading import import_string

from authflows.factors.base import Challenge, Factor, FactorContext, Outcome

FACTOR_CLASSES: dict[str, str] = {
    "password": "authflows.factors.password.PasswordFactor",
    "email_code": "authflows.factors.code_factors.EmailCodeFactor",
    "phone_code": "authflows.factors.code_factors.PhoneCodeFactor",
    "email_link": "authflows.factors.code_factors.EmailLinkFactor",
    "totp": "authflows.factors.totp.TOTPFactor",
    "backup_code": "authflows.factors.backup_code.BackupCodeFactor",
}

_instances: dict[str, Factor] = {}


def get_factor(strategy: str) -> Factor:
    if strategy not in _instances:
        _instances[strategy] = import_string(FACTOR_CLASSES[strategy])()
    return _instances[strategy]


__all__ = ["Challenge", "Factor", "FactorContext", "Outcome", "get_factor"]
