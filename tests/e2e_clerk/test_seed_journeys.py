"""The seeds' pages on Clerk's own SDK (pinned @clerk/react and @clerk/clerk-js), each
flow to the signed-in state and a session token @clerk/backend accepts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from authflows.models import TrustedClient
from tests.conftest import PASSWORD
from tests.e2e.conftest import last_code
from tests.e2e_clerk.conftest import APP, verify_token

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def assert_signed_in(page: Page, live_server, user) -> dict:  # type: ignore[no-untyped-def]
    """The site's own home page shows the user (one session for pages and API); Clerk's
    hooks report it; the token verifies with @clerk/backend against the JWKS."""
    expect(page.locator(".signed-in-as")).to_contain_text(user.email)
    page.goto(f"{APP}/status.html")
    expect(page.locator("#state")).to_have_text("signed-in")
    expect(page.locator("#user-id")).to_have_text(f"user_{user.pk}")
    page.get_by_role("button", name="Get token").click()
    expect(page.locator("#token")).to_have_text(re.compile(r"^ey"))
    token = page.locator("#token").inner_text()
    cookie = {c["name"]: c["value"] for c in page.context.cookies()}.get("__session", "")
    assert cookie.startswith("ey"), "clerk-js keeps the session token in the __session cookie"
    result = verify_token(token, f"{live_server.url}/__clerk", live_server.url)
    assert result["ok"], result
    assert result["payload"]["sub"] == f"user_{user.pk}"
    assert result["payload"]["sid"] == page.locator("#session-id").inner_text()
    return result["payload"]


def test_client_trust_seed_001(page, live_server, user, mailoutbox):
    page.goto(f"{APP}/client-trust.html")
    page.get_by_label("Enter email address").fill(user.email)
    page.get_by_label("Enter password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Verify your account")).to_be_visible()
    assert len(mailoutbox) == 1
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(
        page.get_by_text("The code is incorrect. Check it and try again.", exact=True)
    ).to_be_visible()
    page.get_by_label("Code").fill(last_code(mailoutbox))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{live_server.url}/")
    assert TrustedClient.objects.filter(user=user).count() == 1
    assert_signed_in(page, live_server, user)
