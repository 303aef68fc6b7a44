"""SMS codes as MFA: enrolment on a phone proved by an SMS code, and the second factor at
sign-in (sent on arrival, like signIn.mfa.sendPhoneCode())."""

from __future__ import annotations

import pytest

from authflows import clock
from authflows.models import AuthEvent, PhoneMFA, User
from tests.conftest import PASSWORD, error_codes, last_code, page_status, sign_in
from tests.mfa.conftest import (
    PHONE,
    enrol_phone,
    enrol_totp,
    reverify,
    sign_out,
    start_mfa_sign_in,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sms_on")]


def _send(client, phone: str = PHONE):  # type: ignore[no-untyped-def]
    return client.post("/user/mfa/phone/", {"phone": phone, "action": "send"})


def _verify(client, code: str):  # type: ignore[no-untyped-def]
    return client.post("/user/mfa/phone/", {"code": code, "action": "verify"})


# --- enrolment ---------------------------------------------------------------------------------


def test_enrolment_sends_a_code_then_adds_the_number(signed_in, user, sms_outbox):
    page = signed_in.get("/user/mfa/phone/")
    assert page_status(page) == "mfa_phone"
    response = _send(signed_in, "+44 1632 960962")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    assert [m.to for m in sms_outbox] == [PHONE]
    response = _verify(signed_in, last_code(sms_outbox[-1].body))
    # The first method added: backup codes are offered next.
    assert response["Location"] == "/user/mfa/backup-codes/"
    assert PhoneMFA.objects.get(user=user).phone == PHONE
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.MFA_ENABLED, user=user).exists()
    assert PHONE in signed_in.get("/user/").content.decode()


def test_a_verified_account_phone_is_added_at_once(client, make_user, sms_outbox):
    make_user(phone=PHONE, phone_verified=True)
    sign_in(client, "ada@example.com")
    response = _send(client, PHONE)
    assert response["Location"] == "/user/mfa/backup-codes/"
    assert sms_outbox == []
    assert PhoneMFA.objects.filter(phone=PHONE).exists()


def test_an_unverified_account_phone_is_verified_first(client, make_user, sms_outbox):
    make_user(phone=PHONE, phone_verified=False)
    sign_in(client, "ada@example.com")
    _send(client, PHONE)
    _verify(client, last_code(sms_outbox[-1].body))
    assert User.objects.get(phone=PHONE).phone_verified


def test_enrolment_wrong_code(signed_in, user, sms_outbox):
    _send(signed_in)
    code = last_code(sms_outbox[-1].body)
    response = _verify(signed_in, f"{(int(code) + 1) % 10**6:06d}")
    assert response.status_code == 400
    assert error_codes(response) == ["form_code_incorrect"]
    assert not PhoneMFA.objects.filter(user=user).exists()


def test_enrolment_expired_code(signed_in, user, sms_outbox):
    _send(signed_in)
    clock.advance(601)
    reverify(signed_in)  # ten minutes after signing in, a change needs a fresh proof
    response = _verify(signed_in, last_code(sms_outbox[-1].body))
    assert error_codes(response) == ["verification_expired"]
    assert not PhoneMFA.objects.filter(user=user).exists()


def test_enrolment_exhausted_tries(signed_in, user, sms_outbox):
    _send(signed_in)
    code = last_code(sms_outbox[-1].body)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    codes = [error_codes(_verify(signed_in, wrong)) for _ in range(5)]
    assert codes == [["form_code_incorrect"]] * 4 + [["verification_failed"]]
    assert error_codes(_verify(signed_in, code)) == ["verification_failed"]
    assert not PhoneMFA.objects.filter(user=user).exists()


