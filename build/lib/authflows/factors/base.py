"""The contract every factor follows: prepare() arms a challenge, verify() checks and consumes.

Factors know nothing of rate limits, lockout or the audit log: the gate
(authflows/flows/gate.py) wraps every verify() and hands prepare() the send budget."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

from authflows.models import InstanceSettings, SignInAttempt, SignUpAttempt, User, Verification
from authflows.strategies import Strategy


class Outcome(enum.Enum):
    OK = "ok"
    MISSING = "form_param_missing"
    INCORRECT = "form_code_incorrect"
    EXPIRED = "verification_expired"
    FAILED = "verification_failed"  # too many wrong tries: a new code is needed
    NOT_PREPARED = "verification_missing"

    @property
    def ok(self) -> bool:
        return self is Outcome.OK

    @property
    def counts(self) -> bool:
        """A real wrong try (counted toward lockout), not an empty field or a missing code."""
        return self not in (Outcome.OK, Outcome.MISSING, Outcome.NOT_PREPARED)

    @property
    def error_code(self) -> str:
        return "form_code_incorrect" if self is Outcome.NOT_PREPARED else self.value


@dataclass
class Challenge:
    """What prepare() did: the verification it armed, whether a message left, how long
    until another may be sent (the cool-down), and whether the cool-down refused this send."""

    verification: Verification | None = None
    sent: bool = False
    retry_after: int = 0
    throttled: bool = False


def _no_budget(target: str) -> None:
    """Sends outside any flow (tests of a factor alone) spend no budget."""


@dataclass
class FactorContext:
    """Who and what a factor works for. `purpose` is a Verification.Purpose value."""

    user: User | None
    settings: InstanceSettings
    purpose: str
    sign_in: SignInAttempt | None = None
    sign_up: SignUpAttempt | None = None
    target: str = ""
    #: Called with the address just before a message is armed; raises RateLimited when the
    #: caller's send budget is spent (the gate decides whose budget it is).
    allow_send: Callable[[str], None] = _no_budget
    #: Absolute URL the emailed link's token is appended to.
    link_base: str = ""
    #: The recipient's language, and what a security email says about the request.
    locale: str = ""
    about: dict[str, object] = field(default_factory=dict)
    #: A verification the caller loaded already (spares a query when it is the right one).
    verification: Verification | None = None


class Factor:
    strategy: Strategy = Strategy.PASSWORD
    #: True for factors that send a message (their prepare() has a cool-down).
    sends: bool = False

    def target_for(self, ctx: FactorContext) -> str:
        """Where the challenge goes (email address, phone number) or "" if nowhere."""
        return ctx.target

    def prepare(self, ctx: FactorContext, *, resend: bool = False) -> Challenge:
        """Send or arm a challenge. Factors with nothing to send return an empty Challenge."""
        return Challenge()

    def verify(self, ctx: FactorContext, code: str) -> Outcome:
        """Check `code`; on success consume it so it can never be used again."""
        raise NotImplementedError
