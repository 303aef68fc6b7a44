"""Sign-up verification: email code, email link, SMS code; resend, expiry, exhausted tries."""

from __future__ import annotations

import re

import pytest

from authflows import clock
from authflows.models import User, Verification
from tests.conftest import error_codes, last_code, open_link, page_status
from tests.signup.helpers import NEW_PASSWORD

pytestmark = pytest.mark.django_db

VERIFY_EMAIL = "/sign-up/verify-email-address/"
VERIFY_PHONE = "/sign-up/verify-phone-number/"


@pytest.fixture
def started(client, mailoutbox):  # type: ignore[no-untyped-def]
    response = client.post(
        "/sign-up/", {"emailAddress": "new@example.com", "password": NEW_PASSWORD}
    )
    assert response["Location"] == VERIFY_EMAIL
    page = client.get(VERIFY_EMAIL)
    assert page_status(page) == "missing_requirements"
    assert 'autocomplete="one-time-code"' in page.content.decode()
    return client


def _code(mailoutbox) -> str:  # type: ignore[no-untyped-def]
    return last_code(mailoutbox[-1].body)


def test_email_code_completes(started, mailoutbox):
    assert len(mailoutbox) == 1
    response = started.post(VERIFY_EMAIL, {"code": _code(mailoutbox)})
    assert response["Location"] == "/sign-up/complete/"
    assert started.get("/sign-up/complete/")["Location"] == "/"
    assert User.objects.get().email_verified


def test_reload_does_not_send_again(started, mailoutbox):
    started.get(VERIFY_EMAIL)
    assert len(mailoutbox) == 1


def test_wrong_code(started, mailoutbox):
    response = started.post(
        VERIFY_EMAIL, {"code": "000000" if _code(mailoutbox) != "000000" else "111111"}
    )
    assert response.status_code == 400
    assert error_codes(response) == ["form_code_incorrect"]


def test_empty_code(started):
    assert error_codes(started.post(VERIFY_EMAIL, {"code": ""})) == ["form_param_missing"]


def test_resend_within_cooldown_is_refused(started, mailoutbox):
    response = started.post(VERIFY_EMAIL, {"action": "resend"})
    assert error_codes(response) == ["verification_code_too_many_requests"]
    assert len(mailoutbox) == 1


def test_resend_after_cooldown_replaces_the_code(started, mailoutbox):
    old = _code(mailoutbox)
    clock.advance(31)
    response = started.post(VERIFY_EMAIL, {"action": "resend"})
    assert response.status_code == 200
    assert "We sent a new code." in response.content.decode()
    assert len(mailoutbox) == 2
    new = _code(mailoutbox)
    if old != new:
        assert error_codes(started.post(VERIFY_EMAIL, {"code": old})) == ["form_code_incorrect"]
    assert started.post(VERIFY_EMAIL, {"code": new})["Location"] == "/sign-up/complete/"


def test_expired_code(started, mailoutbox):
    clock.advance(10 * 60 + 1)
    response = started.post(VERIFY_EMAIL, {"code": _code(mailoutbox)})
    assert error_codes(response) == ["verification_expired"]


def test_five_wrong_tries_exhaust_the_code(started, mailoutbox):
    code = _code(mailoutbox)
    wrong = "111111" if code != "111111" else "222222"
    answers = [error_codes(started.post(VERIFY_EMAIL, {"code": wrong})) for _ in range(5)]
    assert answers[-1] == ["verification_failed"]
    assert error_codes(started.post(VERIFY_EMAIL, {"code": code})) == ["verification_failed"]
    clock.advance(31)
    started.post(VERIFY_EMAIL, {"action": "resend"})
    assert (
        started.post(VERIFY_EMAIL, {"code": _code(mailoutbox)})["Location"] == "/sign-up/complete/"
    )


def test_code_is_single_use(started, browser, mailoutbox):
    code = _code(mailoutbox)
    started.post(VERIFY_EMAIL, {"code": code})
    assert started.post(VERIFY_EMAIL, {"code": code})["Location"] == "/sign-up/complete/"
    assert User.objects.count() == 1


def test_test_mode_address_gets_no_mail_and_accepts_424242(client, instance, mailoutbox):
    instance(test_mode=True)
    client.post(
        "/sign-up/", {"emailAddress": "dev+clerk_test@example.com", "password": NEW_PASSWORD}
    )
    client.get(VERIFY_EMAIL)
    assert mailoutbox == []
    assert client.post(VERIFY_EMAIL, {"code": "424242"})["Location"] == "/sign-up/complete/"


# --- email link -----------------------------------------------------------------------------


def _link(mailoutbox) -> str:  # type: ignore[no-untyped-def]
    return re.search(r"http://testserver(/sign-up/verify/\?token=\S+)", mailoutbox[-1].body).group(
        1
    )


@pytest.fixture
def link_started(client, instance, mailoutbox):  # type: ignore[no-untyped-def]
    instance(email_verification="link")
    client.post("/sign-up/", {"emailAddress": "new@example.com", "password": NEW_PASSWORD})
    page = client.get(VERIFY_EMAIL)
    assert "data-poll-url" in page.content.decode()
    return client


