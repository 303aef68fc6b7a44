"""The sign-in attempt's statuses, its legal moves, and the page that handles each status.

needs_identifier -> needs_first_factor -> [needs_second_factor | needs_client_trust]
                 -> [needs_new_password] -> complete

The status alone, plus one reason (MFA or client trust; a reset of a forgotten password),
names the page. Both the page guard and the redirect after each step read PAGES, and every
status change goes through move(), which refuses a move the table does not list.
"""

from __future__ import annotations

from authflows.errors import FlowError
from authflows.models import SignInAttempt, SignInStatus

Status = SignInStatus
Reason = SignInAttempt.Reason

PAGES: dict[tuple[str, str], str] = {
    (Status.NEEDS_IDENTIFIER, Reason.NONE): "authflows:sign-in",
    (Status.NEEDS_FIRST_FACTOR, Reason.NONE): "authflows:factor-one",
    (Status.NEEDS_FIRST_FACTOR, Reason.RESET_PASSWORD): "authflows:reset-password",
    (Status.NEEDS_SECOND_FACTOR, Reason.MFA): "authflows:factor-two",
    (Status.NEEDS_SECOND_FACTOR, Reason.CLIENT_TRUST): "authflows:client-trust",
    (Status.NEEDS_CLIENT_TRUST, Reason.CLIENT_TRUST): "authflows:client-trust",
    (Status.NEEDS_NEW_PASSWORD, Reason.RESET_PASSWORD): "authflows:reset-password",
    # A reset of an account with MFA: the second factor passed, the new password is next.
    (Status.NEEDS_NEW_PASSWORD, Reason.MFA): "authflows:reset-password",
}

MOVES: dict[str, frozenset[str]] = {
    Status.NEEDS_IDENTIFIER: frozenset(
        {
            Status.NEEDS_FIRST_FACTOR,
            Status.NEEDS_SECOND_FACTOR,
            Status.NEEDS_CLIENT_TRUST,
            Status.COMPLETE,
        }
    ),
    Status.NEEDS_FIRST_FACTOR: frozenset(
        {
            Status.NEEDS_SECOND_FACTOR,
            Status.NEEDS_CLIENT_TRUST,
            Status.NEEDS_NEW_PASSWORD,
            Status.COMPLETE,
        }
    ),
    Status.NEEDS_SECOND_FACTOR: frozenset({Status.NEEDS_NEW_PASSWORD, Status.COMPLETE}),
    Status.NEEDS_CLIENT_TRUST: frozenset({Status.COMPLETE}),
    Status.NEEDS_NEW_PASSWORD: frozenset({Status.COMPLETE}),
    Status.COMPLETE: frozenset(),
}

#: The statuses that ask for a second factor (MFA or client trust).
SECOND_FACTOR = (Status.NEEDS_SECOND_FACTOR, Status.NEEDS_CLIENT_TRUST)


def state_of(attempt: SignInAttempt | None) -> tuple[str, str]:
    if attempt is None:
        return Status.NEEDS_IDENTIFIER, Reason.NONE
    return attempt.status, attempt.reason


def page_of(attempt: SignInAttempt | None) -> str:
    """The URL name of the page that handles the attempt now (the sign-in page when none)."""
    return PAGES.get(state_of(attempt), "authflows:sign-in")


def handles(page: str, attempt: SignInAttempt | None) -> bool:
    return page_of(attempt) == page


def move(attempt: SignInAttempt, status: str, reason: str | None = None) -> None:
    """Change the attempt's status along the table; an illegal move is an expired attempt."""
    if status not in MOVES[attempt.status]:
        raise FlowError("sign_in_expired")
    attempt.status = status
    if reason is not None:
        attempt.reason = reason
