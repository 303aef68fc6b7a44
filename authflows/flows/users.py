"""Finding the user behind an identifier, and which MFA methods a user has: one query each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_otp.plugins.otp_totp.models import TOTPDevice

from authflows.models import (
    BackupCode,
    EmailAddress,
    InstanceSettings,
    Passkey,
    PhoneMFA,
    PhoneNumber,
    TrustedClient,
    User,
)
from authflows.models.identification import CLAIMED
from authflows.strategies import MFA_ORDER, REAL_MFA, Strategy

_METHODS_ATTR = "_authflows_methods"


METHOD_COLUMNS = ("has_totp", "has_phone_mfa", "has_backup_codes", "has_passkey")


def with_methods(users: QuerySet[User]) -> QuerySet[User]:
    """The users with their MFA methods as EXISTS columns (METHOD_COLUMNS)."""
    return users.annotate(
        has_totp=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
        has_phone_mfa=Exists(PhoneMFA.objects.filter(user=OuterRef("pk"))),
        has_backup_codes=Exists(
            BackupCode.objects.filter(user=OuterRef("pk"), used_at__isnull=True)
        ),
        has_passkey=Exists(Passkey.objects.filter(user=OuterRef("pk"))),
    )


def claimed(kind: str, value: str) -> QuerySet[EmailAddress] | QuerySet[PhoneNumber]:
    """The address rows that make `value` an account's sign-in identifier: verified or
    primary (at most one account has such a row), and for phone numbers not reserved for
    MFA codes."""
    if kind == "email":
        return EmailAddress.objects.filter(CLAIMED, email_address=value)
    return PhoneNumber.objects.filter(CLAIMED, phone_number=value, reserved_for_second_factor=False)


def owner_of(kind: str, value: str) -> QuerySet[User]:
    """The account an email address, phone number or username signs in to (one at most)."""
    if kind == "username":
        return User.objects.filter(username=value)
    return User.objects.filter(pk__in=claimed(kind, value).values("user_id"))


def _lookup(kind: str, value: str, client_id: int) -> QuerySet[User]:
    trust = TrustedClient.objects.filter(user=OuterRef("pk"), client_id=client_id)
    return (
        with_methods(owner_of(kind, value))
        .annotate(trusted_here=Exists(trust), trust_lock=Subquery(trust.values("locked_until")[:1]))
        .order_by("pk")[:1]
    )


# Building and compiling that queryset costs more CPU than running it, on every password
# sign-in; so it is compiled once per identifier kind, with markers where the values go.
_VALUE_MARK = "\x00authflows:value"
_CLIENT_MARK = -7_919_000_001
_compiled: dict[str, tuple[str, tuple[Any, ...]]] = {}


def find_user(kind: str, value: str, *, client_id: int | None) -> User | None:
    """One query: the user (by any of their verified email addresses or phone numbers, or the
    username), their MFA methods, and whether this client is trusted for them (and that
    device's own lock)."""
    if kind not in _compiled:
        _compiled[kind] = _lookup(kind, _VALUE_MARK, _CLIENT_MARK).query.sql_with_params()
    sql, marked = _compiled[kind]
    values: dict[object, object] = {_VALUE_MARK: value, _CLIENT_MARK: client_id or 0}
    params = [values.get(p, p) if isinstance(p, str | int) else p for p in marked]
    user = next(iter(User.objects.raw(sql, params)), None)
    if user is None or not user.is_active:
        return None
    read = user.__dict__
    user.is_trusted_client = bool(read.pop("trusted_here", False))
    user.trust_locked_until = _aware(read.pop("trust_lock", None))
    return user


def _aware(value: object) -> datetime | None:
    """A timestamp read by a raw query comes as the database returns it (SQLite: text)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if not isinstance(value, datetime):
        return None
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


@dataclass(frozen=True)
class Methods:
    """The MFA methods a user has enrolled, whatever the Dashboard says."""

    totp: bool = False
    phone: bool = False
    backup_codes: bool = False
    #: A second factor only while the Dashboard allows passkeys as one (usable()).
    passkey: bool = False

    @property
    def enrolled(self) -> list[Strategy]:
        """Real methods (backup codes excluded), app first."""
        return [s for s in REAL_MFA if self._has(s)]

    def _has(self, strategy: Strategy) -> bool:
        return {
            Strategy.TOTP: self.totp,
            Strategy.PHONE_CODE: self.phone,
            Strategy.BACKUP_CODE: self.backup_codes,
            Strategy.PASSKEY: self.passkey,
        }[strategy]

    def usable(self, settings: InstanceSettings) -> list[Strategy]:
        """The methods a sign-in asks for: enrolled and on in the Dashboard, app first.
        Backup codes alone never count: they back up a real method."""
        enabled = settings.enabled_mfa_strategies()
        found = [s for s in MFA_ORDER if self._has(s) and s in enabled]
        return found if set(found) - {Strategy.BACKUP_CODE} else []


def methods_of(user: User) -> Methods:
    """The user's methods: from the annotations find_user() made, else one query, remembered
    on the user object for the rest of the request (forget_methods() after a change)."""
    cached = getattr(user, _METHODS_ATTR, None)
    if cached is not None:
        return cached
    read = user.__dict__
    if all(name in read for name in METHOD_COLUMNS):
        row = tuple(read[name] for name in METHOD_COLUMNS)
    else:
        row = with_methods(User.objects.filter(pk=user.pk)).values_list(*METHOD_COLUMNS).get()
    methods = Methods(*map(bool, row))
    setattr(user, _METHODS_ATTR, methods)
    return methods


def lock_with_methods(user: User) -> Methods:
    """Lock the user's row for the caller's transaction and read their methods in the same
    statement (changes to a user's methods run one after the other)."""
    locked = User.objects.select_for_update().filter(pk=user.pk)
    row = with_methods(locked).values_list(*METHOD_COLUMNS).get()
    methods = Methods(*map(bool, row))
    setattr(user, _METHODS_ATTR, methods)
    return methods


def remember_methods(user: User, strategies: list[str]) -> None:
    """The user's methods are known already (an attempt listed them): no query needed."""
    has = set(strategies)
    methods = Methods(
        totp=Strategy.TOTP in has,
        phone=Strategy.PHONE_CODE in has,
        backup_codes=Strategy.BACKUP_CODE in has,
        passkey=Strategy.PASSKEY in has,
    )
    setattr(user, _METHODS_ATTR, methods)


def forget_methods(user: User) -> None:
    for name in METHOD_COLUMNS:
        user.__dict__.pop(name, None)
    if getattr(user, _METHODS_ATTR, None) is not None:
        setattr(user, _METHODS_ATTR, None)


def mfa_required_but_missing(user: User, settings: InstanceSettings) -> bool:
    """Require MFA is on and the user has no usable real method (the setup-mfa task)."""
    return bool(settings.mfa_required) and not methods_of(user).usable(settings)
