"""Rows nobody will use again: abandoned sign-ups and long-expired sign-in attempts."""

from __future__ import annotations

from datetime import timedelta

from authflows import clock
from authflows.flows.sign_up.attempts import abandon_stale
from authflows.models import SignInAttempt


def clear_expired_attempts() -> int:
    """Delete sign-in attempts (and their verifications) that expired over a day ago."""
    deleted, _ = SignInAttempt.objects.filter(
        expires_at__lt=clock.now() - timedelta(days=1)
    ).delete()
    return deleted


def clear_stale() -> tuple[int, int]:
    return abandon_stale(), clear_expired_attempts()
