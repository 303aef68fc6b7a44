"""The sign-in state machine (Clerk's SignIn). Every status transition lives here.

needs_identifier -> needs_first_factor -> [needs_second_factor | needs_client_trust]
                 -> [needs_new_password] -> complete

Each public method first checks that the attempt is in a status it accepts and refuses
otherwise (FlowError). Views only bind forms, call one method, and map the status to a page.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from authflows import clock
from authflows.factors import FactorContext, Outcome, get_factor
from authflows.factors.base import Challenge
from authflows.factors.password import run_dummy_check
from authflows.flows import session as session_flow
from authflows.flows.errors import FlowError
from authflows.models import (
    AuthEvent,
    BackupCode,
    InstanceSettings,
    PhoneMFA,
    SignInAttempt,
    SignInStatus,
    TrustedClient,
    User,
    Verification,
)
from authflows.models.user import normalize_phone
from authflows.protect import audit, lockout, ratelimit
from authflows.protect.ip import client_ip

Status = SignInStatus
Reason = SignInAttempt.SecondFactorReason

SIGN_IN_ATTEMPT_SESSION_KEY = "authflows_sign_in"
ATTEMPT_LIFETIME = timedelta(minutes=10)
MFA_ORDER = ("totp", "phone_code", "backup_code")
SECOND_FACTOR_STATUSES = (Status.NEEDS_SECOND_FACTOR, Status.NEEDS_CLIENT_TRUST)


# --- identifiers and users ---------------------------------------------------------------


def parse_identifier(raw: str, settings: InstanceSettings) -> tuple[str, str]:
    """Return (kind, normalized value) for an email address, phone number or username the
    Dashboard allows for sign-in; refuse anything else with the identifier field's error."""
    raw = (raw or "").strip()
    kinds = settings.sign_in_identifier_kinds()
    expected = " or ".join(
        {"email": "an email address", "phone": "a phone number", "username": "a username"}[k]
        for k in kinds
    )
    if not raw:
        raise FlowError("form_param_missing", field="identifier")
    if len(raw) > 254 or any(ord(ch) < 32 for ch in raw):
        raise FlowError("form_param_format_invalid", field="identifier", expected=expected)
    if "@" in raw:
        kind = "email"
        try:
            validate_email(raw)
        except ValidationError:
            kind = ""
        value = raw.lower()
    elif raw[0] in "+0123456789(" and not any(ch.isalpha() for ch in raw):
        kind = "phone"
        try:
            value = normalize_phone(raw if raw.startswith("+") else "+" + raw.lstrip("0")) or ""
        except ValueError:
            kind, value = "", ""
    else:
        kind, value = "username", raw.lower()
    if kind not in kinds:
        raise FlowError("form_param_format_invalid", field="identifier", expected=expected)
    return kind, value


def find_user(kind: str, value: str, *, client_id: int | None) -> User | None:
    """One query: the user, which MFA methods they have, and whether this client is trusted."""
    lookup = {"email": "email", "phone": "phone", "username": "username"}[kind]
    queryset = User.objects.filter(**{lookup: value}).annotate(
        has_totp=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
        has_phone_mfa=Exists(PhoneMFA.objects.filter(user=OuterRef("pk"))),
        has_backup_codes=Exists(
            BackupCode.objects.filter(user=OuterRef("pk"), used_at__isnull=True)
        ),
        is_trusted_client=Exists(
            TrustedClient.objects.filter(user=OuterRef("pk"), client_id=client_id or 0)
        ),
    )
    return queryset.first()


def mfa_strategies(user: User, settings: InstanceSettings) -> list[str]:
    """The MFA strategies the user has enrolled and the Dashboard has on, TOTP first.

    Backup codes alone never count: they back up a real method.
    """
    if not hasattr(user, "has_totp"):
        user = (
            User.objects.filter(pk=user.pk)
            .annotate(
                has_totp=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
                has_phone_mfa=Exists(PhoneMFA.objects.filter(user=OuterRef("pk"))),
                has_backup_codes=Exists(
                    BackupCode.objects.filter(user=OuterRef("pk"), used_at__isnull=True)
                ),
            )
            .get()
        )
    enrolled = {
        "totp": user.has_totp,
        "phone_code": user.has_phone_mfa,
        "backup_code": user.has_backup_codes,
    }
    enabled = settings.enabled_mfa_strategies()
    strategies = [s for s in MFA_ORDER if enrolled[s] and s in enabled]
    return strategies if set(strategies) - {"backup_code"} else []


