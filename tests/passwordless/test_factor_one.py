"""Passwordless sign-in at /sign-in/factor-one/: email code, SMS code, email link, "use
another method", and what passwordless factors lead to (no client trust; MFA still)."""

from __future__ import annotations

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from authflows import clock
from authflows.models import AuthEvent, TrustedClient, User
from tests.conftest import PASSWORD, error_codes, last_code, open_link, page_status, sign_in

pytestmark = pytest.mark.django_db

FACTOR_ONE = "/sign-in/factor-one/"


def start(client, identifier: str = "ada@example.com"):  # type: ignore[no-untyped-def]
    return client.post("/sign-in/", {"identifier": identifier, "action": "passwordless"})


def test_identifier_page_without_password_sign_in(client, user, instance, mailoutbox):
    instance(password_sign_up=False)
    page = client.get("/sign-in/")
    html = page.content.decode()
    assert 'name="password"' not in html
    assert "Continue" in html
    response = client.post("/sign-in/", {"identifier": "ada@example.com"})
    assert response["Location"] == FACTOR_ONE


def test_identifier_page_offers_passwordless_with_password_on(client, db):
    html = client.get("/sign-in/").content.decode()
    assert 'name="password"' in html
    assert 'value="passwordless"' in html


def test_empty_password_without_the_button_is_still_missing(client, user):
    response = client.post("/sign-in/", {"identifier": "ada@example.com", "password": ""})
    assert error_codes(response) == ["form_param_missing"]


def test_email_code(client, user, mailoutbox):
    assert start(client)["Location"] == FACTOR_ONE
    page = client.get(FACTOR_ONE)
    assert page_status(page) == "needs_first_factor"
    assert "a•••@example.com" in page.content.decode()
    assert mailoutbox[-1].to == ["ada@example.com"]
    response = client.post(
        FACTOR_ONE, {"strategy": "email_code", "code": last_code(mailoutbox[-1].body)}
    )
    assert response["Location"] == "/"
    assert int(client.session["_auth_user_id"]) == user.pk


def test_passwordless_never_asks_for_client_trust(client, user, mailoutbox):
    """Client trust is on by default; a code already proves possession."""
    start(client)
    client.get(FACTOR_ONE)
    client.post(FACTOR_ONE, {"strategy": "email_code", "code": last_code(mailoutbox[-1].body)})
    assert "_auth_user_id" in client.session
    assert not TrustedClient.objects.exists()


def test_sms_code_comes_first_for_a_phone_number(client, make_user, instance, sms_outbox):
    instance(phone_sign_in=True)
    make_user(phone="+14155550123")
    assert start(client, "+1 415 555 0123")["Location"] == FACTOR_ONE
    client.get(FACTOR_ONE)
    assert sms_outbox[-1].to == "+14155550123"
    response = client.post(
        FACTOR_ONE, {"strategy": "phone_code", "code": last_code(sms_outbox[-1].body)}
    )
    assert response["Location"] == "/"


def test_use_another_method(client, make_user, instance, mailoutbox, sms_outbox):
    instance(phone_sign_in=True)
    make_user(phone="+14155550123")
    start(client)
    page = client.get(FACTOR_ONE)
    html = page.content.decode()
    assert "Use another method" in html
    assert "?strategy=phone_code" in html and "?strategy=password" in html
    other = client.get(FACTOR_ONE + "?strategy=phone_code")
    assert "+14••••23" in other.content.decode()
    response = client.post(
        FACTOR_ONE, {"strategy": "phone_code", "code": last_code(sms_outbox[-1].body)}
    )
    assert response["Location"] == "/"


def test_password_as_another_method(client, user, instance, mailoutbox):
    instance(client_trust=False)
    start(client)
    page = client.get(FACTOR_ONE + "?strategy=password")
    assert 'autocomplete="current-password"' in page.content.decode()
    wrong = client.post(FACTOR_ONE, {"strategy": "password", "password": "nope-nope-nope"})
    assert error_codes(wrong) == ["form_password_incorrect"]
    response = client.post(FACTOR_ONE, {"strategy": "password", "password": PASSWORD})
    assert response["Location"] == "/"


