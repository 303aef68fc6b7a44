from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from authflows import clock


class AuthEvent(models.Model):
    """The audit log: one row per security-relevant event. Read-only in the admin."""

    class Kind(models.TextChoices):
        SIGN_IN_SUCCEEDED = "sign_in.succeeded", _("Sign-in succeeded")
        SIGN_IN_FAILED = "sign_in.failed", _("Sign-in failed")
        SIGN_OUT = "sign_out", _("Signed out")
        SIGN_UP_COMPLETED = "sign_up.completed", _("Sign-up completed")
        CODE_SENT = "code.sent", _("Code sent")
        CODE_FAILED = "code.failed", _("Code refused")
        USER_LOCKED = "user.locked", _("User locked")
        USER_UNLOCKED = "user.unlocked", _("User unlocked")
        TRUST_GRANTED = "trust.granted", _("Device trusted")
        TRUST_REVOKED = "trust.revoked", _("Device trust revoked")
        TRUST_SKIPPED = "trust.skipped", _("Client trust skipped (no email or phone)")
        MFA_ENABLED = "mfa.enabled", _("MFA method added")
        MFA_DISABLED = "mfa.disabled", _("MFA method removed")
        BACKUP_CODES_CREATED = "mfa.backup_codes", _("Backup codes created")
        PASSWORD_CHANGED = "password.changed", _("Password changed")
        PASSWORD_RESET = "password.reset", _("Password reset")
        SESSION_ENDED = "session.ended", _("Session ended")
        USER_CREATED = "user.created", _("User created")
        USER_UPDATED = "user.updated", _("User updated")
        USER_DELETED = "user.deleted", _("User deleted")
        IDENTIFICATION_ADDED = "identification.added", _("Email address or phone number added")
        IDENTIFICATION_REMOVED = (
            "identification.removed",
            _("Email address or phone number removed"),
        )
        SETTINGS_CHANGED = "settings.changed", _("Instance settings changed")
        RATE_LIMITED = "rate_limited", _("Rate limited")
        PASSKEY_ADDED = "passkey.added", _("Passkey added")
        PASSKEY_RENAMED = "passkey.renamed", _("Passkey renamed")
        PASSKEY_REMOVED = "passkey.removed", _("Passkey removed")
        PASSKEY_FAILED = "passkey.failed", _("Passkey refused")
        PASSKEY_CLONE_SUSPECTED = "passkey.clone_suspected", _("Passkey refused: possible copy")
        SSO_STARTED = "sso.started", _("Sign-in with a provider started")
        SSO_FAILED = "sso.failed", _("Sign-in with a provider refused")
        SSO_LINKED = "sso.linked", _("External account linked")
        SSO_UNLINKED = "sso.unlinked", _("External account unlinked")

    kind = models.CharField(max_length=32, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="auth_events",
    )
    actor = models.CharField(max_length=255, blank=True, help_text=_("who acted, if not the user"))
    identifier = models.CharField(max_length=255, blank=True)
    client_id = models.BigIntegerField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=clock.now, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.identifier}"
