from django.contrib.auth.backends import ModelBackend


class AuthflowsBackend(ModelBackend):
    """Loads the signed-in user for each request. Passwords are checked by the sign-in flow
    (authflows.flows.sign_in), never through authenticate(), so no path skips MFA or client
    trust."""

    def authenticate(self, request, username=None, password=None, **kwargs):  # type: ignore[no-untyped-def]
        return None
