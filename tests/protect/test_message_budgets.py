"""Strangers can't spend the owner's messages (SPEC 9, issue 16 point 2).

Anyone can make the site send a message to an address: a forgotten-password reset, a
passwordless sign-in, a sign-up with the address (a notice under strict enumeration
protection). Those anonymous sends are limited per address and requesting network address,
with a ceiling per address against mail bombing from many addresses. Messages that follow a
proof (the client-trust code after the right password, the MFA SMS) have a budget of their
own, and a browser the owner already trusts never meets the anonymous ceiling."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from authflows import clock
from authflows.models import PhoneMFA, User
from authflows.protect.ratelimit import LIMITS
from tests.conftest import error_codes, last_code, page_status, sign_in
from tests.protect.conftest import from_ip, start_of_an_hour, strangers

pytestmark = [pytest.mark.django_db, pytest.mark.ratelimit]

RESET = "/sign-in/reset-password/"
FACTOR_ONE = "/sign-in/factor-one/"
NEW_PASSWORD = "correct-horse-battery-staple-71"
PHONE = "+441632960962"

PER_IP_MINUTE = LIMITS["anon_send_address_ip"][0]
PER_IP_HOUR = LIMITS["anon_send_address_ip_hourly"][0]
CEILING = LIMITS["anon_send_address_hourly"][0]


@pytest.fixture(autouse=True)
def _start_of_an_hour() -> None:
    start_of_an_hour()


# --- what a stranger's browser does -----------------------------------------------------------


def ask_reset(browser: Client, identifier: str) -> int:
    """Forgot password?: the identifier, then the code page (which sends the code)."""
    response = browser.post(RESET, {"identifier": identifier})
    assert response.status_code == 302, (response.status_code, error_codes(response))
    return browser.get(RESET).status_code


def start_passwordless(browser: Client, identifier: str) -> int:
    response = browser.post("/sign-in/", {"identifier": identifier, "action": "passwordless"})
    assert response.status_code == 302, (response.status_code, error_codes(response))
    return browser.get(FACTOR_ONE).status_code


def sign_up_with(browser: Client, identifier: str) -> int:
    """Sign up with someone's address (strict mode: the owner gets a notice)."""
    response = browser.post("/sign-up/", {"emailAddress": identifier, "password": NEW_PASSWORD})
    assert response.status_code == 302, (response.status_code, error_codes(response))
    return browser.get(response["Location"]).status_code


TRIGGERS: dict[str, Callable[[Client, str], int]] = {
    "reset": ask_reset,
    "passwordless": start_passwordless,
    "sign-up": sign_up_with,
}


def mails_to(mailoutbox: list, address: str) -> int:  # type: ignore[type-arg]
    return sum(1 for message in mailoutbox if message.to == [address])


def client_trust_code_arrives(browser: Client, user: User, mailoutbox: list) -> None:  # type: ignore[type-arg]
    """The owner's right password on a new browser: the client-trust code is sent, arrives
    and signs in."""
    response = sign_in(browser, user.email)
    assert response["Location"] == "/sign-in/client-trust/"
    before = len(mailoutbox)
    page = browser.get("/sign-in/client-trust/")
    assert page.status_code == 200, (page.status_code, error_codes(page))
    assert len(mailoutbox) == before + 1
    assert mailoutbox[-1].to == [user.email]
    response = browser.post("/sign-in/client-trust/", {"code": last_code(mailoutbox[-1].body)})
    assert response["Location"] == "/"


# --- proven sends are the owner's own ---------------------------------------------------------


@pytest.mark.parametrize("trigger", list(TRIGGERS))
def test_strangers_anonymous_sends_never_block_the_owners_client_trust_code(
    user, instance, mailoutbox, trigger
):
    instance(client_trust=True, enumeration_protection="strict")
    statuses = [TRIGGERS[trigger](browser, user.email) for browser in strangers(CEILING + 5)]
    # Mail bombing from many addresses stops at the ceiling...
    assert statuses == [200] * CEILING + [429] * 5
    assert mails_to(mailoutbox, user.email) == CEILING
    # ...and none of it was the owner's budget.
    client_trust_code_arrives(from_ip("192.0.2.10"), user, mailoutbox)


