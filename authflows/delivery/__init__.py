"""The one layer through which every code and notice leaves: email and SMS.

Each call renders the message now (in `locale` when given, else the active language) and
enqueues one task in the caller's transaction: with the database task backend the task row
commits or rolls back with the state that needs the message, and a worker (`manage.py
db_worker`) sends it, retrying with backoff. No request waits on, or fails because of, a mail
or SMS provider. The queued payload is encrypted (see sealing.py): it carries codes and links.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from authflows import clock, metrics, observability
from authflows.delivery import render, sealing
from authflows.delivery.tasks import deliver_message

__all__ = ["send_decoy", "send_email", "send_sms"]


def send_email(
    *, to: str, event: str, context: Mapping[str, object], locale: str | None = None
) -> None:
    """Queue authflows/email/<event>_subject.txt, _body.txt and _body.html for `to`."""
    if to:
        _enqueue(render.email(to=to, event=event, context=context, locale=locale))


def send_sms(
    *,
    to: str,
    event: str | None = None,
    context: Mapping[str, object] | None = None,
    body: str | None = None,
    locale: str | None = None,
) -> None:
    """Queue an SMS: authflows/sms/<event>.txt rendered with `context`, or `body` as given."""
    if to:
        _enqueue(render.sms(to=to, event=event, context=context, body=body, locale=locale))


def send_decoy(
    *,
    to: str,
    event: str,
    context: Mapping[str, object] | None = None,
    locale: str | None = None,
    channel: Literal["email", "sms"] = "email",
) -> None:
    """Do what send_email() (or send_sms() with `event`) does, to the byte, except that the
    worker sends nothing: strict enumeration protection calls it where no account exists, so
    the request renders, encrypts and writes the same as when one does. Pass the context the
    real message would get (a code of the same length), so the rendered sizes match too."""
    if channel == "sms":
        message = render.sms(to=to, event=event, context=context, body=None, locale=locale)
    else:
        message = render.email(to=to, event=event, context=context, locale=locale)
    _enqueue(message, decoy=True)


def _enqueue(message: dict[str, Any], *, decoy: bool = False) -> None:
    payload = {
        **message,
        "decoy": int(decoy),
        "attempt": 0,
        "first_at": clock.now().timestamp(),
        "request_id": observability.current_request_id(),
    }
    deliver_message.enqueue(sealing.seal(payload))
    if not decoy:  # a decoy is never sent, so it is no message to count
        metrics.count_message(message["kind"], "queued")
