"""The smaller findings of the outside attack (issue 16 point 7): emailed links from the
configured origin, odd charsets refused, the admin's password rules, uncachable account
pages, a locked user told so on factor-one's password, and reverification before every MFA
change."""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from authflows import clock
from authflows.models import BackupCode, PhoneMFA, User
from tests.conftest import PASSWORD, error_codes, sign_in
from tests.mfa.conftest import (
    PHONE,
    create_backup_codes,
    enrol_phone,
    enrol_totp,
    reverify,
    shown_secret,
)
from tests.protect.conftest import strangers

pytestmark = pytest.mark.django_db

ORIGIN = "https://id.example.com"
FACTOR_ONE = "/sign-in/factor-one/"
NEW_PASSWORD = "correct-horse-battery-staple-71"
WRONG = "not-the-password-at-all"


# --- emailed links use PUBLIC_ORIGIN ----------------------------------------------------------


@pytest.fixture
def public_origin(settings):  # type: ignore[no-untyped-def]
    """The site is id.example.com; it also answers on another allowed name, and ALLOWED_HOSTS
    ignores the port."""
    settings.AUTHFLOWS_PUBLIC_ORIGIN = ORIGIN
    settings.ALLOWED_HOSTS = ["id.example.com", "other.example.com", "testserver"]
    return ORIGIN


HOSTS = {
    "another port": {"HTTP_HOST": "id.example.com:6666"},
    "another allowed name": {"HTTP_HOST": "other.example.com"},
    "forwarded host": {"HTTP_HOST": "id.example.com", "HTTP_X_FORWARDED_HOST": "evil.example"},
}


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>]+", text)


def assert_every_link_from_the_origin(message) -> None:  # type: ignore[no-untyped-def]
    bodies = [message.body] + [content for content, _type in getattr(message, "alternatives", [])]
    found = [link for body in bodies for link in links_in(body)]
    site_links = [link for link in found if "/sign-" in link]
    assert site_links, f"no link to the site in: {message.body}"
    for link in site_links:
        parts = urlsplit(link)
        assert f"{parts.scheme}://{parts.netloc}" == ORIGIN, link


@pytest.mark.parametrize("host", list(HOSTS))
def test_sign_in_link_uses_the_public_origin(public_origin, user, instance, mailoutbox, host):
    instance(email_code_sign_in=False, email_link_sign_in=True)
    browser = Client(**HOSTS[host])
    browser.post("/sign-in/", {"identifier": user.email, "action": "passwordless"})
    assert browser.get(FACTOR_ONE).status_code == 200
    assert_every_link_from_the_origin(mailoutbox[-1])


@pytest.mark.parametrize("host", list(HOSTS))
def test_client_trust_link_uses_the_public_origin(public_origin, user, instance, mailoutbox, host):
    instance(client_trust=True, email_verification="link")
    browser = Client(**HOSTS[host])
    assert sign_in(browser, user.email)["Location"] == "/sign-in/client-trust/"
    assert browser.get("/sign-in/client-trust/").status_code == 200
    assert_every_link_from_the_origin(mailoutbox[-1])


@pytest.mark.parametrize("host", list(HOSTS))
def test_sign_up_link_uses_the_public_origin(public_origin, instance, mailoutbox, host):
    instance(email_verification="link")
    browser = Client(**HOSTS[host])
    response = browser.post(
        "/sign-up/", {"emailAddress": "new@example.com", "password": NEW_PASSWORD}
    )
    assert browser.get(response["Location"]).status_code == 200
    assert_every_link_from_the_origin(mailoutbox[-1])


@pytest.mark.parametrize("host", list(HOSTS))
def test_sign_up_notice_link_uses_the_public_origin(
    public_origin, user, instance, mailoutbox, host
):
    instance(enumeration_protection="strict")
    browser = Client(**HOSTS[host])
    response = browser.post("/sign-up/", {"emailAddress": user.email, "password": NEW_PASSWORD})
    browser.get(response["Location"])
    [notice] = mailoutbox
    assert_every_link_from_the_origin(notice)


# --- a form declaring another charset --------------------------------------------------------


def form_token(browser: Client, path: str) -> str:
    page = browser.get(path).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def multipart(fields: dict[str, str], boundary: str = "formboundary7MA4YWxk") -> bytes:
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    return ("".join(parts) + f"--{boundary}--\r\n").encode()


# Another encoding, an unknown name, and a codec that is no text encoding at all.
CHARSETS = ["utf-16", "latin-1", "x-no-such-charset", "rot13"]
SIGN_IN = {"identifier": "ada@example.com", "password": PASSWORD}


