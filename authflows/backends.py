from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import QuerySet
from django.http import HttpRequest

from authflows.compiled import Compiled
from authflows.models import User


def _user(user_id: int) -> QuerySet[User]:
    return User.objects.filter(pk=user_id)


# Read on every signed-in request: compiled once (authflows/compiled.py).
_signed_in_user = Compiled(_user, user_id=-7_919_000_021)


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

    def get_user(self, user_id: Any) -> User | None:
        if not isinstance(user_id, int):  # the session's id, as the user model's key reads it
            return super().get_user(user_id)
        user = _signed_in_user.first(user_id=user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
