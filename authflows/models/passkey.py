"""Passkeys (WebAuthn credentials), each user's WebAuthn user handle, and the challenges of
registration and sign-in ceremonies."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from authflows import clock


class WebAuthnUser(models.Model):
    """The user handle an authenticator stores with a passkey: 64 random bytes (base64url),
    never the primary key, so a passkey reveals nothing about the account's row."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="webauthn",
    )
    handle = models.CharField(max_length=88, unique=True)

    class Meta:
        verbose_name = _("WebAuthn user handle")

    def __str__(self) -> str:
        return f"WebAuthn handle of {self.user}"


class Passkey(models.Model):
    """One registered passkey: its public key (COSE), the counter it last reported, and what
    the authenticator said about itself. The private key never leaves the authenticator."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="passkeys"
    )
    name = models.CharField(_("name"), max_length=64)
    credential_id = models.CharField(_("credential ID"), max_length=1400, unique=True)
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(_("signature counter"), default=0)
    transports = models.JSONField(default=list, blank=True)
    aaguid = models.CharField(_("authenticator model (AAGUID)"), max_length=36, blank=True)
    backup_eligible = models.BooleanField(_("can be synced"), default=False)
    backed_up = models.BooleanField(_("synced"), default=False)
    created_at = models.DateTimeField(_("added"), default=clock.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("passkey")
        verbose_name_plural = _("passkeys")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"


class PasskeyChallenge(models.Model):
    """A challenge handed to the browser for one ceremony. Used once: consumed by a
    conditional UPDATE (consumed_at IS NULL, not expired), so of two simultaneous answers to
    one challenge exactly one is checked."""

    class Purpose(models.TextChoices):
        REGISTER = "register", _("Registration")
        SIGN_IN = "sign_in", _("Sign-in")
        SECOND_FACTOR = "second_factor", _("Second factor")

    challenge = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    client_id = models.BigIntegerField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    sign_in = models.ForeignKey(
        "authflows.SignInAttempt",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField(db_index=True)
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("passkey challenge")

    def __str__(self) -> str:
        return f"{self.purpose} challenge {self.pk}"
