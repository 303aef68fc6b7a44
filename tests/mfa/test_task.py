"""Require MFA: a user without MFA gets the pending setup-mfa session task. While it is
pending the session is signed out everywhere else; adding a method finishes it."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from authflows.models import PhoneMFA
from tests.conftest import PASSWORD, error_codes, last_code, page_status, sign_in
from tests.mfa.conftest import PHONE, app_code, enrol_totp, shown_secret, sign_out

pytestmark = pytest.mark.django_db

TASK = "/sign-in/tasks/setup-mfa/"


@pytest.fixture
def required(instance):  # type: ignore[no-untyped-def]
    return instance(mfa_required=True)


@pytest.fixture
def pending(client, user, required):  # type: ignore[no-untyped-def]
    response = sign_in(client, "ada@example.com", PASSWORD, redirect_url="/user/?tab=security")
    assert response["Location"] == TASK
    return client


def test_protected_pages_send_a_pending_session_to_the_task(pending):
    assert pending.get("/user/")["Location"] == TASK
    assert pending.get("/user/mfa/totp/")["Location"] == TASK
    assert "_auth_user_id" not in pending.session


def test_the_rest_of_the_site_sees_no_signed_in_user(pending):
    home = pending.get("/").content.decode()
    assert "Signed in as" not in home
    assert 'href="/sign-in/"' in home


def test_task_page_offers_the_authenticator_app(pending):
    response = pending.get(TASK)
    page = response.content.decode()
    assert page_status(response) == "setup-mfa"
    assert "<svg" in page and 'autocomplete="one-time-code"' in page
    assert "Sign out" in page


def test_adding_an_app_finishes_the_task_and_continues(pending, user):
    secret = shown_secret(pending.get(TASK).content.decode())
    response = pending.post(TASK, {"method": "totp", "code": app_code(secret)})
    assert response["Location"] == "/user/?tab=security"
    assert int(pending.session["_auth_user_id"]) == user.pk
    assert pending.get("/user/").status_code == 200
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_a_wrong_code_keeps_the_task_pending(pending):
    shown_secret(pending.get(TASK).content.decode())
    response = pending.post(TASK, {"method": "totp", "code": "000000"})
    assert error_codes(response) == ["form_code_incorrect"]
    assert pending.get("/user/")["Location"] == TASK


def test_adding_sms_codes_finishes_the_task(client, user, instance, sms_outbox):
    instance(phone_sign_in=True, mfa_phone_code=True, mfa_required=True)
    sign_in(client, "ada@example.com", PASSWORD, redirect_url="/user/")
    page = client.get(TASK).content.decode()
    assert 'href="?method=phone_code"' in page
    assert 'id="phone"' in client.get(TASK + "?method=phone_code").content.decode()
    client.post(TASK, {"method": "phone_code", "phone": PHONE, "action": "send"})
    code = last_code(sms_outbox[-1].body)
    response = client.post(TASK, {"method": "phone_code", "code": code, "action": "verify"})
    assert response["Location"] == "/user/"
    assert PhoneMFA.objects.filter(user=user, phone=PHONE).exists()
    assert int(client.session["_auth_user_id"]) == user.pk


def test_sms_only_instance_starts_with_sms(client, user, instance):
    instance(phone_sign_in=True, mfa_phone_code=True, mfa_totp=False, mfa_required=True)
    sign_in(client, "ada@example.com")
    page = client.get(TASK).content.decode()
    assert 'id="phone"' in page and "<svg" not in page


def test_task_without_a_pending_session_goes_to_sign_in(client, db):
    assert client.get(TASK)["Location"] == "/sign-in/"


def test_signing_out_ends_the_pending_session(pending):
    pending.post("/sign-out/")
    assert pending.get(TASK)["Location"] == "/sign-in/"


def test_users_with_mfa_are_not_asked(client, signed_in, required, django_assert_max_num_queries):
    secret = enrol_totp(signed_in)
    sign_out(signed_in)
    sign_in(client, "ada@example.com")
    with django_assert_max_num_queries(8):
        response = client.post(
            "/sign-in/factor-two/", {"strategy": "totp", "code": app_code(secret)}
        )
    assert response["Location"] == "/"
    assert "_auth_user_id" in client.session


def test_require_mfa_turned_off_meanwhile_finishes_the_task(pending, instance, user):
    instance(mfa_required=False)
    response = pending.get(TASK)
    assert response["Location"] == "/user/?tab=security"
    assert int(pending.session["_auth_user_id"]) == user.pk
