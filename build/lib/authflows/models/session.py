from importlib import import_module

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models

from authflows import clock


class UserSession(AbstractBaseSession):
    """A Django session row that also records whose it is, so a user's sessions can be
    listed and ended (sign out other devices, password change, reset)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sessions",
    )
    client_id = models.BigIntegerField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = "session"
        verbose_name_plural = "sessions"

    @classmethod
    def get_session_store_class(cls) -> type:
        # The configured engine (authflows.session_store), named in settings: the engine
        # imports this model, so naming it here would be a cycle.
        return import_module(settings.SESSION_ENGINE).SessionStore
