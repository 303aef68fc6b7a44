"""Fixtures of the SSO tests: a real OpenID Provider on loopback, connections to it, and the
steps a browser takes between the site and the provider."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlencode, urlsplit

import pytest
from django.test import Client

from authflows.models import SSOConnection, SSODomain
from authflows.sso import config
from tests.sso.idp import OpenIDProvider

SECRET = "a-client-secret-for-tests-0123456789"
SLUGS = ("test", "github", "acme-oidc", "other", "apple")


@contextmanager
def provider_for(site_url: str) -> Iterator[OpenIDProvider]:
    """The loopback provider with one client, "authflows-test", whose callback is the site's
    (a live server's, for browser journeys)."""
    redirect = f"{site_url}/sso/callback/test/"
    client = {"client_id": "authflows-test", "client_secret": SECRET, "redirect_uris": [redirect]}
    started = OpenIDProvider([client])
    try:
        yield started
    finally:
        started.stop()


def connection_to(provider: OpenIDProvider, **fields: object) -> SSOConnection:
    """The "test" connection to provider_for()'s provider, as the Dashboard saves one."""
    row = SSOConnection(
        name="Test IdP",
        slug="test",
        provider="oidc",
        client_id="authflows-test",
        issuer=provider.issuer,
        **fields,
    )
    config.set_client_secret(row, SECRET)
    row.save()
    return row


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[OpenIDProvider]:
    clients = [
        {
            "client_id": f"authflows-{slug}",
            "client_secret": SECRET,
            "redirect_uris": [f"http://testserver/sso/callback/{slug}/"],
            # Apple's preset sends the secret in the body, as Apple wants.
            "token_endpoint_auth_method": (
                "client_secret_post" if slug == "apple" else "client_secret_basic"
            ),
        }
        for slug in SLUGS
    ]
    provider = OpenIDProvider(clients)
    yield provider
    provider.stop()


@pytest.fixture
def idp(oidc_provider: OpenIDProvider) -> Iterator[OpenIDProvider]:
    yield oidc_provider
    oidc_provider.control("clock", offset=0)


@pytest.fixture
def connection(db, idp: OpenIDProvider) -> Callable[..., SSOConnection]:  # type: ignore[no-untyped-def]
    """A connection to the loopback provider, as the Dashboard saves one."""

    def make(
        slug: str = "test", provider: str = "oidc", domains: tuple[str, ...] = (), **fields: object
    ) -> SSOConnection:
        row = SSOConnection(
            name=fields.pop("name", "Test IdP"),
            slug=slug,
            provider=provider,
            client_id=f"authflows-{slug}",
            issuer=str(fields.pop("issuer", idp.issuer if provider == "oidc" else "")),
            **fields,
        )
        if provider == "github":
            row.authorization_url = idp.issuer + "/auth"
            row.token_url = idp.issuer + "/token"
            row.userinfo_url = idp.issuer + "/github/user"
            row.scopes = "openid email profile"
        config.set_client_secret(row, SECRET)
        row.save()
        for domain in domains:
            SSODomain.objects.create(connection=row, domain=domain)
        return row

    return make


def forward_url(browser: Client, response) -> str:  # type: ignore[no-untyped-def]
    """After a form that leads to a provider: /sso/continue/ names it and links to it."""
    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == "/sso/continue/"
    page = browser.get("/sso/continue/")
    assert page.status_code == 200
    match = re.search(r'href="([^"]+)" data-sso-continue', page.content.decode())
    assert match, page.content.decode()
    return html.unescape(match.group(1))


def start(browser: Client, slug: str = "test", redirect_url: str = "") -> str:
    """Follow "Continue with ..." on the sign-in page; return the provider's URL."""
    page = browser.get(
        "/sign-in/" + (f"?{urlencode({'redirect_url': redirect_url})}" if redirect_url else "")
    )
    links = re.findall(r'href="(/sso/start/[^"]+)"', page.content.decode())
    link = next(html.unescape(href) for href in links if href.startswith(f"/sso/start/{slug}/"))
    response = browser.get(link)
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def back(browser: Client, url: str):  # type: ignore[no-untyped-def]
    """The provider sends the browser back to the site."""
    parts = urlsplit(url)
    assert parts.netloc == "testserver", url
    return browser.get(f"{parts.path}?{parts.query}")


def sign_in_with(browser: Client, idp: OpenIDProvider, login: str, slug: str = "test", **kw: str):  # type: ignore[no-untyped-def]
    return back(browser, idp.sign_in(start(browser, slug, **kw), login))
