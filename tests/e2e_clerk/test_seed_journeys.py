"""The seeds' pages on Clerk's own SDK (pinned @clerk/react and @clerk/clerk-js), each
flow to the signed-in state and a session token @clerk/backend accepts."""

from __future__ import annotations

import base64
import json
import re
import time

import jwt
import pyotp
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from authflows import clock
from authflows.factors.backup_code import replace_codes
from authflows.fapi import tokens
from authflows.models import BackupCode, PhoneMFA, TrustedClient, User
from tests.conftest import PASSWORD
from tests.e2e.conftest import last_code
from tests.e2e_clerk.conftest import APP, settle, verify_token

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def assert_signed_in(page: Page, live_server, user) -> dict:  # type: ignore[no-untyped-def]
    """The site's own home page shows the user (one session for pages and API); Clerk's
    hooks report it; the token verifies with @clerk/backend against the JWKS."""
    expect(page.locator(".signed-in-as")).to_contain_text(user.email)
    page.goto(f"{APP}/status.html")
    expect(page.locator("#state")).to_have_text("signed-in")
    expect(page.locator("#user-id")).to_have_text(f"user_{user.pk}")
    page.get_by_role("button", name="Get token").click()
    expect(page.locator("#token")).to_have_text(re.compile(r"^ey"))
    token = page.locator("#token").inner_text()
    cookie = {c["name"]: c["value"] for c in page.context.cookies()}.get("__session", "")
    assert cookie.startswith("ey"), "clerk-js keeps the session token in the __session cookie"
    result = verify_token(token, f"{live_server.url}/__clerk", live_server.url)
    assert result["ok"], result
    assert result["payload"]["sub"] == f"user_{user.pk}"
    assert result["payload"]["sid"] == page.locator("#session-id").inner_text()
    return result["payload"]


def test_client_trust_seed_001(page, live_server, user, mailoutbox):
    page.goto(f"{APP}/client-trust.html")
    page.get_by_label("Enter email address").fill(user.email)
    page.get_by_label("Enter password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Verify your account")).to_be_visible()
    settled(page)
    assert len(mailoutbox) == 1
    verify_code(page, "000000")
    incorrect = "The code is incorrect. Check it and try again."
    expect(page.get_by_text(incorrect, exact=True)).to_be_visible()
    verify_code(page, last_code(mailoutbox))
    page.wait_for_url(f"{live_server.url}/")
    assert TrustedClient.objects.filter(user=user).count() == 1
    assert_signed_in(page, live_server, user)


def wait_for(condition, page: Page, seconds: float = 10) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(seconds * 10)):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError("the condition never held")


def password_step(
    page: Page, path: str, user, *, labels=("Enter email address", "Enter password")
) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{APP}/{path}")
    page.get_by_label(labels[0]).fill(user.email)
    page.get_by_label(labels[1]).fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()


def settled(page: Page) -> None:
    """The seeds' forms use React 19 form actions, which reset the form's fields once the
    action's promise settles: a person types the code after that, and so does a journey."""
    settle(page)


def verify_code(page: Page, code: str, *, backup: bool = False, label: str = "Code") -> None:
    settled(page)
    page.get_by_label(label, exact=True).fill(code)
    if backup:
        page.get_by_label("Use backup code").check()
    page.get_by_role("button", name="Verify").click()


def authenticator(device: TOTPDevice) -> pyotp.TOTP:
    return pyotp.TOTP(base64.b32encode(device.bin_key).decode())


def test_mfa_seed_004_authenticator_app(page, live_server, user):
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    password_step(page, "mfa.html?strategy=totp", user)
    expect(page.get_by_role("heading", name="Verify your account")).to_be_visible()
    verify_code(page, "000000")
    expect(
        page.get_by_text("The code is incorrect. Check it and try again.", exact=True)
    ).to_be_visible()
    verify_code(page, authenticator(device).now())
    page.wait_for_url(f"{live_server.url}/")
    assert_signed_in(page, live_server, user)


def test_mfa_seed_004_sms_code(page, live_server, make_user, instance, sms_outbox):
    instance(phone_sign_in=True, mfa_phone_code=True)
    user = make_user(email="ada@example.com", phone="+14155550123")
    PhoneMFA.objects.create(user=user, phone="+14155550123")
    password_step(page, "mfa.html", user)
    expect(page.get_by_role("heading", name="Verify your account")).to_be_visible()
    wait_for(lambda: len(sms_outbox) == 1, page)  # mfa.sendPhoneCode() follows the password
    assert sms_outbox[0].to == "+14155550123"
    verify_code(page, re.findall(r"\b(\d{6})\b", sms_outbox[0].body)[-1])
    page.wait_for_url(f"{live_server.url}/")
    assert_signed_in(page, live_server, user)


def test_mfa_seed_004_backup_code(page, live_server, user):
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    codes = replace_codes(user)
    password_step(page, "mfa.html", user)
    expect(page.get_by_role("heading", name="Verify your account")).to_be_visible()
    verify_code(page, codes[0], backup=True)
    page.wait_for_url(f"{live_server.url}/")
    assert_signed_in(page, live_server, user)
    assert BackupCode.objects.filter(user=user, used_at__isnull=False).count() == 1


