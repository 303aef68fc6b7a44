"""Authenticator app (TOTP): enrolment through /user/mfa/totp/ and the second factor at
sign-in. Codes come from pyotp and the secret the page shows, like an authenticator app."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from authflows import clock
from authflows.models import AuthEvent, BackupCode
from tests.conftest import error_codes, page_status
from tests.mfa.conftest import (
    app_code,
    enrol_phone,
    enrol_totp,
    next_step,
    shown_secret,
    shown_svg,
    shown_uri,
    sign_out,
    start_mfa_sign_in,
)

pytestmark = pytest.mark.django_db


# --- enrolment ---------------------------------------------------------------------------------


def test_enrolment_page_shows_qr_secret_and_code_field(signed_in, user):
    response = signed_in.get("/user/mfa/totp/")
    page = response.content.decode()
    assert response.status_code == 200
    assert page_status(response) == "mfa_totp"
    secret, uri = shown_secret(page), shown_uri(page)
    assert len(secret) == 32
    parsed = urlparse(uri)
    assert (parsed.scheme, parsed.netloc) == ("otpauth", "totp")
    assert unquote(parsed.path) == "/authflows:ada@example.com"
    query = parse_qs(parsed.query)
    assert query["secret"] == [secret]
    assert query["issuer"] == ["authflows"]
    assert (query["algorithm"], query["digits"], query["period"]) == (["SHA1"], ["6"], ["30"])
    svg = shown_svg(page)
    assert "style" not in svg  # the CSP forbids inline style: SVG attributes only
    assert 'inputmode="numeric"' in page
    assert 'autocomplete="one-time-code"' in page
    # Not active until a code proves the app has the secret.
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_issuer_is_the_application_name(signed_in, instance):
    instance(application_name="Acme Portal")
    uri = shown_uri(signed_in.get("/user/mfa/totp/").content.decode())
    assert parse_qs(urlparse(uri).query)["issuer"] == ["Acme Portal"]
    assert unquote(urlparse(uri).path) == "/Acme Portal:ada@example.com"


def test_reloading_keeps_the_secret(signed_in):
    first = shown_secret(signed_in.get("/user/mfa/totp/").content.decode())
    second = shown_secret(signed_in.get("/user/mfa/totp/").content.decode())
    assert first == second


def _decode_qr(svg: str, tmp_path: Path) -> str:
    """Render the page's SVG to PNG and read it with zbarimg, like a phone camera would."""
    import cairosvg  # dev dependency; a missing one fails the test

    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbarimg (Debian package zbar-tools) is needed to decode the QR code"
    png = tmp_path / "qr.png"
    cairosvg.svg2png(bytestring=svg.encode(), write_to=str(png), scale=2, background_color="#fff")
    result = subprocess.run(
        [zbarimg, "--quiet", "--raw", str(png)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_qr_code_decodes_to_the_pages_uri(signed_in, tmp_path):
    """The SVG alone; tests/e2e/test_authenticator_qr_journey.py decodes it as the page
    shows it in Chromium."""
    page = signed_in.get("/user/mfa/totp/").content.decode()
    svg = shown_svg(page)
    assert _decode_qr(svg, tmp_path) == shown_uri(page)
    # It scales: a square viewBox holds the symbol and its quiet zone, so a stylesheet that
    # narrows it shrinks the drawing instead of cropping it.
    view_box = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    assert view_box and view_box.group(1) == view_box.group(2)


def test_confirming_with_the_app_code_activates(signed_in, user):
    secret = shown_secret(signed_in.get("/user/mfa/totp/").content.decode())
    response = signed_in.post("/user/mfa/totp/", {"code": app_code(secret), "action": "verify"})
    assert response.status_code == 302
    # The first method added: backup codes are offered next (with a button, never silently).
    assert response["Location"] == "/user/mfa/backup-codes/"
    offer = signed_in.get(response["Location"])
    assert "Create backup codes" in offer.content.decode()
    assert not BackupCode.objects.filter(user=user).exists()
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.MFA_ENABLED, user=user).exists()
    account = signed_in.get("/user/").content.decode()
    assert 'href="/user/mfa/totp/remove/"' in account


def test_confirming_with_a_wrong_code_is_refused(signed_in, user):
    secret = shown_secret(signed_in.get("/user/mfa/totp/").content.decode())
    wrong = f"{(int(app_code(secret)) + 1) % 10**6:06d}"
    response = signed_in.post("/user/mfa/totp/", {"code": wrong, "action": "verify"})
    assert response.status_code == 400
    assert error_codes(response) == ["form_code_incorrect"]
    assert 'id="code-error"' in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_confirming_with_an_old_code_is_refused(signed_in, user):
    secret = shown_secret(signed_in.get("/user/mfa/totp/").content.decode())
    code = app_code(secret)
    clock.advance(90)  # three steps later: outside the ±1 step window
    response = signed_in.post("/user/mfa/totp/", {"code": code, "action": "verify"})
    assert error_codes(response) == ["form_code_incorrect"]


def test_enrolment_refused_when_the_dashboard_has_it_off(signed_in, instance, sms_on):
    instance(mfa_totp=False)
    assert signed_in.get("/user/mfa/totp/")["Location"] == "/user/"
    assert 'href="/user/mfa/totp/"' not in signed_in.get("/user/").content.decode()
    assert not TOTPDevice.objects.exists()


def test_enrolment_page_refused_once_enrolled(signed_in):
    enrol_totp(signed_in)
    assert signed_in.get("/user/mfa/totp/")["Location"] == "/user/"


# --- sign-in -------------------------------------------------------------------------------------


def test_sign_in_with_the_app_code(client, totp_user, user, django_assert_max_num_queries):
    start_mfa_sign_in(client, redirect_url="/user/")
    with django_assert_max_num_queries(8):
        page = client.get("/sign-in/factor-two/")
    assert page_status(page) == "needs_second_factor"
    assert 'value="totp"' in page.content.decode()
    with django_assert_max_num_queries(8):
        response = client.post(
            "/sign-in/factor-two/", {"strategy": "totp", "code": app_code(totp_user)}
        )
    assert response.status_code == 302
    assert response["Location"] == "/user/"
    assert int(client.session["_auth_user_id"]) == user.pk


def test_code_from_the_previous_step_is_accepted(client, totp_user):
    next_step()  # the step before is then one no code has used yet
    start_mfa_sign_in(client)
    code = app_code(totp_user, offset_steps=-1)
    response = client.post("/sign-in/factor-two/", {"strategy": "totp", "code": code})
    assert response.status_code == 302


def test_wrong_app_code(client, totp_user, django_assert_max_num_queries):
    start_mfa_sign_in(client)
    wrong = f"{(int(app_code(totp_user)) + 5) % 10**6:06d}"
    with django_assert_max_num_queries(8):
        response = client.post("/sign-in/factor-two/", {"strategy": "totp", "code": wrong})
    assert response.status_code == 400
    assert error_codes(response) == ["form_code_incorrect"]
    assert "_auth_user_id" not in client.session


def test_expired_app_code(client, totp_user):
    start_mfa_sign_in(client)
    code = app_code(totp_user)
    clock.advance(90)
    response = client.post("/sign-in/factor-two/", {"strategy": "totp", "code": code})
    assert error_codes(response) == ["form_code_incorrect"]


def test_a_used_step_is_refused_again(client, browser, totp_user):
    code = app_code(totp_user)
    start_mfa_sign_in(client)
    assert (
        client.post("/sign-in/factor-two/", {"strategy": "totp", "code": code}).status_code == 302
    )
    start_mfa_sign_in(browser)
    response = browser.post("/sign-in/factor-two/", {"strategy": "totp", "code": code})
    assert error_codes(response) == ["form_code_incorrect"]
    # The next step's code works.
    next_step()
    response = browser.post(
        "/sign-in/factor-two/", {"strategy": "totp", "code": app_code(totp_user)}
    )
    assert response.status_code == 302


def test_the_enrolment_code_cannot_sign_in(client, signed_in):
    secret = shown_secret(signed_in.get("/user/mfa/totp/").content.decode())
    code = app_code(secret)
    assert signed_in.post("/user/mfa/totp/", {"code": code, "action": "verify"}).status_code == 302
    sign_out(signed_in)
    start_mfa_sign_in(signed_in)
    response = signed_in.post("/sign-in/factor-two/", {"strategy": "totp", "code": code})
    assert error_codes(response) == ["form_code_incorrect"]


def test_exhausted_tries_lock_the_user(client, totp_user, instance):
    instance(lockout_max_attempts=5)
    start_mfa_sign_in(client)
    wrong = f"{(int(app_code(totp_user)) + 5) % 10**6:06d}"
    for _ in range(5):
        response = client.post("/sign-in/factor-two/", {"strategy": "totp", "code": wrong})
        assert error_codes(response) == ["form_code_incorrect"]
    response = client.post(
        "/sign-in/factor-two/", {"strategy": "totp", "code": app_code(totp_user)}
    )
    assert error_codes(response) == ["user_locked"]
    assert "_auth_user_id" not in client.session


def test_totp_not_enrolled_is_refused(client, signed_in, sms_outbox, sms_on):
    enrol_phone(signed_in, sms_outbox)
    sign_out(signed_in)
    start_mfa_sign_in(client)
    page = client.get("/sign-in/factor-two/?strategy=totp")
    assert error_codes(page) == ["strategy_for_user_invalid"]
    response = client.post("/sign-in/factor-two/", {"strategy": "totp", "code": "123456"})
    assert response.status_code == 400
    assert error_codes(response) == ["strategy_for_user_invalid"]
    assert "_auth_user_id" not in client.session


def test_totp_disabled_in_the_dashboard_is_refused(client, signed_in, sms_outbox, sms_on, instance):
    secret = enrol_totp(signed_in)
    enrol_phone(signed_in, sms_outbox)
    sign_out(signed_in)
    instance(mfa_totp=False)
    start_mfa_sign_in(client)
    page = client.get("/sign-in/factor-two/")
    assert 'name="strategy" value="phone_code"' in page.content.decode()
    response = client.post("/sign-in/factor-two/", {"strategy": "totp", "code": app_code(secret)})
    assert error_codes(response) == ["strategy_for_user_invalid"]
    assert "_auth_user_id" not in client.session
