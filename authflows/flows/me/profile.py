"""The profile: first and last name, username (Clerk's user.update). The Dashboard decides
which are shown and which are required, with the same rules as at sign-up."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from authflows.context import FlowContext
from authflows.errors import FlowError, FlowErrors
from authflows.flows import gate
from authflows.flows.me import identifications
from authflows.flows.sign_up.fields import (
    FIRST_NAME,
    FORM_NAMES,
    LAST_NAME,
    USERNAME,
    clean,
    requirements,
)
from authflows.models import AuthEvent, InstanceSettings, User

PROFILE_FIELDS = (FIRST_NAME, LAST_NAME, USERNAME)


def shown(user: User, settings: InstanceSettings) -> list[str]:
    """The fields the profile shows: those the Dashboard asks for at sign-up, and any the
    user already has a value for."""
    enabled = requirements(settings).enabled
    username_on = settings.username_sign_up or settings.username_sign_in
    return [
        name
        for name in PROFILE_FIELDS
        if name in enabled or getattr(user, name) or (name == USERNAME and username_on)
    ]


def fields_of(
    user: User, settings: InstanceSettings, values: dict[str, str] | None = None
) -> list[dict[str, object]]:
    """The profile form's fields, in order: flow name, form name, value, required."""
    required = requirements(settings).required
    return [
        {
            "flow": name,
            "name": FORM_NAMES[name],
            "value": (values or {}).get(name, getattr(user, name) or ""),
            "required": name in required,
        }
        for name in shown(user, settings)
    ]


def update(ctx: FlowContext, user: User, data: dict[str, str]) -> list[str]:
    """Save the shown fields as given; returns the names of those that changed."""
    settings = ctx.settings
    required = requirements(settings).required
    errors: list[FlowError] = []
    cleaned: dict[str, str | None] = {}
    for name in shown(user, settings):
        text = (data.get(name) or "").strip()
        if not text:
            if name in required:
                errors.append(FlowError("form_param_missing", field=name))
            cleaned[name] = None if name == USERNAME else ""
            continue
        try:
            cleaned[name] = str(clean(name, text, settings))
        except FlowError as error:
            errors.append(error)
    if errors:
        raise FlowErrors(errors)
    changed = [name for name, value in cleaned.items() if getattr(user, name) != value]
    if USERNAME in changed and cleaned[USERNAME] is None:
        _check_username_removable(ctx, user)
    if changed:
        _save(user, {name: cleaned[name] for name in changed})
        gate.record(ctx, AuthEvent.Kind.USER_UPDATED, user=user, fields=changed)
    return changed


def _check_username_removable(ctx: FlowContext, user: User) -> None:
    if not identifications.can_sign_in_without(user, ctx.settings, username=True):
        raise FlowError(
            "identification_deletion_not_allowed", field=USERNAME, message_key="last_identification"
        )


def _save(user: User, values: dict[str, str | None]) -> None:
    for name, value in values.items():
        setattr(user, name, value)
    try:
        with transaction.atomic():  # the case-insensitive unique constraint decides
            user.save(update_fields=list(values))
    except IntegrityError as exc:
        raise FlowError("form_identifier_exists", field=USERNAME) from exc
