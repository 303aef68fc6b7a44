"""Look-alike spellings of one address are one address: one account, one budget, one mailbox
(SPEC 9, issue 16 point 6).

Django's mail layer delivers `alice@\uff45xample.com` (a fullwidth e), `ALICE@EXAMPLE.COM` and
`alice@bücher.example` / `alice@xn--bcher-kva.example` to the same mailbox as their plain
spellings. An attacker uses the variants to open a second account on someone's address, or
to get a fresh per-address send budget for each spelling."""

from __future__ import annotations

import pytest
from django.test import Client

from authflows.models import User
from authflows.protect.ratelimit import LIMITS
from tests.conftest import error_codes, last_code, sign_in
from tests.protect.conftest import from_ip, start_of_an_hour, strangers
from tests.signup.helpers import follow_sign_up

pytestmark = pytest.mark.django_db

ALICE = "alice@example.com"
NEW_PASSWORD = "correct-horse-battery-staple-71"
RESET = "/sign-in/reset-password/"


def fullwidth(text: str) -> str:
    """The same characters from the Unicode fullwidth block (NFKC maps them back)."""
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def lookalikes(local: str) -> list[str]:
    plain = f"{local}@example.com"
    return [
        f"{local}@\uff45xample.com",  # a fullwidth e
        plain.upper(),
        plain.title(),
        fullwidth(plain),
        f" {plain} ",
    ]


LOOKALIKES = lookalikes("alice")
UNICODE_DOMAIN = ["bob@b\u00fccher.example", "bob@xn--bcher-kva.example", "BOB@B\u00dcCHER.EXAMPLE"]


@pytest.fixture
def alice(make_user):  # type: ignore[no-untyped-def]
    return make_user(email=ALICE)


def sign_up(browser: Client, address: str):  # type: ignore[no-untyped-def]
    return browser.post("/sign-up/", {"emailAddress": address, "password": NEW_PASSWORD})


# --- one account ----------------------------------------------------------------------------


@pytest.mark.parametrize("address", LOOKALIKES)
def test_a_lookalike_is_taken_at_sign_up(alice, address):
    response = sign_up(Client(), address)
    assert response.status_code == 400
    assert error_codes(response) == ["form_identifier_exists"]
    assert User.objects.count() == 1


@pytest.mark.parametrize("address", LOOKALIKES)
def test_strict_a_lookalike_sign_up_tells_the_owner_and_opens_no_account(
    alice, instance, mailoutbox, address
):
    instance(enumeration_protection="strict")
    browser = Client()
    response = sign_up(browser, address)
    assert response["Location"] == "/sign-up/verify-email-address/"
    assert browser.get(response["Location"]).status_code == 200
    [notice] = mailoutbox
    assert notice.to == [ALICE]
    assert "already has an account" in notice.body
    browser.post("/sign-up/verify-email-address/", {"code": "123456"})
    assert User.objects.count() == 1


@pytest.mark.parametrize("address", LOOKALIKES)
def test_a_lookalike_signs_in_to_the_one_account(alice, instance, address):
    instance(client_trust=False)
    browser = Client()
    response = sign_in(browser, address)
    assert response.status_code == 302, error_codes(response)
    assert browser.session["_auth_user_id"] == str(alice.pk)


@pytest.mark.parametrize("stored", UNICODE_DOMAIN)
def test_a_unicode_domain_is_one_address_in_both_spellings(make_user, instance, stored):
    instance(client_trust=False)
    bob = make_user(email=stored)
    assert User.objects.get(pk=bob.pk).email == "bob@xn--bcher-kva.example"
    for spelling in UNICODE_DOMAIN:
        assert error_codes(sign_up(Client(), spelling)) == ["form_identifier_exists"]
        browser = Client()
        assert sign_in(browser, spelling).status_code == 302
        assert browser.session["_auth_user_id"] == str(bob.pk)


def test_a_lookalike_sign_up_of_a_free_address_stores_the_plain_spelling(db, mailoutbox):
    browser = Client()
    response = sign_up(browser, "Carol@\uff25XAMPLE.com")
    assert response["Location"] == "/sign-up/verify-email-address/"
    browser.get(response["Location"])
    assert mailoutbox[-1].to == ["carol@example.com"]
    follow_sign_up(
        browser, browser.post(response["Location"], {"code": last_code(mailoutbox[-1].body)})
    )
    assert User.objects.get().email == "carol@example.com"
    assert error_codes(sign_up(Client(), "carol@example.com")) == ["form_identifier_exists"]


# --- one budget -----------------------------------------------------------------------------


def ask_reset(browser: Client, address: str) -> int:
    response = browser.post(RESET, {"identifier": address})
    assert response.status_code == 302, error_codes(response)
    return browser.get(RESET).status_code


@pytest.mark.ratelimit
def test_lookalikes_share_one_sends_per_address_from_one_network_address(alice, mailoutbox):
    start_of_an_hour()
    per_minute = LIMITS["anon_send_address_ip"][0]
    statuses = [ask_reset(from_ip("203.0.113.80"), address) for address in LOOKALIKES]
    assert statuses == [200] * per_minute + [429] * (len(LOOKALIKES) - per_minute)
    assert [message.to for message in mailoutbox] == [[ALICE]] * per_minute


def case_variants(address: str, count: int) -> list[str]:
    """`count` different spellings of `address` by letter case."""
    letters = [i for i, ch in enumerate(address) if ch.isalpha()]
    variants = []
    for n in range(count):
        chars = list(address)
        for bit, index in enumerate(letters):
            if n >> bit & 1:
                chars[index] = chars[index].upper()
        variants.append("".join(chars))
    return variants


@pytest.mark.ratelimit
def test_lookalikes_from_many_network_addresses_meet_one_ceiling(alice, mailoutbox):
    """Mail bombing with a new spelling from each network address: one ceiling for all."""
    start_of_an_hour()
    ceiling = LIMITS["anon_send_address_hourly"][0]
    spellings = case_variants(ALICE, ceiling + 5)
    statuses = [
        ask_reset(browser, address)
        for browser, address in zip(strangers(ceiling + 5), spellings, strict=True)
    ]
    assert statuses == [200] * ceiling + [429] * 5
    assert {tuple(message.to) for message in mailoutbox} == {(ALICE,)}
    assert len(mailoutbox) == ceiling


@pytest.mark.ratelimit
def test_strict_lookalikes_of_an_unknown_address_share_one_budget(instance, mailoutbox):
    """No account behind the address: the decoy sends still spend one budget per address."""
    start_of_an_hour()
    instance(enumeration_protection="strict")
    ghost = lookalikes("ghost")
    per_minute = LIMITS["anon_send_address_ip"][0]
    statuses = [ask_reset(from_ip("203.0.113.81"), address) for address in ghost]
    assert statuses == [200] * per_minute + [429] * (len(ghost) - per_minute)
    assert mailoutbox == []


def test_strict_lookalikes_of_an_unknown_address_share_one_lock(instance):
    instance(enumeration_protection="strict", client_trust=False, lockout_max_attempts=5)
    spellings = case_variants("ghost@example.com", 5)
    for address in spellings:
        answer = error_codes(sign_in(Client(), address, "not-the-password-at-all"))
        assert answer == ["form_password_or_identifier_incorrect"]
    assert error_codes(sign_in(Client(), "ghost@\uff45xample.com", "x" * 12)) == ["user_locked"]
