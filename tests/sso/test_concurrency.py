"""Two tabs of one browser come back from the provider with the same state at the same
moment: exactly one finishes. The conditional UPDATE that consumes the state decides, so
whatever the timing there is one account, one linked account and one state consumed; no
answer is a 500. Real threads and connections on PostgreSQL."""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

import pytest
from django.db import connection as db_connection
from django.http import HttpResponse
from django.test import Client

from authflows.models import AuthEvent, ExternalAccount, SSOState, User
from tests.sso.conftest import start

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def twin(browser: Client) -> Client:
    other = Client()
    for name, morsel in browser.cookies.items():
        other.cookies[name] = morsel.value
    return other


def test_one_state_two_tabs_one_sign_up(connection, idp):
    connection()
    browser = Client()
    url = urlsplit(idp.sign_in(start(browser), "newbie"))
    tabs = [browser, twin(browser)]
    barrier = threading.Barrier(len(tabs))
    responses: list[HttpResponse] = []

    def run(tab: Client) -> None:
        try:
            barrier.wait(timeout=10)
            responses.append(tab.get(f"{url.path}?{url.query}"))
        finally:
            db_connection.close()

    threads = [threading.Thread(target=run, args=(tab,)) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(r["Location"] for r in responses) == ["/sign-in/", "/sign-up/complete/"]
    assert User.objects.count() == 1 and ExternalAccount.objects.count() == 1
    assert SSOState.objects.filter(consumed_at__isnull=False).count() == 1
    assert (
        AuthEvent.objects.filter(kind="sso.failed", data__reason="oauth_state_invalid").count() == 1
    )
