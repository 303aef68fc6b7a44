"""A forgotten-password reset of an account with MFA asks for the second factor before the
new password, and changes nothing before the new password (SPEC 2, issue 16 point 4).

The attacker has only the owner's mailbox: they ask for a reset, enter the emailed code and
land on factor two. Until the second factor passes, the password is unchanged, the owner's
sessions and trusted devices are intact and no failure count is cleared. After the second
factor and the new password, every session of the user ends and every device is revoked
(the browser that did the reset is trusted again: it passed MFA)."""

from __future__ import annotations

import pytest
from django.test import Client

from authflows import clock
from authflows.models import AuthEvent, PhoneMFA, TrustedClient, User, UserSession
from tests.conftest import PASSWORD, error_codes, last_code, page_status, sign_in
from tests.protect.conftest import sign_in_with_totp, strangers, totp_code

pytestmark = pytest.mark.django_db

RESET = "/sign-in/reset-password/"
FACTOR_TWO = "/sign-in/factor-two/"
NEW_PASSWORD = "correct-horse-battery-staple-71"
WRONG = "not-the-password-at-all"
PHONE = "+441632960962"


@pytest.fixture
def owner(user, instance, totp_device, mailoutbox) -> Client:  # type: ignore[no-untyped-def]
    """The owner, signed in on a browser they trusted by passing MFA there."""
    instance(client_trust=True)
    browser = Client()
    assert sign_in_with_totp(browser, totp_device, user.email)["Location"] == "/"
    assert browser.get("/user/").status_code == 200
    mailoutbox.clear()
    return browser


def reset_code(browser: Client, identifier: str, mailoutbox: list):  # type: ignore[no-untyped-def,type-arg]
    """Forgot password?: the identifier, then the emailed code."""
    assert browser.post(RESET, {"identifier": identifier})["Location"] == RESET
    assert page_status(browser.get(RESET)) == "needs_first_factor"
    return browser.post(RESET, {"code": last_code(mailoutbox[-1].body)})


def snapshot(user: User) -> dict[str, object]:
    """What a reset may change: the password, sessions, devices, and its audit trail."""
    row = User.objects.get(pk=user.pk)
    return {
        "password": row.password,
        "sessions": sorted(UserSession.objects.filter(user=user).values_list("pk", flat=True)),
        "devices": sorted(TrustedClient.objects.filter(user=user).values_list("pk", flat=True)),
        "reset events": AuthEvent.objects.filter(
            kind=AuthEvent.Kind.PASSWORD_RESET, user=user
        ).count(),
        "revoked events": AuthEvent.objects.filter(
            kind=AuthEvent.Kind.TRUST_REVOKED, user=user
        ).count(),
    }


def test_the_reset_code_leads_to_factor_two_and_changes_nothing(user, owner, mailoutbox):
    before = snapshot(user)
    attacker = Client()
    response = reset_code(attacker, user.email, mailoutbox)
    assert response.status_code == 302
    assert response["Location"] == FACTOR_TWO
    assert attacker.get(RESET)["Location"] == FACTOR_TWO  # no new-password step yet
    assert page_status(attacker.get(FACTOR_TWO)) == "needs_second_factor"
    assert snapshot(user) == before
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)
    assert owner.get("/user/").status_code == 200
    assert "_auth_user_id" not in attacker.session


def test_no_door_sets_the_password_before_the_second_factor(user, owner, mailoutbox):
    """The attacker at factor two tries every way to post a new password."""
    before = snapshot(user)
    attacker = Client()
    reset_code(attacker, user.email, mailoutbox)
    attempts = [
        attacker.post(RESET, {"password": NEW_PASSWORD}),
        attacker.post(RESET, {"password": NEW_PASSWORD, "action": "verify"}),
        attacker.post(FACTOR_TWO, {"strategy": "password", "password": NEW_PASSWORD}),
        attacker.post(
            "/api/sign-in/attempt/",
            {"action": "attempt", "strategy": "reset_password_email_code", "code": "123456"},
        ),
        attacker.post(FACTOR_TWO, {"strategy": "totp", "code": "000000"}),
    ]
    assert all(response.status_code < 500 for response in attempts)
    assert snapshot(user) == before
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)
    assert not User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert owner.get("/user/").status_code == 200
    assert "_auth_user_id" not in attacker.session


