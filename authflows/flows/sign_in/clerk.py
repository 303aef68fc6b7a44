"""The sign-in as Clerk's Frontend API addresses it: the attempt by its id, signIn.create()
with Clerk's parameters, prepare/attempt a factor by strategy (with the factor ids Clerk's
SDK sends back), the reset's new password, and the factor entries (with their ids) the SDK
picks from. Each is a route into the same flow functions the pages call; a step that
completes the attempt signs the session in at once, as Clerk creates the session then."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.flows import clerk_ids, clerk_session
from authflows.flows.passkeys import clerk as clerk_passkeys
from authflows.flows.screens import mask_email, mask_phone
from authflows.flows.sign_in import (
    attempts,
    finish,
    first_factor,
    identify,
    policy,
    reset,
    second_factor,
)
from authflows.flows.sign_in.table import SECOND_FACTOR, Reason, Status
from authflows.flows.sso import clerk as sso
from authflows.identifiers import parse_identifier
from authflows.models import SignInAttempt
from authflows.strategies import Strategy, strategies


@dataclass(frozen=True)
class FactorEntry:
    """One entry of supported_first_factors / supported_second_factors."""

    strategy: Strategy
    #: "email_address_id" or "phone_number_id" and its value, for factors that send.
    id_param: str = ""
    identification_id: str = ""
    safe_identifier: str = ""


def public_id(attempt: SignInAttempt) -> str:
    return clerk_ids.sign_in_id(attempt.pk)


def by_id(ctx: FlowContext, sign_in_id: str) -> SignInAttempt:
    """This client's current attempt, if that is the one named; any other id (another
    browser's attempt, an expired or finished one) is not found."""
    attempt = attempts.current(ctx)
    if attempt is None or public_id(attempt) != sign_in_id:
        raise FlowError("resource_not_found")
    return attempt


def _strategy(value: str, *, field: str = "strategy") -> Strategy:
    strategy = Strategy.parse(value)
    if strategy is None:
        raise FlowError("strategy_for_user_invalid", field=field)
    return strategy


def complete(ctx: FlowContext, attempt: SignInAttempt) -> None:
    """An attempt that reached `complete` signs the session in (or opens its pending task)."""
    if attempt.status == Status.COMPLETE:
        finish.finalize(ctx, attempt)
        clerk_session.signed_in(ctx, attempt.user)


def create(
    ctx: FlowContext,
    *,
    identifier: str,
    password: str = "",
    strategy: str = "",
    redirect_url: str = "",
    complete_url: str = "",
) -> tuple[SignInAttempt, dict[str, Any] | None]:
    """POST /client/sign_ins: identifier and password (signIn.password(), the legacy
    create({identifier, password})), the identifier alone, with a strategy that sends at
    once (email_code, phone_code, email_link, reset_password_*), with an identity provider's
    strategy (authflows.flows.sso.clerk), or strategy=passkey with no identifier (then the
    passkey's request options come along)."""
    if ctx.user is not None:
        raise FlowError("session_exists")
    if sso.is_sso(strategy):
        started = sso.create(
            ctx,
            strategy=strategy,
            identifier=identifier,
            redirect_url=redirect_url,
            complete_url=complete_url,
        )
        return started, None
    chosen = _strategy(strategy) if strategy else None
    if chosen is Strategy.PASSKEY:
        return clerk_passkeys.start_sign_in(ctx, redirect_url=redirect_url)
    if password or chosen is Strategy.PASSWORD:
        attempt = identify.password(
            ctx, identifier=identifier, password=password, redirect_url=redirect_url
        )
        complete(ctx, attempt)
        return attempt, None
    reset_asked = chosen is not None and chosen.is_reset
    attempt = identify.create(
        ctx, identifier=identifier, redirect_url=redirect_url, reset=reset_asked
    )
    if chosen is not None and chosen.sends:
        prepare_first(ctx, attempt, chosen)
    return attempt, None


def prepare_first(
    ctx: FlowContext,
    attempt: SignInAttempt,
    strategy: str,
    *,
    identification: str = "",
    redirect_url: str = "",
    complete_url: str = "",
) -> tuple[SignInAttempt, dict[str, Any] | None]:
    """prepare_first_factor: send the code or link, or arm enterprise_sso's round trip. A
    reset code asked for on a plain attempt starts the forgotten-password reset for the same
    identifier (a new attempt). A passkey (on an attempt waiting for one) gets new request
    options."""
    if sso.is_sso(strategy):
        sso.prepare(ctx, attempt, strategy, redirect_url=redirect_url, complete_url=complete_url)
        return attempt, None
    chosen = _strategy(strategy)
    if chosen is Strategy.PASSKEY:
        return attempt, clerk_passkeys.prepare_first(ctx, attempt)
    if chosen.is_reset and attempt.reason != Reason.RESET_PASSWORD:
        attempt = identify.create(
            ctx, identifier=attempt.identifier, redirect_url=attempt.redirect_url, reset=True
        )
    _check_identification(ctx, attempt, chosen, identification)
    again = first_factor.pending(ctx, attempt, chosen) is not None
    first_factor.prepare(ctx, attempt, chosen, resend=again)
    return attempt, None


def attempt_first(
    ctx: FlowContext,
    attempt: SignInAttempt,
    strategy: str,
    *,
    code: str,
    password: str,
    credential: object = None,
) -> SignInAttempt:
    """attempt_first_factor: a code, a reset code, the password, or a passkey's answer
    (whose completed attempt, its owner's, is the one answered)."""
    chosen = _strategy(strategy, field="code")
    if chosen is Strategy.PASSKEY:
        attempt = clerk_passkeys.attempt_first(ctx, attempt, credential)
    else:
        first_factor.verify(ctx, attempt, chosen, password if chosen is Strategy.PASSWORD else code)
    complete(ctx, attempt)
    return attempt


