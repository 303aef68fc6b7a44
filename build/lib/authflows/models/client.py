from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from authflows import clock


class Client(models.Model):
    """One browser or device, named by a long-lived signed cookie. Survives sign-out."""

    user_agent = models.CharField(max_length=512, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    last_active_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("client")

    def __str__(self) -> str:
        return f"client {self.pk}"


class TrustedClient(models.Model):
    """A (client, user) pair that completed a second factor: password sign-ins need no code."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="trusts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trusted_clients"
    )
    strategy = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    last_seen_at = models.DateTimeField(default=clock.now)
    # This device's own lock (its own failures reached the Dashboard's maximum): a trusted
    # device is not stopped by the account's lock, only by its own. Far future = indefinite.
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("trusted device")
        constraints = [
            models.UniqueConstraint(fields=["client", "user"], name="trusted_client_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} on client {self.client_id}"
