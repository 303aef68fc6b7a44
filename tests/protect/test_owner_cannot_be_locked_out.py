"""A stranger who knows an address can't keep its owner out (SPEC 9, issue 16 point 1).

The attacker posts wrong passwords for the victim's address from many network addresses, as
fast as the limits let them. Their failures lock the account for every client the owner has
not trusted, and fill the per-account failure window (`identifier_attempt`); a browser the
owner already trusts is stopped by neither, with or without MFA, on every path that checks a
password. The admin's "Unlock" clears every lock and counter of the user."""

from __future__ import annotations

import pytest
from django.test import Client

from authflows import clock
from authflows.models import AuthEvent, User
from authflows.protect.ratelimit import LIMITS
from tests.conftest import PASSWORD, error_codes, sign_in
from tests.protect.conftest import (
    ADMIN_PASSWORD,
    from_ip,
    sign_in_with_totp,
    start_of_an_hour,
    strangers,
    totp_code,
)

pytestmark = [pytest.mark.django_db, pytest.mark.ratelimit]
WRONG = "not-the-password-at-all"
FACTOR_ONE = "/sign-in/factor-one/"
ATTACK = 30  # wrong passwords in one minute, three times the per-account window


@pytest.fixture(autouse=True)
def _start_of_an_hour() -> None:
    start_of_an_hour()


def attack(identifier: str, count: int = ATTACK, *, first: int = 0) -> list[tuple[int, list[str]]]:
    """`count` wrong passwords for `identifier`, each from a new browser at a new address."""
    answers = []
    for browser in strangers(count, first=first):
        response = sign_in(browser, identifier, WRONG)
        answers.append((response.status_code, error_codes(response)))
    return answers


def signed_in_as(client: Client, user: User) -> bool:
    return client.session.get("_auth_user_id") == str(user.pk)


def owner_signs_in(client: Client, user: User) -> None:
    response = sign_in(client, user.email)
    assert response.status_code == 302, (response.status_code, error_codes(response))
    assert response["Location"] == "/"
    assert signed_in_as(client, user)


# --- the owner's trusted browser ---------------------------------------------------------------


def test_strangers_lock_the_account_but_not_the_owners_trusted_browser(user, trusted_browser):
    answers = attack(user.email)
    limit = 10  # the Dashboard's default maximum
    assert answers[:limit] == [(400, ["form_password_incorrect"])] * limit
    assert answers[limit:] == [(400, ["user_locked"])] * (ATTACK - limit)
    assert User.objects.get(pk=user.pk).locked_until is not None
    owner_signs_in(trusted_browser, user)


@pytest.mark.parametrize("lockout", [{"lockout_enabled": False}, {"lockout_max_attempts": 100}])
def test_a_full_failure_window_does_not_stop_the_owners_trusted_browser(
    user, instance, trusted_browser, lockout
):
    """With the lock out of the way, strangers fill the per-account window: untrusted
    clients get 429, the trusted browser signs in as if nothing happened."""
    instance(**lockout)
    answers = attack(user.email)
    limit, _window = LIMITS["identifier_attempt"]
    assert [status for status, _codes in answers] == [400] * limit + [429] * (ATTACK - limit)
    owner_signs_in(trusted_browser, user)


def test_the_trusted_browser_is_not_stopped_on_the_factor_one_password_either(
    user, trusted_browser
):
    """The password chosen through "use another method" is the same check, with the same
    exemption for the owner's trusted browser."""
    attack(user.email)
    start = trusted_browser.post("/sign-in/", {"identifier": user.email, "action": "passwordless"})
    assert start["Location"] == FACTOR_ONE
    trusted_browser.get(FACTOR_ONE + "?strategy=password")
    response = trusted_browser.post(FACTOR_ONE, {"strategy": "password", "password": PASSWORD})
    assert response.status_code == 302, error_codes(response)
    assert response["Location"] == "/"
    assert signed_in_as(trusted_browser, user)


