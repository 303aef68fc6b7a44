"""The site as `make run` serves it (DEBUG, the dev outbox, the demo users): a demo user signs
in on a new browser and reads the emailed code on /dev/outbox/, as the README describes."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.conftest import expect_status

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "demo-password-2468"


@pytest.fixture
def demo(settings):  # type: ignore[no-untyped-def]
    settings.DEBUG = True
    settings.AUTHFLOWS_DEV_OUTBOX = True
    call_command("demo_data", stdout=None)


def test_demo_user_reads_the_code_in_the_dev_outbox(demo, new_page, shot):
    page = new_page()
    page.goto("/")
    expect(page.get_by_role("link", name="Dev outbox")).to_be_visible()
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("Enter email address").fill("alice@example.com")
    page.get_by_label("Enter password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect_status(page, "needs_client_trust")

    outbox = page.context.new_page()  # the outbox in a second tab
    outbox.goto("/dev/outbox/")
    expect_status(outbox, "outbox")
    message = outbox.locator('.outbox-message[data-channel="email"]').first
    expect(message).to_contain_text("alice@example.com")
    # Only the outbox's own list: nothing else on the page renders the sent messages again.
    expect(outbox.locator("main ul.messages")).to_have_count(0)
    shot(outbox, "dev-outbox")
    code = re.findall(r"\b(\d{6})\b", message.locator("pre").inner_text())[-1]

    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".signed-in-as")).to_contain_text("alice@example.com")
