"""The Frontend API as Clerk's SDK calls it: form-encoded snake_case bodies, PATCH and DELETE
as POST with ?_method=, the version parameters on every call, and the browser's
Origin and Sec-Fetch-Site headers of a same-origin fetch."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

ORIGIN = "http://testserver"
VERSIONS = "__clerk_api_version=2026-08-20&_clerk_js_version=6.40.0"


class Fapi:
    """One browser's Clerk SDK: its cookies, the same-origin headers a browser adds."""

    def __init__(self, client: Client, *, origin: str = ORIGIN, site: str = "same-origin"):
        self.client = client
        self.headers = {"Origin": origin, "Sec-Fetch-Site": site} if origin else {}
        if not origin and site:
            self.headers = {"Sec-Fetch-Site": site}

    def _url(self, path: str, method: str = "") -> str:
        query = VERSIONS + (f"&_method={method}" if method else "")
        return f"/__clerk/v1/{path}?{query}"

    def get(self, path: str) -> Any:
        headers = {k: v for k, v in self.headers.items() if k != "Origin"}
        return self.client.get(self._url(path), headers=headers)

    def post(self, path: str, method: str = "", **fields: str) -> Any:
        fields.setdefault("locale", "en-US") if path.endswith("sign_ins") else None
        return self.client.post(self._url(path, method), fields, headers=self.headers)

    def patch(self, path: str, **fields: str) -> Any:
        return self.post(path, "PATCH", **fields)

    def delete(self, path: str) -> Any:
        return self.post(path, "DELETE")


@pytest.fixture
def fapi(client: Client) -> Fapi:
    return Fapi(client)


def error_code(response: Any) -> str:
    return response.json()["errors"][0]["code"]


def param_name(response: Any) -> str | None:
    return response.json()["errors"][0]["meta"].get("param_name")
