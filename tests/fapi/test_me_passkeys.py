"""The user's own passkeys through the Frontend API as clerk-js calls them: user.createPasskey()
(POST /me/passkeys, the creation options in verification.nonce, then attempt_verification
with the new credential), passkey.update({name}) (PATCH) and passkey.delete() (DELETE), with
the account page's rules: a recent proof of identity, the limit, never the last way to sign
in or the last MFA method Require-MFA needs. The user JSON lists them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from authflows import clock
from authflows.models import AuthEvent, Passkey
from tests.fapi.conftest import Fapi, refusal
from tests.passkeys.authenticator import SoftAuthenticator

pytestmark = pytest.mark.django_db


def sdk_registration(answer: dict[str, Any]) -> str:
    """What clerk-js posts after create(): type, id, rawId, authenticatorAttachment and the
    response's clientDataJSON, attestationObject and transports, as JSON."""
    return json.dumps({k: v for k, v in answer.items() if k != "clientExtensionResults"})


@pytest.fixture
def me(user, passkeys_on, signed_in) -> Fapi:  # type: ignore[no-untyped-def]
    """Clerk's SDK in a browser where Ada just signed in (a recent proof of identity)."""
    return Fapi(signed_in(user))


def create(me: Fapi) -> tuple[dict[str, Any], dict[str, Any]]:
    response = me.post("me/passkeys")
    assert response.status_code == 200, response.content
    pending = response.json()["response"]
    assert pending["object"] == "passkey" and pending["verification"]["status"] == "unverified"
    return pending, json.loads(pending["verification"]["nonce"])


def verify(me: Fapi, pending: dict[str, Any], answer: dict[str, Any]) -> Any:
    return me.post(
        f"me/passkeys/{pending['id']}/attempt_verification",
        strategy="passkey",
        public_key_credential=sdk_registration(answer),
    )


def add(me: Fapi, key: SoftAuthenticator) -> dict[str, Any]:
    pending, options = create(me)
    response = verify(me, pending, key.create(options))
    assert response.status_code == 200, response.content
    return response.json()


def user_passkeys(me: Fapi) -> list[dict[str, Any]]:
    return me.get("client").json()["response"]["sessions"][0]["user"]["passkeys"]


def test_create_passkey_then_sign_in_with_it(me, user, authenticator, mailoutbox):
    assert user_passkeys(me) == []
    pending, options = create(me)
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["rp"]["id"] == "testserver" and options["excludeCredentials"] == []
    mailoutbox.clear()
    body = verify(me, pending, authenticator.create(options)).json()
    added = body["response"]
    assert added["verification"]["status"] == "verified" and added["id"] != pending["id"]
    assert body["client"]["sessions"][0]["user"]["passkeys"] == [added]
    assert [m.subject for m in mailoutbox] == ["A passkey was added to your account"]
    # The new passkey signs in through the SDK's authenticateWithPasskey() elsewhere.
    other = Fapi(Client(enforce_csrf_checks=True))
    sign_in = other.post("client/sign_ins", strategy="passkey").json()["response"]
    answer = authenticator.get(json.loads(sign_in["first_factor_verification"]["nonce"]))
    done = other.step(
        sign_in,
        "attempt_first_factor",
        strategy="passkey",
        public_key_credential=json.dumps(answer),
    )
    assert done.json()["response"]["status"] == "complete"


def test_the_same_key_twice_is_refused(me, authenticator):
    add(me, authenticator)
    pending, options = create(me)
    assert len(options["excludeCredentials"]) == 1
    again = verify(me, pending, authenticator.create(options, key=authenticator.keys[0]))
    assert refusal(again)[:2] == (422, "passkey_already_exists")


def test_a_wrong_origin_and_a_replay_are_refused(me, authenticator):
    pending, options = create(me)
    wrong = verify(me, pending, authenticator.create(options, origin="https://evil.example"))
    assert refusal(wrong) == (422, "passkey_registration_failed", "passkey")
    replayed = verify(me, pending, authenticator.create(options))
    assert refusal(replayed) == (422, "passkey_challenge_invalid", "passkey")
    assert not Passkey.objects.exists()


@pytest.mark.parametrize("raw", ["", "nope", "[]", '{"id": "x"}'])
def test_a_malformed_credential(me, raw):
    pending, _options = create(me)
    response = me.post(
        f"me/passkeys/{pending['id']}/attempt_verification",
        strategy="passkey",
        public_key_credential=raw,
    )
    assert refusal(response) == (422, "form_param_format_invalid", "passkey")


