"""The Frontend API as Clerk's SDK calls it: form-encoded snake_case bodies, PATCH and DELETE
as POST with ?_method=, the version parameters on every call, and the browser's
Origin and Sec-Fetch-Site headers of a same-origin fetch."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import PASSWORD

# The passkey fixtures (a user with a passkey, the software authenticator) for test_passkeys.
from tests.passkeys.conftest import (  # noqa: F401
    authenticator,
    passkeys_on,
    signed_in,
    with_passkey,
)

ORIGIN = "http://testserver"
VERSIONS = "__clerk_api_version=2026-08-20&_clerk_js_version=6.40.0"


class Fapi:
    """One browser's Clerk SDK: its cookies, the same-origin headers a browser adds."""

    def __init__(
        self,
        client: Client,
        *,
        origin: str = ORIGIN,
        site: str = "same-origin",
        versions: str = VERSIONS,
    ):
        self.client = client
        self.versions = versions
        self.headers = {"Origin": origin, "Sec-Fetch-Site": site} if origin else {}
        if not origin and site:
            self.headers = {"Sec-Fetch-Site": site}

    def _url(self, path: str, method: str = "") -> str:
        query = self.versions + (f"&_method={method}" if method else "")
        return f"/__clerk/v1/{path}?{query}"

    def get(self, path: str) -> Any:
        headers = {k: v for k, v in self.headers.items() if k != "Origin"}
        return self.client.get(self._url(path), headers=headers)

    def post(self, path: str, method: str = "", **fields: str) -> Any:
        if path.endswith(("sign_ins", "sign_ups")):  # what the SDK adds to every create
            fields = {"locale": "en-US", "timezone": "Europe/Berlin", **fields}
        return self.client.post(self._url(path, method), fields, headers=self.headers)

    def sign_in(self, identifier: str, password: str = PASSWORD) -> Any:
        return self.post("client/sign_ins", identifier=identifier, password=password)

    def step(self, sign_in: dict[str, Any], action: str, **fields: str) -> Any:
        return self.post(f"client/sign_ins/{sign_in['id']}/{action}", **fields)

    def patch(self, path: str, **fields: str) -> Any:
        return self.post(path, "PATCH", **fields)

    def delete(self, path: str) -> Any:
        return self.post(path, "DELETE")


@pytest.fixture
def fapi() -> Fapi:
    """Clerk's SDK in one browser. Django's CSRF checks are on, as for a real browser: the
    SDK sends no CSRF token, and the Frontend API's origin check stands in for it."""
    return Fapi(Client(enforce_csrf_checks=True))


@pytest.fixture
def other_fapi() -> Fapi:
    """Another browser (its own cookies)."""
    return Fapi(Client(enforce_csrf_checks=True))


def error_code(response: Any) -> str:
    return response.json()["errors"][0]["code"]


def param_name(response: Any) -> str | None:
    return response.json()["errors"][0]["meta"].get("param_name")


def refusal(response: Any) -> tuple[int, str, str | None]:
    """(HTTP status, Clerk error code, param_name) of a refusal in Clerk's format."""
    error = response.json()["errors"][0]
    assert set(error) == {"code", "message", "long_message", "meta"}, error
    assert error["message"] and error["long_message"]
    return response.status_code, error["code"], error["meta"].get("param_name")


def signed_in_trusted(fapi: Fapi, user: Any, mailoutbox: list[Any]) -> dict[str, Any]:
    """Sign in with the password and the client-trust code; returns the completing answer."""
    from tests.conftest import last_code

    sign_in = fapi.sign_in(user.email).json()["response"]
    entry = sign_in["supported_second_factors"][0]
    fapi.step(
        sign_in,
        "prepare_second_factor",
        strategy="email_code",
        email_address_id=entry["email_address_id"],
    )
    code = last_code(mailoutbox[-1].body)
    return fapi.step(sign_in, "attempt_second_factor", strategy="email_code", code=code).json()
