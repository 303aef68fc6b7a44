"""The client-trust code: sent on arrival, "I need a new code" under the cool-down, expiry,
exhausted tries, "Start over"."""

from __future__ import annotations

import re

import pytest

from authflows import clock
from authflows.models import SignInAttempt, TrustedClient, Verification
from tests.conftest import error_codes, last_code, page_status, sign_in
from tests.core.helpers import CLIENT_TRUST_URL

pytestmark = pytest.mark.django_db
RESEND = {"action": "resend"}


@pytest.fixture
def arrived(client, user, mailoutbox):  # type: ignore[no-untyped-def]
    """A browser on the client-trust page; the code was sent on arrival."""
    assert sign_in(client, "ada@example.com")["Location"] == CLIENT_TRUST_URL
    page = client.get(CLIENT_TRUST_URL)
    assert page.status_code == 200
    assert len(mailoutbox) == 1
    return client


def cooldown_left(response) -> int:  # type: ignore[no-untyped-def]
    match = re.search(r'data-cooldown="(\d+)"', response.content.decode())
    return int(match.group(1)) if match else 0


def enter(browser, code: str):  # type: ignore[no-untyped-def]
    return browser.post(CLIENT_TRUST_URL, {"code": code})


def signed_in(client) -> bool:  # type: ignore[no-untyped-def]
    return "_auth_user_id" in client.session


# --- arrival and page -------------------------------------------------------------------------


def test_page_has_the_seed_labels_and_autofill_hints(arrived, mailoutbox):
    html = arrived.get(CLIENT_TRUST_URL).content.decode()
    for label in ("Verify your account", "Code", "Verify", "I need a new code", "Start over"):
        assert label in html
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    assert "a•••@example.com" in html  # the address, masked
    assert mailoutbox[0].to == ["ada@example.com"]
    assert "ada@example.com" not in html


def test_reloading_sends_nothing_new(arrived, mailoutbox):
    for _ in range(3):
        arrived.get(CLIENT_TRUST_URL)
    clock.advance(45)
    arrived.get(CLIENT_TRUST_URL)  # the live code is kept, even after the cool-down
    assert len(mailoutbox) == 1
    assert enter(arrived, last_code(mailoutbox[0].body))["Location"] == "/"


def test_code_is_stored_only_as_a_keyed_hash(arrived, mailoutbox):
    code = last_code(mailoutbox[0].body)
    row = Verification.objects.get()
    assert code not in (row.code_hash, row.token_hash)
    assert len(row.code_hash) == 64


# --- resend and cool-down ---------------------------------------------------------------------


def test_resend_inside_the_cool_down_is_refused_and_sends_nothing(arrived, mailoutbox):
    response = arrived.post(CLIENT_TRUST_URL, RESEND)
    assert response.status_code == 400
    assert error_codes(response) == ["verification_code_too_many_requests"]
    assert len(mailoutbox) == 1


def test_cool_down_is_kept_across_reloads(arrived, mailoutbox):
    clock.advance(10)
    page = arrived.get(CLIENT_TRUST_URL)
    assert 18 <= cooldown_left(page) <= 20
    clock.advance(10)
    assert error_codes(arrived.post(CLIENT_TRUST_URL, RESEND)) == [
        "verification_code_too_many_requests"
    ]
    assert 8 <= cooldown_left(arrived.get(CLIENT_TRUST_URL)) <= 10
    assert len(mailoutbox) == 1


def test_resend_after_30_seconds_replaces_the_code(arrived, mailoutbox):
    old = last_code(mailoutbox[0].body)
    clock.advance(31)
    response = arrived.post(CLIENT_TRUST_URL, RESEND)
    assert response.status_code == 200
    assert "We sent a new code." in response.content.decode()
    assert len(mailoutbox) == 2
    new = last_code(mailoutbox[1].body)
    assert Verification.objects.count() == 1  # never a second live code
    if old != new:
        assert error_codes(enter(arrived, old)) == ["form_code_incorrect"]
    assert enter(arrived, new)["Location"] == "/"


def test_a_second_resend_waits_for_its_own_cool_down(arrived, mailoutbox):
    clock.advance(31)
    arrived.post(CLIENT_TRUST_URL, RESEND)
    clock.advance(5)
    assert error_codes(arrived.post(CLIENT_TRUST_URL, RESEND)) == [
        "verification_code_too_many_requests"
    ]
    assert len(mailoutbox) == 2


def test_links_have_a_60_second_cool_down(client, user, instance, mailoutbox):
    instance(email_verification="link")
    sign_in(client, "ada@example.com")
    client.get(CLIENT_TRUST_URL)
    clock.advance(31)
    assert error_codes(client.post(CLIENT_TRUST_URL, RESEND)) == [
        "verification_code_too_many_requests"
    ]
    clock.advance(30)
    assert client.post(CLIENT_TRUST_URL, RESEND).status_code == 200
    assert len(mailoutbox) == 2


def test_test_mode_resend_after_the_cool_down_is_not_refused(client, make_user, instance):
    instance(test_mode=True)
    make_user(email="paula+clerk_test@example.com")
    sign_in(client, "paula+clerk_test@example.com")
    client.get(CLIENT_TRUST_URL)
    clock.advance(31)
    response = client.post(CLIENT_TRUST_URL, RESEND)
    assert response.status_code == 200
    assert error_codes(response) == []
    assert enter(client, "424242")["Location"] == "/"


