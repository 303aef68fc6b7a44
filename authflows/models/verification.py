from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from authflows import clock


class Verification(models.Model):
    """One code or link sent for an attempt (or an account change).

    There is at most one row per owner, purpose and strategy: a resend replaces the code in
    place, so there is never more than one live code. Only keyed hashes are stored.
    """

    class Purpose(models.TextChoices):
        FIRST_FACTOR = "first_factor", _("First factor")
        SECOND_FACTOR = "second_factor", _("Second factor (MFA)")
        CLIENT_TRUST = "client_trust", _("Client trust")
        RESET_PASSWORD = "reset_password", _("Reset password")
        SIGN_UP = "sign_up", _("Sign-up")
        ACCOUNT = "account", _("Account change")
        REVERIFY = "reverify", _("Reverification")
        IDENTIFICATION = "identification", _("Adding an email address or phone number")

    sign_in = models.ForeignKey(
        "authflows.SignInAttempt",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="verifications",
    )
    sign_up = models.ForeignKey(
        "authflows.SignUpAttempt",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="verifications",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    strategy = models.CharField(max_length=16)
    target = models.CharField(max_length=254)
    code_hash = models.CharField(max_length=64, blank=True)
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    test_mode = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("verification")
        constraints = [
            # At most one row per owner, purpose and strategy: resends replace the code in place.
            models.UniqueConstraint(
                fields=["sign_in", "purpose", "strategy"],
                condition=models.Q(sign_in__isnull=False),
                name="verification_one_per_sign_in",
            ),
            models.UniqueConstraint(
                fields=["sign_up", "purpose", "strategy"],
                condition=models.Q(sign_up__isnull=False),
                name="verification_one_per_sign_up",
            ),
            models.UniqueConstraint(
                fields=["user", "purpose", "strategy"],
                condition=models.Q(sign_in__isnull=True, sign_up__isnull=True),
                name="verification_one_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.strategy} verification {self.pk}"
