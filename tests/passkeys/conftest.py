"""Passkey test helpers: what passkeys.js posts (JSON with the CSRF header a browser sends),
answered by a software authenticator with real keys."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client

from authflows.models import User
from tests.conftest import PASSWORD, sign_in
from tests.passkeys.authenticator import SoftAuthenticator

SIGN_IN_OPTIONS = "/api/passkeys/sign-in/options/"
SIGN_IN = "/api/passkeys/sign-in/"
FACTOR_TWO_OPTIONS = "/api/passkeys/factor-two/options/"
FACTOR_TWO = "/api/passkeys/factor-two/"
REGISTER_OPTIONS = "/api/passkeys/register/options/"
REGISTER = "/api/passkeys/register/"


def post_json(browser: Client, url: str, body: object = None):  # type: ignore[no-untyped-def]
    return browser.post(url, json.dumps(body or {}), content_type="application/json")


def error_code(response) -> str:  # type: ignore[no-untyped-def]
    return response.json()["errors"][0]["code"]


def options(browser: Client, url: str) -> dict:  # type: ignore[type-arg]
    response = post_json(browser, url)
    assert response.status_code == 200, response.content
    return response.json()["publicKey"]


def register(browser: Client, authenticator: SoftAuthenticator, name: str = "", **kw: object):  # type: ignore[no-untyped-def]
    """Add a passkey as the account page's script does; returns the last response."""
    answer = authenticator.create(options(browser, REGISTER_OPTIONS), **kw)  # type: ignore[arg-type]
    return post_json(browser, REGISTER, {"credential": answer, "name": name})


def passkey_sign_in(browser: Client, authenticator: SoftAuthenticator, **kw: object):  # type: ignore[no-untyped-def]
    """ "Sign in with a passkey": options, the authenticator's answer, the answer posted."""
    answer = authenticator.get(options(browser, SIGN_IN_OPTIONS), **kw)  # type: ignore[arg-type]
    return post_json(browser, SIGN_IN, {"credential": answer, "redirect_url": "/user/"})


def is_signed_in(browser: Client) -> bool:
    return browser.get("/user/").status_code == 200


@pytest.fixture
def passkeys_on(instance):  # type: ignore[no-untyped-def]
    return instance(passkeys_enabled=True)


@pytest.fixture
def authenticator() -> SoftAuthenticator:
    return SoftAuthenticator()


@pytest.fixture
def signed_in(instance) -> Callable[..., Client]:  # type: ignore[no-untyped-def]
    """A new browser signed in with the password (client trust off for that sign-in)."""

    def make(user: User) -> Client:
        was = instance().client_trust
        instance(client_trust=False)
        browser = Client()
        response = sign_in(browser, user.identifier, PASSWORD)
        assert response.status_code == 302, response.content
        instance(client_trust=was)
        return browser

    return make


@pytest.fixture
def with_passkey(user, passkeys_on, signed_in, authenticator) -> User:  # type: ignore[no-untyped-def]
    """The user with one passkey (added through the account's endpoints), signed out."""
    browser = signed_in(user)
    assert register(browser, authenticator, name="Laptop").status_code == 200
    return user
