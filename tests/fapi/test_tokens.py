"""Session tokens: RS256 JWTs with Clerk's claims and a kid, verified here with PyJWT against
the published JWKS (the browser journeys verify them with @clerk/backend); key rotation; no
private key material is ever served."""

from __future__ import annotations

import jwt
import pytest
from django.test import override_settings

from authflows import clock
from authflows.fapi import tokens
from authflows.models import SigningKey
from tests.fapi.conftest import signed_in_trusted

pytestmark = pytest.mark.django_db

PRIVATE_PARTS = {"d", "p", "q", "dp", "dq", "qi"}


def verify(token: str, jwks: dict, **options) -> dict:  # type: ignore[type-arg]
    keys = {k["kid"]: jwt.PyJWK(k) for k in jwks["keys"]}
    kid = jwt.get_unverified_header(token)["kid"]
    return jwt.decode(token, keys[kid], algorithms=["RS256"], **options)


def fresh_token(fapi, user, mailoutbox) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    done = signed_in_trusted(fapi, user, mailoutbox)
    session_id = done["response"]["created_session_id"]
    token = fapi.post(f"client/sessions/{session_id}/tokens").json()
    assert token["object"] == "token"
    return token["jwt"], session_id


def test_claims_and_header(fapi, user, mailoutbox):
    token, session_id = fresh_token(fapi, user, mailoutbox)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256" and header["typ"] == "JWT" and header["kid"]
    claims = verify(token, fapi.get("jwks").json(), audience=None)
    assert claims["sub"] == f"user_{user.pk}" and claims["sid"] == session_id
    assert claims["iss"] == "http://testserver/__clerk"
    assert claims["azp"] == "http://testserver"
    assert claims["exp"] - claims["iat"] == tokens.TOKEN_LIFETIME
    assert claims["nbf"] <= claims["iat"] and claims["v"] == 2 and claims["sts"] == "active"
    assert claims["fva"] == [0, -1]


def test_the_session_object_carries_the_last_active_token(fapi, user, mailoutbox):
    signed_in_trusted(fapi, user, mailoutbox)
    [session] = fapi.get("client").json()["response"]["sessions"]
    claims = verify(session["last_active_token"]["jwt"], fapi.get("jwks").json())
    assert claims["sid"] == session["id"]


def test_jwks_serves_public_keys_only(fapi, user, mailoutbox):
    fresh_token(fapi, user, mailoutbox)
    for path in ("/__clerk/v1/jwks", "/__clerk/.well-known/jwks.json"):
        keys = fapi.client.get(path).json()["keys"]
        assert keys and all(k["kty"] == "RSA" and k["use"] == "sig" for k in keys)
        assert not PRIVATE_PARTS & {name for key in keys for name in key}
    stored = SigningKey.objects.get()
    assert "PRIVATE KEY" not in stored.private_sealed  # sealed at rest


def test_a_forged_or_expired_token_is_refused(fapi, user, mailoutbox):
    token, _ = fresh_token(fapi, user, mailoutbox)
    jwks = fapi.get("jwks").json()
    head, body, signature = token.split(".")
    with pytest.raises(jwt.InvalidSignatureError):
        verify(f"{head}.{body[:-2]}AA.{signature}", jwks)
    clock.advance(-(tokens.TOKEN_LIFETIME + 60))  # minted a little over a minute ago
    expired = mint()
    clock.reset()
    with pytest.raises(jwt.ExpiredSignatureError):
        verify(expired, jwks)


def mint() -> str:
    return tokens.mint(
        subject="user_1",
        session_id="sess_1",
        issuer="http://testserver/__clerk",
        authorized_party="",
        signed_in_at=clock.now(),
    )


def test_rotation_keeps_old_tokens_verifiable_for_a_while(fapi, user, mailoutbox):
    token, _ = fresh_token(fapi, user, mailoutbox)
    old_kid = jwt.get_unverified_header(token)["kid"]
    clock.advance(tokens.ROTATE_AFTER.total_seconds() + 1)
    newer = mint()
    assert jwt.get_unverified_header(newer)["kid"] != old_kid
    kids = [k["kid"] for k in fapi.get("jwks").json()["keys"]]
    assert old_kid in kids and len(kids) == 2
    clock.advance(tokens.PUBLISH_RETIRED_FOR.total_seconds() + 1)
    assert old_kid not in [k["kid"] for k in fapi.get("jwks").json()["keys"]]


def test_withdrawing_a_key_at_once(fapi, user, mailoutbox):
    token, _ = fresh_token(fapi, user, mailoutbox)
    tokens.rotate(withdraw_old=True)
    kids = [k["kid"] for k in fapi.get("jwks").json()["keys"]]
    assert jwt.get_unverified_header(token)["kid"] not in kids and len(kids) == 1


def test_keys_sealed_under_an_old_secret_key_still_open(fapi, user, mailoutbox, settings):
    token, _ = fresh_token(fapi, user, mailoutbox)
    kid = jwt.get_unverified_header(token)["kid"]
    old, new = settings.SECRET_KEY, "a-new-secret-key-" + "x" * 40
    tokens._private_key.cache_clear()
    with override_settings(SECRET_KEY=new, SECRET_KEY_FALLBACKS=[old]):
        assert jwt.get_unverified_header(mint())["kid"] == kid
    tokens._private_key.cache_clear()
    with override_settings(SECRET_KEY=new, SECRET_KEY_FALLBACKS=[]):
        replaced = mint()  # the old key can't be opened: a new one signs, no error
    tokens._private_key.cache_clear()
    kids = [k["kid"] for k in fapi.get("jwks").json()["keys"]]
    assert jwt.get_unverified_header(replaced)["kid"] == kids[0] != kid and kid in kids


def test_rotate_signing_key_command(fapi, user, mailoutbox):
    from io import StringIO

    from django.core.management import call_command

    token, _ = fresh_token(fapi, user, mailoutbox)
    out = StringIO()
    call_command("rotate_signing_key", stdout=out)
    kid = out.getvalue().split()[-1]
    kids = [k["kid"] for k in fapi.get("jwks").json()["keys"]]
    assert kids == [kid, jwt.get_unverified_header(token)["kid"]]
    call_command("rotate_signing_key", "--withdraw", stdout=out)
    assert len(fapi.get("jwks").json()["keys"]) == 1