def test_another_registration_id_is_not_found(me, authenticator):
    _pending, options = create(me)
    response = verify(me, {"id": "passkey_x"}, authenticator.create(options))
    assert refusal(response)[:2] == (404, "resource_not_found")


def test_needs_a_recent_proof_of_identity(me, authenticator):
    clock.advance(11 * 60)
    assert refusal(me.post("me/passkeys"))[:2] == (422, "reverification_required")


def test_signed_out(fapi, passkeys_on):
    assert refusal(fapi.post("me/passkeys"))[:2] == (401, "signed_out")
    assert refusal(fapi.delete("me/passkeys/passkey_x"))[:2] == (401, "signed_out")


def test_passkeys_off_in_the_dashboard(me, instance):
    instance(passkeys_enabled=False)
    assert refusal(me.post("me/passkeys"))[:2] == (422, "strategy_for_user_invalid")


def test_rename(me, authenticator):
    added = add(me, authenticator)["response"]
    renamed = me.patch(f"me/passkeys/{added['id']}", name="  Work   phone ")
    assert renamed.status_code == 200, renamed.content
    assert renamed.json()["response"]["name"] == "Work phone"
    assert [p["name"] for p in user_passkeys(me)] == ["Work phone"]
    assert refusal(me.patch(f"me/passkeys/{added['id']}", name=" "))[:2] == (
        422,
        "form_param_missing",
    )
    assert refusal(me.patch("me/passkeys/passkey_x", name="x"))[:2] == (404, "resource_not_found")


def test_delete(me, authenticator, mailoutbox):
    added = add(me, authenticator)["response"]
    mailoutbox.clear()
    response = me.delete(f"me/passkeys/{added['id']}")
    assert response.status_code == 200, response.content
    assert response.json()["response"] == {"object": "passkey", "id": added["id"], "deleted": True}
    assert not Passkey.objects.exists() and user_passkeys(me) == []
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.PASSKEY_REMOVED).count() == 1
    assert [m.subject for m in mailoutbox] == ["A passkey was removed from your account"]
    assert refusal(me.delete(f"me/passkeys/{added['id']}"))[:2] == (404, "resource_not_found")


def test_delete_needs_a_recent_proof(me, authenticator):
    added = add(me, authenticator)["response"]
    clock.advance(11 * 60)
    assert refusal(me.delete(f"me/passkeys/{added['id']}"))[:2] == (
        422,
        "reverification_required",
    )
    assert Passkey.objects.exists()


def test_deleting_a_failed_registration_removes_nothing(me, authenticator):
    """clerk-js deletes the pending passkey when the browser's create() fails."""
    add(me, authenticator)
    pending, _options = create(me)
    assert me.delete(f"me/passkeys/{pending['id']}").json()["response"]["deleted"] is True
    assert Passkey.objects.count() == 1


def test_not_the_last_mfa_method_require_mfa_needs(me, authenticator, instance):
    added = add(me, authenticator)["response"]
    instance(mfa_required=True)
    response = me.delete(f"me/passkeys/{added['id']}")
    assert refusal(response)[:2] == (422, "second_factor_deletion_not_allowed")
    assert Passkey.objects.exists()


def test_not_the_only_way_to_sign_in(passkeys_on, make_user, instance):
    instance(email_code_sign_in=False, email_link_sign_in=False, client_trust=False)
    user = make_user(email="pia@example.com", password="")
    browser = Client()
    browser.force_login(user)
    session = browser.session
    session["authflows_auth_at"] = clock.now().timestamp()
    session.save()
    me = Fapi(browser)
    added = add(me, SoftAuthenticator())["response"]
    response = me.delete(f"me/passkeys/{added['id']}")
    assert refusal(response)[:2] == (422, "passkey_last_sign_in_method")


def test_someone_elses_passkey(me, authenticator, make_user, signed_in):
    added = add(me, authenticator)["response"]
    eve = Fapi(signed_in(make_user(email="eve@example.com")))
    assert refusal(eve.delete(f"me/passkeys/{added['id']}"))[:2] == (404, "resource_not_found")
    assert refusal(eve.patch(f"me/passkeys/{added['id']}", name="mine"))[:2] == (
        404,
        "resource_not_found",
    )
    assert Passkey.objects.get().name != "mine"
