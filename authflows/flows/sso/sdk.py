"""A round trip started by Clerk's SDK (the Frontend API) rather than by a page, as this
browser's session remembers it: the SDK's sign-in attempt, the strategy it named, the
provider's URL, where the provider's callback sends the browser, and afterwards the sign-in
the callback completed or the provider account waiting for `signUp.create({transfer})`.

The callback is the pages' own (/sso/callback/<slug>/): it asks `waiting()` whether this
round trip belongs to the SDK, and then answers as Clerk does (the browser goes back to the
SDK's redirect_url, which reads the outcome from GET /client) instead of going on to a page.
Any round trip a page starts forgets the SDK's (authflows.flows.sso.state.create)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from authflows import clock
from authflows.context import FlowContext
from authflows.flows.sign_in.attempts import ATTEMPT_LIFETIME
from authflows.flows.sign_in.table import Status
from authflows.models import SignInAttempt, SSOConnection
from authflows.sso.identity import Identity

SDK_SESSION_KEY = "authflows_sso_sdk"


@dataclass(frozen=True)
class RoundTrip:
    """The SDK's round trip as its sign-in shows it."""

    attempt_id: int
    connection_id: int
    strategy: str
    url: str
    callback_url: str
    complete_url: str
    identity: Identity | None = None
    done: bool = False


def remember(ctx: FlowContext, trip: RoundTrip) -> None:
    ctx.session[SDK_SESSION_KEY] = {**asdict(trip), "at": clock.now().timestamp()}


def forget(ctx: FlowContext) -> None:
    ctx.session.pop(SDK_SESSION_KEY, None)


def current(ctx: FlowContext) -> RoundTrip | None:
    """The SDK's round trip of this session, while its attempt lives."""
    data = ctx.session.get(SDK_SESSION_KEY)
    if not isinstance(data, dict):
        return None
    if clock.now().timestamp() - float(data.get("at", 0)) > ATTEMPT_LIFETIME.total_seconds():
        forget(ctx)
        return None
    identity = data.get("identity")
    fields = {k: v for k, v in data.items() if k not in ("at", "identity")}
    try:
        return RoundTrip(**fields, identity=Identity(**identity) if identity else None)
    except TypeError:  # written by another release of this module: start again
        forget(ctx)
        return None


def waiting(ctx: FlowContext, connection: SSOConnection) -> RoundTrip | None:
    """The SDK's round trip to this provider, when the callback arriving is its answer."""
    trip = current(ctx)
    if trip is None or trip.done or trip.identity or trip.connection_id != connection.pk:
        return None
    return trip


def completed(ctx: FlowContext, attempt: SignInAttempt, trip: RoundTrip) -> None:
    """The callback completed a sign-in: GET /client shows it until the SDK takes it."""
    remember(ctx, replace(trip, attempt_id=attempt.pk, done=True))


def transferable(ctx: FlowContext, trip: RoundTrip, identity: Identity) -> None:
    """The provider account has no user: kept for `signUp.create({transfer: true})`."""
    remember(ctx, replace(trip, identity=identity))


def finished_attempt(ctx: FlowContext) -> SignInAttempt | None:
    """The sign-in the callback completed (the pages' attempt is forgotten once complete)."""
    trip = current(ctx)
    if trip is None or not trip.done or ctx.client.id is None:
        return None
    return (
        SignInAttempt.objects.select_related("user")
        .filter(pk=trip.attempt_id, client_id=ctx.client.id, status=Status.COMPLETE)
        .first()
    )
