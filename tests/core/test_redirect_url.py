"""redirect_url: only same-host targets are followed after signing in; the rest go home."""

from __future__ import annotations

import pytest

from authflows.flows.redirects import safe_redirect_url
from tests.conftest import context_of, error_codes, sign_in

pytestmark = pytest.mark.django_db

KEPT = ["/user/", "/user/?tab=devices#trusted", "http://testserver/user/", "/admin/"]

REFUSED = [
    "https://evil.example/",
    "http://evil.example/user/",
    "//evil.example",
    "//evil.example/user/",
    "///evil.example",
    "////evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "\\\\evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "http:\\\\evil.example",
    "https:evil.example",
    "http:///evil.example",
    "https://testserver@evil.example/",
    "https://evil.example\\@testserver/",
    "/\t/evil.example",
    "/\n/evil.example",
    "\x01//evil.example",
    "ftp://testserver/",
    "/" + "a" * 2100,
]


@pytest.fixture(autouse=True)
def _no_client_trust(instance):  # type: ignore[no-untyped-def]
    instance(client_trust=False)


@pytest.mark.parametrize("url", KEPT)
def test_same_host_redirect_url_is_kept(client, user, url):
    response = sign_in(client, "ada@example.com", redirect_url=url)
    assert response.status_code == 302
    assert response["Location"] == url


@pytest.mark.parametrize("url", REFUSED)
def test_other_redirect_urls_go_to_the_home_page(client, user, url):
    response = sign_in(client, "ada@example.com", redirect_url=url)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" in client.session


@pytest.mark.parametrize("url", REFUSED)
def test_safe_redirect_url_refuses(rf, url):
    assert safe_redirect_url(context_of(rf.get("/")), url) == ""


def test_nul_byte_in_redirect_url_does_not_block_sign_in(client, user):
    response = sign_in(client, "ada@example.com", redirect_url="/user/\x00")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_redirect_url_from_the_query_string_survives_the_form(client, user):
    page = client.get("/sign-in/", {"redirect_url": "/user/"})
    assert 'name="redirect_url" value="/user/"' in page.content.decode()
    assert sign_in(client, "ada@example.com", redirect_url="/user/")["Location"] == "/user/"


def test_redirect_url_is_escaped_in_the_page(client, db):
    page = client.get("/sign-in/", {"redirect_url": '"><script>alert(1)</script>'})
    html = page.content.decode()
    assert "<script>alert(1)" not in html
    assert "&quot;&gt;&lt;script&gt;" in html


def test_https_page_refuses_a_downgrade_to_http(rf):
    request = context_of(rf.get("/", secure=True))
    assert safe_redirect_url(request, "http://testserver/user/") == ""
    assert safe_redirect_url(request, "https://testserver/user/") == "https://testserver/user/"


def test_refused_redirect_url_with_a_wrong_password_still_names_the_password(client, user):
    response = sign_in(client, "ada@example.com", "wrong-password", redirect_url="//evil.example")
    assert error_codes(response) == ["form_password_incorrect"]
