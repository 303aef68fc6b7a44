"""Managing a user's MFA methods (Clerk's user.createTOTP / verifyTOTP / createBackupCode /
disableTOTP and the phone number reserved for second factor). No HTTP here: views call these
functions and map a FlowError onto the field it names.

Rules (SPEC 4, issue 3):
- each method can be added only while the Dashboard has it on;
- the authenticator app counts only after a valid current code (each step accepted once);
- SMS codes go only to a phone the user proved by an SMS code (or an already verified phone);
- backup codes back up a real method (authenticator app or SMS) and are never the only one;
  they are shown once and stored hashed;
- removing a method needs the password; removing the last real method also removes the
  backup codes; with Require MFA on, the last usable method cannot be removed.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from authflows.factors import FactorContext, Outcome, get_factor
from authflows.factors import backup_code as backup_code_factor
from authflows.factors.base import Challenge
from authflows.factors.codes import check_code, find_verification, normalize_code
from authflows.factors.totp import accept_step, matching_step
from authflows.flows import session as session_flow
from authflows.flows.errors import FlowError
from authflows.models import AuthEvent, BackupCode, InstanceSettings, PhoneMFA, User, Verification
from authflows.models.user import normalize_phone
from authflows.protect import audit, lockout, ratelimit
from authflows.protect.ip import client_ip

TOTP = "totp"
PHONE = "phone_code"
BACKUP = "backup_code"
REAL_METHODS = (TOTP, PHONE)
TOTP_DIGITS = 6
TOTP_STEP = 30
TOTP_DEVICE_NAME = "Authenticator app"
TOTP_ENROLMENT_SESSION_KEY = "authflows_totp_enrolment"
_METHODS_ATTR = "_authflows_mfa_methods"


# --- what the user has ---------------------------------------------------------------------


def _has_totp() -> Exists:
    return Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))


def _has_phone() -> Exists:
    return Exists(PhoneMFA.objects.filter(user=OuterRef("pk")))


def enrolled_methods(user: User) -> set[str]:
    """The real methods the user has, whatever the Dashboard says (backup codes excluded).

    One query, remembered on the user object for the rest of the request; the functions
    here that add or remove a method forget it.
    """
    cached = getattr(user, _METHODS_ATTR, None)
    if cached is None:
        row = (
            User.objects.filter(pk=user.pk)
            .annotate(has_totp=_has_totp(), has_phone=_has_phone())
            .values_list("has_totp", "has_phone")
            .get()
        )
        cached = {method for method, has in zip(REAL_METHODS, row, strict=True) if has}
        setattr(user, _METHODS_ATTR, cached)
    return set(cached)


def _forget_methods(user: User) -> None:
    if getattr(user, _METHODS_ATTR, None) is not None:
        setattr(user, _METHODS_ATTR, None)


def usable_methods(user: User, settings: InstanceSettings) -> set[str]:
    """Real methods the user has and the Dashboard has on: those a sign-in can ask for."""
    return enrolled_methods(user) & set(settings.enabled_mfa_strategies())


def needs_setup(user: User, settings: InstanceSettings) -> bool:
    """Require MFA is on and the user has no usable real method (the setup-mfa task)."""
    return bool(settings.mfa_required) and not usable_methods(user, settings)


@dataclass
class Overview:
    """What the account page shows about MFA (never a secret or a code)."""

    totp: bool
    phone: str
    backup_codes_left: int
    can_add: dict[str, bool]
    enabled: dict[str, bool]


def overview(user: User, settings: InstanceSettings) -> Overview:
    """Everything the page shows, in one query."""
    enabled = set(settings.enabled_mfa_strategies())
    unused = BackupCode.objects.filter(user=OuterRef("pk"), used_at__isnull=True)
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            has_totp=_has_totp(),
            mfa_phone_number=Subquery(
                PhoneMFA.objects.filter(user=OuterRef("pk")).values("phone")[:1]
            ),
            backup_left=Subquery(
                unused.values("user").annotate(n=Count("pk")).values("n")[:1],
                output_field=IntegerField(),
            ),
        )
        .values("has_totp", "mfa_phone_number", "backup_left")
        .get()
    )
    methods = {TOTP} if row["has_totp"] else set()
    methods |= {PHONE} if row["mfa_phone_number"] else set()
    return Overview(
        totp=row["has_totp"],
        phone=row["mfa_phone_number"] or "",
        backup_codes_left=row["backup_left"] or 0,
        can_add={
            TOTP: TOTP in enabled and TOTP not in methods,
            PHONE: PHONE in enabled and PHONE not in methods,
            BACKUP: BACKUP in enabled and bool(methods),
        },
        enabled={method: method in enabled for method in (TOTP, PHONE, BACKUP)},
    )


def addable_methods(user: User, settings: InstanceSettings) -> list[str]:
    """Real methods the user can add now (Dashboard on, not enrolled yet), app first."""
    methods = enrolled_methods(user)
    enabled = settings.enabled_mfa_strategies()
    return [m for m in REAL_METHODS if m in enabled and m not in methods]


def _require_enabled(settings: InstanceSettings, strategy: str, *, field: str) -> None:
    if strategy not in settings.enabled_mfa_strategies():
        raise FlowError("strategy_for_user_invalid", field=field)


# --- authenticator app (TOTP) ----------------------------------------------------------------


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


def start_totp(
    user: User, *, settings: InstanceSettings, session: SessionBase | None = None
) -> TOTPEnrolment:
    """Begin adding an authenticator app: an unconfirmed device with a fresh secret.

    Reloading the page keeps the same secret (the pending device is reused), so a code from
    an app that already scanned it stays valid. Another session gets a new secret: whoever
    saw a pending secret elsewhere (a borrowed or pending session) can't have it enrolled.
    """
    _require_enabled(settings, TOTP, field="code")
    devices = list(TOTPDevice.objects.filter(user=user).order_by("pk"))
    if any(d.confirmed for d in devices):
        raise FlowError("strategy_for_user_invalid", field="code")
    device = devices[0] if devices else None
    started_elsewhere = session is not None and session.get(TOTP_ENROLMENT_SESSION_KEY) != (
        device.pk if device else None
    )
    if device is not None and started_elsewhere:
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
    if session is not None and session.get(TOTP_ENROLMENT_SESSION_KEY) != device.pk:
        session[TOTP_ENROLMENT_SESSION_KEY] = device.pk
    return TOTPEnrolment(
        device=device,
        secret=totp_secret(device),
        uri=totp_uri(device, user=user, settings=settings),
    )


def confirm_totp(
    request: HttpRequest,
    user: User,
    *,
    settings: InstanceSettings,
    code: str,
    enrolment: TOTPEnrolment | None = None,
) -> None:
    """Activate the pending authenticator app with a valid current code (the step is used,
    so the same code cannot sign in afterwards). `enrolment` is start_totp()'s result when
    the caller has it already."""
    device = (enrolment or start_totp(user, settings=settings)).device
    ratelimit.hit("factor_attempt", client_ip(request))
    code = normalize_code(code or "")
    if not code:
        raise FlowError("form_param_missing", field="code")
    step = matching_step(device, code) if code.isdigit() and len(code) == device.digits else None
    if step is None or not accept_step(device, step, confirm=True):
        raise FlowError("form_code_incorrect", field="code")
    _forget_methods(user)
    audit.record(request, AuthEvent.Kind.MFA_ENABLED, user=user, strategy=TOTP)


# --- SMS codes ---------------------------------------------------------------------------------


def _phone_context(user: User, settings: InstanceSettings, phone: str = "") -> FactorContext:
    """Account verifications belong to the user (no sign-in or sign-up attempt)."""
    return FactorContext(
        user=user,
        settings=settings,
        purpose=Verification.Purpose.ACCOUNT,
        sign_in=None,
        sign_up=None,
        target=phone,
    )


def pending_phone(user: User, settings: InstanceSettings) -> str:
    """The number a code was sent to for adding SMS codes, while that code can still be used."""
    verification = find_verification(_phone_context(user, settings), PHONE)
    if verification is None or verification.consumed_at is not None:
        return ""
    return verification.target


def _parse_phone(raw: str) -> str:
    raw = (raw or "").strip()
    if not raw:
        raise FlowError("form_param_missing", field="phone")
    try:
        phone = normalize_phone(raw if raw.startswith("+") else "+" + raw.lstrip("0"))
    except ValueError:
        phone = None
    if not phone:
        raise FlowError("form_param_format_invalid", field="phone")
    return phone


def start_phone(
    request: HttpRequest,
    user: User,
    *,
    settings: InstanceSettings,
    phone: str,
    resend: bool = False,
) -> Challenge | None:
    """Begin adding SMS codes on `phone`. A number the account already verified is added at
    once (returns None); any other gets an SMS code first (returns the challenge)."""
    _require_enabled(settings, PHONE, field="phone")
    if PHONE in enrolled_methods(user):
        raise FlowError("strategy_for_user_invalid", field="phone")
    phone = _parse_phone(phone)
    if phone == user.phone and user.phone_verified:
        _add_phone(request, user, phone=phone)
        return None
    ratelimit.hit("code_send", client_ip(request))
    challenge = get_factor(PHONE).prepare(_phone_context(user, settings, phone), resend=resend)
    if challenge.sent:
        audit.record(
            request, AuthEvent.Kind.CODE_SENT, user=user, strategy=PHONE, purpose="account"
        )
    if resend and not challenge.sent and challenge.retry_after:
        raise FlowError(
            "verification_code_too_many_requests", field="code", seconds=challenge.retry_after
        )
    return challenge


def confirm_phone(
    request: HttpRequest, user: User, *, settings: InstanceSettings, code: str
) -> None:
    """Check the SMS code sent by start_phone(); on success the number receives MFA codes.

    The code is checked and consumed by the same machinery as PhoneCodeFactor.verify()
    (codes.check_code); the verification is read first because its target is the number.
    """
    _require_enabled(settings, PHONE, field="code")
    if PHONE in enrolled_methods(user):
        raise FlowError("strategy_for_user_invalid", field="code")
    verification = find_verification(_phone_context(user, settings), PHONE)
    if verification is None:
        raise FlowError("verification_expired", field="code")
    ratelimit.hit("factor_attempt", client_ip(request))
    outcome = check_code(verification, code)
    if outcome is not Outcome.OK:
        raise FlowError(outcome.error_code, field="code")
    if verification.target == user.phone and not user.phone_verified:
        User.objects.filter(pk=user.pk).update(phone_verified=True)
        user.phone_verified = True
    _add_phone(request, user, phone=verification.target)


def _add_phone(request: HttpRequest, user: User, *, phone: str) -> None:
    # One INSERT; a second one for the same user (a double submit) does nothing.
    PhoneMFA.objects.bulk_create([PhoneMFA(user=user, phone=phone)], ignore_conflicts=True)
    _forget_methods(user)
    audit.record(request, AuthEvent.Kind.MFA_ENABLED, user=user, strategy=PHONE)


# --- backup codes --------------------------------------------------------------------------------


def create_backup_codes(
    request: HttpRequest, user: User, *, settings: InstanceSettings
) -> list[str]:
    """A new set of backup codes (replacing the old one), returned once to be shown once."""
    _require_enabled(settings, BACKUP, field="__all__")
    if not enrolled_methods(user):
        # Backup codes back up a real method; alone they would be a weak single factor.
        raise FlowError("strategy_for_user_invalid", field="__all__")
    codes = backup_code_factor.replace_codes(user)
    audit.record(request, AuthEvent.Kind.BACKUP_CODES_CREATED, user=user, count=len(codes))
    return codes


# --- removal -------------------------------------------------------------------------------------


def check_password(
    request: HttpRequest, user: User, *, settings: InstanceSettings, password: str
) -> None:
    """Re-entering the password guards removals. Wrong passwords count toward the lockout,
    so a borrowed session cannot be used to guess it."""
    if not password:
        raise FlowError("form_param_missing", field="password")
    lockout.ensure_not_locked(user, settings, request=request, field="password")
    ratelimit.hit("factor_attempt", client_ip(request))
    if not user.check_password(password):
        audit.record(request, AuthEvent.Kind.CODE_FAILED, user=user, strategy="password")
        if lockout.record_failure(user, settings, request=request):
            session_flow.notify_locked(request, user)
        raise FlowError("form_password_incorrect", field="password")


def remove_method(
    request: HttpRequest, user: User, *, settings: InstanceSettings, method: str, password: str
) -> None:
    """Remove the authenticator app or SMS codes after the password is re-entered."""
    methods = enrolled_methods(user)
    if method not in REAL_METHODS or method not in methods:
        raise FlowError("strategy_for_user_invalid", field="__all__")
    usable = methods & set(settings.enabled_mfa_strategies())
    if settings.mfa_required and not (usable - {method}):
        raise FlowError("second_factor_deletion_not_allowed", field="__all__")
    check_password(request, user, settings=settings, password=password)
    _delete(user, method)
    audit.record(request, AuthEvent.Kind.MFA_DISABLED, user=user, strategy=method)
    if not methods - {method}:
        # Backup codes back up a real method; without one they would be a weak single factor.
        _delete_backup_codes(request, user)


def _delete(user: User, method: str) -> None:
    _forget_methods(user)
    if method == TOTP:
        TOTPDevice.objects.filter(user=user).delete()
    else:
        PhoneMFA.objects.filter(user=user).delete()


def _delete_backup_codes(request: HttpRequest | None, user: User, actor: str = "") -> None:
    deleted, _ = BackupCode.objects.filter(user=user).delete()
    if deleted:
        audit.record(request, AuthEvent.Kind.MFA_DISABLED, user=user, actor=actor, strategy=BACKUP)


def reset_mfa(user: User, *, request: HttpRequest | None = None, actor: str = "") -> bool:
    """Remove every MFA method of the user (the admin's "reset MFA"). True if any existed."""
    methods = enrolled_methods(user)
    with transaction.atomic():
        for method in REAL_METHODS:
            _delete(user, method)
        _delete_backup_codes(request, user, actor=actor)
    for method in sorted(methods):
        audit.record(request, AuthEvent.Kind.MFA_DISABLED, user=user, actor=actor, strategy=method)
    return bool(methods)