def test_enrolment_resend_waits_for_the_cool_down(signed_in, sms_outbox):
    _send(signed_in)
    response = signed_in.post("/user/mfa/phone/", {"action": "resend"})
    assert error_codes(response) == ["verification_code_too_many_requests"]
    assert len(sms_outbox) == 1
    clock.advance(31)
    response = signed_in.post("/user/mfa/phone/", {"action": "resend"})
    assert error_codes(response) == []
    assert len(sms_outbox) == 2
    assert _verify(signed_in, last_code(sms_outbox[-1].body)).status_code == 302


@pytest.mark.parametrize("phone", ["", "not a number", "+1 23"])
def test_enrolment_refuses_a_bad_number(signed_in, phone):
    response = _send(signed_in, phone)
    assert response.status_code == 400
    expected = "form_param_missing" if not phone else "form_param_format_invalid"
    assert error_codes(response) == [expected]
    assert 'id="phone-error"' in response.content.decode()


def test_enrolment_refused_when_the_dashboard_has_it_off(signed_in, instance, sms_outbox):
    instance(mfa_phone_code=False)
    assert signed_in.get("/user/mfa/phone/")["Location"] == "/user/"
    assert _send(signed_in)["Location"] == "/user/"
    assert sms_outbox == []
    assert 'href="/user/mfa/phone/"' not in signed_in.get("/user/").content.decode()


# --- sign-in -------------------------------------------------------------------------------------


@pytest.fixture
def phone_user(signed_in, sms_outbox):  # type: ignore[no-untyped-def]
    enrol_phone(signed_in, sms_outbox)
    sign_out(signed_in)
    sms_outbox.clear()


def test_sign_in_with_an_sms_code(
    client, phone_user, user, sms_outbox, django_assert_max_num_queries
):
    start_mfa_sign_in(client, redirect_url="/user/")
    with django_assert_max_num_queries(8):
        page = client.get("/sign-in/factor-two/")
    assert page_status(page) == "needs_second_factor"
    assert [m.to for m in sms_outbox] == [PHONE]  # sent on arrival
    assert "I need a new code" in page.content.decode()
    code = last_code(sms_outbox[-1].body)
    with django_assert_max_num_queries(8):
        response = client.post("/sign-in/factor-two/", {"strategy": "phone_code", "code": code})
    assert response["Location"] == "/user/"
    assert int(client.session["_auth_user_id"]) == user.pk


def test_reloading_the_page_sends_no_second_code(client, phone_user, sms_outbox):
    start_mfa_sign_in(client)
    client.get("/sign-in/factor-two/")
    client.get("/sign-in/factor-two/")
    assert len(sms_outbox) == 1


def test_resend_after_the_cool_down(client, phone_user, sms_outbox, django_assert_max_num_queries):
    start_mfa_sign_in(client)
    client.get("/sign-in/factor-two/")
    too_soon = client.post("/sign-in/factor-two/", {"strategy": "phone_code", "action": "resend"})
    assert error_codes(too_soon) == ["verification_code_too_many_requests"]
    clock.advance(31)
    with django_assert_max_num_queries(8):
        client.post("/sign-in/factor-two/", {"strategy": "phone_code", "action": "resend"})
    assert len(sms_outbox) == 2
    code = last_code(sms_outbox[-1].body)
    response = client.post("/sign-in/factor-two/", {"strategy": "phone_code", "code": code})
    assert response.status_code == 302


def test_wrong_sms_code(client, phone_user, sms_outbox, django_assert_max_num_queries):
    start_mfa_sign_in(client)
    client.get("/sign-in/factor-two/")
    code = last_code(sms_outbox[-1].body)
    with django_assert_max_num_queries(8):
        response = client.post(
            "/sign-in/factor-two/",
            {"strategy": "phone_code", "code": f"{(int(code) + 1) % 10**6:06d}"},
        )
    assert error_codes(response) == ["form_code_incorrect"]
    assert "_auth_user_id" not in client.session


