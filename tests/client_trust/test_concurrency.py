"""Two simultaneous submissions of one client-trust code: exactly one signs in (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from authflows.models import AuthEvent, TrustedClient
from tests.conftest import last_code, sign_in
from tests.core.helpers import CLIENT_TRUST_URL

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def twin(browser: Client) -> Client:
    """A second tab of the same browser: the same cookies, its own connection."""
    other = Client()
    for name, morsel in browser.cookies.items():
        other.cookies[name] = morsel.value
    return other


def post_together(tabs: list[Client], data: dict[str, str]) -> list[int]:
    barrier = threading.Barrier(len(tabs))
    results: list[int] = []

    def run(tab: Client) -> None:
        try:
            barrier.wait()
            response = tab.post(CLIENT_TRUST_URL, data)
            results.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(tab,)) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize("round_", range(3))
def test_one_code_two_simultaneous_submissions(user, mailoutbox, round_):
    first = Client()
    sign_in(first, "ada@example.com")
    first.get(CLIENT_TRUST_URL)
    code = last_code(mailoutbox[0].body)
    results = post_together([first, twin(first)], {"code": code})
    assert sorted(results) == [302, 400]
    assert TrustedClient.objects.filter(user=user).count() == 1
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.SIGN_IN_SUCCEEDED).count() == 1
