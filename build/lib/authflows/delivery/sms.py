"""SMS backends, shaped like Django's mail backends: a base class, a dotted path, one loader.

- NotConfiguredBackend refuses every message (the production default until a provider is
  named: a code must never end up in a log).
- ConsoleBackend writes messages to stdout (development, when asked for).
- LocmemBackend appends to `outbox` (tests read it like pytest-django's `mailoutbox`).
- DatabaseOutboxBackend keeps messages for /dev/outbox/ (development default).
A real provider subclasses BaseSMSBackend and is named in SMS_BACKEND.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from django.utils.module_loading import import_string

from authflows.app_settings import app_settings
from authflows.models import OutboxMessage


@dataclass(frozen=True)
class SMSMessage:
    to: str
    body: str


outbox: list[SMSMessage] = []


class BaseSMSBackend:
    def send(self, *, to: str, body: str) -> None:
        raise NotImplementedError


class SMSNotConfigured(Exception):
    """No SMS provider is named: retrying can't help."""

    permanent = True


class NotConfiguredBackend(BaseSMSBackend):
    """Sends nothing and writes nothing (the message holds a code): the worker logs that SMS
    is not configured and gives the message up."""

    def send(self, *, to: str, body: str) -> None:
        raise SMSNotConfigured("SMS_BACKEND names no SMS provider")


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
            OutboxMessage.objects.create(channel=OutboxMessage.Channel.SMS, to=to, body=body)


def get_sms_backend(path: str | None = None) -> BaseSMSBackend:
    return import_string(path or app_settings.SMS_BACKEND)()