def test_expired_sms_code(client, phone_user, sms_outbox):
    start_mfa_sign_in(client)
    client.get("/sign-in/factor-two/")
    code = last_code(sms_outbox[-1].body)
    clock.advance(601)
    response = client.post("/sign-in/factor-two/", {"strategy": "phone_code", "code": code})
    # The attempt itself lives 10 minutes after its last step too: either answer ends here.
    assert error_codes(response) == ["verification_expired"] or response["Location"] == "/sign-in/"
    assert "_auth_user_id" not in client.session


def test_expired_sms_code_within_a_live_attempt(client, phone_user, sms_outbox):
    start_mfa_sign_in(client)
    client.get("/sign-in/factor-two/")
    code = last_code(sms_outbox[-1].body)
    clock.advance(300)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    client.post("/sign-in/factor-two/", {"strategy": "phone_code", "code": wrong})  # keeps it alive
    clock.advance(301)
    response = client.post("/sign-in/factor-two/", {"strategy": "phone_code", "code": code})
    assert error_codes(response) == ["verification_expired"]


def test_exhausted_sms_tries(client, phone_user, sms_outbox):
    start_mfa_sign_in(client)
    client.get("/sign-in/factor-two/")
    code = last_code(sms_outbox[-1].body)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    answers = [
        error_codes(client.post("/sign-in/factor-two/", {"strategy": "phone_code", "code": wrong}))
        for _ in range(5)
    ]
    assert answers == [["form_code_incorrect"]] * 4 + [["verification_failed"]]
    response = client.post("/sign-in/factor-two/", {"strategy": "phone_code", "code": code})
    assert error_codes(response) == ["verification_failed"]
    assert "_auth_user_id" not in client.session


def test_sms_not_enrolled_is_refused(client, signed_in, sms_outbox):
    enrol_totp(signed_in)
    sign_out(signed_in)
    start_mfa_sign_in(client)
    page = client.get("/sign-in/factor-two/?strategy=phone_code")
    assert error_codes(page) == ["strategy_for_user_invalid"]
    response = client.post("/sign-in/factor-two/", {"strategy": "phone_code", "code": "123456"})
    assert error_codes(response) == ["strategy_for_user_invalid"]
    resend = client.post("/sign-in/factor-two/", {"strategy": "totp", "action": "resend"})
    assert error_codes(resend) == ["strategy_for_user_invalid"]
    assert sms_outbox == []
    assert "_auth_user_id" not in client.session


def test_sms_disabled_in_the_dashboard_is_refused(client, signed_in, sms_outbox, instance):
    enrol_totp(signed_in)
    enrol_phone(signed_in, sms_outbox)
    sign_out(signed_in)
    sms_outbox.clear()
    instance(mfa_phone_code=False)
    start_mfa_sign_in(client)
    page = client.get("/sign-in/factor-two/?strategy=phone_code")
    assert error_codes(page) == ["strategy_for_user_invalid"]
    assert "Send a code by SMS" not in page.content.decode()
    response = client.post("/sign-in/factor-two/", {"strategy": "phone_code", "code": "123456"})
    assert error_codes(response) == ["strategy_for_user_invalid"]
    assert sms_outbox == []


def test_sms_only_user_starts_with_sms_and_totp_user_can_switch(client, signed_in, sms_outbox):
    enrol_totp(signed_in)
    enrol_phone(signed_in, sms_outbox)
    sign_out(signed_in)
    sms_outbox.clear()
    start_mfa_sign_in(client)
    page = client.get("/sign-in/factor-two/").content.decode()
    assert 'name="strategy" value="totp"' in page  # TOTP first when enrolled
    assert sms_outbox == []
    assert 'href="?strategy=phone_code"' in page
    client.get("/sign-in/factor-two/?strategy=phone_code")
    assert len(sms_outbox) == 1


def test_password_is_still_checked_first(client, phone_user, sms_outbox):
    response = sign_in(client, "ada@example.com", PASSWORD + "x")
    assert error_codes(response) == ["form_password_incorrect"]
    assert sms_outbox == []
