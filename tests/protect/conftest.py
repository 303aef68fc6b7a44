"""Fixtures for the attack-protection tests: signed-in browsers, a trusted browser, TOTP."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from authflows import clock
from authflows.factors import backup_code
from authflows.factors.totp import current_step
from authflows.models import User
from tests.conftest import PASSWORD, last_code, sign_in

ADMIN_PASSWORD = "admin-passphrase-for-the-tests-77"


def complete_client_trust(client: Client, mailoutbox: list) -> object:  # type: ignore[type-arg]
    """Finish the client-trust step with the emailed code, as a person would."""
    client.get("/sign-in/client-trust/")
    code = last_code(mailoutbox[-1].body)
    return client.post("/sign-in/client-trust/", {"code": code, "action": "verify"})


@pytest.fixture
def trusted_browser(user, mailoutbox, instance) -> Client:  # type: ignore[no-untyped-def]
    """A browser the user signed in from (with the client-trust code) and then left.
    Client trust stays on."""
    instance(client_trust=True)
    browser = Client()
    response = sign_in(browser, user.email)
    assert response["Location"] == "/sign-in/client-trust/"
    assert complete_client_trust(browser, mailoutbox)["Location"] == "/"
    browser.post("/sign-out/")
    mailoutbox.clear()
    return browser


@pytest.fixture
def signed_in(user, instance) -> Callable[..., Client]:  # type: ignore[no-untyped-def]
    """A new browser signed in as `who` (client trust off for the sign-in)."""

    def make(who: User | None = None, password: str = PASSWORD, **meta: str) -> Client:
        settings = instance()
        was = settings.client_trust
        instance(client_trust=False)
        browser = Client(**meta)
        response = sign_in(browser, (who or user).identifier, password)
        assert response.status_code == 302, response.content
        instance(client_trust=was)
        return browser

    return make


@pytest.fixture
def admin_user(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(
        email="root@example.com", password=ADMIN_PASSWORD, is_staff=True, is_superuser=True
    )


@pytest.fixture
def admin_client(admin_user, signed_in) -> Client:  # type: ignore[no-untyped-def]
    return signed_in(admin_user, ADMIN_PASSWORD)


@pytest.fixture
def totp_device(user) -> TOTPDevice:  # type: ignore[no-untyped-def]
    return TOTPDevice.objects.create(user=user, name="app", confirmed=True)


def totp_code(device: TOTPDevice, offset: int = 0) -> str:
    step = current_step(device) + offset
    return f"{hotp(device.bin_key, step, digits=device.digits):0{device.digits}d}"


@pytest.fixture
def backup_codes(user, totp_device) -> list[str]:  # type: ignore[no-untyped-def]
    return backup_code.replace_codes(user)


# --- strangers and windows (attacks over HTTP from many addresses) ----------------------------


def from_ip(ip: str, **headers: str) -> Client:
    """A new browser (its own cookies) at this network address."""
    return Client(REMOTE_ADDR=ip, **headers)


def strangers(count: int, *, first: int = 0) -> list[Client]:
    """`count` new browsers, each at its own address (198.51.100.x, then 198.51.101.x ...)."""
    return [from_ip(f"198.51.{100 + n // 250}.{n % 250 + 1}") for n in range(first, first + count)]


def start_of_an_hour() -> None:
    """Move the clock to the start of an hour, so that no rate-limit window (10 s to 1 h)
    ends in the middle of a test by chance."""
    clock.advance(3600 - clock.now().timestamp() % 3600 + 0.01)


def sign_in_with_totp(client: Client, device: TOTPDevice, identifier: str, *, step: int = 0):  # type: ignore[no-untyped-def]
    """Password, then the authenticator code of the current step (+ `step`)."""
    response = sign_in(client, identifier)
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == "/sign-in/factor-two/"
    return client.post(
        "/sign-in/factor-two/", {"code": totp_code(device, step), "strategy": "totp"}
    )
