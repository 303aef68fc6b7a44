"""The provider sends the browser back: the state is consumed (single use, this client), the
code exchanged or the SAML response checked, and the person signed in, signed up or linked.

Every callback counts against a per-IP limit (`sso_callback`) and every refusal is audited
with its reason. A SAML response arrives by a cross-site POST, which carries none of this
site's cookies (SameSite=Lax): it is kept for a moment under a random key and the browser is
sent on to a GET of our own, which does carry them."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping

from django.core.cache import cache
from django.urls import reverse

from authflows.context import FlowContext
from authflows.db import insert_once
from authflows.errors import FlowError
from authflows.flows import gate
from authflows.flows.screens import Screen
from authflows.flows.sso import sign_in, state
from authflows.models import AuthEvent, SAMLAssertionUse, SSOConnection
from authflows.sso import oidc, saml
from authflows.sso.identity import ProviderError

logger = logging.getLogger(__name__)

RECEIVED_TTL = 120
MAX_RESPONSE = 200_000


def _connection(slug: str, *, saml_only: bool) -> SSOConnection:
    connection = SSOConnection.objects.filter(slug=slug[:40], enabled=True).first()
    if connection is None or connection.is_saml != saml_only:
        raise FlowError("connection_not_found")
    return connection


def _back(ctx: FlowContext) -> str:
    return reverse("authflows:account" if ctx.user is not None else "authflows:sign-in")


def _checked(
    ctx: FlowContext, slug: str, *, saml_only: bool, step: Callable[[SSOConnection], Screen]
) -> Screen:
    """Run one callback through the per-IP limit; a refusal is audited and shown on the page
    the person came from."""
    gate.throttle(ctx, "sso_callback")
    connection: SSOConnection | None = None
    try:
        connection = _connection(slug, saml_only=saml_only)
        return step(connection)
    except ProviderError as error:
        assert connection is not None
        logger.info("sso callback %s refused: %s", slug, error)
        refusal = FlowError(error.code, provider=connection.name)
    except FlowError as error:
        refusal = error
    gate.record(
        ctx,
        AuthEvent.Kind.SSO_FAILED,
        user=ctx.user,
        connection=slug[:40],
        reason=refusal.code,
        step="callback",
    )
    return Screen(redirect=_back(ctx), error=refusal)


def oauth_callback(ctx: FlowContext, slug: str, params: Mapping[str, str]) -> Screen:
    """/sso/callback/<slug>/ (OpenID Connect and OAuth 2.0)."""

    def step(connection: SSOConnection) -> Screen:
        row = state.consume(ctx, connection, params.get("state", ""))
        error = params.get("error", "")
        if error:
            code = "oauth_access_denied" if error == "access_denied" else "oauth_provider_error"
            raise ProviderError(code, error[:100])
        if not params.get("code"):
            raise ProviderError("oauth_token_exchange_error", "no code")
        token = oidc.exchange(connection, code=params["code"], verifier=state.verifier_of(row))
        identity = oidc.identity(connection, token, nonce=row.nonce)
        return sign_in.arrive(ctx, connection, row, identity)

    return _checked(ctx, slug, saml_only=False, step=step)


def saml_received(slug: str, *, saml_response: str, relay_state: str) -> str:
    """The IdP's cross-site POST: keep the response briefly, return our own GET to finish."""
    key = secrets.token_urlsafe(24)
    if saml_response and len(saml_response) <= MAX_RESPONSE:
        cache.set(f"authflows:saml:{key}", [saml_response, relay_state[:200]], RECEIVED_TTL)
    return reverse("authflows:saml-acs", args=[slug[:40]]) + "?received=" + key


def saml_callback(ctx: FlowContext, slug: str, received: str) -> Screen:
    """Finish the SAML response kept by saml_received(), with this browser's cookies."""

    def step(connection: SSOConnection) -> Screen:
        kept = cache.get(f"authflows:saml:{received[:64]}") if received else None
        cache.delete(f"authflows:saml:{received[:64]}")
        if not kept:
            raise FlowError("oauth_state_invalid", provider=connection.name)
        saml_response, relay_state = kept
        row = state.consume(ctx, connection, relay_state)
        assertion = saml.accept(connection, saml_response=saml_response, request_id=row.request_id)
        use = SAMLAssertionUse(
            connection=connection,
            assertion_id=assertion.assertion_id,
            expires_at=assertion.not_on_or_after,
        )
        if not insert_once(use):  # an assertion is accepted once, ever
            raise ProviderError("saml_response_invalid", "assertion replayed")
        return sign_in.arrive(ctx, connection, row, assertion.identity)

    return _checked(ctx, slug, saml_only=True, step=step)
