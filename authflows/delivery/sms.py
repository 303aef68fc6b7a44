"""SMS backends, shaped like Django's mail backends: a base class, a dotted path, one loader.

- ConsoleBackend writes messages to stdout (production default until a provider is set).
- LocmemBackend appends to `outbox` (tests read it like pytest-django's `mailoutbox`).
- DatabaseOutboxBackend keeps messages for /dev/outbox/ (development default).
A real provider subclasses BaseSMSBackend and is named in SMS_BACKEND.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from django.utils.module_loading import import_string

from authflows.app_settings import app_settings


@dataclass(frozen=True)
class SMSMessage:
    to: str
    body: str


outbox: list[SMSMessage] = []


class BaseSMSBackend:
    def send(self, *, to: str, body: str) -> None:
        raise NotImplementedError


class ConsoleBackend(BaseSMSBackend):
    def send(self, *, to: str, body: str) -> None:
        sys.stdout.write(f"SMS to {to}: {body}\n")
        sys.stdout.flush()


class LocmemBackend(BaseSMSBackend):
    def send(self, *, to: str, body: str) -> None:
        outbox.append(SMSMessage(to=to, body=body))


class DatabaseOutboxBackend(BaseSMSBackend):
    """Stores each message (the delivery layer keeps the copy); nothing leaves the machine."""

    def send(self, *, to: str, body: str) -> None:
        if not app_settings.DEV_OUTBOX:
            from authflows.models import OutboxMessage

            OutboxMessage.objects.create(channel=OutboxMessage.Channel.SMS, to=to, body=body)


def get_sms_backend(path: str | None = None) -> BaseSMSBackend:
    return import_string(path or app_settings.SMS_BACKEND)()
