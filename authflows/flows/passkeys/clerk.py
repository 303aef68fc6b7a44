"""Passkeys as Clerk's Frontend API addresses them: the options travel as JSON in a
verification's `nonce`, the browser's answer comes back as `public_key_credential`. Each call
is the pages' own flow (sign_in, register); this module only decides what Clerk's SDK may be
offered.

Clerk's SDKs before API version 2026-08-20 reject a second-factor strategy they don't know,
so a passkey is offered (and taken) as a second factor only to a caller on that version or
later, and only while the Dashboard allows passkeys as a second factor.

As a first factor (signIn.authenticateWithPasskey({flow: 'discoverable'})) the sign-in is
created with no identifier: an attempt that only waits for a passkey, with the options every
visitor gets. The passkey's answer names its owner; nothing before it tells whether an
identifier has passkeys, so an attempt made for an identifier never offers one.

The signed-in user's own passkeys (/me/passkeys: user.createPasskey(), passkey.update(),
passkey.delete()) are the account page's: the same recent proof of identity, limit, last
sign-in method rule, notices and audit."""

from __future__ import annotations

import re
from typing import Any

from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.flows import clerk_ids
from authflows.flows.passkeys import register, sign_in, store
from authflows.flows.sign_in import attempts
from authflows.flows.sign_in.table import Status
from authflows.models import Passkey, SignInAttempt, User
from authflows.strategies import Strategy, strategies

#: The first Clerk API version whose SDKs take a passkey as a second factor.
SECOND_FACTOR_SINCE = "2026-08-20"
_VERSION = re.compile(r"\d{4}-\d{2}-\d{2}")


def second_factor_offered(ctx: FlowContext, api_version: str) -> bool:
    """Whether this caller may see and use `passkey` among the second factors."""
    known = bool(_VERSION.fullmatch(api_version)) and api_version >= SECOND_FACTOR_SINCE
    return known and Strategy.PASSKEY in ctx.settings.enabled_mfa_strategies()


def _require_second_factor(ctx: FlowContext, api_version: str) -> None:
    if not second_factor_offered(ctx, api_version):
        raise FlowError("strategy_for_user_invalid", field="strategy")


def prepare_second(ctx: FlowContext, attempt: SignInAttempt, api_version: str) -> dict[str, Any]:
    """prepare_second_factor with strategy=passkey: the request options of the user's own
    passkeys (a new challenge, bound to this attempt)."""
    _require_second_factor(ctx, api_version)
    return sign_in.second_factor_options(ctx, attempt)


def attempt_second(
    ctx: FlowContext, attempt: SignInAttempt, credential: object, api_version: str
) -> None:
    """attempt_second_factor with strategy=passkey: the browser's answer, checked as on
    factor-two."""
    _require_second_factor(ctx, api_version)
    sign_in.pass_second_factor(ctx, credential, attempt)


def start_sign_in(ctx: FlowContext, *, redirect_url: str) -> tuple[SignInAttempt, dict[str, Any]]:
    """POST /client/sign_ins with strategy=passkey: the waiting attempt and the options (the
    pages' passkey sign-in options: bound to this browser, the same for everyone)."""
    options = sign_in.options(ctx)
    attempt = attempts.new(ctx, identifier="", user=None, redirect_url=redirect_url)
    attempt.supported_first_factors = [Strategy.PASSKEY.value]
    attempts.save(ctx, attempt)
    return attempt, options


def _waiting(attempt: SignInAttempt) -> None:
    waits = attempt.status == Status.NEEDS_IDENTIFIER and not attempt.identifier
    if not waits or Strategy.PASSKEY not in strategies(attempt.supported_first_factors):
        raise FlowError("strategy_for_user_invalid", field="strategy")


def prepare_first(ctx: FlowContext, attempt: SignInAttempt) -> dict[str, Any]:
    """prepare_first_factor with strategy=passkey, on the waiting attempt: new options."""
    _waiting(attempt)
    return sign_in.options(ctx)


def attempt_first(ctx: FlowContext, attempt: SignInAttempt, credential: object) -> SignInAttempt:
    """attempt_first_factor with strategy=passkey: the pages' passkey sign-in. The attempt it
    completes (its owner's) takes the place of the one that waited."""
    _waiting(attempt)
    return sign_in.pass_first_factor(ctx, credential, redirect_url=attempt.redirect_url)


# --- the user's own passkeys -------------------------------------------------------------------


def _me(ctx: FlowContext) -> User:
    if ctx.user is None:
        raise FlowError("signed_out")
    return ctx.user


def start_registration(ctx: FlowContext) -> tuple[str, dict[str, Any]]:
    """POST /me/passkeys: the id of the registration in progress and its creation options."""
    user = _me(ctx)
    return clerk_ids.pending_passkey_id(user.pk), register.options(ctx)


def finish_registration(ctx: FlowContext, passkey_id: str, credential: object) -> Passkey:
    """POST /me/passkeys/{id}/attempt_verification: the new passkey, checked and kept."""
    if passkey_id != clerk_ids.pending_passkey_id(_me(ctx).pk):
        raise FlowError("resource_not_found")
    return register.add_passkey(ctx, credential)


def _own(user: User, passkey_id: str) -> Passkey:
    """One of the user's passkeys by its Clerk id (at most 10 to look through)."""
    for passkey in store.listing(user):
        if clerk_ids.passkey_id(passkey.pk) == passkey_id:
            return passkey
    raise FlowError("resource_not_found")


def rename(ctx: FlowContext, passkey_id: str, name: str) -> Passkey:
    """PATCH /me/passkeys/{id} with a name."""
    user = _me(ctx)
    passkey = _own(user, passkey_id)
    store.rename(ctx, user, passkey.pk, name)
    passkey.refresh_from_db(fields=["name"])
    return passkey


def remove(ctx: FlowContext, passkey_id: str) -> None:
    """DELETE /me/passkeys/{id}. A registration in progress has nothing to remove (clerk-js
    deletes it when the browser's ceremony fails); its challenge expires on its own."""
    user = _me(ctx)
    if passkey_id == clerk_ids.pending_passkey_id(user.pk):
        return
    store.remove_own(ctx, user, _own(user, passkey_id).pk)
