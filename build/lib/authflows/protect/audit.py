"""The audit log. Events of one request are buffered on its FlowContext and written in one
INSERT at the end of the step (or of the request), so logging costs at most one query."""

from __future__ import annotations

from authflows import clock
from authflows.context import FlowContext
from authflows.db import insert_rows
from authflows.models import AuthEvent, User


def record(
    ctx: FlowContext | None,
    kind: str,
    *,
    user: User | None = None,
    identifier: str = "",
    actor: str = "",
    **data: object,
) -> None:
    """Buffer one event on the caller's context (written at once when there is none)."""
    event = AuthEvent(
        kind=kind,
        user=user,
        identifier=identifier[:255] or (user.identifier if user else ""),
        actor=actor[:255],
        data={k: v for k, v in data.items() if v is not None},
        created_at=clock.now(),
    )
    if ctx is None:
        event.save()
        return
    event.ip = ctx.ip or None
    event.user_agent = ctx.user_agent[:512]
    event.client_id = ctx.client.id
    ctx.events.append(event)


def flush(ctx: FlowContext) -> None:
    events, ctx.events = ctx.events, []
    if events:
        insert_rows(events)  # one INSERT, no BEGIN/COMMIT around it
