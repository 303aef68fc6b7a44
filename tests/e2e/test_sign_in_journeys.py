"""Password sign-in in a real browser: a new device proves itself with an emailed code
(client trust), a trusted device goes straight in, and the form works from the keyboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import expect_status, last_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in_with_password(page: Page, identifier: str) -> None:
    page.get_by_label("Enter email address").fill(identifier)
    page.get_by_label("Enter password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()


def test_new_device_then_trusted_device(page, user, mailoutbox, shot):
    page.goto("/sign-in/")
    expect_status(page, "needs_identifier")
    shot(page, "sign-in-form", keep="sign-in")
    sign_in_with_password(page, "ada@example.com")

    expect(page).to_have_url(re.compile(r"/sign-in/client-trust/$"))
    expect_status(page, "needs_client_trust")
    expect(page.get_by_role("heading", name="Verify your account")).to_be_visible()
    expect(page.locator("main")).to_contain_text("a•••@example.com")
    shot(page, "client-trust-code", keep="client-trust")
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["ada@example.com"]

    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator('[data-error-code="form_code_incorrect"]')).to_be_visible()
    shot(page, "wrong-code")

    page.get_by_label("Code").fill(last_code(mailoutbox))
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".signed-in-as")).to_contain_text("ada@example.com")
    shot(page, "signed-in", keep="signed-in")

    # Signing out keeps the device trusted: the next password sign-in needs no code.
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You're signed out.")).to_be_visible()
    page.goto("/sign-in/")
    sign_in_with_password(page, "ada@example.com")
    expect(page.locator(".signed-in-as")).to_contain_text("ada@example.com")
    assert len(mailoutbox) == 2  # the new-sign-in notice only: no second code
    shot(page, "trusted-device-signed-in")


def test_another_device_is_asked_again(new_page, user, mailoutbox, shot):
    first = new_page()
    first.goto("/sign-in/")
    sign_in_with_password(first, "ada@example.com")
    first.get_by_label("Code").fill(last_code(mailoutbox))
    first.get_by_role("button", name="Verify").click()
    expect(first.locator(".signed-in-as")).to_be_visible()

    second = new_page()
    second.goto("/sign-in/")
    sign_in_with_password(second, "ada@example.com")
    expect_status(second, "needs_client_trust")
    shot(second, "second-device-asked")


def test_keyboard_only(page, user, mailoutbox, shot):
    """Tab and Enter only: focus order, labels and submit-on-Enter work without a mouse."""
    page.goto("/sign-in/")
    identifier = page.get_by_label("Enter email address")
    if not identifier.evaluate("element => element === document.activeElement"):
        for _ in range(10):  # bounded: from the top of the page to the first field
            page.keyboard.press("Tab")
            if identifier.evaluate("element => element === document.activeElement"):
                break
    expect(identifier).to_be_focused()
    page.keyboard.type("ada@example.com")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Enter password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    shot(page, "typed")
    page.keyboard.press("Enter")

    expect_status(page, "needs_client_trust")
    code = page.get_by_label("Code")
    if not code.evaluate("element => element === document.activeElement"):
        for _ in range(10):
            page.keyboard.press("Tab")
            if code.evaluate("element => element === document.activeElement"):
                break
    expect(code).to_be_focused()
    page.keyboard.type(last_code(mailoutbox))
    page.keyboard.press("Enter")
    expect(page.locator(".signed-in-as")).to_contain_text("ada@example.com")
    shot(page, "signed-in")
