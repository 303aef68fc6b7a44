"""The refusals of passkey flows: a code for scripts and tests, a sentence for people."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from authflows.errors import DetailedFlowError

MESSAGES = {
    "passkey_verification_failed": _(
        "This passkey could not be verified. Try again, or use another method."
    ),
    "passkey_challenge_invalid": _("This passkey request has expired. Try again."),
    "passkey_registration_failed": _("This passkey could not be added. Try again."),
    "passkey_already_exists": _("This passkey is registered already."),
    "passkey_limit_reached": _("You can have up to %(max)s passkeys. Remove one to add another."),
    "passkey_not_found": _("This passkey no longer exists."),
    "passkey_last_sign_in_method": _(
        "This passkey is your only way to sign in, so it can't be removed."
    ),
    "passkey_sign_in_required": _("Sign in first."),
}


def refusal(code: str, *, field: str = "passkey", **params: object) -> DetailedFlowError:
    text = str(MESSAGES[code])
    return DetailedFlowError(code, detail=text % params if params else text, field=field)
