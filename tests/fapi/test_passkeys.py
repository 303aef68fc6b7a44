"""Passkeys through the Frontend API as Clerk's SDK drives them (signIn.mfa.passkey(),
attemptSecondFactor({strategy: 'passkey'})): the options in the verification's nonce, the
browser's answer as public_key_credential (form-encoded JSON, as clerk-js serializes it),
answered by the software authenticator of tests/passkeys with real keys. Every refusal is
Clerk's error shape with a 4xx."""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authflows.factors.backup_code import replace_codes
from authflows.models import AuthEvent, TrustedClient
from tests.fapi.conftest import Fapi, refusal
from tests.passkeys.authenticator import SoftAuthenticator
from tests.passkeys.conftest import register

pytestmark = pytest.mark.django_db

OLD_VERSIONS = "__clerk_api_version=2026-05-12&_clerk_js_version=6.29.3"


def sdk_credential(answer: dict[str, Any]) -> str:
    """What clerk-js posts: serializePublicKeyCredentialAssertion() as JSON (type, id, rawId,
    authenticatorAttachment, response; no clientExtensionResults)."""
    return json.dumps({k: v for k, v in answer.items() if k != "clientExtensionResults"})


def second_factor_step(fapi: Fapi, user: Any) -> dict[str, Any]:
    response = fapi.sign_in(user.email)
    assert response.status_code == 200, response.content
    sign_in = response.json()["response"]
    assert sign_in["status"] == "needs_second_factor"
    return sign_in


def prepare(fapi: Fapi, sign_in: dict[str, Any]) -> dict[str, Any]:
    """prepare_second_factor(passkey): the request options from the nonce, as clerk-js reads
    them."""
    response = fapi.step(sign_in, "prepare_second_factor", strategy="passkey")
    assert response.status_code == 200, response.content
    verification = response.json()["response"]["second_factor_verification"]
    assert verification["strategy"] == "passkey" and verification["status"] == "unverified"
    return json.loads(verification["nonce"])


def attempt(
    fapi: Fapi, sign_in: dict[str, Any], answer: dict[str, Any], step: str = "attempt_second_factor"
) -> Any:
    return fapi.step(
        sign_in, step, strategy="passkey", public_key_credential=sdk_credential(answer)
    )


def test_password_then_passkey_as_clerks_sdk_does(fapi, with_passkey, authenticator):
    sign_in = second_factor_step(fapi, with_passkey)
    assert sign_in["supported_second_factors"] == [{"strategy": "passkey"}]
    options = prepare(fapi, sign_in)
    assert options["userVerification"] == "required"
    assert [c["id"] for c in options["allowCredentials"]] == [
        with_passkey.passkeys.get().credential_id
    ]
    done = attempt(fapi, sign_in, authenticator.get(options))
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["response"]["status"] == "complete"
    [session] = body["client"]["sessions"]
    assert body["response"]["created_session_id"] == session["id"]
    assert session["user"]["id"] == f"user_{with_passkey.pk}"
    assert TrustedClient.objects.filter(user=with_passkey).count() == 1
    assert fapi.client.get("/user/").status_code == 200  # one session for pages and SDK


def test_clerks_order_with_the_app_and_backup_codes(fapi, with_passkey, authenticator):
    TOTPDevice.objects.create(user=with_passkey, name="app", confirmed=True)
    replace_codes(with_passkey)
    sign_in = second_factor_step(fapi, with_passkey)
    offered = [f["strategy"] for f in sign_in["supported_second_factors"]]
    assert offered == ["totp", "passkey", "backup_code"]
    done = attempt(fapi, sign_in, authenticator.get(prepare(fapi, sign_in)))
    assert done.json()["response"]["status"] == "complete"


