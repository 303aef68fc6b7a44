"""MFA test helpers: enrol the way a person does (through the pages) and compute TOTP codes
with pyotp from the secret the page shows, the way an authenticator app would."""

from __future__ import annotations

import html
import re

import pyotp
import pytest
from django.test import Client

from authflows import clock
from tests.conftest import PASSWORD, last_code, sign_in

PHONE = "+441632960962"


@pytest.fixture(autouse=True)
def _no_client_trust(instance):  # type: ignore[no-untyped-def]
    """Client trust is covered elsewhere; here a password sign-in without MFA completes."""
    instance(client_trust=False)


def shown_secret(page: str) -> str:
    match = re.search(r'id="totp-secret" data-secret="([A-Z2-7]+)"', page)
    assert match, "the enrolment page shows no base32 secret"
    return match.group(1)


def shown_uri(page: str) -> str:
    match = re.search(r'data-otpauth-uri="([^"]+)"', page)
    assert match, "the enrolment page carries no otpauth:// URI"
    return html.unescape(match.group(1))


def shown_svg(page: str) -> str:
    match = re.search(r"<svg\b.*?</svg>", page, re.S)
    assert match, "the enrolment page shows no inline SVG"
    return match.group(0)


def app_code(secret: str, *, offset_steps: int = 0) -> str:
    """What an authenticator app shows now (by authflows' clock), optionally a step away."""
    return pyotp.TOTP(secret).at(int(clock.now().timestamp()) + 30 * offset_steps)


def next_step() -> None:
    """Move to the start of the next 30 s step, so a fresh code exists."""
    now = clock.now().timestamp()
    clock.advance(30 - (now % 30) + 0.5)


def enrol_totp(client: Client) -> str:
    """Add an authenticator app through /user/mfa/totp/; returns the secret the page showed."""
    page = client.get("/user/mfa/totp/").content.decode()
    secret = shown_secret(page)
    response = client.post("/user/mfa/totp/", {"code": app_code(secret), "action": "verify"})
    assert response.status_code == 302, response.content.decode()
    next_step()  # the enrolment code's step is used; sign-ins need the next one
    return secret


def enrol_phone(client: Client, sms_outbox: list, phone: str = PHONE) -> None:
    """Add SMS codes through /user/mfa/phone/ with the code the SMS carried."""
    response = client.post("/user/mfa/phone/", {"phone": phone, "action": "send"})
    assert response.status_code == 200, response.content.decode()
    code = last_code(sms_outbox[-1].body)
    response = client.post("/user/mfa/phone/", {"code": code, "action": "verify"})
    assert response.status_code == 302, response.content.decode()


def reverify(client: Client, password: str = PASSWORD) -> None:
    """Prove it's you again on /user/verify/ (MFA changes need a recent proof)."""
    response = client.post("/user/verify/", {"password": password, "action": "verify"})
    assert response.status_code == 302, response.content.decode()


def backup_codes_form(client: Client) -> dict[str, str]:
    """The offer page's form, as a browser posts it (with its one-time nonce)."""
    page = client.get("/user/mfa/backup-codes/").content.decode()
    return {"nonce": re.search(r'name="nonce" value="([^"]+)"', page).group(1)}


def create_backup_codes(client: Client) -> list[str]:
    response = client.post("/user/mfa/backup-codes/", backup_codes_form(client))
    assert response.status_code == 200, response.content.decode()
    return re.findall(r"<li><code>([a-z0-9]{4}-[a-z0-9]{4})</code></li>", response.content.decode())


def sign_out(client: Client) -> None:
    client.post("/sign-out/")


@pytest.fixture
def signed_in(client, user):  # type: ignore[no-untyped-def]
    """ada@example.com signed in (no MFA yet) in `client`."""
    assert sign_in(client, user.email).status_code == 302
    return client


@pytest.fixture
def sms_on(instance):  # type: ignore[no-untyped-def]
    """SMS codes as MFA need sign-in with phone (the Dashboard refuses one without the other)."""
    return instance(phone_sign_in=True, mfa_phone_code=True)


@pytest.fixture
def totp_user(signed_in, user):  # type: ignore[no-untyped-def]
    """ada with an authenticator app (enrolled through the page), signed out again.
    Returns the secret the enrolment page showed."""
    secret = enrol_totp(signed_in)
    sign_out(signed_in)
    return secret


def start_mfa_sign_in(
    client: Client, identifier: str = "ada@example.com", password: str = PASSWORD, **extra: str
):  # type: ignore[no-untyped-def]
    response = sign_in(client, identifier, password, **extra)
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/factor-two/"
    return response
