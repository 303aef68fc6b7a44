"""OpenID Connect and OAuth 2.0 with Authlib (protocol only): the authorization URL with PKCE
(S256), state and nonce; the code exchange; the ID token checked against the issuer's keys
(joserfc: signature, iss, aud, exp, iat, nonce, with a bounded leeway); the user endpoint of
OAuth-only providers. Discovery documents and key sets are cached; a token signed with a key
the cache does not know makes one fresh fetch of the key set (key rotation)."""

from __future__ import annotations

import logging
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from authflows import clock
from authflows.cache import copies
from authflows.models import Provider, SSOConnection
from authflows.sso import config
from authflows.sso.identity import Identity, ProviderError, text, truthy

logger = logging.getLogger(__name__)

#: Seconds every call to a provider may take: a hung provider holds a request no longer.
TIMEOUT = 10
#: Clock difference tolerated on the ID token's times.
LEEWAY_SECONDS = 60
DISCOVERY_TTL = 3600
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]


def new_secret() -> str:
    return generate_token(48)


def _get_json(url: str, **kwargs: Any) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=TIMEOUT, **kwargs)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderError("oauth_provider_unavailable", f"{url}: {error}") from error
    if not isinstance(data, dict):
        raise ProviderError("oauth_provider_unavailable", f"{url}: not a JSON object")
    return data


def discovery(issuer: str) -> dict[str, Any]:
    """The issuer's discovery document (cached for an hour); its issuer must be the one asked
    for, or every later check would trust someone else."""
    key = f"authflows:oidc:discovery:{issuer}"
    document = copies().get(key)
    if document is None:
        document = _get_json(issuer + "/.well-known/openid-configuration")
        if document.get("issuer", "").rstrip("/") != issuer and "{tenantid}" not in str(
            document.get("issuer")
        ):
            raise ProviderError("oauth_provider_unavailable", "discovery issuer mismatch")
        copies().set(key, document, DISCOVERY_TTL)
    return document


def _key_set(jwks_uri: str, *, fresh: bool = False) -> KeySet:
    key = f"authflows:oidc:jwks:{jwks_uri}"
    keys = None if fresh else copies().get(key)
    if keys is None:
        keys = _get_json(jwks_uri)
        copies().set(key, keys, DISCOVERY_TTL)
    try:
        return KeySet.import_key_set(keys)  # type: ignore[arg-type]  # a JSON object from the provider, checked by the import
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise ProviderError("oauth_provider_unavailable", f"key set: {error}") from error


def _urls(connection: SSOConnection) -> tuple[str, str, str]:
    """(authorization, token, user endpoint): typed, else the discovery document's."""
    ends = config.endpoints(connection)
    if config.protocol_of(connection) != "oidc":
        return ends.authorization_url, ends.token_url, ends.userinfo_url
    document = discovery(ends.issuer)
    return (
        ends.authorization_url or str(document.get("authorization_endpoint", "")),
        ends.token_url or str(document.get("token_endpoint", "")),
        ends.userinfo_url or str(document.get("userinfo_endpoint", "")),
    )


def _session(connection: SSOConnection) -> OAuth2Session:
    preset = config.preset_of(connection)
    return OAuth2Session(
        client_id=connection.client_id,
        client_secret=config.client_secret(connection),
        scope=config.endpoints(connection).scopes,
        redirect_uri=config.callback_url(connection),
        token_endpoint_auth_method=preset.token_auth,
        code_challenge_method="S256",
    )


def authorization_url(connection: SSOConnection, *, state: str, nonce: str, verifier: str) -> str:
    """Where the browser goes: the provider's authorization endpoint with the exact redirect
    URI, state, PKCE challenge (S256) and, for OpenID Connect, the nonce."""
    authorize, _token, _user = _urls(connection)
    extra: dict[str, str] = {}
    if config.protocol_of(connection) == "oidc":
        extra["nonce"] = nonce
    if config.preset_of(connection).response_mode:
        extra["response_mode"] = config.preset_of(connection).response_mode
    try:
        url, _state = _session(connection).create_authorization_url(
            authorize, state=state, code_verifier=verifier, **extra
        )
    except AuthlibBaseError as error:  # e.g. an endpoint that is not https://
        raise ProviderError("oauth_provider_unavailable", f"{authorize}: {error}") from error
    return str(url)


def challenge_of(verifier: str) -> str:
    return str(create_s256_code_challenge(verifier))


def exchange(connection: SSOConnection, *, code: str, verifier: str) -> dict[str, Any]:
    """Redeem the code (with the PKCE verifier) at the token endpoint."""
    _authorize, token_url, _user = _urls(connection)
    try:
        token = _session(connection).fetch_token(
            token_url,
            code=code,
            code_verifier=verifier,
            timeout=TIMEOUT,
            headers={"Accept": "application/json"},
        )
    except OAuthError as error:
        raise ProviderError("oauth_token_exchange_error", str(error.error)) from error
    except AuthlibBaseError as error:  # e.g. a token endpoint that is not https://
        raise ProviderError("oauth_provider_unavailable", str(error)) from error
    except (requests.RequestException, ValueError) as error:
        raise ProviderError("oauth_provider_unavailable", str(error)) from error
    if not isinstance(token, dict) or not token.get("access_token"):
        raise ProviderError("oauth_token_exchange_error", "no access token")
    return dict(token)


