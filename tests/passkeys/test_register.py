"""Adding a passkey: after a recent proof of identity, with the Dashboard's passkeys on, once
per credential, at most ten; audited and announced to the owner."""

from __future__ import annotations

from webauthn.helpers import base64url_to_bytes

from authflows import clock
from authflows.flows.passkeys.store import MAX_PASSKEYS
from authflows.models import AuthEvent, Passkey, PasskeyChallenge, WebAuthnUser
from tests.conftest import PASSWORD
from tests.passkeys.conftest import (
    REGISTER,
    REGISTER_OPTIONS,
    error_code,
    options,
    post_json,
    register,
)


def test_a_passkey_is_added_and_the_owner_told(
    user, passkeys_on, signed_in, authenticator, mailoutbox
):
    browser = signed_in(user)
    mailoutbox.clear()
    response = register(browser, authenticator, name="  My   laptop ")
    assert response.status_code == 200, response.content
    assert response.json() == {"redirect": "/user/#passkeys"}
    passkey = Passkey.objects.get(user=user)
    key = authenticator.keys[0]
    assert passkey.name == "My laptop"
    assert passkey.sign_count == 1 and passkey.transports == ["internal"]
    assert passkey.public_key == key.cose_public_key()
    event = AuthEvent.objects.get(kind=AuthEvent.Kind.PASSKEY_ADDED)
    assert (event.user, event.data["name"]) == (user, "My laptop")
    assert [m.subject for m in mailoutbox] == ["A passkey was added to your account"]
    assert "My laptop" in mailoutbox[0].body
    page = browser.get("/user/").content.decode()
    assert "My laptop" in page and 'id="passkeys"' in page


def test_the_user_handle_is_random_and_kept(user, make_user, passkeys_on, signed_in):
    browser = signed_in(user)
    first = options(browser, REGISTER_OPTIONS)["user"]["id"]
    assert options(browser, REGISTER_OPTIONS)["user"]["id"] == first
    handle = WebAuthnUser.objects.get(user=user).handle
    assert handle == first and len(base64url_to_bytes(handle)) == 64
    other = options(signed_in(make_user(email="eve@example.com")), REGISTER_OPTIONS)
    assert other["user"]["id"] != handle


def test_adding_needs_a_recent_proof_of_identity(user, passkeys_on, signed_in, authenticator):
    browser = signed_in(user)
    clock.advance(11 * 60)
    page = browser.get("/user/passkeys/add/")
    assert page.status_code == 302 and page["Location"].startswith("/user/verify/")
    assert error_code(post_json(browser, REGISTER_OPTIONS)) == "reverification_required"
    browser.post("/user/verify/", {"password": PASSWORD, "action": "verify"})
    assert browser.get("/user/passkeys/add/").status_code == 200
    assert register(browser, authenticator).status_code == 200


def test_the_options_exclude_the_users_passkeys(user, passkeys_on, signed_in, authenticator):
    browser = signed_in(user)
    register(browser, authenticator)
    excluded = options(browser, REGISTER_OPTIONS)["excludeCredentials"]
    assert [e["id"] for e in excluded] == [Passkey.objects.get().credential_id]


def test_a_challenge_is_used_once_and_expires(user, passkeys_on, signed_in, authenticator):
    browser = signed_in(user)
    answer = authenticator.create(options(browser, REGISTER_OPTIONS))
    assert post_json(browser, REGISTER, {"credential": answer}).status_code == 200
    again = post_json(browser, REGISTER, {"credential": answer})
    assert error_code(again) == "passkey_challenge_invalid"
    late = authenticator.create(options(browser, REGISTER_OPTIONS))
    clock.advance(6 * 60)
    browser.post("/user/verify/", {"password": PASSWORD, "action": "verify"})
    assert error_code(post_json(browser, REGISTER, {"credential": late})) == (
        "passkey_challenge_invalid"
    )
    assert Passkey.objects.count() == 1


def test_another_users_challenge_is_not_accepted(
    user, make_user, passkeys_on, signed_in, authenticator
):
    mine, theirs = signed_in(user), signed_in(make_user(email="eve@example.com"))
    answer = authenticator.create(options(mine, REGISTER_OPTIONS))
    assert error_code(post_json(theirs, REGISTER, {"credential": answer})) == (
        "passkey_challenge_invalid"
    )


def test_a_foreign_origin_or_no_user_verification_is_refused(
    user, passkeys_on, signed_in, authenticator
):
    browser = signed_in(user)
    phished = authenticator.create(options(browser, REGISTER_OPTIONS), origin="https://evil.test")
    response = post_json(browser, REGISTER, {"credential": phished})
    assert (response.status_code, error_code(response)) == (400, "passkey_registration_failed")
    authenticator.user_verified = False
    unverified = register(browser, authenticator)
    assert error_code(unverified) == "passkey_registration_failed"
    assert not Passkey.objects.exists()
    failed = AuthEvent.objects.filter(kind=AuthEvent.Kind.PASSKEY_FAILED, user=user)
    assert failed.count() == 2
    assert not user.__class__.objects.get(pk=user.pk).locked_until  # never toward the lock


def test_one_credential_is_registered_once(user, passkeys_on, signed_in, authenticator):
    browser = signed_in(user)
    register(browser, authenticator)
    again = register(browser, authenticator, key=authenticator.keys[0])
    assert error_code(again) == "passkey_already_exists"
    assert Passkey.objects.count() == 1


def test_at_most_ten_passkeys(user, passkeys_on, signed_in, authenticator):
    browser = signed_in(user)
    for _ in range(MAX_PASSKEYS):
        assert register(browser, authenticator).status_code == 200
    assert error_code(post_json(browser, REGISTER_OPTIONS)) == "passkey_limit_reached"
    page = browser.get("/user/").content.decode()
    assert "/user/passkeys/add/" not in page


def test_nothing_without_passkeys_on_or_signed_out(
    user, instance, signed_in, authenticator, client
):
    browser = signed_in(user)
    assert error_code(post_json(browser, REGISTER_OPTIONS)) == "strategy_for_user_invalid"
    assert 'id="passkeys"' not in browser.get("/user/").content.decode()
    assert browser.get("/user/passkeys/add/")["Location"] == "/user/#passkeys"
    instance(passkeys_enabled=True)
    assert error_code(post_json(client, REGISTER_OPTIONS)) == "passkey_sign_in_required"
    assert post_json(client, REGISTER, {"credential": {}}).status_code == 400
    assert not PasskeyChallenge.objects.exists()
