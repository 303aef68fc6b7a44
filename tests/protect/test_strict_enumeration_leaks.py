"""Strict enumeration protection: a real account and an unknown identifier are
indistinguishable by answer, page text, lock behaviour and work done (SPEC 6, issue 16
point 5).

Each test drives a real account and an unknown one side by side, each in its own browser,
the way an attacker probing which addresses exist would, and compares what comes back.
Identifiers are chosen so their masked forms are equal (a•••@example.com for both), so any
difference left is one the product made."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from authflows.models import User
from tests.conftest import last_code, page_status

pytestmark = pytest.mark.django_db

FACTOR_ONE = "/sign-in/factor-one/"
RESET = "/sign-in/reset-password/"
REAL, UNKNOWN = "ada@example.com", "amy@example.com"
REAL_PHONE, UNKNOWN_PHONE = "+14155552671", "+14155559971"  # both shown as +14••••71
NEW_PASSWORD = "correct-horse-battery-staple-71"
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def strict(instance):  # type: ignore[no-untyped-def]
    return instance(
        enumeration_protection="strict",
        client_trust=False,
        lockout_max_attempts=10,
        username_sign_in=True,
        username_sign_up=True,
        phone_sign_in=True,
        test_mode=False,
    )


@pytest.fixture
def real_user(make_user):  # type: ignore[no-untyped-def]
    return make_user(email=REAL, username="ada_lovelace", phone=REAL_PHONE, phone_verified=True)


def seen(response) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    """What the attacker sees: the status, where a redirect goes, and the page's <main>
    (form tokens and the resend timer's seconds, which differ between any two requests,
    left out)."""
    if response.status_code in (301, 302):
        return response.status_code, response["Location"], ""
    html = response.content.decode()
    main = re.search(r"<main\b.*?</main>", html, re.S)
    text = main.group(0) if main else html
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "csrf", text)
    text = re.sub(r'data-cooldown="\d+"', "data-cooldown", text)
    return response.status_code, "", text


def pair(real: Client, unknown: Client, do) -> tuple[tuple, tuple]:  # type: ignore[no-untyped-def,type-arg]
    return seen(do(real)), seen(do(unknown))


# --- (a) wrong passwordless codes ------------------------------------------------------------


def start_passwordless(browser: Client, identifier: str):  # type: ignore[no-untyped-def]
    browser.post("/sign-in/", {"identifier": identifier, "action": "passwordless"})
    return browser.get(FACTOR_ONE)


def test_wrong_passwordless_codes_answer_alike_on_every_try(strict, real_user, mailoutbox):
    real, unknown = Client(), Client()
    known_page, unknown_page = (
        seen(start_passwordless(real, REAL)),
        seen(start_passwordless(unknown, UNKNOWN)),
    )
    assert known_page == unknown_page
    wrong = f"{(int(last_code(mailoutbox[-1].body)) + 1) % 10**6:06d}"
    answers = []
    for attempt in range(1, 13):
        known, unknown_answer = pair(
            real, unknown, lambda b: b.post(FACTOR_ONE, {"strategy": "email_code", "code": wrong})
        )
        assert known == unknown_answer, f"try {attempt} answered differently"
        answers.append(known)
    codes_seen = [re.findall(r'data-error-code="([a-z_]+)"', text) for _s, _l, text in answers]
    assert codes_seen[0] == ["form_code_incorrect"]
    assert codes_seen[5] == ["verification_failed"]  # the 6th: this code is spent
    # Both "lock" after the maximum of ten failures.
    assert codes_seen[10] == codes_seen[11] == ["user_locked"]
    assert User.objects.get(pk=real_user.pk).locked_until is not None


def test_after_the_lock_a_fresh_start_answers_alike(strict, real_user, mailoutbox):
    """The lock is the identifier's, whichever browser asks next."""
    for identifier in (REAL, UNKNOWN):
        browser = Client()
        start_passwordless(browser, identifier)
        for _ in range(10):
            browser.post(FACTOR_ONE, {"strategy": "email_code", "code": "000001"})
    real, unknown = Client(), Client()
    assert seen(start_passwordless(real, REAL)) == seen(start_passwordless(unknown, UNKNOWN))
    known, unknown_answer = pair(
        real, unknown, lambda b: b.post(FACTOR_ONE, {"strategy": "email_code", "code": "000001"})
    )
    assert known == unknown_answer
    assert "user_locked" in known[2]


