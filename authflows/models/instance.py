"""The Dashboard: the operator's policy, one row, held by each process (checked against a
version key on every use)."""

from __future__ import annotations

import copy
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from authflows import cache

#: The version key of the row each process holds (authflows.cache.ProcessCopy).
CACHE_KEY = "authflows:instance-settings:version"


def _verbose_name(row: models.Model, name: str) -> StrOrPromise:
    field = row._meta.get_field(name)
    return field.verbose_name if isinstance(field, models.Field) else name


def _debug_default() -> bool:
    return bool(settings.DEBUG)


class InstanceSettings(models.Model):
    class EmailVerification(models.TextChoices):
        CODE = "code", _("Email verification code")
        LINK = "link", _("Email verification link")

    class EnumerationProtection(models.TextChoices):
        STANDARD = "standard", _("Standard: same timing for unknown and known identifiers")
        STRICT = "strict", _("Strict: same timing and the same answer")

    # Application
    application_name = models.CharField(_("application name"), max_length=80, default="authflows")

    # Email
    email_sign_up = models.BooleanField(_("sign-up with email"), default=True)
    email_required = models.BooleanField(_("require email address"), default=True)
    email_verification = models.CharField(
        _("verify email at sign-up"),
        max_length=8,
        choices=EmailVerification.choices,
        default=EmailVerification.CODE,
    )
    email_sign_in = models.BooleanField(_("sign-in with email"), default=True)
    email_code_sign_in = models.BooleanField(
        _("email verification code as sign-in method"), default=True
    )
    email_link_sign_in = models.BooleanField(
        _("email verification link as sign-in method"), default=False
    )

    # Phone
    phone_sign_up = models.BooleanField(_("sign-up with phone"), default=False)
    phone_required = models.BooleanField(_("require phone number"), default=False)
    phone_verify_at_sign_up = models.BooleanField(_("verify phone at sign-up"), default=True)
    phone_sign_in = models.BooleanField(_("sign-in with phone"), default=False)

    # Username
    username_sign_up = models.BooleanField(_("sign-up with username"), default=False)
    username_sign_in = models.BooleanField(_("sign-in with username"), default=False)
    username_min_length = models.PositiveSmallIntegerField(
        _("username minimum length"),
        default=4,
        validators=[MinValueValidator(4), MaxValueValidator(64)],
    )
    username_max_length = models.PositiveSmallIntegerField(
        _("username maximum length"),
        default=64,
        validators=[MinValueValidator(4), MaxValueValidator(64)],
    )

    # Personal information
    name_sign_up = models.BooleanField(_("ask for first and last name"), default=False)
    name_required = models.BooleanField(_("require first and last name"), default=False)
    legal_consent_required = models.BooleanField(
        _("require legal consent at sign-up"), default=False
    )

    # Account
    self_deletion_enabled = models.BooleanField(
        _("users can delete their accounts"),
        default=True,
        help_text=_("On the account page, after confirming it's them. Admins can always delete."),
    )

    # Password
    password_sign_up = models.BooleanField(_("sign-up with password"), default=True)
    password_min_length = models.PositiveSmallIntegerField(
        _("password minimum length"),
        default=8,
        validators=[MinValueValidator(8), MaxValueValidator(256)],
    )
    password_reject_compromised = models.BooleanField(
        _("reject compromised passwords"), default=True
    )

    # Multi-factor
    mfa_phone_code = models.BooleanField(_("MFA: SMS verification code"), default=False)
    mfa_totp = models.BooleanField(_("MFA: authenticator application"), default=True)
    mfa_backup_code = models.BooleanField(_("MFA: backup codes"), default=True)
    mfa_required = models.BooleanField(_("require multi-factor authentication"), default=False)

    # Passkeys
    passkeys_enabled = models.BooleanField(
        _("passkeys"),
        default=False,
        help_text=_("Users add passkeys on their account page."),
    )
    passkey_first_factor = models.BooleanField(
        _("allow passkeys as a first factor"),
        default=True,
        help_text=_("“Sign in with a passkey” on the sign-in page, without a password."),
    )
    passkey_second_factor = models.BooleanField(
        _("allow passkeys as a second factor"),
        default=True,
        help_text=_(
            "A user's passkeys are one of their MFA methods: a password sign-in then asks "
            "for a passkey (or another method they have)."
        ),
    )

    # Protect
    client_trust = models.BooleanField(_("client trust"), default=True)
    client_trust_legacy_status = models.BooleanField(
        _("legacy client-trust status"),
        default=False,
        help_text=_("Report needs_second_factor instead of needs_client_trust."),
    )
    lockout_enabled = models.BooleanField(_("user lockout"), default=True)
    lockout_max_attempts = models.PositiveSmallIntegerField(
        _("max failed attempts"),
        default=10,
        validators=[MinValueValidator(5), MaxValueValidator(1000)],
    )
    lockout_duration_minutes = models.PositiveIntegerField(
        _("lockout duration (minutes)"), default=60, validators=[MinValueValidator(1)]
    )
    lockout_indefinite = models.BooleanField(
        _("lock indefinitely (until an admin unlocks)"), default=False
    )
    enumeration_protection = models.CharField(
        _("enumeration protection"),
        max_length=8,
        choices=EnumerationProtection.choices,
        default=EnumerationProtection.STANDARD,
    )

    # Sessions
    session_lifetime_enabled = models.BooleanField(_("maximum session lifetime"), default=True)
    session_max_lifetime_hours = models.PositiveIntegerField(
        _("maximum lifetime (hours)"), default=7 * 24, validators=[MinValueValidator(1)]
    )
    session_inactivity_enabled = models.BooleanField(_("inactivity timeout"), default=False)
    session_inactivity_minutes = models.PositiveIntegerField(
        _("inactivity timeout (minutes)"), default=60, validators=[MinValueValidator(5)]
    )

    # Data retention
    audit_retention_days = models.PositiveIntegerField(
        _("keep audit events (days)"),
        default=365,
        validators=[MinValueValidator(1)],
        help_text=_("Older security events are deleted by the scheduled maintenance."),
    )
    abandoned_sign_up_retention_days = models.PositiveIntegerField(
        _("keep abandoned sign-ups (days)"),
        default=7,
        validators=[MinValueValidator(1)],
        help_text=_("Sign-ups left unfinished for a day are abandoned, then deleted after this."),
    )

    # Test mode
    test_mode = models.BooleanField(
        _("test mode"),
        default=_debug_default,
        help_text=_(
            "+clerk_test addresses and +1 XXX 555-01XX numbers get no message and accept 424242."
        ),
    )

    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Dashboard (instance settings)")
        verbose_name_plural = _("Dashboard (instance settings)")

    def __str__(self) -> str:
        return str(_("Instance settings"))

    # --- loading -------------------------------------------------------------------------

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1
        super().save(*args, **kwargs)
        _held.forget()

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValidationError(_("The instance settings cannot be deleted."))

    @classmethod
    def load(cls) -> InstanceSettings:
        """The current settings: the copy this process holds, checked against the version
        key in the shared cache; else the database (the row created on first use).

        Saving deletes the key, so every process sees a change on its next request. An
        unreachable Redis is a miss: the row then comes from PostgreSQL. Each call gets its own
        copy of the row, free to change."""
        return copy.copy(_held.get())

    # --- derived -------------------------------------------------------------------------

    @property
    def email_enabled(self) -> bool:
        return self.email_sign_up or self.email_sign_in

    @property
    def password_enabled(self) -> bool:
        return self.password_sign_up

    @property
    def strict_enumeration(self) -> bool:
        return self.enumeration_protection == self.EnumerationProtection.STRICT

    def enabled_mfa_strategies(self) -> list[str]:
        pairs = [
            ("totp", self.mfa_totp),
            ("phone_code", self.mfa_phone_code),
            ("passkey", self.passkeys_enabled and self.passkey_second_factor),
            ("backup_code", self.mfa_backup_code),
        ]
        return [name for name, on in pairs if on]

    @property
    def passkey_sign_in(self) -> bool:
        """Whether "Sign in with a passkey" is offered (passkeys as a first factor)."""
        return self.passkeys_enabled and self.passkey_first_factor

    def sign_in_identifier_kinds(self) -> list[str]:
        pairs = [
            ("email", self.email_sign_in),
            ("phone", self.phone_sign_in),
            ("username", self.username_sign_in),
        ]
        return [name for name, on in pairs if on]

    def passwordless_strategies(self) -> list[str]:
        pairs = [
            ("email_code", self.email_sign_in and self.email_code_sign_in),
            ("email_link", self.email_sign_in and self.email_link_sign_in),
            ("phone_code", self.phone_sign_in),
        ]
        return [name for name, on in pairs if on]

    # --- validation ----------------------------------------------------------------------

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}

        def refuse(field: str, other: str, message: StrOrPromise) -> None:
            names = (
                _verbose_name(self, field),
                _verbose_name(self, other),
            )
            text = f"“{names[0]}” and “{names[1]}”: {message}"
            errors.setdefault(field, []).append(text)
            errors.setdefault(other, []).append(text)

        if self.mfa_backup_code and not (self.mfa_totp or self.mfa_phone_code):
            refuse(
                "mfa_backup_code",
                "mfa_totp",
                _(
                    "backup codes cannot be the only MFA method; "
                    "enable the authenticator app or SMS codes."
                ),
            )
        if self.mfa_phone_code and not self.phone_sign_in:
            refuse(
                "mfa_phone_code", "phone_sign_in", _("SMS codes as MFA need sign-in with phone.")
            )
        if self.mfa_required and not (self.mfa_totp or self.mfa_phone_code):
            refuse(
                "mfa_required",
                "mfa_totp",
                _("requiring MFA needs at least one MFA method (authenticator app or SMS)."),
            )
        if not (self.session_lifetime_enabled or self.session_inactivity_enabled):
            refuse(
                "session_lifetime_enabled",
                "session_inactivity_enabled",
                _("sessions need a maximum lifetime or an inactivity timeout; both cannot be off."),
            )
        if self.email_verification == self.EmailVerification.LINK and not self.email_enabled:
            refuse(
                "email_verification",
                "email_sign_up",
                _("email link verification needs email to be enabled."),
            )
        if self.email_link_sign_in and not self.email_sign_in:
            refuse(
                "email_link_sign_in",
                "email_sign_in",
                _("email links as a sign-in method need sign-in with email."),
            )
        if self.email_required and not self.email_sign_up:
            refuse(
                "email_required",
                "email_sign_up",
                _("an email address cannot be required when sign-up with email is off."),
            )
        if self.phone_required and not self.phone_sign_up:
            refuse(
                "phone_required",
                "phone_sign_up",
                _("a phone number cannot be required when sign-up with phone is off."),
            )
        if not self.sign_in_identifier_kinds():
            refuse(
                "email_sign_in",
                "phone_sign_in",
                _("no way left to sign in: enable sign-in with email, phone or username."),
            )
        elif not self.password_sign_up and not self.passwordless_strategies():
            refuse(
                "password_sign_up",
                "email_code_sign_in",
                _("no way left to sign in: enable passwords or a passwordless method."),
            )
        if self.username_sign_in and not self.username_sign_up and not self.password_sign_up:
            refuse(
                "username_sign_in", "password_sign_up", _("usernames only sign in with a password.")
            )
        if self.username_min_length > self.username_max_length:
            refuse(
                "username_min_length",
                "username_max_length",
                _("the minimum length is greater than the maximum."),
            )
        if self.passkeys_enabled and not (self.passkey_first_factor or self.passkey_second_factor):
            refuse(
                "passkey_first_factor",
                "passkey_second_factor",
                _("passkeys need to be allowed as a first factor, a second factor, or both."),
            )
        if self.client_trust_legacy_status and not self.client_trust:
            refuse(
                "client_trust_legacy_status",
                "client_trust",
                _("the legacy status only applies when client trust is on."),
            )
        if errors:
            raise ValidationError(errors)


def _read() -> InstanceSettings:
    return InstanceSettings.objects.get_or_create(pk=1)[0]


_held = cache.ProcessCopy(CACHE_KEY, _read)
