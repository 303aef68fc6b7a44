"""What a provider account leads to: the linked user signs in (MFA still applies, as after
any first factor); an address that belongs to a user links (when the provider verified it and
the Dashboard allows) or asks to sign in to that account first; anything else is a sign-up.
Enterprise connections vouch for the addresses of their own domains only."""

from __future__ import annotations

from dataclasses import replace

from django.urls import reverse
from django.utils.translation import gettext as _

from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.flows import gate
from authflows.flows.screens import Screen
from authflows.flows.sign_in import attempts, finish, policy
from authflows.flows.sign_in.table import Status, move
from authflows.flows.sso import accounts, connections, pending, sdk, transfer
from authflows.identifiers import normalize_email
from authflows.models import SignInAttempt, SSOConnection, SSOState, User
from authflows.sso import config
from authflows.sso.identity import Identity
from authflows.strategies import Strategy


def sign_in_user(ctx: FlowContext, user: User, strategy: Strategy, *, redirect_url: str) -> str:
    """The provider proved the first factor: on to the attempt's next page."""
    attempt = first_factor_passed(ctx, user, strategy, redirect_url=redirect_url)
    return finish.next_url(ctx, attempt)


def first_factor_passed(
    ctx: FlowContext, user: User, strategy: Strategy, *, redirect_url: str
) -> SignInAttempt:
    """The sign-in goes on as after any other first factor (a locked account stays locked;
    MFA is asked for; a passwordless factor needs no client trust)."""
    if not user.is_active:
        raise FlowError("strategy_for_user_invalid")
    gate.ensure_open(ctx, gate.claimant(ctx, user), field="__all__")
    attempt = attempts.new(ctx, identifier=user.identifier, user=user, redirect_url=redirect_url)
    move(attempt, Status.NEEDS_FIRST_FACTOR)
    attempt.supported_first_factors = [strategy]
    policy.after_first_factor(ctx, attempt, strategy)
    finish.settle(ctx, attempt)
    return attempt


def is_enterprise(connection: SSOConnection) -> bool:
    return connection.is_saml or bool(connections.domains_of(connection))


def vouched(connection: SSOConnection, identity: Identity) -> Identity:
    """An enterprise IdP speaks for the addresses of its domains, and only for those."""
    email = normalize_email(identity.email) or ""
    if connections.domain_of(email) not in connections.domains_of(connection):
        raise FlowError("enterprise_sso_email_address_domain_mismatch", provider=connection.name)
    return replace(identity, email=email, email_verified=True)


def arrive(
    ctx: FlowContext, connection: SSOConnection, row: SSOState, identity: Identity
) -> Screen:
    """The provider said who this is: link (when the round trip was a link) or sign in."""
    enterprise = is_enterprise(connection)
    if enterprise:
        identity = vouched(connection, identity)
    if row.intent == SSOState.Intent.LINK:
        return _linked_from_account(ctx, connection, row, identity)
    if ctx.user is not None:
        raise FlowError("session_exists")
    strategy = config.strategy_of(connection, enterprise=enterprise)
    trip = sdk.waiting(ctx, connection)
    account = accounts.find(connection, identity.subject)
    if account is not None:
        accounts.used(account, identity)
        return _signed_in(ctx, account.user, strategy, row, trip)
    email = normalize_email(identity.email) or ""
    owner = User.objects.filter(email=email).first() if email else None
    if owner is None and trip is not None:  # the SDK asks for the sign-up (transfer)
        sdk.transferable(ctx, trip, identity)
        return Screen(redirect=trip.callback_url)
    if owner is None:
        return Screen(
            redirect=transfer.sign_up(ctx, connection, identity, redirect_url=row.redirect_url)
        )
    if identity.email_verified and (enterprise or connection.link_verified_email):
        accounts.link(ctx, owner, connection, identity)
        return _signed_in(ctx, owner, strategy, row, trip)
    message = _(
        "An account with this email address exists. Sign in to it to link your "
        "%(provider)s account."
    ) % {"provider": connection.name}
    return Screen(redirect=pending.remember(ctx, connection, identity), message=message)


def _signed_in(
    ctx: FlowContext, user: User, strategy: Strategy, row: SSOState, trip: sdk.RoundTrip | None
) -> Screen:
    """A page's round trip goes on to the attempt's next page; the SDK's back to its
    redirect_url, where GET /client shows the sign-in (complete, or its second factor)."""
    if trip is None:
        return Screen(redirect=sign_in_user(ctx, user, strategy, redirect_url=row.redirect_url))
    attempt = first_factor_passed(ctx, user, strategy, redirect_url=trip.complete_url)
    if attempt.status == Status.COMPLETE:
        if attempt.pk is None:  # kept for GET /client, which shows it to the SDK
            attempts.save(ctx, attempt)
        finish.finalize(ctx, attempt)
        sdk.completed(ctx, attempt, trip)
    return Screen(redirect=trip.callback_url)


def _linked_from_account(
    ctx: FlowContext, connection: SSOConnection, row: SSOState, identity: Identity
) -> Screen:
    user = ctx.user
    if user is None or row.user_id != user.pk:
        raise FlowError("oauth_state_invalid", provider=connection.name)
    existing = accounts.find(connection, identity.subject)
    if existing is not None and existing.user_id != user.pk:
        raise FlowError("external_account_exists", provider=connection.name)
    if existing is None:
        accounts.link(ctx, user, connection, identity)
    message = _("Your %(provider)s account is linked.") % {"provider": connection.name}
    return Screen(redirect=_account_url(), message=message)


def _account_url() -> str:
    return reverse("authflows:account") + "#connected-accounts"
