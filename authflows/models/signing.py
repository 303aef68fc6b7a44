from django.db import models
from django.utils.translation import gettext_lazy as _

from authflows import clock


class SigningKey(models.Model):
    """An RSA key that signs session tokens (RS256). The private half is stored sealed with
    a key derived from SECRET_KEY; the public half is published in the JWKS until the key is
    retired for good. See authflows/fapi/tokens.py."""

    kid = models.CharField(max_length=64, unique=True)
    private_sealed = models.TextField()
    public_jwk = models.JSONField()
    created_at = models.DateTimeField(default=clock.now)
    #: When it stopped signing (a newer key took over); still published for a while.
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("session token signing key")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.kid
