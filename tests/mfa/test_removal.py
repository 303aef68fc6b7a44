"""Removing MFA methods: password first; the last real method takes the backup codes with
it; with Require MFA on, the last usable method stays."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from authflows.models import AuthEvent, BackupCode, PhoneMFA
from tests.conftest import PASSWORD, error_codes, page_status
from tests.mfa.conftest import create_backup_codes, enrol_phone, enrol_totp

pytestmark = pytest.mark.django_db


def _remove(client, method: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(f"/user/mfa/{method}/remove/", {"password": password})


def test_removal_page_asks_for_the_password(signed_in):
    enrol_totp(signed_in)
    response = signed_in.get("/user/mfa/totp/remove/")
    assert page_status(response) == "mfa_remove"
    assert 'autocomplete="current-password"' in response.content.decode()


def test_wrong_password_keeps_the_method(signed_in, user):
    enrol_totp(signed_in)
    response = _remove(signed_in, "totp", "not-the-password")
    assert response.status_code == 400
    assert error_codes(response) == ["form_password_incorrect"]
    assert 'id="password-error"' in response.content.decode()
    assert TOTPDevice.objects.filter(user=user).exists()


def test_missing_password_keeps_the_method(signed_in, user):
    enrol_totp(signed_in)
    assert error_codes(_remove(signed_in, "totp", "")) == ["form_param_missing"]
    assert TOTPDevice.objects.filter(user=user).exists()


def test_removing_the_last_method_removes_the_backup_codes(signed_in, user):
    enrol_totp(signed_in)
    create_backup_codes(signed_in)
    response = _remove(signed_in, "totp")
    assert response["Location"] == "/user/"
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not BackupCode.objects.filter(user=user).exists()
    kinds = set(AuthEvent.objects.filter(user=user).values_list("kind", "data__strategy"))
    assert (AuthEvent.Kind.MFA_DISABLED, "totp") in kinds
    assert (AuthEvent.Kind.MFA_DISABLED, "backup_code") in kinds


def test_removing_one_of_two_methods_keeps_the_backup_codes(signed_in, user, sms_on, sms_outbox):
    enrol_totp(signed_in)
    enrol_phone(signed_in, sms_outbox)
    create_backup_codes(signed_in)
    assert _remove(signed_in, "phone")["Location"] == "/user/"
    assert not PhoneMFA.objects.filter(user=user).exists()
    assert BackupCode.objects.filter(user=user).count() == 10


def test_require_mfa_keeps_the_last_method(signed_in, user, instance):
    enrol_totp(signed_in)
    instance(mfa_required=True)
    response = _remove(signed_in, "totp")
    assert response.status_code == 400
    assert error_codes(response) == ["second_factor_deletion_not_allowed"]
    assert TOTPDevice.objects.filter(user=user).exists()


def test_require_mfa_allows_removing_one_of_two(signed_in, user, instance, sms_on, sms_outbox):
    enrol_totp(signed_in)
    enrol_phone(signed_in, sms_outbox)
    instance(mfa_required=True)
    assert _remove(signed_in, "totp")["Location"] == "/user/"
    assert error_codes(_remove(signed_in, "phone")) == ["second_factor_deletion_not_allowed"]
    assert PhoneMFA.objects.filter(user=user).exists()


def test_require_mfa_counts_only_methods_the_dashboard_has_on(
    signed_in, user, instance, sms_on, sms_outbox
):
    """SMS codes switched off in the Dashboard cannot stand in for the authenticator app."""
    enrol_totp(signed_in)
    enrol_phone(signed_in, sms_outbox)
    instance(mfa_required=True, mfa_phone_code=False)
    assert error_codes(_remove(signed_in, "totp")) == ["second_factor_deletion_not_allowed"]
    assert _remove(signed_in, "phone")["Location"] == "/user/"


def test_nothing_to_remove_goes_back(signed_in):
    assert signed_in.get("/user/mfa/totp/remove/")["Location"] == "/user/"
    assert _remove(signed_in, "phone")["Location"] == "/user/"


def test_removal_needs_a_session(client):
    response = _remove(client, "totp")
    assert response["Location"].startswith("/sign-in/")