@pytest.mark.parametrize(
    "versions",
    [OLD_VERSIONS, "_clerk_js_version=6.40.0", "__clerk_api_version=2026-8-20"],
)
def test_an_older_sdk_is_never_offered_a_passkey(with_passkey, authenticator, versions):
    TOTPDevice.objects.create(user=with_passkey, name="app", confirmed=True)
    old = Fapi(Client(enforce_csrf_checks=True), versions=versions)
    sign_in = second_factor_step(old, with_passkey)
    assert [f["strategy"] for f in sign_in["supported_second_factors"]] == ["totp"]
    assert old.get("client").json()["response"]["sign_in"]["supported_second_factors"] == [
        {"strategy": "totp"}
    ]
    prepared = old.step(sign_in, "prepare_second_factor", strategy="passkey")
    assert refusal(prepared) == (422, "strategy_for_user_invalid", "strategy")
    current = Fapi(old.client)  # the same browser, a current SDK: the options it gets
    answer = authenticator.get(prepare(current, sign_in))
    assert refusal(attempt(old, sign_in, answer))[:2] == (422, "strategy_for_user_invalid")


def test_only_a_passkey_and_an_older_sdk_offers_nothing(with_passkey):
    old = Fapi(Client(enforce_csrf_checks=True), versions=OLD_VERSIONS)
    sign_in = second_factor_step(old, with_passkey)
    assert sign_in["supported_second_factors"] is None


def test_wrong_signature_counts_and_is_audited(fapi, with_passkey, authenticator):
    sign_in = second_factor_step(fapi, with_passkey)
    answer = authenticator.get(prepare(fapi, sign_in), bad_signature=True)
    assert refusal(attempt(fapi, sign_in, answer)) == (
        422,
        "passkey_verification_failed",
        "passkey",
    )
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.PASSKEY_FAILED).count() == 1
    assert fapi.get("client").json()["response"]["sessions"] == []


def test_a_replayed_challenge_is_refused(fapi, with_passkey, authenticator):
    sign_in = second_factor_step(fapi, with_passkey)
    options = prepare(fapi, sign_in)
    first = attempt(fapi, sign_in, authenticator.get(options, bad_signature=True))
    assert first.status_code == 422
    again = attempt(fapi, sign_in, authenticator.get(options))  # the same challenge, signed
    assert refusal(again) == (422, "passkey_challenge_invalid", "passkey")


def test_an_answer_used_once_signs_in_once(fapi, with_passkey, authenticator):
    sign_in = second_factor_step(fapi, with_passkey)
    answer = authenticator.get(prepare(fapi, sign_in))
    assert attempt(fapi, sign_in, answer).status_code == 200
    assert refusal(attempt(fapi, sign_in, answer))[:2] == (404, "resource_not_found")


def test_another_users_passkey_is_refused(fapi, with_passkey, make_user, signed_in):
    eves = SoftAuthenticator()
    register(signed_in(make_user(email="eve@example.com")), eves)
    sign_in = second_factor_step(fapi, with_passkey)
    answer = eves.get(prepare(fapi, sign_in))
    assert refusal(attempt(fapi, sign_in, answer))[:2] == (422, "passkey_verification_failed")


@pytest.mark.parametrize("raw", ["", "not json", "[]", "{}", '{"id": 1}', "x" * 70_000])
def test_a_malformed_credential_is_a_format_error(fapi, with_passkey, raw):
    sign_in = second_factor_step(fapi, with_passkey)
    prepare(fapi, sign_in)
    response = fapi.step(
        sign_in, "attempt_second_factor", strategy="passkey", public_key_credential=raw
    )
    assert refusal(response) == (422, "form_param_format_invalid", "passkey")


def test_a_code_posted_as_a_passkey_is_refused(fapi, with_passkey):
    sign_in = second_factor_step(fapi, with_passkey)
    response = fapi.step(sign_in, "attempt_second_factor", strategy="passkey", code="123456")
    assert refusal(response) == (422, "form_param_format_invalid", "passkey")


