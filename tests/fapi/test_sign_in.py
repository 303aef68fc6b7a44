"""The Frontend API's sign-in as Clerk's SDK drives it: the seeds' flows, Clerk's objects,
and the same flows, protections and client cookie as the pages."""

from __future__ import annotations

import jwt
import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from authflows.factors.backup_code import replace_codes
from authflows.models import AuthEvent, PhoneMFA, TrustedClient
from tests.conftest import PASSWORD, last_code, sign_in
from tests.fapi.conftest import Fapi, signed_in_trusted

pytestmark = pytest.mark.django_db


def test_no_client_yet_is_a_null_client_not_an_error(fapi):
    assert fapi.get("client").json() == {"response": None, "client": None}


def test_environment_from_the_dashboard(fapi, instance):
    instance(application_name="Acme", mfa_phone_code=True, phone_sign_in=True)
    env = fapi.get("environment").json()
    assert env["display_config"]["application_name"] == "Acme"
    assert env["auth_config"]["single_session_mode"] is True
    attributes = env["user_settings"]["attributes"]
    assert attributes["phone_number"]["second_factors"] == ["phone_code"]
    assert attributes["authenticator_app"]["enabled"] is True
    assert env["organization_settings"] == {"enabled": False}
    assert fapi.patch("environment").json() == env  # what a pk_test_ SDK sends


def test_client_trust_seed_001(fapi, user, mailoutbox):
    answer = fapi.sign_in(user.email)
    assert answer.status_code == 200
    sign_in = answer.json()["response"]
    assert sign_in["status"] == "needs_client_trust"
    assert answer.json()["client"]["sign_in"]["id"] == sign_in["id"]
    [entry] = sign_in["supported_second_factors"]
    assert entry["strategy"] == "email_code" and entry["email_address_id"].startswith("idn_")
    assert entry["safe_identifier"] == "a•••@example.com"
    done = signed_in_trusted(fapi, user, mailoutbox)
    assert done["response"]["status"] == "complete"
    [session] = done["client"]["sessions"]
    assert done["response"]["created_session_id"] == session["id"]
    assert done["client"]["last_active_session_id"] == session["id"]
    assert session["user"]["id"] == f"user_{user.pk}"
    assert session["user"]["email_addresses"][0]["id"] == entry["email_address_id"]
    assert session["last_active_token"]["jwt"].count(".") == 2
    assert TrustedClient.objects.filter(user=user).count() == 1


def test_legacy_status_says_needs_second_factor_with_the_email_code_entry(fapi, user, instance):
    instance(client_trust_legacy_status=True)
    sign_in = fapi.sign_in(user.email).json()["response"]
    assert sign_in["status"] == "needs_second_factor"
    assert [f["strategy"] for f in sign_in["supported_second_factors"]] == ["email_code"]


def test_mfa_wins_over_client_trust_seed_004(fapi, user):
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    replace_codes(user)
    sign_in = fapi.sign_in(user.email).json()["response"]
    assert sign_in["status"] == "needs_second_factor"
    strategies = [f["strategy"] for f in sign_in["supported_second_factors"]]
    assert strategies == ["totp", "backup_code"]
    assert sign_in["supported_second_factors"][0] == {"strategy": "totp"}
    import pyotp

    code = pyotp.TOTP(__import__("base64").b32encode(device.bin_key).decode()).now()
    done = fapi.step(sign_in, "attempt_second_factor", strategy="totp", code=code).json()
    assert done["response"]["status"] == "complete"


def test_mfa_sms_code_is_sent_by_prepare(fapi, make_user, instance, sms_outbox):
    instance(phone_sign_in=True, mfa_phone_code=True)
    user = make_user(phone="+14155550123")
    PhoneMFA.objects.create(user=user, phone="+14155550123")
    sign_in = fapi.sign_in(user.email).json()["response"]
    entry = sign_in["supported_second_factors"][0]
    assert entry["strategy"] == "phone_code" and entry["phone_number_id"].startswith("idn_")
    prepared = fapi.step(
        sign_in,
        "prepare_second_factor",
        strategy="phone_code",
        phone_number_id=entry["phone_number_id"],
    )
    assert prepared.status_code == 200 and len(sms_outbox) == 1
    verification = prepared.json()["response"]["second_factor_verification"]
    assert verification["status"] == "unverified" and verification["strategy"] == "phone_code"
    code = last_code(sms_outbox[0].body)
    done = fapi.step(sign_in, "attempt_second_factor", strategy="phone_code", code=code)
    assert done.json()["response"]["status"] == "complete"


def test_legacy_two_step_create_then_password(fapi, user, mailoutbox):
    """signIn.create({identifier}) then attemptFirstFactor({strategy: 'password'})."""
    sign_in = fapi.post("client/sign_ins", identifier=user.email).json()["response"]
    assert sign_in["status"] == "needs_first_factor"
    strategies = [f["strategy"] for f in sign_in["supported_first_factors"]]
    assert strategies == ["email_code", "password", "reset_password_email_code"]
    moved = fapi.step(sign_in, "attempt_first_factor", strategy="password", password=PASSWORD)
    assert moved.json()["response"]["status"] == "needs_client_trust"


