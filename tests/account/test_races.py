"""Two accounts verifying one address at the same moment: exactly one wins (PostgreSQL,
threads, each its own connection)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from authflows.models import AuthEvent, EmailAddress
from tests.conftest import PASSWORD, error_codes, last_code
from tests.core.helpers import complete_sign_in


@pytest.mark.postgres
def test_two_accounts_verifying_one_address_one_wins(transactional_db, make_user, mailoutbox):
    browsers, pages, codes = [], [], []
    for name in ("ada", "bob"):
        make_user(email=f"{name}@example.com", email_verified=True)
        browser = Client()
        assert complete_sign_in(browser, f"{name}@example.com", mailoutbox)["Location"] == "/"
        page = browser.post("/user/email-addresses/add/", {"emailAddress": "shared@example.com"})
        browser.get(page["Location"])
        codes.append(last_code(mailoutbox[-1].body))
        browsers.append(browser)
        pages.append(page["Location"])
    barrier = threading.Barrier(2)
    responses: list = [None, None]

    def verify(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            form = {"action": "verify", "code": codes[index]}
            responses[index] = browsers[index].post(pages[index], form)
        finally:
            connection.close()

    threads = [threading.Thread(target=verify, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    verified = EmailAddress.objects.filter(email_address="shared@example.com", verified=True)
    assert verified.count() == 1
    won = [r for r in responses if r.status_code == 302]
    lost = [r for r in responses if r.status_code == 400]
    assert len(won) == len(lost) == 1
    assert error_codes(lost[0]) == ["form_identifier_exists"]
    added = AuthEvent.objects.filter(kind=AuthEvent.Kind.IDENTIFICATION_ADDED)
    assert added.count() == 1 and added.get().user == verified.get().user
    # The winner signs in with it; the loser keeps a pending row that can't be verified.
    winner = verified.get().user
    pending = EmailAddress.objects.filter(email_address="shared@example.com", verified=False)
    assert pending.count() == 1 and pending.get().user != winner
    other = Client()
    assert complete_sign_in(other, "shared@example.com", mailoutbox, PASSWORD)["Location"] == "/"
    assert other.session["_auth_user_id"] == str(winner.pk)


@pytest.mark.postgres
def test_two_primaries_chosen_at_once_leave_one(transactional_db, make_user, mailoutbox):
    from tests.account.conftest import add_and_verify_email

    user = make_user(email="ada@example.com", email_verified=True)
    browser = Client()
    complete_sign_in(browser, "ada@example.com", mailoutbox)
    rows = [add_and_verify_email(browser, f"ada{n}@example.com", mailoutbox) for n in (1, 2)]
    barrier = threading.Barrier(2)
    responses: list = [None, None]

    def choose(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            page = f"/user/email-addresses/{rows[index].public_id}/"
            responses[index] = browser.post(page, {"action": "primary"})
        finally:
            connection.close()

    threads = [threading.Thread(target=choose, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert all(r.status_code == 302 for r in responses)
    user.refresh_from_db()
    primaries = EmailAddress.objects.filter(user=user, primary=True)
    assert list(primaries.values_list("email_address", flat=True)) == [user.email]
    assert user.email in ("ada1@example.com", "ada2@example.com")
