"""Transport and browser protections: cookies, HSTS, CSRF on every POST, safe redirects,
a strict Content-Security-Policy with no inline script or style, and no framing. (The clean
`check --deploy` is tested in tests/core/test_check_deploy.py.)"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import URLPattern, get_resolver
from django_otp.plugins.otp_totp.models import TOTPDevice

from authflows import clock
from authflows.factors.backup_code import replace_codes
from authflows.protect import ratelimit
from tests.conftest import PASSWORD, sign_in
from tests.protect.conftest import complete_client_trust

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


# --- cookies and HSTS ---------------------------------------------------------------------------


def test_session_and_client_cookies_are_httponly_and_samesite(client, user, mailoutbox):
    sign_in(client, "ada@example.com")
    complete_client_trust(client, mailoutbox)
    for name in ("sessionid", "authflows_client"):
        morsel = client.cookies[name]
        assert morsel["httponly"], name
        assert morsel["samesite"] == "Lax", name


def test_client_cookie_is_secure_over_https(client, user):
    response = client.post(
        "/sign-in/", {"identifier": "ada@example.com", "password": PASSWORD}, secure=True
    )
    assert response.cookies["authflows_client"]["secure"]


def test_hsts_on_https_in_production(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def _production_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CACHE_URL")}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="auth.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    )
    return env


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_cookies_and_hsts(tmp_path):
    script = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SESSION_COOKIE_SAMESITE, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, "
        "s.X_FRAME_OPTIONS)"
    )
    result = _manage(_production_env(tmp_path), "shell", "-c", script)
    assert result.stdout.strip().splitlines()[-1].split() == [
        "True",
        "True",
        "True",
        "Lax",
        "31536000",
        "True",
        "DENY",
    ]


# --- CSRF ----------------------------------------------------------------------------------------


def _authflows_paths() -> list[str]:
    resolver = get_resolver()
    paths = []
    for pattern in resolver.url_patterns:
        for sub in getattr(pattern, "url_patterns", []):
            if isinstance(sub, URLPattern) and getattr(pattern, "namespace", "") == "authflows":
                paths.append("/" + re.sub(r"<int:\w+>", "1", str(sub.pattern)))
    return paths


#: Identity providers post here cross-site (SAML's HTTP-POST binding, OpenID Connect's
#: form_post): no token can come with them. They change nothing; they send the browser on to
#: a GET of the site's own (tests/sso/test_cross_site_posts.py).
PROVIDER_POSTS = ("/sso/callback/any/", "/sso/saml/any/acs/")


def test_every_post_needs_the_csrf_token(signed_in):
    paths = [
        *(
            path
            for path in (p.replace("<slug:slug>", "any") for p in _authflows_paths())
            if path not in PROVIDER_POSTS
        ),
        "/admin/authflows/user/",
        "/admin/authflows/instancesettings/1/change/",
    ]
    assert "/sign-in/" in paths and "/user/sessions/end/" in paths
    browser = signed_in()
    for anonymous in (True, False):
        attacker = Client(enforce_csrf_checks=True)
        if not anonymous:
            attacker.cookies = browser.cookies
        for path in paths:
            response = attacker.post(path, {"session": "others", "identifier": "ada@example.com"})
            assert response.status_code == 403, (path, anonymous, response.status_code)


def test_the_form_token_lets_the_post_through(user):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/sign-in/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = browser.post(
        "/sign-in/",
        {"identifier": "ada@example.com", "password": "x", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 400  # refused for the password, not for CSRF


# --- redirects ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "landed"),
    [
        ("/user/", "/user/"),
        ("/user/?tab=security#mfa", "/user/?tab=security#mfa"),
        ("http://testserver/user/", "http://testserver/user/"),
        ("https://evil.example/", "/"),
        ("//evil.example/path", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("http://testserver.evil.example/", "/"),
        (" https://evil.example/", "/"),
    ],
)
def test_redirect_url_stays_on_this_host(client, user, instance, asked, landed):
    instance(client_trust=False)
    response = sign_in(client, "ada@example.com", redirect_url=asked)
    assert response.status_code == 302
    assert response["Location"] == landed


def test_redirect_url_with_control_characters_is_refused(client, user, instance):
    instance(client_trust=False)
    response = sign_in(client, "ada@example.com", redirect_url="https://evil.example\x00/")
    # The bad target is dropped (never followed); the sign-in itself goes on to the home page.
    assert response.status_code == 302
    assert response["Location"] == "/"


# --- CSP, inline code, framing -------------------------------------------------------------------

INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style>"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def inline_code(html: str) -> list[str]:
    return [what for pattern, what in INLINE if pattern.search(html)]


@pytest.fixture
def every_page(user, make_user, instance, signed_in, mailoutbox, settings):  # type: ignore[no-untyped-def]
    """Every page of the site in each of its states, as (name, response)."""
    settings.DEBUG = True  # for the dev outbox page
    pages = [("home", Client().get("/")), ("sign-in", Client().get("/sign-in/"))]
    pages.append(("sign-in errors", Client().post("/sign-in/", {"identifier": "bad@"})))
    pages.append(("sign-up", Client().get("/sign-up/")))
    pages.append(("verify failed", Client().get("/sign-in/verify/?token=nope")))
    pages.append(("dev outbox", Client().get("/dev/outbox/")))
    # Client trust by code, then by link.
    trust = Client()
    sign_in(trust, "ada@example.com")
    pages.append(("client-trust code", trust.get("/sign-in/client-trust/")))
    pages.append(("client-trust error", trust.post("/sign-in/client-trust/", {"code": "1"})))
    pages.append(
        ("client-trust resend", trust.post("/sign-in/client-trust/", {"action": "resend"}))
    )
    instance(email_verification="link")
    link = Client()
    sign_in(link, "ada@example.com")
    pages.append(("client-trust link", link.get("/sign-in/client-trust/")))
    token = re.search(r"token=([\w-]+)", mailoutbox[-1].body).group(1)
    pages.append(("verify ok", Client().get(f"/sign-in/verify/?token={token}")))
    instance(email_verification="code")
    # MFA: authenticator app, backup codes.
    mfa_user = make_user(email="mfa@example.com")
    TOTPDevice.objects.create(user=mfa_user, name="app", confirmed=True)
    replace_codes(mfa_user)
    mfa = Client()
    sign_in(mfa, "mfa@example.com")
    for strategy in ("totp", "backup_code"):
        pages.append(
            (f"factor-two {strategy}", mfa.get(f"/sign-in/factor-two/?strategy={strategy}"))
        )
    pages.append(("factor-two error", mfa.post("/sign-in/factor-two/", {"code": "1"})))
    # Signed in.
    account = signed_in()
    pages.append(("home signed in", account.get("/")))
    pages.append(("account", account.get("/user/")))
    pages.append(("session exists", account.post("/sign-in/", {"identifier": "ada@example.com"})))
    limited, ratelimit.enabled = Client(REMOTE_ADDR="203.0.113.77"), True
    # At the start of a window, as for tests marked ratelimit (tests/conftest.py), so that no
    # 10-second window ends between the six posts.
    clock.advance(3600 - clock.now().timestamp() % 3600 + 0.001)
    for _ in range(6):
        response = limited.post("/sign-in/", {"identifier": "nobody@example.com", "password": "x"})
    ratelimit.enabled = False
    assert response.status_code == 429
    pages.append(("too many requests", response))
    return pages


def test_every_page_renders_without_inline_script_or_style(every_page):
    assert len(every_page) >= 18
    for name, response in every_page:
        assert response.status_code < 500, name
        assert response["Content-Type"].startswith("text/html"), name
        html = response.content.decode()
        assert "<main data-status=" in html, name
        assert inline_code(html) == [], (name, inline_code(html))


def test_every_page_has_a_strict_csp_and_no_framing(every_page):
    for name, response in every_page[:-1]:  # the last one was rendered without middleware
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy, name
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, name
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, name
        assert "frame-ancestors 'none'" in policy, name
        assert response["X-Frame-Options"] == "DENY", name
        assert response["X-Content-Type-Options"] == "nosniff", name


def test_no_template_holds_inline_script_or_style():
    """Also covers templates no test renders yet (every file under templates/)."""
    folders = [Path(d) for d in django_settings.TEMPLATES[0]["DIRS"]]
    files = [f for folder in folders for f in folder.rglob("*.html")]
    assert len(files) >= 10
    offenders = {str(f): inline_code(f.read_text()) for f in files if inline_code(f.read_text())}
    assert offenders == {}


def test_the_detector_finds_inline_code():
    assert inline_code("<script>alert(1)</script>") == ["inline <script>"]
    assert inline_code('<p style="color:red">') == ["style= attribute"]
    assert inline_code("<style>p{}</style>") == ["<style>"]
    assert inline_code('<a onclick="x()">') == ["inline event handler"]
    assert inline_code('<script src="/static/a.js" defer></script>') == []