@pytest.mark.parametrize("charset", CHARSETS)
@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_a_form_declaring_another_charset_is_a_400(user, instance, charset, encoding):
    """The sign-in form with its CSRF token, as a browser posts it (CSRF checked), declaring
    a charset that is not UTF-8: refused with 400, never a 500, and nobody signs in."""
    instance(client_trust=False)
    browser = Client(enforce_csrf_checks=True, raise_request_exception=False)
    fields = {"csrfmiddlewaretoken": form_token(browser, "/sign-in/"), **SIGN_IN}
    if encoding == "urlencoded":
        body = urlencode(fields).encode()
        content_type = f"application/x-www-form-urlencoded; charset={charset}"
    else:
        body = multipart(fields)
        content_type = f"multipart/form-data; boundary=formboundary7MA4YWxk; charset={charset}"
    response = browser.generic("POST", "/sign-in/", body, content_type=content_type)
    assert response.status_code == 400, response.status_code
    assert "_auth_user_id" not in browser.session


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_the_same_form_in_utf8_goes_through(user, instance, encoding):
    """The control: the body above, declared UTF-8, signs in."""
    instance(client_trust=False)
    browser = Client(enforce_csrf_checks=True)
    fields = {"csrfmiddlewaretoken": form_token(browser, "/sign-in/"), **SIGN_IN}
    if encoding == "urlencoded":
        body, content_type = urlencode(fields).encode(), "application/x-www-form-urlencoded"
    else:
        body = multipart(fields)
        content_type = "multipart/form-data; boundary=formboundary7MA4YWxk; charset=utf-8"
    response = browser.generic("POST", "/sign-in/", body, content_type=content_type)
    assert response.status_code == 302
    assert browser.session["_auth_user_id"] == str(user.pk)


# --- users added in the admin follow the password rules ---------------------------------------


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of a page's form (CSRF token, inline formsets' management forms)."""
    fields = {}
    for tag in re.findall(r"<input\b[^>]*>", html):
        if 'type="hidden"' in tag and (name := re.search(r'name="([^"]+)"', tag)):
            value = re.search(r'value="([^"]*)"', tag)
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


def add_user_in_the_admin(admin: Client, password: str):  # type: ignore[no-untyped-def]
    """The admin's "Add user" form, filled in and saved as a browser submits it."""
    page = admin.get("/admin/authflows/user/add/")
    assert page.status_code == 200
    data = {
        **hidden_fields(page.content.decode()),
        "email": "new@example.com",
        "password1": password,
        "password2": password,
        "_save": "Save",
    }
    return admin.post("/admin/authflows/user/add/", data)


@pytest.mark.parametrize(
    ("password", "why"),
    [("short12", "too short"), ("password123", "compromised"), ("1234567890", "compromised")],
)
def test_admin_add_user_refuses_a_weak_password(admin_client, password, why):
    response = add_user_in_the_admin(admin_client, password)
    assert response.status_code == 200, why  # the form again, with the refusal
    html = response.content.decode()
    errors = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S)
    assert errors, why
    assert "ManagementForm" not in html  # refused for the password, not for the form
    assert not User.objects.filter(email="new@example.com").exists()


def test_admin_add_user_with_a_good_password(admin_client):
    response = add_user_in_the_admin(admin_client, NEW_PASSWORD)
    assert response.status_code == 302, response.content.decode()
    assert User.objects.get(email="new@example.com").check_password(NEW_PASSWORD)


# --- account and MFA pages are never stored ---------------------------------------------------


ACCOUNT_PAGES = [
    "/user/",
    "/user/verify/",
    "/user/mfa/totp/",
    "/user/mfa/phone/",
    "/user/mfa/backup-codes/",
    "/user/mfa/totp/remove/",
    "/user/mfa/phone/remove/",
]


def no_store(response) -> bool:  # type: ignore[no-untyped-def]
    directives = [d.strip() for d in response.get("Cache-Control", "").split(",")]
    return "no-store" in directives


@pytest.fixture
def account(user, instance) -> Client:  # type: ignore[no-untyped-def]
    """ada signed in (no client trust step), with SMS codes on in the Dashboard."""
    instance(client_trust=False, phone_sign_in=True, mfa_phone_code=True)
    browser = Client()
    assert sign_in(browser, user.email).status_code == 302
    return browser


@pytest.mark.parametrize("path", ACCOUNT_PAGES)
def test_account_and_mfa_pages_are_never_stored(account, path):
    response = account.get(path)
    assert response.status_code < 500
    assert no_store(response), (path, response.status_code, response.get("Cache-Control"))


@pytest.mark.parametrize("path", ACCOUNT_PAGES)
def test_account_and_mfa_pages_are_never_stored_when_reverification_is_due(account, path):
    clock.advance(11 * 60)
    response = account.get(path)
    assert no_store(response), (path, response.status_code, response.get("Cache-Control"))


