"""The ids Clerk's objects carry (sia_..., sua_..., idn_..., client_...), opaque and stable.

Each is a keyed hash of what it names, so it reveals no row number, no address, and (under
strict enumeration protection) nothing about whether an account exists: an email code offered
for an unknown address has an id of the same form as one offered for a real account."""

from __future__ import annotations

import secrets

from django.utils.crypto import salted_hmac

_SALT = "authflows.flows.clerk_ids"


def opaque(prefix: str, *parts: object) -> str:
    digest = salted_hmac(_SALT, ":".join(map(str, parts)), algorithm="sha256").hexdigest()
    return f"{prefix}_{digest[:27]}"


def sign_in_id(pk: int | None) -> str:
    """A sign-in attempt (an attempt that completed without a row gets a one-off id)."""
    return opaque("sia", "sign_in", pk) if pk else f"sia_{secrets.token_hex(14)[:27]}"


def sign_up_id(pk: int) -> str:
    return opaque("sua", "sign_up", pk)


def client_id(pk: int) -> str:
    return opaque("client", "client", pk)


def identification_id(kind: str, value: str) -> str:
    """An email address or phone number (kind "email" or "phone") as a factor or on a user."""
    return opaque("idn", kind, value)


def passkey_id(pk: int) -> str:
    return opaque("passkey", "passkey", pk)


def pending_passkey_id(user_pk: int) -> str:
    """A registration in progress (its challenge, not this id, binds the answer to it)."""
    return opaque("passkey", "pending", user_pk)


def user_id(pk: int) -> str:
    """A user: the `sub` of session tokens; other backends map it to their users."""
    return f"user_{pk}"


def parse_user_id(value: str) -> int | None:
    number = value.removeprefix("user_")
    return int(number) if value.startswith("user_") and number.isdigit() else None


def new_session_id() -> str:
    return f"sess_{secrets.token_hex(14)[:27]}"
