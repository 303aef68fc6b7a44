"""The sign-up state machine (Clerk's SignUp). Every status transition lives here.

missing_requirements -> complete (the user exists) -> finalize (signed in)
missing_requirements -> abandoned (24 hours without completing)

The Dashboard decides which fields are required and optional. A sign-up collects them
progressively; it completes by itself once no required field is missing and every email
address or phone number it holds is verified. Views bind forms, call one method, and map
`next_step` to a page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest

from authflows import clock, delivery
from authflows.factors import FactorContext, Outcome, get_factor
from authflows.factors import codes as code_store
from authflows.factors.base import Challenge
from authflows.flows import passwords
from authflows.flows import session as session_flow
from authflows.flows.errors import FlowError
from authflows.models import AuthEvent, InstanceSettings, SignUpAttempt, SignUpStatus, User
from authflows.models import Verification as V
from authflows.models.user import normalize_phone
from authflows.protect import audit, ratelimit
from authflows.protect.ip import client_ip

Status = SignUpStatus

SIGN_UP_ATTEMPT_SESSION_KEY = "authflows_sign_up"
ABANDON_AFTER = timedelta(hours=24)

EMAIL, PHONE, USERNAME, PASSWORD = "email_address", "phone_number", "username", "password"
FIRST_NAME, LAST_NAME, LEGAL = "first_name", "last_name", "legal_accepted"
FIELDS = (EMAIL, PHONE, USERNAME, PASSWORD, FIRST_NAME, LAST_NAME, LEGAL)
IDENTIFIERS = (EMAIL, PHONE, USERNAME)
_USERNAME_CHARACTERS = re.compile(r"^[a-z0-9_.-]+$")


class FlowErrors(FlowError):
    """Several refusals at once, one per field (a sign-up form has many fields)."""

    def __init__(self, errors: list[FlowError]) -> None:
        super().__init__(errors[0].code, field=errors[0].field)
        self.errors = errors


# --- what the Dashboard asks for ------------------------------------------------------------


@dataclass(frozen=True)
class Requirements:
    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def enabled(self) -> tuple[str, ...]:
        return tuple(f for f in FIELDS if f in self.required or f in self.optional)


def requirements(settings: InstanceSettings) -> Requirements:
    """Clerk's requiredFields / optionalFields, from the Dashboard."""
    rules = [
        (EMAIL, settings.email_sign_up, settings.email_required),
        (PHONE, settings.phone_sign_up, settings.phone_required),
        (USERNAME, settings.username_sign_up, settings.username_sign_up),
        (PASSWORD, settings.password_sign_up, settings.password_sign_up),
        (FIRST_NAME, settings.name_sign_up, settings.name_required),
        (LAST_NAME, settings.name_sign_up, settings.name_required),
        (LEGAL, settings.legal_consent_required, settings.legal_consent_required),
    ]
    required = tuple(name for name, on, needed in rules if on and needed)
    optional = tuple(name for name, on, needed in rules if on and not needed)
    return Requirements(required=required, optional=optional)


def is_sign_up_open(settings: InstanceSettings) -> bool:
    reqs = requirements(settings)
    return any(name in reqs.enabled for name in IDENTIFIERS)


def sign_up_offer(identifier: str, settings: InstanceSettings, *, error: FlowError) -> str:
    """Sign-in-or-up: when an identifier has no account and sign-up takes it, the query
    string that starts a sign-up with it ("" otherwise). Strict enumeration protection never
    says an identifier is unknown, so it never offers."""
    if error.code != "form_identifier_not_found" or settings.strict_enumeration:
        return ""
    from authflows.flows.sign_in import parse_identifier

    try:
        kind, value = parse_identifier(identifier, settings)
    except FlowError:
        return ""
    name = {"email": EMAIL, "phone": PHONE, "username": USERNAME}[kind]
    if name not in requirements(settings).enabled:
        return ""
    form_name = {EMAIL: "emailAddress", PHONE: "phoneNumber", USERNAME: "username"}[name]
    return urlencode({form_name: value})


