"""Lockout (SPEC 6): too many failed factor attempts lock the user for a while.

Failures are counted twice: per user (User.failed_attempts, locked_until, locked_indefinitely)
and per (user, client) in the shared cache. The user-level lock stops every client except the
ones already trusted for that user, so an attacker who knows an address cannot lock its owner
out of their own devices; a trusted client is still limited by its own count.

Every flow that checks a secret calls, in this order:

    lockout.ensure_not_locked(user, settings, request=request, field=...)   # before checking
    ... check the password / code ...
    if lockout.record_failure(user, settings, request=request):             # on a wrong one
        session_flow.notify_locked(request, user)                           # email + audit
    lockout.record_success(user, request=request)          # once the sign-in is complete
"""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import F
from django.http import HttpRequest

from authflows import clock
from authflows.flows.errors import FlowError
from authflows.models import InstanceSettings, TrustedClient, User

_INDEFINITE = "indefinite"


# --- the user-level lock -------------------------------------------------------------------


def is_locked(user: User) -> bool:
    return user.locked_indefinitely or bool(user.locked_until and user.locked_until > clock.now())


def _minutes_left(until: datetime) -> int:
    return max(1, math.ceil((until - clock.now()).total_seconds() / 60))


def _refuse(*, until: datetime | None, field: str) -> None:
    if until is None:
        raise FlowError("user_locked", field=field, message_key="user_locked_indefinitely")
    raise FlowError("user_locked", field=field, minutes=_minutes_left(until))


def ensure_not_locked(
    user: User,
    settings: InstanceSettings,
    *,
    request: HttpRequest | None = None,
    field: str = "identifier",
) -> None:
    """Refuse with `user_locked` (and the minutes left) when this user may not try now.

    A client trusted for the user passes a user-level lock; any client stops once its own
    failures for this user reached the maximum.
    """
    if not settings.lockout_enabled:
        return
    client_id = _client_id(request)
    if client_id:
        locked, until = _client_lock(user, client_id, request)
        if locked:
            _refuse(until=until, field=field)
    if is_locked(user) and not _is_trusted(user, client_id):
        _refuse(until=None if user.locked_indefinitely else user.locked_until, field=field)


def record_failure(
    user: User, settings: InstanceSettings, *, request: HttpRequest | None = None
) -> bool:
    """Count a failed attempt for the user and for this client.

    Returns True when this failure locked the user (the caller sends the notice). Of several
    simultaneous failures that reach the maximum, exactly one locks (a conditional UPDATE),
    so the owner gets one email.
    """
    if not settings.lockout_enabled:
        return False
    client_id = _client_id(request)
    if client_id:
        _count_client_failure(user, client_id, settings, request)
    if is_locked(user):
        return False  # failures while locked (from trusted clients) do not extend the lock
    _unlocked(user).update(failed_attempts=F("failed_attempts") + 1)
    return _lock_if_over(user, settings)


def _unlocked(user: User):  # type: ignore[no-untyped-def]
    """The user's row, if not locked now (decided by the database, not by our stale copy)."""
    return User.objects.filter(pk=user.pk, locked_indefinitely=False).exclude(
        locked_until__gt=clock.now()
    )


def _lock_if_over(user: User, settings: InstanceSettings) -> bool:
    if settings.lockout_indefinite:
        updates: dict[str, object] = {"locked_indefinitely": True}
    else:
        updates = {"locked_until": clock.now() + _duration(settings)}
    won = (
        _unlocked(user)
        .filter(failed_attempts__gte=settings.lockout_max_attempts)
        .update(failed_attempts=0, **updates)
    )
    if won:
        for name, value in updates.items():
            setattr(user, name, value)
    return bool(won)


def record_success(user: User, *, request: HttpRequest | None = None) -> None:
    """The sign-in completed: forget this client's failures for the user. Not after a first
    factor that still needs a second one, or a right password would wipe the count of wrong
    codes. (The user-level count is reset by the sign-in itself, in the UPDATE that stamps
    last_login.)"""
    client_id = _client_id(request)
    if client_id:
        cache.delete(f"{_client_prefix(user, client_id, request)}:count")


