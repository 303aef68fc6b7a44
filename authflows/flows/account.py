"""Account changes of a signed-in user (/user/). No HTTP here: views call these functions."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from authflows.flows import session as session_flow
from authflows.flows.errors import FlowError
from authflows.models import InstanceSettings, User
from authflows.protect import lockout, ratelimit, user_sessions
from authflows.protect.ip import client_ip

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 256


def validate_new_password(
    password: str, *, user: User | None, settings: InstanceSettings, field: str = "password"
) -> None:
    """SPEC 6: 8 to 256 characters (the Dashboard may ask for more) and Django's validators."""
    if not password:
        raise FlowError("form_param_missing", field=field)
    minimum = max(PASSWORD_MIN_LENGTH, settings.password_min_length)
    if len(password) < minimum:
        raise FlowError("form_password_length_too_short", field=field, min=minimum)
    if len(password) > PASSWORD_MAX_LENGTH:
        raise FlowError("form_password_length_too_long", field=field, max=PASSWORD_MAX_LENGTH)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise FlowError("form_password_validation_failed", field=field) from exc


def change_password(request: HttpRequest, *, current_password: str, new_password: str) -> None:
    """Change the signed-in user's password after checking the current one.

    A password change is a security event: every trusted client of the user is revoked (they
    verify again), the user's other sessions end, and this session stays signed in.
    """
    user: User = request.user  # type: ignore[assignment]
    settings: InstanceSettings = request.instance_settings  # type: ignore[attr-defined]
    ratelimit.hit("factor_attempt", client_ip(request))
    lockout.ensure_not_locked(user, settings, request=request, field="current_password")
    if not current_password:
        raise FlowError("form_param_missing", field="current_password")
    if not user.check_password(current_password):
        # Someone holding an open session must not be able to guess the password freely.
        if lockout.record_failure(user, settings, request=request):
            session_flow.notify_locked(request, user)
        raise FlowError("form_password_incorrect", field="current_password")
    validate_new_password(new_password, user=user, settings=settings, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    user_sessions.after_password_change(request, user)
