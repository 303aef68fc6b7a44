"""The account's passkey pages: the list (a section of /user/), adding, renaming, removing."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from authflows.app_settings import app_settings
from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.flows.passkeys import store
from authflows.flows.screens import Screen, Submission
from authflows.models import Passkey, User

ACCOUNT = "authflows:account"


@dataclass(frozen=True)
class Overview:
    """What the account page shows about passkeys (never a key)."""

    enabled: bool
    passkeys: list[Passkey]
    can_add: bool
    second_factor: bool


def overview(ctx: FlowContext, user: User) -> Overview:
    settings = ctx.settings
    passkeys = store.listing(user)
    return Overview(
        enabled=settings.passkeys_enabled,
        passkeys=passkeys,
        can_add=settings.passkeys_enabled and len(passkeys) < store.MAX_PASSKEYS,
        second_factor="passkey" in settings.enabled_mfa_strategies(),
    )


def ceremony_context(ctx: FlowContext) -> dict[str, object]:
    """What the passkey script needs to know on a page: where it may run."""
    return {"passkey_origins": " ".join(app_settings.WEBAUTHN_ORIGINS)}


def add_page(ctx: FlowContext, user: User) -> Screen:
    """The page with the "Create a passkey" button (the script does the ceremony)."""
    view = overview(ctx, user)
    if not view.can_add:
        return Screen(redirect=reverse(ACCOUNT) + "#passkeys")
    extra = {"default_name": store.default_name(ctx), **ceremony_context(ctx)}
    return Screen(status="passkey_add", extra=extra)


def _owned(user: User, passkey_id: int) -> Passkey | None:
    return Passkey.objects.filter(pk=passkey_id, user=user).defer("public_key").first()


def rename_page(ctx: FlowContext, user: User, passkey_id: int, sub: Submission) -> Screen:
    passkey = _owned(user, passkey_id)
    if passkey is None:
        return Screen(redirect=reverse(ACCOUNT) + "#passkeys")
    screen = Screen(status="passkey_rename", extra={"passkey": passkey})
    if not sub.posted:
        return screen
    try:
        store.rename(ctx, user, passkey_id, sub.identifier)
    except FlowError as error:
        screen.error = error
        return screen
    return Screen(redirect=reverse(ACCOUNT) + "#passkeys", message=_("Passkey renamed."))


def remove_page(ctx: FlowContext, user: User, passkey_id: int, sub: Submission) -> Screen:
    passkey = _owned(user, passkey_id)
    if passkey is None:
        return Screen(redirect=reverse(ACCOUNT) + "#passkeys")
    screen = Screen(status="passkey_remove", extra={"passkey": passkey})
    if not sub.posted:
        return screen
    try:
        store.remove_own(ctx, user, passkey_id)
    except FlowError as error:
        screen.error = error
        return screen
    return Screen(redirect=reverse(ACCOUNT) + "#passkeys", message=_("Passkey removed."))
