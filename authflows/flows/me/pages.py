"""What the account's own pages show and do: the addresses (/user/email-addresses/...,
/user/phone-numbers/...: adding, the code or link, making primary, removing), the profile
form, and deleting the account (/user/delete/)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.flows import account, reverify
from authflows.flows.me import identifications, profile, verifying
from authflows.flows.me.identifications import KINDS, PHONE, Identification, Kind
from authflows.flows.screens import Screen, Submission, mask_email, mask_phone
from authflows.models import User
from authflows.strategies import Strategy

#: Actions that need a recent proof of identity for an address that signs in.
GUARDED = ("primary", "remove")


def reverification_url(here: str) -> str:
    return f"{reverse('authflows:reverify')}?{urlencode({'redirect_url': here})}"


def add_page(
    ctx: FlowContext, user: User, kind_name: str, sub: Submission, *, reserved: bool = False
) -> Screen:
    """The form that adds an address; a post goes on to the new address's page (its code)."""
    kind = KINDS[kind_name]
    if not identifications.is_enabled(ctx.settings, kind):
        return Screen(redirect=reverse("authflows:account"))
    screen = Screen(status=f"add_{kind.name}", extra={"kind": kind.name})
    if not sub.posted:
        return screen
    try:
        row = identifications.add(ctx, user, kind, sub.identifier, reserved=reserved)
    except FlowError as error:
        screen.error = error
        return screen
    return Screen(redirect=kind.url(row))


def address_page(
    ctx: FlowContext, user: User, kind_name: str, public_id: str, sub: Submission
) -> Screen:
    """One address: its code (or link) while unverified; making it primary; removing it."""
    kind = KINDS[kind_name]
    try:
        row = identifications.find(user, kind, public_id)
    except FlowError as error:
        return Screen(redirect=reverse("authflows:account"), error=error)
    signs_in = row.verified or row.primary
    if sub.action in GUARDED and signs_in and not reverify.is_recent(ctx):
        return Screen(redirect=reverification_url(kind.url(row)))
    screen = _screen(ctx, kind, row)
    try:
        done = _act(ctx, user, kind, row, sub, screen)
    except FlowError as error:
        screen.error, screen.notice = error, ""
        if not row.verified:
            screen.challenge = screen.challenge or verifying.cooldown(ctx, user, row)
        return screen
    return done or screen


def _screen(ctx: FlowContext, kind: Kind, row: Identification) -> Screen:
    strategy = "" if row.verified else identifications.strategy_for(ctx.settings, kind)
    target = mask_phone(row.value) if kind is PHONE else mask_email(row.value)
    return Screen(
        status=f"{kind.name}_{'verified' if row.verified else 'unverified'}",
        strategy=strategy,
        target=target,
        extra={"row": row, "kind": kind.name, "address": row.value},
    )


def _act(
    ctx: FlowContext, user: User, kind: Kind, row: Identification, sub: Submission, screen: Screen
) -> Screen | None:
    """Do what the page's button asked; a Screen to go elsewhere, or None to show the page."""
    back = reverse("authflows:account") + (
        "#phone_numbers" if kind is PHONE else "#email_addresses"
    )
    if sub.action == "primary":
        identifications.make_primary(ctx, user, row)
        return Screen(redirect=back, message=_primary_message(kind, row.value))
    if sub.action == "remove":
        identifications.remove(ctx, user, row)
        removed = _("Phone number removed.") if kind is PHONE else _("Email address removed.")
        return Screen(redirect=back, message=removed)
    if row.verified:  # "check": the emailed link was opened meanwhile
        verified = Screen(redirect=back, message=_verified_message(kind))
        return verified if sub.action == "check" else None
    if sub.action == "verify":
        verifying.verify(ctx, user, row, sub.code)
        return Screen(redirect=back, message=_verified_message(kind))
    resend = sub.action == "resend"
    screen.challenge = verifying.prepare(ctx, user, row, resend=resend)
    screen.notice = "sent" if resend else "waiting" if sub.action == "check" else ""
    return None


def _verified_message(kind: Kind) -> str:
    return _("Phone number verified.") if kind is PHONE else _("Email address verified.")


def _primary_message(kind: Kind, value: str) -> str:
    if kind is PHONE:
        return _("%(phone)s is now your primary phone number.") % {"phone": value}
    return _("%(address)s is now your primary email address.") % {"address": value}


def link_page(ctx: FlowContext, token: str) -> Screen:
    """The emailed link's landing (after its Continue button), in any browser."""
    ok, error_code = verifying.land(ctx, token)
    return Screen(
        status="verified" if ok else "failed",
        strategy=Strategy.EMAIL_LINK,
        error=None if ok else FlowError(error_code),
        extra={"ok": ok, "error_code": error_code},
    )


def profile_page(ctx: FlowContext, user: User, data: dict[str, str] | None) -> Screen:
    """The account page's profile form: saved, or the account page again with its refusals."""
    if data is None:
        return Screen(redirect=reverse("authflows:account"))
    try:
        changed = profile.update(ctx, user, data)
    except FlowError as error:
        user.refresh_from_db(fields=list(profile.PROFILE_FIELDS))
        screen = account.page(ctx, user)
        screen.error = error
        screen.extra["profile_fields"] = profile.fields_of(user, ctx.settings, data)
        return screen
    message = _("Your profile was saved.") if changed else ""
    return Screen(redirect=reverse("authflows:account") + "#profile", message=message)
