"""Records what Chromium's virtual authenticator answers, for the verification tests
(tests/passkeys/test_relying_party.py). Not a test: run it to make the recordings again.

    .venv/bin/python -m tests.passkeys.record_responses

A plain page on http://localhost:<port>/ (a stdlib server), Debian's Chromium through
Playwright, and a CTAP2 authenticator with an internal transport, resident keys and user
verification added through the DevTools protocol (WebAuthn.addVirtualAuthenticator). The
options come from py_webauthn with fixed challenges; the page turns them into the browser's
own objects (PublicKeyCredential.parseCreationOptionsFromJSON) and its answers back into JSON
(toJSON()). Recorded: a registration, a sign-in, a sign-in whose user-verification bit the
authenticator was told to clear (WebAuthn.setResponseOverrideBits), and a sign-in by a copy
of the key whose counter started again (WebAuthn.addCredential with signCount 0).
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import sync_playwright
from webauthn import generate_authentication_options, generate_registration_options, options_to_json
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from tests.e2e.conftest import CHROMIUM_ARGS, chromium_path

OUT = Path(__file__).with_name("recordings") / "chromium.json"
RP_ID = "localhost"
USER_HANDLE = bytes(range(64))
CHALLENGES = {
    "registration": b"recorded registration challenge!",
    "assertion": b"recorded sign-in challenge no. 1",
    "assertion_without_uv": b"recorded sign-in challenge no. 2",
    "assertion_by_copy": b"recorded sign-in challenge no. 3",
}
CREATE = """async (json) => {
  const credential = await navigator.credentials.create(
    {publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(json)});
  return credential.toJSON();
}"""
GET = """async (json) => {
  const credential = await navigator.credentials.get(
    {publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(json)});
  return credential.toJSON();
}"""


class Blank(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><title>relying party</title><p>recording</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def registration_options() -> dict:
    options = generate_registration_options(
        rp_id=RP_ID,
        rp_name="authflows",
        user_id=USER_HANDLE,
        user_name="ada@example.com",
        challenge=CHALLENGES["registration"],
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
    )
    return json.loads(options_to_json(options))


def request_options(challenge: bytes) -> dict:
    options = generate_authentication_options(
        rp_id=RP_ID, challenge=challenge, user_verification=UserVerificationRequirement.REQUIRED
    )
    return json.loads(options_to_json(options))


def main() -> None:
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Blank)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://localhost:{port}"
    recorded: dict[str, object] = {"rp_id": RP_ID, "origin": origin}
    recorded["user_handle"] = bytes_to_base64url(USER_HANDLE)
    recorded["challenges"] = {k: bytes_to_base64url(v) for k, v in CHALLENGES.items()}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        recorded["browser"] = f"Chromium {browser.version}"
        page = browser.new_page()
        page.goto(origin + "/")
        cdp = page.context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        authenticator = cdp.send(
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
                }
            },
        )["authenticatorId"]
        recorded["registration"] = page.evaluate(CREATE, registration_options())
        recorded["assertion"] = page.evaluate(GET, request_options(CHALLENGES["assertion"]))
        overrides = {"authenticatorId": authenticator, "isBadUV": True}
        cdp.send("WebAuthn.setResponseOverrideBits", overrides)
        recorded["assertion_without_uv"] = page.evaluate(
            GET, request_options(CHALLENGES["assertion_without_uv"])
        )
        cdp.send("WebAuthn.setResponseOverrideBits", {**overrides, "isBadUV": False})
        key = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
        credential = key["credentials"][0]
        recorded["sign_count_before_copy"] = credential["signCount"]
        cdp.send(
            "WebAuthn.removeCredential",
            {"authenticatorId": authenticator, "credentialId": credential["credentialId"]},
        )
        cdp.send(
            "WebAuthn.addCredential",
            {"authenticatorId": authenticator, "credential": {**credential, "signCount": 0}},
        )
        recorded["assertion_by_copy"] = page.evaluate(
            GET, request_options(CHALLENGES["assertion_by_copy"])
        )
        browser.close()
    server.shutdown()
    OUT.write_text(json.dumps(recorded, indent=2) + "\n")
    print(f"recorded {OUT}")


if __name__ == "__main__":
    main()
