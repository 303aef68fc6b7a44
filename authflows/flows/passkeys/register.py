"""Adding a passkey (Clerk's user.createPasskey()): the browser makes a key pair on the
authenticator for this site and the user's handle; the site keeps the public key. Needs a
recent proof of identity (reverification), like every MFA change."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.factors import Outcome
from authflows.flows import gate, reverify
from authflows.flows.gate import Secret
from authflows.flows.passkeys import challenges, relying_party, store
from authflows.flows.passkeys.errors import refusal
from authflows.flows.screens import Screen
from authflows.models import AuthEvent, Passkey, PasskeyChallenge, User
from authflows.strategies import Strategy

Purpose = PasskeyChallenge.Purpose
#: A new passkey guesses no existing secret: failures count per IP, never toward the lock.
REGISTRATION = Secret(
    Strategy.PASSKEY, field="passkey", event=AuthEvent.Kind.PASSKEY_FAILED, account=False
)


def _require(ctx: FlowContext) -> User:
    """The signed-in user, with passkeys on, a recent proof of identity, room for one more."""
    user = ctx.user
    if user is None:
        raise refusal("passkey_sign_in_required")
    if not ctx.settings.passkeys_enabled:
        raise FlowError("strategy_for_user_invalid", field="passkey")
    if not reverify.is_recent(ctx):
        raise FlowError("reverification_required", field="passkey")
    if Passkey.objects.filter(user=user).count() >= store.MAX_PASSKEYS:
        raise refusal("passkey_limit_reached", max=store.MAX_PASSKEYS)
    return user


def options(ctx: FlowContext) -> dict[str, Any]:
    """navigator.credentials.create() options for the signed-in user."""
    user = _require(ctx)
    challenge = challenges.issue(Purpose.REGISTER, client_id=ctx.client.ensure(), user=user)
    return relying_party.creation_options(
        relying_party.party(ctx.settings),
        challenge=challenge,
        user_handle=store.handle_of(user),
        user_name=user.identifier,
        display_name=user.get_full_name(),
        exclude=store.keys_of(user),
    )


def register(ctx: FlowContext, data: object, *, name: str = "") -> Screen:
    """Check the browser's new passkey and keep it; the owner gets an email."""
    add_passkey(ctx, data, name=name)
    return Screen(redirect=reverse("authflows:account") + "#passkeys", message=_("Passkey added."))


def add_passkey(ctx: FlowContext, data: object, *, name: str = "") -> Passkey:
    """The new passkey, checked and kept (the account page and Clerk's /me/passkeys)."""
    user = _require(ctx)
    cleaned = store.clean_name(name)
    try:
        answer = relying_party.read_registration(data)
    except relying_party.Refused:
        raise FlowError("form_param_format_invalid", field="passkey") from None
    found: list[relying_party.NewCredential] = []

    def check() -> Outcome:
        if not challenges.consume(
            answer.challenge, Purpose.REGISTER, client_id=ctx.client.id, user=user
        ):
            raise refusal("passkey_challenge_invalid")
        try:
            found.append(
                relying_party.verify_registration(relying_party.party(ctx.settings), answer)
            )
        except relying_party.Refused:
            return Outcome.INCORRECT
        return Outcome.OK

    try:
        gate.check(ctx, gate.claimant(ctx, user), REGISTRATION, check)
    except FlowError as error:
        if error.code == "form_code_incorrect":
            raise refusal("passkey_registration_failed") from None
        raise
    return store.add(ctx, user, found[0], name=cleaned)
