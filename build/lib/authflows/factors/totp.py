"""Authenticator-app codes (RFC 6238: SHA1, 6 digits, 30 s, ±1 step) on django-otp's
TOTPDevice. A step once accepted is refused again: last_t only moves forward, through a
conditional UPDATE, so two simultaneous submissions of one code cannot both win."""

from __future__ import annotations

from django.utils.crypto import constant_time_compare
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from authflows import clock
from authflows.factors.base import Factor, FactorContext, Outcome
from authflows.factors.codes import normalize_code
from authflows.models import SignInAttempt, User
from authflows.strategies import Strategy

TOLERANCE_STEPS = 1


def current_step(device: TOTPDevice) -> int:
    return int((clock.now().timestamp() - device.t0) // device.step)


def matching_step(device: TOTPDevice, code: str) -> int | None:
    """The time step within ±1 whose code equals `code`, or None."""
    now = current_step(device)
    for step in (now, now - TOLERANCE_STEPS, now + TOLERANCE_STEPS):
        expected = f"{hotp(device.bin_key, step, digits=device.digits):0{device.digits}d}"
        if constant_time_compare(expected, code):
            return step
    return None


def confirmed_device(
    user: User | None, *, sign_in: SignInAttempt | None = None
) -> TOTPDevice | None:
    """The user's authenticator app; taken from the sign-in attempt when SignIn.current()
    loaded it along (no query), else read."""
    preloaded = getattr(sign_in, "totp_device", None)
    if preloaded is not None and preloaded.user_id == getattr(user, "pk", None):
        return preloaded
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def accept_step(device: TOTPDevice, step: int, *, confirm: bool = False) -> bool:
    """Record `step` as used; False if it (or a later one) was used already.

    confirm=True also activates a device being enrolled, in the same conditional UPDATE.
    """
    fields: dict[str, object] = {"last_t": step, **({"confirmed": True} if confirm else {})}
    won = TOTPDevice.objects.filter(pk=device.pk, last_t__lt=step).update(**fields)
    if won:
        for name, value in fields.items():
            setattr(device, name, value)
    return bool(won)


class TOTPFactor(Factor):
    strategy = Strategy.TOTP

    def verify(self, ctx: FactorContext, code: str) -> Outcome:
        code = normalize_code(code or "")
        if not code:
            return Outcome.MISSING
        device = confirmed_device(ctx.user, sign_in=ctx.sign_in)
        if device is None:
            return Outcome.NOT_PREPARED
        if not code.isdigit() or len(code) != device.digits:
            return Outcome.INCORRECT
        step = matching_step(device, code)
        if step is None or not accept_step(device, step):
            return Outcome.INCORRECT
        return Outcome.OK
