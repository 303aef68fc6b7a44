"""Client trust by email link: opened in the same browser it completes; opened in another it
verifies, and the first tab completes on its next poll or a plain refresh."""

from __future__ import annotations

import pytest

from authflows import clock
from authflows.models import TrustedClient
from tests.conftest import error_codes, open_link, page_status, sign_in
from tests.core.helpers import CLIENT_TRUST_URL, link_path

pytestmark = pytest.mark.django_db
STATUS_URL = "/sign-in/client-trust/status/"


@pytest.fixture
def waiting(client, user, instance, mailoutbox):  # type: ignore[no-untyped-def]
    """The first tab, on the client-trust page; the link was emailed on arrival."""
    instance(email_verification="link")
    assert sign_in(client, "ada@example.com", redirect_url="/user/")["Location"] == CLIENT_TRUST_URL
    page = client.get(CLIENT_TRUST_URL)
    html = page.content.decode()
    assert page_status(page) == "needs_client_trust"
    assert f'data-poll-url="{STATUS_URL}"' in html
    assert "/static/authflows/poll.js" in html
    assert 'name="code"' not in html  # nothing to type: the link does it
    assert len(mailoutbox) == 1
    return client


@pytest.fixture
def link(waiting, mailoutbox) -> str:  # type: ignore[no-untyped-def]
    return link_path(mailoutbox[0].body)


def test_link_opened_in_the_same_browser_completes(waiting, link, user):
    response = open_link(waiting, link)
    assert response.status_code == 302
    assert response["Location"] == "/user/"
    assert int(waiting.session["_auth_user_id"]) == user.pk
    assert TrustedClient.objects.filter(user=user, strategy="email_link").count() == 1


def test_link_opened_in_another_browser_verifies_and_the_first_tab_polls(
    waiting, link, browser, user
):
    assert waiting.get(STATUS_URL).json() == {"status": "needs_client_trust", "redirect": None}
    opened = open_link(browser, link)
    assert opened.status_code == 200
    assert page_status(opened) == "verified"
    assert "Return to the tab where you started" in opened.content.decode()
    assert "_auth_user_id" not in browser.session  # the other browser is not signed in
    assert (
        not TrustedClient.objects.filter(client__isnull=False)
        .exclude(client_id=waiting.session.get("_authflows_client_id", 0))
        .exists()
    )

    poll = waiting.get(STATUS_URL)
    assert poll.status_code == 200
    assert poll.json() == {"status": "complete", "redirect": "/user/"}
    assert int(waiting.session["_auth_user_id"]) == user.pk
    assert waiting.get("/user/").status_code == 200
    assert TrustedClient.objects.filter(user=user).count() == 1


def test_link_opened_in_another_browser_then_a_plain_refresh_completes(
    waiting, link, browser, user
):
    open_link(browser, link)
    response = waiting.get(CLIENT_TRUST_URL)
    assert response.status_code == 302
    assert response["Location"] == "/user/"
    assert int(waiting.session["_auth_user_id"]) == user.pk


def test_i_opened_the_link_button_completes_after_the_link_was_opened(waiting, link, browser):
    early = waiting.post(CLIENT_TRUST_URL, {"action": "check"})
    assert error_codes(early) == []
    assert "has not been opened yet" in early.content.decode()
    assert "_auth_user_id" not in waiting.session
    open_link(browser, link)
    assert waiting.post(CLIENT_TRUST_URL, {"action": "check"})["Location"] == "/user/"


def test_a_link_works_once(waiting, link, browser):
    open_link(waiting, link)
    again = open_link(browser, link)
    assert again.status_code == 400
    assert page_status(again) == "failed"
    assert "_auth_user_id" not in browser.session


def test_an_expired_link_is_refused(waiting, link, browser):
    clock.advance(10 * 60 + 1)
    response = open_link(browser, link)
    assert response.status_code == 400
    assert 'data-error-code="verification_expired"' in response.content.decode()


@pytest.mark.parametrize("token", ["", "nope", "a" * 43, "a" * 500])
def test_unknown_tokens_are_refused(client, db, token):
    response = client.post("/sign-in/verify/", {"token": token})
    assert response.status_code == 400
    assert page_status(response) == "failed"


def test_a_resent_link_replaces_the_old_one(waiting, link, browser, mailoutbox):
    clock.advance(61)
    assert waiting.post(CLIENT_TRUST_URL, {"action": "resend"}).status_code == 200
    assert len(mailoutbox) == 2
    assert open_link(browser, link).status_code == 400
    assert open_link(waiting, link_path(mailoutbox[1].body))["Location"] == "/user/"


def test_polling_after_start_over_does_not_complete(waiting, link, browser):
    waiting.post("/sign-in/reset/")
    open_link(browser, link)
    assert waiting.get(STATUS_URL).json() == {"status": "needs_identifier", "redirect": None}
    assert "_auth_user_id" not in waiting.session


def test_a_poll_from_another_browser_never_completes_the_attempt(waiting, link, browser):
    open_link(browser, link)
    assert browser.get(STATUS_URL).json() == {"status": "needs_identifier", "redirect": None}
    assert "_auth_user_id" not in browser.session


def test_fetching_the_link_approves_nothing(waiting, link, browser, user):
    """Mail scanners and link previews fetch links: a GET only shows the Continue button."""
    for fetcher in (browser, waiting):
        page = fetcher.get(link)
        assert page_status(page) == "confirm_link"
        assert 'name="token"' in page.content.decode()
    assert waiting.get(STATUS_URL).json()["status"] == "needs_client_trust"
    assert "_auth_user_id" not in waiting.session