def unlock(user: User) -> None:
    """Lift every lock of the user (the admin's "Unlock"): the user-level lock and the count,
    and every client's own lock and count for this user."""
    User.objects.filter(pk=user.pk).update(
        failed_attempts=0, locked_until=None, locked_indefinitely=False
    )
    user.failed_attempts, user.locked_until, user.locked_indefinitely = 0, None, False
    cache.set(_generation_key(user), secrets.token_hex(8), timeout=None)


# --- unknown identifiers under strict enumeration protection ---------------------------------


def ensure_identifier_not_locked(identifier: str, settings: InstanceSettings) -> None:
    """Strict enumeration protection: an identifier with no account "locks" after as many
    failures as a real one, with the same answer, so `user_locked` tells nothing about
    whether an account exists. Call before the dummy password check."""
    if settings.lockout_enabled and settings.strict_enumeration:
        locked, until = _cache_lock(_identifier_prefix(identifier))
        if locked:
            _refuse(until=until, field="identifier")


def record_identifier_failure(identifier: str, settings: InstanceSettings) -> None:
    if settings.lockout_enabled and settings.strict_enumeration:
        _count_cache_failure(_identifier_prefix(identifier), settings)


# --- the per-client count ------------------------------------------------------------------


def _duration(settings: InstanceSettings) -> timedelta:
    return timedelta(minutes=settings.lockout_duration_minutes)


def _client_id(request: HttpRequest | None) -> int | None:
    client = getattr(request, "authflows_client", None) if request is not None else None
    return client.id if client is not None else None


def _generation_key(user: User) -> str:
    return f"authflows:lockout:gen:{user.pk}"


def _client_prefix(user: User, client_id: int, request: HttpRequest | None = None) -> str:
    # An admin unlock changes the generation, which orphans every client key of the user.
    # Read once per request: checking and then clearing a count needs one round trip, not two.
    memo = request.__dict__.setdefault("_authflows_lockout_prefixes", {}) if request else {}
    prefix = memo.get((user.pk, client_id))
    if prefix is None:
        generation = cache.get(_generation_key(user), "0")
        prefix = memo[(user.pk, client_id)] = (
            f"authflows:lockout:{generation}:{user.pk}:{client_id}"
        )
    return prefix


def _identifier_prefix(identifier: str) -> str:
    digest = hashlib.sha256(identifier.strip().lower().encode()).hexdigest()[:32]
    return f"authflows:lockout:identifier:{digest}"


def _client_lock(
    user: User, client_id: int, request: HttpRequest | None
) -> tuple[bool, datetime | None]:
    return _cache_lock(_client_prefix(user, client_id, request))


def _count_client_failure(
    user: User, client_id: int, settings: InstanceSettings, request: HttpRequest | None
) -> None:
    _count_cache_failure(_client_prefix(user, client_id, request), settings)


def _cache_lock(prefix: str) -> tuple[bool, datetime | None]:
    """(locked, until) of a lock kept in the cache: until is None for an indefinite lock."""
    value = cache.get(f"{prefix}:lock")
    if value is None:
        return False, None
    if value == _INDEFINITE:
        return True, None
    until = datetime.fromisoformat(value)
    return until > clock.now(), until


def _count_cache_failure(prefix: str, settings: InstanceSettings) -> None:
    """Count a failure in the cache; at the maximum, lock for the Dashboard's duration."""
    count_key = f"{prefix}:count"
    ttl = int(_duration(settings).total_seconds()) + 60
    if cache.add(count_key, 1, timeout=ttl):
        count = 1
    else:
        try:
            count = cache.incr(count_key)
        except ValueError:  # expired between add and incr
            cache.add(count_key, 1, timeout=ttl)
            count = 1
    if count < settings.lockout_max_attempts:
        return
    cache.delete(count_key)
    if settings.lockout_indefinite:
        cache.set(f"{prefix}:lock", _INDEFINITE, timeout=None)
    else:
        until = clock.now() + _duration(settings)
        cache.set(f"{prefix}:lock", until.isoformat(), timeout=ttl)


def _is_trusted(user: User, client_id: int | None) -> bool:
    """Asked only when the user is locked, so the common path costs no query."""
    if not client_id:
        return False
    annotated = getattr(user, "is_trusted_client", None)
    if annotated is not None:
        return bool(annotated)
    return TrustedClient.objects.filter(user=user, client_id=client_id).exists()