def test_sms_code_resend(client, make_user, instance, sms_outbox):
    instance(email_sign_up=False, email_sign_in=False, email_required=False, phone_sign_in=True)
    make_user(email=None, phone="+14155552671")
    assert sign_in(client, "+14155552671")["Location"] == CLIENT_TRUST_URL
    client.get(CLIENT_TRUST_URL)
    assert len(sms_outbox) == 1
    assert error_codes(client.post(CLIENT_TRUST_URL, RESEND)) == [
        "verification_code_too_many_requests"
    ]
    clock.advance(31)
    client.post(CLIENT_TRUST_URL, RESEND)
    assert len(sms_outbox) == 2
    assert enter(client, last_code(sms_outbox[1].body))["Location"] == "/"


# --- expiry -----------------------------------------------------------------------------------


def test_code_expires_after_10_minutes(arrived, mailoutbox):
    code = last_code(mailoutbox[0].body)
    clock.advance(5 * 60)
    assert error_codes(enter(arrived, "000000")) in (
        ["form_code_incorrect"],
        [],  # 000000 may be the code itself (one in a million)
    )
    clock.advance(5 * 60 + 1)  # the code is 10 minutes and 1 second old
    response = enter(arrived, code)
    assert response.status_code == 400
    assert error_codes(response) == ["verification_expired"]
    assert not signed_in(arrived)
    # A new code works.
    arrived.post(CLIENT_TRUST_URL, RESEND)
    assert enter(arrived, last_code(mailoutbox[-1].body))["Location"] == "/"


def test_an_attempt_left_alone_for_10_minutes_starts_over(arrived, mailoutbox):
    clock.advance(10 * 60 + 1)
    response = arrived.get(CLIENT_TRUST_URL)
    assert response["Location"] == "/sign-in/"
    response = enter(arrived, last_code(mailoutbox[0].body))
    assert response["Location"] == "/sign-in/"
    assert not signed_in(arrived)


# --- wrong tries ------------------------------------------------------------------------------


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_five_wrong_tries_exhaust_the_code(arrived, mailoutbox, user):
    code = last_code(mailoutbox[0].body)
    for _ in range(4):
        assert error_codes(enter(arrived, wrong(code))) == ["form_code_incorrect"]
    assert error_codes(enter(arrived, wrong(code))) == ["verification_failed"]
    # Now even the right code fails: a new one is needed.
    response = enter(arrived, code)
    assert error_codes(response) == ["verification_failed"]
    assert not signed_in(arrived)
    assert not TrustedClient.objects.exists()
    clock.advance(31)
    arrived.post(CLIENT_TRUST_URL, RESEND)
    assert enter(arrived, last_code(mailoutbox[-1].body))["Location"] == "/"


def test_wrong_codes_count_towards_lockout(arrived, mailoutbox, user, instance):
    instance(lockout_max_attempts=5)
    code = last_code(mailoutbox[0].body)
    for _ in range(5):
        enter(arrived, wrong(code))
    user.refresh_from_db()
    assert user.locked_until is not None
    assert error_codes(enter(arrived, code)) == ["user_locked"]


@pytest.mark.parametrize("code", ["", "   ", "12345", "abcdef", "1234567", "12 34 56x"])
def test_malformed_codes_are_refused_on_the_code_field(arrived, code):
    response = enter(arrived, code)
    assert response.status_code == 400
    assert error_codes(response)[0] in ("form_param_missing", "form_code_incorrect")
    assert 'id="code-error"' in response.content.decode()


def test_code_with_spaces_or_dash_is_accepted(arrived, mailoutbox):
    code = last_code(mailoutbox[0].body)
    assert arrived.post(CLIENT_TRUST_URL, {"code": f" {code[:3]}-{code[3:]} "})["Location"] == "/"


def test_a_used_code_cannot_be_used_again(arrived, mailoutbox, browser):
    code = last_code(mailoutbox[0].body)
    enter(arrived, code)
    arrived.post("/sign-out/")
    assert enter(arrived, code)["Location"] == "/sign-in/"
    assert not signed_in(arrived)


# --- start over -------------------------------------------------------------------------------


def test_start_over_forgets_the_attempt(arrived, mailoutbox):
    code = last_code(mailoutbox[0].body)
    response = arrived.post("/sign-in/reset/")
    assert response["Location"] == "/sign-in/"
    assert page_status(arrived.get("/sign-in/")) == "needs_identifier"
    assert arrived.get(CLIENT_TRUST_URL)["Location"] == "/sign-in/"
    assert enter(arrived, code)["Location"] == "/sign-in/"
    assert not signed_in(arrived)
    # Signing in again asks for a new code.
    assert sign_in(arrived, "ada@example.com")["Location"] == CLIENT_TRUST_URL
    arrived.get(CLIENT_TRUST_URL)
    assert len(mailoutbox) == 2
    assert SignInAttempt.objects.count() == 2


def test_another_browser_cannot_use_this_attempt(arrived, mailoutbox, browser):
    response = enter(browser, last_code(mailoutbox[0].body))
    assert response["Location"] == "/sign-in/"
    assert "_auth_user_id" not in browser.session
