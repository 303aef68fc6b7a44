"""Collecting a sign-up's fields: signUp.create() and signUp.update()."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from authflows import clock
from authflows.context import FlowContext
from authflows.errors import FlowError, FlowErrors
from authflows.flows import gate, passwords, redirects
from authflows.flows.screens import Screen
from authflows.flows.sign_up import attempts, finish, verify
from authflows.flows.sign_up.fields import (
    EMAIL,
    FIELDS,
    FIRST_NAME,
    LAST_NAME,
    LEGAL,
    PASSWORD,
    PHONE,
    USERNAME,
    clean,
    is_open,
    requirements,
    taken,
)
from authflows.models import SignUpAttempt, User


def create(ctx: FlowContext, *, data: dict[str, object], redirect_url: str = "") -> SignUpAttempt:
    """signUp.create(): start a new attempt with what the person gave."""
    gate.throttle(ctx, "sign_up_start")
    if ctx.user is not None:
        raise FlowError("session_exists")
    if not is_open(ctx.settings):
        raise FlowError("sign_up_closed")
    now = clock.now()
    attempt = SignUpAttempt(
        client_id=ctx.client.ensure(),
        redirect_url=redirects.safe_redirect_url(ctx, redirect_url),
        created_at=now,
        updated_at=now,
        abandon_at=now + attempts.ABANDON_AFTER,
    )
    enabled = requirements(ctx.settings).enabled
    if not any(data.get(name) for name in enabled):
        # Nothing at all was given: say what is needed rather than move on silently.
        missing = attempts.missing_fields(None, ctx.settings)
        raise FlowErrors([FlowError("form_param_missing", field=name) for name in missing])
    _apply(ctx, attempt, data)
    finish.advance(ctx, attempt)
    return attempt


def update(
    ctx: FlowContext, attempt: SignUpAttempt | None, *, data: dict[str, object]
) -> SignUpAttempt:
    """signUp.update(): add what was missing."""
    attempt = attempts.require(attempt)
    gate.throttle(ctx, "sign_up_start")
    _apply(ctx, attempt, data)
    finish.advance(ctx, attempt)
    return attempt


def _apply(ctx: FlowContext, attempt: SignUpAttempt, data: dict[str, object]) -> None:
    """Check every given field, then refuse identifiers that belong to someone."""
    enabled = requirements(ctx.settings).enabled
    errors: list[FlowError] = []
    cleaned: dict[str, object] = {}
    for name in FIELDS:
        if name in enabled and data.get(name):
            try:
                cleaned[name] = clean(name, data[name], ctx.settings)
            except FlowError as error:
                errors.append(error)
    errors.extend(taken(cleaned, ctx.settings))
    if PASSWORD in cleaned and not any(e.field == PASSWORD for e in errors):
        try:
            _check_password(ctx, attempt, str(cleaned[PASSWORD]), cleaned)
        except FlowError as error:
            errors.append(error)
    if errors:
        raise FlowErrors(errors)
    _store(attempt, cleaned)


def _check_password(
    ctx: FlowContext, attempt: SignUpAttempt, password: str, cleaned: dict[str, object]
) -> None:
    def value(name: str, stored: str) -> str:
        return str(cleaned.get(name) or stored)

    probe = User(
        email=value(EMAIL, attempt.email) or None,
        username=value(USERNAME, attempt.username) or None,
        first_name=value(FIRST_NAME, attempt.first_name),
        last_name=value(LAST_NAME, attempt.last_name),
    )
    passwords.validate_password(password, settings=ctx.settings, user=probe)


def _store(attempt: SignUpAttempt, cleaned: dict[str, object]) -> None:
    if EMAIL in cleaned and cleaned[EMAIL] != attempt.email:
        attempt.email, attempt.email_verified = str(cleaned[EMAIL]), False
    if PHONE in cleaned and cleaned[PHONE] != attempt.phone:
        attempt.phone, attempt.phone_verified = str(cleaned[PHONE]), False
    for name in (USERNAME, FIRST_NAME, LAST_NAME):
        if name in cleaned:
            setattr(attempt, name, str(cleaned[name]))
    if PASSWORD in cleaned:
        attempt.password_hash = make_password(str(cleaned[PASSWORD]))
    if cleaned.get(LEGAL) and not attempt.legal_accepted_at:
        attempt.legal_accepted_at = clock.now()


def start_page(ctx: FlowContext, data: dict[str, object] | None, *, redirect_url: str) -> Screen:
    """/sign-up/: the enabled fields; a post starts the attempt and moves on."""
    screen = Screen(status="needs_sign_up")
    screen.extra["fields"] = attempts.field_list(
        None, ctx.settings, list(requirements(ctx.settings).enabled)
    )
    if data is not None:
        try:
            attempt = create(ctx, data=data, redirect_url=redirect_url)
        except FlowError as error:
            screen.error = error
        else:
            screen.redirect = verify.next_url(ctx, attempt)
    return screen


def continue_page(
    ctx: FlowContext, attempt: SignUpAttempt, data: dict[str, object] | None, *, refused: list[str]
) -> Screen:
    """/sign-up/continue/: only what is still missing (and what the last post was refused on)."""
    screen = Screen(status=attempt.status)
    if data is not None:
        try:
            update(ctx, attempt, data=data)
        except FlowError as error:
            screen.error = error
            refused = [e.field for e in getattr(error, "errors", [error])]
        else:
            screen.redirect = verify.next_url(ctx, attempt)
            return screen
    missing = attempts.missing_fields(attempt, ctx.settings)
    screen.extra["fields"] = attempts.field_list(attempt, ctx.settings, [*missing, *refused])
    screen.extra["missing_fields"] = missing
    return screen
