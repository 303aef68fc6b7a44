"""The account page's connected accounts (list, link buttons, unlink) and the SAML service
provider's metadata."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.flows.screens import Screen
from authflows.flows.sso import accounts, connections
from authflows.models import SSOConnection, User
from authflows.sso import saml
from authflows.sso.identity import ProviderError


def overview(user: User) -> dict[str, object]:
    """What the account page shows: the linked accounts and the providers left to link."""
    linked = accounts.linked(user)
    return {"linked": linked, "available": connections.social_buttons()}


def unlink_page(ctx: FlowContext, user: User, raw_id: str) -> Screen:
    back = reverse("authflows:account") + "#connected-accounts"
    try:
        name = accounts.unlink(ctx, user, raw_id)
    except FlowError as error:
        return Screen(redirect=back, error=error)
    return Screen(
        redirect=back, message=_("%(provider)s is no longer linked.") % {"provider": name}
    )


def sp_metadata(slug: str) -> str | None:
    """The SAML service provider's metadata of a connection (None when there is none)."""
    connection = SSOConnection.objects.filter(slug=slug[:40], provider="saml").first()
    if connection is None:
        return None
    try:
        return saml.sp_metadata(connection)
    except ProviderError:
        return None