def _expected_issuer(connection: SSOConnection, claims: dict[str, Any]) -> str:
    issuer = str(discovery(config.endpoints(connection).issuer).get("issuer", "")).rstrip("/")
    if "{tenantid}" in issuer and connection.provider == Provider.MICROSOFT:
        # Microsoft's multi-tenant document names the tenant in each token.
        issuer = issuer.replace("{tenantid}", str(claims.get("tid", "")))
    return issuer


def _decode(connection: SSOConnection, id_token: str) -> jwt.Token:
    jwks_uri = str(discovery(config.endpoints(connection).issuer).get("jwks_uri", ""))
    if not jwks_uri:
        raise ProviderError("oauth_provider_unavailable", "no jwks_uri")
    try:
        kid = jws.extract_compact(id_token.encode()).headers().get("kid")
    except (JoseError, ValueError) as error:
        raise ProviderError("oauth_id_token_invalid", f"malformed: {error}") from error
    keys = _key_set(jwks_uri)
    if kid and kid not in {k.kid for k in keys.keys}:
        keys = _key_set(jwks_uri, fresh=True)  # the provider rotated its keys
    try:
        return jwt.decode(id_token, keys, algorithms=ALGORITHMS)
    except (JoseError, ValueError) as error:
        raise ProviderError("oauth_id_token_invalid", f"signature: {error}") from error


def validate_id_token(connection: SSOConnection, id_token: str, *, nonce: str) -> dict[str, Any]:
    """The ID token's signature and claims: issuer, audience (and azp when there are several),
    expiry and issue time within the leeway, the nonce this round trip sent."""
    token = _decode(connection, id_token)
    claims = dict(token.claims)
    registry = jwt.JWTClaimsRegistry(
        now=lambda: int(clock.now().timestamp()),
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": _expected_issuer(connection, claims)},
        aud={"essential": True, "value": connection.client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except JoseError as error:
        raise ProviderError("oauth_id_token_invalid", f"claims: {error}") from error
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != connection.client_id:
        raise ProviderError("oauth_id_token_invalid", "azp")
    return claims


def _user_endpoint(connection: SSOConnection, access_token: str) -> dict[str, Any]:
    _authorize, _token, user_url = _urls(connection)
    if not user_url:
        return {}
    headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
    return _get_json(user_url, headers=headers)


def _github_email(connection: SSOConnection, access_token: str) -> tuple[str, bool]:
    """GitHub: the primary address from the address list, with its verified flag."""
    url = config.endpoints(connection).userinfo_url.rstrip("/") + "/emails"
    headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
    try:
        response = requests.get(url, headers=headers, timeout=TIMEOUT)
        response.raise_for_status()
        rows = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderError("oauth_provider_unavailable", f"emails: {error}") from error
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict) and row.get("primary"):
            return text(row.get("email"), 254), truthy(row.get("verified"))
    return "", False


def _names(claims: dict[str, Any]) -> tuple[str, str]:
    first, last = text(claims.get("given_name")), text(claims.get("family_name"))
    if not (first or last) and isinstance(claims.get("name"), str):
        first, _, last = claims["name"].strip().partition(" ")
    return first[:150], last[:150]


def identity(connection: SSOConnection, token: dict[str, Any], *, nonce: str) -> Identity:
    """Who signed in: from the checked ID token (OpenID Connect, with the user endpoint for
    what the token leaves out), or from the user endpoint alone (OAuth 2.0)."""
    if config.protocol_of(connection) == "oidc":
        if not token.get("id_token"):
            raise ProviderError("oauth_id_token_invalid", "no id_token")
        claims = validate_id_token(connection, str(token["id_token"]), nonce=nonce)
        if not claims.get("email"):
            extra = _user_endpoint(connection, str(token["access_token"]))
            if str(extra.get("sub")) == str(claims["sub"]):
                claims = {**extra, **claims}
    else:
        claims = _user_endpoint(connection, str(token["access_token"]))
        claims.setdefault("sub", claims.get("id"))
        if connection.provider == Provider.GITHUB:
            claims["email"], claims["email_verified"] = _github_email(
                connection, str(token["access_token"])
            )
    subject = str(claims.get("sub") or "")
    if not subject or subject == "None":
        raise ProviderError("oauth_id_token_invalid", "no subject")
    first, last = _names(claims)
    return Identity(
        subject=subject[:255],
        email=text(claims.get("email"), 254),
        email_verified=truthy(claims.get("email_verified")),
        first_name=first,
        last_name=last,
    )
