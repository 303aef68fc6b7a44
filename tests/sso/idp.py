"""Real identity providers on loopback for the SSO tests.

OpenIDProvider starts panva's oidc-provider (clients/oidc-provider, `npm ci --prefix
clients/oidc-provider`) as a node process on a free 127.0.0.1 port, with the test's clients and
accounts; `sign_in()` plays the person at its sign-in form with plain HTTP. Nothing is mocked:
the site talks to the provider over HTTP like to any other."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "clients" / "oidc-provider" / "server.mjs"
MODULE = ROOT / "clients" / "oidc-provider" / "node_modules" / "oidc-provider"

ACCOUNTS: dict[str, dict[str, Any]] = {
    "ada": {
        "sub": "sub-ada",
        "email": "ada@example.com",
        "email_verified": True,
        "given_name": "Ada",
        "family_name": "Lovelace",
    },
    "newbie": {
        "sub": "sub-newbie",
        "email": "newbie@example.com",
        "email_verified": True,
        "given_name": "Nina",
        "family_name": "Newman",
        "github_id": 4242,
    },
    "unverified": {
        "sub": "sub-unverified",
        "email": "ada@example.com",
        "email_verified": False,
        "given_name": "Not",
        "family_name": "Ada",
    },
    "grace": {
        "sub": "sub-grace",
        "email": "grace@acme.test",
        "email_verified": False,
        "given_name": "Grace",
        "family_name": "Hopper",
    },
    "eve": {"sub": "sub-eve", "email": "eve@elsewhere.test", "email_verified": True},
}


class OpenIDProvider:
    def __init__(self, clients: list[dict[str, Any]], accounts: dict[str, Any] | None = None):
        assert shutil.which("node"), "node is missing: install Debian's nodejs"
        assert MODULE.is_dir(), (
            "oidc-provider is missing: run `npm ci --prefix clients/oidc-provider`"
        )
        self.folder = tempfile.mkdtemp(prefix="authflows-oidc-")
        config = Path(self.folder) / "config.json"
        config.write_text(
            json.dumps({"port": 0, "clients": clients, "accounts": accounts or ACCOUNTS})
        )
        self.log = open(Path(self.folder) / "stderr.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            ["node", str(SERVER), str(config)],
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env={**os.environ, "NODE_ENV": "test"},
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # the provider listens once it prints this
        assert line, f"oidc-provider did not start: {Path(self.folder, 'stderr.log').read_text()}"
        self.issuer: str = json.loads(line)["issuer"]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def control(self, name: str, **body: object) -> dict[str, Any]:
        response = requests.post(f"{self.issuer}/__control/{name}", json=body, timeout=5)
        response.raise_for_status()
        return response.json()

    def sign_in_form_post(self, authorize_url: str, login: str) -> tuple[str, dict[str, str]]:
        """Like sign_in(), for response_mode=form_post: the provider answers with a page whose
        form posts the code to the site; returns that form's action and fields."""
        browser = requests.Session()
        response = browser.get(authorize_url, allow_redirects=True, timeout=5)
        form = {"login": login, "password": "any", "action": "login"}
        page = browser.post(response.url, data=form, allow_redirects=True, timeout=5)
        action = re.search(r'<form[^>]*action="([^"]+)"', page.text)
        assert action, page.text[:1000]
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
        return html.unescape(action.group(1)), {k: html.unescape(v) for k, v in fields.items()}

    def sign_in(
        self,
        authorize_url: str,
        login: str,
        *,
        cancel: bool = False,
        session: requests.Session | None = None,
    ) -> str:
        """Open the authorization URL, sign in as `login` (or cancel) at the provider's form,
        and return the URL the provider sends the browser back to (not fetched)."""
        browser = session or requests.Session()
        url = authorize_url
        for _ in range(10):  # bounded: the provider's own redirects
            response = browser.get(url, allow_redirects=False, timeout=5)
            if response.status_code in (302, 303):
                url = urljoin(url, response.headers["Location"])
                if not url.startswith(self.issuer):
                    return url
                continue
            assert response.status_code == 200, response.text[:500]
            form = {"login": login, "password": "any", "action": "cancel" if cancel else "login"}
            posted = browser.post(url, data=form, allow_redirects=False, timeout=5)
            assert posted.status_code in (302, 303), posted.text[:500]
            url = urljoin(url, posted.headers["Location"])
            if not url.startswith(self.issuer):
                return url
        raise AssertionError("the provider did not send the browser back")
