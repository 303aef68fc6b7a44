"""An operator turns a setting on in the Dashboard (/admin/) and the sign-in page changes on
the next request: enabling username sign-in adds "or username" to the identifier label."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import expect_status, last_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_turning_on_username_sign_in(new_page, make_user, mailoutbox, shot):
    make_user(email="root@example.com", is_staff=True, is_superuser=True)
    make_user(email="grace@example.com", username="grace_h")
    visitor = new_page()
    visitor.goto("/sign-in/")
    expect(visitor.locator("label[for=identifier]")).to_have_text("Enter email address")

    # The admin sends a signed-out operator to /sign-in/, with MFA and client trust as usual.
    operator = new_page()
    operator.goto("/admin/")
    expect(operator).to_have_url(re.compile(r"/sign-in/\?redirect_url=%2Fadmin%2F$"))
    operator.get_by_label("Enter email address").fill("root@example.com")
    operator.get_by_label("Enter password").fill(PASSWORD)
    operator.get_by_role("button", name="Continue").click()
    expect_status(operator, "needs_client_trust")
    operator.get_by_label("Code").fill(last_code(mailoutbox))
    operator.get_by_role("button", name="Verify").click()
    expect(operator).to_have_url(re.compile(r"/admin/$"))
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
