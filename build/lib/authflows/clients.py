"""The client cookie: a long-lived, signed, HttpOnly, SameSite=Lax cookie naming a Client row.

The row is created lazily, the first time a flow needs it, and survives sign-out.
"""

from __future__ import annotations

from authflows import clock
from authflows.models import Client

SALT = "authflows.client"


class ClientRef:
    """This browser's Client row, by id: known from the cookie, created on first need."""

    def __init__(self, cookie_value: str | None, *, user_agent: str = "") -> None:
        self.id: int | None = int(cookie_value) if cookie_value and cookie_value.isdigit() else None
        self.user_agent = user_agent[:512]
        self._ensured = False
        #: True once the response must (re)issue the cookie.
        self.issue_cookie = False

    def ensure(self) -> int:
        """The client's id, creating the row (and a cookie) if this browser has none.
        Also stamps last-active. At most one query per request."""
        if self._ensured and self.id:
            return self.id
        exists = self.id is not None and Client.objects.filter(pk=self.id).update(
            last_active_at=clock.now()
        )
        if not exists or self.id is None:
            self.id = Client.objects.create(user_agent=self.user_agent).pk
        self._ensured = True
        self.issue_cookie = True
        return self.id

    def confirm(self) -> None:
        """The row is known to exist (a row that references it was just read): later ensure()
        calls in this request need no query. Its last-active time was stamped when that row
        was saved."""
        if self.id:
            self._ensured = True
