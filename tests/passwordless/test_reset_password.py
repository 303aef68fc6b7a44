"""Forgot password at /sign-in/reset-password/: code, new password, other sessions ended,
trust revoked."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from authflows.models import AuthEvent, TrustedClient, UserSession
from authflows.models import Client as ClientRow
from tests.conftest import PASSWORD, error_codes, last_code, page_status, sign_in

pytestmark = pytest.mark.django_db

RESET = "/sign-in/reset-password/"
NEW = "correct-horse-battery-staple-71"


def ask_code(client, identifier: str = "ada@example.com"):  # type: ignore[no-untyped-def]
    page = client.get(RESET)
    assert page_status(page) == "needs_identifier"
    response = client.post(RESET, {"identifier": identifier})
    assert response["Location"] == RESET
    return client.get(RESET)


def test_sign_in_page_links_to_reset(client, db):
    assert 'href="/sign-in/reset-password/"' in client.get("/sign-in/").content.decode()


def test_reset_by_email(client, user, instance, mailoutbox):
    instance(client_trust=False)
    other = Client()
    sign_in(other, "ada@example.com")
    assert UserSession.objects.filter(user=user).count() == 1
    TrustedClient.objects.create(
        client=ClientRow.objects.create(), user=user, strategy="email_code"
    )

    page = ask_code(client)
    assert page_status(page) == "needs_first_factor"
    assert mailoutbox[-1].to == ["ada@example.com"]
    response = client.post(RESET, {"code": last_code(mailoutbox[-1].body)})
    assert response["Location"] == RESET
    page = client.get(RESET)
    assert page_status(page) == "needs_new_password"
    assert 'autocomplete="new-password"' in page.content.decode()

    weak = client.post(RESET, {"password": "short"})
    assert error_codes(weak) == ["form_password_length_too_short"]
    pwned = client.post(RESET, {"password": "password123"})
    assert error_codes(pwned) == ["form_password_pwned"]

    response = client.post(RESET, {"password": NEW})
    assert response["Location"] == RESET
    assert client.get(RESET)["Location"] == "/"
    assert int(client.session["_auth_user_id"]) == user.pk

    user.refresh_from_db()
    assert user.check_password(NEW)
    assert (
        not UserSession.objects.filter(user=user)
        .exclude(session_key=client.session.session_key)
        .exists()
    )
    assert other.get("/user/").status_code == 302  # signed out elsewhere
    assert not TrustedClient.objects.filter(user=user).exists()
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.PASSWORD_RESET, user=user).exists()


def test_old_password_no_longer_works(client, browser, user, instance, mailoutbox):
    instance(client_trust=False)
    ask_code(client)
    client.post(RESET, {"code": last_code(mailoutbox[-1].body)})
    client.post(RESET, {"password": NEW})
    assert error_codes(sign_in(browser, "ada@example.com", PASSWORD)) == ["form_password_incorrect"]
    assert sign_in(browser, "ada@example.com", NEW).status_code == 302


def test_reset_by_sms_when_email_is_disabled(client, make_user, instance, sms_outbox, mailoutbox):
    instance(
        email_sign_up=False,
        email_required=False,
        email_sign_in=False,
        phone_sign_up=True,
        phone_sign_in=True,
    )
    make_user(email=None, phone="+14155550123")
    ask_code(client, "+14155550123")
    assert mailoutbox == []
    response = client.post(RESET, {"code": last_code(sms_outbox[-1].body)})
    assert response["Location"] == RESET
    assert page_status(client.get(RESET)) == "needs_new_password"


def test_wrong_code_and_resend(client, user, mailoutbox):
    ask_code(client)
    code = last_code(mailoutbox[-1].body)
    wrong = "111111" if code != "111111" else "222222"
    assert error_codes(client.post(RESET, {"code": wrong})) == ["form_code_incorrect"]
    assert error_codes(client.post(RESET, {"action": "resend"})) == [
        "verification_code_too_many_requests"
    ]


def test_unknown_address_standard(client, db):
    client.get(RESET)
    response = client.post(RESET, {"identifier": "ghost@example.com"})
    assert error_codes(response) == ["form_identifier_not_found"]


def test_unknown_address_strict_proceeds_without_sending(client, instance, mailoutbox):
    instance(enumeration_protection="strict")
    page = ask_code(client, "ghost@example.com")
    assert page_status(page) == "needs_first_factor"
    assert mailoutbox == []
    assert error_codes(client.post(RESET, {"code": "123456"})) == ["form_code_incorrect"]


def test_mfa_still_applies_after_reset(client, user, mailoutbox):
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    ask_code(client)
    client.post(RESET, {"code": last_code(mailoutbox[-1].body)})
    response = client.post(RESET, {"password": NEW})
    assert response["Location"] == "/sign-in/factor-two/"
    assert "_auth_user_id" not in client.session


def test_new_password_page_needs_a_verified_code(client, user, mailoutbox):
    ask_code(client)
    response = client.post(RESET, {"password": NEW})  # the code step: no code given
    assert error_codes(response) == ["form_param_missing"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_strict_unknown_username_looks_like_a_known_one(client, instance, make_user, mailoutbox):
    instance(enumeration_protection="strict", username_sign_in=True, username_sign_up=True)
    make_user(username="known_user")
    known = ask_code(client, "known_user")
    client.post("/sign-in/reset/")
    unknown = ask_code(client, "ghost_user")
    assert page_status(known) == page_status(unknown) == "needs_first_factor"
    assert error_codes(unknown) == error_codes(known) == []
    assert len(mailoutbox) == 1  # only the real account's owner got a code
