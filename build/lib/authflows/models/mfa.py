from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from authflows import clock


class PhoneMFA(models.Model):
    """SMS codes as a second factor, sent to the user's verified phone number."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="phone_mfa"
    )
    phone = models.CharField(max_length=20)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("SMS MFA")

    def __str__(self) -> str:
        return f"SMS MFA for {self.user}"


class BackupCode(models.Model):
    """One backup code. Only a keyed hash is stored; each is used once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="backup_codes"
    )
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("backup code")
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="backup_code_unique"),
        ]

    def __str__(self) -> str:
        return f"backup code {self.pk} of {self.user}"
