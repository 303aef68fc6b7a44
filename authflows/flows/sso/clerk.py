"""Sign-in with identity providers as Clerk's Frontend API addresses it.

`signIn.authenticateWithRedirect()` / `signIn.sso()` create the sign-in with
`strategy=oauth_<connection slug>` (or `enterprise_sso` and an address whose domain has an
enterprise connection), `redirect_url` (the SDK's callback page) and
`action_complete_redirect_url`, and send the browser to the provider's URL they read from
`first_factor_verification.external_verification_redirect_url`. The round trip is the pages'
own (start.begin, the same callback); the callback then sends the browser back to
`redirect_url`, where the SDK reads the outcome from GET /client: the sign-in complete (or at
its second factor), or `transferable` for a provider account without a user, which
`signUp.create({transfer: true})` turns into the pages' sign-up from a provider."""

from __future__ import annotations

from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.flows import gate, redirects
from authflows.flows.sign_in import attempts
from authflows.flows.sign_in.table import Status, move
from authflows.flows.sso import connections, sdk, start, transfer
from authflows.identifiers import normalize_email
from authflows.models import SignInAttempt, SignUpAttempt, SSOConnection
from authflows.strategies import Strategy

#: Clerk names a custom provider oauth_custom_<key>; authflows' strategies are oauth_<slug>.
SOCIAL_PREFIXES = ("oauth_custom_", "oauth_")


def is_sso(strategy: str) -> bool:
    return strategy == Strategy.ENTERPRISE_SSO or strategy.startswith("oauth_")


def _own_url(ctx: FlowContext, url: str, field: str) -> str:
    """The SDK's URLs must be this site's: a foreign one is refused, not silently dropped."""
    safe = redirects.safe_redirect_url(ctx, url)
    if url and not safe:
        raise FlowError("form_param_value_invalid", field=field)
    return safe


def _social(strategy: str) -> SSOConnection:
    offered = {b.slug for b in connections.social_buttons()}
    for prefix in SOCIAL_PREFIXES:
        slug = strategy.removeprefix(prefix)
        if slug != strategy and slug in offered:
            return connections.social(slug)
    raise FlowError("connection_not_found", field="strategy")


def _connection(strategy: str, identifier: str) -> SSOConnection:
    if strategy != Strategy.ENTERPRISE_SSO:
        return _social(strategy)
    email = normalize_email(identifier.strip()) if "@" in identifier else None
    connection = connections.enterprise_for(email or "")
    if connection is None:
        raise FlowError("connection_not_found", field="identifier")
    return connection


def _arm(
    ctx: FlowContext,
    attempt: SignInAttempt,
    connection: SSOConnection,
    strategy: str,
    urls: tuple[str, str],
) -> None:
    """A round trip for the attempt (the pages' own), remembered as the SDK's."""
    if strategy == Strategy.ENTERPRISE_SSO:
        url = start.enterprise_url(ctx, attempt.identifier, redirect_url=urls[0])
        assert url is not None  # the identifier's domain has this connection
    else:
        gate.throttle(ctx, "sign_in_start")
        url = start.begin(ctx, connection, redirect_url=urls[0])
    sdk.remember(ctx, sdk.RoundTrip(attempt.pk, connection.pk, strategy, url, *urls))


def _urls(ctx: FlowContext, redirect_url: str, complete_url: str) -> tuple[str, str]:
    """The SDK's callback page (required) and where to go once signed in."""
    callback_url = _own_url(ctx, redirect_url, "redirect_url")
    if not callback_url:
        raise FlowError("form_param_missing", field="redirect_url")
    return callback_url, _own_url(ctx, complete_url, "action_complete_redirect_url")


def create(
    ctx: FlowContext, *, strategy: str, identifier: str, redirect_url: str, complete_url: str
) -> SignInAttempt:
    """POST /client/sign_ins with an SSO strategy: the attempt, waiting for the provider."""
    connection = _connection(strategy, identifier)
    urls = _urls(ctx, redirect_url, complete_url)
    enterprise = strategy == Strategy.ENTERPRISE_SSO
    attempt = attempts.new(
        ctx, identifier=identifier.strip() if enterprise else "", user=None, redirect_url=""
    )
    move(attempt, Status.NEEDS_FIRST_FACTOR)
    attempt.supported_first_factors = [Strategy.ENTERPRISE_SSO] if enterprise else []
    attempts.save(ctx, attempt)
    _arm(ctx, attempt, connection, strategy, urls)
    return attempt


def prepare(
    ctx: FlowContext, attempt: SignInAttempt, strategy: str, *, redirect_url: str, complete_url: str
) -> None:
    """prepare_first_factor with enterprise_sso (signIn.sso() sends it after create): the
    round trip armed for this attempt, or a new one."""
    trip = round_trip(ctx, attempt)
    if trip is not None and trip.strategy == strategy and not (trip.done or trip.identity):
        return
    if strategy != Strategy.ENTERPRISE_SSO or attempt.status != Status.NEEDS_FIRST_FACTOR:
        raise FlowError("strategy_for_user_invalid", field="strategy")
    urls = _urls(ctx, redirect_url, complete_url)
    _arm(ctx, attempt, _connection(strategy, attempt.identifier), strategy, urls)


def round_trip(ctx: FlowContext, attempt: SignInAttempt) -> sdk.RoundTrip | None:
    """The SDK's round trip of this attempt, as its first_factor_verification shows it."""
    trip = sdk.current(ctx)
    return trip if trip is not None and trip.attempt_id == attempt.pk else None


def finished(ctx: FlowContext) -> SignInAttempt | None:
    """The sign-in the provider's callback completed, for GET /client."""
    return sdk.finished_attempt(ctx)


def transfer_to_sign_up(ctx: FlowContext) -> SignUpAttempt:
    """POST /client/sign_ups with transfer=true: the provider account kept by the callback
    becomes the pages' sign-up from a provider."""
    if ctx.user is not None:
        raise FlowError("session_exists")
    trip = sdk.current(ctx)
    if trip is None or trip.identity is None:
        raise FlowError("form_param_value_invalid", field="transfer")
    connection = SSOConnection.objects.filter(pk=trip.connection_id, enabled=True).first()
    if connection is None:
        raise FlowError("connection_not_found")
    attempt = transfer.start(ctx, connection, trip.identity, redirect_url=trip.complete_url)
    sdk.forget(ctx)
    attempts.forget(ctx)
    return attempt