def test_locked_after_too_many_failures(fapi, with_passkey, authenticator, instance):
    instance(lockout_max_attempts=5)
    sign_in = second_factor_step(fapi, with_passkey)
    for _ in range(5):
        answer = authenticator.get(prepare(fapi, sign_in), bad_signature=True)
        assert attempt(fapi, sign_in, answer).status_code == 422
    locked = attempt(fapi, sign_in, authenticator.get(prepare(fapi, sign_in)))
    status, code, _field = refusal(locked)
    assert (status, code) == (422, "user_locked")
    assert locked.json()["errors"][0]["meta"]["duration_in_seconds"] > 0


def test_the_dashboard_turning_passkeys_off_midway(fapi, with_passkey, authenticator, instance):
    TOTPDevice.objects.create(user=with_passkey, name="app", confirmed=True)
    sign_in = second_factor_step(fapi, with_passkey)
    options = prepare(fapi, sign_in)
    instance(passkey_second_factor=False)
    assert [
        f["strategy"]
        for f in fapi.get("client").json()["response"]["sign_in"]["supported_second_factors"]
    ] == ["totp"]
    assert refusal(attempt(fapi, sign_in, authenticator.get(options)))[:2] == (
        422,
        "strategy_for_user_invalid",
    )
    prepared = fapi.step(sign_in, "prepare_second_factor", strategy="passkey")
    assert refusal(prepared)[:2] == (422, "strategy_for_user_invalid")
    instance(passkey_second_factor=True, passkeys_enabled=False)
    assert refusal(fapi.step(sign_in, "prepare_second_factor", strategy="passkey"))[:2] == (
        422,
        "strategy_for_user_invalid",
    )


def test_passkeys_off_as_a_second_factor_from_the_start(fapi, with_passkey, instance):
    instance(passkey_second_factor=False)
    sign_in = fapi.sign_in(with_passkey.email).json()["response"]
    assert sign_in["status"] == "needs_client_trust"
    assert "passkey" not in [f["strategy"] for f in sign_in["supported_second_factors"]]
    prepared = fapi.step(sign_in, "prepare_second_factor", strategy="passkey")
    assert refusal(prepared)[:2] == (422, "strategy_for_user_invalid")


def test_a_first_factor_challenge_is_not_a_second_factors(with_passkey, authenticator):
    """The pages' passkey sign-in options (bound to the browser, not the attempt)."""
    fapi = Fapi(Client())  # the page's script sends Django's CSRF token; this one skips it
    response = fapi.client.post("/api/passkeys/sign-in/options/", "{}", "application/json")
    first = authenticator.get(response.json()["publicKey"])
    sign_in = second_factor_step(fapi, with_passkey)
    prepare(fapi, sign_in)
    assert refusal(attempt(fapi, sign_in, first))[:2] == (422, "passkey_challenge_invalid")


# --- the first factor: signIn.authenticateWithPasskey({flow: 'discoverable'}) ---------------


def start(fapi: Fapi) -> tuple[dict[str, Any], dict[str, Any]]:
    """create({strategy: 'passkey'}): the waiting sign-in and the options from its nonce."""
    response = fapi.post("client/sign_ins", strategy="passkey")
    assert response.status_code == 200, response.content
    sign_in = response.json()["response"]
    assert response.json()["client"]["sign_in"]["id"] == sign_in["id"]
    return sign_in, json.loads(sign_in["first_factor_verification"]["nonce"])


def attempt_first(fapi: Fapi, sign_in: dict[str, Any], answer: dict[str, Any]) -> Any:
    return attempt(fapi, sign_in, answer, "attempt_first_factor")


def test_sign_in_with_a_passkey_and_no_identifier(fapi, with_passkey, authenticator):
    sign_in, options = start(fapi)
    assert sign_in["status"] == "needs_identifier" and sign_in["identifier"] is None
    assert sign_in["supported_first_factors"] == [{"strategy": "passkey"}]
    assert sign_in["user_data"] == {}
    assert "allowCredentials" not in options or options["allowCredentials"] == []
    done = attempt_first(fapi, sign_in, authenticator.get(options))
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["response"]["status"] == "complete"
    assert body["response"]["identifier"] == with_passkey.email
    [session] = body["client"]["sessions"]
    assert body["response"]["created_session_id"] == session["id"]
    assert session["user"]["id"] == f"user_{with_passkey.pk}"
    assert fapi.client.get("/user/").status_code == 200
    assert TrustedClient.objects.filter(user=with_passkey).count() == 1


