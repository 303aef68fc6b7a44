"""Sign-in with an identity provider through Clerk's own SDK (signIn.sso() on sso.html,
<AuthenticateWithRedirectCallback /> on sso-callback.html) against panva's oidc-provider on
loopback: the first visit signs up (the SDK's transfer), the next one on a new device signs
in; each ends on the site's home page signed in, with a token @clerk/backend accepts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from authflows.models import ExternalAccount, SSOConnection, User
from tests.e2e_clerk.conftest import APP
from tests.e2e_clerk.test_seed_journeys import assert_signed_in
from tests.sso.conftest import connection_to, provider_for
from tests.sso.idp import OpenIDProvider

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def provider(live_server) -> Iterator[OpenIDProvider]:  # type: ignore[no-untyped-def]
    with provider_for(live_server.url) as started:
        yield started


@pytest.fixture
def test_idp(provider: OpenIDProvider) -> SSOConnection:
    return connection_to(provider)


def sign_in_with_the_provider(page: Page, login: str) -> None:
    page.goto(f"{APP}/sso.html")
    page.get_by_role("button", name="Sign in with Test IdP").click()
    expect(page.get_by_role("heading", name="Sign in to the test provider")).to_be_visible()
    page.get_by_label("Username").fill(login)
    page.get_by_role("button", name="Sign in").click()


def test_sign_up_then_sign_in_with_the_provider(new_page, live_server, test_idp):
    page = new_page()
    sign_in_with_the_provider(page, "newbie")
    page.wait_for_url(f"{live_server.url}/")
    user = User.objects.get(email="newbie@example.com")
    assert ExternalAccount.objects.get().user == user and not user.has_usable_password()
    assert_signed_in(page, live_server, user)

    other = new_page()  # a new device: the linked account signs in
    sign_in_with_the_provider(other, "newbie")
    other.wait_for_url(f"{live_server.url}/")
    assert User.objects.count() == 1
    assert_signed_in(other, live_server, user)
