"""Messages are rendered when they are asked for (in the request, in the caller's language, with
the caller's objects in the context) and only the finished text is queued.

Email templates: `authflows/email/<event>_subject.txt`, `<event>_body.txt` and
`<event>_body.html`. SMS templates: `authflows/sms/<event>.txt`.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation

from authflows.models import InstanceSettings


@contextlib.contextmanager
def _language(locale: str | None) -> Iterator[None]:
    if locale:
        with translation.override(locale):
            yield
    else:
        yield


def _context(context: Mapping[str, object] | None) -> dict[str, object]:
    return {"application_name": InstanceSettings.load().application_name, **(context or {})}


def from_address(application_name: str) -> str:
    """DEFAULT_FROM_EMAIL's address with the Dashboard's application name as display name."""
    configured = settings.DEFAULT_FROM_EMAIL
    name, address = parseaddr(configured)
    if not address:
        return configured
    return formataddr((application_name or name, address))


def _paragraphs(text: str) -> str:
    """Template text without trailing spaces or runs of blank lines."""
    lines = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return re.sub(r"\n{3,}", "\n\n", lines) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def email(
    *, to: str, event: str, context: Mapping[str, object] | None, locale: str | None
) -> dict[str, Any]:
    """The finished email as a plain dict: from, to, subject, text and HTML bodies."""
    values = _context(context)
    prefix = f"authflows/email/{event}"
    with _language(locale):
        subject = _one_line(render_to_string(f"{prefix}_subject.txt", values))
        text = _paragraphs(render_to_string(f"{prefix}_body.txt", values))
        html = ""
        with contextlib.suppress(TemplateDoesNotExist):
            html = render_to_string(f"{prefix}_body.html", {**values, "subject": subject})
    return {
        "kind": "email",
        "event": event,
        "to": to,
        "from": from_address(str(values["application_name"])),
        "subject": subject,
        "text": text,
        "html": html,
    }


def sms(
    *,
    to: str,
    event: str | None,
    context: Mapping[str, object] | None,
    body: str | None,
    locale: str | None,
) -> dict[str, Any]:
    """The finished SMS: its template's text when `event` is given, else `body`."""
    if event:
        with _language(locale):
            text = _one_line(render_to_string(f"authflows/sms/{event}.txt", _context(context)))
    elif body:
        text = body
    else:
        raise ValueError("send_sms() needs an event or a body")
    return {"kind": "sms", "event": event or "text", "to": to, "body": text}