def client_trust_strategy(user: User, settings: InstanceSettings) -> str | None:
    """SPEC 3: email code (or link when email is verified by link) when the instance has
    email and the user an address; else SMS when the user has a phone; else nothing."""
    if settings.email_enabled and user.email:
        link = settings.email_verification == InstanceSettings.EmailVerification.LINK
        return "email_link" if link else "email_code"
    if user.phone:
        return "phone_code"
    return None


# --- the flow ------------------------------------------------------------------------------


class SignIn:
    """The current client's sign-in attempt and the legal moves on it."""

    def __init__(self, request: HttpRequest, attempt: SignInAttempt | None) -> None:
        self.request = request
        self.attempt = attempt
        self.settings: InstanceSettings = request.instance_settings  # type: ignore[attr-defined]

    # -- loading --

    @classmethod
    def current(cls, request: HttpRequest) -> SignIn:
        """The attempt named by this session, if it belongs to this client, has not expired
        and is not complete; otherwise a fresh flow in needs_identifier."""
        attempt_id = request.session.get(SIGN_IN_ATTEMPT_SESSION_KEY)
        client_id = request.authflows_client.id  # type: ignore[attr-defined]
        attempt = None
        if attempt_id and client_id:
            attempt = (
                SignInAttempt.objects.select_related("user", "current_verification")
                .filter(pk=attempt_id, client_id=client_id, expires_at__gt=clock.now())
                .exclude(status=Status.COMPLETE)
                .first()
            )
        return cls(request, attempt)

    @property
    def status(self) -> str:
        return self.attempt.status if self.attempt else Status.NEEDS_IDENTIFIER

    @property
    def user(self) -> User | None:
        return self.attempt.user if self.attempt else None

    def require(self, *statuses: str) -> SignInAttempt:
        if self.attempt is None or self.status not in statuses:
            raise FlowError("sign_in_expired")
        return self.attempt

    # -- first factor --

    def password(self, *, identifier: str, password: str, redirect_url: str = "") -> str:
        """Identifier and password together (Clerk's signIn.password()). Returns the status."""
        ip = client_ip(self.request)
        ratelimit.hit("sign_in_start", ip)
        kind, value = parse_identifier(identifier, self.settings)
        if not self.settings.password_enabled:
            raise FlowError("strategy_for_user_invalid", field="password")
        if not password:
            raise FlowError("form_param_missing", field="password")
        ratelimit.hit("identifier_attempt", value)
        user = find_user(kind, value, client_id=self.request.authflows_client.id)  # type: ignore[attr-defined]
        if user is None or not user.is_active or not user.has_usable_password():
            lockout.ensure_identifier_not_locked(value, self.settings)
            run_dummy_check(password)
            self._refuse_first_factor(value, user=None)
        lockout.ensure_not_locked(user, self.settings, request=self.request)
        if not user.check_password(password):
            self._refuse_first_factor(value, user=user)
        self.attempt = self._new_attempt(identifier=value, user=user, redirect_url=redirect_url)
        self.attempt.first_factor = "password"
        status = self._after_first_factor(user, strategy="password")
        if status == Status.COMPLETE:
            # Only a finished sign-in clears this client's failures: a right password
            # followed by wrong codes must keep counting.
            lockout.record_success(user, request=self.request)
        return status

    def _refuse_first_factor(self, identifier: str, *, user: User | None) -> None:
        audit.record(
            self.request,
            AuthEvent.Kind.SIGN_IN_FAILED,
            user=user,
            identifier=identifier,
            strategy="password",
        )
        if user is None:
            lockout.record_identifier_failure(identifier, self.settings)
        elif lockout.record_failure(user, self.settings, request=self.request):
            session_flow.notify_locked(self.request, user)
        if self.settings.strict_enumeration:
            # One answer on one field, whichever was wrong: the markup must not tell either.
            raise FlowError("form_password_or_identifier_incorrect", field="password")
        if user is None:
            raise FlowError("form_identifier_not_found", field="identifier")
        raise FlowError("form_password_incorrect", field="password")

    def _new_attempt(
        self, *, identifier: str, user: User | None, redirect_url: str
    ) -> SignInAttempt:
        now = clock.now()
        return SignInAttempt(
            client_id=self.request.authflows_client.id,  # type: ignore[attr-defined]
            identifier=identifier,
            user=user,
            status=Status.NEEDS_FIRST_FACTOR,
            redirect_url=session_flow.safe_redirect_url(self.request, redirect_url),
            created_at=now,
            updated_at=now,
            expires_at=now + ATTEMPT_LIFETIME,
        )

    def _after_first_factor(self, user: User, *, strategy: str) -> str:
        """Decide what a proven first factor leads to (SPEC 2 and 3): MFA wins over client trust."""
        attempt = self.attempt
        assert attempt is not None
        mfa = mfa_strategies(user, self.settings)
        trusted = getattr(user, "is_trusted_client", False)
        if mfa:
            attempt.status, attempt.second_factor_reason = Status.NEEDS_SECOND_FACTOR, Reason.MFA
            attempt.supported_second_factors = mfa
        elif strategy == "password" and self.settings.client_trust and not trusted:
            trust = client_trust_strategy(user, self.settings)
            if trust is None:
                audit.record(self.request, AuthEvent.Kind.TRUST_SKIPPED, user=user)
                return self._complete()
            legacy = self.settings.client_trust_legacy_status
            attempt.status = Status.NEEDS_SECOND_FACTOR if legacy else Status.NEEDS_CLIENT_TRUST
            attempt.second_factor_reason = Reason.CLIENT_TRUST
            attempt.supported_second_factors = [trust]
        else:
            return self._complete()
        self._save()
        return attempt.status

    # -- second factor (MFA and client trust) --

    @property
    def is_client_trust(self) -> bool:
        return bool(self.attempt and self.attempt.second_factor_reason == Reason.CLIENT_TRUST)

    def _factor_context(self, purpose: str) -> FactorContext:
        assert self.attempt is not None
        return FactorContext(
            user=self.attempt.user,
            settings=self.settings,
            purpose=purpose,
            sign_in=self.attempt,
            extra={
                "link_base": self.request.build_absolute_uri("/sign-in/verify/"),
                "ip": client_ip(self.request),  # for the per-IP ceiling on messages sent
            },
        )

    @property
    def second_factor_purpose(self) -> str:
        return (
            Verification.Purpose.CLIENT_TRUST
            if self.is_client_trust
            else Verification.Purpose.SECOND_FACTOR
        )

    def default_second_factor(self) -> str:
        attempt = self.require(*SECOND_FACTOR_STATUSES)
        return attempt.supported_second_factors[0]

    def prepare_second_factor(
        self, strategy: str | None = None, *, resend: bool = False
    ) -> Challenge:
        """Send the code for a second factor (signIn.mfa.sendEmailCode / sendPhoneCode).

        On arrival (resend=False) an existing live code is kept; "I need a new code" (resend=True)
        replaces it once the cool-down has passed. TOTP and backup codes send nothing.
        """
        attempt = self.require(*SECOND_FACTOR_STATUSES)
        strategy = strategy or self.default_second_factor()
        if strategy not in attempt.supported_second_factors:
            raise FlowError("strategy_for_user_invalid", field="strategy")
        factor = get_factor(strategy)
        if not factor.sends:
            return Challenge()
        if resend:
            ratelimit.hit("code_send", client_ip(self.request))
        challenge = factor.prepare(self._factor_context(self.second_factor_purpose), resend=resend)
        if challenge.sent:
            audit.record(
                self.request,
                AuthEvent.Kind.CODE_SENT,
                user=attempt.user,
                strategy=strategy,
                purpose=self.second_factor_purpose,
            )
        if resend and not challenge.sent and challenge.retry_after:
            raise FlowError(
                "verification_code_too_many_requests", field="code", seconds=challenge.retry_after
            )
        return challenge

    def attempt_second_factor(self, *, strategy: str, code: str) -> str:
        """Verify an MFA or client-trust code (signIn.mfa.verify*). Returns the status."""
        attempt = self.require(*SECOND_FACTOR_STATUSES)
        if strategy not in attempt.supported_second_factors:
            raise FlowError("strategy_for_user_invalid", field="code")
        user = attempt.user
        assert user is not None
        lockout.ensure_not_locked(user, self.settings, request=self.request, field="code")
        ratelimit.hit("factor_attempt", client_ip(self.request))
        ratelimit.hit("identifier_attempt", attempt.identifier or user.identifier)
        outcome = get_factor(strategy).verify(
            self._factor_context(self.second_factor_purpose), code
        )
        if not outcome.ok:
            self._refuse_code(user, strategy, outcome)
        lockout.record_success(user, request=self.request)
        session_flow.trust_client(self.request, user, strategy=strategy)
        return self._complete()

    def _refuse_code(self, user: User, strategy: str, outcome: Outcome) -> None:
        if outcome not in (Outcome.MISSING, Outcome.NOT_PREPARED):
            audit.record(
                self.request,
                AuthEvent.Kind.CODE_FAILED,
                user=user,
                strategy=strategy,
                reason=outcome.value,
            )
            if lockout.record_failure(user, self.settings, request=self.request):
                session_flow.notify_locked(self.request, user)
        raise FlowError(outcome.error_code, field="code")

    def complete_from_link(self) -> str | None:
        """If the email link for this attempt was opened (in any browser), finish the step."""
        if self.attempt is None or self.status not in SECOND_FACTOR_STATUSES:
            return None
        if "email_link" not in self.attempt.supported_second_factors:
            return None
        ctx = self._factor_context(self.second_factor_purpose)
        if not get_factor("email_link").verify(ctx, "").ok:
            return None
        assert self.attempt.user is not None
        session_flow.trust_client(self.request, self.attempt.user, strategy="email_link")
        try:
            return self._complete()
        except FlowError:  # completed meanwhile by another request for the same attempt
            return None

    # -- completion --

    def _save(self) -> None:
        assert self.attempt is not None
        self.attempt.client_id = self.request.authflows_client.ensure()  # type: ignore[attr-defined]
        self.attempt.updated_at = clock.now()
        self.attempt.expires_at = self.attempt.updated_at + ATTEMPT_LIFETIME
        self.attempt.save()
        self.request.session[SIGN_IN_ATTEMPT_SESSION_KEY] = self.attempt.pk

    def _complete(self) -> str:
        attempt = self.attempt
        assert attempt is not None
        now = clock.now()
        if attempt.pk:
            # Conditional: an attempt completes once, and never after it expired, even when
            # two requests for it race (two TOTP steps, a replayed form).
            won = (
                SignInAttempt.objects.filter(pk=attempt.pk, expires_at__gt=now)
                .exclude(status=Status.COMPLETE)
                .update(status=Status.COMPLETE, completed_at=now)
            )
            if not won:
                raise FlowError("sign_in_expired")
        attempt.status, attempt.completed_at = Status.COMPLETE, now
        return Status.COMPLETE

    def finalize(self) -> str:
        """Sign the user in (or open a pending session task) and return where to go next."""
        attempt = self.attempt
        if attempt is None or attempt.status != Status.COMPLETE or attempt.user is None:
            raise FlowError("sign_in_expired")
        self.request.session.pop(SIGN_IN_ATTEMPT_SESSION_KEY, None)
        return session_flow.start_session(
            self.request,
            attempt.user,
            strategy=attempt.first_factor or "password",
            redirect_url=attempt.redirect_url,
        )

    def reset(self) -> None:
        """Start over (signIn.reset()): forget the attempt."""
        self.request.session.pop(SIGN_IN_ATTEMPT_SESSION_KEY, None)
        self.attempt = None


def clear_expired_attempts() -> int:
    deleted, _ = SignInAttempt.objects.filter(
        Q(expires_at__lt=clock.now() - timedelta(days=1))
    ).delete()
    return deleted
