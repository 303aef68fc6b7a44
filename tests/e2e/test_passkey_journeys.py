"""Passkeys in a real browser: Debian's Chromium with the DevTools protocol's virtual
authenticator (WebAuthn.enable, WebAuthn.addVirtualAuthenticator: CTAP2, an internal
transport, resident keys, user verification), on http://localhost (Chromium refuses an IP
address as a relying party ID; pytest-django's live server listens on localhost).

Journeys: adding a passkey after a new proof of identity, signing out, signing in with the
passkey and no password (from the identifier field's autofill, and with the button in a
browser without passkey autofill), the passkey as a second factor, a failing user
verification refused, and a copy of the key (its counter started again) refused.

The virtual authenticator picks a passkey offered in autofill at once, as a person choosing
it from the list would; journeys that press the button use a browser without autofill
(isConditionalMediationAvailable() answers false, as in browsers that lack it)."""

from __future__ import annotations

import base64
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import CDPSession, Page, expect
from webauthn.helpers import bytes_to_base64url

from authflows import clock
from authflows.models import AuthEvent, Passkey
from tests.conftest import PASSWORD
from tests.e2e.conftest import expect_status, last_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


class VirtualAuthenticator:
    """A platform authenticator (like a laptop's fingerprint reader) in this browser tab."""

    def __init__(self, page: Page, **options: object) -> None:
        self.cdp: CDPSession = page.context.new_cdp_session(page)
        self.cdp.send("WebAuthn.enable", {"enableUI": False})
        added = self.cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "ctap2Version": "ctap2_1",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                    "automaticPresenceSimulation": True,
                    **options,
                }
            },
        )
        self.id = added["authenticatorId"]

    def credentials(self) -> list[dict]:  # type: ignore[type-arg]
        found = self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.id})
        return list(found["credentials"])

    def set_user_verified(self, verified: bool) -> None:
        self.cdp.send(
            "WebAuthn.setUserVerified", {"authenticatorId": self.id, "isUserVerified": verified}
        )

    def replace_with_copy(self, *, sign_count: int) -> None:
        """Put a copy of the key in place of the original: same key, a counter started again."""
        credential = self.credentials()[0]
        self.cdp.send(
            "WebAuthn.removeCredential",
            {"authenticatorId": self.id, "credentialId": credential["credentialId"]},
        )
        self.cdp.send(
            "WebAuthn.addCredential",
            {"authenticatorId": self.id, "credential": {**credential, "signCount": sign_count}},
        )


WITHOUT_AUTOFILL = """Object.defineProperty(PublicKeyCredential, "isConditionalMediationAvailable",
  {value: () => Promise.resolve(false)});"""


WITHOUT_JSON_HELPERS = """delete PublicKeyCredential.parseCreationOptionsFromJSON;
delete PublicKeyCredential.parseRequestOptionsFromJSON;
delete PublicKeyCredential.prototype.toJSON;"""


def without_autofill(page: Page) -> Page:
    page.context.add_init_script(script=WITHOUT_AUTOFILL)
    return page


