"""The sign-in table, without HTTP or a database: every status has its page and its legal
moves, the guard and the redirects agree, and an illegal move is refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from authflows.errors import FlowError
from authflows.flows.sign_in import table
from authflows.flows.sign_in.table import MOVES, PAGES, Reason, Status
from authflows.models import SignInAttempt


def attempt(status: str, reason: str = "") -> SignInAttempt:
    return SignInAttempt(status=status, reason=reason)


def test_every_status_has_its_moves_and_complete_is_final():
    assert set(MOVES) == set(Status.values)
    assert MOVES[Status.COMPLETE] == frozenset()
    for status, moves in MOVES.items():
        assert status not in moves, f"{status} moves to itself"
        assert moves <= set(Status.values)


def test_every_status_but_complete_is_reached_from_the_identifier():
    reached, frontier = {Status.NEEDS_IDENTIFIER}, [Status.NEEDS_IDENTIFIER]
    while frontier:
        for status in MOVES[frontier.pop()]:
            if status not in reached:
                reached.add(status)
                frontier.append(status)
    assert reached == set(Status.values)


def test_every_page_is_a_url_of_the_site():
    for page in set(PAGES.values()):
        assert reverse(page).startswith("/sign-in/")


@pytest.mark.parametrize(
    ("status", "reason", "page"),
    [
        (Status.NEEDS_FIRST_FACTOR, Reason.NONE, "/sign-in/factor-one/"),
        (Status.NEEDS_FIRST_FACTOR, Reason.RESET_PASSWORD, "/sign-in/reset-password/"),
        (Status.NEEDS_SECOND_FACTOR, Reason.MFA, "/sign-in/factor-two/"),
        (Status.NEEDS_SECOND_FACTOR, Reason.CLIENT_TRUST, "/sign-in/client-trust/"),
        (Status.NEEDS_CLIENT_TRUST, Reason.CLIENT_TRUST, "/sign-in/client-trust/"),
        (Status.NEEDS_NEW_PASSWORD, Reason.RESET_PASSWORD, "/sign-in/reset-password/"),
        (Status.NEEDS_NEW_PASSWORD, Reason.MFA, "/sign-in/reset-password/"),
    ],
)
def test_the_status_and_its_reason_name_the_page(status, reason, page):
    row = attempt(status, reason)
    assert reverse(table.page_of(row)) == page
    assert table.handles(table.page_of(row), row)
    others = set(PAGES.values()) - {table.page_of(row)}
    assert not any(table.handles(other, row) for other in others)


def test_no_attempt_and_an_unknown_pair_lead_to_the_sign_in_page():
    assert table.page_of(None) == "authflows:sign-in"
    assert table.page_of(attempt(Status.COMPLETE)) == "authflows:sign-in"
    assert table.page_of(attempt(Status.NEEDS_CLIENT_TRUST, Reason.MFA)) == "authflows:sign-in"


def test_legal_moves_change_the_status_and_reason():
    row = attempt(Status.NEEDS_FIRST_FACTOR, Reason.RESET_PASSWORD)
    table.move(row, Status.NEEDS_SECOND_FACTOR, Reason.MFA)
    assert (row.status, row.reason) == (Status.NEEDS_SECOND_FACTOR, Reason.MFA)
    table.move(row, Status.NEEDS_NEW_PASSWORD)  # the reason stays unless given
    assert (row.status, row.reason) == (Status.NEEDS_NEW_PASSWORD, Reason.MFA)


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (Status.COMPLETE, Status.NEEDS_SECOND_FACTOR),
        (Status.NEEDS_CLIENT_TRUST, Status.NEEDS_NEW_PASSWORD),
        (Status.NEEDS_NEW_PASSWORD, Status.NEEDS_SECOND_FACTOR),
        (Status.NEEDS_SECOND_FACTOR, Status.NEEDS_FIRST_FACTOR),
    ],
)
def test_an_illegal_move_is_an_expired_attempt(start, to):
    row = attempt(start)
    with pytest.raises(FlowError) as refused:
        table.move(row, to)
    assert refused.value.code == "sign_in_expired"
    assert row.status == start
