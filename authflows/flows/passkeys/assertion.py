"""One passkey answer (a get() assertion) checked through the gate: the per-IP limit, the
lock and failure count of the passkey's owner, the audit. The check consumes the challenge
the answer signed, verifies the signature and user verification, and moves the passkey's
counter forward with one conditional UPDATE: a counter that did not move past the stored one
means a copy of the key (or a replay) and is refused and audited as a possible clone."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from authflows import clock
from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.factors import Outcome
from authflows.flows import gate
from authflows.flows.gate import Secret
from authflows.flows.passkeys import challenges, relying_party
from authflows.flows.passkeys.errors import refusal
from authflows.models import AuthEvent, Passkey, SignInAttempt, User
from authflows.strategies import Strategy

#: A passkey answer for an account: failures count toward its lock, like a wrong password.
CHECKED = Secret(Strategy.PASSKEY, field="passkey", event=AuthEvent.Kind.PASSKEY_FAILED)
#: An answer naming no known passkey belongs to no account: only the per-IP limit applies.
UNKNOWN = Secret(
    Strategy.PASSKEY, field="passkey", event=AuthEvent.Kind.PASSKEY_FAILED, account=False
)


def read(data: object) -> relying_party.Answer:
    """The browser's answer, parsed; a malformed one is refused before anything counts."""
    try:
        return relying_party.read_assertion(data)
    except relying_party.Refused:
        raise FlowError("form_param_format_invalid", field="passkey") from None


@dataclass
class AssertionCheck:
    """The check the gate runs (call it), and what it found, for the audit afterwards.
    `user` is who must own the passkey (a second factor); `discoverable` requires the user
    handle a passkey sign-in without an identifier carries."""

    ctx: FlowContext
    answer: relying_party.Answer
    passkey: Passkey | None
    purpose: str
    sign_in: SignInAttempt | None = None
    user: User | None = None
    discoverable: bool = False
    #: What a counter that did not move forward said: the passkey, stored and received.
    clone: dict[str, int] | None = field(default=None)

    def __call__(self) -> Outcome:
        ctx = self.ctx
        if not challenges.consume(
            self.answer.challenge, self.purpose, client_id=ctx.client.id, sign_in=self.sign_in
        ):
            raise refusal("passkey_challenge_invalid")
        passkey = self.passkey
        if passkey is None or not self._belongs(passkey):
            return Outcome.INCORRECT
        try:
            verified = relying_party.verify_assertion(
                relying_party.party(ctx.settings), self.answer, public_key=bytes(passkey.public_key)
            )
        except relying_party.Refused:
            return Outcome.INCORRECT
        if not advance(passkey, verified):
            self.clone = {"passkey": passkey.pk, "stored": passkey.sign_count}
            self.clone["received"] = verified.sign_count
            return Outcome.INCORRECT
        return Outcome.OK

    def _belongs(self, passkey: Passkey) -> bool:
        if self.user is not None and passkey.user_id != self.user.pk:
            return False
        handle = self.answer.user_handle
        if not handle:
            return not self.discoverable
        webauthn = getattr(passkey.user, "webauthn", None)
        return webauthn is not None and webauthn.handle == handle


def advance(passkey: Passkey, verified: relying_party.Assertion) -> bool:
    """Record the use: the counter moves forward (one conditional UPDATE, so a counter that
    did not grow, or a simultaneous use with the same counter, wins nothing). Authenticators
    that keep no counter report 0 every time; with both at 0 there is nothing to compare."""
    stored, received = passkey.sign_count, verified.sign_count
    rows = Passkey.objects.filter(pk=passkey.pk)
    if stored or received:
        rows = rows.filter(sign_count__lt=received)
    now = clock.now()
    won = rows.update(sign_count=received, last_used_at=now, backed_up=verified.backed_up)
    if won:
        passkey.sign_count, passkey.last_used_at = received, now
    return bool(won)


@contextmanager
def explained(ctx: FlowContext, run: AssertionCheck) -> Iterator[None]:
    """Around the gate's check: a possible clone is audited as such, and a refused answer is
    said in passkey words (the gate speaks of codes)."""
    try:
        yield
    except FlowError as error:
        if run.clone is not None and run.passkey is not None:
            clone = run.clone
            gate.record(
                ctx,
                AuthEvent.Kind.PASSKEY_CLONE_SUSPECTED,
                user=run.passkey.user,
                passkey=clone["passkey"],
                stored=clone["stored"],
                received=clone["received"],
            )
        if error.code == "form_code_incorrect":
            raise refusal("passkey_verification_failed") from None
        raise