def prepare_second(
    ctx: FlowContext,
    attempt: SignInAttempt,
    strategy: str,
    *,
    identification: str = "",
    api_version: str = "",
) -> dict[str, Any] | None:
    """prepare_second_factor: the client-trust code, or the MFA SMS (TOTP and backup codes
    send nothing). Asked again, it is "I need a new code" (after the cool-down). A passkey
    returns its request options (Clerk's SDK reads them from the verification's nonce)."""
    chosen = _strategy(strategy)
    if chosen is Strategy.PASSKEY:
        return clerk_passkeys.prepare_second(ctx, attempt, api_version)
    _check_identification(ctx, attempt, chosen, identification)
    again = second_factor.pending(ctx, attempt, chosen) is not None
    second_factor.prepare(ctx, attempt, chosen, resend=again)
    return None


def attempt_second(
    ctx: FlowContext,
    attempt: SignInAttempt,
    strategy: str,
    code: str,
    *,
    credential: object = None,
    api_version: str = "",
) -> None:
    """attempt_second_factor: a code, or a passkey's answer (public_key_credential)."""
    chosen = _strategy(strategy, field="code")
    if chosen is Strategy.PASSKEY:
        clerk_passkeys.attempt_second(ctx, attempt, credential, api_version)
    else:
        second_factor.verify(ctx, attempt, chosen, code)
    complete(ctx, attempt)


def reset_password(ctx: FlowContext, attempt: SignInAttempt, password: str) -> None:
    """POST .../reset_password: the new password (every other session ends, every trusted
    device is revoked, as on the page)."""
    reset.set_new_password(ctx, attempt, password)
    complete(ctx, attempt)


def refresh(ctx: FlowContext, attempt: SignInAttempt) -> None:
    """GET of the attempt: an emailed link opened (in any browser) finishes its step."""
    if first_factor.link_opened(ctx, attempt) or second_factor.link_opened(ctx, attempt):
        complete(ctx, attempt)


def _check_identification(
    ctx: FlowContext, attempt: SignInAttempt, strategy: Strategy, identification: str
) -> None:
    """An email_address_id / phone_number_id sent along must be the one offered."""
    if not identification:
        return
    second = attempt.status in SECOND_FACTOR
    offered = second_factor_entries(ctx, attempt) if second else first_factor_entries(ctx, attempt)
    if not any(e.identification_id == identification for e in offered if e.strategy == strategy):
        field = "phone_number_id" if strategy.base is Strategy.PHONE_CODE else "email_address_id"
        raise FlowError("form_param_value_invalid", field=field)


def _identification(ctx: FlowContext, attempt: SignInAttempt, strategy: Strategy) -> str:
    """The id of the address a code goes to: the account's, or (no account, or strict
    enumeration protection) the identifier typed, so the id tells nothing either way."""
    phone = strategy.base is Strategy.PHONE_CODE
    user = attempt.user
    if user is None or ctx.settings.strict_enumeration:
        value = attempt.identifier
    else:
        value = (user.phone if phone else user.email) or attempt.identifier
    return clerk_ids.identification_id("phone" if phone else "email", value)


def _entry(
    ctx: FlowContext, attempt: SignInAttempt, strategy: Strategy, *, masked: str
) -> FactorEntry:
    if not strategy.sends:
        return FactorEntry(strategy)
    phone = strategy.base is Strategy.PHONE_CODE
    return FactorEntry(
        strategy,
        id_param="phone_number_id" if phone else "email_address_id",
        identification_id=_identification(ctx, attempt, strategy),
        safe_identifier=masked,
    )


def first_factor_entries(ctx: FlowContext, attempt: SignInAttempt) -> list[FactorEntry]:
    """supported_first_factors: what the attempt offers, and the reset code a forgotten
    password would use when the password is among them."""
    offered = strategies(attempt.supported_first_factors)
    if Strategy.PASSWORD in offered and attempt.reason == Reason.NONE:
        offered += _reset_offer(ctx, attempt)
    return [_entry(ctx, attempt, s, masked=first_factor.target(ctx, attempt, s)) for s in offered]


def _reset_offer(ctx: FlowContext, attempt: SignInAttempt) -> list[Strategy]:
    try:
        kind, _value = parse_identifier(attempt.identifier, ctx.settings.sign_in_identifier_kinds())
        return policy.reset_offer(attempt.user, kind, ctx.settings)
    except FlowError:
        return []


def second_factor_entries(
    ctx: FlowContext, attempt: SignInAttempt, *, api_version: str = ""
) -> list[FactorEntry]:
    """supported_second_factors: the MFA methods, or the client-trust code. A passkey only
    for a caller that takes it (flows/passkeys/clerk.py)."""
    if attempt.status not in SECOND_FACTOR:
        return []
    user = attempt.user
    entries = []
    offered = second_factor.supported(attempt)
    if not clerk_passkeys.second_factor_offered(ctx, api_version):
        offered = [s for s in offered if s is not Strategy.PASSKEY]
    for strategy in offered:
        phone = strategy.base is Strategy.PHONE_CODE
        address = (user.phone if phone else user.email) if user else ""
        masked = (mask_phone if phone else mask_email)(address or "")
        entries.append(_entry(ctx, attempt, strategy, masked=masked))
    return entries
