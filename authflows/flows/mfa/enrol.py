"""Adding MFA methods: the authenticator app, SMS codes, backup codes."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.factors import Challenge, FactorContext, Outcome, codes, get_factor
from authflows.factors import backup_code as backup_codes
from authflows.factors.totp import accept_step, matching_step
from authflows.flows import gate, notices, users
from authflows.flows.gate import Secret
from authflows.flows.mfa.methods import BACKUP, PHONE, TOTP, require_enabled
from authflows.identifiers import clean_phone
from authflows.models import (
    AuthEvent,
    InstanceSettings,
    PhoneMFA,
    PhoneNumber,
    User,
    Verification,
)

TOTP_DIGITS = 6
TOTP_STEP = 30
TOTP_DEVICE_NAME = "Authenticator app"
TOTP_ENROLMENT_SESSION_KEY = "authflows_totp_enrolment"
# A code typed while adding a method guesses no existing secret (the new one is on the
# person's screen or phone): it counts per IP, not toward the account's lock.
ENROLMENT_TOTP = Secret(TOTP, account=False)
ENROLMENT_SMS = Secret(PHONE, account=False)


@dataclass
class TOTPEnrolment:
    """An authenticator app being added: what the user scans or types in."""

    device: TOTPDevice
    secret: str  # base32, for manual entry
    uri: str  # otpauth://, the content of the QR code


def totp_secret(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def totp_uri(device: TOTPDevice, *, user: User, settings: InstanceSettings) -> str:
    """Key URI format: otpauth://totp/Issuer:account?secret=...&issuer=Issuer&..."""
    issuer = settings.application_name
    label = quote(f"{issuer}:{user.identifier}", safe=":@")
    params = {
        "secret": totp_secret(device),
        "issuer": issuer,
        "algorithm": "SHA1",
        "digits": device.digits,
        "period": device.step,
    }
    return f"otpauth://totp/{label}?{urlencode(params, quote_via=quote)}"


def start_totp(ctx: FlowContext, user: User) -> TOTPEnrolment:
    """Begin adding an authenticator app: an unconfirmed device with a fresh secret.

    Reloading the page keeps the same secret (the pending device is reused), so a code from
    an app that already scanned it stays valid. Another session gets a new secret: whoever
    saw a pending secret elsewhere (a borrowed or pending session) can't have it enrolled.
    """
    require_enabled(ctx.settings, TOTP, field="code")
    devices = list(TOTPDevice.objects.filter(user=user).order_by("pk"))
    if any(d.confirmed for d in devices):
        raise FlowError("strategy_for_user_invalid", field="code")
    device = devices[0] if devices else None
    mine = ctx.session.get(TOTP_ENROLMENT_SESSION_KEY)
    if device is not None and mine != device.pk:
        device.key = default_key()
        device.save(update_fields=["key"])
    if device is None:
        device = TOTPDevice.objects.create(
            user=user,
            name=TOTP_DEVICE_NAME,
            confirmed=False,
            digits=TOTP_DIGITS,
            step=TOTP_STEP,
            t0=0,
            tolerance=1,
        )
    if mine != device.pk:
        ctx.session[TOTP_ENROLMENT_SESSION_KEY] = device.pk
    uri = totp_uri(device, user=user, settings=ctx.settings)
    return TOTPEnrolment(device=device, secret=totp_secret(device), uri=uri)


def confirm_totp(ctx: FlowContext, user: User, *, code: str, enrolment: TOTPEnrolment) -> None:
    """Activate the pending authenticator app with a valid current code (the step is used, so
    the same code cannot sign in afterwards)."""
    device = enrolment.device

    def check() -> Outcome:
        digits = codes.normalize_code(code or "")
        if not digits:
            return Outcome.MISSING
        valid = digits.isdigit() and len(digits) == device.digits
        step = matching_step(device, digits) if valid else None
        return (
            Outcome.OK
            if step is not None and accept_step(device, step, confirm=True)
            else Outcome.INCORRECT
        )

    gate.check(ctx, gate.claimant(ctx, user), ENROLMENT_TOTP, check)
    users.forget_methods(user)
    gate.record(ctx, AuthEvent.Kind.MFA_ENABLED, user=user, strategy=TOTP)


