"""Signing in with a passkey and no identifier: the gate's protections (lockout, audit,
single-use challenges), clone detection, and nothing that tells whether an identifier has
passkeys."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from authflows import clock
from authflows.models import AuthEvent, Passkey, PasskeyChallenge, TrustedClient, User
from tests.conftest import sign_in
from tests.core.helpers import client_id_of
from tests.passkeys.authenticator import SoftAuthenticator
from tests.passkeys.conftest import (
    SIGN_IN,
    SIGN_IN_OPTIONS,
    error_code,
    is_signed_in,
    options,
    passkey_sign_in,
    post_json,
)


def test_sign_in_with_a_passkey_and_nothing_else(with_passkey, authenticator, mailoutbox, instance):
    mailoutbox.clear()
    browser = Client()
    response = passkey_sign_in(browser, authenticator)
    assert response.status_code == 200, response.content
    assert response.json() == {"redirect": "/user/"}
    assert is_signed_in(browser)
    assert not mailoutbox  # no client-trust code: a passkey proves possession
    event = AuthEvent.objects.get(kind=AuthEvent.Kind.SIGN_IN_SUCCEEDED, data__strategy="passkey")
    assert event.user == with_passkey
    # The browser is trusted for the user, as after a second factor: a later password
    # sign-in from it needs no code.
    assert TrustedClient.objects.filter(user=with_passkey, client_id=client_id_of(browser)).exists()
    passkey = Passkey.objects.get()
    assert passkey.sign_count == 2 and passkey.last_used_at is not None
    browser.post("/sign-out/")
    # With passkeys as a second factor the passkey is an MFA method: MFA wins over trust.
    assert sign_in(browser, with_passkey.email)["Location"] == "/sign-in/factor-two/"
    browser.post("/sign-in/reset/")
    instance(passkey_second_factor=False)
    assert sign_in(browser, with_passkey.email)["Location"] == "/"
    assert sign_in(Client(), with_passkey.email)["Location"] == "/sign-in/client-trust/"


def test_the_options_are_the_same_for_everyone(with_passkey, client):
    first, second = options(client, SIGN_IN_OPTIONS), options(Client(), SIGN_IN_OPTIONS)
    assert first.get("allowCredentials", []) == [] == second.get("allowCredentials", [])
    assert first["userVerification"] == "required"
    assert first["challenge"] != second["challenge"]
    assert set(first) == set(second)


def test_a_challenge_is_used_once(with_passkey, authenticator):
    browser = Client()
    answer = authenticator.get(options(browser, SIGN_IN_OPTIONS))
    assert post_json(browser, SIGN_IN, {"credential": answer}).status_code == 200
    browser.post("/sign-out/")
    replay = post_json(browser, SIGN_IN, {"credential": answer})
    assert (replay.status_code, error_code(replay)) == (400, "passkey_challenge_invalid")
    assert not is_signed_in(browser)


def test_a_challenge_expires_and_belongs_to_its_browser(with_passkey, authenticator):
    browser = Client()
    late = authenticator.get(options(browser, SIGN_IN_OPTIONS))
    clock.advance(5 * 60 + 1)
    assert error_code(post_json(browser, SIGN_IN, {"credential": late})) == (
        "passkey_challenge_invalid"
    )
    elsewhere = authenticator.get(options(browser, SIGN_IN_OPTIONS))
    other = Client()
    assert error_code(post_json(other, SIGN_IN, {"credential": elsewhere})) == (
        "passkey_challenge_invalid"
    )
    assert not is_signed_in(other)


@pytest.mark.parametrize(
    "spoil",
    [
        {"bad_signature": True},
        {"origin": "https://phishing.example"},
    ],
)
def test_a_bad_answer_is_refused_counted_and_audited(with_passkey, authenticator, spoil):
    browser = Client()
    response = passkey_sign_in(browser, authenticator, **spoil)
    assert (response.status_code, error_code(response)) == (400, "passkey_verification_failed")
    assert not is_signed_in(browser)
    failed = AuthEvent.objects.get(kind=AuthEvent.Kind.PASSKEY_FAILED)
    assert (failed.user, failed.data["strategy"]) == (with_passkey, "passkey")


def test_no_user_verification_is_refused(with_passkey, authenticator):
    authenticator.user_verified = False
    response = passkey_sign_in(Client(), authenticator)
    assert error_code(response) == "passkey_verification_failed"
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.PASSKEY_FAILED).count() == 1


def test_a_user_handle_of_someone_else_is_refused(with_passkey, authenticator):
    browser = Client()
    answer = authenticator.get(options(browser, SIGN_IN_OPTIONS))
    answer["response"]["userHandle"] = "AAAA"
    assert error_code(post_json(browser, SIGN_IN, {"credential": answer})) == (
        "passkey_verification_failed"
    )
    answer = authenticator.get(options(browser, SIGN_IN_OPTIONS))
    del answer["response"]["userHandle"]  # a passkey sign-in without an identifier needs it
    assert error_code(post_json(browser, SIGN_IN, {"credential": answer})) == (
        "passkey_verification_failed"
    )


def test_failures_lock_the_account_and_the_owner_is_told(
    with_passkey, authenticator, instance, mailoutbox
):
    instance(lockout_max_attempts=5)
    mailoutbox.clear()
    stranger = Client()
    for _ in range(5):
        assert error_code(passkey_sign_in(stranger, authenticator, bad_signature=True)) == (
            "passkey_verification_failed"
        )
    assert error_code(passkey_sign_in(stranger, authenticator)) == "user_locked"
    assert User.objects.get(pk=with_passkey.pk).locked_until is not None
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.PASSKEY_FAILED).count() == 5
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.USER_LOCKED).count() == 1
    assert [m.to for m in mailoutbox] == [[with_passkey.email]]
    assert not is_signed_in(stranger)


def test_an_unknown_passkey_counts_for_no_account(with_passkey, instance):
    instance(lockout_max_attempts=5)
    stranger = SoftAuthenticator()  # a key this site never registered
    stranger.create({"rp": {"id": "testserver"}, "user": {"id": "AAAA"}, "challenge": "AAAA"})
    browser = Client()
    for _ in range(7):
        answer = stranger.get(options(browser, SIGN_IN_OPTIONS))
        assert error_code(post_json(browser, SIGN_IN, {"credential": answer})) == (
            "passkey_verification_failed"
        )
    assert User.objects.get(pk=with_passkey.pk).locked_until is None
    failed = AuthEvent.objects.filter(kind=AuthEvent.Kind.PASSKEY_FAILED)
    assert failed.count() == 7 and not failed.exclude(user=None).exists()


def test_a_copy_of_the_key_is_refused_and_audited_as_a_possible_clone(with_passkey, authenticator):
    assert passkey_sign_in(Client(), authenticator).status_code == 200  # counter now 2
    original = authenticator.keys[0]
    copied = authenticator.copy_of(original, sign_count=0)
    response = passkey_sign_in(Client(), authenticator, key=copied)  # reports 1
    assert error_code(response) == "passkey_verification_failed"
    clone = AuthEvent.objects.get(kind=AuthEvent.Kind.PASSKEY_CLONE_SUSPECTED)
    assert clone.user == with_passkey
    assert (clone.data["stored"], clone.data["received"]) == (2, 1)
    assert Passkey.objects.get().sign_count == 2  # the stored counter did not go back
    # The original key, whose counter keeps going forward, still signs in.
    assert passkey_sign_in(Client(), authenticator, key=original).status_code == 200


def test_authenticators_without_a_counter_keep_working(user, passkeys_on, signed_in, authenticator):
    from tests.passkeys.conftest import register

    register(signed_in(user), authenticator)
    Passkey.objects.update(sign_count=0)
    for _ in range(2):
        assert passkey_sign_in(Client(), authenticator, sign_count=0).status_code == 200


def test_an_inactive_account_does_not_sign_in(with_passkey, authenticator):
    User.objects.filter(pk=with_passkey.pk).update(is_active=False)
    assert error_code(passkey_sign_in(Client(), authenticator)) == "passkey_verification_failed"


def test_signed_in_already(with_passkey, authenticator, signed_in, instance):
    instance(passkey_second_factor=False)
    browser = signed_in(with_passkey)
    assert error_code(post_json(browser, SIGN_IN_OPTIONS)) == "session_exists"


def test_the_dashboard_turns_the_first_factor_on_and_off(with_passkey, instance, authenticator):
    page = Client().get("/sign-in/").content.decode()
    assert "Sign in with a passkey" in page
    assert 'autocomplete="username webauthn"' in page
    assert "authflows/passkeys.js" in page
    instance(passkey_first_factor=False)
    page = Client().get("/sign-in/").content.decode()
    assert "Sign in with a passkey" not in page and "passkeys.js" not in page
    assert 'autocomplete="username"' in page
    assert error_code(post_json(Client(), SIGN_IN_OPTIONS)) == "strategy_for_user_invalid"
    instance(passkey_first_factor=True, passkeys_enabled=False)
    assert "Sign in with a passkey" not in Client().get("/sign-in/").content.decode()
    assert error_code(post_json(Client(), SIGN_IN, {"credential": {}})) == (
        "strategy_for_user_invalid"
    )


@pytest.mark.parametrize("strict", [False, True])
def test_nothing_tells_whether_an_identifier_has_passkeys(make_user, instance, signed_in, strict):
    """The identifier's offer (factor-one), its page and the sign-in page are the same for
    an account with passkeys and one without."""
    from tests.passkeys.conftest import register

    instance(passkeys_enabled=True, email_link_sign_in=True)
    if strict:
        instance(enumeration_protection="strict")
    with_keys, without = make_user(email="keys@example.com"), make_user(email="none@example.com")
    register(signed_in(with_keys), SoftAuthenticator())

    def offer(email: str) -> tuple[object, ...]:
        browser = Client()
        response = browser.post("/sign-in/", {"identifier": email, "action": "passwordless"})
        page = browser.get(response["Location"]).content.decode()
        page = re.sub(r'value="[^"]{20,}"', "", page).replace(email, "")
        page = page.replace(f"{email[0]}•••@", "")  # the masked address the code went to
        return response.status_code, response["Location"], page

    assert offer("keys@example.com") == offer("none@example.com")
    assert "passkey" not in offer("keys@example.com")[2].lower()
    assert without


def test_garbage_is_refused_without_an_error_page(with_passkey, client):
    bodies = [b"", b"null", b"[]", b'{"credential": 5}', b'{"credential": {"id": "x"}}', b"\xff"]
    bodies.append(b'{"credential": {"id": "' + b"A" * 70000 + b'"}}')
    for url in (SIGN_IN, SIGN_IN_OPTIONS):
        for body in bodies:
            response = client.post(url, body, content_type="application/json")
            assert response.status_code in (200, 400, 422), (url, body[:20], response.status_code)
    assert client.get(SIGN_IN).status_code == 405
    form = client.post(SIGN_IN, {"credential": "x"})
    assert (form.status_code, error_code(form)) == (422, "form_param_format_invalid")


def test_old_challenges_are_pruned(with_passkey, client):
    from authflows.flows.housekeeping import prune

    options(client, SIGN_IN_OPTIONS)
    live = PasskeyChallenge.objects.count()
    clock.advance(2 * 24 * 3600)
    assert prune().passkey_challenges == live
    assert not PasskeyChallenge.objects.exists()