def test_strangers_sms_starts_never_block_the_owners_mfa_sms(make_user, instance, sms_outbox):
    instance(client_trust=True, phone_sign_in=True, mfa_phone_code=True)
    user = make_user(phone=PHONE, phone_verified=True)
    PhoneMFA.objects.create(user=user, phone=PHONE)
    statuses = [start_passwordless(browser, PHONE) for browser in strangers(CEILING + 5)]
    assert statuses == [200] * CEILING + [429] * 5
    owner = from_ip("192.0.2.11")
    assert sign_in(owner, user.email)["Location"] == "/sign-in/factor-two/"
    before = len(sms_outbox)
    page = owner.get("/sign-in/factor-two/")
    assert page.status_code == 200, (page.status_code, error_codes(page))
    assert len(sms_outbox) == before + 1 and sms_outbox[-1].to == PHONE
    response = owner.post(
        "/sign-in/factor-two/", {"strategy": "phone_code", "code": last_code(sms_outbox[-1].body)}
    )
    assert response["Location"] == "/"


def test_ten_stranger_resets_an_hour_leave_the_owners_own_reset(user, mailoutbox):
    """Ten resets asked by strangers within the hour: the owner, at home on a browser they
    have not trusted, still gets their reset code."""
    for browser in strangers(10):
        assert ask_reset(browser, user.email) == 200
        clock.advance(5 * 60)  # spread over the hour
    owner = from_ip("192.0.2.12")
    assert ask_reset(owner, user.email) == 200
    assert mailoutbox[-1].to == [user.email]
    response = owner.post(RESET, {"code": last_code(mailoutbox[-1].body)})
    assert response["Location"] == RESET
    assert page_status(owner.get(RESET)) == "needs_new_password"


@pytest.mark.parametrize("trigger", ["reset", "passwordless"])
def test_the_ceiling_does_not_apply_to_a_browser_the_owner_trusts(
    user, trusted_browser, mailoutbox, trigger
):
    statuses = [TRIGGERS[trigger](browser, user.email) for browser in strangers(CEILING + 1)]
    assert statuses[-1] == 429
    # A new browser, even at a fresh address, meets the ceiling ...
    assert TRIGGERS[trigger](from_ip("192.0.2.13"), user.email) == 429
    # ... the owner's trusted browser does not.
    before = mails_to(mailoutbox, user.email)
    assert TRIGGERS[trigger](trusted_browser, user.email) == 200
    assert mails_to(mailoutbox, user.email) == before + 1
    code = last_code(mailoutbox[-1].body)
    page = RESET if trigger == "reset" else FACTOR_ONE
    data = {"code": code} if trigger == "reset" else {"strategy": "email_code", "code": code}
    response = trusted_browser.post(page, data)
    assert response.status_code == 302, error_codes(response)


# --- one stranger's share --------------------------------------------------------------------


def test_one_address_gets_three_sends_a_minute_for_one_address(user, make_user, mailoutbox):
    attacker = "203.0.113.50"
    statuses = [ask_reset(from_ip(attacker), user.email) for _ in range(PER_IP_MINUTE + 1)]
    assert statuses == [200] * PER_IP_MINUTE + [429]
    assert mails_to(mailoutbox, user.email) == PER_IP_MINUTE
    # The limit is this network address's share for this address, nobody else's.
    assert ask_reset(from_ip("203.0.113.51"), user.email) == 200
    other = make_user(email="grace@example.com")
    assert ask_reset(from_ip(attacker), other.email) == 200


def test_one_address_gets_ten_sends_an_hour_for_one_address(user, mailoutbox):
    attacker = "203.0.113.60"
    statuses = []
    for _ in range(PER_IP_HOUR + 1):
        statuses.append(ask_reset(from_ip(attacker), user.email))
        clock.advance(61)  # past the per-minute window each time
    assert statuses == [200] * PER_IP_HOUR + [429]
    assert mails_to(mailoutbox, user.email) == PER_IP_HOUR


def test_every_anonymous_trigger_spends_the_same_share(user, instance, mailoutbox):
    """Resets, passwordless starts and sign-ups with the address are one budget per
    requesting address: switching trigger gains nothing."""
    instance(enumeration_protection="strict")
    attacker = "203.0.113.70"
    statuses = [
        ask_reset(from_ip(attacker), user.email),
        start_passwordless(from_ip(attacker), user.email),
        sign_up_with(from_ip(attacker), user.email),
        start_passwordless(from_ip(attacker), user.email),
    ]
    assert statuses == [200, 200, 200, 429]
    assert mails_to(mailoutbox, user.email) == 3
