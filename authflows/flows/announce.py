"""The Django signals of authflows/signals.py, sent when a flow records the matching audit
event: every signal has exactly one place it is sent from (here, called by gate.record()),
and every one has its audit row."""

from __future__ import annotations

from collections.abc import Callable

from django.dispatch import Signal

from authflows import signals
from authflows.context import FlowContext
from authflows.models import AuthEvent, User

Kind = AuthEvent.Kind
Arguments = Callable[[dict[str, object]], dict[str, object]]


def _keep(*names: str) -> Arguments:
    return lambda data: {name: data.get(name) for name in names}


def _fixed(**values: object) -> Arguments:
    return lambda data: dict(values)


def _mfa(enabled: bool) -> Arguments:
    return lambda data: {"strategy": data.get("strategy"), "enabled": enabled}


#: audit event -> (signal, its extra arguments from the event's data)
SIGNALS: dict[str, tuple[Signal, Arguments]] = {
    Kind.USER_CREATED: (signals.user_created, _keep("via")),
    Kind.USER_UPDATED: (signals.user_updated, _keep("fields")),
    Kind.PASSWORD_CHANGED: (signals.user_updated, _fixed(fields=["password"])),
    Kind.PASSWORD_RESET: (signals.user_updated, _fixed(fields=["password"])),
    Kind.USER_DELETED: (signals.user_deleted, _keep("user_id", "pseudonym")),
    Kind.SIGN_IN_SUCCEEDED: (signals.user_signed_in, _keep("strategy")),
    Kind.SIGN_OUT: (signals.user_signed_out, _fixed()),
    Kind.IDENTIFICATION_ADDED: (
        signals.identification_added,
        _keep("identification_id", "identification_type", "identifier"),
    ),
    Kind.IDENTIFICATION_REMOVED: (
        signals.identification_removed,
        _keep("identification_id", "identification_type", "identifier"),
    ),
    Kind.MFA_ENABLED: (signals.mfa_changed, _mfa(True)),
    Kind.MFA_DISABLED: (signals.mfa_changed, _mfa(False)),
    Kind.BACKUP_CODES_CREATED: (signals.mfa_changed, _fixed(strategy="backup_code", enabled=True)),
}


def send(
    ctx: FlowContext | None, kind: str, *, user: User | None, actor: str, data: dict[str, object]
) -> None:
    """Send the signal of an audit event, if it has one."""
    found = SIGNALS.get(kind)
    if found is None:
        return
    signal, arguments = found
    signal.send(sender=User, user=user, context=ctx, actor=actor, **arguments(data))
