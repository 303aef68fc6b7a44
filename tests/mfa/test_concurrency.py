"""Single use is a database fact: two simultaneous submissions of one code, exactly one wins
(PostgreSQL, real threads and connections)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from tests.mfa.conftest import (
    app_code,
    create_backup_codes,
    enrol_totp,
    next_step,
    sign_out,
    start_mfa_sign_in,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(clients: list[Client], data: dict[str, str]) -> list[int]:
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def submit(client: Client) -> None:
        try:
            barrier.wait()
            statuses.append(client.post("/sign-in/factor-two/", data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def _browsers(count: int) -> list[Client]:
    browsers = [Client() for _ in range(count)]
    for browser in browsers:
        start_mfa_sign_in(browser)
    return browsers


def test_one_backup_code_two_browsers(signed_in):
    enrol_totp(signed_in)
    codes = create_backup_codes(signed_in)
    sign_out(signed_in)
    statuses = _race(_browsers(2), {"strategy": "totp", "useBackupCode": "on", "code": codes[0]})
    assert statuses == [302, 400]


def test_one_totp_step_two_browsers(signed_in):
    secret = enrol_totp(signed_in)
    sign_out(signed_in)
    next_step()
    statuses = _race(_browsers(2), {"strategy": "totp", "code": app_code(secret)})
    assert statuses == [302, 400]