def test_the_options_are_the_same_for_everyone(fapi, other_fapi, with_passkey):
    _, mine = start(fapi)
    _, theirs = start(other_fapi)
    assert mine.keys() == theirs.keys() and mine["challenge"] != theirs["challenge"]


def test_prepare_first_factor_gives_new_options(fapi, with_passkey, authenticator):
    sign_in, options = start(fapi)
    again = fapi.step(sign_in, "prepare_first_factor", strategy="passkey")
    assert again.status_code == 200, again.content
    renewed = json.loads(again.json()["response"]["first_factor_verification"]["nonce"])
    assert renewed["challenge"] != options["challenge"]
    done = attempt_first(fapi, sign_in, authenticator.get(renewed))
    assert done.json()["response"]["status"] == "complete"


def test_a_wrong_signature_and_an_unknown_passkey_get_one_answer(fapi, with_passkey):
    stranger = SoftAuthenticator()
    stranger.create({"rp": {"id": "testserver"}, "user": {"id": "AAAA"}, "challenge": "AAAA"})
    sign_in, options = start(fapi)
    unknown = refusal(attempt_first(fapi, sign_in, stranger.get(options)))
    assert unknown == (422, "passkey_verification_failed", "passkey")
    assert fapi.get("client").json()["response"]["sessions"] == []


def test_a_first_factor_replay_is_refused(fapi, with_passkey, authenticator):
    sign_in, options = start(fapi)
    bad = attempt_first(fapi, sign_in, authenticator.get(options, bad_signature=True))
    assert refusal(bad) == (422, "passkey_verification_failed", "passkey")
    again = attempt_first(fapi, sign_in, authenticator.get(options))
    assert refusal(again) == (422, "passkey_challenge_invalid", "passkey")


def test_passkeys_off_as_a_first_factor(fapi, with_passkey, instance):
    instance(passkey_first_factor=False)
    response = fapi.post("client/sign_ins", strategy="passkey")
    assert refusal(response)[:2] == (422, "strategy_for_user_invalid")
    instance(passkey_first_factor=True, passkeys_enabled=False)
    assert refusal(fapi.post("client/sign_ins", strategy="passkey"))[:2] == (
        422,
        "strategy_for_user_invalid",
    )


def test_a_waiting_sign_in_refused_once_the_dashboard_turns_passkeys_off(
    fapi, with_passkey, authenticator, instance
):
    sign_in, options = start(fapi)
    instance(passkeys_enabled=False)
    refused = attempt_first(fapi, sign_in, authenticator.get(options))
    assert refusal(refused)[:2] == (422, "strategy_for_user_invalid")


def test_an_identifiers_sign_in_never_offers_or_takes_a_passkey(
    fapi, other_fapi, with_passkey, authenticator
):
    created = fapi.post("client/sign_ins", identifier=with_passkey.email).json()["response"]
    assert "passkey" not in [f["strategy"] for f in created["supported_first_factors"]]
    prepared = fapi.step(created, "prepare_first_factor", strategy="passkey")
    assert refusal(prepared)[:2] == (422, "strategy_for_user_invalid")
    _, options = start(other_fapi)
    assert refusal(attempt_first(fapi, created, authenticator.get(options)))[:2] == (
        422,
        "strategy_for_user_invalid",
    )


def test_signed_in_already(fapi, with_passkey, authenticator):
    sign_in, options = start(fapi)
    assert attempt_first(fapi, sign_in, authenticator.get(options)).status_code == 200
    assert refusal(fapi.post("client/sign_ins", strategy="passkey"))[:2] == (
        400,
        "session_exists",
    )


