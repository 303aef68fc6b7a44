"""The audit log. Events of one request are buffered and written in one INSERT at its end
(the middleware flushes), so logging costs at most one query per request."""

from __future__ import annotations

from django.http import HttpRequest

from authflows import clock
from authflows.db import insert_rows
from authflows.models import AuthEvent, User
from authflows.protect.ip import client_ip

__all__ = ["client_ip", "flush", "record"]

_BUFFER_ATTR = "_authflows_audit_events"


def record(
    request: HttpRequest | None,
    kind: str,
    *,
    user: User | None = None,
    identifier: str = "",
    actor: str = "",
    **data: object,
) -> None:
    event = AuthEvent(
        kind=kind,
        user=user,
        identifier=identifier[:255] or (user.identifier if user else ""),
        actor=actor[:255],
        data={k: v for k, v in data.items() if v is not None},
        created_at=clock.now(),
    )
    if request is None:
        event.save()
        return
    event.ip = client_ip(request)
    event.user_agent = request.META.get("HTTP_USER_AGENT", "")[:512]
    client = getattr(request, "authflows_client", None)
    event.client_id = client.id if client else None
    buffer = request.__dict__.setdefault(_BUFFER_ATTR, [])
    buffer.append(event)


def flush(request: HttpRequest) -> None:
    events = request.__dict__.pop(_BUFFER_ATTR, None)
    if events:
        insert_rows(events)  # one INSERT, no BEGIN/COMMIT around it
