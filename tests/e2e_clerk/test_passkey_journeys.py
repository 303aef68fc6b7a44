"""Passkeys through Clerk's own SDK (pinned @clerk/clerk-js) in Chromium with the DevTools
virtual authenticator, on http://localhost: user.createPasskey() after a password sign-in,
then signIn.passkey({flow: 'discoverable'}) with no password, then the password and
signIn.mfa.passkey() as the second factor; an answer without user verification is refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from authflows.models import AuthEvent, Passkey
from tests.conftest import PASSWORD
from tests.e2e.test_passkey_journeys import VirtualAuthenticator
from tests.e2e_clerk.conftest import APP, settle
from tests.e2e_clerk.test_seed_journeys import assert_signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAGE = f"{APP}/passkeys.html"
#: clerk-js turns passkeys off in a browser that says it is automated (navigator.webdriver,
#: which Playwright sets): this browser says it is not, as a person's would.
NOT_AUTOMATED = "Object.defineProperty(Navigator.prototype, 'webdriver', {get: () => false});"


def passkey_ready(page: Page) -> VirtualAuthenticator:
    page.context.add_init_script(script=NOT_AUTOMATED)
    return VirtualAuthenticator(page)


def sign_out(page: Page) -> None:
    page.goto(f"{APP}/status.html")
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#state")).to_have_text("signed-out")
    settle(page)


def password(page: Page, user) -> None:  # type: ignore[no-untyped-def]
    page.goto(PAGE)
    page.get_by_label("Enter email address").fill(user.email)
    page.get_by_label("Enter password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()


def test_add_sign_in_second_factor_and_a_refused_answer(page, live_server, user, instance):
    instance(passkeys_enabled=True, client_trust=False)
    authenticator = passkey_ready(page)
    password(page, user)
    page.wait_for_url(f"{live_server.url}/")

    page.goto(PAGE)
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.locator("#added")).to_contain_text("Passkey added")
    settle(page)  # the live server shares this thread's SQLite connection: no query meanwhile
    assert Passkey.objects.filter(user=user).count() == 1
    assert len(authenticator.credentials()) == 1
    sign_out(page)

    page.goto(PAGE)
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(f"{live_server.url}/")
    assert_signed_in(page, live_server, user)
    sign_out(page)

    password(page, user)  # the passkey is now an MFA method: it is asked for
    page.get_by_role("button", name="Use your passkey").click()
    page.wait_for_url(f"{live_server.url}/")
    assert_signed_in(page, live_server, user)
    settle(page)
    assert Passkey.objects.get().last_used_at is not None

    # An authenticator that answers without the user-verification flag: the Frontend API
    # refuses the answer in Clerk's error shape, counts it and audits it. (One journey, not
    # two tests: on the in-memory SQLite database the live server shares this thread's
    # connection, and the SDK's last requests of one test can meet the next test's flush.)
    sign_out(page)
    authenticator.cdp.send(
        "WebAuthn.setResponseOverrideBits", {"authenticatorId": authenticator.id, "isBadUV": True}
    )
    page.goto(PAGE)
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.locator("#error")).to_have_text("passkey_verification_failed")
    settle(page)
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.PASSKEY_FAILED, user=user).count() == 1
    page.goto(f"{APP}/status.html")
    expect(page.locator("#state")).to_have_text("signed-out")
