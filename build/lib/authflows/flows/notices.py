"""Security notices to an account's owner: what happened, from which device, when."""

from __future__ import annotations

from django.urls import reverse

from authflows import clock, delivery, useragent
from authflows.context import FlowContext
from authflows.models import User


def about_request(ctx: FlowContext) -> dict[str, object]:
    """What a security email says about the request that caused it."""
    return {"device": useragent.describe(ctx.user_agent), "ip": ctx.ip, "when": clock.now()}


def account_locked(ctx: FlowContext, user: User) -> None:
    if user.email:
        context = {"user": user, **about_request(ctx)}
        delivery.send_email(
            to=user.email, event="account_locked", context=context, locale=user.locale or None
        )


def new_sign_in(ctx: FlowContext, user: User) -> None:
    """ "New sign-in to your account": sent after a client-trust verification."""
    if user.email:
        context = {"user": user, **about_request(ctx)}
        delivery.send_email(
            to=user.email, event="new_sign_in", context=context, locale=user.locale or None
        )


def sign_up_attempted(ctx: FlowContext, *, target: str, phone: bool) -> None:
    """Someone tried to sign up with an address that has an account (strict enumeration
    protection sends this instead of a code)."""
    locale = ctx.locale or None
    if phone:
        delivery.send_sms(to=target, event="sign_up_existing", context={}, locale=locale)
        return
    context = {"sign_in_url": ctx.link(reverse("authflows:sign-in")), **about_request(ctx)}
    delivery.send_email(to=target, event="sign_up_existing", context=context, locale=locale)
