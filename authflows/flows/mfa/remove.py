"""Removing MFA methods: the user's own (after re-entering the password) and the admin's reset."""

from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.flows import gate, reverify, users
from authflows.flows.mfa.methods import BACKUP, TOTP
from authflows.models import AuthEvent, BackupCode, PhoneMFA, User
from authflows.strategies import REAL_MFA, Strategy


def remove_method(ctx: FlowContext, user: User, *, method: Strategy, password: str) -> None:
    """Remove the authenticator app or SMS codes. A user with a password re-enters it; one
    without proves it's them again by a code first (reverification)."""
    methods = set(users.methods_of(user).enrolled)
    if method not in REAL_MFA or method not in methods:
        raise FlowError("strategy_for_user_invalid", field="__all__")
    # What a sign-in would still ask for: a passkey allowed as a second factor counts too.
    usable = set(users.methods_of(user).usable(ctx.settings)) - {BACKUP}
    if ctx.settings.mfa_required and not (usable - {method}):
        raise FlowError("second_factor_deletion_not_allowed", field="__all__")
    if user.has_usable_password():
        reverify.with_password(ctx, user, password)
    elif not reverify.is_recent(ctx):
        raise FlowError("reverification_required", field="__all__")
    _delete(user, method)
    gate.record(ctx, AuthEvent.Kind.MFA_DISABLED, user=user, strategy=method)
    if not methods - {method}:
        # Backup codes back up a real method; without one they would be a weak single factor.
        _delete_backup_codes(ctx, user)


def _delete(user: User, method: Strategy) -> None:
    users.forget_methods(user)
    if method is TOTP:
        TOTPDevice.objects.filter(user=user).delete()
    else:
        PhoneMFA.objects.filter(user=user).delete()


def _delete_backup_codes(ctx: FlowContext | None, user: User, actor: str = "") -> None:
    deleted, _ = BackupCode.objects.filter(user=user).delete()
    if deleted:
        gate.record(ctx, AuthEvent.Kind.MFA_DISABLED, user=user, actor=actor, strategy=BACKUP)


def reset_mfa(ctx: FlowContext | None, user: User, *, actor: str = "") -> bool:
    """Remove every MFA method of the user (the admin's "reset MFA"). True if any existed."""
    methods = users.methods_of(user).enrolled
    with transaction.atomic():
        for method in REAL_MFA:
            _delete(user, method)
        _delete_backup_codes(ctx, user, actor=actor)
    for method in methods:
        gate.record(ctx, AuthEvent.Kind.MFA_DISABLED, user=user, actor=actor, strategy=method)
    return bool(methods)
