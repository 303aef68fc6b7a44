"""Security notices to an account's owner: what happened, from which device, when."""

from __future__ import annotations

from django.urls import reverse

from authflows import clock, delivery, useragent
from authflows.context import FlowContext
from authflows.flows.screens import mask_email
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


def sign_up_attempted(ctx: FlowContext, *, target: str, phone: bool, locale: str) -> None:
    """Someone tried to sign up with an address that has an account (strict enumeration
    protection sends this instead of a code), in the owner's language."""
    language = locale or None
    if phone:
        delivery.send_sms(to=target, event="sign_up_existing", context={}, locale=language)
        return
    context = {"sign_in_url": ctx.link(reverse("authflows:sign-in")), **about_request(ctx)}
    delivery.send_email(to=target, event="sign_up_existing", context=context, locale=language)


def primary_changed(ctx: FlowContext, user: User, *, old: str, new: str, phone: bool) -> None:
    """The account's primary email address (or phone number) changed: the old one is told,
    in case it wasn't its owner who changed it."""
    language = user.locale or None
    if phone:
        delivery.send_sms(to=old, event="primary_phone_changed", context={}, locale=language)
        return
    context = {"new": mask_email(new), "account_url": ctx.link(reverse("authflows:account"))}
    delivery.send_email(
        to=old,
        event="primary_email_changed",
        context={**context, **about_request(ctx)},
        locale=language,
    )


def identification_claimed(ctx: FlowContext, *, target: str, phone: bool, owner: User) -> None:
    """Someone tried to add an address that belongs to this account to another one (strict
    enumeration protection sends this instead of a code), in the owner's language."""
    language = owner.locale or None
    if phone:
        delivery.send_sms(to=target, event="identification_claimed", context={}, locale=language)
        return
    delivery.send_email(
        to=target, event="identification_claimed", context=about_request(ctx), locale=language
    )


def account_deleted(ctx: FlowContext, user: User, *, by_admin: bool) -> None:
    """The account and its data are gone: its primary address is told once, last."""
    if user.email:
        context = {"by_admin": by_admin, **about_request(ctx)}
        delivery.send_email(
            to=user.email, event="account_deleted", context=context, locale=user.locale or None
        )
