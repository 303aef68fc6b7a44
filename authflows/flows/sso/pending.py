"""A provider account whose address belongs to an existing user, when it may not be linked
at once (the provider did not say the address is verified, or the Dashboard does not link by
address): the person signs in to the existing account first, then confirms the link."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from authflows import clock
from authflows.context import FlowContext
from authflows.flows.screens import Screen
from authflows.flows.sso import accounts
from authflows.models import SSOConnection, User
from authflows.sso.identity import Identity

PENDING_LINK_SESSION_KEY = "authflows_sso_pending_link"
PENDING_LIFETIME_SECONDS = 15 * 60


def remember(ctx: FlowContext, connection: SSOConnection, identity: Identity) -> str:
    """Keep the provider account in this session; returns the sign-in page to go to."""
    ctx.session[PENDING_LINK_SESSION_KEY] = {
        "connection": connection.pk,
        "subject": identity.subject,
        "email": identity.email,
        "email_verified": identity.email_verified,
        "first_name": identity.first_name,
        "last_name": identity.last_name,
        "at": clock.now().timestamp(),
    }
    return reverse("authflows:sign-in") + "?redirect_url=" + reverse("authflows:sso-link")


def _pending(ctx: FlowContext) -> tuple[SSOConnection, Identity] | None:
    data = ctx.session.get(PENDING_LINK_SESSION_KEY)
    if not isinstance(data, dict):
        return None
    if clock.now().timestamp() - float(data.get("at", 0)) > PENDING_LIFETIME_SECONDS:
        ctx.session.pop(PENDING_LINK_SESSION_KEY, None)
        return None
    rows = SSOConnection.objects.filter(pk=int(data.get("connection") or 0), enabled=True)
    connection = rows.first()
    if connection is None:
        return None
    identity = Identity(
        subject=str(data["subject"]),
        email=str(data.get("email", "")),
        email_verified=bool(data.get("email_verified")),
        first_name=str(data.get("first_name", "")),
        last_name=str(data.get("last_name", "")),
    )
    return connection, identity


def page(ctx: FlowContext, user: User, *, action: str) -> Screen:
    """/sso/link/: after signing in, link the provider account kept in the session (POST
    "link"), or drop it ("cancel")."""
    found = _pending(ctx)
    if found is None:
        return Screen(redirect=reverse("authflows:account"))
    connection, identity = found
    if action not in ("link", "cancel"):
        extra: dict[str, object] = {"connection": connection.name, "email": identity.email}
        return Screen(status="link_external_account", extra=extra)
    ctx.session.pop(PENDING_LINK_SESSION_KEY, None)
    back = reverse("authflows:account")
    if action == "cancel":
        return Screen(redirect=back)
    if not accounts.link(ctx, user, connection, identity):
        return Screen(redirect=back, message=_("This account was linked already."))
    message = _("Your %(provider)s account is linked.") % {"provider": connection.name}
    return Screen(redirect=back, message=message)
