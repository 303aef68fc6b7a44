"""Single use as a database fact, on PostgreSQL with threads: one passkey answer posted by
ten copies of a browser at once signs in once; ten simultaneous registrations of new keys
never pass the limit."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from authflows.flows.passkeys.store import MAX_PASSKEYS
from authflows.models import AuthEvent, Passkey, PasskeyChallenge, UserSession
from tests.passkeys.authenticator import SoftAuthenticator
from tests.passkeys.conftest import (
    REGISTER,
    REGISTER_OPTIONS,
    SIGN_IN,
    SIGN_IN_OPTIONS,
    options,
    post_json,
    register,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 10


def race(work: Callable[[int], object], threads: int = THREADS) -> list[object]:
    barrier = threading.Barrier(threads)

    def run(n: int) -> object:
        try:
            barrier.wait(timeout=10)
            return work(n)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(run, range(threads)))


def copies(browser: Client) -> Callable[[], Client]:
    cookies = {name: morsel.value for name, morsel in browser.cookies.items()}

    def make() -> Client:
        copy = Client()
        for name, value in cookies.items():
            copy.cookies[name] = value
        return copy

    return make


def test_one_answer_posted_ten_times_at_once_signs_in_once(with_passkey, authenticator):
    sessions = UserSession.objects.filter(user=with_passkey).count()  # the one that added it
    browser = Client()
    answer = authenticator.get(options(browser, SIGN_IN_OPTIONS))
    copy = copies(browser)
    results = race(lambda n: post_json(copy(), SIGN_IN, {"credential": answer}).status_code)
    assert sorted(results) == [200] + [400] * (THREADS - 1), results
    assert UserSession.objects.filter(user=with_passkey).count() == sessions + 1
    kind = AuthEvent.Kind.SIGN_IN_SUCCEEDED
    assert AuthEvent.objects.filter(kind=kind, data__strategy="passkey").count() == 1
    assert (
        PasskeyChallenge.objects.filter(purpose="sign_in", consumed_at__isnull=False).count() == 1
    )


def test_simultaneous_registrations_never_pass_the_limit(user, passkeys_on, signed_in):
    browser = signed_in(user)
    for _ in range(MAX_PASSKEYS - 2):
        register(browser, SoftAuthenticator())
    answers = [
        SoftAuthenticator().create(options(browser, REGISTER_OPTIONS)) for _ in range(THREADS)
    ]
    copy = copies(browser)
    results = race(lambda n: post_json(copy(), REGISTER, {"credential": answers[n]}).status_code)
    assert results.count(200) == 2, results
    assert Passkey.objects.filter(user=user).count() == MAX_PASSKEYS
