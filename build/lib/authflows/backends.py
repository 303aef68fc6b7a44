from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest


class AuthflowsBackend(ModelBackend):
    """Loads the signed-in user for each request. Passwords are checked by the sign-in flow
    (authflows.flows.sign_in), never through authenticate(), so no path skips MFA or client
    trust."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        return None
