"""The queued task that sends one rendered message, and its retries.

A failed send re-enqueues the message with `run_after` and a growing delay (1, 2, 4 ... s,
capped at RETRY_CAP_SECONDS) until GIVE_UP_AFTER_SECONDS after the first try. Each failure is
logged with the message's kind and event, never its recipient, code or link. The task never
raises, so with the immediate backend (tests, `make run`) a failing provider cannot reach the
request that asked for the message.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError, transaction
from django.utils import timezone
from django_tasks import task

from authflows import clock, metrics, observability
from authflows.app_settings import app_settings
from authflows.delivery import sealing
from authflows.delivery.sms import get_sms_backend
from authflows.models import OutboxMessage

logger = logging.getLogger("authflows.delivery")

RETRY_CAP_SECONDS = 60
GIVE_UP_AFTER_SECONDS = 24 * 3600


def retry_delay(attempt: int) -> int:
    """Seconds to wait before try number `attempt + 1` (attempt counts failures so far)."""
    return min(RETRY_CAP_SECONDS, 2 ** max(0, attempt - 1))


def describe_error(error: BaseException) -> str:
    """The exception's class and numeric code: never the server's text, which may quote the
    message."""
    number = getattr(error, "smtp_code", None) or getattr(error, "errno", None)
    name = type(error).__name__
    return f"{name} ({number})" if number else name


@task()
def deliver_message(sealed: str) -> None:
    """Open a sealed message and send it; on failure, queue the next try."""
    try:
        message = sealing.unseal(sealed)
    except sealing.UnreadablePayload:
        logger.error("a queued message could not be opened (SECRET_KEY changed?); dropped")
        return
    if message.get("decoy"):
        return
    with observability.request_id_context(message.get("request_id")):
        try:
            send(message)
        except Exception as error:
            metrics.count_message(message["kind"], "failed")
            schedule_retry(message, error)
            return
        metrics.count_message(message["kind"], "sent")
        keep_copy(message)


def send(message: dict[str, Any]) -> None:
    if message["kind"] == "sms":
        get_sms_backend().send(to=message["to"], body=message["body"])
        return
    email = EmailMultiAlternatives(
        subject=message["subject"],
        body=message["text"],
        from_email=message["from"],
        to=[message["to"]],
    )
    if message.get("html"):
        email.attach_alternative(message["html"], "text/html")
    email.send()


def schedule_retry(message: dict[str, Any], error: BaseException) -> None:
    attempt = int(message.get("attempt", 0)) + 1
    label = f"{message['kind']} {message.get('event', '')}".strip()
    age = clock.now().timestamp() - float(message.get("first_at", 0))
    if getattr(error, "permanent", False):
        logger.error("%s not delivered (%s); not retried", label, describe_error(error))
        return
    if age >= GIVE_UP_AFTER_SECONDS:
        logger.error(
            "%s not delivered after %d tries over %d hours (%s); giving up",
            label,
            attempt,
            age // 3600,
            describe_error(error),
        )
        return
    if not deliver_message.get_backend().supports_defer:
        logger.warning(
            "%s not delivered (%s); not retried: this task backend runs a message once",
            label,
            describe_error(error),
        )
        return
    delay = retry_delay(attempt)
    logger.warning(
        "%s not delivered (try %d: %s); next try in %d s",
        label,
        attempt,
        describe_error(error),
        delay,
    )
    deliver_message.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(
        sealing.seal({**message, "attempt": attempt})
    )


def keep_copy(message: dict[str, Any]) -> None:
    """DEBUG: a copy for /dev/outbox/. Its own savepoint, so a failed write cannot spoil the
    transaction of a request that runs the task immediately."""
    if not app_settings.DEV_OUTBOX:
        return
    is_sms = message["kind"] == "sms"
    with contextlib.suppress(DatabaseError), transaction.atomic():
        OutboxMessage.objects.create(
            channel=OutboxMessage.Channel.SMS if is_sms else OutboxMessage.Channel.EMAIL,
            to=message["to"],
            subject="" if is_sms else message["subject"][:255],
            body=message["body"] if is_sms else message["text"],
        )
