"""The client cookie: a long-lived, signed, HttpOnly, SameSite=Lax cookie naming a Client row.

The row is created lazily, the first time a flow needs it, and survives sign-out.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from authflows import clock
from authflows.app_settings import app_settings
from authflows.models import Client

SALT = "authflows.client"


class ClientRef:
    def __init__(self, request: HttpRequest) -> None:
        self._request = request
        raw = request.get_signed_cookie(app_settings.CLIENT_COOKIE_NAME, default=None, salt=SALT)
        self.id: int | None = int(raw) if raw and raw.isdigit() else None
        self._ensured = False
        self.issue_cookie = False

    def ensure(self) -> int:
        """The client's id, creating the row (and a cookie) if this browser has none.
        Also stamps last-active. At most one query per request."""
        if self._ensured and self.id:
            return self.id
        exists = bool(self.id) and Client.objects.filter(pk=self.id).update(
            last_active_at=clock.now()
        )
        if not exists:
            user_agent = self._request.META.get("HTTP_USER_AGENT", "")[:512]
            self.id = Client.objects.create(user_agent=user_agent).pk
        self._ensured = True
        self.issue_cookie = True
        return self.id  # type: ignore[return-value]

    def confirm(self) -> None:
        """The row is known to exist (a row that references it was just read): later ensure()
        calls in this request need no query. Its last-active time was stamped when that row
        was saved."""
        if self.id:
            self._ensured = True

    def get(self) -> Client | None:
        return Client.objects.filter(pk=self.id).first() if self.id else None

    def set_cookie(self, response: HttpResponse) -> None:
        request = self._request
        response.set_signed_cookie(
            app_settings.CLIENT_COOKIE_NAME,
            str(self.id),
            salt=SALT,
            max_age=app_settings.CLIENT_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            # Secure whenever the session cookie is (production), even behind a TLS proxy.
            secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
        )
