"""What the account page (/user/) shows about the profile, the addresses and deletion."""

from __future__ import annotations

from authflows.context import FlowContext
from authflows.flows.me import identifications, profile
from authflows.flows.me.identifications import EMAIL, PHONE
from authflows.models import User


def overview(ctx: FlowContext, user: User) -> dict[str, object]:
    """The account page's profile form, email addresses, phone numbers, and whether the user
    may delete the account (a kind of address the Dashboard does not use is shown only
    while the user has one)."""
    settings = ctx.settings
    shown = {
        kind.name: identifications.listing(user, kind)
        for kind in (EMAIL, PHONE)
        if identifications.is_enabled(settings, kind) or getattr(user, kind.column)
    }
    return {
        "email_addresses": shown.get(EMAIL.name),
        "phone_numbers": shown.get(PHONE.name),
        "can_add": {k.name: identifications.is_enabled(settings, k) for k in (EMAIL, PHONE)},
        "profile_fields": profile.fields_of(user, settings),
        "self_deletion": settings.self_deletion_enabled,
    }