def test_email_link_in_the_same_browser(link_started, mailoutbox):
    response = open_link(link_started, _link(mailoutbox))
    assert response["Location"] == VERIFY_EMAIL
    assert link_started.get(VERIFY_EMAIL)["Location"] == "/sign-up/complete/"
    assert link_started.get("/sign-up/complete/")["Location"] == "/"
    assert User.objects.get().email_verified


def test_email_link_in_another_browser_then_the_first_tab_polls(link_started, browser, mailoutbox):
    landing = open_link(browser, _link(mailoutbox))
    assert landing.status_code == 200
    assert page_status(landing) == "verified"
    status = link_started.get("/sign-up/verify-email-address/status/").json()
    assert status == {"status": "complete", "redirect": "/sign-up/complete/"}
    assert link_started.get("/sign-up/complete/")["Location"] == "/"


def test_poll_before_the_link_is_opened(link_started):
    status = link_started.get("/sign-up/verify-email-address/status/").json()
    assert status == {"status": "missing_requirements", "redirect": None}
    response = link_started.post(VERIFY_EMAIL, {"action": "check"})
    assert "been opened yet." in response.content.decode()


def test_expired_link(link_started, browser, mailoutbox):
    clock.advance(10 * 60 + 1)
    landing = open_link(browser, _link(mailoutbox))
    assert landing.status_code == 400
    assert error_codes(landing) == ["verification_expired"]


def test_forged_link(browser, db):
    landing = open_link(browser, "/sign-up/verify/?token=not-a-token")
    assert error_codes(landing) == ["form_code_incorrect"]


def test_link_resend_cooldown_is_60_seconds(link_started, mailoutbox):
    clock.advance(31)
    response = link_started.post(VERIFY_EMAIL, {"action": "resend"})
    assert error_codes(response) == ["verification_code_too_many_requests"]
    clock.advance(30)
    assert link_started.post(VERIFY_EMAIL, {"action": "resend"}).status_code == 200
    assert len(mailoutbox) == 2


# --- phone ----------------------------------------------------------------------------------


@pytest.fixture
def phone_started(client, instance, sms_outbox):  # type: ignore[no-untyped-def]
    instance(email_required=False, phone_sign_up=True, phone_sign_in=True)
    response = client.post(
        "/sign-up/", {"phoneNumber": "+1 415 555 0199", "password": NEW_PASSWORD}
    )
    assert response["Location"] == VERIFY_PHONE
    client.get(VERIFY_PHONE)
    return client


def test_phone_code_completes(phone_started, sms_outbox):
    assert sms_outbox[-1].to == "+14155550199"
    response = phone_started.post(VERIFY_PHONE, {"code": last_code(sms_outbox[-1].body)})
    assert response["Location"] == "/sign-up/complete/"
    phone_started.get("/sign-up/complete/")
    user = User.objects.get()
    assert user.phone_verified and user.phone == "+14155550199"


def test_phone_resend_and_wrong_code(phone_started, sms_outbox):
    assert error_codes(phone_started.post(VERIFY_PHONE, {"action": "resend"})) == [
        "verification_code_too_many_requests"
    ]
    clock.advance(31)
    phone_started.post(VERIFY_PHONE, {"action": "resend"})
    assert len(sms_outbox) == 2
    code = last_code(sms_outbox[-1].body)
    wrong = "333333" if code != "333333" else "444444"
    assert error_codes(phone_started.post(VERIFY_PHONE, {"code": wrong})) == ["form_code_incorrect"]


def test_email_then_phone(client, instance, mailoutbox, sms_outbox):
    instance(phone_sign_up=True, phone_sign_in=True, phone_required=True)
    client.post(
        "/sign-up/",
        {
            "emailAddress": "new@example.com",
            "phoneNumber": "+14155550198",
            "password": NEW_PASSWORD,
        },
    )
    client.get(VERIFY_EMAIL)
    response = client.post(VERIFY_EMAIL, {"code": last_code(mailoutbox[-1].body)})
    assert response["Location"] == VERIFY_PHONE
    client.get(VERIFY_PHONE)
    response = client.post(VERIFY_PHONE, {"code": last_code(sms_outbox[-1].body)})
    assert response["Location"] == "/sign-up/complete/"


def test_changing_the_email_needs_a_new_verification(client, instance, mailoutbox):
    instance(username_sign_up=True, username_sign_in=True)
    client.post("/sign-up/", {"emailAddress": "first@example.com", "password": NEW_PASSWORD})
    response = client.post(
        "/sign-up/continue/", {"username": "newbie", "emailAddress": "x@example.com"}
    )
    assert response["Location"] == VERIFY_EMAIL
    client.get(VERIFY_EMAIL)
    assert mailoutbox[-1].to == ["x@example.com"]
    assert Verification.objects.get().target == "x@example.com"
