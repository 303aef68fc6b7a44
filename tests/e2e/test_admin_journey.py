"""The operator in /admin/: turning a setting on in the Dashboard changes the sign-in page on
the next request (username sign-in adds "or username" to the identifier label), and revoking
a user's trusted device on the user's page makes that device prove itself again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import expect_status, last_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in_with_code(page: Page, identifier: str, mailoutbox: list) -> None:  # type: ignore[type-arg]
    page.get_by_label("Enter email address").fill(identifier)
    page.get_by_label("Enter password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect_status(page, "needs_client_trust")
    page.get_by_label("Code").fill(last_code(mailoutbox))
    page.get_by_role("button", name="Verify").click()


def sign_in_to_admin(operator: Page, mailoutbox: list) -> Page:  # type: ignore[type-arg]
    """The admin sends a signed-out operator to /sign-in/, with client trust as usual."""
    operator.goto("/admin/")
    expect(operator).to_have_url(re.compile(r"/sign-in/\?redirect_url=%2Fadmin%2F$"))
    sign_in_with_code(operator, "root@example.com", mailoutbox)
    expect(operator).to_have_url(re.compile(r"/admin/$"))
    return operator


def test_turning_on_username_sign_in(new_page, make_user, mailoutbox, shot):
    make_user(email="root@example.com", is_staff=True, is_superuser=True)
    make_user(email="grace@example.com", username="grace_h")
    visitor = new_page()
    visitor.goto("/sign-in/")
    expect(visitor.locator("label[for=identifier]")).to_have_text("Enter email address")

    operator = sign_in_to_admin(new_page(), mailoutbox)
    shot(operator, "dashboard")

    operator.goto("/admin/authflows/instancesettings/")
    checkbox = operator.get_by_label("sign-in with username")
    expect(checkbox).not_to_be_checked()
    checkbox.check()
    operator.get_by_role("heading", name="Username").scroll_into_view_if_needed()
    shot(operator, "username-sign-in-checked", keep="dashboard-username", full_page=False)
    operator.get_by_role("button", name="Save", exact=True).click()
    expect(operator.locator(".messagelist")).to_contain_text("changed successfully")

    visitor.reload()
    label = visitor.locator("label[for=identifier]")
    expect(label).to_have_text("Enter email address or username")
    shot(visitor, "sign-in-with-username", keep="sign-in-username")
    visitor.get_by_label("Enter email address or username").fill("grace_h")
    visitor.get_by_label("Enter password").fill(PASSWORD)
    visitor.get_by_role("button", name="Continue").click()
    expect_status(visitor, "needs_client_trust")


def test_revoking_a_users_trusted_device(new_page, make_user, mailoutbox, shot):
    make_user(email="root@example.com", is_staff=True, is_superuser=True)
    make_user(email="grace@example.com")
    laptop = new_page()  # Grace's browser becomes trusted by her emailed code
    laptop.goto("/sign-in/")
    sign_in_with_code(laptop, "grace@example.com", mailoutbox)
    expect(laptop.locator(".signed-in-as")).to_contain_text("grace@example.com")
    laptop.get_by_role("banner").get_by_role("button", name="Sign out").click()
    expect(laptop.get_by_text("You're signed out.")).to_be_visible()

    operator = sign_in_to_admin(new_page(), mailoutbox)
    operator.get_by_role("link", name="Users").first.click()
    expect(operator.locator("#result_list")).to_contain_text("grace@example.com")
    shot(operator, "users")
    operator.get_by_role("link", name="grace@example.com").click()
    expect(operator.locator(".field-mfa_methods")).to_contain_text("None")
    # Every input of the user's page has a name a screen reader can announce.
    expect(operator.get_by_label("locked until: date")).to_be_empty()
    expect(operator.get_by_label("locked until: time")).to_be_empty()
    operator.get_by_label(re.compile(r"^Delete trusted device client \d+$")).check()
    shot(operator, "revoke-device")
    operator.get_by_role("button", name="Save", exact=True).click()
    expect(operator.locator(".messagelist")).to_contain_text("changed successfully")

    laptop.goto("/sign-in/")
    laptop.get_by_label("Enter email address").fill("grace@example.com")
    laptop.get_by_label("Enter password").fill(PASSWORD)
    laptop.get_by_role("button", name="Continue").click()
    expect_status(laptop, "needs_client_trust")  # no longer trusted
