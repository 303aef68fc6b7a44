"""Emails and text messages speak the recipient's language: the one an account was created in
(stored on it, like Clerk's `locale`), whatever language the request that causes them is in."""

from __future__ import annotations

import pytest
from django.test import Client

from authflows.models import User
from tests.conftest import PASSWORD, error_codes, sign_in
from tests.signup.helpers import follow_sign_up

pytestmark = pytest.mark.django_db
NEW_DEVICE_DE = "ist Ihr Code für die Anmeldung bei"
NEW_DEVICE_EN = "is your authflows code for a sign-in from a new device"


def test_the_language_of_sign_up_is_stored_on_the_account(mailoutbox):
    german = Client(HTTP_ACCEPT_LANGUAGE="de")
    response = german.post("/sign-up/", {"emailAddress": "jana@example.com", "password": PASSWORD})
    follow_sign_up(german, response)
    assert User.objects.get(email="jana@example.com").locale == "de"


def test_a_code_for_a_german_account_is_german_from_an_english_browser(make_user, mailoutbox):
    make_user(email="jana@example.com", locale="de")
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(english, "jana@example.com")
    english.get("/sign-in/client-trust/")
    assert NEW_DEVICE_DE in mailoutbox[-1].subject
    assert "Enter the code" in english.get("/sign-in/client-trust/").content.decode()


def test_an_english_account_gets_english_from_a_german_browser(make_user, mailoutbox):
    make_user(email="ada@example.com", locale="en")
    german = Client(HTTP_ACCEPT_LANGUAGE="de")
    sign_in(german, "ada@example.com")
    german.get("/sign-in/client-trust/")
    assert NEW_DEVICE_EN in mailoutbox[-1].subject


def test_the_lock_notice_is_in_the_owners_language(make_user, instance, mailoutbox):
    instance(lockout_max_attempts=5, client_trust=False)
    make_user(email="jana@example.com", locale="fr")
    stranger = Client(HTTP_ACCEPT_LANGUAGE="es")
    for _ in range(5):
        sign_in(stranger, "jana@example.com", "wrong-password-0")
    assert error_codes(sign_in(stranger, "jana@example.com")) == ["user_locked"]
    assert "verrouillé" in mailoutbox[-1].subject


def test_the_sign_up_notice_to_an_owner_is_in_the_owners_language(make_user, instance, mailoutbox):
    instance(enumeration_protection="strict")
    make_user(email="jana@example.com", locale="de")
    stranger = Client(HTTP_ACCEPT_LANGUAGE="es")
    stranger.post("/sign-up/", {"emailAddress": "jana@example.com", "password": PASSWORD})
    stranger.get("/sign-up/verify-email-address/")
    assert [m.subject for m in mailoutbox] == [
        "Jemand wollte sich mit Ihrer Adresse bei authflows registrieren"
    ]
