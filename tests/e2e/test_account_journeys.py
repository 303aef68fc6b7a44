"""Account journeys in a real browser: adding an email address and making it primary, adding
a phone number, deleting the account, and sign-in-or-up (standard and strict enumeration
protection). Codes come from the mail and SMS outboxes, as a person reads them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from authflows.delivery import sms
from authflows.models import EmailAddress, User
from tests.conftest import PASSWORD
from tests.e2e.conftest import expect_status, last_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, mailoutbox: list, identifier: str = "ada@example.com") -> None:  # type: ignore[type-arg]
    """Password, then the new device's emailed code when asked."""
    page.goto("/sign-in/")
    page.get_by_label("Enter email address").fill(identifier)
    page.get_by_label("Enter password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    if "/sign-in/client-trust/" in page.url:
        page.get_by_label("Code", exact=True).fill(last_code(mailoutbox))
        page.get_by_role("button", name="Verify").click()
    expect(page.locator(".signed-in-as")).to_contain_text("Signed in as")


def enter_code(page: Page, code: str) -> None:
    page.get_by_label("Code", exact=True).fill(code)
    page.get_by_role("button", name="Verify").click()


def test_add_an_email_address_and_make_it_primary(new_page, user, mailoutbox, shot):
    page = new_page()
    sign_in(page, mailoutbox)
    page.goto("/user/")
    page.get_by_role("link", name="Add an email address").click()
    shot(page, "add-email", keep="add-email")
    page.get_by_label("Enter email address").fill("ada.work@example.com")
    page.get_by_role("button", name="Continue").click()
    expect_status(page, "email_address_unverified")
    expect(page.locator("main")).to_contain_text("Enter the code we sent to")
    assert mailoutbox[-1].to == ["ada.work@example.com"]
    shot(page, "email-code")
    enter_code(page, last_code(mailoutbox))
    expect(page.locator(".messages")).to_contain_text("Email address verified.")
    added = page.locator('tr[data-email-address="ada.work@example.com"]')
    expect(added).to_have_attribute("data-verified", "true")
    expect(added).to_have_attribute("data-primary", "false")

    page.get_by_role("link", name="Manage ada.work@example.com").click()
    shot(page, "manage-email")
    page.get_by_role("button", name="Make primary").click()
    expect(page.locator(".messages")).to_contain_text(
        "ada.work@example.com is now your primary email address."
    )
    expect(added).to_have_attribute("data-primary", "true")
    shot(page, "primary-switched", keep="email-primary")
    notice = mailoutbox[-1]
    assert notice.to == ["ada@example.com"] and "primary email address" in notice.subject

    other = new_page()  # the new primary address signs in; its code goes there
    sign_in(other, mailoutbox, "ada.work@example.com")
    assert mailoutbox[-1].to == ["ada.work@example.com"]
    expect(other.locator(".signed-in-as")).to_contain_text("ada.work@example.com")


def test_add_a_phone_number(new_page, user, instance, mailoutbox, shot):
    instance(phone_sign_in=True)
    page = new_page()
    sign_in(page, mailoutbox)
    page.goto("/user/")
    page.get_by_role("link", name="Add a phone number").click()
    page.get_by_label("Enter phone number").fill("+1 415 555 0123")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("main")).to_contain_text("Enter the code we sent by SMS to")
    shot(page, "phone-code", keep="add-phone")
    enter_code(page, re.findall(r"\b(\d{6})\b", sms.outbox[-1].body)[-1])
    expect(page.locator(".messages")).to_contain_text("Phone number verified.")
    row = page.locator('tr[data-phone-number="+14155550123"]')
    expect(row).to_have_attribute("data-primary", "true")  # the first one
    shot(page, "phone-added")

    other = new_page()  # signs in with the number (this device gets the emailed code)
    sign_in(other, mailoutbox, "+14155550123")
    expect(other.locator(".signed-in-as")).to_contain_text("ada@example.com")


def test_delete_my_account(new_page, user, mailoutbox, shot):
    page = new_page()
    sign_in(page, mailoutbox)
    page.goto("/user/")
    page.get_by_role("link", name="Delete my account").click()
    expect_status(page, "delete_account")
    page.get_by_label("Type “delete my account” to confirm").fill("delete it")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.locator("[data-error-code=form_param_value_invalid]")).to_be_visible()
    shot(page, "confirmation-refused")
    page.get_by_label("Type “delete my account” to confirm").fill("delete my account")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.locator(".messages")).to_contain_text("Your account was deleted.")
    shot(page, "deleted", keep="account-deleted")
    assert not User.objects.exists()
    assert "deleted" in mailoutbox[-1].subject

    page.goto("/sign-in/")
    page.get_by_label("Enter email address").fill("ada@example.com")
    page.get_by_label("Enter password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("[data-error-code=form_identifier_not_found]")).to_be_visible()


def test_sign_in_or_up(new_page, user, mailoutbox, shot):
    page = new_page()  # an unknown address: a sign-up with it
    page.goto("/sign-in-or-up/")
    shot(page, "form", keep="sign-in-or-up")
    page.get_by_label("Enter email address").fill("grace@example.com")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Enter password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    enter_code(page, last_code(mailoutbox))
    expect(page.locator(".signed-in-as")).to_contain_text("grace@example.com")

    known = new_page()  # a known one: its emailed sign-in code
    known.goto("/sign-in-or-up/")
    known.get_by_label("Enter email address").fill("ada@example.com")
    known.get_by_role("button", name="Continue").click()
    expect_status(known, "needs_first_factor")
    enter_code(known, last_code(mailoutbox))
    expect(known.locator(".signed-in-as")).to_contain_text("ada@example.com")


def test_sign_in_or_up_under_strict_protection(new_page, user, instance, mailoutbox, shot):
    instance(enumeration_protection="strict")
    page = new_page()  # unknown: a code first, like everyone, then what is still missing
    page.goto("/sign-in-or-up/")
    page.get_by_label("Enter email address").fill("grace@example.com")
    page.get_by_role("button", name="Continue").click()
    expect_status(page, "needs_first_factor")
    assert mailoutbox[-1].to == ["grace@example.com"]
    shot(page, "code-for-anyone")
    enter_code(page, last_code(mailoutbox))
    expect(page.get_by_label("Enter password")).to_be_visible()
    shot(page, "transferred-to-sign-up")
    page.get_by_label("Enter password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".signed-in-as")).to_contain_text("grace@example.com")
    assert EmailAddress.objects.get(email_address="grace@example.com").verified

    known = new_page()
    known.goto("/sign-in-or-up/")
    known.get_by_label("Enter email address").fill("ada@example.com")
    known.get_by_role("button", name="Continue").click()
    expect_status(known, "needs_first_factor")
    enter_code(known, last_code(mailoutbox))
    expect(known.locator(".signed-in-as")).to_contain_text("ada@example.com")
