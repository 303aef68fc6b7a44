"""Lockout: too many failed factor attempts lock the user for a while (Dashboard settings)."""

from __future__ import annotations

import math
from datetime import timedelta

from django.db.models import F

from authflows import clock
from authflows.flows.errors import FlowError
from authflows.models import InstanceSettings, User


def ensure_not_locked(user: User, settings: InstanceSettings, *, field: str = "identifier") -> None:
    if not settings.lockout_enabled:
        return
    if user.locked_indefinitely:
        raise FlowError("user_locked_indefinitely", field=field)
    if user.locked_until and user.locked_until > clock.now():
        minutes = math.ceil((user.locked_until - clock.now()).total_seconds() / 60)
        raise FlowError("user_locked", field=field, minutes=minutes)


def record_failure(user: User, settings: InstanceSettings) -> bool:
    """Count a failed attempt; lock the user when the count reaches the maximum.

    Returns True when this failure locked the user.
    """
    if not settings.lockout_enabled:
        return False
    User.objects.filter(pk=user.pk).update(failed_attempts=F("failed_attempts") + 1)
    user.failed_attempts = User.objects.values_list("failed_attempts", flat=True).get(pk=user.pk)
    if user.failed_attempts < settings.lockout_max_attempts:
        return False
    if settings.lockout_indefinite:
        updates = {"locked_indefinitely": True}
    else:
        updates = {
            "locked_until": clock.now() + timedelta(minutes=settings.lockout_duration_minutes)
        }
    User.objects.filter(pk=user.pk).update(failed_attempts=0, **updates)
    for name, value in updates.items():
        setattr(user, name, value)
    return True


def unlock(user: User) -> None:
    User.objects.filter(pk=user.pk).update(
        failed_attempts=0, locked_until=None, locked_indefinitely=False
    )
    user.failed_attempts, user.locked_until, user.locked_indefinitely = 0, None, False
