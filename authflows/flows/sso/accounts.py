"""Linked accounts (Clerk's external accounts): link, unlink (never the last way in), the
account page's list, and the link a sign-up transfer leaves for the user it creates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX

from authflows import clock
from authflows.context import FlowContext
from authflows.db import insert_once
from authflows.errors import FlowError
from authflows.flows import gate
from authflows.models import (
    AuthEvent,
    ExternalAccount,
    PendingExternalAccount,
    SignUpAttempt,
    SSOConnection,
    User,
)
from authflows.sso.identity import Identity


@dataclass(frozen=True)
class Linked:
    id: int
    connection: str
    provider: str
    email: str
    created_at: datetime
    last_used_at: datetime | None


def find(connection: SSOConnection, subject: str) -> ExternalAccount | None:
    return (
        ExternalAccount.objects.select_related("user")
        .filter(connection=connection, subject=subject)
        .first()
    )


def link(ctx: FlowContext, user: User, connection: SSOConnection, identity: Identity) -> bool:
    """Link the provider account to the user (one INSERT; False when it is linked already,
    to this user or another: the unique (connection, subject) decides)."""
    now = clock.now()
    account = ExternalAccount(
        user=user,
        connection=connection,
        subject=identity.subject,
        email=identity.email,
        email_verified=identity.email_verified,
        first_name=identity.first_name,
        last_name=identity.last_name,
        created_at=now,
        last_used_at=now,
    )
    if not insert_once(account):
        return False
    gate.record(ctx, AuthEvent.Kind.SSO_LINKED, user=user, connection=connection.slug)
    return True


def used(account: ExternalAccount, identity: Identity) -> None:
    """A sign-in with the account: what the provider says now, and when."""
    ExternalAccount.objects.filter(pk=account.pk).update(
        last_used_at=clock.now(),
        email=identity.email,
        email_verified=identity.email_verified,
        first_name=identity.first_name,
        last_name=identity.last_name,
    )


def linked(user: User) -> list[Linked]:
    rows = (
        ExternalAccount.objects.filter(user=user)
        .select_related("connection")
        .order_by("created_at", "pk")
    )
    return [
        Linked(
            id=row.pk,
            connection=row.connection.name,
            provider=row.connection.provider,
            email=row.email,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
        )
        for row in rows
    ]


def _other_ways_in(ctx: FlowContext, user: User, account: ExternalAccount) -> bool:
    """Whether the user can still sign in without this account."""
    settings = ctx.settings
    if settings.password_enabled and user.has_usable_password():
        return True
    passwordless = settings.passwordless_strategies()
    if user.email and any(s.startswith("email_") for s in passwordless):
        return True
    if user.phone and "phone_code" in passwordless:
        return True
    others = ExternalAccount.objects.filter(user=user, connection__enabled=True)
    return others.exclude(pk=account.pk).exists()


def unlink(ctx: FlowContext, user: User, raw_id: str) -> str:
    """Remove one of the user's linked accounts, unless it is their last way in. Returns the
    connection's name."""
    account_id = int(raw_id) if raw_id.isascii() and raw_id.isdigit() and len(raw_id) < 18 else 0
    account = (
        ExternalAccount.objects.select_related("connection")
        .filter(pk=account_id, user=user)
        .first()
    )
    if account is None:
        raise FlowError("external_account_not_found")
    if not _other_ways_in(ctx, user, account):
        raise FlowError("external_account_last_way_in")
    account.delete()
    gate.record(ctx, AuthEvent.Kind.SSO_UNLINKED, user=user, connection=account.connection.slug)
    return account.connection.name


def leave_for_sign_up(
    attempt: SignUpAttempt, connection: SSOConnection, identity: Identity
) -> None:
    PendingExternalAccount.objects.create(
        sign_up=attempt,
        connection=connection,
        subject=identity.subject,
        email=identity.email,
        email_verified=identity.email_verified,
        first_name=identity.first_name,
        last_name=identity.last_name,
    )


def adopt_pending(ctx: FlowContext, attempt: SignUpAttempt, user: User) -> None:
    """The sign-up created its user: link the provider account it started from. Only a
    sign-up from a provider holds the unusable password that stands for "no password", so
    other sign-ups cost no query here."""
    if not attempt.password_hash.startswith(UNUSABLE_PASSWORD_PREFIX):
        return
    pending = (
        PendingExternalAccount.objects.select_related("connection").filter(sign_up=attempt).first()
    )
    if pending is None:
        return
    identity = Identity(
        subject=pending.subject,
        email=pending.email,
        email_verified=pending.email_verified,
        first_name=pending.first_name,
        last_name=pending.last_name,
    )
    link(ctx, user, pending.connection, identity)
    pending.delete()
