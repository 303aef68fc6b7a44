"""Client trust (SPEC 3): a device that completed a second factor for a user."""

from __future__ import annotations

from authflows.context import FlowContext
from authflows.db import insert_once
from authflows.flows import gate
from authflows.models import AuthEvent, TrustedClient, User
from authflows.strategies import Strategy


def trust_client(ctx: FlowContext, user: User, *, strategy: str, announce: bool = False) -> None:
    """Mark this client trusted for the user (one INSERT; a repeat writes nothing and is
    neither audited nor announced)."""
    client_id = ctx.client.ensure()
    if not insert_once(TrustedClient(client_id=client_id, user=user, strategy=strategy)):
        return
    gate.record(ctx, AuthEvent.Kind.TRUST_GRANTED, user=user, strategy=strategy)
    if announce and strategy in (Strategy.EMAIL_CODE, Strategy.EMAIL_LINK, Strategy.PHONE_CODE):
        ctx.new_trust = strategy  # "New sign-in to your account" once the session starts


def revoke_trust(
    ctx: FlowContext | None, user: User, *, actor: str = "", client_id: int | None = None
) -> int:
    """Revoke the user's trusted clients (one, or all when client_id is None)."""
    queryset = TrustedClient.objects.filter(user=user)
    if client_id is not None:
        queryset = queryset.filter(client_id=client_id)
    deleted, _ = queryset.delete()
    if deleted:
        gate.record(
            ctx,
            AuthEvent.Kind.TRUST_REVOKED,
            user=user,
            actor=actor,
            client=client_id,
            count=deleted,
        )
    return deleted
