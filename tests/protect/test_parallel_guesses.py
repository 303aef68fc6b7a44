"""Parallel guesses never pass the lockout maximum, and every path that checks a secret goes
through the same per-account limit (SPEC 6 and 9, issue 16 point 3).

The attacker knows the password (or is at the code step already) and posts many wrong
codes at the same moment, each from its own browser, hoping that every request reads the
failure count before any of them writes it. Each attempt is reserved before its secret is
checked, so of 30 simultaneous wrong guesses with a maximum of 10, exactly 10 are checked,
the rest are refused as locked, the account locks once and its owner gets one email.

The races run on PostgreSQL with real threads and connections (make test-postgres); the
serial checks of the shared limit run everywhere."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from authflows.models import AuthEvent, TrustedClient, User
from authflows.protect.ratelimit import LIMITS
from tests.conftest import PASSWORD, error_codes, last_code, sign_in
from tests.protect.conftest import start_of_an_hour, strangers, totp_code
from tests.protect.test_races import race

pytestmark = pytest.mark.django_db(transaction=True)
on_postgres = pytest.mark.postgres

GUESSES = 30
MAXIMUM = 10
WRONG = "not-the-password-at-all"
FACTOR_ONE = "/sign-in/factor-one/"
LOCKED_SUBJECT = "account was locked"


def browsers(count: int, arrive: Callable[[Client], object]) -> list[Client]:
    """`count` new browsers, each brought to the step under attack by `arrive`."""
    made = [Client() for _ in range(count)]
    for browser in made:
        arrive(browser)
    return made


def lock_emails(mailoutbox: list) -> int:  # type: ignore[type-arg]
    return sum(1 for message in mailoutbox if LOCKED_SUBJECT in message.subject)


def assert_exactly_the_maximum_checked(
    answers: list[list[str]],
    refused_code: str,
    user: User,
    kind: str,
    mailoutbox: list,  # type: ignore[type-arg]
) -> None:
    assert answers.count([refused_code]) == MAXIMUM, answers
    assert answers.count(["user_locked"]) == GUESSES - MAXIMUM, answers
    assert AuthEvent.objects.filter(kind=kind, user=user).count() == MAXIMUM
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.USER_LOCKED, user=user).count() == 1
    assert User.objects.get(pk=user.pk).locked_until is not None
    assert lock_emails(mailoutbox) == 1


def post_together(
    tabs: list[Client], path: str, data: Callable[[int], dict[str, str]]
) -> list[list[str]]:
    return race(lambda n: error_codes(tabs[n].post(path, data(n))), len(tabs))


# --- simultaneous wrong codes ------------------------------------------------------------------


@on_postgres
@pytest.mark.parametrize("kind", ["totp", "backup_code"])
def test_simultaneous_wrong_mfa_codes_check_at_most_the_maximum(
    user, instance, totp_device, backup_codes, mailoutbox, kind
):
    instance(client_trust=False, lockout_max_attempts=MAXIMUM)

    def arrive(browser: Client) -> None:
        assert sign_in(browser, user.email)["Location"] == "/sign-in/factor-two/"

    tabs = browsers(GUESSES, arrive)
    right = {totp_code(totp_device, offset) for offset in (-1, 0, 1)}
    wrong = next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in right)
    data = (
        {"code": wrong, "strategy": "totp"}
        if kind == "totp"
        else {"code": "zzzz-zzzz", "useBackupCode": "on"}
    )
    answers = post_together(tabs, "/sign-in/factor-two/", lambda n: data)
    assert_exactly_the_maximum_checked(
        answers, "form_code_incorrect", user, AuthEvent.Kind.CODE_FAILED, mailoutbox
    )
    # Locked: not even the right code finishes a sign-in now.
    response = tabs[0].post(
        "/sign-in/factor-two/", {"code": totp_code(totp_device, 1), "strategy": "totp"}
    )
    assert error_codes(response) == ["user_locked"]


@on_postgres
def test_simultaneous_wrong_client_trust_codes_check_at_most_the_maximum(
    user, instance, mailoutbox
):
    instance(client_trust=True, lockout_max_attempts=MAXIMUM)
    sent: list[str] = []

    def arrive(browser: Client) -> None:
        assert sign_in(browser, user.email)["Location"] == "/sign-in/client-trust/"
        browser.get("/sign-in/client-trust/")
        sent.append(last_code(mailoutbox[-1].body))

    tabs = browsers(GUESSES, arrive)
    answers = post_together(
        tabs,
        "/sign-in/client-trust/",
        lambda n: {"code": f"{(int(sent[n]) + 1) % 10**6:06d}", "action": "verify"},
    )
    assert_exactly_the_maximum_checked(
        answers, "form_code_incorrect", user, AuthEvent.Kind.CODE_FAILED, mailoutbox
    )
    assert not TrustedClient.objects.filter(user=user).exists()


@on_postgres
def test_simultaneous_wrong_passwordless_codes_check_at_most_the_maximum(
    user, instance, mailoutbox
):
    instance(lockout_max_attempts=MAXIMUM)
    sent: list[str] = []

    def arrive(browser: Client) -> None:
        browser.post("/sign-in/", {"identifier": user.email, "action": "passwordless"})
        browser.get(FACTOR_ONE)
        sent.append(last_code(mailoutbox[-1].body))

    tabs = browsers(GUESSES, arrive)
    answers = post_together(
        tabs,
        FACTOR_ONE,
        lambda n: {"strategy": "email_code", "code": f"{(int(sent[n]) + 1) % 10**6:06d}"},
    )
    assert_exactly_the_maximum_checked(
        answers, "form_code_incorrect", user, AuthEvent.Kind.CODE_FAILED, mailoutbox
    )


# --- the password on factor-one is the same check as on /sign-in/ -----------------------------


def start_passwordless(browser: Client, identifier: str) -> None:
    response = browser.post("/sign-in/", {"identifier": identifier, "action": "passwordless"})
    assert response["Location"] == FACTOR_ONE
    browser.get(FACTOR_ONE + "?strategy=password")


@on_postgres
def test_simultaneous_wrong_factor_one_passwords_check_at_most_the_maximum(
    user, instance, mailoutbox
):
    instance(client_trust=False, lockout_max_attempts=MAXIMUM)
    tabs = browsers(GUESSES, lambda browser: start_passwordless(browser, user.email))
    answers = post_together(
        tabs, FACTOR_ONE, lambda n: {"strategy": "password", "password": f"{WRONG}-{n}"}
    )
    assert_exactly_the_maximum_checked(
        answers, "form_password_incorrect", user, AuthEvent.Kind.SIGN_IN_FAILED, mailoutbox
    )


@on_postgres
def test_both_password_pages_at_once_share_one_maximum(user, instance, mailoutbox):
    """Half the guesses on /sign-in/, half on factor-one, all at the same moment."""
    instance(client_trust=False, lockout_max_attempts=MAXIMUM)
    half = GUESSES // 2
    tabs = [Client() for _ in range(half)] + browsers(
        half, lambda browser: start_passwordless(browser, user.email)
    )

    def guess(n: int) -> list[str]:
        if n < half:
            return error_codes(sign_in(tabs[n], user.email, f"{WRONG}-{n}"))
        data = {"strategy": "password", "password": f"{WRONG}-{n}"}
        return error_codes(tabs[n].post(FACTOR_ONE, data))

    answers = race(guess, GUESSES)
    assert_exactly_the_maximum_checked(
        answers, "form_password_incorrect", user, AuthEvent.Kind.SIGN_IN_FAILED, mailoutbox
    )


@on_postgres
def test_a_trusted_devices_own_count_is_reserved_too(user, trusted_browser, instance, mailoutbox):
    """Thirty tabs of the owner's trusted browser guessing at once: the device's own count
    stops at the maximum and locks the device, not the account (no lock email)."""
    instance(lockout_max_attempts=MAXIMUM)
    cookies = {name: morsel.value for name, morsel in trusted_browser.cookies.items()}

    def tab() -> Client:
        copy = Client()
        for name, value in cookies.items():
            copy.cookies[name] = value
        return copy

    tabs = [tab() for _ in range(GUESSES)]
    answers = race(lambda n: error_codes(sign_in(tabs[n], user.email, f"{WRONG}-{n}")), GUESSES)
    assert answers.count(["form_password_incorrect"]) == MAXIMUM, answers
    assert answers.count(["user_locked"]) == GUESSES - MAXIMUM, answers
    assert TrustedClient.objects.get(user=user).locked_until is not None
    assert User.objects.get(pk=user.pk).locked_until is None
    assert lock_emails(mailoutbox) == 0
    # The device is locked; another browser of the owner is not.
    assert error_codes(sign_in(tabs[0], user.email)) == ["user_locked"]
    assert sign_in(Client(), user.email)["Location"] == "/sign-in/client-trust/"


# --- one limit for every path (serial, every database) -----------------------------------------


@pytest.mark.ratelimit
def test_factor_one_passwords_fill_the_same_window_as_sign_in(user, instance):
    """Wrong passwords on factor-one count in the per-account window that /sign-in/ uses:
    five on each page from ten addresses fill it, and the next check for the account from a
    client it doesn't trust is refused on either page."""
    start_of_an_hour()
    instance(client_trust=False, lockout_enabled=False)
    limit, _window = LIMITS["identifier_attempt"]
    statuses = []
    for n, browser in enumerate(strangers(limit)):
        if n % 2:
            statuses.append(sign_in(browser, user.email, WRONG).status_code)
        else:
            start_passwordless(browser, user.email)
            data = {"strategy": "password", "password": WRONG}
            statuses.append(browser.post(FACTOR_ONE, data).status_code)
    assert statuses == [400] * limit
    late_sign_in, late_factor_one = strangers(2, first=limit)
    assert sign_in(late_sign_in, user.email, PASSWORD).status_code == 429
    start_passwordless(late_factor_one, user.email)
    response = late_factor_one.post(FACTOR_ONE, {"strategy": "password", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in late_factor_one.session


def test_factor_one_passwords_lock_the_account_like_sign_in(user, instance, mailoutbox):
    instance(client_trust=False, lockout_max_attempts=MAXIMUM)
    for n, browser in enumerate(strangers(MAXIMUM)):
        if n % 2:
            assert error_codes(sign_in(browser, user.email, WRONG)) == ["form_password_incorrect"]
        else:
            start_passwordless(browser, user.email)
            data = {"strategy": "password", "password": WRONG}
            assert error_codes(browser.post(FACTOR_ONE, data)) == ["form_password_incorrect"]
    assert lock_emails(mailoutbox) == 1
    browser = strangers(1, first=MAXIMUM)[0]
    start_passwordless(browser, user.email)
    response = browser.post(FACTOR_ONE, {"strategy": "password", "password": PASSWORD})
    assert error_codes(response) == ["user_locked"]