def test_passwordless_email_code(fapi, user, mailoutbox):
    sign_in = fapi.post("client/sign_ins", identifier=user.email).json()["response"]
    entry = sign_in["supported_first_factors"][0]
    prepared = fapi.step(
        sign_in,
        "prepare_first_factor",
        strategy="email_code",
        email_address_id=entry["email_address_id"],
    )
    assert prepared.status_code == 200 and len(mailoutbox) == 1
    code = last_code(mailoutbox[0].body)
    done = fapi.step(sign_in, "attempt_first_factor", strategy="email_code", code=code).json()
    assert done["response"]["status"] == "complete"
    assert done["client"]["sessions"][0]["status"] == "active"


def test_forgotten_password_reset(fapi, user, mailoutbox, browser):
    sign_in(browser, user.email)  # another session of the user: the reset ends it
    sign_in_ = fapi.post("client/sign_ins", identifier=user.email).json()["response"]
    reset_entry = sign_in_["supported_first_factors"][-1]
    prepared = fapi.step(
        sign_in_,
        "prepare_first_factor",
        strategy="reset_password_email_code",
        email_address_id=reset_entry["email_address_id"],
    ).json()["response"]
    assert len(mailoutbox) == 1
    code = last_code(mailoutbox[0].body)
    moved = fapi.step(
        prepared, "attempt_first_factor", strategy="reset_password_email_code", code=code
    )
    assert moved.json()["response"]["status"] == "needs_new_password"
    done = fapi.step(prepared, "reset_password", password="another-unusual-passphrase-77")
    assert done.json()["response"]["status"] == "complete"
    user.refresh_from_db()
    assert user.check_password("another-unusual-passphrase-77")


def test_sign_out_keeps_the_client_and_its_trust(fapi, user, mailoutbox):
    done = signed_in_trusted(fapi, user, mailoutbox)
    session_id = done["response"]["created_session_id"]
    assert (
        fapi.post(f"client/sessions/{session_id}/touch", intent="select_session").status_code == 200
    )
    out = fapi.delete("client/sessions").json()
    assert out["response"]["sessions"] == [] and out["response"]["id"] == done["client"]["id"]
    assert fapi.client.get("/user/").status_code == 302  # the pages' session ended too
    again = fapi.sign_in(user.email).json()
    assert again["response"]["status"] == "complete"  # the device is still trusted
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.SIGN_OUT, user=user).count() == 1


def test_end_a_session_by_its_id(fapi, user, mailoutbox):
    done = signed_in_trusted(fapi, user, mailoutbox)
    session_id = done["response"]["created_session_id"]
    ended = fapi.post(f"client/sessions/{session_id}/end").json()
    assert ended["response"]["status"] == "ended" and ended["client"]["sessions"] == []


def test_a_page_sign_in_is_the_api_session_and_back(client, user, mailoutbox):
    """One client cookie, one session: signed in on the pages, the SDK sees the session;
    signed in through the API, the pages see it."""
    from tests.core.helpers import complete_sign_in

    fapi = Fapi(client)  # the pages' forms here post without a CSRF token (tests/core does)
    complete_sign_in(fapi.client, user.email, mailoutbox, PASSWORD)
    client = fapi.get("client").json()["response"]
    assert client["sessions"][0]["user"]["id"] == f"user_{user.pk}"
    fapi.delete("client/sessions")
    again = fapi.sign_in(user.email).json()  # the pages trusted this device
    assert again["response"]["status"] == "complete"
    assert fapi.client.get("/user/").status_code == 200


def test_an_attempt_begun_on_the_api_continues_on_the_pages(client, user, mailoutbox):
    fapi = Fapi(client)
    sign_in_ = fapi.sign_in(user.email).json()["response"]
    assert client.get("/sign-in/client-trust/").status_code == 200
    response = client.post("/sign-in/client-trust/", {"code": last_code(mailoutbox[-1].body)})
    assert response["Location"] == "/"
    assert fapi.get("client").json()["response"]["sign_in"] is None
    assert (
        fapi.step(sign_in_, "attempt_second_factor", strategy="email_code", code="1").status_code
        == 404
    )


def test_require_mfa_gives_a_pending_session_with_its_task(fapi, user, instance, mailoutbox):
    """A user without MFA under "require MFA": the session is pending, its task setup-mfa;
    its token says so (sts), and the pages take the task over."""
    instance(mfa_required=True)
    done = signed_in_trusted(fapi, user, mailoutbox)
    [session] = done["client"]["sessions"]
    assert session["status"] == "pending" and session["tasks"] == [{"key": "setup-mfa"}]
    token = fapi.post(f"client/sessions/{session['id']}/tokens").json()["jwt"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["sts"] == "pending"
    assert fapi.client.get("/user/")["Location"] == "/sign-in/tasks/setup-mfa/"
