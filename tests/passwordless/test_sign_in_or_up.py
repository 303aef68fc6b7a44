"""Sign-in-or-up: an identifier with no account at /sign-in/ offers to create one with it,
unless strict enumeration protection is on (then nothing extra is revealed)."""

from __future__ import annotations

import pytest

from authflows.models import User
from tests.conftest import error_codes, sign_in
from tests.signup.helpers import NEW_PASSWORD, follow_sign_up

pytestmark = pytest.mark.django_db


def test_unknown_email_offers_sign_up_and_prefills_it(client, mailoutbox, db):
    response = sign_in(client, "newcomer@example.com", "whatever-it-is")
    assert error_codes(response) == ["form_identifier_not_found"]
    html = response.content.decode()
    assert 'href="/sign-up/?emailAddress=newcomer%40example.com"' in html
    form = client.get("/sign-up/?emailAddress=newcomer%40example.com")
    assert 'value="newcomer@example.com"' in form.content.decode()
    response = client.post(
        "/sign-up/", {"emailAddress": "newcomer@example.com", "password": NEW_PASSWORD}
    )
    follow_sign_up(client, response)
    assert User.objects.get().email == "newcomer@example.com"


def test_unknown_identifier_through_passwordless_offers_too(client, db):
    response = client.post(
        "/sign-in/", {"identifier": "newcomer@example.com", "action": "passwordless"}
    )
    assert 'data-offer="sign-up"' in response.content.decode()


def test_unknown_phone_offers_when_phone_sign_up_is_on(client, instance):
    instance(phone_sign_in=True, phone_sign_up=True)
    response = sign_in(client, "+14155550177", "whatever-it-is")
    assert "phoneNumber=%2B14155550177" in response.content.decode()


def test_no_offer_under_strict_enumeration(client, instance):
    instance(enumeration_protection="strict")
    response = sign_in(client, "newcomer@example.com", "whatever-it-is")
    assert error_codes(response) == ["form_password_or_identifier_incorrect"]
    assert 'data-offer="sign-up"' not in response.content.decode()


def test_no_offer_when_sign_up_does_not_take_that_identifier(client, instance):
    instance(phone_sign_in=True)  # phone sign-up stays off
    response = sign_in(client, "+14155550177", "whatever-it-is")
    assert error_codes(response) == ["form_identifier_not_found"]
    assert 'data-offer="sign-up"' not in response.content.decode()


def test_no_offer_for_a_wrong_password(client, user):
    response = sign_in(client, "ada@example.com", "not-the-password")
    assert 'data-offer="sign-up"' not in response.content.decode()