# --- (b) "Forgot password?" by username or phone -------------------------------------------


@pytest.mark.parametrize(
    ("real_identifier", "unknown_identifier"),
    [("ada_lovelace", "bob_lovelace"), (REAL_PHONE, UNKNOWN_PHONE)],
    ids=["username", "phone"],
)
def test_forgot_password_by_username_or_phone_shows_the_same_page(
    strict, real_user, mailoutbox, sms_outbox, real_identifier, unknown_identifier
):
    real, unknown = Client(), Client()
    assert seen(real.get(RESET)) == seen(unknown.get(RESET))
    asked = (
        seen(real.post(RESET, {"identifier": real_identifier})),
        seen(unknown.post(RESET, {"identifier": unknown_identifier})),
    )
    assert asked[0] == asked[1]
    pages = pair(real, unknown, lambda b: b.get(RESET))
    assert pages[0] == pages[1]
    assert page_status(real.get(RESET)) == "needs_first_factor"
    # The account's email address, even masked, is not shown to whoever typed its username.
    assert "a•••@example.com" not in pages[0][2] and REAL not in pages[0][2]
    wrong = pair(real, unknown, lambda b: b.post(RESET, {"code": "000001"}))
    assert wrong[0] == wrong[1]
    resend = pair(real, unknown, lambda b: b.post(RESET, {"action": "resend"}))
    assert resend[0] == resend[1]
    # Only the real account's owner got a message.
    assert len(mailoutbox) + len(sms_outbox) == 1


# --- (c) the same work: one queued message each, only the real one delivered ----------------


def run_worker() -> None:
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="pytest",
        excluded_queue_names=[],
    ).run()


def queued() -> int:
    return DBTaskResult.objects.count()


@pytest.fixture
def database_tasks(settings):  # type: ignore[no-untyped-def]
    """Production's queue: each message is a task row; the worker sends it later."""
    settings.TASKS = DATABASE_TASKS


def sign_up(browser: Client, identifier: str):  # type: ignore[no-untyped-def]
    response = browser.post("/sign-up/", {"emailAddress": identifier, "password": NEW_PASSWORD})
    return browser.get(response["Location"])


def ask_reset(browser: Client, identifier: str):  # type: ignore[no-untyped-def]
    browser.post(RESET, {"identifier": identifier})
    return browser.get(RESET)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("start", [start_passwordless, ask_reset], ids=["passwordless", "reset"])
def test_real_and_unknown_queue_the_same_work(strict, real_user, database_tasks, mailoutbox, start):
    """A request for an unknown identifier renders and queues a message row like one for a
    real account (nothing is sent inside either request); the worker delivers only the
    real one."""
    known_page = seen(start(Client(), REAL))
    assert queued() == 1
    unknown_page = seen(start(Client(), UNKNOWN))
    assert queued() == 2
    assert mailoutbox == []  # nothing leaves inside a request
    assert known_page == unknown_page
    real_row, unknown_row = DBTaskResult.objects.order_by("enqueued_at")
    # The same rendering and sealing: equal sizes for addresses of equal length.
    assert len(real_row.args_kwargs["args"][0]) == len(unknown_row.args_kwargs["args"][0])
    run_worker()
    assert [message.to for message in mailoutbox] == [[REAL]]


@pytest.mark.django_db(transaction=True)
def test_a_taken_and_a_free_address_queue_the_same_work_at_sign_up(
    strict, instance, real_user, database_tasks, mailoutbox
):
    """Sign-up with an address that has an account queues its owner's notice where a free
    address queues its code: one row each, nothing sent inside the request."""
    instance(username_sign_up=False)  # the address and a password are the whole sign-up
    taken_page = seen(sign_up(Client(), REAL))
    assert queued() == 1
    free_page = seen(sign_up(Client(), UNKNOWN))
    assert queued() == 2
    assert mailoutbox == []
    # The page names the address typed; apart from it, the same page.
    assert taken_page[2].replace(REAL, "@") == free_page[2].replace(UNKNOWN, "@")
    assert taken_page[:2] == free_page[:2]
    run_worker()
    assert sorted(message.to for message in mailoutbox) == [[REAL], [UNKNOWN]]
