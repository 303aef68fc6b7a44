"""Sign-in with identity providers in a real browser: an OpenID Provider (panva's
oidc-provider) and a SAML IdP (pysaml2) on loopback, their own sign-in pages, the site's
pages checked with axe-core like every journey (the providers' pages too)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from authflows.models import ExternalAccount, SSOConnection, SSODomain, User
from tests.conftest import PASSWORD
from tests.e2e.conftest import expect_status, last_code
from tests.sso.conftest import connection_to, provider_for
from tests.sso.idp import OpenIDProvider
from tests.sso.saml_idp import ServedIdentityProvider, new_folder

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def provider(live_server) -> Iterator[OpenIDProvider]:  # type: ignore[no-untyped-def]
    with provider_for(live_server.url) as started:
        yield started


@pytest.fixture
def test_idp(provider: OpenIDProvider) -> SSOConnection:
    return connection_to(provider, link_verified_email=True)


def sign_in_at_provider(page: Page, login: str) -> None:
    expect(page.get_by_role("heading", name="Sign in to the test provider")).to_be_visible()
    page.get_by_label("Username").fill(login)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_with_the_provider_on_a_new_device(new_page, test_idp, user, mailoutbox, shot):
    page = new_page()
    page.goto("/sign-in/")
    expect_status(page, "needs_identifier")
    shot(page, "sign-in-with-buttons", keep="sign-in-sso")
    page.get_by_role("link", name="Continue with Test IdP").click()
    sign_in_at_provider(page, "ada")
    # The provider proved who this is: no client-trust code on this new device.
    expect(page.locator(".signed-in-as")).to_contain_text("ada@example.com")
    assert mailoutbox == []
    assert ExternalAccount.objects.get().user == user
    page.goto("/user/")
    expect(page.locator("#connected-accounts")).to_contain_text("Test IdP")
    shot(page, "account-connected")


def test_link_and_unlink_on_the_account_page(new_page, test_idp, user, mailoutbox, shot):
    page = new_page()
    page.goto("/sign-in/")
    page.get_by_label("Enter email address").fill("ada@example.com")
    page.get_by_label("Enter password").fill(PASSWORD)
    page.get_by_role("button", name="Continue", exact=True).click()
    expect_status(page, "needs_client_trust")
    page.get_by_label("Code").fill(last_code(mailoutbox))
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".signed-in-as")).to_contain_text("ada@example.com")

    page.goto("/user/")
    expect(page.locator("#connected-accounts")).to_contain_text("No connected accounts.")
    page.get_by_role("button", name="Link Test IdP").click()
    expect(page.get_by_role("heading", name="Continue to Test IdP")).to_be_visible()
    shot(page, "continue-to-provider")
    page.get_by_role("link", name="Continue to Test IdP").click()
    sign_in_at_provider(page, "newbie")
    expect(page).to_have_url(re.compile(r"/user/#connected-accounts$"))
    expect(page.get_by_text("Your Test IdP account is linked.")).to_be_visible()
    connected = page.locator("#connected-accounts")
    expect(connected).to_contain_text("newbie@example.com")
    shot(page, "linked", keep="account-connected")
    assert ExternalAccount.objects.get().user == user

    connected.get_by_role("button", name="Unlink Test IdP").click()
    expect(page.get_by_text("Test IdP is no longer linked.")).to_be_visible()
    expect(page.locator("#connected-accounts")).to_contain_text("No connected accounts.")
    assert not ExternalAccount.objects.exists()


@pytest.fixture
def acme(live_server) -> Iterator[ServedIdentityProvider]:  # type: ignore[no-untyped-def]
    folder = new_folder()
    served = ServedIdentityProvider(folder, f"{live_server.url}/sso/saml/acme/metadata/")
    row = SSOConnection.objects.create(
        name="Acme",
        slug="acme",
        provider="saml",
        idp_entity_id="https://idp.acme.test/metadata",
        idp_sso_url=served.idp.sso_url,
        idp_certificate=served.idp.certificate,
    )
    SSODomain.objects.create(connection=row, domain="acme.test")
    yield served
    served.stop()
    shutil.rmtree(folder, ignore_errors=True)


def test_enterprise_sign_in_by_email_domain(new_page, acme, shot):
    page = new_page()
    page.goto("/sign-in/")
    page.get_by_label("Enter email address").fill("grace@acme.test")
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(page.get_by_role("heading", name="Continue to Acme")).to_be_visible()
    shot(page, "continue-to-acme", keep="enterprise-continue")
    page.get_by_role("link", name="Continue to Acme").click()
    expect(page.get_by_role("heading", name="Sign in to Acme")).to_be_visible()
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Acme has signed you in")).to_be_visible()
    page.get_by_role("button", name="Continue to the application").click()
    expect(page.locator(".signed-in-as")).to_contain_text("grace@acme.test")
    user = User.objects.get(email="grace@acme.test")
    assert user.email_verified and user.first_name == "Grace"
    assert ExternalAccount.objects.get(user=user).connection.slug == "acme"
