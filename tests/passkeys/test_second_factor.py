"""A passkey as the second factor: offered beside the authenticator app, SMS and backup codes
in Clerk's order while the Dashboard allows it, checked through the same step as a code."""

from __future__ import annotations

from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from authflows.factors.backup_code import replace_codes
from authflows.models import AuthEvent, SignInAttempt, TrustedClient, User
from tests.conftest import PASSWORD, error_codes, sign_in
from tests.core.helpers import client_id_of
from tests.passkeys.conftest import (
    FACTOR_TWO,
    FACTOR_TWO_OPTIONS,
    error_code,
    is_signed_in,
    options,
    post_json,
)


def password_first(browser: Client, user: User) -> str:
    return sign_in(browser, user.email, PASSWORD)["Location"]


def attempt_of(browser: Client) -> SignInAttempt:
    return SignInAttempt.objects.get(pk=browser.session["authflows_sign_in"])


def test_the_password_then_the_passkey(with_passkey, authenticator):
    browser = Client()
    assert password_first(browser, with_passkey) == "/sign-in/factor-two/"
    assert attempt_of(browser).supported_second_factors == ["passkey"]
    page = browser.get("/sign-in/factor-two/").content.decode()
    assert "Use your passkey" in page and 'name="code"' not in page
    asked = options(browser, FACTOR_TWO_OPTIONS)
    assert [c["id"] for c in asked["allowCredentials"]] == [
        with_passkey.passkeys.get().credential_id
    ]
    response = post_json(browser, FACTOR_TWO, {"credential": authenticator.get(asked)})
    assert response.status_code == 200, response.content
    assert response.json() == {"redirect": "/"}
    assert is_signed_in(browser)
    assert TrustedClient.objects.filter(user=with_passkey, client_id=client_id_of(browser)).exists()


def test_clerks_order_app_first_then_the_passkey_then_backup_codes(with_passkey, authenticator):
    TOTPDevice.objects.create(user=with_passkey, name="app", confirmed=True)
    replace_codes(with_passkey)
    browser = Client()
    password_first(browser, with_passkey)
    assert attempt_of(browser).supported_second_factors == ["totp", "passkey", "backup_code"]
    page = browser.get("/sign-in/factor-two/").content.decode()
    assert "Enter the code from your authenticator app." in page
    assert '<a href="?strategy=passkey">Use a passkey</a>' in page
    page = browser.get("/sign-in/factor-two/?strategy=passkey").content.decode()
    assert "Use your passkey" in page and "Use your authenticator app" in page
    answer = authenticator.get(options(browser, FACTOR_TWO_OPTIONS))
    assert post_json(browser, FACTOR_TWO, {"credential": answer}).json() == {"redirect": "/"}


def test_failures_count_and_are_audited(with_passkey, authenticator, instance):
    instance(lockout_max_attempts=5)
    browser = Client()
    password_first(browser, with_passkey)
    for _ in range(5):
        answer = authenticator.get(options(browser, FACTOR_TWO_OPTIONS), bad_signature=True)
        assert error_code(post_json(browser, FACTOR_TWO, {"credential": answer})) == (
            "passkey_verification_failed"
        )
    answer = authenticator.get(options(browser, FACTOR_TWO_OPTIONS))
    assert error_code(post_json(browser, FACTOR_TWO, {"credential": answer})) == "user_locked"
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.PASSKEY_FAILED).count() == 5
    assert not is_signed_in(browser)


def test_another_users_passkey_is_refused(with_passkey, make_user, signed_in, authenticator):
    from tests.passkeys.authenticator import SoftAuthenticator
    from tests.passkeys.conftest import register

    eve = make_user(email="eve@example.com")
    eves = SoftAuthenticator()
    register(signed_in(eve), eves)
    browser = Client()
    password_first(browser, with_passkey)
    answer = eves.get(options(browser, FACTOR_TWO_OPTIONS))  # Eve's key, on Ada's sign-in
    assert error_code(post_json(browser, FACTOR_TWO, {"credential": answer})) == (
        "passkey_verification_failed"
    )
    assert not is_signed_in(browser)


def test_a_challenge_of_the_first_factor_is_not_one_of_the_second(with_passkey, authenticator):
    from tests.passkeys.conftest import SIGN_IN_OPTIONS

    browser = Client()
    first = authenticator.get(options(browser, SIGN_IN_OPTIONS))
    password_first(browser, with_passkey)
    assert error_code(post_json(browser, FACTOR_TWO, {"credential": first})) == (
        "passkey_challenge_invalid"
    )


def test_off_as_a_second_factor(with_passkey, instance, authenticator, client):
    instance(passkey_second_factor=False)
    browser = Client()
    assert password_first(browser, with_passkey) == "/sign-in/client-trust/"
    assert error_code(post_json(browser, FACTOR_TWO_OPTIONS)) == "sign_in_expired"
    assert error_code(post_json(client, FACTOR_TWO_OPTIONS)) == "sign_in_expired"


def test_the_dashboard_turning_it_off_midway_refuses_it(with_passkey, instance, authenticator):
    TOTPDevice.objects.create(user=with_passkey, name="app", confirmed=True)
    browser = Client()
    password_first(browser, with_passkey)
    answer = authenticator.get(options(browser, FACTOR_TWO_OPTIONS))
    instance(passkeys_enabled=False)  # the attempt still lists it: the post is checked anyway
    response = post_json(browser, FACTOR_TWO, {"credential": answer})
    assert response.status_code == 200  # the attempt offered it when the password was right
    browser2 = Client()
    password_first(browser2, with_passkey)
    assert attempt_of(browser2).supported_second_factors == ["totp"]
    assert error_code(post_json(browser2, FACTOR_TWO_OPTIONS)) == "strategy_for_user_invalid"


def test_a_passkey_is_never_a_typed_code(with_passkey, client):
    browser = Client()
    password_first(browser, with_passkey)
    response = browser.post("/sign-in/factor-two/", {"strategy": "passkey", "code": "123456"})
    assert response.status_code == 400
    assert "strategy_for_user_invalid" in error_codes(response)
    api = post_json(browser, "/api/sign-in/attempt/", {"action": "prepare", "strategy": "passkey"})
    assert api.status_code == 200
    api = post_json(browser, "/api/sign-in/attempt/", {"action": "attempt", "strategy": "passkey"})
    assert api.json()["errors"][0]["code"] == "strategy_for_user_invalid"
    assert not is_signed_in(browser)


def test_a_reset_with_a_passkey_as_second_factor(with_passkey, authenticator, mailoutbox):
    import re

    browser = Client()
    mailoutbox.clear()
    browser.post("/sign-in/reset-password/", {"identifier": with_passkey.email})
    browser.get("/sign-in/reset-password/")  # the code is sent on arrival
    code = re.findall(r"\b(\d{6})\b", mailoutbox[-1].body)[-1]
    response = browser.post("/sign-in/reset-password/", {"code": code, "action": "verify"})
    assert response["Location"] == "/sign-in/factor-two/"
    answer = authenticator.get(options(browser, FACTOR_TWO_OPTIONS))
    moved = post_json(browser, FACTOR_TWO, {"credential": answer})
    assert moved.json() == {"redirect": "/sign-in/reset-password/"}
    assert not is_signed_in(browser)  # nothing changes before the new password
