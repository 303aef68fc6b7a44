"""What a flow knows about the caller: plain inputs, no HTTP.

Every flow step takes a FlowContext: the Dashboard settings, which client (device) is asking,
its session store, its address and user agent, the public origin for links, and a port that
signs a session in or out. The site's pages and its JSON API build one per request (see
authflows/http.py), so both call the same flows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from django.contrib.sessions.backends.base import SessionBase

from authflows.clients import ClientRef
from authflows.models import AuthEvent, InstanceSettings, User


class SessionPort(Protocol):
    """How a flow signs the caller's session in or out (Django's login() and logout() for a
    browser; the same for the JSON API, which shares the browser's session)."""

    def login(self, user: User) -> None: ...

    def logout(self) -> None: ...

    def keep_signed_in(self, user: User) -> None:
        """The user's password changed: this session stays signed in."""


@dataclass
class FlowContext:
    settings: InstanceSettings
    client: ClientRef
    session: SessionBase
    port: SessionPort
    ip: str = ""
    user_agent: str = ""
    #: Scheme and host of emailed links (deploy setting), never the request's Host header.
    origin: str = ""
    #: This request's own host and scheme: a redirect_url may only lead back here.
    host: str = ""
    secure: bool = False
    #: The language this request is answered in (stored on an account at sign-up).
    locale: str = ""
    #: The signed-in user, if any.
    user: User | None = None
    #: Audit events of this request, written together (see protect/audit.py).
    events: list[AuthEvent] = field(default_factory=list)
    #: Per-request memo (e.g. the lockout generation read once).
    memo: dict[str, object] = field(default_factory=dict)
    #: Set when this request trusted the client by a client-trust code: the owner is told.
    new_trust: str = ""

    def link(self, path: str) -> str:
        return self.origin.rstrip("/") + path