def test_the_owners_failure_count_survives_a_reset_stopped_at_factor_two(
    user, owner, instance, mailoutbox
):
    """Three failures before, the reset up to factor two, then seven more: the account locks
    (a cleared count would leave it open)."""
    instance(lockout_max_attempts=10)
    for browser in strangers(3):
        assert error_codes(sign_in(browser, user.email, WRONG)) == ["form_password_incorrect"]
    reset_code(Client(), user.email, mailoutbox)
    for browser in strangers(7, first=3):
        assert error_codes(sign_in(browser, user.email, WRONG)) == ["form_password_incorrect"]
    assert error_codes(sign_in(strangers(1, first=10)[0], user.email)) == ["user_locked"]


@pytest.mark.parametrize("method", ["totp", "backup_code"])
def test_after_mfa_and_the_new_password_every_session_and_device_ends(
    user, owner, totp_device, backup_codes, mailoutbox, method
):
    before = snapshot(user)
    clock.advance(30)  # the next authenticator step
    other = Client()  # another of the owner's sessions, on another browser
    assert sign_in_with_totp(other, totp_device, user.email)["Location"] == "/"
    trusted_before = set(
        TrustedClient.objects.filter(user=user).values_list("client_id", flat=True)
    )
    assert len(trusted_before) == 2
    clock.advance(30)
    resetter = Client()
    assert reset_code(resetter, user.email, mailoutbox)["Location"] == FACTOR_TWO
    data = (
        {"strategy": "totp", "code": totp_code(totp_device)}
        if method == "totp"
        else {"code": backup_codes[0], "useBackupCode": "on"}
    )
    response = resetter.post(FACTOR_TWO, data)
    assert response.status_code == 302, error_codes(response)
    assert response["Location"] == RESET
    page = resetter.get(RESET)
    assert page_status(page) == "needs_new_password"
    # The second factor passed; still nothing changed before the new password.
    unchanged = snapshot(user)
    assert unchanged["password"] == before["password"]
    assert unchanged["reset events"] == unchanged["revoked events"] == 0
    assert owner.get("/user/").status_code == other.get("/user/").status_code == 200
    assert set(TrustedClient.objects.filter(user=user).values_list("client_id", flat=True)) == (
        trusted_before
    )

    assert resetter.post(RESET, {"password": NEW_PASSWORD})["Location"] == RESET
    assert resetter.get(RESET)["Location"] == "/"
    assert resetter.session["_auth_user_id"] == str(user.pk)
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert owner.get("/user/").status_code == 302  # signed out everywhere else
    assert other.get("/user/").status_code == 302
    assert list(UserSession.objects.filter(user=user).values_list("session_key", flat=True)) == [
        resetter.session.session_key
    ]
    # Every device revoked; the resetting browser passed MFA, so it alone is trusted now.
    devices = TrustedClient.objects.filter(user=user)
    assert devices.count() == 1
    assert devices.get().client_id not in trusted_before
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.PASSWORD_RESET, user=user).count() == 1


def test_an_sms_mfa_owner_gets_the_sms_before_the_new_password(
    make_user, instance, mailoutbox, sms_outbox
):
    instance(client_trust=False, phone_sign_in=True, mfa_phone_code=True)
    user = make_user(phone=PHONE, phone_verified=True)
    PhoneMFA.objects.create(user=user, phone=PHONE)
    password = User.objects.get(pk=user.pk).password
    browser = Client()
    assert reset_code(browser, user.email, mailoutbox)["Location"] == FACTOR_TWO
    assert browser.get(FACTOR_TWO).status_code == 200
    assert sms_outbox[-1].to == PHONE
    assert User.objects.get(pk=user.pk).password == password
    response = browser.post(
        FACTOR_TWO, {"strategy": "phone_code", "code": last_code(sms_outbox[-1].body)}
    )
    assert response["Location"] == RESET
    assert User.objects.get(pk=user.pk).password == password
    browser.post(RESET, {"password": NEW_PASSWORD})
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
