"""Lockout (SPEC 6 and 9): too many failed checks of a secret lock the account, or a device.

Who is counted where:
- a client not trusted for the user: the account's count; at the maximum the account locks
  (User.locked_until / locked_indefinitely) for every client not trusted for it;
- a client trusted for the user: its own count; at the maximum that device locks
  (TrustedClient.locked_until). The account's lock never stops it, so a stranger who knows
  the address can't lock the owner out of the devices they already use;
- an identifier with no account (strict enumeration protection): a count and a lock of its
  own, so `user_locked` says nothing about whether an account exists.

Counts live in the shared cache; the locks that must outlive a cache restart (account,
device) in the database, and so does the user's lockout generation, which names their counts
(read with the user's row, so counting costs no extra round trip). A check reserves its
attempt before the secret is checked (an atomic INCR that refuses past the maximum), so
simultaneous guesses are never all checked against a stale count; a check that turns out right
gives its reservation back.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from django.core.cache import cache
from django.db.models import F, Q, QuerySet

from authflows import cache as counters
from authflows import clock
from authflows.errors import FlowError
from authflows.models import InstanceSettings, TrustedClient, User

_Lockable = TypeVar("_Lockable", User, TrustedClient)
#: A device locked "indefinitely" is locked until this date (until an admin unlocks it).
INDEFINITE = datetime(9999, 12, 31, tzinfo=UTC)


@dataclass(frozen=True)
class Claimant:
    """Whose secret is being checked, from which client."""

    user: User | None
    identifier: str
    client_id: int | None = None
    #: The client is trusted for this user (it completed a second factor for them).
    trusted: bool = False
    #: That trusted device's own lock, read along with the trust.
    device_locked_until: datetime | None = None


@dataclass(frozen=True)
class Hold:
    """A reserved attempt: the count it took a place in, and its place."""

    count_key: str = ""
    number: int = 0


# --- is it locked? ---------------------------------------------------------------------------


def is_locked(user: User) -> bool:
    return user.locked_indefinitely or bool(user.locked_until and user.locked_until > clock.now())


def _refusal(until: datetime | None, *, field: str) -> FlowError:
    if until is None or until >= INDEFINITE:
        return FlowError("user_locked", field=field, message_key="user_locked_indefinitely")
    minutes = max(1, math.ceil((until - clock.now()).total_seconds() / 60))
    return FlowError("user_locked", field=field, minutes=minutes)


def _lock_of(who: Claimant) -> tuple[bool, datetime | None]:
    """(locked, until) for this claimant; until None means indefinitely."""
    user = who.user
    if user is None:
        value = cache.get(f"{_identifier_prefix(who.identifier)}:lock")
        return (value is not None), (datetime.fromisoformat(value) if value else None)
    if who.trusted:
        until = who.device_locked_until
        return bool(until and until > clock.now()), until
    if user.locked_indefinitely:
        return True, None
    return is_locked(user), user.locked_until


def ensure_open(who: Claimant, settings: InstanceSettings, *, field: str) -> None:
    """Refuse with `user_locked` (and the minutes left) when this claimant may not try now."""
    if not settings.lockout_enabled:
        return
    locked, until = _lock_of(who)
    if locked:
        raise _refusal(until, field=field)


# --- counting --------------------------------------------------------------------------------


def _window(settings: InstanceSettings) -> int:
    return int(timedelta(minutes=settings.lockout_duration_minutes).total_seconds()) + 60


#: The memo's note of a count whose first place this request's check took (clear_count).
_FIRST_PLACE = "lockout-first-place"


def _identifier_prefix(identifier: str) -> str:
    digest = hashlib.sha256(identifier.strip().lower().encode()).hexdigest()[:32]
    return f"authflows:lockout:identifier:{digest}"


def _count_key(who: Claimant) -> str:
    """The count a claimant's attempts take places in. A lock that ended starts a new count
    (the key names the end of the last lock); requests that read the claimant before the lock
    was written still count against the old, full one."""
    _locked, until = _lock_of(who)
    epoch = int(until.timestamp()) if until else 0
    if who.user is None:
        return f"{_identifier_prefix(who.identifier)}:count:{epoch}"
    generation = who.user.lockout_generation  # read with the user's row
    if who.trusted:
        return f"authflows:lockout:{generation}:device:{who.user.pk}:{who.client_id}:{epoch}"
    return f"authflows:lockout:{generation}:user:{who.user.pk}:{epoch}"


def reserve(
    who: Claimant, settings: InstanceSettings, *, field: str, memo: dict[str, object]
) -> Hold:
    """Take a place in the claimant's count before its secret is checked; refuse with
    `user_locked` when it is locked or every place up to the maximum is taken."""
    if not settings.lockout_enabled or (who.user is None and not settings.strict_enumeration):
        return Hold()
    ensure_open(who, settings, field=field)
    key = _count_key(who)
    number = counters.count(key, timeout=_window(settings))
    if number > settings.lockout_max_attempts:
        # Every place is taken by failures or checks in flight: answered as locked (the
        # failure that reaches the maximum writes the lock itself).
        release(Hold(key, number))
        raise _refusal(_lock_end(settings), field=field)
    memo[_FIRST_PLACE] = key if number == 1 else ""  # the request's latest check decides
    return Hold(key, number)


def _lock_end(settings: InstanceSettings) -> datetime | None:
    """When a lock made now ends; None when the Dashboard locks indefinitely."""
    if settings.lockout_indefinite:
        return None
    return clock.now() + timedelta(minutes=settings.lockout_duration_minutes)


def release(hold: Hold, *counted: str) -> None:
    """The check was right (or never made): give the place back, and the places the same
    check took in other counters (a rate limit's key from ratelimit.hit), in one round trip."""
    counters.uncount(hold.count_key, *counted)


def fail(who: Claimant, hold: Hold, settings: InstanceSettings) -> bool:
    """The secret was wrong: its place stays taken. At the maximum, lock; True when this
    failure locked the user's account (exactly one of simultaneous failures does, so the owner
    gets one notice)."""
    if not hold.count_key or hold.number < settings.lockout_max_attempts:
        return False
    until = _lock_end(settings)
    if who.user is None:
        timeout = _window(settings) if until else None
        lock_key = f"{_identifier_prefix(who.identifier)}:lock"
        cache.set(lock_key, (until or INDEFINITE).isoformat(), timeout=timeout)
        return False
    if who.trusted and who.client_id is not None:
        device = TrustedClient.objects.filter(user=who.user, client_id=who.client_id)
        _unlocked(device).update(locked_until=until or INDEFINITE)
        return False
    return _lock_user(who.user, until)


def _unlocked(queryset: QuerySet[_Lockable]) -> QuerySet[_Lockable]:
    return queryset.filter(Q(locked_until__isnull=True) | Q(locked_until__lte=clock.now()))


def _lock_user(user: User, until: datetime | None) -> bool:
    updates: dict[str, object] = (
        {"locked_indefinitely": True} if until is None else {"locked_until": until}
    )
    won = _unlocked(User.objects.filter(pk=user.pk, locked_indefinitely=False)).update(**updates)
    if won:
        for name, value in updates.items():
            setattr(user, name, value)
    return bool(won)


def clear_count(who: Claimant, memo: dict[str, object]) -> None:
    """A sign-in completed from this client: its earlier failures are forgotten. When this
    request's check took the count's first place (and gave it back), the count held nothing to
    forget, and no round trip is spent; a failure counted meanwhile by another request stays."""
    if who.user is None:
        return
    key = _count_key(who)
    if memo.get(_FIRST_PLACE) != key:
        cache.delete(key)


def unlock(user: User) -> None:
    """Lift every lock and count of the user (the admin's "Unlock"): the account's lock, every
    device's own lock, and every count (a new generation orphans them all)."""
    User.objects.filter(pk=user.pk).update(
        locked_until=None,
        locked_indefinitely=False,
        lockout_generation=F("lockout_generation") + 1,
    )
    TrustedClient.objects.filter(user=user).update(locked_until=None)
    user.locked_until, user.locked_indefinitely = None, False
    user.lockout_generation += 1