def test_password_through_factor_one_still_gets_client_trust(client, user, mailoutbox):
    start(client)
    response = client.post(FACTOR_ONE, {"strategy": "password", "password": PASSWORD})
    assert response["Location"] == "/sign-in/client-trust/"


def test_strategy_the_user_lacks_is_ignored(client, user, mailoutbox):
    start(client)
    page = client.get(FACTOR_ONE + "?strategy=phone_code")
    assert 'value="email_code"' in page.content.decode()
    forced = client.post(FACTOR_ONE, {"strategy": "totp", "code": "123456"})
    assert forced.status_code == 400


def test_mfa_still_applies(client, user, mailoutbox):
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    start(client)
    client.get(FACTOR_ONE)
    response = client.post(
        FACTOR_ONE, {"strategy": "email_code", "code": last_code(mailoutbox[-1].body)}
    )
    assert response["Location"] == "/sign-in/factor-two/"
    assert "_auth_user_id" not in client.session


def test_wrong_expired_and_exhausted_codes(client, user, mailoutbox):
    start(client)
    client.get(FACTOR_ONE)
    code = last_code(mailoutbox[-1].body)
    wrong = "111111" if code != "111111" else "222222"
    answers = [
        error_codes(client.post(FACTOR_ONE, {"strategy": "email_code", "code": wrong}))
        for _ in range(5)
    ]
    assert answers[0] == ["form_code_incorrect"]
    assert answers[-1] == ["verification_failed"]
    # Each wrong code counts toward the account's lockout (and is audited).
    failed = AuthEvent.objects.filter(kind=AuthEvent.Kind.CODE_FAILED, user=User.objects.get())
    assert failed.count() == 5
    clock.advance(31)
    client.post(FACTOR_ONE, {"strategy": "email_code", "action": "resend"})
    clock.advance(10 * 60 + 1)
    expired = client.post(
        FACTOR_ONE, {"strategy": "email_code", "code": last_code(mailoutbox[-1].body)}
    )
    # The attempt itself expires after 10 minutes too: the browser starts again.
    assert expired["Location"] == "/sign-in/"


def test_resend_cooldown(client, user, mailoutbox):
    start(client)
    client.get(FACTOR_ONE)
    refused = client.post(FACTOR_ONE, {"strategy": "email_code", "action": "resend"})
    assert error_codes(refused) == ["verification_code_too_many_requests"]
    clock.advance(31)
    sent = client.post(FACTOR_ONE, {"strategy": "email_code", "action": "resend"})
    assert sent.status_code == 200 and len(mailoutbox) == 2
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.CODE_SENT).count() == 2


def test_locked_user_is_refused(client, make_user, mailoutbox):
    make_user(locked_indefinitely=True)
    start(client)
    client.get(FACTOR_ONE)
    response = client.post(
        FACTOR_ONE, {"strategy": "email_code", "code": last_code(mailoutbox[-1].body)}
    )
    assert error_codes(response) == ["user_locked"]
    assert "Contact support" in response.content.decode()


# --- email link -----------------------------------------------------------------------------


def _link(mailoutbox) -> str:  # type: ignore[no-untyped-def]
    return re.search(r"http://testserver(/sign-in/verify/\?token=\S+)", mailoutbox[-1].body).group(
        1
    )


@pytest.fixture
def link_sign_in(client, user, instance, mailoutbox):  # type: ignore[no-untyped-def]
    instance(email_code_sign_in=False, email_link_sign_in=True)
    start(client)
    page = client.get(FACTOR_ONE)
    assert "data-poll-url" in page.content.decode()
    return client