def validate_username(raw: str, settings: InstanceSettings, *, field: str = USERNAME) -> str:
    """Usernames: the Dashboard's length (4-64 by default), letters, digits, _ . and -,
    at least one letter (an all-digit name would read as a phone number at sign-in)."""
    value = raw.strip().lower()
    low, high = settings.username_min_length, settings.username_max_length
    if not low <= len(value) <= high:
        raise FlowError("form_username_invalid_length", field=field, min=low, max=high)
    if not _USERNAME_CHARACTERS.match(value) or not any(ch.isalpha() for ch in value):
        raise FlowError("form_username_invalid_character", field=field)
    return value


def _clean_email(raw: str) -> str:
    value = raw.strip().lower()
    try:
        validate_email(value)
    except ValidationError as exc:
        raise FlowError(
            "form_param_format_invalid", field=EMAIL, expected="an email address"
        ) from exc
    return value


def _clean_phone(raw: str) -> str:
    raw = raw if raw.startswith("+") else "+" + raw.lstrip("0")
    try:
        value = normalize_phone(raw)
    except ValueError as exc:
        raise FlowError("form_param_format_invalid", field=PHONE) from exc
    return value or ""


# --- the flow -------------------------------------------------------------------------------


class SignUp:
    """The current client's sign-up attempt and the legal moves on it."""

    def __init__(self, request: HttpRequest, attempt: SignUpAttempt | None) -> None:
        self.request = request
        self.attempt = attempt
        self.settings: InstanceSettings = request.instance_settings  # type: ignore[attr-defined]

    @classmethod
    def current(cls, request: HttpRequest) -> SignUp:
        """The attempt named by this session and owned by this client, if it is still in
        progress (or complete and not yet signed in); an attempt left for 24 hours is
        abandoned."""
        attempt_id = request.session.get(SIGN_UP_ATTEMPT_SESSION_KEY)
        client_id = request.authflows_client.id  # type: ignore[attr-defined]
        attempt = None
        if attempt_id and client_id:
            attempt = (
                SignUpAttempt.objects.select_related("created_user")
                .filter(pk=attempt_id, client_id=client_id)
                .exclude(status=Status.ABANDONED)
                .first()
            )
        stale = attempt and attempt.status == Status.MISSING_REQUIREMENTS
        if stale and attempt.abandon_at <= clock.now():  # type: ignore[union-attr]
            SignUpAttempt.objects.filter(pk=attempt.pk).update(status=Status.ABANDONED)  # type: ignore[union-attr]
            attempt = None
        return cls(request, attempt)

    # -- Clerk's SignUp properties --

    @property
    def status(self) -> str:
        return self.attempt.status if self.attempt else ""

    @property
    def is_open(self) -> bool:
        return is_sign_up_open(self.settings)

    @property
    def requirements(self) -> Requirements:
        return requirements(self.settings)

    @property
    def required_fields(self) -> tuple[str, ...]:
        return self.requirements.required

    @property
    def optional_fields(self) -> tuple[str, ...]:
        return self.requirements.optional

    def _has(self, name: str) -> bool:
        a = self.attempt
        if a is None:
            return False
        values = {
            EMAIL: a.email,
            PHONE: a.phone,
            USERNAME: a.username,
            PASSWORD: a.password_hash,
            FIRST_NAME: a.first_name,
            LAST_NAME: a.last_name,
            LEGAL: a.legal_accepted_at,
        }
        return bool(values[name])

    @property
    def missing_fields(self) -> list[str]:
        """Required fields not collected yet. With no required identifier, at least one of
        the enabled ones is needed, or the user could never sign in."""
        missing = [name for name in self.required_fields if not self._has(name)]
        enabled = [name for name in IDENTIFIERS if name in self.requirements.enabled]
        if enabled and not any(self._has(name) or name in missing for name in enabled):
            missing.insert(0, enabled[0])
        return missing

    @property
    def unverified_fields(self) -> list[str]:
        a = self.attempt
        if a is None:
            return []
        unverified = []
        if a.email and not a.email_verified:
            unverified.append(EMAIL)
        if a.phone and not a.phone_verified and self.settings.phone_verify_at_sign_up:
            unverified.append(PHONE)
        return unverified

    @property
    def email_strategy(self) -> str:
        link = self.settings.email_verification == InstanceSettings.EmailVerification.LINK
        return "email_link" if link else "email_code"

    def next_step(self) -> str:
        """What the sign-up needs next: "start", "continue", "verify_email", "verify_phone"
        or "complete"."""
        if self.attempt is None:
            return "start"
        if self.status == Status.COMPLETE:
            return "complete"
        if self.missing_fields:
            return "continue"
        unverified = self.unverified_fields
        if EMAIL in unverified:
            return "verify_email"
        if PHONE in unverified:
            return "verify_phone"
        return "continue"

    def require(self) -> SignUpAttempt:
        if self.attempt is None or self.status != Status.MISSING_REQUIREMENTS:
            raise FlowError("sign_up_expired")
        return self.attempt

    # -- collecting fields --

    def create(self, *, data: dict[str, object], redirect_url: str = "") -> str:
        """signUp.create(): start a new attempt with what the user gave. Returns the status."""
        ratelimit.hit("sign_up_start", client_ip(self.request))
        if not is_sign_up_open(self.settings):
            raise FlowError("sign_up_closed")
        now = clock.now()
        self.attempt = SignUpAttempt(
            client_id=self.request.authflows_client.ensure(),  # type: ignore[attr-defined]
            redirect_url=session_flow.safe_redirect_url(self.request, redirect_url),
            created_at=now,
            updated_at=now,
            abandon_at=now + ABANDON_AFTER,
        )
        self._apply(data)
        return self._advance()

    def update(self, *, data: dict[str, object]) -> str:
        """signUp.update(): add what was missing. Returns the status."""
        self.require()
        ratelimit.hit("sign_up_start", client_ip(self.request))
        self._apply(data)
        return self._advance()

    def _apply(self, data: dict[str, object]) -> None:
        """Validate every given field, then refuse identifiers that belong to someone."""
        a = self.attempt
        assert a is not None
        enabled = self.requirements.enabled
        errors: list[FlowError] = []
        cleaned: dict[str, object] = {}
        for name in FIELDS:
            value = data.get(name)
            if name not in enabled or not value:
                continue
            try:
                cleaned[name] = self._clean(name, value)
            except FlowError as error:
                errors.append(error)
        errors.extend(self._taken(cleaned))
        if PASSWORD in cleaned and not any(e.field == PASSWORD for e in errors):
            try:
                self._check_password(str(cleaned[PASSWORD]), cleaned)
            except FlowError as error:
                errors.append(error)
        if errors:
            raise FlowErrors(errors)
        self._store(cleaned)

    def _clean(self, name: str, value: object) -> object:
        if name == LEGAL:
            return bool(value)
        text = str(value)
        if name == PASSWORD:
            return text
        text = text.strip()
        if name == EMAIL:
            return _clean_email(text)
        if name == PHONE:
            return _clean_phone(text)
        if name == USERNAME:
            return validate_username(text, self.settings)
        if len(text) > 150 or any(ord(ch) < 32 for ch in text):
            raise FlowError("form_param_format_invalid", field=name)
        return text

    def _check_password(self, password: str, cleaned: dict[str, object]) -> None:
        a = self.attempt
        assert a is not None
        probe = User(
            email=cleaned.get(EMAIL) or a.email or None,
            username=cleaned.get(USERNAME) or a.username or None,
            first_name=cleaned.get(FIRST_NAME) or a.first_name,
            last_name=cleaned.get(LAST_NAME) or a.last_name,
        )
        passwords.validate_password(password, settings=self.settings, user=probe)

    def _taken(self, cleaned: dict[str, object]) -> list[FlowError]:
        """One query for every identifier at once. Under strict enumeration protection a
        taken email address or phone number is accepted here: its owner gets a notice
        instead of a code, and this page behaves exactly as for a free one."""
        lookups = {EMAIL: "email", PHONE: "phone", USERNAME: "username"}
        query = Q()
        for name, column in lookups.items():
            if cleaned.get(name):
                query |= Q(**{column: cleaned[name]})
        if not query:
            return []
        rows = User.objects.filter(query).values_list("email", "phone", "username")
        taken = {value for row in rows for value in row if value}
        strict = self.settings.strict_enumeration
        return [
            FlowError("form_identifier_exists", field=name)
            for name in IDENTIFIERS
            if cleaned.get(name) in taken and not (strict and name != USERNAME)
        ]

    def _store(self, cleaned: dict[str, object]) -> None:
        a = self.attempt
        assert a is not None
        if EMAIL in cleaned and cleaned[EMAIL] != a.email:
            a.email, a.email_verified = str(cleaned[EMAIL]), False
        if PHONE in cleaned and cleaned[PHONE] != a.phone:
            a.phone, a.phone_verified = str(cleaned[PHONE]), False
        for name, column in (
            (USERNAME, "username"),
            (FIRST_NAME, "first_name"),
            (LAST_NAME, "last_name"),
        ):
            if name in cleaned:
                setattr(a, column, str(cleaned[name]))
        if PASSWORD in cleaned:
            a.password_hash = make_password(str(cleaned[PASSWORD]))
        if cleaned.get(LEGAL) and not a.legal_accepted_at:
            a.legal_accepted_at = clock.now()

    # -- verification --

    def _context(self, *, target: str) -> FactorContext:
        return FactorContext(
            user=None,
            settings=self.settings,
            purpose=V.Purpose.SIGN_UP,
            sign_up=self.attempt,
            target=target,
            extra={
                "link_base": self.request.build_absolute_uri("/sign-up/verify/"),
                "ip": client_ip(self.request),  # for the per-IP ceiling on messages sent
            },
        )

    def _require_unverified(self, field: str) -> SignUpAttempt:
        attempt = self.require()
        if field not in self.unverified_fields:
            raise FlowError("verification_missing", field="code")
        return attempt

    def prepare_email_address_verification(self, *, resend: bool = False) -> Challenge:
        """Send the code or link (signUp.prepareEmailAddressVerification()). A taken address
        under strict enumeration protection gets a notice to its owner instead."""
        attempt = self._require_unverified(EMAIL)
        return self._prepare(self.email_strategy, target=attempt.email, resend=resend)

    def prepare_phone_number_verification(self, *, resend: bool = False) -> Challenge:
        attempt = self._require_unverified(PHONE)
        return self._prepare("phone_code", target=attempt.phone, resend=resend)

    def _prepare(self, strategy: str, *, target: str, resend: bool) -> Challenge:
        if resend:
            ratelimit.hit("code_send", client_ip(self.request))
        ctx = self._context(target=target)
        if self.settings.strict_enumeration and self._belongs_to_someone(strategy, target):
            challenge = self._notify_owner(ctx, strategy, target=target, resend=resend)
        else:
            challenge = get_factor(strategy).prepare(ctx, resend=resend)
        if challenge.sent:
            audit.record(
                self.request, AuthEvent.Kind.CODE_SENT, identifier=target, strategy=strategy
            )
        if resend and challenge.throttled:
            raise FlowError(
                "verification_code_too_many_requests", field="code", seconds=challenge.retry_after
            )
        return challenge

    @staticmethod
    def _belongs_to_someone(strategy: str, target: str) -> bool:
        column = "phone" if strategy == "phone_code" else "email"
        return User.objects.filter(**{column: target}).exists()

    def _notify_owner(
        self, ctx: FactorContext, strategy: str, *, target: str, resend: bool
    ) -> Challenge:
        """Arm a verification as usual (same cool-down, same answers: no code will ever
        match) but tell the owner someone tried to sign up with their address."""
        challenge, secret = code_store.issue(
            ctx, strategy=strategy, target=target, link=strategy == "email_link", resend=resend
        )
        if secret:
            name = self.settings.application_name
            if strategy == "phone_code":
                delivery.send_sms(
                    to=target,
                    body=f"Someone tried to sign up for {name} with this number. "
                    "If it was you, sign in instead.",
                )
            else:
                delivery.send_email(
                    to=target, event="sign_up_existing", context={"sign_in_url": self._url()}
                )
        return challenge

    def _url(self) -> str:
        return self.request.build_absolute_uri("/sign-in/")

    def attempt_email_address_verification(self, *, code: str) -> str:
        """signUp.attemptEmailAddressVerification(). Returns the status."""
        self._require_unverified(EMAIL)
        return self._attempt("email_code", code=code, field=EMAIL)

    def attempt_phone_number_verification(self, *, code: str) -> str:
        self._require_unverified(PHONE)
        return self._attempt("phone_code", code=code, field=PHONE)

    def _attempt(self, strategy: str, *, code: str, field: str) -> str:
        ratelimit.hit("sign_up_verify", client_ip(self.request))
        attempt = self.attempt
        assert attempt is not None
        target = attempt.email if field == EMAIL else attempt.phone
        outcome = get_factor(strategy).verify(self._context(target=target), code)
        if not outcome.ok:
            self._refuse_code(strategy, outcome, target=target)
        return self._mark_verified(field)

    def _refuse_code(self, strategy: str, outcome: Outcome, *, target: str) -> None:
        if outcome not in (Outcome.MISSING, Outcome.NOT_PREPARED):
            audit.record(
                self.request,
                AuthEvent.Kind.CODE_FAILED,
                identifier=target,
                strategy=strategy,
                reason=outcome.value,
            )
        raise FlowError(outcome.error_code, field="code")

    def complete_from_link(self) -> str | None:
        """If the sign-up's email link was opened (in any browser), the address is verified."""
        if self.attempt is None or self.status != Status.MISSING_REQUIREMENTS:
            return None
        if EMAIL not in self.unverified_fields or self.email_strategy != "email_link":
            return None
        ctx = self._context(target=self.attempt.email)
        if not get_factor("email_link").verify(ctx, "").ok:
            return None
        return self._mark_verified(EMAIL)

    def _mark_verified(self, field: str) -> str:
        attempt = self.attempt
        assert attempt is not None
        if field == EMAIL:
            attempt.email_verified = True
        else:
            attempt.phone_verified = True
        return self._advance()

    # -- completion --

    def _advance(self) -> str:
        """Save the attempt; with nothing missing or unverified, create the user first."""
        if not self.missing_fields and not self.unverified_fields:
            self._create_user()
        self._save()
        return self.status

    def _create_user(self) -> None:
        """Create the account. Two sign-ups for one address completing at the same moment:
        the database's unique constraints let exactly one INSERT win."""
        a = self.attempt
        assert a is not None
        user = User(
            email=a.email or None,
            phone=a.phone or None,
            username=a.username or None,
            first_name=a.first_name,
            last_name=a.last_name,
            email_verified=bool(a.email and a.email_verified),
            phone_verified=bool(a.phone and a.phone_verified),
        )
        if a.password_hash:
            user.password = a.password_hash
        else:
            user.set_unusable_password()
        try:
            with transaction.atomic():  # User.save() normalizes; the constraint decides
                user.save(force_insert=True)
        except IntegrityError as exc:  # exactly one account per address
            field = EMAIL if a.email else PHONE if a.phone else USERNAME
            raise FlowError("form_identifier_exists", field=field) from exc
        a.status, a.created_user = Status.COMPLETE, user

    def _save(self) -> None:
        a = self.attempt
        assert a is not None
        a.updated_at = clock.now()
        a.save()
        if self.request.session.get(SIGN_UP_ATTEMPT_SESSION_KEY) != a.pk:
            self.request.session[SIGN_UP_ATTEMPT_SESSION_KEY] = a.pk

    def finalize(self) -> str:
        """setActive(): trust this client for the new user and sign them in (or open the
        pending setup-mfa task). Returns where to go."""
        a = self.attempt
        if a is None or a.status != Status.COMPLETE or a.created_user is None:
            raise FlowError("sign_up_expired")
        self.request.session.pop(SIGN_UP_ATTEMPT_SESSION_KEY, None)
        # Recorded here rather than at creation: it joins this request's one audit INSERT.
        audit.record(self.request, AuthEvent.Kind.SIGN_UP_COMPLETED, user=a.created_user)
        session_flow.trust_client(self.request, a.created_user, strategy="sign_up")
        return session_flow.start_session(
            self.request, a.created_user, strategy="sign_up", redirect_url=a.redirect_url
        )

    def reset(self) -> None:
        """Start over: forget the attempt (it is abandoned after 24 hours)."""
        self.request.session.pop(SIGN_UP_ATTEMPT_SESSION_KEY, None)
        self.attempt = None


def abandon_stale_attempts() -> int:
    """Mark sign-ups left for 24 hours as abandoned (for a periodic job)."""
    return SignUpAttempt.objects.filter(
        status=Status.MISSING_REQUIREMENTS, abandon_at__lte=clock.now()
    ).update(status=Status.ABANDONED)
