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
from django.db.models import Exists, FilteredRelation, OuterRef, Q
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from authflows import clock
from authflows.factors import FactorContext, Outcome, codes, get_factor
from authflows.factors.base import Challenge
from authflows.factors.password import run_dummy_check
from authflows.flows import passwords
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
from authflows.protect import audit, lockout, ratelimit, user_sessions
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


def _user_lookup(kind: str, value: object, client_id: object):  # type: ignore[no-untyped-def]
    lookup = {"email": "email", "phone": "phone", "username": "username"}[kind]
    return (
        User.objects.filter(**{lookup: value})
        .annotate(
            has_totp=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
            has_phone_mfa=Exists(PhoneMFA.objects.filter(user=OuterRef("pk"))),
            has_backup_codes=Exists(
                BackupCode.objects.filter(user=OuterRef("pk"), used_at__isnull=True)
            ),
            is_trusted_client=Exists(
                TrustedClient.objects.filter(user=OuterRef("pk"), client_id=client_id)
            ),
        )
        .order_by("pk")[:1]
    )


# Building and compiling that queryset costs more CPU than running it, on every password
# sign-in; so it is compiled once per identifier kind, with markers where the values go.
_VALUE_MARK = "\x00authflows:value"
_CLIENT_MARK = -7_919_000_001
_compiled_lookups: dict[str, tuple[str, tuple[object, ...]]] = {}


def find_user(kind: str, value: str, *, client_id: int | None) -> User | None:
    """One query: the user, which MFA methods they have, and whether this client is trusted."""
    if kind not in _compiled_lookups:
        query = _user_lookup(kind, _VALUE_MARK, _CLIENT_MARK).query
        _compiled_lookups[kind] = query.sql_with_params()
    sql, marked = _compiled_lookups[kind]
    values = {_VALUE_MARK: value, _CLIENT_MARK: client_id or 0}
    params = [values.get(p, p) if isinstance(p, str | int) else p for p in marked]
    return next(iter(User.objects.raw(sql, params)), None)


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


def _trust_of_attempt_client():  # type: ignore[no-untyped-def]
    return TrustedClient.objects.filter(user=OuterRef("user"), client=OuterRef("client"))


RESET_STRATEGIES = {
    "reset_password_email_code": "email_code",
    "reset_password_phone_code": "phone_code",
}
PASSWORDLESS_SEND = ("email_code", "email_link", "phone_code")


def first_factors(user: User, settings: InstanceSettings) -> list[str]:
    """The passwordless first factors the Dashboard has on and the user can receive, then
    the password when the user has one (Clerk's supportedFirstFactors)."""
    reachable = {"email_code": user.email, "email_link": user.email, "phone_code": user.phone}
    factors = [s for s in settings.passwordless_strategies() if reachable[s]]
    if settings.password_enabled and user.has_usable_password():
        factors.append("password")
    return factors


def unknown_first_factors(kind: str, settings: InstanceSettings) -> list[str]:
    """What an unknown identifier appears to offer under strict enumeration protection."""
    family = {"email": "email_", "phone": "phone_"}.get(kind)
    return [s for s in settings.passwordless_strategies() if family and s.startswith(family)]