def test_email_link_same_browser(link_sign_in, mailoutbox):
    landing = open_link(link_sign_in, _link(mailoutbox))
    assert landing["Location"] == FACTOR_ONE
    assert link_sign_in.get(FACTOR_ONE)["Location"] == "/"
    assert "_auth_user_id" in link_sign_in.session


def test_email_link_other_browser_then_poll(link_sign_in, browser, mailoutbox):
    assert page_status(open_link(browser, _link(mailoutbox))) == "verified"
    assert "_auth_user_id" not in browser.session
    status = link_sign_in.get("/sign-in/factor-one/status/").json()
    assert status == {"status": "complete", "redirect": "/"}
    assert "_auth_user_id" in link_sign_in.session


def test_email_link_poll_before_opening(link_sign_in):
    status = link_sign_in.get("/sign-in/factor-one/status/").json()
    assert status == {"status": "needs_first_factor", "redirect": None}


def test_email_link_used_twice(link_sign_in, browser, mailoutbox):
    link = _link(mailoutbox)
    open_link(link_sign_in, link)
    link_sign_in.get(FACTOR_ONE)
    assert error_codes(open_link(browser, link)) == ["form_code_incorrect"]


# --- enumeration ----------------------------------------------------------------------------


def test_unknown_identifier_standard(client, db):
    response = start(client, "ghost@example.com")
    assert error_codes(response) == ["form_identifier_not_found"]


def test_unknown_identifier_strict_proceeds_and_sends_nothing(
    client, browser, user, instance, mailoutbox
):
    instance(enumeration_protection="strict")
    unknown = start(client, "ghost@example.com")
    known = start(browser, "ada@example.com")
    assert unknown["Location"] == known["Location"] == FACTOR_ONE
    page = client.get(FACTOR_ONE)
    browser.get(FACTOR_ONE)
    assert "g•••@example.com" in page.content.decode()
    assert [m.to for m in mailoutbox] == [["ada@example.com"]]
    assert error_codes(client.post(FACTOR_ONE, {"strategy": "email_code", "code": "123456"})) == [
        "form_code_incorrect"
    ]
    assert error_codes(client.post(FACTOR_ONE, {"strategy": "email_code", "action": "resend"})) == [
        "verification_code_too_many_requests"
    ]


def test_password_on_factor_one_from_a_trusted_client_needs_no_code(client, user, mailoutbox):
    assert sign_in(client, "ada@example.com")["Location"] == "/sign-in/client-trust/"
    client.get("/sign-in/client-trust/")
    client.post("/sign-in/client-trust/", {"code": last_code(mailoutbox[-1].body)})
    client.post("/sign-out/")
    start(client)
    response = client.post(FACTOR_ONE, {"strategy": "password", "password": PASSWORD})
    assert response["Location"] == "/"


def test_strict_enumeration_offers_the_same_methods_to_known_and_unknown(
    client, browser, user, instance
):
    instance(enumeration_protection="strict")
    start(client, "ada@example.com")
    start(browser, "nobody@example.com")

    def offered(page) -> list[str]:  # type: ignore[no-untyped-def]
        return re.findall(r"\?strategy=([a-z_]+)", page.content.decode())

    known, unknown = client.get(FACTOR_ONE), browser.get(FACTOR_ONE)
    assert offered(known) == offered(unknown)
    assert "password" in offered(known)
    assert page_status(known) == page_status(unknown)


def test_a_locked_user_finishes_no_step_by_link(link_sign_in, user, mailoutbox):
    User.objects.filter(pk=user.pk).update(locked_indefinitely=True)
    open_link(link_sign_in, _link(mailoutbox))
    page = link_sign_in.get(FACTOR_ONE)
    assert page.status_code == 200
    assert "_auth_user_id" not in link_sign_in.session
    User.objects.filter(pk=user.pk).update(locked_indefinitely=False)  # an admin unlocks
    assert link_sign_in.get(FACTOR_ONE)["Location"] == "/"
