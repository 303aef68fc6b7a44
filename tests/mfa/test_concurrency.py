"""Single use is a database fact: two browsers submit one code at the same moment, exactly one
signs in (PostgreSQL, real threads and connections).

Each browser has its own attempt, so a submission that arrives after the other completed is
refused like a simultaneous one; the tests assert that and the invariants behind it (one
session, one trusted-device row, one audit event each), not an ordering."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client

from authflows.models import AuthEvent, TrustedClient, User, UserSession
from tests.conftest import error_codes
from tests.mfa.conftest import (
    app_code,
    create_backup_codes,
    enrol_totp,
    next_step,
    sign_out,
    start_mfa_sign_in,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(clients: list[Client], data: dict[str, str]) -> list[HttpResponse]:
    barrier = threading.Barrier(len(clients))
    responses: list[HttpResponse] = []

    def submit(client: Client) -> None:
        try:
            barrier.wait(timeout=10)
            responses.append(client.post("/sign-in/factor-two/", data))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(responses) == len(clients)
    return responses


def _counts(user: User) -> dict[str, int]:
    """What one sign-in adds: a session, a trusted-device row, its audit events."""
    events = AuthEvent.objects.filter(user=user)
    return {
        "sessions": UserSession.objects.filter(user=user).count(),
        "trusted devices": TrustedClient.objects.filter(user=user).count(),
        "sign-ins": events.filter(kind=AuthEvent.Kind.SIGN_IN_SUCCEEDED).count(),
        "trust granted": events.filter(kind=AuthEvent.Kind.TRUST_GRANTED).count(),
    }


def _signed_in_once(user: User, responses: list[HttpResponse], before: dict[str, int]) -> None:
    won = [r for r in responses if r.status_code == 302 and r["Location"] == "/"]
    lost = [r for r in responses if r not in won]
    assert len(won) == 1, [(r.status_code, r.get("Location")) for r in responses]
    assert [(r.status_code, error_codes(r)) for r in lost] == [(400, ["form_code_incorrect"])]
    assert _counts(user) == {name: count + 1 for name, count in before.items()}


def _browsers(count: int) -> list[Client]:
    browsers = [Client() for _ in range(count)]
    for browser in browsers:
        start_mfa_sign_in(browser)
    return browsers


def test_one_backup_code_two_browsers(signed_in, user):
    enrol_totp(signed_in)
    codes = create_backup_codes(signed_in)
    sign_out(signed_in)
    browsers, before = _browsers(2), _counts(user)
    responses = _race(browsers, {"strategy": "totp", "useBackupCode": "on", "code": codes[0]})
    _signed_in_once(user, responses, before)


def test_one_totp_step_two_browsers(signed_in, user):
    secret = enrol_totp(signed_in)
    sign_out(signed_in)
    next_step()
    browsers, before = _browsers(2), _counts(user)
    responses = _race(browsers, {"strategy": "totp", "code": app_code(secret)})
    _signed_in_once(user, responses, before)