def test_the_authenticator_secret_page_is_never_stored_after_a_post(account):
    page = account.get("/user/mfa/totp/")
    assert no_store(page)
    assert shown_secret(page.content.decode())
    refused = account.post("/user/mfa/totp/", {"code": "000000", "action": "verify"})
    assert refused.status_code == 400
    assert no_store(refused)


# --- a locked user on factor-one's password ----------------------------------------------------


def test_a_locked_user_choosing_the_password_on_factor_one_is_told_on_the_password_field(
    user, instance
):
    instance(client_trust=False, lockout_max_attempts=5)
    for browser in strangers(5):
        sign_in(browser, user.email, WRONG)
    browser = Client()
    browser.post("/sign-in/", {"identifier": user.email, "action": "passwordless"})
    page = browser.get(FACTOR_ONE + "?strategy=password")
    assert page.status_code == 200
    response = browser.post(FACTOR_ONE, {"strategy": "password", "password": PASSWORD})
    assert response.status_code == 400
    html = response.content.decode()
    assert error_codes(response) == ["user_locked"]
    assert re.search(r'id="password-error" data-error-code="user_locked"', html), html
    assert "Your account is locked" in html
    assert 'name="password"' in html  # the password step, not a blank page
    assert "_auth_user_id" not in browser.session


# --- every MFA change needs a recent proof -----------------------------------------------------


def reverify_url(path: str) -> str:
    return f"/user/verify/?{urlencode({'redirect_url': path})}"


@pytest.fixture
def signed_in_long_ago(account) -> Client:  # type: ignore[no-untyped-def]
    """Signed in more than ten minutes ago."""
    clock.advance(11 * 60)
    return account


def test_adding_an_authenticator_asks_for_reverification_first(signed_in_long_ago, user):
    browser = signed_in_long_ago
    assert browser.get("/user/mfa/totp/")["Location"] == reverify_url("/user/mfa/totp/")
    forced = browser.post("/user/mfa/totp/", {"code": "123456", "action": "verify"})
    assert forced.status_code == 302
    assert forced["Location"] == reverify_url("/user/mfa/totp/")
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    reverify(browser)
    enrol_totp(browser)
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_adding_sms_codes_asks_for_reverification_first(signed_in_long_ago, user, sms_outbox):
    browser = signed_in_long_ago
    assert browser.get("/user/mfa/phone/")["Location"] == reverify_url("/user/mfa/phone/")
    forced = browser.post("/user/mfa/phone/", {"phone": PHONE, "action": "send"})
    assert forced["Location"] == reverify_url("/user/mfa/phone/")
    assert sms_outbox == []
    reverify(browser)
    enrol_phone(browser, sms_outbox)
    assert PhoneMFA.objects.filter(user=user).exists()


def test_new_backup_codes_ask_for_reverification_first(account, user):
    secret = enrol_totp(account)  # within ten minutes of signing in: no question asked
    assert secret
    before = set(BackupCode.objects.filter(user=user).values_list("code_hash", flat=True))
    clock.advance(11 * 60)
    assert account.get("/user/mfa/backup-codes/")["Location"] == reverify_url(
        "/user/mfa/backup-codes/"
    )
    forced = account.post("/user/mfa/backup-codes/", {"nonce": "anything"})
    assert forced["Location"] == reverify_url("/user/mfa/backup-codes/")
    assert set(BackupCode.objects.filter(user=user).values_list("code_hash", flat=True)) == before
    reverify(account)
    codes = create_backup_codes(account)
    assert len(codes) == 10


def test_reverification_is_good_for_ten_minutes(signed_in_long_ago, user):
    browser = signed_in_long_ago
    reverify(browser)
    clock.advance(9 * 60)
    page = browser.get("/user/mfa/totp/")
    assert page.status_code == 200
    clock.advance(2 * 60)
    assert browser.get("/user/mfa/totp/")["Location"] == reverify_url("/user/mfa/totp/")


def test_a_wrong_reverification_password_counts_toward_the_lock(signed_in_long_ago, user, instance):
    instance(lockout_max_attempts=5)
    browser = signed_in_long_ago
    for _ in range(5):
        response = browser.post("/user/verify/", {"password": WRONG, "action": "verify"})
        assert error_codes(response) == ["form_password_incorrect"]
    response = browser.post("/user/verify/", {"password": PASSWORD, "action": "verify"})
    assert error_codes(response) == ["user_locked"]
    assert browser.get("/user/mfa/totp/")["Location"] == reverify_url("/user/mfa/totp/")
