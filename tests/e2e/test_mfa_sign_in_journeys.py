"""Signing in with a second factor in a real browser: an authenticator-app code, an SMS code,
a backup code. The methods are set up on the account directly here; the journeys that
enrol them through the account pages belong with those pages."""

from __future__ import annotations

import base64
import re

import pyotp
import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from authflows.factors.backup_code import replace_codes
from authflows.models import PhoneMFA
from tests.conftest import PASSWORD
from tests.e2e.conftest import expect_status

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def password_first(page: Page, identifier: str = "ada@example.com") -> None:
    page.goto("/sign-in/")
    page.get_by_label("Enter email address").fill(identifier)
    page.get_by_label("Enter password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect_status(page, "needs_second_factor")


def verify(page: Page, code: str) -> None:
    page.get_by_label("Code", exact=True).fill(code)
    page.get_by_role("button", name="Verify").click()


def authenticator(device: TOTPDevice) -> pyotp.TOTP:
    """What an authenticator app holds: the base32 secret of the device's key."""
    return pyotp.TOTP(base64.b32encode(device.bin_key).decode())


def test_authenticator_app_code(page, user, shot):
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    password_first(page)
    expect(page.locator("main")).to_contain_text("Enter the code from your authenticator app.")
    shot(page, "totp-code", keep="factor-two-totp")
    verify(page, "000000")
    expect(page.locator('[data-error-code="form_code_incorrect"]')).to_be_visible()
    verify(page, authenticator(device).now())
    expect(page.locator(".signed-in-as")).to_contain_text("ada@example.com")
    shot(page, "signed-in")


def test_sms_code(page, make_user, instance, sms_outbox, shot):
    instance(phone_sign_in=True, mfa_phone_code=True)
    user = make_user(email="ada@example.com", phone="+14155550123")
    PhoneMFA.objects.create(user=user, phone="+14155550123")
    password_first(page)
    expect(page.locator("main")).to_contain_text("Enter the code we sent to your phone by SMS.")
    assert len(sms_outbox) == 1 and sms_outbox[0].to == "+14155550123"
    shot(page, "sms-code")
    verify(page, re.findall(r"\b(\d{6})\b", sms_outbox[0].body)[-1])
    expect(page.locator(".signed-in-as")).to_contain_text("ada@example.com")


def expect_keyboard(page: Page, *, letters: bool) -> None:
    """The code field asks phones for a text keyboard (backup codes contain letters) or a
    numeric keypad with one-time-code autofill (app and SMS codes)."""
    field = page.get_by_label("Code", exact=True)
    expect(field).to_have_attribute("inputmode", "text" if letters else "numeric")
    expect(field).to_have_attribute("autocomplete", "off" if letters else "one-time-code")


def test_backup_code(page, user, shot):
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    codes = replace_codes(user)
    password_first(page)
    expect_keyboard(page, letters=False)
    expect(page.get_by_role("link", name="Use a backup code")).to_be_hidden()  # the box does it
    page.get_by_label("Use backup code").check()
    expect_keyboard(page, letters=True)
    page.get_by_label("Use backup code").uncheck()
    expect_keyboard(page, letters=False)
    page.get_by_label("Use backup code").check()
    verify(page, codes[0].upper())  # case and dash do not matter
    expect(page.locator(".signed-in-as")).to_contain_text("ada@example.com")
    shot(page, "signed-in-with-backup-code")

    # A backup code works once.
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You're signed out.")).to_be_visible()
    password_first(page)
    page.get_by_label("Use backup code").check()
    verify(page, codes[0])
    expect(page.locator("#code-error")).to_be_visible()
    shot(page, "used-backup-code-refused")


def test_backup_code_without_javascript(new_page, user, shot):
    """On a phone without scripts the tick box can't change the keyboard: a link opens the
    page in backup-code mode, where the field takes letters."""
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    codes = replace_codes(user)
    page = new_page(phone=True, javascript=False)
    password_first(page)
    expect_keyboard(page, letters=False)
    page.get_by_role("link", name="Use a backup code").click()
    expect(page.locator("main")).to_contain_text("Enter one of your backup codes.")
    expect_keyboard(page, letters=True)
    expect(page.get_by_label("Use backup code")).to_be_checked()
    shot(page, "backup-code-page")
    verify(page, codes[1])
    expect(page.locator(".signed-in-as")).to_contain_text("ada@example.com")
