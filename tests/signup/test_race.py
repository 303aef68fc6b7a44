"""Two sign-ups for one email address completing at the same moment: exactly one account."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from authflows.models import User
from tests.conftest import error_codes, last_code
from tests.signup.helpers import NEW_PASSWORD

VERIFY_EMAIL = "/sign-up/verify-email-address/"


@pytest.mark.postgres
def test_two_sign_ups_for_one_address_make_one_account(transactional_db, mailoutbox):
    browsers = [Client(), Client()]
    codes = []
    for browser in browsers:
        browser.post("/sign-up/", {"emailAddress": "race@example.com", "password": NEW_PASSWORD})
        browser.get(VERIFY_EMAIL)
        codes.append(last_code(mailoutbox[-1].body))
    barrier = threading.Barrier(len(browsers))
    responses: list = [None] * len(browsers)

    def complete(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            responses[index] = browsers[index].post(VERIFY_EMAIL, {"code": codes[index]})
        finally:
            connection.close()

    threads = [threading.Thread(target=complete, args=(i,)) for i in range(len(browsers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert User.objects.filter(email="race@example.com").count() == 1
    won = [r for r in responses if r.status_code == 302]
    lost = [r for r in responses if r.status_code == 400]
    assert len(won) == len(lost) == 1
    assert won[0]["Location"] == "/sign-up/complete/"
    assert error_codes(lost[0]) == ["form_identifier_exists"]
