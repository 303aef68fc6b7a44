"""The one layer through which every code and notice leaves: email and SMS."""

from __future__ import annotations

import contextlib
import logging

from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

from authflows.app_settings import app_settings
from authflows.delivery.sms import get_sms_backend
from authflows.models import InstanceSettings, OutboxMessage

logger = logging.getLogger("authflows.delivery")


def send_email(*, to: str, event: str, context: dict[str, object]) -> None:
    """Render authflows/email/<event>_subject.txt, _body.txt (and _body.html) and send it."""
    settings = InstanceSettings.load()
    context = {"application_name": settings.application_name, **context}
    prefix = f"authflows/email/{event}"
    subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
    body = render_to_string(f"{prefix}_body.txt", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[to])
    with contextlib.suppress(TemplateDoesNotExist):
        message.attach_alternative(render_to_string(f"{prefix}_body.html", context), "text/html")
    message.send()
    _keep_copy(OutboxMessage.Channel.EMAIL, to=to, subject=subject, body=body)


def send_sms(*, to: str, body: str) -> None:
    get_sms_backend().send(to=to, body=body)
    _keep_copy(OutboxMessage.Channel.SMS, to=to, subject="", body=body)


def send_decoy() -> None:
    """Strict enumeration protection: the work of a message for an address with no account,
    so the request costs the same whether or not an account exists. Nothing is sent."""


def _keep_copy(channel: str, *, to: str, subject: str, body: str) -> None:
    if app_settings.DEV_OUTBOX:
        OutboxMessage.objects.create(channel=channel, to=to, subject=subject[:255], body=body)
