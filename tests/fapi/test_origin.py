"""Clerk's SDK sends no CSRF token, so the Frontend API takes a state-changing request only
from the site's own origin; everything else is refused 403 `origin_invalid` in Clerk's
format, before anything is read or changed. The pages keep Django's CSRF protection."""

from __future__ import annotations

import pytest
from django.test import Client

from authflows.models import SignInAttempt
from tests.conftest import PASSWORD
from tests.fapi.conftest import Fapi, refusal

pytestmark = pytest.mark.django_db

EVIL = "https://evil.example"


def browser(**headers: str) -> Fapi:
    fapi = Fapi(Client(enforce_csrf_checks=True))
    fapi.headers = headers
    return fapi


@pytest.mark.parametrize(
    "headers",
    [
        {},  # neither Origin nor Referer: nothing proves where it came from
        {"Origin": EVIL},
        {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"},
        {"Origin": "null"},
        {"Origin": "https://testserver"},  # another scheme is another origin
        {"Origin": "http://testserver:8000"},  # another port too
        {"Referer": f"{EVIL}/page"},
        {"Origin": "http://testserver", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "http://testserver", "Sec-Fetch-Site": "same-site"},  # a sibling subdomain
        {"Sec-Fetch-Site": "same-origin"},  # the header alone is not enough
    ],
)
def test_state_changing_requests_from_elsewhere_are_refused(headers, user, mailoutbox):
    fapi = browser(**headers)
    response = fapi.sign_in(user.email)
    assert refusal(response) == (403, "origin_invalid", None)
    assert "Access-Control-Allow-Origin" not in response
    assert SignInAttempt.objects.count() == 0
    assert refusal(fapi.delete("client/sessions"))[1] == "origin_invalid"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
        {"Origin": "http://testserver"},  # a browser without Fetch Metadata
        {"Referer": "http://testserver/static/clerk-app/client-trust.html"},  # no Origin sent
    ],
)
def test_the_sites_own_origin_is_accepted(headers, user):
    response = browser(**headers).sign_in(user.email)
    assert response.status_code == 200
    assert response.json()["response"]["status"] == "needs_client_trust"


def test_reads_from_another_site_are_refused_reads_from_here_pass(user):
    assert refusal(browser(**{"Sec-Fetch-Site": "cross-site"}).get("client"))[0] == 403
    assert refusal(browser(**{"Sec-Fetch-Site": "same-site"}).get("environment"))[0] == 403
    assert browser(**{"Sec-Fetch-Site": "same-origin"}).get("client").status_code == 200
    assert browser().get("environment").status_code == 200  # no Fetch Metadata: a read


def test_method_override_counts_as_a_state_change(user):
    """PATCH and DELETE arrive as POST with ?_method=: checked like any POST."""
    response = browser(Origin=EVIL).patch("environment")
    assert refusal(response)[1] == "origin_invalid"


def test_the_jwks_is_public(db):
    response = browser(**{"Sec-Fetch-Site": "cross-site"}).get("jwks")
    assert response.status_code == 200 and "keys" in response.json()


def test_pages_still_need_their_csrf_token(user):
    """The Frontend API's exemption is its own: a page's form without the token fails."""
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/sign-in/",
        {"identifier": user.email, "password": PASSWORD},
        headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
    )
    assert response.status_code == 403


def test_cookies_stay_httponly_and_lax(user):
    fapi = browser(Origin="http://testserver")
    response = fapi.sign_in(user.email)
    for name in ("authflows_client", "sessionid"):
        cookie = response.cookies[name]
        assert cookie["httponly"] and cookie["samesite"] == "Lax", name
