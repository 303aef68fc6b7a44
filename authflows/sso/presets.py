"""What is known of each provider before the operator types anything: endpoints, scopes,
how the client authenticates at the token endpoint, and the strategy name (Clerk's)."""

from __future__ import annotations

from dataclasses import dataclass

from authflows.models import Provider
from authflows.strategies import Strategy


@dataclass(frozen=True)
class Preset:
    #: "oidc" (ID token checked against the issuer's keys), "oauth2" (the user endpoint),
    #: or "saml".
    protocol: str
    strategy: Strategy
    issuer: str = ""
    authorization_url: str = ""
    token_url: str = ""
    userinfo_url: str = ""
    scopes: str = "openid email profile"
    token_auth: str = "client_secret_basic"
    #: "form_post": the provider posts the code back (Apple, when asking for name or email).
    response_mode: str = ""


PRESETS: dict[str, Preset] = {
    Provider.GOOGLE: Preset("oidc", Strategy.OAUTH_GOOGLE, issuer="https://accounts.google.com"),
    Provider.MICROSOFT: Preset(
        "oidc",
        Strategy.OAUTH_MICROSOFT,
        # Any work, school or personal account; the token's issuer names its tenant.
        issuer="https://login.microsoftonline.com/common/v2.0",
    ),
    Provider.GITHUB: Preset(
        "oauth2",
        Strategy.OAUTH_GITHUB,
        authorization_url="https://github.com/login/oauth/authorize",
        token_url="https://github.com/login/oauth/access_token",
        userinfo_url="https://api.github.com/user",
        scopes="read:user user:email",
        token_auth="client_secret_post",
    ),
    Provider.APPLE: Preset(
        "oidc",
        Strategy.OAUTH_APPLE,
        issuer="https://appleid.apple.com",
        scopes="openid email name",
        token_auth="client_secret_post",
        response_mode="form_post",
    ),
    Provider.OIDC: Preset("oidc", Strategy.OAUTH_CUSTOM),
    Provider.OAUTH2: Preset("oauth2", Strategy.OAUTH_CUSTOM),
    Provider.SAML: Preset("saml", Strategy.ENTERPRISE_SSO, scopes=""),
}
