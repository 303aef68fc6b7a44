"""Journeys through sign-up and MFA enrolment: sign-up with an emailed code, adding an
authenticator app from the secret shown at enrolment and then signing in with it (and with
a backup code), and the require-MFA task after sign-in."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import expect_status, last_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, identifier: str = "ada@example.com") -> None:
    page.goto("/sign-in/")
    page.get_by_label("Enter email address").fill(identifier)
    page.get_by_label("Enter password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()


def enrol_authenticator(page: Page) -> pyotp.TOTP:
    """Read the secret the page shows, as a person types it into their app, and confirm."""
    secret = page.locator("#totp-secret").get_attribute("data-secret")
    assert secret
    authenticator = pyotp.TOTP(secret)
    page.get_by_label("Code", exact=True).fill(authenticator.now())
    page.get_by_role("button", name="Verify").click()
    return authenticator


def test_sign_up_with_an_email_code(page, mailoutbox, shot):
    page.goto("/sign-up/")
    shot(page, "sign-up-form", keep="sign-up")
    page.get_by_label("Enter email address").fill("grace@example.com")
    page.get_by_label("Enter password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Verify your email address")).to_be_visible()
    shot(page, "email-code", keep="sign-up-verify")
    page.get_by_label("Code", exact=True).fill(last_code(mailoutbox))
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".signed-in-as")).to_contain_text("grace@example.com")
    shot(page, "signed-up")


def test_authenticator_app_enrolment_then_sign_in(new_page, user, mailoutbox, shot):
    page = new_page()
    sign_in(page)
    page.get_by_label("Code", exact=True).fill(last_code(mailoutbox))
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".signed-in-as")).to_contain_text("ada@example.com")
    page.goto("/user/")
    page.get_by_role("link", name="Add an authenticator app").click()
    shot(page, "enrol-totp", keep="enrol-totp")
    authenticator = enrol_authenticator(page)
    expect(page.locator("main")).to_contain_text("Authenticator app")
    page.get_by_role("button", name="Create backup codes").click()
    codes = page.locator("#backup-codes code").all_inner_texts()
    assert len(codes) == 10
    shot(page, "backup-codes", keep="backup-codes")

    other = new_page()  # another device: MFA, not client trust
    sign_in(other)
    expect_status(other, "needs_second_factor")
    # Enrolment used this 30-second step; the next one is within the accepted tolerance.
    other.get_by_label("Code", exact=True).fill(authenticator.at(int(time.time()) + 30))
    other.get_by_role("button", name="Verify").click()
    expect(other.locator(".signed-in-as")).to_contain_text("ada@example.com")

    third = new_page()
    sign_in(third)
    third.get_by_label("Use backup code").check()
    third.get_by_label("Code", exact=True).fill(codes[0])
    third.get_by_role("button", name="Verify").click()
    expect(third.locator(".signed-in-as")).to_contain_text("ada@example.com")


def test_require_mfa_task(page, user, instance, mailoutbox, shot):
    instance(mfa_required=True)
    sign_in(page)
    page.get_by_label("Code", exact=True).fill(last_code(mailoutbox))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(re.compile(r"/sign-in/tasks/setup-mfa/"))
    expect(page.locator("main")).to_contain_text("requires multi-factor authentication")
    shot(page, "setup-mfa-task", keep="setup-mfa-task")
    enrol_authenticator(page)
    expect(page.locator(".signed-in-as")).to_contain_text("ada@example.com")
