"""Factors that send a one-time code or link: email_code, phone_code, email_link."""

from __future__ import annotations

from django.utils.crypto import constant_time_compare

from authflows import clock, delivery
from authflows.factors import codes
from authflows.factors.base import Challenge, Factor, FactorContext, Outcome
from authflows.models import Verification
from authflows.strategies import Strategy


class CodeFactor(Factor):
    sends = True
    link = False

    def prepare(self, ctx: FactorContext, *, resend: bool = False) -> Challenge:
        target = self.target_for(ctx)
        challenge, secret = codes.issue(
            ctx, strategy=self.strategy, target=target, link=self.link, resend=resend
        )
        if secret:
            self.deliver(ctx, target=target, secret=secret)
        return challenge

    def verify(self, ctx: FactorContext, code: str) -> Outcome:
        return codes.check_code(codes.find_verification(ctx, self.strategy), code)

    def deliver(self, ctx: FactorContext, *, target: str, secret: str) -> None:
        raise NotImplementedError


def _email_of(ctx: FactorContext) -> str:
    return ctx.target or (ctx.user.email if ctx.user else "") or ""


class EmailCodeFactor(CodeFactor):
    strategy = Strategy.EMAIL_CODE

    def target_for(self, ctx: FactorContext) -> str:
        return _email_of(ctx)

    def deliver(self, ctx: FactorContext, *, target: str, secret: str) -> None:
        context = {**ctx.about, "code": secret, "purpose": ctx.purpose, "minutes": 10}
        delivery.send_email(
            to=target, event="verification_code", context=context, locale=ctx.locale or None
        )


class PhoneCodeFactor(CodeFactor):
    strategy = Strategy.PHONE_CODE

    def target_for(self, ctx: FactorContext) -> str:
        if ctx.target or ctx.user is None:
            return ctx.target
        second_factor = ctx.purpose == Verification.Purpose.SECOND_FACTOR
        mfa = getattr(ctx.user, "phone_mfa", None) if second_factor else None
        return (mfa.phone if mfa else ctx.user.phone) or ""

    def deliver(self, ctx: FactorContext, *, target: str, secret: str) -> None:
        context = {"code": secret, "purpose": ctx.purpose, "minutes": 10}
        delivery.send_sms(
            to=target, event="verification_code", context=context, locale=ctx.locale or None
        )


class EmailLinkFactor(CodeFactor):
    """A link carrying a one-time token. verify() takes the token from the link."""

    strategy = Strategy.EMAIL_LINK
    link = True

    def target_for(self, ctx: FactorContext) -> str:
        return _email_of(ctx)

    def deliver(self, ctx: FactorContext, *, target: str, secret: str) -> None:
        context = {**ctx.about, "url": f"{ctx.link_base}?token={secret}", "purpose": ctx.purpose}
        delivery.send_email(
            to=target,
            event="verification_link",
            context={**context, "minutes": 10},
            locale=ctx.locale or None,
        )

    def verify(self, ctx: FactorContext, code: str) -> Outcome:
        """`code` is the link's token when the link is opened in the browser that asked for it;
        empty when another browser opened it (open_link marked the verification verified).
        Either way the attempt's owner consumes the verification."""
        verification = codes.find_verification(ctx, self.strategy)
        if verification is None:
            return Outcome.NOT_PREPARED
        if code:
            if not constant_time_compare(codes.keyed_hash(code), verification.token_hash):
                return Outcome.INCORRECT
        elif verification.verified_at is None:
            return Outcome.NOT_PREPARED
        return codes.consume(verification)


def open_link(token: str) -> tuple[Outcome, Verification | None]:
    """Mark the verification named by a link's token as verified (not consumed).

    The attempt that asked for the link then completes in whichever browser holds it.
    """
    if not token or len(token) > 128:
        return Outcome.INCORRECT, None
    verification = Verification.objects.filter(token_hash=codes.keyed_hash(token)).first()
    if verification is None or verification.consumed_at is not None:
        return Outcome.INCORRECT, verification
    now = clock.now()
    if verification.expires_at <= now:
        return Outcome.EXPIRED, verification
    if verification.verified_at is None:
        Verification.objects.filter(pk=verification.pk, verified_at__isnull=True).update(
            verified_at=now
        )
        verification.verified_at = now
    return Outcome.OK, verification
