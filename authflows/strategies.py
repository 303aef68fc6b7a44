"""Verification strategies (Clerk's names). An enum, so a typo is a type error, not a branch
that silently never runs. Values are plain strings: stored in JSON lists and form fields."""

from __future__ import annotations

from enum import StrEnum


class Strategy(StrEnum):
    PASSWORD = "password"
    EMAIL_CODE = "email_code"
    EMAIL_LINK = "email_link"
    PHONE_CODE = "phone_code"
    TOTP = "totp"
    BACKUP_CODE = "backup_code"
    PASSKEY = "passkey"
    RESET_PASSWORD_EMAIL_CODE = "reset_password_email_code"
    RESET_PASSWORD_PHONE_CODE = "reset_password_phone_code"
    # Sign-in through an identity provider (Clerk's names): social presets, a generic
    # provider, and enterprise connections (SAML or OpenID Connect, found by email domain).
    OAUTH_GOOGLE = "oauth_google"
    OAUTH_MICROSOFT = "oauth_microsoft"
    OAUTH_GITHUB = "oauth_github"
    OAUTH_APPLE = "oauth_apple"
    OAUTH_CUSTOM = "oauth_custom"
    ENTERPRISE_SSO = "enterprise_sso"

    @classmethod
    def parse(cls, value: object) -> Strategy | None:
        """The strategy a submitted value names, or None for anything else."""
        try:
            return cls(str(value or ""))
        except ValueError:
            return None

    @property
    def is_reset(self) -> bool:
        return self in RESET_CODES

    @property
    def base(self) -> Strategy:
        """The factor that carries it: a reset code is an email or SMS code."""
        return RESET_CODES.get(self, self)

    @property
    def is_sso(self) -> bool:
        """Proven by an identity provider, not by a secret typed here."""
        return self in SSO

    @property
    def sends(self) -> bool:
        return self.base in (Strategy.EMAIL_CODE, Strategy.EMAIL_LINK, Strategy.PHONE_CODE)


RESET_CODES = {
    Strategy.RESET_PASSWORD_EMAIL_CODE: Strategy.EMAIL_CODE,
    Strategy.RESET_PASSWORD_PHONE_CODE: Strategy.PHONE_CODE,
}
#: MFA methods in the order a sign-in offers them (SPEC 2, and Clerk's: the app, then SMS, then
#: any other), backup codes last.
MFA_ORDER = (Strategy.TOTP, Strategy.PHONE_CODE, Strategy.PASSKEY, Strategy.BACKUP_CODE)
#: MFA methods that count on their own; backup codes only back one of these up.
REAL_MFA = (Strategy.TOTP, Strategy.PHONE_CODE)
SSO = (
    Strategy.OAUTH_GOOGLE,
    Strategy.OAUTH_MICROSOFT,
    Strategy.OAUTH_GITHUB,
    Strategy.OAUTH_APPLE,
    Strategy.OAUTH_CUSTOM,
    Strategy.ENTERPRISE_SSO,
)
PASSWORDLESS = (Strategy.EMAIL_CODE, Strategy.EMAIL_LINK, Strategy.PHONE_CODE)


def strategies(values: list[str]) -> list[Strategy]:
    """A stored list (JSON) of strategy names, as the enum; unknown names are dropped."""
    return [s for s in map(Strategy.parse, values) if s is not None]
