"""The one place authflows reads the time, so tests can move it."""

from datetime import datetime, timedelta

from django.utils import timezone

_offset_seconds: float = 0.0


def now() -> datetime:
    if _offset_seconds:
        return timezone.now() + timedelta(seconds=_offset_seconds)
    return timezone.now()


def advance(seconds: float) -> None:
    """Move the clock forward (tests only)."""
    global _offset_seconds
    _offset_seconds += seconds


def reset() -> None:
    global _offset_seconds
    _offset_seconds = 0.0
