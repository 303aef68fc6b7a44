"""Single use is a database fact: the same secret submitted by ten requests at once wins
exactly once. These run on PostgreSQL (make test-postgres), where requests really overlap."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from authflows.factors import FactorContext, Outcome, codes, get_factor
from authflows.factors.backup_code import remaining, replace_codes
from authflows.factors.code_factors import open_link
from authflows.models import (
    AuthEvent,
    InstanceSettings,
    SignInAttempt,
    TrustedClient,
    User,
    UserSession,
    Verification,
)
from tests.conftest import error_codes, last_code, sign_in
from tests.protect.conftest import totp_code

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 10


def race(work: Callable[[int], object], threads: int = THREADS) -> list[object]:
    """Run work(0..n-1) in n threads released together; each thread has its own connection."""
    barrier = threading.Barrier(threads)

    def run(n: int) -> object:
        try:
            barrier.wait(timeout=10)
            return work(n)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(run, range(threads)))


def client_trust_attempt(client: Client, user: User, mailoutbox: list) -> tuple[str, SignInAttempt]:  # type: ignore[type-arg]
    sign_in(client, user.email)
    client.get("/sign-in/client-trust/")
    return mailoutbox[-1].body, SignInAttempt.objects.get(user=user)


def context(attempt: SignInAttempt, purpose: str = "client_trust") -> FactorContext:
    return FactorContext(
        user=User.objects.get(pk=attempt.user_id),
        settings=InstanceSettings.load(),
        purpose=purpose,
        sign_in=SignInAttempt.objects.get(pk=attempt.pk),
    )


def test_email_code_is_used_once(client, user, mailoutbox):
    body, attempt = client_trust_attempt(client, user, mailoutbox)
    code = last_code(body)
    outcomes = race(lambda n: get_factor("email_code").verify(context(attempt), code))
    assert outcomes.count(Outcome.OK) == 1
    assert Verification.objects.get(sign_in=attempt).consumed_at is not None


def test_sms_code_is_used_once(client, make_user, instance, sms_outbox):
    instance(email_sign_up=False, email_sign_in=False, email_required=False, phone_sign_in=True)
    phone_user = make_user(email=None, phone="+14155550123")
    client.post(
        "/sign-in/", {"identifier": "+14155550123", "password": "a-long-and-unusual-passphrase-93"}
    )
    client.get("/sign-in/client-trust/")
    attempt = SignInAttempt.objects.get(user=phone_user)
    code = last_code(sms_outbox[-1].body)
    outcomes = race(lambda n: get_factor("phone_code").verify(context(attempt), code))
    assert outcomes.count(Outcome.OK) == 1


def test_the_same_code_posted_by_ten_requests_signs_in_once(client, user, mailoutbox):
    """The whole request: ten copies of one browser post the code together."""
    body, _attempt = client_trust_attempt(client, user, mailoutbox)
    code = last_code(body)
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}

    def post(n: int) -> int:
        copy = Client()
        for name, value in cookies.items():
            copy.cookies[name] = value
        response = copy.post("/sign-in/client-trust/", {"code": code, "action": "verify"})
        return response.status_code if response.status_code != 302 else response["Location"]

    results = race(post)
    # A copy that arrives after another completed is sent back to a sign-in page instead of
    # refused: which answer each copy gets depends on timing, these do not.
    assert results.count("/") == 1, results
    assert all(not isinstance(r, int) or r < 500 for r in results), results
    assert UserSession.objects.filter(user=user).count() == 1
    assert TrustedClient.objects.filter(user=user).count() == 1
    for kind in (AuthEvent.Kind.SIGN_IN_SUCCEEDED, AuthEvent.Kind.TRUST_GRANTED):
        assert AuthEvent.objects.filter(kind=kind, user=user).count() == 1, kind


def test_email_link_is_used_once(client, user, instance, mailoutbox):
    instance(email_verification="link")
    body, attempt = client_trust_attempt(client, user, mailoutbox)
    token = re.search(r"token=([\w-]+)", body).group(1)
    assert open_link(token)[0] is Outcome.OK
    outcomes = race(lambda n: get_factor("email_link").verify(context(attempt), ""))
    assert outcomes.count(Outcome.OK) == 1


def test_email_link_opened_ten_times_at_once_stays_single_use(client, user, instance, mailoutbox):
    instance(email_verification="link")
    body, attempt = client_trust_attempt(client, user, mailoutbox)
    token = re.search(r"token=([\w-]+)", body).group(1)
    opened = race(lambda n: open_link(token)[0])
    assert set(opened) == {Outcome.OK}  # opening verifies; it does not consume
    outcomes = race(lambda n: get_factor("email_link").verify(context(attempt), ""))
    assert outcomes.count(Outcome.OK) == 1


def test_backup_code_is_used_once(user, totp_device):
    chosen = replace_codes(user)[0]
    ctx = FactorContext(user=user, settings=InstanceSettings.load(), purpose="second_factor")
    outcomes = race(lambda n: get_factor("backup_code").verify(ctx, chosen))
    assert outcomes.count(Outcome.OK) == 1
    assert remaining(user) == 9


def test_totp_step_is_accepted_once(user, totp_device):
    code = totp_code(totp_device)
    ctx = FactorContext(user=user, settings=InstanceSettings.load(), purpose="second_factor")
    outcomes = race(lambda n: get_factor("totp").verify(ctx, code))
    assert outcomes.count(Outcome.OK) == 1


def test_parallel_wrong_guesses_count_at_most_five(client, user, mailoutbox):
    body, attempt = client_trust_attempt(client, user, mailoutbox)
    code = last_code(body)
    wrong = [f"{(int(code) + n + 1) % 10**6:06d}" for n in range(20)]
    race(lambda n: codes.check_code(Verification.objects.get(sign_in=attempt), wrong[n]), 20)
    verification = Verification.objects.get(sign_in=attempt)
    assert verification.attempts == codes.MAX_WRONG_TRIES
    assert codes.check_code(verification, code) is Outcome.FAILED


def test_thirty_simultaneous_wrong_passwords_check_at_most_the_maximum(user, instance, mailoutbox):
    """The lockout reserves each attempt before the (slow) password check: of 30 guesses
    posted at once with a maximum of 10, exactly 10 are checked and the rest are refused as
    locked; the account locks once and its owner gets one email."""
    instance(lockout_max_attempts=10, client_trust=False)

    def guess(n: int) -> list[str]:
        return error_codes(sign_in(Client(), user.email, f"wrong-guess-{n}"))

    answers = race(guess, 30)
    assert answers.count(["form_password_incorrect"]) == 10, answers
    assert answers.count(["user_locked"]) == 20, answers
    checked = AuthEvent.objects.filter(kind=AuthEvent.Kind.SIGN_IN_FAILED, user=user)
    assert checked.count() == 10
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.USER_LOCKED, user=user).count() == 1
    assert User.objects.get(pk=user.pk).locked_until is not None
    assert [m.subject for m in mailoutbox].count(mailoutbox[-1].subject) == 1


def test_simultaneous_new_backup_code_sets_leave_one_set(user, totp_device):
    race(lambda n: replace_codes(User.objects.get(pk=user.pk)), 5)
    assert remaining(user) == 10
