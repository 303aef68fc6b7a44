"""One contract, every factor (the way django-otp's test mixins check each device): an empty
answer is missing, a wrong one is refused and counts, the right one passes, a one-time secret
passes once, garbage never raises, and a factor that sends keeps to its cool-down."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from authflows import clock
from authflows.delivery import sms
from authflows.factors import FactorContext, Outcome, get_factor
from authflows.factors.backup_code import replace_codes
from authflows.models import InstanceSettings, User, Verification
from authflows.strategies import Strategy
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
GARBAGE = [
    "x" * 5000,
    "\u202e1234",
    "\uff11\uff12\uff13\uff14\uff15\uff16",
    "' OR 1=1 --",
    "\x00",
    "-" * 8,
]


def context(user: User) -> FactorContext:
    return FactorContext(
        user=user,
        settings=InstanceSettings.load(),
        purpose=Verification.Purpose.ACCOUNT,
        link_base="http://testserver/link",
    )


class FactorContract:
    strategy: Strategy
    single_use = True
    sends = False

    def secret(self, user: User, ctx: FactorContext) -> str:
        """Arm the factor for `user` and return the right answer."""
        raise NotImplementedError

    def wrong(self, right: str) -> str:
        return f"{(int(right) + 1) % 10**6:06d}"

    @pytest.fixture
    def user(self, make_user) -> User:  # type: ignore[no-untyped-def]
        return make_user(phone="+14155550123")

    def test_the_registry_gives_this_factor(self):
        assert get_factor(self.strategy).strategy is self.strategy
        assert get_factor(self.strategy).sends is self.sends

    def test_an_empty_answer_is_missing_and_does_not_count(self, user):
        ctx = context(user)
        self.secret(user, ctx)
        outcome = get_factor(self.strategy).verify(ctx, "")
        assert outcome in (Outcome.MISSING, Outcome.NOT_PREPARED)
        assert not outcome.counts

    def test_a_wrong_answer_is_refused_and_counts(self, user):
        ctx = context(user)
        right = self.secret(user, ctx)
        outcome = get_factor(self.strategy).verify(ctx, self.wrong(right))
        assert not outcome.ok and outcome.counts

    def test_the_right_answer_passes_once(self, user):
        ctx = context(user)
        right = self.secret(user, ctx)
        factor = get_factor(self.strategy)
        assert factor.verify(ctx, right) is Outcome.OK
        again = factor.verify(context(User.objects.get(pk=user.pk)), right)
        assert again.ok is not self.single_use

    @pytest.mark.parametrize("garbage", GARBAGE)
    def test_garbage_is_refused_without_an_error(self, user, garbage):
        ctx = context(user)
        self.secret(user, ctx)
        assert not get_factor(self.strategy).verify(ctx, garbage).ok

    def test_prepare_sends_at_most_once_per_cool_down(self, user):
        ctx = context(user)
        first = get_factor(self.strategy).prepare(ctx)
        again = get_factor(self.strategy).prepare(ctx, resend=True)
        assert first.sent is self.sends
        assert not again.sent
        assert again.throttled is self.sends
        if self.sends:
            clock.advance(61)
            assert get_factor(self.strategy).prepare(ctx, resend=True).sent


class TestPassword(FactorContract):
    strategy = Strategy.PASSWORD
    single_use = False

    def secret(self, user, ctx):  # type: ignore[no-untyped-def]
        return PASSWORD

    def wrong(self, right: str) -> str:
        return right + "!"


def _last_code(text: str) -> str:
    return re.findall(r"\b(\d{6})\b", text)[-1]


class TestEmailCode(FactorContract):
    strategy = Strategy.EMAIL_CODE
    sends = True

    def secret(self, user, ctx):  # type: ignore[no-untyped-def]
        get_factor(self.strategy).prepare(ctx)
        return _last_code(mail.outbox[-1].body)


class TestPhoneCode(FactorContract):
    strategy = Strategy.PHONE_CODE
    sends = True

    def secret(self, user, ctx):  # type: ignore[no-untyped-def]
        get_factor(self.strategy).prepare(ctx)
        return _last_code(sms.outbox[-1].body)


class TestEmailLink(FactorContract):
    strategy = Strategy.EMAIL_LINK
    sends = True

    def secret(self, user, ctx):  # type: ignore[no-untyped-def]
        get_factor(self.strategy).prepare(ctx)
        return re.search(r"token=([\w-]+)", mail.outbox[-1].body).group(1)

    def wrong(self, right: str) -> str:
        return right[::-1]


class TestTOTP(FactorContract):
    strategy = Strategy.TOTP

    def secret(self, user, ctx):  # type: ignore[no-untyped-def]
        device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = clock.now().timestamp()
        return f"{totp.token():06d}"


class TestBackupCode(FactorContract):
    strategy = Strategy.BACKUP_CODE

    def secret(self, user, ctx):  # type: ignore[no-untyped-def]
        return replace_codes(user)[0]

    def wrong(self, right: str) -> str:
        return "zzzz-zzzz"