def password_sign_in(page: Page, mailoutbox: list) -> None:  # type: ignore[type-arg]
    page.goto("/sign-in/")
    page.get_by_label("Enter email address").fill("ada@example.com")
    page.get_by_label("Enter password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    if "/client-trust/" in page.url:
        page.get_by_label("Code").fill(last_code(mailoutbox))
        page.get_by_role("button", name="Verify").click()
    expect(page.locator(".signed-in-as")).to_contain_text("ada@example.com")


def add_passkey(page: Page, name: str = "This laptop", shot=None) -> None:  # type: ignore[no-untyped-def]
    page.goto("/user/")
    page.get_by_role("link", name="Add a passkey").click()
    expect_status(page, "passkey_add")
    page.get_by_label("Name").fill(name)
    if shot:
        shot(page, "add-passkey")
    page.get_by_role("button", name="Create a passkey").click()
    expect(page).to_have_url(re.compile(r"/user/$|/user/#passkeys$"))
    expect(page.locator("#passkeys")).to_contain_text(name)


def sign_out(page: Page) -> None:
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You're signed out.")).to_be_visible()


def signed_in_home(page: Page) -> None:
    """The home page, signed in, after a script's navigation: waited for before asserting,
    so that the accessibility check (made at each assertion) sees the home page and not the
    page the script was leaving."""
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    expect(page.locator(".signed-in-as")).to_contain_text("ada@example.com")


def sign_in_with_passkey(page: Page) -> None:
    page.goto("/sign-in/")
    expect_status(page, "needs_identifier")
    page.get_by_role("button", name="Sign in with a passkey").click()


@pytest.fixture
def passkeys(instance):  # type: ignore[no-untyped-def]
    return instance(passkeys_enabled=True)


def test_register_after_reverification_then_sign_in_without_a_password(
    page, user, passkeys, mailoutbox, shot
):
    authenticator = VirtualAuthenticator(page)
    password_sign_in(page, mailoutbox)
    assert urlsplit(page.url).hostname == "localhost"

    # Eleven minutes later the sign-in no longer counts as a recent proof of identity.
    clock.advance(11 * 60)
    page.goto("/user/")
    page.get_by_role("link", name="Add a passkey").click()
    expect_status(page, "reverify")
    page.get_by_label("Enter password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect_status(page, "passkey_add")
    page.get_by_label("Name").fill("This laptop")
    shot(page, "add-passkey", keep="passkey-add")
    page.get_by_role("button", name="Create a passkey").click()
    expect(page.locator(".messages")).to_contain_text("Passkey added.")
    expect(page.locator("#passkeys")).to_contain_text("This laptop")
    shot(page, "account-with-passkey", keep="passkey-account")
    assert len(authenticator.credentials()) == 1
    stored = Passkey.objects.get(user=user)
    raw = base64.b64decode(authenticator.credentials()[0]["credentialId"])  # CDP: plain base64
    assert stored.credential_id == bytes_to_base64url(raw)
    assert any("passkey was added" in m.subject for m in mailoutbox)

    sign_out(page)
    # The sign-in page offers the passkey in the identifier field's autofill: chosen there,
    # it signs in without a button, an identifier or a password. (The options request is
    # held until the page has been looked at.)
    held: list = []  # type: ignore[type-arg]
    page.route("**/api/passkeys/sign-in/options/", lambda route: held.append(route))
    page.goto("/sign-in/")
    expect_status(page, "needs_identifier")
    expect(page.get_by_label("Enter email address")).to_have_attribute(
        "autocomplete", "username webauthn"
    )
    expect(page.get_by_role("button", name="Sign in with a passkey")).to_be_visible()
    shot(page, "sign-in-with-passkey", keep="passkey-sign-in")
    while not held:
        page.wait_for_timeout(50)
    held[0].continue_()
    page.unroute("**/api/passkeys/sign-in/options/")
    signed_in_home(page)
    event = AuthEvent.objects.filter(kind=AuthEvent.Kind.SIGN_IN_SUCCEEDED).first()
    assert event is not None and event.data["strategy"] == "passkey"
    page.goto("/user/")
    expect(page.locator("#passkeys [data-last-used]")).not_to_have_attribute("data-last-used", "")

    # Rename and remove it on the account page.
    page.locator("#passkeys").get_by_role("link", name="Rename This laptop").click()
    page.get_by_label("Name").fill("Work laptop")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#passkeys")).to_contain_text("Work laptop")
    page.locator("#passkeys").get_by_role("link", name="Remove Work laptop").click()
    expect_status(page, "passkey_remove")
    page.get_by_role("button", name="Remove").click()
    expect(page.locator(".messages")).to_contain_text("Passkey removed.")
    expect(page.locator("#passkeys")).to_contain_text("No passkeys yet.")


def test_the_button_signs_in_where_there_is_no_autofill(page, user, passkeys, mailoutbox):
    """An older browser: no autofill, and none of WebAuthn's JSON helpers (the script falls
    back to its own base64url conversion both ways)."""
    without_autofill(page)
    page.context.add_init_script(script=WITHOUT_JSON_HELPERS)
    VirtualAuthenticator(page)
    password_sign_in(page, mailoutbox)
    helpers = (
        "[typeof PublicKeyCredential.parseRequestOptionsFromJSON,"
        " typeof PublicKeyCredential.prototype.toJSON]"
    )
    assert page.evaluate(helpers) == ["undefined", "undefined"]
    add_passkey(page)
    sign_out(page)
    sign_in_with_passkey(page)
    signed_in_home(page)


def test_a_passkey_as_the_second_factor(page, user, passkeys, mailoutbox, shot):
    without_autofill(page)
    VirtualAuthenticator(page)
    password_sign_in(page, mailoutbox)
    add_passkey(page)
    sign_out(page)

    # With passkeys allowed as a second factor, the password now asks for the passkey.
    page.goto("/sign-in/")
    page.get_by_label("Enter email address").fill("ada@example.com")
    page.get_by_label("Enter password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect_status(page, "needs_second_factor")
    expect(page.locator("main")).to_contain_text("Use your passkey to confirm it's you.")
    shot(page, "factor-two-passkey", keep="passkey-factor-two")
    page.get_by_role("button", name="Use your passkey").click()
    signed_in_home(page)
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.PASSKEY_FAILED).count() == 0


def test_user_verification_failing_is_refused(page, user, passkeys, mailoutbox, shot):
    without_autofill(page)
    authenticator = VirtualAuthenticator(page)
    password_sign_in(page, mailoutbox)
    add_passkey(page)
    sign_out(page)

    # The authenticator can't verify the user (wrong fingerprint): the browser gives up.
    authenticator.set_user_verified(False)
    sign_in_with_passkey(page)
    expect(page.locator("#passkey-error")).to_be_visible()
    expect(page.locator("#passkey-error")).to_have_attribute(
        "data-error-code", "passkey_retrieval_cancelled"
    )
    shot(page, "user-verification-failed")
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()

    # An authenticator that answers anyway without the user-verification flag: the site
    # refuses the answer, counts it and audits it.
    authenticator.set_user_verified(True)
    authenticator.cdp.send(
        "WebAuthn.setResponseOverrideBits", {"authenticatorId": authenticator.id, "isBadUV": True}
    )
    sign_in_with_passkey(page)
    expect(page.locator("#passkey-error")).to_have_attribute(
        "data-error-code", "passkey_verification_failed"
    )
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.PASSKEY_FAILED, user=user).count() == 1
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()


def test_a_copy_of_the_passkey_is_refused(page, user, passkeys, mailoutbox, shot):
    without_autofill(page)
    authenticator = VirtualAuthenticator(page)
    password_sign_in(page, mailoutbox)
    add_passkey(page)
    sign_out(page)
    sign_in_with_passkey(page)
    signed_in_home(page)
    sign_out(page)
    used = Passkey.objects.get(user=user).sign_count
    assert used == authenticator.credentials()[0]["signCount"] >= 2

    authenticator.replace_with_copy(sign_count=0)
    sign_in_with_passkey(page)
    expect(page.locator("#passkey-error")).to_have_attribute(
        "data-error-code", "passkey_verification_failed"
    )
    shot(page, "copied-passkey-refused")
    clone = AuthEvent.objects.get(kind=AuthEvent.Kind.PASSKEY_CLONE_SUSPECTED)
    assert (clone.user, clone.data["stored"], clone.data["received"]) == (user, used, 1)
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
