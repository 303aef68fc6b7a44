"""Sign-in-or-up (/sign-in-or-up/): a known identifier signs in, an unknown one starts a
sign-up; under strict enumeration protection (signUpIfMissing) a code is sent either way and
nothing tells the two apart until the right code was entered."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from authflows.models import EmailAddress, User
from tests.conftest import data_statements, error_codes, last_code, page_status
from tests.signup.helpers import NEW_PASSWORD, follow_sign_up

pytestmark = pytest.mark.django_db

PAGE = "/sign-in-or-up/"


def start(browser: Client, identifier: str):  # type: ignore[no-untyped-def]
    return browser.post(PAGE, {"identifier": identifier})


def test_the_form(client):
    response = client.get(PAGE)
    assert response.status_code == 200 and page_status(response) == "needs_identifier"
    assert 'name="identifier"' in response.content.decode()


def test_a_known_email_signs_in_with_a_code(client, user, mailoutbox):
    response = start(client, "ADA@example.com")
    assert response["Location"] == "/sign-in/factor-one/"
    client.get(response["Location"])
    assert mailoutbox[-1].to == ["ada@example.com"]
    done = client.post("/sign-in/factor-one/", {"code": last_code(mailoutbox[-1].body)})
    assert done["Location"] == "/"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_known_identifier_with_only_a_password(client, user, instance):
    instance(email_code_sign_in=False)
    response = start(client, "ada@example.com")
    assert response["Location"] == "/sign-in/factor-one/"
    page = client.get(response["Location"]).content.decode()
    assert 'type="password"' in page


def test_an_unknown_email_starts_a_sign_up(client, mailoutbox):
    response = start(client, "newcomer@example.com")
    assert response["Location"] == "/sign-up/continue/"  # a password is still missing
    response = client.post("/sign-up/continue/", {"password": NEW_PASSWORD})
    assert response["Location"] == "/sign-up/verify-email-address/"
    follow_sign_up(client, response)
    user = User.objects.get(email="newcomer@example.com")
    assert user.email_verified and client.session["_auth_user_id"] == str(user.pk)


def test_standard_mode_says_when_nothing_can_be_done(client, instance):
    instance(email_sign_up=False, email_required=False, username_sign_in=True)
    assert error_codes(start(client, "newcomer@example.com")) == ["form_identifier_not_found"]


# --- strict enumeration protection: signUpIfMissing -------------------------------------------


@pytest.fixture
def strict(instance):  # type: ignore[no-untyped-def]
    return instance(enumeration_protection="strict")


def _visible(response) -> str:  # type: ignore[no-untyped-def]
    """A page without what differs by design: the CSRF token and the masked address."""
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
    return re.sub(r"<strong>[^<]*</strong>", "<strong></strong>", text)


def _count(fn):  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        response = fn()
    return response, len(data_statements(queries.captured_queries))


def test_known_and_unknown_look_and_cost_the_same(strict, user, mailoutbox):
    seen = {}
    for address in ("ada@example.com", "nobody@example.com"):
        browser = Client()
        posted, post_statements = _count(lambda b=browser, a=address: start(b, a))
        page, page_statements = _count(lambda b=browser: b.get("/sign-in/factor-one/"))
        wrong, wrong_statements = _count(
            lambda b=browser: b.post("/sign-in/factor-one/", {"code": "000000"})
        )
        seen[address] = (
            posted.status_code,
            posted["Location"],
            page.status_code,
            _visible(page),
            wrong.status_code,
            error_codes(wrong),
            post_statements,
            page_statements,
            wrong_statements,
            mailoutbox[-1].to == [address],
            bool(last_code(mailoutbox[-1].body)),
        )
    assert seen["ada@example.com"] == seen["nobody@example.com"]


def test_unknown_address_after_the_right_code_becomes_a_sign_up(strict, client, mailoutbox):
    start(client, "newcomer@example.com")
    client.get("/sign-in/factor-one/")
    sent = len(mailoutbox)
    response = client.post("/sign-in/factor-one/", {"code": last_code(mailoutbox[-1].body)})
    assert response["Location"] == "/sign-up/continue/"  # the address is verified already
    response = client.post("/sign-up/continue/", {"password": NEW_PASSWORD})
    assert response["Location"] == "/sign-up/complete/"
    assert client.get(response["Location"])["Location"] == "/"
    user = User.objects.get(email="newcomer@example.com")
    assert user.email_verified
    assert EmailAddress.objects.get(user=user).verified
    assert len(mailoutbox) == sent  # no second code to verify it again
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_transfer_creates_the_account_at_once_when_nothing_is_missing(
    strict, client, mailoutbox, instance
):
    instance(password_sign_up=False)
    start(client, "newcomer@example.com")
    client.get("/sign-in/factor-one/")
    response = client.post("/sign-in/factor-one/", {"code": last_code(mailoutbox[-1].body)})
    assert response["Location"] == "/sign-up/complete/"
    assert client.get(response["Location"])["Location"] == "/"
    assert User.objects.get(email="newcomer@example.com").email_verified


def test_a_known_address_after_the_right_code_signs_in(strict, client, user, mailoutbox):
    start(client, "ada@example.com")
    client.get("/sign-in/factor-one/")
    response = client.post("/sign-in/factor-one/", {"code": last_code(mailoutbox[-1].body)})
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_plain_sign_in_under_strict_protection_still_sends_nothing(strict, client, mailoutbox):
    """Only sign-in-or-up sends to an address without an account; /sign-in/ queues a decoy."""
    client.post("/sign-in/", {"identifier": "nobody@example.com", "action": "passwordless"})
    client.get("/sign-in/factor-one/")
    assert not mailoutbox


def test_a_transfer_needs_the_code(strict, client, mailoutbox):
    start(client, "newcomer@example.com")
    client.get("/sign-in/factor-one/")
    response = client.post("/sign-in/factor-one/", {"code": "000000"})
    assert error_codes(response) == ["form_code_incorrect"]
    assert not User.objects.exists()


def test_usernames_never_sign_up(strict, client, instance):
    instance(username_sign_in=True, username_sign_up=True)
    response = start(client, "someone")
    assert response["Location"] == "/sign-in/factor-one/"
    page = client.get(response["Location"]).content.decode()
    assert 'type="password"' in page
