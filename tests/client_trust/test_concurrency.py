"""Two tabs of one browser submit one client-trust code: exactly one sign-in happens.

Whether the second tab's request overlaps the first or arrives after the first completed
depends on the machine's load, and so does its answer (refused, or sent back to a sign-in
page because the attempt is over or the session moved on). What does not depend on timing
is asserted: one tab lands signed in, no answer is a 500, and there is one session, one
trusted-device row, one audit event of each kind and one "new sign-in" email. The
simultaneous case runs on PostgreSQL with real threads and connections; the late tab, the
other end of the same race, runs everywhere."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client

from authflows.models import AuthEvent, TrustedClient, UserSession, Verification
from tests.conftest import last_code, sign_in
from tests.core.helpers import CLIENT_TRUST_URL

pytestmark = pytest.mark.django_db(transaction=True)
NEW_SIGN_IN = "New sign-in to your account"


def twin(browser: Client) -> Client:
    """A second tab of the same browser: the same cookies, its own connection."""
    other = Client()
    for name, morsel in browser.cookies.items():
        other.cookies[name] = morsel.value
    return other


def post_together(tabs: list[Client], data: dict[str, str]) -> list[HttpResponse]:
    barrier = threading.Barrier(len(tabs))
    responses: list[HttpResponse] = []

    def run(tab: Client) -> None:
        try:
            barrier.wait(timeout=10)
            responses.append(tab.post(CLIENT_TRUST_URL, data))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(tab,)) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(responses) == len(tabs)
    return responses


def at_the_code_step(user, mailoutbox) -> tuple[Client, str]:  # type: ignore[no-untyped-def]
    browser = Client()
    assert sign_in(browser, user.email)["Location"] == CLIENT_TRUST_URL
    browser.get(CLIENT_TRUST_URL)
    return browser, last_code(mailoutbox[-1].body)


def assert_signed_in_once(user, responses: list[HttpResponse], mailoutbox) -> None:  # type: ignore[no-untyped-def]
    answers = [(r.status_code, r.get("Location")) for r in responses]
    assert all(status < 500 for status, _location in answers), answers
    assert [location for _status, location in answers].count("/") == 1, answers
    assert UserSession.objects.filter(user=user).count() == 1
    assert TrustedClient.objects.filter(user=user).count() == 1
    for kind in (AuthEvent.Kind.SIGN_IN_SUCCEEDED, AuthEvent.Kind.TRUST_GRANTED):
        assert AuthEvent.objects.filter(kind=kind, user=user).count() == 1, kind
    assert Verification.objects.filter(consumed_at__isnull=False).count() == 1
    assert [m.subject for m in mailoutbox].count(NEW_SIGN_IN) == 1


@pytest.mark.postgres
@pytest.mark.parametrize("round_", range(3))
def test_one_code_two_simultaneous_submissions(user, mailoutbox, round_):
    first, code = at_the_code_step(user, mailoutbox)
    responses = post_together([first, twin(first)], {"code": code})
    assert_signed_in_once(user, responses, mailoutbox)


def test_one_code_the_second_tab_after_the_first_completed(user, mailoutbox):
    first, code = at_the_code_step(user, mailoutbox)
    second = twin(first)
    responses = [first.post(CLIENT_TRUST_URL, {"code": code})]
    responses.append(second.post(CLIENT_TRUST_URL, {"code": code}))
    assert_signed_in_once(user, responses, mailoutbox)
    assert responses[0]["Location"] == "/"
