"""Drive a sign-up the way a browser does: follow each redirect, enter each code."""

from __future__ import annotations

from django.core import mail
from django.test import Client

from authflows.delivery import sms
from tests.conftest import last_code

PAGES = {
    "/sign-up/continue/",
    "/sign-up/verify-email-address/",
    "/sign-up/verify-phone-number/",
    "/sign-up/complete/",
}
NEW_PASSWORD = "correct-horse-battery-staple-71"


def follow_sign_up(client: Client, response, extra: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """From a sign-up response, enter codes (and `extra` on the continue page) until the
    browser leaves the sign-up pages. Returns the last response."""
    for _ in range(10):
        location = response.get("Location", "") if response.status_code == 302 else ""
        if location not in PAGES:
            return response
        if location == "/sign-up/continue/":
            response = client.post(location, extra or {})
        elif location == "/sign-up/complete/":
            response = client.get(location)
        else:
            client.get(location)  # sends the code on arrival
            channel = "phone" if "phone" in location else "email"
            text = sms.outbox[-1].body if channel == "phone" else mail.outbox[-1].body
            response = client.post(location, {"code": last_code(text)})
    raise AssertionError("sign-up did not finish")
