"""Starting a round trip to a provider: a social button, an enterprise address typed on the
sign-in page, or "Link" on the account page.

A form may only post to this site (Content-Security-Policy `form-action 'self'`, which
browsers also apply to every redirect after the post). So a social button is a link, whose
GET goes to the provider at once; after a form (an enterprise address, "Link" on the account
page) the browser stops at /sso/continue/, a page of our own that names the provider and links
to it."""

from __future__ import annotations

import logging

from django.urls import reverse

from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.flows import gate, reverify
from authflows.flows.screens import Screen
from authflows.flows.sso import connections, state
from authflows.identifiers import normalize_email
from authflows.models import AuthEvent, SSOConnection, SSOState, User
from authflows.sso import config, oidc, saml
from authflows.sso.identity import ProviderError

logger = logging.getLogger(__name__)

SSO_REDIRECT_SESSION_KEY = "authflows_sso_redirect"


def begin(
    ctx: FlowContext,
    connection: SSOConnection,
    *,
    intent: str = SSOState.Intent.SIGN_IN,
    user: User | None = None,
    redirect_url: str = "",
) -> str:
    """Arm a round trip (its state row) and return the provider's URL."""
    row, state_value, verifier = state.create(
        ctx, connection, intent=intent, user=user, redirect_url=redirect_url
    )
    try:
        if connection.is_saml:
            url, row.request_id = saml.login_url(connection, relay_state=state_value)
        else:
            url = oidc.authorization_url(
                connection, state=state_value, nonce=row.nonce, verifier=verifier
            )
    except ProviderError as error:
        logger.warning("sso start %s: %s", connection.slug, error)
        gate.record(
            ctx,
            AuthEvent.Kind.SSO_FAILED,
            user=user,
            connection=connection.slug,
            reason=error.code,
            step="start",
        )
        raise FlowError(error.code, provider=connection.name) from error
    row.save()
    gate.record(
        ctx, AuthEvent.Kind.SSO_STARTED, user=user, connection=connection.slug, intent=intent
    )
    return url


def _continue_page(ctx: FlowContext, connection: SSOConnection, url: str) -> str:
    """After a form: /sso/continue/ shows the provider's link."""
    ctx.session[SSO_REDIRECT_SESSION_KEY] = {"url": url, "provider": connection.name}
    return reverse("authflows:sso-continue")


def start_page(ctx: FlowContext, *, slug: str, redirect_url: str) -> Screen:
    """A social button on the sign-in page (GET /sso/start/<slug>/): on to the provider."""
    try:
        gate.throttle(ctx, "sign_in_start")
        if ctx.user is not None:
            raise FlowError("session_exists")
        connection = connections.social(slug)
        return Screen(redirect=begin(ctx, connection, redirect_url=redirect_url))
    except FlowError as error:
        return Screen(redirect=reverse("authflows:sign-in"), error=error)


def enterprise_url(ctx: FlowContext, identifier: str, *, redirect_url: str) -> str | None:
    """Sign-in with an address whose domain has an enterprise connection goes to that IdP
    only (whatever else was typed): the IdP's URL, or None for every other address."""
    email = normalize_email(identifier.strip()) if "@" in identifier else None
    connection = connections.enterprise_for(email or "")
    if connection is None:
        return None
    gate.throttle(ctx, "sign_in_start")
    if ctx.user is not None:
        raise FlowError("session_exists")
    if config.problems(connection):
        raise FlowError("saml_connection_invalid", provider=connection.name)
    return begin(ctx, connection, redirect_url=redirect_url)


def enterprise_redirect(ctx: FlowContext, identifier: str, *, redirect_url: str) -> str | None:
    """The sign-in page's form: /sso/continue/ links to the address's IdP (None for every
    address without an enterprise connection)."""
    url = enterprise_url(ctx, identifier, redirect_url=redirect_url)
    if url is None:
        return None
    connection = connections.enterprise_for(normalize_email(identifier.strip()) or "")
    assert connection is not None
    return _continue_page(ctx, connection, url)


def link_page(ctx: FlowContext, user: User, *, slug: str) -> Screen:
    """ "Link" on the account page: a recent proof of identity first, as for any change to
    how the account signs in."""
    account = reverse("authflows:account")
    if not reverify.is_recent(ctx):
        return Screen(redirect=reverse("authflows:reverify") + "?redirect_url=" + account)
    try:
        connection = connections.social(slug)
        url = begin(ctx, connection, intent=SSOState.Intent.LINK, user=user)
        return Screen(redirect=_continue_page(ctx, connection, url))
    except FlowError as error:
        return Screen(redirect=account, error=error)


def continue_page(ctx: FlowContext) -> Screen:
    """/sso/continue/: the provider's link, shown once; afterwards it leads back to sign-in."""
    data = ctx.session.pop(SSO_REDIRECT_SESSION_KEY, None)
    if not isinstance(data, dict) or not str(data.get("url", "")).startswith(
        ("https://", "http://")
    ):
        return Screen(redirect=reverse("authflows:sign-in"))
    return Screen(status="sso_redirect", extra={"url": data["url"], "provider": data["provider"]})
