"""A connection's effective settings: its preset filled in by what the operator typed, its
client secret (sealed in the row or read from the environment), the URLs to register at the
provider, and what is still missing before it can work."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.urls import reverse
from django.utils.translation import gettext as _

from authflows.app_settings import app_settings
from authflows.models import SSOConnection
from authflows.sso import secrets
from authflows.sso.presets import PRESETS, Preset
from authflows.strategies import Strategy

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Endpoints:
    issuer: str
    authorization_url: str
    token_url: str
    userinfo_url: str
    scopes: str


def preset_of(connection: SSOConnection) -> Preset:
    return PRESETS[connection.provider]


def protocol_of(connection: SSOConnection) -> str:
    return preset_of(connection).protocol


def strategy_of(connection: SSOConnection, *, enterprise: bool = False) -> Strategy:
    """Clerk's strategy name: enterprise_sso for SAML and for connections found by email
    domain, else the provider's oauth_* name."""
    if enterprise or connection.is_saml:
        return Strategy.ENTERPRISE_SSO
    return preset_of(connection).strategy


def endpoints(connection: SSOConnection) -> Endpoints:
    """What the operator typed, else the preset's."""
    preset = preset_of(connection)
    return Endpoints(
        issuer=(connection.issuer or preset.issuer).rstrip("/"),
        authorization_url=connection.authorization_url or preset.authorization_url,
        token_url=connection.token_url or preset.token_url,
        userinfo_url=connection.userinfo_url or preset.userinfo_url,
        scopes=connection.scopes or preset.scopes,
    )


def client_secret(connection: SSOConnection) -> str:
    """From the named environment variable when set, else the sealed copy ("" if none)."""
    if connection.client_secret_env:
        return os.environ.get(connection.client_secret_env, "")
    if not connection.client_secret_sealed:
        return ""
    try:
        return secrets.unseal(connection.client_secret_sealed)
    except secrets.UnreadableSecret:
        return ""


def set_client_secret(connection: SSOConnection, secret: str) -> None:
    connection.client_secret_sealed = secrets.seal(secret) if secret else ""


def _absolute(name: str, slug: str) -> str:
    return app_settings.PUBLIC_ORIGIN + reverse(name, args=[slug])


def callback_url(connection: SSOConnection) -> str:
    """The redirect URI to register at the provider: exact, from PUBLIC_ORIGIN."""
    return _absolute("authflows:sso-callback", connection.slug)


def acs_url(connection: SSOConnection) -> str:
    """SAML: the assertion consumer service URL (HTTP-POST binding)."""
    return _absolute("authflows:saml-acs", connection.slug)


def metadata_url(connection: SSOConnection) -> str:
    """SAML: the service provider's metadata, also its entity ID."""
    return _absolute("authflows:saml-metadata", connection.slug)


def _plain_http(url: str) -> bool:
    """An http:// URL anywhere but this machine (where tests and local providers run)."""
    parts = urlsplit(url)
    return bool(url) and parts.scheme != "https" and parts.hostname not in LOOPBACK


def problems(connection: SSOConnection) -> list[str]:
    """What keeps the connection from working (empty when it is ready)."""
    missing: list[str] = []
    typed = (
        connection.issuer,
        connection.authorization_url,
        connection.token_url,
        connection.userinfo_url,
        connection.idp_sso_url,
    )
    if any(_plain_http(url) for url in typed):
        missing.append(_("https:// URLs"))
    if connection.is_saml:
        pairs = [
            (connection.idp_entity_id, _("IdP entity ID")),
            (connection.idp_sso_url, _("IdP single sign-on URL")),
            (connection.idp_certificate, _("IdP signing certificate")),
        ]
        return missing + [str(label) for value, label in pairs if not value]
    ends = endpoints(connection)
    if not connection.client_id:
        missing.append(_("client ID"))
    if not client_secret(connection):
        missing.append(_("client secret"))
    if protocol_of(connection) == "oidc" and not ends.issuer:
        missing.append(_("issuer"))
    if protocol_of(connection) == "oauth2":
        urls = (ends.authorization_url, ends.token_url, ends.userinfo_url)
        if not all(urls):
            missing.append(_("endpoints"))
    return missing
