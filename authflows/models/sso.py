"""Social and enterprise sign-in: the provider connections the Dashboard configures, the
external accounts users link (Clerk's `external_accounts`), the state of each round trip to a
provider, and the SAML assertions already used."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from authflows import clock
from authflows.cache import copies

#: The version key of the summary of enabled connections each process holds
#: (authflows/flows/sso/connections.py; authflows.cache.ProcessCopy).
SUMMARY_CACHE_KEY = "authflows:sso:summary:version"


def forget_summary() -> None:
    """A connection or a domain changed: every process reads them again, also after the
    transaction that changed them commits (another process may have read the old rows)."""
    copies().delete(SUMMARY_CACHE_KEY)
    transaction.on_commit(lambda: copies().delete(SUMMARY_CACHE_KEY))


class SummaryChanges(models.Model):
    """Saving or deleting a row drops the cached summary."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        forget_summary()

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        deleted = super().delete(*args, **kwargs)
        forget_summary()
        return deleted


class Provider(models.TextChoices):
    """What a connection talks to: a preset (its endpoints and claims known) or a generic
    OpenID Connect / OAuth 2.0 provider, or a SAML 2.0 identity provider."""

    # Names of products and protocols, the same in every language.
    GOOGLE = "google", "Google"
    MICROSOFT = "microsoft", "Microsoft"
    GITHUB = "github", "GitHub"
    APPLE = "apple", "Apple"
    OIDC = "oidc", _("OpenID Connect (generic)")
    OAUTH2 = "oauth2", _("OAuth 2.0 (generic)")
    SAML = "saml", "SAML 2.0"


class SSOConnection(SummaryChanges):
    """One identity provider. A connection with email domains is an enterprise connection:
    sign-in with an address at one of its domains goes to this provider only."""

    name = models.CharField(_("name"), max_length=80, help_text=_("Shown on the buttons."))
    slug = models.SlugField(
        _("slug"), max_length=40, unique=True, help_text=_("Part of the callback URL.")
    )
    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    link_verified_email = models.BooleanField(
        _("link by verified email address"),
        default=False,
        help_text=_(
            "An unknown account of this provider whose email address matches an existing "
            "user is linked to that user when the provider says the address is verified. "
            "Off: the person signs in to the existing account first."
        ),
    )
    # OpenID Connect and OAuth 2.0
    client_id = models.CharField(_("client ID"), max_length=255, blank=True)
    client_secret_sealed = models.TextField(blank=True, editable=False)
    client_secret_env = models.CharField(
        _("client secret from environment variable"),
        max_length=64,
        blank=True,
        help_text=_("Name of an environment variable holding the secret (instead of storing it)."),
    )
    issuer = models.URLField(
        _("issuer"),
        max_length=500,
        blank=True,
        help_text=_("OpenID Connect: the issuer; its discovery document is read from it."),
    )
    authorization_url = models.URLField(_("authorization endpoint"), max_length=500, blank=True)
    token_url = models.URLField(_("token endpoint"), max_length=500, blank=True)
    userinfo_url = models.URLField(_("user endpoint"), max_length=500, blank=True)
    scopes = models.CharField(_("scopes"), max_length=255, blank=True)
    # SAML 2.0
    idp_entity_id = models.CharField(_("IdP entity ID"), max_length=500, blank=True)
    idp_sso_url = models.URLField(_("IdP single sign-on URL"), max_length=500, blank=True)
    idp_certificate = models.TextField(
        _("IdP signing certificate"), blank=True, help_text=_("PEM, or base64 DER.")
    )
    attribute_email = models.CharField(_("email attribute"), max_length=255, blank=True)
    attribute_first_name = models.CharField(_("first name attribute"), max_length=255, blank=True)
    attribute_last_name = models.CharField(_("last name attribute"), max_length=255, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("SSO connection")
        verbose_name_plural = _("SSO connections")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_saml(self) -> bool:
        return self.provider == Provider.SAML


class SSODomain(SummaryChanges):
    """An email domain whose addresses sign in through an enterprise connection."""

    connection = models.ForeignKey(SSOConnection, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(_("email domain"), max_length=253, unique=True)

    class Meta:
        verbose_name = _("email domain")
        verbose_name_plural = _("email domains")

    def __str__(self) -> str:
        return self.domain


class ExternalAccount(models.Model):
    """An account at an identity provider linked to a user (Clerk's external account)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_accounts"
    )
    connection = models.ForeignKey(
        SSOConnection, on_delete=models.CASCADE, related_name="external_accounts"
    )
    subject = models.CharField(_("subject"), max_length=255)
    email = models.CharField(_("email address"), max_length=254, blank=True)
    email_verified = models.BooleanField(_("verified by the provider"), default=False)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("linked"), default=clock.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("linked account")
        verbose_name_plural = _("linked accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "subject"], name="external_account_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.connection} {self.email or self.subject}"


class SSOState(models.Model):
    """One round trip to a provider: started by one client, used once. Only a hash of the
    `state` value is stored; the PKCE verifier is sealed."""

    class Intent(models.TextChoices):
        SIGN_IN = "sign_in", _("Sign in")
        LINK = "link", _("Link")

    state_hash = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey("authflows.Client", on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey(SSOConnection, on_delete=models.CASCADE, related_name="+")
    intent = models.CharField(max_length=8, choices=Intent.choices, default=Intent.SIGN_IN)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    nonce = models.CharField(max_length=64, blank=True)
    verifier_sealed = models.TextField(blank=True)
    request_id = models.CharField(max_length=128, blank=True)  # SAML AuthnRequest ID
    redirect_url = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("SSO state")

    def __str__(self) -> str:
        return f"{self.connection_id} {self.intent} {self.created_at:%Y-%m-%d %H:%M}"


class SAMLAssertionUse(models.Model):
    """A SAML assertion already accepted: the same assertion is refused a second time."""

    connection = models.ForeignKey(SSOConnection, on_delete=models.CASCADE, related_name="+")
    assertion_id = models.CharField(max_length=255)
    used_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("used SAML assertion")
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "assertion_id"], name="saml_assertion_once"
            ),
        ]

    def __str__(self) -> str:
        return self.assertion_id


class PendingExternalAccount(models.Model):
    """The provider account a sign-up started from (Clerk's transfer): linked to the user the
    sign-up creates."""

    sign_up = models.OneToOneField(
        "authflows.SignUpAttempt", on_delete=models.CASCADE, related_name="+"
    )
    connection = models.ForeignKey(SSOConnection, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=255)
    email = models.CharField(max_length=254, blank=True)
    email_verified = models.BooleanField(default=False)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("pending linked account")

    def __str__(self) -> str:
        return f"{self.connection_id} {self.email or self.subject}"
