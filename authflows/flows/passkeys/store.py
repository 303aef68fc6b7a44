"""A user's WebAuthn handle and passkeys: listing, adding, renaming, removing, and the email
that tells the owner a passkey was added or removed."""

from __future__ import annotations

import secrets

from django.db import transaction
from webauthn.helpers import bytes_to_base64url

from authflows import clock, delivery, useragent
from authflows.context import FlowContext
from authflows.db import insert_once
from authflows.errors import FlowError
from authflows.flows import gate, notices, reverify, users
from authflows.flows.passkeys import relying_party
from authflows.flows.passkeys.errors import refusal
from authflows.flows.sign_in import policy
from authflows.models import AuthEvent, Passkey, User, WebAuthnUser
from authflows.strategies import Strategy

#: Passkeys per user (Clerk's limit too).
MAX_PASSKEYS = 10
NAME_MAX_LENGTH = 64


def handle_of(user: User) -> str:
    """The user's WebAuthn user handle (64 random bytes, base64url), made on first use."""
    found = WebAuthnUser.objects.filter(user=user).values_list("handle", flat=True).first()
    if found:
        return found
    insert_once(WebAuthnUser(user=user, handle=bytes_to_base64url(secrets.token_bytes(64))))
    return WebAuthnUser.objects.values_list("handle", flat=True).get(user=user)


def keys_of(user: User) -> list[relying_party.StoredKey]:
    rows = Passkey.objects.filter(user=user).values_list("credential_id", "transports")
    return [relying_party.StoredKey(credential_id=c, transports=list(t or [])) for c, t in rows]


def find(credential_id: str) -> Passkey | None:
    """The passkey a browser's answer names, with its user and the user's handle (one query);
    None for an unknown credential or an inactive account."""
    passkey = (
        Passkey.objects.select_related("user", "user__webauthn")
        .filter(credential_id=credential_id[:1400])
        .first()
    )
    if passkey is None or not passkey.user.is_active:
        return None
    return passkey


def listing(user: User) -> list[Passkey]:
    return list(Passkey.objects.filter(user=user).defer("public_key"))


def default_name(ctx: FlowContext) -> str:
    """A new passkey is named after the browser that made it ("Chrome on Linux")."""
    return useragent.describe(ctx.user_agent)[:NAME_MAX_LENGTH] or "Passkey"


def clean_name(name: str) -> str:
    """A name as the user typed it: trimmed, one line, at most 64 characters."""
    cleaned = " ".join((name or "").split())
    if len(cleaned) > NAME_MAX_LENGTH:
        raise FlowError("form_param_format_invalid", field="name")
    return cleaned


def add(ctx: FlowContext, user: User, new: relying_party.NewCredential, *, name: str) -> Passkey:
    """Store a verified new passkey; refused past the limit or when it is registered already.
    The user's row is locked first, so simultaneous additions can't pass the limit."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        if Passkey.objects.filter(user=user).count() >= MAX_PASSKEYS:
            raise refusal("passkey_limit_reached", max=MAX_PASSKEYS)
        passkey = Passkey(
            user=user,
            name=name or default_name(ctx),
            credential_id=new.credential_id,
            public_key=new.public_key,
            sign_count=new.sign_count,
            transports=new.transports,
            aaguid=new.aaguid,
            backup_eligible=new.backup_eligible,
            backed_up=new.backed_up,
            created_at=clock.now(),
        )
        if not insert_once(passkey):  # one credential, one row, whoever registered it
            raise refusal("passkey_already_exists")
    users.forget_methods(user)
    gate.record(ctx, AuthEvent.Kind.PASSKEY_ADDED, user=user, passkey=passkey.pk, name=passkey.name)
    _tell_owner(ctx, user, "passkey_added", passkey.name)
    return passkey


def rename(ctx: FlowContext, user: User, passkey_id: int, name: str) -> None:
    cleaned = clean_name(name)
    if not cleaned:
        raise FlowError("form_param_missing", field="name")
    if not Passkey.objects.filter(pk=passkey_id, user=user).update(name=cleaned):
        raise refusal("passkey_not_found", field="__all__")
    gate.record(ctx, AuthEvent.Kind.PASSKEY_RENAMED, user=user, passkey=passkey_id, name=cleaned)


def delete(ctx: FlowContext | None, user: User, passkey: Passkey, *, actor: str = "") -> None:
    """Remove one passkey (the owner's or an admin's decision, checked by the caller)."""
    deleted, _ = Passkey.objects.filter(pk=passkey.pk, user=user).delete()
    if not deleted:
        return
    users.forget_methods(user)
    gate.record(
        ctx,
        AuthEvent.Kind.PASSKEY_REMOVED,
        user=user,
        actor=actor,
        passkey=passkey.pk,
        name=passkey.name,
    )
    _tell_owner(ctx, user, "passkey_removed", passkey.name, by_admin=bool(actor))


def _tell_owner(
    ctx: FlowContext | None, user: User, event: str, name: str, *, by_admin: bool = False
) -> None:
    if not user.email:
        return
    about = notices.about_request(ctx) if ctx is not None and not by_admin else {}
    context = {"user": user, "name": name, "by_admin": by_admin, "when": clock.now(), **about}
    delivery.send_email(to=user.email, event=event, context=context, locale=user.locale or None)


def remove_own(ctx: FlowContext, user: User, passkey_id: int) -> None:
    """The owner removes a passkey, after a recent proof of identity. The last one can't go
    when it is the account's last MFA method and the Dashboard requires MFA, nor when it is
    the account's only way to sign in (no password, no code by email or SMS)."""
    if not reverify.is_recent(ctx):
        raise FlowError("reverification_required", field="__all__")
    with transaction.atomic():
        methods = users.lock_with_methods(user)  # removals run one after the other
        passkeys = {p.pk: p for p in Passkey.objects.filter(user=user).defer("public_key")}
        passkey = passkeys.get(passkey_id)
        if passkey is None:
            raise refusal("passkey_not_found", field="__all__")
        if len(passkeys) == 1:
            _refuse_last(ctx, user, methods)
        delete(ctx, user, passkey)


def _refuse_last(ctx: FlowContext, user: User, methods: users.Methods) -> None:
    settings = ctx.settings
    others = set(methods.usable(settings)) - {Strategy.PASSKEY, Strategy.BACKUP_CODE}
    if settings.mfa_required and Strategy.PASSKEY in methods.usable(settings) and not others:
        raise FlowError("second_factor_deletion_not_allowed", field="__all__")
    if not policy.first_factors(user, settings):
        raise refusal("passkey_last_sign_in_method", field="__all__")
