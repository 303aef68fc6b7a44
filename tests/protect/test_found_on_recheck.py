"""What a re-check of the whole product for the same classes of mistake found (each is in
the README's threat model): budgets a stranger could spend, a lock a cache restart lifted,
a method a passwordless account could not remove."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from authflows import clock
from authflows.models import TrustedClient, User
from tests.conftest import PASSWORD, error_codes, last_code, sign_in
from tests.protect.conftest import from_ip, totp_code

pytestmark = pytest.mark.django_db
WRONG = "not-the-password-0"


def fail(browser: Client, times: int) -> list[list[str]]:
    return [error_codes(sign_in(browser, "ada@example.com", WRONG)) for _ in range(times)]


@pytest.mark.ratelimit
def test_a_strangers_wrong_sign_up_codes_spend_nothing_of_the_owners_account(
    user, instance, mailoutbox
):
    """Strict enumeration lets a stranger start a sign-up with the owner's address; the codes
    they guess there belong to no account, so they fill neither its lock nor its window."""
    instance(enumeration_protection="strict", lockout_max_attempts=5, client_trust=False)
    for n in range(12):
        stranger = from_ip(f"198.51.100.{n}")
        stranger.post(
            "/sign-up/", {"emailAddress": "ada@example.com", "password": "x" * 12 + "a9!"}
        )
        stranger.get("/sign-up/verify-email-address/")
        stranger.post("/sign-up/verify-email-address/", {"code": "000000", "action": "verify"})
    owner = from_ip("203.0.113.50")
    assert sign_in(owner, "ada@example.com")["Location"] == "/"
    assert User.objects.get(pk=user.pk).locked_until is None


def test_a_trusted_devices_own_lock_outlives_a_cache_restart(user, trusted_browser):
    """Locks live in the database: a restarted (emptied) cache lifts none of them."""
    assert fail(trusted_browser, 10)[-1] == ["form_password_incorrect"]
    assert TrustedClient.objects.get(user=user).locked_until is not None
    cache.clear()
    assert error_codes(sign_in(trusted_browser, "ada@example.com")) == ["user_locked"]


def test_an_accounts_lock_outlives_a_cache_restart(user, instance):
    instance(client_trust=False)
    stranger = Client()
    fail(stranger, 10)
    cache.clear()
    assert error_codes(sign_in(stranger, "ada@example.com")) == ["user_locked"]
    assert error_codes(sign_in(Client(), "ada@example.com")) == ["user_locked"]


@pytest.fixture
def passwordless_mfa_user(make_user, instance):  # type: ignore[no-untyped-def]
    """An account without a password (it signs in by emailed code) that has an app."""
    instance(client_trust=False)
    owner = make_user(email="pat@example.com", password=None)
    TOTPDevice.objects.create(user=owner, name="app", confirmed=True)
    return owner


def _sign_in_passwordless(browser: Client, owner: User, mailoutbox) -> None:  # type: ignore[no-untyped-def]
    browser.post("/sign-in/", {"identifier": owner.email, "action": "passwordless"})
    browser.get("/sign-in/factor-one/")
    browser.post(
        "/sign-in/factor-one/", {"strategy": "email_code", "code": last_code(mailoutbox[-1].body)}
    )
    device = TOTPDevice.objects.get(user=owner)
    response = browser.post("/sign-in/factor-two/", {"strategy": "totp", "code": totp_code(device)})
    assert response["Location"] == "/"


def test_a_passwordless_account_removes_a_method_after_proving_itself_by_code(
    passwordless_mfa_user, mailoutbox
):
    browser = Client()
    _sign_in_passwordless(browser, passwordless_mfa_user, mailoutbox)
    page = browser.get("/user/mfa/totp/remove/").content.decode()
    assert 'name="password"' not in page  # no password to re-enter
    clock.advance(11 * 60)  # the sign-in is no longer a recent proof
    refused = browser.post("/user/mfa/totp/remove/", {"action": "verify"})
    assert error_codes(refused) == ["reverification_required"]
    assert TOTPDevice.objects.filter(user=passwordless_mfa_user).exists()
    sent = len(mailoutbox)
    assert browser.get("/user/verify/").status_code == 200
    assert len(mailoutbox) == sent + 1  # a code to the account's address
    code = last_code(mailoutbox[-1].body)
    assert browser.post("/user/verify/", {"code": code, "action": "verify"})["Location"] == "/user/"
    done = browser.post("/user/mfa/totp/remove/", {"action": "verify"})
    assert done["Location"] == "/user/"
    assert not TOTPDevice.objects.filter(user=passwordless_mfa_user).exists()


def test_a_wrong_reverification_code_counts_like_any_code(passwordless_mfa_user, mailoutbox):
    browser = Client()
    _sign_in_passwordless(browser, passwordless_mfa_user, mailoutbox)
    browser.get("/user/verify/")
    answers = [
        error_codes(browser.post("/user/verify/", {"code": "000000", "action": "verify"}))
        for _ in range(5)
    ]
    assert answers[0] == ["form_code_incorrect"]
    assert answers[-1] == ["verification_failed"]


def test_the_password_re_entered_on_the_account_page_goes_through_the_gate(
    user, signed_in, instance
):
    """Not only /sign-in/: a password typed anywhere fills the same counts."""
    instance(lockout_max_attempts=5)
    browser = signed_in()
    for _ in range(5):
        browser.post("/user/verify/", {"password": WRONG, "action": "verify"})
    assert error_codes(browser.post("/user/verify/", {"password": PASSWORD})) == ["user_locked"]