def test_legacy_seed_002_react(page, live_server, user):
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    password_step(page, "legacy.html", user, labels=("Email", "Password"))
    expect(page.get_by_role("heading", name="Verify your account")).to_be_visible()
    settled(page)
    page.get_by_label("Code", exact=True).fill(authenticator(device).now())
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{live_server.url}/")
    assert_signed_in(page, live_server, user)


def test_legacy_seed_002_vanilla_clerk_js_backup_code(page, live_server, user):
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    codes = replace_codes(user)
    page.goto(f"{APP}/vanilla.html")
    page.locator("#sign-in-email").fill(user.email)
    page.locator("#sign-in-password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#verifying")).to_be_visible()
    page.locator("#totp").fill(codes[1])
    page.locator("#backupCode").check()
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#user-button")).to_have_text(user.email)  # after location.reload()
    assert_signed_in_elsewhere(page, live_server, user)


def assert_signed_in_elsewhere(page: Page, live_server, user) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    assert_signed_in(page, live_server, user)


def test_sign_up_with_email_code(page, live_server, mailoutbox):
    page.goto(f"{APP}/sign-up.html")
    page.get_by_label("Enter email address").fill("grace@example.com")
    page.get_by_label("Enter password").fill("short")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Passwords must be 8 characters or more.", exact=True)).to_be_visible()
    settled(page)  # the form action cleared the fields: type both again
    page.get_by_label("Enter email address").fill("grace@example.com")
    page.get_by_label("Enter password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Verify your account")).to_be_visible()
    settled(page)
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["grace@example.com"]
    verify_code(page, last_code(mailoutbox))
    page.wait_for_url(f"{live_server.url}/")
    user = User.objects.get(email="grace@example.com")
    assert user.email_verified
    assert_signed_in(page, live_server, user)


def test_passwordless_email_code(page, live_server, user, mailoutbox):
    page.goto(f"{APP}/email-code.html")
    page.get_by_label("Enter email address").fill(user.email)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Verify your email address")).to_be_visible()
    settled(page)
    assert len(mailoutbox) == 1
    verify_code(page, last_code(mailoutbox))
    page.wait_for_url(f"{live_server.url}/")
    assert_signed_in(page, live_server, user)


def test_sign_out_and_a_trusted_device(page, live_server, user, mailoutbox):
    """Signing out through the SDK ends the site's session; the device stays trusted, so the
    next password sign-in on it needs no code (the pages and the API share the client)."""
    password_step(page, "client-trust.html", user)
    settled(page)
    verify_code(page, last_code(mailoutbox))
    page.wait_for_url(f"{live_server.url}/")
    assert_signed_in(page, live_server, user)
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#state")).to_have_text("signed-out")
    page.goto("/user/")
    assert "/sign-in/" in page.url
    sent = len(mailoutbox)  # the code, and the notice of a sign-in from a new device
    password_step(page, "client-trust.html", user)
    page.wait_for_url(f"{live_server.url}/")
    assert len(mailoutbox) == sent
    assert_signed_in(page, live_server, user)


def test_forged_and_expired_tokens_are_refused(page, live_server, user, mailoutbox):
    """@clerk/backend refuses a token whose payload was changed, one signed by another key,
    and one that has expired."""
    password_step(page, "client-trust.html", user)
    settled(page)
    verify_code(page, last_code(mailoutbox))
    page.wait_for_url(f"{live_server.url}/")
    payload = assert_signed_in(page, live_server, user)
    api = f"{live_server.url}/__clerk"
    token = page.locator("#token").inner_text()
    header, _body, signature = token.split(".")
    other = (
        base64.urlsafe_b64encode(json.dumps({**payload, "sub": "user_999999"}).encode())
        .decode()
        .rstrip("=")
    )
    assert not verify_token(f"{header}.{other}.{signature}", api, live_server.url)["ok"]
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = jwt.get_unverified_header(token)["kid"]
    forged = jwt.encode(payload, stranger, algorithm="RS256", headers={"kid": kid})
    assert not verify_token(forged, api, live_server.url)["ok"]
    assert not verify_token(token, api, "https://elsewhere.example")["ok"]  # azp
    clock.advance(-(tokens.TOKEN_LIFETIME + 120))  # a token minted two minutes ago
    try:
        expired = tokens.mint(
            subject=payload["sub"],
            session_id=payload["sid"],
            issuer=payload["iss"],
            authorized_party=live_server.url,
            signed_in_at=clock.now(),
        )
    finally:
        clock.reset()
    assert jwt.decode(expired, options={"verify_signature": False})["exp"] < time.time()
    refused = verify_token(expired, api, live_server.url)
    assert not refused["ok"] and refused["reason"] == "token-expired", refused
    fresh = page.locator("#token").inner_text()
    assert verify_token(fresh, api, live_server.url)["ok"]