@pytest.mark.parametrize("lockout", [{}, {"lockout_enabled": False}])
def test_an_mfa_owner_reaches_and_passes_factor_two_on_a_trusted_browser(
    user, instance, totp_device, lockout
):
    instance(client_trust=True, **lockout)
    owner = from_ip("192.0.2.10")
    assert sign_in_with_totp(owner, totp_device, user.email)["Location"] == "/"
    owner.post("/sign-out/")

    attack(user.email)

    response = sign_in(owner, user.email)
    assert response.status_code == 302, error_codes(response)
    assert response["Location"] == "/sign-in/factor-two/"
    response = owner.post(
        "/sign-in/factor-two/", {"code": totp_code(totp_device, 1), "strategy": "totp"}
    )
    assert response.status_code == 302, error_codes(response)
    assert response["Location"] == "/"
    assert signed_in_as(owner, user)


# --- the failures still count for everyone else ------------------------------------------------


def test_the_owners_untrusted_browser_is_locked_like_the_strangers(user, trusted_browser):
    attack(user.email, 10)
    new_browser = from_ip("192.0.2.20")
    assert error_codes(sign_in(new_browser, user.email)) == ["user_locked"]
    assert not signed_in_as(new_browser, user)


def test_the_window_still_stops_untrusted_clients_without_a_lockout(user, instance):
    instance(client_trust=False, lockout_enabled=False)
    limit, _window = LIMITS["identifier_attempt"]
    attack(user.email, limit)
    response = sign_in(from_ip("192.0.2.21"), user.email)
    assert response.status_code == 429
    assert int(response["Retry-After"]) <= 61


def test_right_passwords_spend_nothing_of_the_window(user, instance):
    """Only failures count: the owner signing in from fifteen new browsers in a minute is
    never refused, and strangers still have exactly the window's failures left after."""
    instance(client_trust=False, lockout_enabled=False)
    for browser in strangers(15, first=100):
        response = sign_in(browser, user.email)
        assert response.status_code == 302, (response.status_code, error_codes(response))
        assert signed_in_as(browser, user)
    limit, _window = LIMITS["identifier_attempt"]
    answers = attack(user.email, limit + 1)
    assert [status for status, _codes in answers] == [400] * limit + [429]


# --- the admin's Unlock ------------------------------------------------------------------------


def test_admin_unlock_clears_the_account_lock_device_locks_and_the_window(
    user, trusted_browser, admin_user, signed_in
):
    # The owner's own browser locked itself (its own count) ...
    for _ in range(10):
        assert error_codes(sign_in(trusted_browser, user.email, WRONG)) == [
            "form_password_incorrect"
        ]
        clock.advance(2.6)  # the browser's address stays under its own per-IP limit
    assert error_codes(sign_in(trusted_browser, user.email)) == ["user_locked"]
    # ... and strangers locked the account and filled its failure window.
    attack(user.email, LIMITS["identifier_attempt"][0])
    assert error_codes(sign_in(from_ip("192.0.2.30"), user.email)) == ["user_locked"]

    admin = signed_in(admin_user, ADMIN_PASSWORD, REMOTE_ADDR="192.0.2.250")
    unlock = admin.post(
        "/admin/authflows/user/", {"action": "unlock_users", "_selected_action": [user.pk]}
    )
    assert unlock.status_code == 302
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.USER_UNLOCKED, user=user).count() == 1

    # Within the same minute: the device lock, the account lock and the window are gone.
    owner_signs_in(trusted_browser, user)
    new_browser = from_ip("192.0.2.31")
    response = sign_in(new_browser, user.email)
    assert response.status_code == 302, (response.status_code, error_codes(response))
    assert response["Location"] == "/sign-in/client-trust/"
    # Strangers start from nothing again: the full window of failures before a refusal.
    answers = attack(user.email, 9, first=200)
    assert answers == [(400, ["form_password_incorrect"])] * 9
