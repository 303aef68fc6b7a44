"""User administration: MFA methods listed (never secrets or codes) and a reset action."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from authflows.models import AuthEvent, BackupCode, PhoneMFA
from tests.conftest import PASSWORD, sign_in
from tests.mfa.conftest import PHONE, create_backup_codes, enrol_phone, enrol_totp, sign_out

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sms_on")]


@pytest.fixture
def enrolled(signed_in, user, sms_outbox):  # type: ignore[no-untyped-def]
    secret = enrol_totp(signed_in)
    enrol_phone(signed_in, sms_outbox)
    codes = create_backup_codes(signed_in)
    sign_out(signed_in)
    return secret, codes


@pytest.fixture
def staff(make_user, browser):  # type: ignore[no-untyped-def]
    make_user("root@example.com", is_staff=True, is_superuser=True)
    assert sign_in(browser, "root@example.com", PASSWORD).status_code == 302
    return browser


def test_user_page_lists_methods_without_secrets(staff, user, enrolled):
    secret, codes = enrolled
    page = staff.get(f"/admin/authflows/user/{user.pk}/change/").content.decode()
    assert "Authenticator app" in page
    assert PHONE in page
    assert "10 backup codes left" in page
    device = TOTPDevice.objects.get(user=user)
    for value in (secret, device.key, *codes):
        assert value not in page


def test_totp_device_admin_is_not_exposed(staff):
    assert not admin.site.is_registered(TOTPDevice)
    assert staff.get("/admin/otp_totp/totpdevice/").status_code == 404


def test_reset_mfa_action(staff, user, enrolled):
    response = staff.post(
        "/admin/authflows/user/",
        {"action": "reset_mfa", "_selected_action": [user.pk], "index": 0},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not PhoneMFA.objects.filter(user=user).exists()
    assert not BackupCode.objects.filter(user=user).exists()
    event = AuthEvent.objects.filter(kind=AuthEvent.Kind.MFA_DISABLED, user=user).first()
    assert event is not None and event.actor == "root@example.com"