def _phone_context(ctx: FlowContext, user: User, phone: str = "") -> FactorContext:
    """Account verifications belong to the user (no sign-in or sign-up attempt)."""
    return FactorContext(
        user=user,
        settings=ctx.settings,
        purpose=Verification.Purpose.ACCOUNT,
        target=phone,
        allow_send=gate.send_budget(ctx, proven=True, attempt_key=f"user {user.pk}"),
        locale=user.locale,
        about=notices.about_request(ctx),
    )


def pending_phone(ctx: FlowContext, user: User) -> str:
    """The number a code was sent to for adding SMS codes, while that code can still be used."""
    verification = codes.find_verification(_phone_context(ctx, user), PHONE)
    if verification is None or verification.consumed_at is not None:
        return ""
    return verification.target


def start_phone(
    ctx: FlowContext, user: User, *, phone: str, resend: bool = False
) -> Challenge | None:
    """Begin adding SMS codes on `phone`. A number the account already verified (any of its
    phone numbers) is added at once (returns None); any other gets an SMS code first (returns
    the challenge)."""
    require_enabled(ctx.settings, PHONE, field="phone")
    if PHONE in users.methods_of(user).enrolled:
        raise FlowError("strategy_for_user_invalid", field="phone")
    if not (phone or "").strip():
        raise FlowError("form_param_missing", field="phone")
    phone = clean_phone(phone, field="phone")
    if PhoneNumber.objects.filter(user=user, phone_number=phone, verified=True).exists():
        _add_phone(ctx, user, phone=phone)  # any number the account verified already
        return None
    gate.throttle(ctx, "code_send")
    challenge = get_factor(PHONE).prepare(_phone_context(ctx, user, phone), resend=resend)
    if challenge.sent:
        gate.record(ctx, AuthEvent.Kind.CODE_SENT, user=user, strategy=PHONE, purpose="account")
    if resend and not challenge.sent and challenge.retry_after:
        raise FlowError(
            "verification_code_too_many_requests", field="code", seconds=challenge.retry_after
        )
    return challenge


def confirm_phone(ctx: FlowContext, user: User, *, code: str) -> None:
    """Check the SMS code start_phone() sent; on success the number receives MFA codes."""
    require_enabled(ctx.settings, PHONE, field="code")
    if PHONE in users.methods_of(user).enrolled:
        raise FlowError("strategy_for_user_invalid", field="code")
    verification = codes.find_verification(_phone_context(ctx, user), PHONE)
    if verification is None:
        raise FlowError("verification_expired", field="code")
    gate.check(
        ctx, gate.claimant(ctx, user), ENROLMENT_SMS, lambda: codes.check_code(verification, code)
    )
    if verification.target == user.phone and not user.phone_verified:
        user.phone_verified = True
        user.save(update_fields=["phone_verified"])  # its phone-number row follows
    _add_phone(ctx, user, phone=verification.target)


def _add_phone(ctx: FlowContext, user: User, *, phone: str) -> None:
    # One INSERT; a second one for the same user (a double submit) does nothing.
    PhoneMFA.objects.bulk_create([PhoneMFA(user=user, phone=phone)], ignore_conflicts=True)
    users.forget_methods(user)
    gate.record(ctx, AuthEvent.Kind.MFA_ENABLED, user=user, strategy=PHONE)


def create_backup_codes(ctx: FlowContext, user: User) -> list[str]:
    """A new set of backup codes (replacing the old one), returned once to be shown once."""
    require_enabled(ctx.settings, BACKUP, field="__all__")
    with transaction.atomic():
        if not users.lock_with_methods(user).enrolled:
            # Backup codes back up a real method; alone they would be a weak single factor.
            raise FlowError("strategy_for_user_invalid", field="__all__")
        new_codes = backup_codes.replace_codes(user, locked=True)
    gate.record(ctx, AuthEvent.Kind.BACKUP_CODES_CREATED, user=user, count=len(new_codes))
    return new_codes
