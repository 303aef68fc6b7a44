"""Account changes of a signed-in user (/user/). No HTTP here: views call these functions."""

from __future__ import annotations

from django.http import HttpRequest

from authflows.flows import passwords
from authflows.flows import session as session_flow
from authflows.flows.errors import FlowError
from authflows.models import InstanceSettings, User
from authflows.protect import lockout, ratelimit, user_sessions
from authflows.protect.ip import client_ip


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
    passwords.validate_password(new_password, settings=settings, user=user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    user_sessions.after_password_change(request, user)
