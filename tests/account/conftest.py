"""A browser signed in as Ada (a password, her device verified by the emailed code)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from authflows.models import EmailAddress, PhoneNumber, User
from tests.conftest import last_code
from tests.core.helpers import complete_sign_in


@pytest.fixture
def ada(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(email="ada@example.com", email_verified=True)


@pytest.fixture
def signed_in(ada: User, mailoutbox) -> Client:  # type: ignore[no-untyped-def]
    browser = Client()
    response = complete_sign_in(browser, "ada@example.com", mailoutbox)
    assert response.status_code == 302 and response["Location"] == "/"
    return browser


def add_email(browser: Client, address: str):  # type: ignore[no-untyped-def]
    """Post the add form; returns the response (a redirect to the address's page)."""
    return browser.post("/user/email-addresses/add/", {"emailAddress": address})


def add_and_verify_email(browser: Client, address: str, mailoutbox) -> EmailAddress:  # type: ignore[no-untyped-def]
    page = add_email(browser, address)["Location"]
    browser.get(page)  # sends the code
    assert mailoutbox[-1].to == [address]
    response = browser.post(page, {"action": "verify", "code": last_code(mailoutbox[-1].body)})
    assert response.status_code == 302, response.content.decode()
    return EmailAddress.objects.get(email_address=address)


def add_and_verify_phone(browser: Client, number: str, sms_outbox) -> PhoneNumber:  # type: ignore[no-untyped-def]
    page = browser.post("/user/phone-numbers/add/", {"phoneNumber": number})["Location"]
    browser.get(page)
    code = re.findall(r"\b(\d{6})\b", sms_outbox[-1].body)[-1]
    assert browser.post(page, {"action": "verify", "code": code}).status_code == 302
    return PhoneNumber.objects.get(phone_number=number)
