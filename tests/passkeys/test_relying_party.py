"""The relying party's verification on answers Chromium's virtual authenticator gave
(recorded by tests/passkeys/record_responses.py): what passes, and every way an answer that
was tampered with, made for another site, or made without user verification is refused."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from authflows.flows.passkeys import relying_party
from authflows.flows.passkeys.relying_party import Party, Refused

RECORDED = json.loads((Path(__file__).with_name("recordings") / "chromium.json").read_text())
PARTY = Party(rp_id=RECORDED["rp_id"], origins=[RECORDED["origin"]], name="authflows")


def registered() -> relying_party.NewCredential:
    answer = relying_party.read_registration(copy.deepcopy(RECORDED["registration"]))
    return relying_party.verify_registration(PARTY, answer)


def assertion(name: str = "assertion") -> relying_party.Answer:
    return relying_party.read_assertion(copy.deepcopy(RECORDED[name]))


def test_the_recorded_registration_is_verified():
    answer = relying_party.read_registration(copy.deepcopy(RECORDED["registration"]))
    assert bytes_to_base64url(answer.challenge) == RECORDED["challenges"]["registration"]
    new = registered()
    assert new.credential_id == RECORDED["registration"]["id"]
    assert new.sign_count == 1
    assert new.transports == ["internal"]
    assert new.public_key and len(new.aaguid) == 36


def test_the_recorded_sign_in_is_verified_with_the_registered_key():
    answer = assertion()
    assert answer.credential_id == RECORDED["registration"]["id"]
    assert answer.user_handle == RECORDED["user_handle"]  # the handle given at registration
    verified = relying_party.verify_assertion(PARTY, answer, public_key=registered().public_key)
    assert verified.sign_count == 2


def test_another_sites_answer_is_refused():
    for party in (
        Party(rp_id="example.com", origins=[RECORDED["origin"]], name="x"),
        Party(rp_id=RECORDED["rp_id"], origins=["https://localhost"], name="x"),
    ):
        with pytest.raises(Refused):
            relying_party.verify_registration(
                party, relying_party.read_registration(copy.deepcopy(RECORDED["registration"]))
            )
        with pytest.raises(Refused):
            relying_party.verify_assertion(party, assertion(), public_key=registered().public_key)


def test_an_answer_is_checked_against_the_challenge_it_carries():
    """The flow consumes the challenge found in the answer; the library compares the two, so
    an answer whose client data was swapped for another challenge's fails the signature."""
    answer = assertion()
    other = relying_party.Answer(
        challenge=base64url_to_bytes(RECORDED["challenges"]["assertion_by_copy"]),
        credential_id=answer.credential_id,
        user_handle=answer.user_handle,
        parsed=answer.parsed,
    )
    with pytest.raises(Refused):
        relying_party.verify_assertion(PARTY, other, public_key=registered().public_key)


def test_a_tampered_signature_or_authenticator_data_is_refused():
    for part in ("signature", "authenticatorData"):
        data = copy.deepcopy(RECORDED["assertion"])
        raw = bytearray(base64url_to_bytes(data["response"][part]))
        raw[-1] ^= 0x01
        data["response"][part] = bytes_to_base64url(bytes(raw))
        answer = relying_party.read_assertion(data)
        with pytest.raises(Refused):
            relying_party.verify_assertion(PARTY, answer, public_key=registered().public_key)


def test_an_answer_without_user_verification_is_refused():
    """WebAuthn.setResponseOverrideBits(isBadUV) cleared the UV flag the authenticator signed."""
    with pytest.raises(Refused, match=r"[Uu]ser verification"):
        relying_party.verify_assertion(
            PARTY, assertion("assertion_without_uv"), public_key=registered().public_key
        )


def test_a_copy_of_the_key_signs_validly_with_a_counter_that_went_back():
    """The copy's signature is good: only the counter betrays it (the flow refuses it)."""
    verified = relying_party.verify_assertion(
        PARTY, assertion("assertion_by_copy"), public_key=registered().public_key
    )
    assert verified.sign_count < RECORDED["sign_count_before_copy"]


def test_a_key_registered_elsewhere_does_not_verify():
    other = relying_party.read_registration(copy.deepcopy(RECORDED["registration"]))
    assert other.credential_id
    with pytest.raises(Refused):
        relying_party.verify_assertion(PARTY, assertion(), public_key=b"\xa0")


@pytest.mark.parametrize(
    "garbage",
    [None, "x", 5, [], {}, {"id": "x"}, {"id": "x", "rawId": "x", "response": {}}],
)
def test_malformed_answers_are_refused_without_raising_anything_else(garbage):
    with pytest.raises(Refused):
        relying_party.read_assertion(garbage)
    with pytest.raises(Refused):
        relying_party.read_registration(garbage)


def test_options_ask_for_a_discoverable_credential_and_user_verification():
    options = relying_party.creation_options(
        PARTY,
        challenge=b"c" * 32,
        user_handle=RECORDED["user_handle"],
        user_name="ada@example.com",
        display_name="Ada",
        exclude=[relying_party.StoredKey("AAAA", ["internal", "carrier-pigeon"])],
    )
    selection = options["authenticatorSelection"]
    assert selection["residentKey"] == "required"
    assert selection["userVerification"] == "required"
    assert options["rp"] == {"id": "localhost", "name": "authflows"}
    assert options["user"]["id"] == RECORDED["user_handle"]
    assert options["excludeCredentials"] == [
        {"id": "AAAA", "type": "public-key", "transports": ["internal"]}
    ]
    request = relying_party.request_options(PARTY, challenge=b"c" * 32)
    assert request["userVerification"] == "required"
    assert request.get("allowCredentials", []) == []
    assert request["rpId"] == "localhost"
