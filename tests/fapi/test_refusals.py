"""Every Frontend API endpoint's refusals, in Clerk's format and with Clerk's codes: wrong
code, expired, too many tries, locked, rate-limited, another browser's attempt, out of order.
The same flows refuse the same things on the pages (tests/protect/)."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from authflows import clock
from authflows.models import SignInAttempt, User
from tests.conftest import PASSWORD, last_code
from tests.fapi.conftest import refusal, signed_in_trusted

pytestmark = pytest.mark.django_db

WRONG = "000000"


def trust_step(fapi, user):  # type: ignore[no-untyped-def]
    """A sign-in at its client-trust step, the code sent."""
    sign_in = fapi.sign_in(user.email).json()["response"]
    fapi.step(sign_in, "prepare_second_factor", strategy="email_code")
    return sign_in


def first_factor_step(fapi, user):  # type: ignore[no-untyped-def]
    sign_in = fapi.post("client/sign_ins", identifier=user.email).json()["response"]
    fapi.step(sign_in, "prepare_first_factor", strategy="email_code")
    return sign_in


# --- POST /client/sign_ins ------------------------------------------------------------------


def test_create_wrong_password(fapi, user):
    assert refusal(fapi.sign_in(user.email, "wrong-password-1")) == (
        422,
        "form_password_incorrect",
        "password",
    )


def test_create_unknown_identifier(fapi, db):
    assert refusal(fapi.sign_in("nobody@example.com")) == (
        422,
        "form_identifier_not_found",
        "identifier",
    )


def test_create_strict_enumeration_one_answer(fapi, user, instance):
    instance(enumeration_protection="strict")
    unknown = refusal(fapi.sign_in("nobody@example.com"))
    wrong = refusal(fapi.sign_in(user.email, "wrong-password-1"))
    assert unknown == wrong == (422, "form_password_or_identifier_incorrect", "password")


def test_create_strict_enumeration_attempts_look_alike(fapi, other_fapi, user, instance):
    """An unknown address gets an attempt of the same shape: factors with ids, no user data."""
    instance(enumeration_protection="strict")
    known = fapi.post("client/sign_ins", identifier=user.email).json()["response"]
    unknown = other_fapi.post("client/sign_ins", identifier="nobody@example.com").json()
    unknown = unknown["response"]
    assert [f["strategy"] for f in known["supported_first_factors"]] == [
        f["strategy"] for f in unknown["supported_first_factors"]
    ]
    assert known["user_data"] == unknown["user_data"] == {}
    assert unknown["supported_first_factors"][0]["email_address_id"].startswith("idn_")


def test_create_missing_and_malformed(fapi, db):
    assert refusal(fapi.post("client/sign_ins", identifier="")) == (
        422,
        "form_param_missing",
        "identifier",
    )
    assert refusal(fapi.sign_in("not an address")) == (
        422,
        "form_param_format_invalid",
        "identifier",
    )
    assert refusal(fapi.post("client/sign_ins", identifier="a@example.com", strategy="nope"))[
        1
    ] == ("strategy_for_user_invalid")
    # No such connection (tests/sso/test_fapi_sso.py signs in with one).
    assert refusal(fapi.post("client/sign_ins", strategy="oauth_x")) == (
        422,
        "connection_not_found",
        "strategy",
    )


def test_create_when_signed_in(fapi, user, mailoutbox):
    signed_in_trusted(fapi, user, mailoutbox)
    assert refusal(fapi.sign_in(user.email)) == (400, "session_exists", None)


def test_create_locked(fapi, user, instance):
    instance(lockout_max_attempts=5)
    for _ in range(5):
        fapi.sign_in(user.email, "wrong-password-1")
    response = fapi.sign_in(user.email)
    status, code, param = refusal(response)
    assert (status, code, param) == (422, "user_locked", "password")
    assert response.json()["errors"][0]["meta"]["duration_in_seconds"] == 60 * 60


@pytest.mark.ratelimit
def test_create_rate_limited(fapi, user):
    for _ in range(5):
        fapi.sign_in(user.email, "wrong-password-1")
    response = fapi.sign_in(user.email)
    assert refusal(response) == (429, "too_many_requests", None)
    assert int(response["Retry-After"]) > 0


# --- GET /client/sign_ins/{id} ---------------------------------------------------------------


def test_read_another_browsers_attempt(fapi, other_fapi, user):
    sign_in = fapi.sign_in(user.email).json()["response"]
    assert fapi.get(f"client/sign_ins/{sign_in['id']}").status_code == 200
    assert refusal(other_fapi.get(f"client/sign_ins/{sign_in['id']}")) == (
        404,
        "resource_not_found",
        None,
    )


def test_read_an_expired_attempt(fapi, user):
    sign_in = fapi.sign_in(user.email).json()["response"]
    clock.advance(11 * 60)
    assert refusal(fapi.get(f"client/sign_ins/{sign_in['id']}"))[1] == "resource_not_found"


# --- prepare_first_factor / attempt_first_factor -----------------------------------------------


def test_prepare_first_factor_foreign_attempt(fapi, other_fapi, user, mailoutbox):
    sign_in = fapi.post("client/sign_ins", identifier=user.email).json()["response"]
    response = other_fapi.step(sign_in, "prepare_first_factor", strategy="email_code")
    assert refusal(response)[:2] == (404, "resource_not_found")
    assert mailoutbox == []


def test_prepare_first_factor_wrong_email_address_id(fapi, user, mailoutbox):
    sign_in = fapi.post("client/sign_ins", identifier=user.email).json()["response"]
    response = fapi.step(
        sign_in, "prepare_first_factor", strategy="email_code", email_address_id="idn_other"
    )
    assert refusal(response) == (422, "form_param_value_invalid", "email_address_id")
    assert mailoutbox == []


def test_prepare_first_factor_unsupported_strategy(fapi, user):
    sign_in = fapi.post("client/sign_ins", identifier=user.email).json()["response"]
    response = fapi.step(sign_in, "prepare_first_factor", strategy="phone_code")
    assert refusal(response) == (422, "strategy_for_user_invalid", "strategy")


def test_prepare_first_factor_again_inside_the_cool_down(fapi, user, mailoutbox):
    sign_in = first_factor_step(fapi, user)
    response = fapi.step(sign_in, "prepare_first_factor", strategy="email_code")
    assert refusal(response)[:2] == (422, "verification_code_too_many_requests")
    clock.advance(31)
    assert fapi.step(sign_in, "prepare_first_factor", strategy="email_code").status_code == 200
    assert len(mailoutbox) == 2  # "I need a new code" after the cool-down


def test_attempt_first_factor_wrong_code(fapi, user, mailoutbox):
    sign_in = first_factor_step(fapi, user)
    response = fapi.step(sign_in, "attempt_first_factor", strategy="email_code", code=WRONG)
    assert refusal(response) == (422, "form_code_incorrect", "code")


def test_attempt_first_factor_expired_code(fapi, user, mailoutbox):
    sign_in = first_factor_step(fapi, user)
    clock.advance(9 * 60)
    fapi.step(sign_in, "attempt_first_factor", strategy="email_code", code=WRONG)  # a step
    clock.advance(2 * 60)
    code = last_code(mailoutbox[-1].body)
    response = fapi.step(sign_in, "attempt_first_factor", strategy="email_code", code=code)
    assert refusal(response) == (422, "verification_expired", "code")


def test_attempt_first_factor_too_many_tries(fapi, user, mailoutbox):
    sign_in = first_factor_step(fapi, user)
    for _ in range(4):
        fapi.step(sign_in, "attempt_first_factor", strategy="email_code", code=WRONG)
    fifth = fapi.step(sign_in, "attempt_first_factor", strategy="email_code", code=WRONG)
    assert refusal(fifth) == (422, "verification_failed", "code")
    code = last_code(mailoutbox[-1].body)
    right = fapi.step(sign_in, "attempt_first_factor", strategy="email_code", code=code)
    assert refusal(right)[1] == "verification_failed"  # a new code is needed


def test_attempt_first_factor_wrong_password(fapi, user):
    sign_in = fapi.post("client/sign_ins", identifier=user.email).json()["response"]
    response = fapi.step(
        sign_in, "attempt_first_factor", strategy="password", password="wrong-password-1"
    )
    assert refusal(response) == (422, "form_password_incorrect", "password")


def test_attempt_first_factor_out_of_order(fapi, user):
    sign_in = fapi.sign_in(user.email).json()["response"]  # at its client-trust step
    response = fapi.step(sign_in, "attempt_first_factor", strategy="email_code", code=WRONG)
    assert refusal(response) == (422, "sign_in_expired", None)


# --- prepare_second_factor / attempt_second_factor ---------------------------------------------


def test_prepare_second_factor_foreign_attempt(fapi, other_fapi, user, mailoutbox):
    sign_in = fapi.sign_in(user.email).json()["response"]
    response = other_fapi.step(sign_in, "prepare_second_factor", strategy="email_code")
    assert refusal(response)[:2] == (404, "resource_not_found")
    assert mailoutbox == []


def test_prepare_second_factor_a_method_the_user_lacks(fapi, user):
    sign_in = fapi.sign_in(user.email).json()["response"]
    response = fapi.step(sign_in, "prepare_second_factor", strategy="phone_code")
    assert refusal(response) == (422, "strategy_for_user_invalid", "strategy")


def test_prepare_second_factor_wrong_email_address_id(fapi, user, mailoutbox):
    sign_in = fapi.sign_in(user.email).json()["response"]
    response = fapi.step(
        sign_in, "prepare_second_factor", strategy="email_code", email_address_id="idn_x"
    )
    assert refusal(response) == (422, "form_param_value_invalid", "email_address_id")
    assert mailoutbox == []


def test_attempt_second_factor_wrong_code(fapi, user, mailoutbox):
    sign_in = trust_step(fapi, user)
    response = fapi.step(sign_in, "attempt_second_factor", strategy="email_code", code=WRONG)
    assert refusal(response) == (422, "form_code_incorrect", "code")


def test_attempt_second_factor_expired_code(fapi, user, mailoutbox):
    sign_in = trust_step(fapi, user)
    clock.advance(9 * 60)
    fapi.step(sign_in, "attempt_second_factor", strategy="email_code", code=WRONG)
    clock.advance(2 * 60)
    code = last_code(mailoutbox[-1].body)
    response = fapi.step(sign_in, "attempt_second_factor", strategy="email_code", code=code)
    assert refusal(response) == (422, "verification_expired", "code")


def test_attempt_second_factor_too_many_tries(fapi, user, mailoutbox):
    sign_in = trust_step(fapi, user)
    for _ in range(4):
        fapi.step(sign_in, "attempt_second_factor", strategy="email_code", code=WRONG)
    fifth = fapi.step(sign_in, "attempt_second_factor", strategy="email_code", code=WRONG)
    assert refusal(fifth) == (422, "verification_failed", "code")


def test_attempt_second_factor_locked(fapi, user, instance):
    instance(lockout_max_attempts=5)
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    sign_in = fapi.sign_in(user.email).json()["response"]
    for _ in range(5):  # the fifth failure locks the account
        fapi.step(sign_in, "attempt_second_factor", strategy="totp", code=WRONG)
    sixth = fapi.step(sign_in, "attempt_second_factor", strategy="totp", code=WRONG)
    assert refusal(sixth)[:2] == (422, "user_locked")
    assert User.objects.get(pk=user.pk).locked_until is not None


def test_attempt_second_factor_reused_totp_step(fapi, other_fapi, user):
    import base64

    import pyotp

    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    code = pyotp.TOTP(base64.b32encode(device.bin_key).decode()).now()
    first = fapi.sign_in(user.email).json()["response"]
    assert fapi.step(first, "attempt_second_factor", strategy="totp", code=code).status_code == 200
    second = other_fapi.sign_in(user.email).json()["response"]
    again = other_fapi.step(second, "attempt_second_factor", strategy="totp", code=code)
    assert refusal(again) == (422, "form_code_incorrect", "code")


@pytest.mark.ratelimit
def test_attempt_second_factor_rate_limited(fapi, user, mailoutbox):
    sign_in = trust_step(fapi, user)
    statuses = [
        fapi.step(sign_in, "attempt_second_factor", strategy="email_code", code=WRONG).status_code
        for _ in range(4)
    ]
    assert statuses == [422, 422, 422, 429]


def test_attempt_second_factor_foreign_attempt(fapi, other_fapi, user, mailoutbox):
    sign_in = trust_step(fapi, user)
    code = last_code(mailoutbox[-1].body)
    response = other_fapi.step(sign_in, "attempt_second_factor", strategy="email_code", code=code)
    assert refusal(response)[:2] == (404, "resource_not_found")
    assert (
        fapi.step(sign_in, "attempt_second_factor", strategy="email_code", code=code).json()[
            "response"
        ]["status"]
        == "complete"
    )


def test_a_code_is_used_once(fapi, user, mailoutbox):
    sign_in = trust_step(fapi, user)
    code = last_code(mailoutbox[-1].body)
    fapi.step(sign_in, "attempt_second_factor", strategy="email_code", code=code)
    again = fapi.step(sign_in, "attempt_second_factor", strategy="email_code", code=code)
    assert refusal(again)[:2] == (404, "resource_not_found")  # the attempt is finished


# --- reset_password ---------------------------------------------------------------------------


def reset_step(fapi, user, mailoutbox):  # type: ignore[no-untyped-def]
    sign_in = fapi.post(
        "client/sign_ins", identifier=user.email, strategy="reset_password_email_code"
    ).json()["response"]
    code = last_code(mailoutbox[-1].body)
    fapi.step(sign_in, "attempt_first_factor", strategy="reset_password_email_code", code=code)
    return sign_in


def test_reset_password_weak_password(fapi, user, mailoutbox):
    sign_in = reset_step(fapi, user, mailoutbox)
    response = fapi.step(sign_in, "reset_password", password="short")
    assert refusal(response) == (422, "form_password_length_too_short", "password")


def test_reset_password_before_the_code(fapi, user, mailoutbox):
    sign_in = fapi.post(
        "client/sign_ins", identifier=user.email, strategy="reset_password_email_code"
    ).json()["response"]
    response = fapi.step(sign_in, "reset_password", password="another-unusual-passphrase-77")
    assert refusal(response)[1] == "sign_in_expired"
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_reset_password_foreign_attempt(fapi, other_fapi, user, mailoutbox):
    sign_in = reset_step(fapi, user, mailoutbox)
    response = other_fapi.step(sign_in, "reset_password", password="another-unusual-passphrase-77")
    assert refusal(response)[:2] == (404, "resource_not_found")


def test_reset_needs_mfa_first(fapi, user, mailoutbox):
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    sign_in = reset_step(fapi, user, mailoutbox)
    assert fapi.get(f"client/sign_ins/{sign_in['id']}").json()["response"]["status"] == (
        "needs_second_factor"
    )
    response = fapi.step(sign_in, "reset_password", password="another-unusual-passphrase-77")
    assert refusal(response)[1] == "sign_in_expired"


# --- sign-ups ---------------------------------------------------------------------------------


def sign_up(fapi, email="grace@example.com", password=PASSWORD):  # type: ignore[no-untyped-def]
    return fapi.post("client/sign_ups", strategy="password", email_address=email, password=password)


def test_sign_up_with_an_email_code(fapi, mailoutbox, db):
    created = sign_up(fapi).json()["response"]
    assert created["status"] == "missing_requirements"
    assert created["unverified_fields"] == ["email_address"]
    fapi.post(f"client/sign_ups/{created['id']}/prepare_verification", strategy="email_code")
    code = last_code(mailoutbox[-1].body)
    done = fapi.post(
        f"client/sign_ups/{created['id']}/attempt_verification", strategy="email_code", code=code
    ).json()
    assert done["response"]["status"] == "complete"
    assert done["response"]["created_session_id"] == done["client"]["sessions"][0]["id"]


def test_sign_up_taken_address(fapi, user):
    response = sign_up(fapi, email=user.email)
    assert refusal(response) == (422, "form_identifier_exists", "email_address")


def test_sign_up_every_field_refusal_at_once(fapi, user):
    response = sign_up(fapi, email="not-an-address", password="short")
    params = {e["meta"]["param_name"] for e in response.json()["errors"]}
    assert response.status_code == 422 and params == {"email_address", "password"}


def test_sign_up_unsupported_strategy(fapi, db):
    response = fapi.post("client/sign_ups", strategy="oauth_google")
    assert refusal(response) == (422, "strategy_for_user_invalid", "strategy")


def test_sign_up_wrong_code_and_too_many_tries(fapi, mailoutbox, db):
    created = sign_up(fapi).json()["response"]
    path = f"client/sign_ups/{created['id']}"
    fapi.post(f"{path}/prepare_verification", strategy="email_code")
    wrong = fapi.post(f"{path}/attempt_verification", strategy="email_code", code=WRONG)
    assert refusal(wrong) == (422, "form_code_incorrect", "code")
    for _ in range(3):
        fapi.post(f"{path}/attempt_verification", strategy="email_code", code=WRONG)
    fifth = fapi.post(f"{path}/attempt_verification", strategy="email_code", code=WRONG)
    assert refusal(fifth) == (422, "verification_failed", "code")


def test_sign_up_expired_code(fapi, mailoutbox, db):
    created = sign_up(fapi).json()["response"]
    path = f"client/sign_ups/{created['id']}"
    fapi.post(f"{path}/prepare_verification", strategy="email_code")
    clock.advance(11 * 60)
    code = last_code(mailoutbox[-1].body)
    expired = fapi.post(f"{path}/attempt_verification", strategy="email_code", code=code)
    assert refusal(expired) == (422, "verification_expired", "code")


def test_sign_up_wrong_verification_strategy(fapi, db):
    created = sign_up(fapi).json()["response"]
    path = f"client/sign_ups/{created['id']}"
    link = fapi.post(f"{path}/prepare_verification", strategy="email_link")
    assert refusal(link) == (422, "strategy_for_user_invalid", "strategy")  # codes, here
    phone = fapi.post(f"{path}/prepare_verification", strategy="phone_code")
    assert refusal(phone) == (422, "verification_missing", "code")  # no phone number given


def test_sign_up_foreign_attempt(fapi, other_fapi, mailoutbox, db):
    created = sign_up(fapi).json()["response"]
    path = f"client/sign_ups/{created['id']}"
    for response in (
        other_fapi.get(path),
        other_fapi.patch(path, first_name="Mallory"),
        other_fapi.post(f"{path}/prepare_verification", strategy="email_code"),
        other_fapi.post(f"{path}/attempt_verification", strategy="email_code", code=WRONG),
    ):
        assert refusal(response)[:2] == (404, "resource_not_found")
    assert mailoutbox == []


def test_sign_up_update_adds_what_is_missing(fapi, db):
    created = fapi.post("client/sign_ups", email_address="grace@example.com").json()["response"]
    assert created["missing_fields"] == ["password"]
    updated = fapi.patch(f"client/sign_ups/{created['id']}", password="short")
    assert refusal(updated) == (422, "form_password_length_too_short", "password")
    updated = fapi.patch(f"client/sign_ups/{created['id']}", strategy="password", password=PASSWORD)
    assert updated.json()["response"]["missing_fields"] == []


@pytest.mark.ratelimit
def test_sign_up_rate_limited(fapi, db):
    statuses = [sign_up(fapi, email=f"u{i}@example.com").status_code for i in range(6)]
    assert statuses[-1] == 429


# --- sessions ---------------------------------------------------------------------------------


def test_session_endpoints_refuse_another_session_id(fapi, other_fapi, user, mailoutbox):
    done = signed_in_trusted(fapi, user, mailoutbox)
    session_id = done["response"]["created_session_id"]
    for action in ("touch", "tokens", "end", "remove"):
        response = other_fapi.post(f"client/sessions/{session_id}/{action}")
        assert refusal(response) == (401, "signed_out", None), action
        assert refusal(fapi.post(f"client/sessions/sess_unknown/{action}"))[0] == 401
    assert fapi.post(f"client/sessions/{session_id}/tokens").status_code == 200


def test_tokens_stop_at_sign_out(fapi, user, mailoutbox):
    done = signed_in_trusted(fapi, user, mailoutbox)
    session_id = done["response"]["created_session_id"]
    fapi.delete("client/sessions")
    assert refusal(fapi.post(f"client/sessions/{session_id}/tokens"))[:2] == (401, "signed_out")


def test_jwt_templates_are_not_served(fapi, user, mailoutbox):
    done = signed_in_trusted(fapi, user, mailoutbox)
    session_id = done["response"]["created_session_id"]
    response = fapi.post(f"client/sessions/{session_id}/tokens/supabase")
    assert refusal(response)[:2] == (404, "resource_not_found")


def test_unknown_methods_are_refused(fapi, db):
    assert fapi.client.put("/__clerk/v1/client").status_code == 405


def test_no_attempt_rows_for_refused_origins(user, db):
    assert SignInAttempt.objects.count() == 0
