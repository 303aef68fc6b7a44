"""Password rules: the Dashboard's minimum length, at most 256 characters, Django's
validators, and no compromised password.

Compromised passwords are refused from an offline list (the 20,000 most common passwords of
public breach corpora that Django ships as common-passwords.txt.gz) and, when
AUTHFLOWS_PWNED_RANGE_CHECK is on, from the Pwned Passwords range API with k-anonymity: only
the first five hex digits of the password's SHA-1 leave the server. The online check fails
open: an unreachable API lets the password through and logs a line.
"""

from __future__ import annotations

import hashlib
import logging
import urllib.request
from functools import lru_cache

from django.contrib.auth import password_validation
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError

from authflows.app_settings import app_settings
from authflows.errors import DetailedFlowError, FlowError
from authflows.models import InstanceSettings, User

logger = logging.getLogger("authflows.passwords")

MAX_LENGTH = 256
RANGE_TIMEOUT_SECONDS = 2.0


@lru_cache(maxsize=1)
def compromised_passwords() -> frozenset[str]:
    """The offline list, lower-cased, loaded once per process."""
    return frozenset(CommonPasswordValidator().passwords)


def is_compromised_offline(password: str) -> bool:
    return password.lower().strip() in compromised_passwords()


def is_compromised_online(password: str) -> bool:
    """The k-anonymity range check. Fails open (False) when the API cannot be reached."""
    digest = hashlib.sha1(password.encode()).hexdigest().upper()  # noqa: S324 (the API's hash)
    prefix, suffix = digest[:5], digest[5:]
    url = app_settings.PWNED_RANGE_API.rstrip("/") + "/" + prefix
    request = urllib.request.Request(  # noqa: S310 (the URL is a deploy-time setting)
        url, headers={"Add-Padding": "true", "User-Agent": "authflows"}
    )
    try:
        with urllib.request.urlopen(request, timeout=RANGE_TIMEOUT_SECONDS) as response:  # noqa: S310
            body = response.read().decode("ascii", "replace")
    except (OSError, ValueError) as exc:
        logger.warning("pwned passwords range check unavailable, password accepted: %s", exc)
        return False
    for line in body.splitlines():
        candidate, _, count = line.strip().partition(":")
        if candidate.upper() == suffix and count.strip() not in ("", "0"):
            return True
    return False


def validate_password(
    password: str, *, settings: InstanceSettings, user: User | None = None, field: str = "password"
) -> None:
    """Refuse a new password with the Clerk code of the first rule it breaks."""
    if not password:
        raise FlowError("form_param_missing", field=field)
    if len(password) < settings.password_min_length:
        minimum = settings.password_min_length
        raise FlowError("form_password_length_too_short", field=field, min=minimum)
    if len(password) > MAX_LENGTH:
        raise FlowError("form_password_length_too_long", field=field, max=MAX_LENGTH)
    if settings.password_reject_compromised and is_compromised_offline(password):
        raise FlowError("form_password_pwned", field=field)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise DetailedFlowError(
            "form_password_validation_failed", field=field, detail=" ".join(exc.messages)
        ) from exc
    online = settings.password_reject_compromised and app_settings.PWNED_RANGE_CHECK
    if online and is_compromised_online(password):
        raise FlowError("form_password_pwned", field=field)
