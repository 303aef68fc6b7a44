"""The state of one round trip to a provider: created by one client, consumed once.

The browser carries a random `state` value; the row stores only its hash, with the client
that started, the nonce, the sealed PKCE verifier (or the SAML request ID) and where to go
afterwards. The callback consumes it with one conditional UPDATE (unconsumed, unexpired, this
client), so a replayed or stolen state, or one from another browser, is refused."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from authflows import clock
from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.flows import redirects
from authflows.flows.sso import sdk
from authflows.models import SSOConnection, SSOState, User
from authflows.sso import oidc, secrets

STATE_LIFETIME = timedelta(minutes=10)


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def create(
    ctx: FlowContext,
    connection: SSOConnection,
    *,
    intent: str = SSOState.Intent.SIGN_IN,
    user: User | None = None,
    redirect_url: str = "",
) -> tuple[SSOState, str, str]:
    """A new round trip: the row (not saved), the state value and the PKCE verifier. It
    replaces a round trip the SDK started (which the SDK remembers again after this)."""
    sdk.forget(ctx)
    state, verifier = oidc.new_secret(), oidc.new_secret()
    now = clock.now()
    row = SSOState(
        state_hash=_hash(state),
        client_id=ctx.client.ensure(),
        connection=connection,
        intent=intent,
        user=user,
        nonce=oidc.new_secret(),
        verifier_sealed=secrets.seal(verifier),
        redirect_url=redirects.safe_redirect_url(ctx, redirect_url),
        created_at=now,
        expires_at=now + STATE_LIFETIME,
    )
    return row, state, verifier


def consume(ctx: FlowContext, connection: SSOConnection, state: str) -> SSOState:
    """The round trip this state names, consumed now: exactly once, by the client that
    started it, before it expires, for this connection."""
    if not state or len(state) > 200 or ctx.client.id is None:
        raise FlowError("oauth_state_invalid", provider=connection.name)
    now = clock.now()
    rows = SSOState.objects.filter(
        state_hash=_hash(state),
        client_id=ctx.client.id,
        connection=connection,
        consumed_at__isnull=True,
        expires_at__gt=now,
    )
    if not rows.update(consumed_at=now):
        raise FlowError("oauth_state_invalid", provider=connection.name)
    return SSOState.objects.select_related("user").get(state_hash=_hash(state))


def verifier_of(row: SSOState) -> str:
    try:
        return secrets.unseal(row.verifier_sealed)
    except secrets.UnreadableSecret as error:
        raise FlowError("oauth_state_invalid", provider=row.connection.name) from error
