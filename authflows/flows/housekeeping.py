"""Rows nobody will use again, deleted on a schedule the product runs itself (the Procfile's
`scheduler`, `manage.py maintenance`), within the Dashboard's retention settings:

- sign-ups left for a day are abandoned at once (their password hash is dropped), and deleted
  after the Dashboard's retention for abandoned sign-ups;
- sign-in attempts (and their codes) a day after they expired;
- account and reverification codes a day after they expired;
- sessions past their expiry;
- clients (browsers) not seen for the client cookie's lifetime, with their trust;
- audit events older than the Dashboard's audit retention;
- the development outbox's copies after a day;
- passkey challenges a day after they expired.
- round trips to identity providers a day after they expired, and the record of a used SAML
  assertion a day after the assertion itself expired.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta

from django.db.models import Model

from authflows import clock
from authflows.app_settings import app_settings
from authflows.flows.sign_up.attempts import abandon_stale
from authflows.models import (
    AuthEvent,
    Client,
    InstanceSettings,
    OutboxMessage,
    PasskeyChallenge,
    SAMLAssertionUse,
    SignInAttempt,
    SignUpAttempt,
    SignUpStatus,
    SSOState,
    UserSession,
    Verification,
)

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Pruned:
    abandoned_sign_ups: int = 0
    sign_ups: int = 0
    sign_in_attempts: int = 0
    verifications: int = 0
    sessions: int = 0
    clients: int = 0
    audit_events: int = 0
    outbox: int = 0
    passkey_challenges: int = 0
    sso_states: int = 0
    saml_assertions: int = 0

    def __str__(self) -> str:
        return ", ".join(
            f"{name.replace('_', ' ')}: {count}" for name, count in asdict(self).items()
        )


def clear_expired_attempts() -> int:
    """Delete sign-in attempts (and their verifications) that expired over a day ago."""
    deleted, _ = SignInAttempt.objects.filter(expires_at__lt=clock.now() - DAY).delete()
    return deleted


def _deleted(count: tuple[int, dict[str, int]], model: type[Model]) -> int:
    return count[1].get(model._meta.label, 0)


def prune() -> Pruned:
    settings = InstanceSettings.load()
    now = clock.now()
    abandoned = abandon_stale()
    old_sign_ups = now - timedelta(days=settings.abandoned_sign_up_retention_days)
    return Pruned(
        abandoned_sign_ups=abandoned,
        sign_ups=_deleted(
            SignUpAttempt.objects.filter(
                status=SignUpStatus.ABANDONED, updated_at__lt=old_sign_ups
            ).delete(),
            SignUpAttempt,
        ),
        sign_in_attempts=clear_expired_attempts(),
        verifications=_deleted(
            Verification.objects.filter(
                sign_in=None, sign_up=None, expires_at__lt=now - DAY
            ).delete(),
            Verification,
        ),
        sessions=_deleted(UserSession.objects.filter(expire_date__lt=now).delete(), UserSession),
        clients=_deleted(
            Client.objects.filter(
                last_active_at__lt=now - timedelta(seconds=app_settings.CLIENT_COOKIE_AGE)
            ).delete(),
            Client,
        ),
        audit_events=_deleted(
            AuthEvent.objects.filter(
                created_at__lt=now - timedelta(days=settings.audit_retention_days)
            ).delete(),
            AuthEvent,
        ),
        outbox=_deleted(
            OutboxMessage.objects.filter(created_at__lt=now - DAY).delete(), OutboxMessage
        ),
        passkey_challenges=_deleted(
            PasskeyChallenge.objects.filter(expires_at__lt=now - DAY).delete(), PasskeyChallenge
        ),
        sso_states=_deleted(SSOState.objects.filter(expires_at__lt=now - DAY).delete(), SSOState),
        saml_assertions=_deleted(
            SAMLAssertionUse.objects.filter(expires_at__lt=now - DAY).delete(), SAMLAssertionUse
        ),
    )