def test_no_user_handle_is_fine_for_a_second_factor_not_a_first(fapi, with_passkey, authenticator):
    """clerk-js posts userHandle: null when the authenticator returns none: the second factor
    names its user already; a first factor without it names nobody."""
    other = Fapi(Client(enforce_csrf_checks=True))
    waiting, mine = start(other)
    first = authenticator.get(mine)
    first["response"]["userHandle"] = None
    assert refusal(attempt_first(other, waiting, first))[:2] == (422, "passkey_verification_failed")
    sign_in = second_factor_step(fapi, with_passkey)
    answer = authenticator.get(prepare(fapi, sign_in))
    answer["response"]["userHandle"] = None
    assert attempt(fapi, sign_in, answer).json()["response"]["status"] == "complete"


def test_the_environment_says_what_passkeys_do(fapi, instance):
    instance(passkeys_enabled=True, passkey_first_factor=True, passkey_second_factor=True)
    passkey = fapi.get("environment").json()["user_settings"]["attributes"]["passkey"]
    assert passkey["enabled"] and passkey["first_factors"] == ["passkey"]
    assert passkey["second_factors"] == ["passkey"] and passkey["used_for_second_factor"]
    old = Fapi(fapi.client, versions=OLD_VERSIONS).get("environment").json()
    assert old["user_settings"]["attributes"]["passkey"]["second_factors"] == []
    instance(passkeys_enabled=False)
    passkey = fapi.get("environment").json()["user_settings"]["attributes"]["passkey"]
    assert not passkey["enabled"] and passkey["first_factors"] == passkey["second_factors"] == []


# --- whatever the browser's answer holds, Clerk's error shape and never a 500 -----------------

KEYS = ["id", "rawId", "type", "response", "clientDataJSON", "authenticatorData", "signature"]
#: What the signature covers (and the signature): any change to one of them must fail. The
#: userHandle is not signed; a second factor names its user already.
SIGNED = ["clientDataJSON", "authenticatorData", "signature"]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=60),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from([*KEYS, "userHandle", "attestationObject"]), inner)
    ),
    max_leaves=20,
)


@pytest.fixture
def waiting_for_a_passkey(fapi, with_passkey, instance) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """One sign-in at its passkey second factor (wrong answers lock the account late)."""
    instance(lockout_max_attempts=100)
    return second_factor_step(fapi, with_passkey)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    value=JSON_VALUES,
    field=st.sampled_from(KEYS),
    signed=st.sampled_from(SIGNED),
    text=st.text(min_size=1, max_size=80),
)
def test_any_credential_is_refused_in_clerks_shape(
    fapi, waiting_for_a_passkey, authenticator, value, field, signed, text
):
    sign_in = waiting_for_a_passkey
    real = authenticator.get(prepare(fapi, sign_in))
    tampered = {**real, "response": {**real["response"], signed: text}}
    for raw in (json.dumps(value), json.dumps({field: value}), json.dumps(tampered)):
        response = fapi.step(
            sign_in, "attempt_second_factor", strategy="passkey", public_key_credential=raw
        )
        assert 400 <= response.status_code < 500, (raw[:300], response.content[:300])
        refusal(response)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=JSON_VALUES)
def test_any_first_factor_or_new_passkey_answer_is_a_4xx(
    with_passkey, make_user, signed_in, instance, value
):
    instance(lockout_max_attempts=100)
    raw = json.dumps(value)
    fapi = Fapi(Client(enforce_csrf_checks=True))
    waiting = fapi.post("client/sign_ins", strategy="passkey").json()["response"]
    first = fapi.step(
        waiting, "attempt_first_factor", strategy="passkey", public_key_credential=raw
    )
    me = Fapi(signed_in(make_user(email=f"bo{secrets.token_hex(4)}@example.com")))
    pending = me.post("me/passkeys").json()["response"]
    added = me.post(
        f"me/passkeys/{pending['id']}/attempt_verification",
        strategy="passkey",
        public_key_credential=raw,
    )
    for response in (first, added):
        assert 400 <= response.status_code < 500, (raw[:300], response.content[:300])
        refusal(response)
