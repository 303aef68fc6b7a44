"""The "New sign-in to your account" email after a client-trust verification, and the demo:
the password-only demo user in a fresh browser sees the client-trust step, reads the code in
/dev/outbox/, and is not asked again after signing out and in."""

from __future__ import annotations

import base64
import re

import pyotp
import pytest
from django.core.management import call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from authflows import clock
from authflows.management.commands.demo_data import DEMO_PASSWORD
from authflows.models import OutboxMessage, TrustedClient
from tests.conftest import last_code, open_link, page_status, sign_in
from tests.core.helpers import CLIENT_TRUST_URL, complete_sign_in, link_path

pytestmark = pytest.mark.django_db
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
NOTICE = "New sign-in to your account"


def notices(mailoutbox) -> list:  # type: ignore[no-untyped-def]
    return [m for m in mailoutbox if m.subject == NOTICE]


def test_notice_after_a_code_verification_names_device_and_time(user, mailoutbox):
    browser = Client(HTTP_USER_AGENT=FIREFOX, REMOTE_ADDR="203.0.113.9")
    complete_sign_in(browser, "ada@example.com", mailoutbox)
    [notice] = notices(mailoutbox)
    assert notice.to == ["ada@example.com"]
    assert "Firefox 128 on Linux" in notice.body
    assert "203.0.113.9" in notice.body
    assert clock.now().strftime("%Y-%m-%d") in notice.body
    assert re.search(r"Time: \d{4}-\d\d-\d\d \d\d:\d\d UTC", notice.body)


def test_notice_after_an_email_link_verification(user, instance, mailoutbox, browser):
    instance(email_verification="link")
    client = Client(HTTP_USER_AGENT=FIREFOX)
    sign_in(client, "ada@example.com")
    client.get(CLIENT_TRUST_URL)
    open_link(browser, link_path(mailoutbox[0].body))
    client.get("/sign-in/client-trust/status/")
    [notice] = notices(mailoutbox)
    assert "Firefox 128 on Linux" in notice.body


def test_no_notice_from_a_trusted_client(user, mailoutbox, client):
    complete_sign_in(client, "ada@example.com", mailoutbox)
    client.post("/sign-out/")
    sign_in(client, "ada@example.com")
    assert len(notices(mailoutbox)) == 1


def test_no_notice_when_client_trust_is_off(user, instance, mailoutbox, client):
    instance(client_trust=False)
    sign_in(client, "ada@example.com")
    assert not mailoutbox


def test_no_notice_after_an_authenticator_code(user, mailoutbox, client):
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    sign_in(client, "ada@example.com")
    code = pyotp.TOTP(base64.b32encode(device.bin_key).decode()).at(clock.now())
    assert client.post("/sign-in/factor-two/", {"code": code})["Location"] == "/"
    assert not notices(mailoutbox)


def test_no_notice_for_a_failed_verification(user, mailoutbox, client):
    sign_in(client, "ada@example.com")
    client.get(CLIENT_TRUST_URL)
    code = last_code(mailoutbox[0].body)
    client.post(CLIENT_TRUST_URL, {"code": f"{(int(code) + 1) % 10**6:06d}"})
    assert not notices(mailoutbox)


# --- the demo ---------------------------------------------------------------------------------


@pytest.fixture
def demo(settings):  # type: ignore[no-untyped-def]
    """The site as `make run` serves it: DEBUG, the dev outbox, the demo users."""
    settings.DEBUG = True
    settings.AUTHFLOWS_DEV_OUTBOX = True
    call_command("demo_data", stdout=None)


def test_demo_user_verifies_a_new_browser_through_the_dev_outbox(demo, client):
    assert client.get("/").content.decode().count("/dev/outbox/") == 1
    response = sign_in(client, "alice@example.com", DEMO_PASSWORD)
    assert response["Location"] == CLIENT_TRUST_URL
    assert page_status(client.get(CLIENT_TRUST_URL)) == "needs_client_trust"

    outbox = client.get("/dev/outbox/")
    assert outbox.status_code == 200
    html = outbox.content.decode()
    assert "alice@example.com" in html
    code = last_code(html)
    assert OutboxMessage.objects.filter(channel="email", to="alice@example.com").exists()

    assert client.post(CLIENT_TRUST_URL, {"code": code})["Location"] == "/"
    assert TrustedClient.objects.filter(user__email="alice@example.com").exists()

    client.post("/sign-out/")
    again = sign_in(client, "alice@example.com", DEMO_PASSWORD)
    assert again["Location"] == "/"
    assert "Signed in as" in client.get("/").content.decode()


def test_demo_test_mode_user_uses_424242(demo, client):
    from authflows.models import InstanceSettings

    assert InstanceSettings.load().test_mode  # on when DEBUG
    sign_in(client, "paula+clerk_test@example.com", DEMO_PASSWORD)
    client.get(CLIENT_TRUST_URL)
    assert not OutboxMessage.objects.filter(to="paula+clerk_test@example.com").exists()
    assert client.post(CLIENT_TRUST_URL, {"code": "424242"})["Location"] == "/"


def test_demo_data_can_run_twice(demo):
    call_command("demo_data", stdout=None)


def test_dev_outbox_is_hidden_without_debug(client, db):
    assert client.get("/dev/outbox/").status_code == 404
