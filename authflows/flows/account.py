"""The signed-in user's account page (/user/): profile and security. No HTTP here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils.translation import gettext as _

from authflows import useragent
from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.factors import FactorContext, get_factor
from authflows.flows import gate, passwords, trust, user_sessions
from authflows.flows.gate import Secret
from authflows.flows.me.overview import overview as me_overview
from authflows.flows.mfa.methods import overview
from authflows.flows.passkeys import pages as passkey_pages
from authflows.flows.screens import Screen
from authflows.flows.sso.manage import overview as connected_accounts
from authflows.models import AuthEvent, TrustedClient, User, Verification
from authflows.strategies import Strategy

CURRENT_PASSWORD = Secret(
    Strategy.PASSWORD, field="current_password", event=AuthEvent.Kind.CODE_FAILED
)


@dataclass(frozen=True)
class Device:
    id: int
    browser: str
    system: str
    first_seen: datetime
    last_seen: datetime
    current: bool


def devices(ctx: FlowContext, user: User) -> list[Device]:
    """The user's trusted devices, newest first."""
    trusts = (
        TrustedClient.objects.filter(user=user).select_related("client").order_by("-created_at")
    )
    return [
        Device(
            id=t.client_id,
            browser=useragent.browser(t.client.user_agent),
            system=useragent.system(t.client.user_agent),
            first_seen=t.created_at,
            last_seen=t.client.last_active_at,
            current=t.client_id == ctx.client.id,
        )
        for t in trusts
    ]


def page(ctx: FlowContext, user: User) -> Screen:
    """Everything the account page shows (the profile, addresses and deletion: flows/me)."""
    events = AuthEvent.objects.filter(user=user).order_by("-created_at", "-id")[:10]
    return Screen(
        status="account",
        extra={
            "devices": devices(ctx, user),
            "sessions": user_sessions.active_sessions(ctx, user),
            "events": list(events),
            "mfa": overview(user, ctx.settings),
            "passkeys": passkey_pages.overview(ctx, user),
            "connected": connected_accounts(user),
            **me_overview(ctx, user),
        },
    )


def change_password(
    ctx: FlowContext, user: User, *, current_password: str, new_password: str
) -> None:
    """Change the signed-in user's password after checking the current one. A security event:
    every trusted client is revoked, the user's other sessions end, this one stays."""
    if not current_password:
        raise FlowError("form_param_missing", field="current_password")
    factor_ctx = FactorContext(
        user=user, settings=ctx.settings, purpose=Verification.Purpose.ACCOUNT
    )
    verify = get_factor(Strategy.PASSWORD).verify
    gate.check(
        ctx,
        gate.claimant(ctx, user),
        CURRENT_PASSWORD,
        lambda: verify(factor_ctx, current_password),
    )
    passwords.validate_password(
        new_password, settings=ctx.settings, user=user, field="new_password"
    )
    user.set_password(new_password)
    user.save(update_fields=["password"])
    user_sessions.after_password_change(ctx, user)


def password_page(ctx: FlowContext, user: User, posted: dict[str, str] | None) -> Screen:
    """The account page's password form; `posted` is None when the form refused the post."""
    if posted is None:
        return page(ctx, user)
    try:
        change_password(ctx, user, **posted)
    except FlowError as error:
        screen = page(ctx, user)
        screen.error = error
        return screen
    return Screen(redirect=reverse("authflows:account"), message=_("Your password was changed."))


def revoke_device(ctx: FlowContext, user: User, raw: str) -> None:
    """Revoke one trusted device, named by its client id as the page shows it."""
    # ASCII digits that fit a bigint: anything else names no device (and must not reach SQL).
    if raw.isascii() and raw.isdigit() and len(raw) <= 18:
        trust.revoke_trust(ctx, user, client_id=int(raw))


def end_session(ctx: FlowContext, user: User, handle: str) -> None:
    """End one other session (its handle), or all the others ("others")."""
    if handle:
        user_sessions.end_session(ctx, user, handle)
