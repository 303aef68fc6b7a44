"""One contract, every SMS backend (and Django's mail backends the site uses): a message
given to a backend comes out whole, once, where that backend says it goes; the production
default refuses rather than writing a code anywhere."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.mail import get_connection
from django.core.mail.message import EmailMessage

from authflows.delivery import sms
from authflows.models import OutboxMessage

BODY = "123456 is your authflows verification code. It expires in 10 minutes."
TO = "+14155550123"


def read_console(capsys) -> list[str]:  # type: ignore[no-untyped-def]
    return [line for line in capsys.readouterr().out.splitlines() if line.startswith("SMS to")]


SMS_BACKENDS = {
    "authflows.delivery.sms.LocmemBackend": lambda capsys: [
        f"SMS to {m.to}: {m.body}" for m in sms.outbox
    ],
    "authflows.delivery.sms.ConsoleBackend": read_console,
    "authflows.delivery.sms.DatabaseOutboxBackend": lambda capsys: [
        f"SMS to {m.to}: {m.body}" for m in OutboxMessage.objects.filter(channel="sms")
    ],
}


@pytest.mark.django_db
@pytest.mark.parametrize("path", list(SMS_BACKENDS))
def test_an_sms_backend_delivers_the_whole_message_once(path, capsys, settings):
    settings.AUTHFLOWS_DEV_OUTBOX = False  # the outbox backend stores it itself
    backend = sms.get_sms_backend(path)
    assert isinstance(backend, sms.BaseSMSBackend)
    assert backend.send(to=TO, body=BODY) is None
    assert SMS_BACKENDS[path](capsys) == [f"SMS to {TO}: {BODY}"]


def test_the_production_default_refuses_and_writes_nothing(capsys):
    backend = sms.get_sms_backend("authflows.delivery.sms.NotConfiguredBackend")
    with pytest.raises(sms.SMSNotConfigured) as refused:
        backend.send(to=TO, body=BODY)
    assert getattr(refused.value, "permanent", False)
    assert "123456" not in capsys.readouterr().out


def test_the_base_backend_must_be_subclassed():
    with pytest.raises(NotImplementedError):
        sms.BaseSMSBackend().send(to=TO, body=BODY)


MAIL_BACKENDS = {
    "django.core.mail.backends.locmem.EmailBackend": lambda capsys: [m.body for m in mail.outbox],
    "django.core.mail.backends.console.EmailBackend": lambda capsys: [
        BODY for _ in range(capsys.readouterr().out.count(BODY))
    ],
}


@pytest.mark.parametrize("path", list(MAIL_BACKENDS))
def test_a_mail_backend_delivers_the_whole_message_once(path, capsys):
    connection = get_connection(path)
    message = EmailMessage("Your code", BODY, "authflows <no-reply@localhost>", ["ada@example.com"])
    assert connection.send_messages([message]) == 1
    assert MAIL_BACKENDS[path](capsys) == [BODY]