def reset_strategy(user: User | None, kind: str, settings: InstanceSettings) -> str | None:
    """Reset codes go by email; by SMS only when the instance has no email (or the user none).

    For an unknown identifier (strict enumeration protection) the answer is what a real
    account of that kind would get; a username stands for an account with an email address."""
    has_email = user.email if user else kind in ("email", "username")
    has_phone = user.phone if user else kind == "phone"
    if settings.email_enabled and has_email:
        return "reset_password_email_code"
    if has_phone:
        return "reset_password_phone_code"
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
            # The user's confirmed authenticator app comes in the same query (a LEFT JOIN),
            # so verifying a TOTP code costs only its conditional UPDATE.
            totp_device = FilteredRelation(
                "user__totpdevice", condition=Q(user__totpdevice__confirmed=True)
            )
            attempt = (
                SignInAttempt.objects.annotate(
                    totp_device=totp_device, client_trusted=Exists(_trust_of_attempt_client())
                )
                .select_related("user", "current_verification", "totp_device")
                .filter(pk=attempt_id, client_id=client_id, expires_at__gt=clock.now())
                .exclude(status=Status.COMPLETE)
                .first()
            )
        if attempt is not None:
            request.authflows_client.confirm()  # type: ignore[attr-defined]
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
        return self._after_first_factor(user, strategy="password")

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
        trusted = getattr(user, "is_trusted_client", None)
        if trusted is None:  # the user came with the attempt: its own annotation says
            trusted = getattr(attempt, "client_trusted", False)
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
        self._remember_verification(challenge)
        self._record_sent(challenge, strategy=strategy, purpose=self.second_factor_purpose)
        if resend:
            self._touch()
        # Test mode arms a code without sending one: only the cool-down refuses a resend.
        if resend and challenge.throttled:
            raise FlowError(
                "verification_code_too_many_requests", field="code", seconds=challenge.retry_after
            )
        return challenge

    def _remember_verification(self, challenge: Challenge) -> None:
        """Point the attempt at the code just armed, so verifying it needs no lookup."""
        attempt, verification = self.attempt, challenge.verification
        if attempt is None or verification is None or not verification.pk:
            return
        if attempt.current_verification_id != verification.pk:
            SignInAttempt.objects.filter(pk=attempt.pk).update(current_verification=verification)
            attempt.current_verification = verification

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
        self._trust_client(strategy)
        return self._complete()

    def _trust_client(self, strategy: str) -> None:
        """A completed second factor (client trust or MFA) trusts this client for the user."""
        assert self.attempt is not None and self.attempt.user is not None
        if not getattr(self.attempt, "client_trusted", False):
            session_flow.trust_client(
                self.request, self.attempt.user, strategy=strategy, announce=self.is_client_trust
            )

    def _touch(self) -> None:
        """A resend or a refused code is a step: the attempt lives 10 more minutes, so a late
        code is answered verification_expired instead of a silent return to /sign-in/."""
        assert self.attempt is not None
        now = clock.now()
        self.attempt.updated_at, self.attempt.expires_at = now, now + ATTEMPT_LIFETIME
        SignInAttempt.objects.filter(pk=self.attempt.pk).update(
            updated_at=now, expires_at=self.attempt.expires_at
        )

    def _refuse_code(self, user: User, strategy: str, outcome: Outcome) -> None:
        self._touch()
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

    def complete_from_link(self, token: str = "") -> str | None:
        """Finish the step if this attempt's email link was opened: here (`token` is the link's)
        or in any browser (no token: the link marked the verification verified)."""
        if self.attempt is None or self.status not in SECOND_FACTOR_STATUSES:
            return None
        if "email_link" not in self.attempt.supported_second_factors:
            return None
        if self._is_locked_out(self.attempt.user):
            return None
        ctx = self._factor_context(self.second_factor_purpose)
        if not get_factor("email_link").verify(ctx, token).ok:
            return None
        self._trust_client("email_link")
        try:
            return self._complete()
        except FlowError:  # completed meanwhile by another request for the same attempt
            return None

    def _record_sent(self, challenge: Challenge, *, strategy: str, purpose: str) -> None:
        if challenge.sent:
            assert self.attempt is not None
            audit.record(
                self.request,
                AuthEvent.Kind.CODE_SENT,
                user=self.attempt.user,
                strategy=strategy,
                purpose=purpose,
            )

    def _is_locked_out(self, user: User | None) -> bool:
        """A locked user finishes no step, by code or by link (the link stays usable)."""
        try:
            lockout.ensure_not_locked(user, self.settings, request=self.request)  # type: ignore[arg-type]
        except FlowError:
            return True
        return False

    # -- passwordless first factors (and the reset code of a forgotten password) --

    def goes_passwordless(self, *, asked: bool) -> bool:
        """The identifier page leads to factor-one (create()) rather than password(): a
        passwordless first factor is on, and password sign-in is off or was not chosen."""
        settings = self.settings
        return bool(settings.passwordless_strategies()) and (asked or not settings.password_enabled)

    def create(self, *, identifier: str, redirect_url: str = "", strategy: str = "") -> str:
        """signIn.create({identifier}): identify the user and offer their first factors
        (needs_first_factor). With strategy="reset_password", start a forgotten-password
        reset instead. Under strict enumeration protection an unknown identifier proceeds
        the same way and nothing is ever sent."""
        ratelimit.hit("sign_in_start", client_ip(self.request))
        kind, value = parse_identifier(identifier, self.settings)
        user = find_user(kind, value, client_id=self.request.authflows_client.id)  # type: ignore[attr-defined]
        if user is not None and not user.is_active:
            user = None
        if strategy == "reset_password":
            factors = self._reset_factors(user, kind)
        else:
            factors = self._first_factors(user, kind)
        self.attempt = self._new_attempt(identifier=value, user=user, redirect_url=redirect_url)
        self.attempt.supported_first_factors = factors
        self.attempt.first_factor = factors[0]
        self._save()
        return self.attempt.status

    def _first_factors(self, user: User | None, kind: str) -> list[str]:
        if self.settings.strict_enumeration:
            # The same offer whether or not the account exists (and whatever it has): the
            # identifier's own passwordless factors, then the password when it is on.
            password = ["password"] if self.settings.password_enabled else []
            factors = unknown_first_factors(kind, self.settings) + password
        else:
            factors = first_factors(user, self.settings) if user else []
            # The factor that matches the identifier typed comes first (a phone number: SMS).
            factors.sort(key=lambda s: not s.startswith(f"{kind}_"))
        if factors and factors[0] != "password":
            return factors
        if user is None and not self.settings.strict_enumeration:
            raise FlowError("form_identifier_not_found", field="identifier")
        if self.settings.password_enabled:
            raise FlowError("form_param_missing", field="password")
        raise FlowError("strategy_for_user_invalid", field="identifier")

    def _reset_factors(self, user: User | None, kind: str) -> list[str]:
        usable = user is not None and (user.has_usable_password() or user.email or user.phone)
        if not usable and not self.settings.strict_enumeration:
            raise FlowError("form_identifier_not_found", field="identifier")
        strategy = reset_strategy(user, kind, self.settings)
        if strategy is None:
            raise FlowError("strategy_for_user_invalid", field="identifier")
        return [strategy]

    def _first_factor_context(self, strategy: str) -> FactorContext:
        purpose = (
            Verification.Purpose.RESET_PASSWORD
            if strategy in RESET_STRATEGIES
            else Verification.Purpose.FIRST_FACTOR
        )
        ctx = self._factor_context(purpose)
        ctx.extra["verification"] = self.attempt.current_verification  # type: ignore[union-attr]
        return ctx

    def prepare_first_factor(self, strategy: str = "", *, resend: bool = False) -> Challenge:
        """signIn.prepareFirstFactor(): send the email code, SMS code, email link or reset
        code. An existing live code is kept on arrival; resend replaces it after the cool-down."""
        attempt = self.require(Status.NEEDS_FIRST_FACTOR)
        strategy = strategy or attempt.first_factor
        if strategy not in attempt.supported_first_factors or strategy == "password":
            raise FlowError("strategy_for_user_invalid", field="strategy")
        if resend:
            ratelimit.hit("code_send", client_ip(self.request))
        base = RESET_STRATEGIES.get(strategy, strategy)
        ctx = self._first_factor_context(strategy)
        if attempt.user is None:
            # Strict enumeration protection: the same cool-down and answers, no message.
            link = base == "email_link"
            challenge, _secret = codes.issue(
                ctx, strategy=base, target=attempt.identifier, link=link, resend=resend
            )
            challenge.sent = False
        else:
            challenge = get_factor(base).prepare(ctx, resend=resend)
        self._remember_first_factor(strategy, challenge)
        self._record_sent(challenge, strategy=strategy, purpose=ctx.purpose)
        if resend and challenge.throttled:
            raise FlowError(
                "verification_code_too_many_requests", field="code", seconds=challenge.retry_after
            )
        return challenge

    def _remember_first_factor(self, strategy: str, challenge: Challenge) -> None:
        """Keep the chosen strategy and its verification on the attempt (one UPDATE, only
        when they changed), so the next step finds the code without another query."""
        attempt = self.attempt
        assert attempt is not None
        verification = challenge.verification
        if attempt.first_factor == strategy and attempt.current_verification == verification:
            return
        attempt.first_factor, attempt.current_verification = strategy, verification
        SignInAttempt.objects.filter(pk=attempt.pk).update(
            first_factor=strategy, current_verification=verification
        )

    def attempt_first_factor(self, *, strategy: str, code: str) -> str:
        """signIn.attemptFirstFactor(): check the code (or the password chosen through "use
        another method"). Passwordless factors never lead to client trust; MFA still applies."""
        attempt = self.require(Status.NEEDS_FIRST_FACTOR)
        if strategy not in attempt.supported_first_factors:
            raise FlowError("strategy_for_user_invalid", field="code")
        ratelimit.hit("factor_attempt", client_ip(self.request))
        user = attempt.user
        if user is None:  # strict enumeration protection: an unknown identifier never passes
            self._refuse_unknown(strategy, code)
        assert user is not None
        lockout.ensure_not_locked(user, self.settings, request=self.request, field="code")
        if strategy == "password":
            self._check_password(user, code)
        else:
            base = RESET_STRATEGIES.get(strategy, strategy)
            outcome = get_factor(base).verify(self._first_factor_context(strategy), code)
            if not outcome.ok:
                self._refuse_code(user, strategy, outcome)
        attempt.first_factor = strategy
        if strategy in RESET_STRATEGIES:
            return self._await_new_password(user)
        return self._after_first_factor(user, strategy=strategy)

    def _refuse_unknown(self, strategy: str, code: str) -> None:
        if strategy == "password":
            run_dummy_check(code)
            raise FlowError("form_password_or_identifier_incorrect", field="password")
        if not codes.normalize_code(code or ""):
            raise FlowError("form_param_missing", field="code")
        raise FlowError("form_code_incorrect", field="code")

    def _check_password(self, user: User, password: str) -> None:
        if not password:
            raise FlowError("form_param_missing", field="password")
        if not user.check_password(password):
            self._refuse_first_factor(user.identifier, user=user)

    def complete_first_factor_from_link(self) -> str | None:
        """If the sign-in's email link was opened (in any browser), the first factor is proven."""
        attempt = self.attempt
        if attempt is None or self.status != Status.NEEDS_FIRST_FACTOR:
            return None
        if attempt.first_factor != "email_link" or attempt.user is None:
            return None
        if self._is_locked_out(attempt.user):
            return None
        if not get_factor("email_link").verify(self._first_factor_context("email_link"), "").ok:
            return None
        return self._after_first_factor(attempt.user, strategy="email_link")

    # -- forgotten password --

    def _await_new_password(self, user: User) -> str:
        """The reset code was right: ask for the new password. The MFA methods are noted
        now, so that setting the password stays within the query budget."""
        attempt = self.attempt
        assert attempt is not None
        attempt.status = Status.NEEDS_NEW_PASSWORD
        attempt.supported_second_factors = mfa_strategies(user, self.settings)
        self._save()
        return attempt.status

    def reset_password(self, *, password: str) -> str:
        """signIn.resetPassword(): set the new password, sign out the user's other sessions
        and revoke every trusted client. Then MFA if the user has it, else complete."""
        attempt = self.require(Status.NEEDS_NEW_PASSWORD)
        user = attempt.user
        assert user is not None
        passwords.validate_password(password, settings=self.settings, user=user)
        user.set_password(password)
        User.objects.filter(pk=user.pk).update(password=user.password, failed_attempts=0)
        user_sessions.after_password_reset(self.request, user)
        if attempt.supported_second_factors:
            attempt.status, attempt.second_factor_reason = Status.NEEDS_SECOND_FACTOR, Reason.MFA
            self._save()
            return attempt.status
        return self._complete()

    @classmethod
    def completed(cls, request: HttpRequest) -> SignIn:
        """The attempt this session completed but has not finalized yet (a reset that set
        the password in the previous request); otherwise a flow with no attempt."""
        attempt_id = request.session.get(SIGN_IN_ATTEMPT_SESSION_KEY)
        client_id = request.authflows_client.id  # type: ignore[attr-defined]
        attempt = None
        if attempt_id and client_id:
            attempt = (
                SignInAttempt.objects.select_related("user")
                .filter(pk=attempt_id, client_id=client_id, status=Status.COMPLETE)
                .filter(completed_at__gt=clock.now() - ATTEMPT_LIFETIME)
                .first()
            )
        return cls(request, attempt)

    # -- completion --

    def _touch(self) -> None:
        """A submitted code is a step: the attempt lives 10 minutes from now, so a code that
        outlived its own 10 minutes is answered verification_expired, not a lost attempt."""
        assert self.attempt is not None
        now = clock.now()
        self.attempt.updated_at, self.attempt.expires_at = now, now + ATTEMPT_LIFETIME
        SignInAttempt.objects.filter(pk=self.attempt.pk).update(
            updated_at=now, expires_at=self.attempt.expires_at
        )

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
        if attempt.user is not None:
            # Only a finished sign-in clears this client's failures: a right password
            # followed by wrong codes must keep counting.
            lockout.record_success(attempt.user, request=self.request)
        return Status.COMPLETE

    def finalize(self) -> str:
        """Sign the user in (or open a pending session task) and return where to go next."""
        attempt = self.attempt
        if attempt is None or attempt.status != Status.COMPLETE or attempt.user is None:
            raise FlowError("sign_in_expired")
        self.request.session.pop(SIGN_IN_ATTEMPT_SESSION_KEY, None)
        if attempt.second_factor_reason == Reason.MFA:
            # The attempt already lists the user's MFA methods, so the require-MFA check
            # in start_session needs no query.
            user = attempt.user
            user.has_totp, user.has_phone_mfa, user.has_backup_codes = (  # type: ignore[attr-defined]
                s in attempt.supported_second_factors for s in MFA_ORDER
            )
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
    """Delete sign-in attempts (and their verifications) that expired over a day ago."""
    deleted, _ = SignInAttempt.objects.filter(
        expires_at__lt=clock.now() - timedelta(days=1)
    ).delete()
    return deleted
