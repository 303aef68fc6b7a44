from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from authflows import clock


class SignInStatus(models.TextChoices):
    NEEDS_IDENTIFIER = "needs_identifier", _("Needs identifier")
    NEEDS_FIRST_FACTOR = "needs_first_factor", _("Needs first factor")
    NEEDS_SECOND_FACTOR = "needs_second_factor", _("Needs second factor")
    NEEDS_CLIENT_TRUST = "needs_client_trust", _("Needs client trust")
    NEEDS_NEW_PASSWORD = "needs_new_password", _("Needs new password")
    COMPLETE = "complete", _("Complete")


class SignInAttempt(models.Model):
    """The in-progress sign-in of one client (Clerk's SignIn). All changes go through
    authflows.flows.sign_in; nothing else writes the status."""

    class Reason(models.TextChoices):
        """Why the attempt is in its status, where the status alone does not say which page
        handles it: a second factor for MFA or for client trust; a first factor that is a
        forgotten-password reset."""

        NONE = "", _("None")
        MFA = "mfa", _("Multi-factor authentication")
        CLIENT_TRUST = "client_trust", _("Client trust")
        RESET_PASSWORD = "reset_password", _("Forgotten password")

    client = models.ForeignKey(
        "authflows.Client", on_delete=models.CASCADE, related_name="sign_ins"
    )
    session_key = models.CharField(max_length=40, blank=True)
    status = models.CharField(
        max_length=24, choices=SignInStatus.choices, default=SignInStatus.NEEDS_IDENTIFIER
    )
    identifier = models.CharField(max_length=255, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    first_factor = models.CharField(max_length=32, blank=True)  # reset_password_email_code
    supported_first_factors = models.JSONField(default=list, blank=True)
    supported_second_factors = models.JSONField(default=list, blank=True)
    reason = models.CharField(max_length=16, blank=True, choices=Reason.choices)
    current_verification = models.ForeignKey(
        "authflows.Verification", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    redirect_url = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    # Read along by the loader (annotations), not columns: whether this attempt's client is
    # trusted for its user, and that device's own lock.
    client_trusted: bool = False
    trust_locked_until: datetime | None = None

    class Meta:
        verbose_name = _("sign-in attempt")

    def __str__(self) -> str:
        return f"sign-in {self.pk} ({self.status})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= clock.now()


class SignUpStatus(models.TextChoices):
    MISSING_REQUIREMENTS = "missing_requirements", _("Missing requirements")
    COMPLETE = "complete", _("Complete")
    ABANDONED = "abandoned", _("Abandoned")


class SignUpAttempt(models.Model):
    """The in-progress sign-up (Clerk's SignUp): collected fields and their verification."""

    client = models.ForeignKey(
        "authflows.Client", on_delete=models.CASCADE, related_name="sign_ups"
    )
    status = models.CharField(
        max_length=24, choices=SignUpStatus.choices, default=SignUpStatus.MISSING_REQUIREMENTS
    )
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    username = models.CharField(max_length=64, blank=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    password_hash = models.CharField(max_length=256, blank=True)
    legal_accepted_at = models.DateTimeField(null=True, blank=True)
    email_verified = models.BooleanField(default=False)
    phone_verified = models.BooleanField(default=False)
    redirect_url = models.CharField(max_length=2000, blank=True)
    created_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    abandon_at = models.DateTimeField()

    class Meta:
        verbose_name = _("sign-up attempt")

    def __str__(self) -> str:
        return f"sign-up {self.pk} ({self.status})"
