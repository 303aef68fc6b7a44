"""Random sequences of sign-in requests from two browsers (out-of-order steps, replayed
forms, stale and foreign codes, another browser holding the session cookie, time passing)
never break the invariants:

- no session without every required factor (each signed-in session's client is trusted for
  its user, which only a completed client-trust or MFA step grants; a user with MFA signs in
  exactly as often as an authenticator code was accepted, trusted device or not);
- no code is accepted twice, and only the latest code of the browser's own attempt works;
- no attempt advances after it expired (10 minutes after its last step).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from authflows import clock
from authflows.factors.totp import current_step, matching_step
from authflows.models import (
    AuthEvent,
    SignInAttempt,
    TrustedClient,
    User,
    UserSession,
    Verification,
)
from authflows.models import Client as ClientRow
from tests.conftest import PASSWORD, last_code
from tests.protect.conftest import totp_code

pytestmark = pytest.mark.django_db
EMAIL = "ada@example.com"
MFA_EMAIL = "mfa@example.com"
LIFETIME = 600


@dataclass
class Browser:
    client: Client = field(default_factory=Client)
    started: float | None = None  # when the current attempt's last step happened
    latest: str = ""  # the latest code sent for the current attempt
    sent_at: float = 0.0
    stale: set[str] = field(default_factory=set)
    trusted: bool = False
    mfa_started: float | None = None

    @property
    def signed_in(self) -> bool:
        return "_auth_user_id" in self.client.session


class SignInMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        for model in (SignInAttempt, Verification, TrustedClient, UserSession, AuthEvent):
            model.objects.all().delete()
        ClientRow.objects.all().delete()
        TOTPDevice.objects.update(last_t=-1)
        User.objects.update(locked_until=None, locked_indefinitely=False)
        clock.reset()
        cache.clear()
        mail.outbox = []
        self.now = 0.0
        self.browsers = [Browser(), Browser()]
        self.accepted: set[str] = set()
        self.accepted_steps: list[int] = []

    # -- helpers --

    def _track_sends(self, browser: Browser, before: int) -> None:
        """A new email after this request is a new code for this browser's attempt."""
        if len(mail.outbox) > before:
            if browser.latest:
                browser.stale.add(browser.latest)
            browser.latest = last_code(mail.outbox[-1].body)
            browser.sent_at = self.now

    def _may_succeed(self, browser: Browser, code: str) -> bool:
        return (
            browser.started is not None
            and self.now - browser.started < LIFETIME
            and self.now - browser.sent_at < LIFETIME
            and code == browser.latest
            and code not in browser.stale
            and code not in self.accepted
        )

    # -- rules --

    @rule(b=st.integers(0, 1), right=st.booleans())
    def password(self, b: int, right: bool) -> None:
        browser = self.browsers[b]
        was_signed_in = browser.signed_in
        response = browser.client.post(
            "/sign-in/", {"identifier": EMAIL, "password": PASSWORD if right else "wrong-one"}
        )
        assert response.status_code < 500
        if was_signed_in:
            return
        location = response.get("Location")
        if location == "/sign-in/client-trust/":
            browser.started, browser.latest, browser.stale = self.now, "", set()
        elif location is not None:
            assert right and browser.trusted, "signed in with a password alone on a new client"

    @rule(b=st.integers(0, 1))
    def open_client_trust(self, b: int) -> None:
        browser, before = self.browsers[b], len(mail.outbox)
        assert browser.client.get("/sign-in/client-trust/").status_code < 500
        self._track_sends(browser, before)

    @rule(b=st.integers(0, 1))
    def resend(self, b: int) -> None:
        browser, before = self.browsers[b], len(mail.outbox)
        response = browser.client.post("/sign-in/client-trust/", {"action": "resend"})
        assert response.status_code < 500
        self._track_sends(browser, before)

    @rule(
        b=st.integers(0, 1),
        which=st.sampled_from(
            ["latest", "latest", "latest", "stale", "accepted", "other", "wrong"]
        ),
    )
    def submit_code(self, b: int, which: str) -> None:
        browser, other = self.browsers[b], self.browsers[1 - b]
        pool = {
            "latest": browser.latest,
            "stale": min(browser.stale, default=""),
            "accepted": min(self.accepted, default=""),
            "other": other.latest,
            "wrong": "000000",
        }
        code = pool[which] or "000000"
        was_signed_in = browser.signed_in
        response = browser.client.post("/sign-in/client-trust/", {"code": code})
        assert response.status_code < 500
        if browser.signed_in and not was_signed_in:
            assert self._may_succeed(browser, code), (which, code)
            self.accepted.add(code)
            browser.trusted, browser.started, browser.latest = True, None, ""

    @rule()
    def other_browser_with_the_session_cookie(self) -> None:
        """A third browser holding browser 0's session cookie (not its client cookie)."""
        thief = Client()
        if "sessionid" in self.browsers[0].client.cookies:
            thief.cookies["sessionid"] = self.browsers[0].client.cookies["sessionid"].value
        response = thief.post("/sign-in/client-trust/", {"code": self.browsers[0].latest})
        assert response.status_code < 500
        assert response.get("Location") != "/"

    @rule(b=st.integers(0, 1))
    def whole_sign_in(self, b: int) -> None:
        """The happy path in one go, so that successes (and then replays) are common."""
        self.password(b, right=True)
        self.open_client_trust(b)
        self.submit_code(b, "latest")

    @rule(
        b=st.integers(0, 1),
        before_open=st.sampled_from([0, 300, 599]),
        before_code=st.sampled_from([0, 2, 300, 601]),
    )
    def slow_sign_in(self, b: int, before_open: int, before_code: int) -> None:
        """The happy path with pauses around the edges of the 10-minute lifetimes."""
        self.password(b, right=True)
        self.time_passes(before_open)
        self.open_client_trust(b)
        self.time_passes(before_code)
        self.submit_code(b, "latest")

    # -- a user with an authenticator app --

    @rule(b=st.integers(0, 1))
    def mfa_password(self, b: int) -> None:
        browser = self.browsers[b]
        was_signed_in = browser.signed_in
        response = browser.client.post("/sign-in/", {"identifier": MFA_EMAIL, "password": PASSWORD})
        assert response.status_code < 500
        if was_signed_in:
            return
        location = response.get("Location")
        assert location in (None, "/sign-in/factor-two/"), "MFA skipped"
        if location:
            browser.mfa_started = self.now

    @rule(
        b=st.integers(0, 1),
        which=st.sampled_from(["current", "current", "previous", "accepted", "wrong"]),
    )
    def mfa_code(self, b: int, which: str) -> None:
        browser = self.browsers[b]
        device = TOTPDevice.objects.get(user__email=MFA_EMAIL)
        last = self.accepted_steps[-1] if self.accepted_steps else None
        replay = "000000" if last is None else totp_code(device, last - current_step(device))
        pool = {
            "current": totp_code(device),
            "previous": totp_code(device, -1),
            "accepted": replay,
            "wrong": "000000",
        }
        step = matching_step(device, pool[which])
        was_signed_in = browser.signed_in
        response = browser.client.post(
            "/sign-in/factor-two/", {"code": pool[which], "strategy": "totp"}
        )
        assert response.status_code < 500
        if browser.signed_in and not was_signed_in:
            assert browser.mfa_started is not None
            assert self.now - browser.mfa_started < LIFETIME, "expired attempt advanced"
            assert step is not None
            assert not self.accepted_steps or step > self.accepted_steps[-1], "TOTP step reused"
            self.accepted_steps.append(step)
            browser.mfa_started = None

    @rule(b=st.integers(0, 1))
    def whole_mfa_sign_in(self, b: int) -> None:
        self.mfa_password(b)
        self.mfa_code(b, "current")

    @rule(b=st.integers(0, 1), mfa=st.booleans())
    def come_back(self, b: int, mfa: bool) -> None:
        """Sign out and sign in again with the password on the same browser."""
        self.sign_out(b)
        if mfa:
            self.mfa_password(b)
        else:
            self.password(b, right=True)

    @rule(b=st.integers(0, 1))
    def start_over(self, b: int) -> None:
        self.browsers[b].client.post("/sign-in/reset/")
        self.browsers[b].started = None

    @rule(b=st.integers(0, 1))
    def sign_out(self, b: int) -> None:
        self.browsers[b].client.post("/sign-out/")

    @precondition(lambda self: self.now < 3 * 3600)
    @rule(seconds=st.sampled_from([5, 31, 61, 299, 599, 601]))
    def time_passes(self, seconds: int) -> None:
        if seconds:
            clock.advance(seconds)
            self.now += seconds

    # -- invariants --

    @invariant()
    def every_session_has_every_factor(self) -> None:
        for row in UserSession.objects.filter(user__isnull=False):
            assert TrustedClient.objects.filter(
                user_id=row.user_id, client_id=row.client_id
            ).exists()

    @invariant()
    def mfa_sign_ins_match_accepted_codes(self) -> None:
        signed_in = AuthEvent.objects.filter(
            kind=AuthEvent.Kind.SIGN_IN_SUCCEEDED, user__email=MFA_EMAIL
        ).count()
        assert signed_in == len(self.accepted_steps)

    @invariant()
    def no_code_used_twice(self) -> None:
        consumed = Verification.objects.filter(consumed_at__isnull=False).count()
        assert consumed == len(self.accepted)


def test_random_sign_in_sequences_keep_the_invariants(user, make_user, instance):
    instance(client_trust=True, lockout_max_attempts=1000)
    mfa_user = make_user(email=MFA_EMAIL)
    TOTPDevice.objects.create(user=mfa_user, name="app", confirmed=True)
    SignInMachine.TestCase.settings = settings(
        max_examples=25,
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(SignInMachine, settings=SignInMachine.TestCase.settings)
