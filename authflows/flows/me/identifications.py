"""A user's email addresses and phone numbers: add, make primary, remove (Clerk's
user.createEmailAddress / createPhoneNumber, setPrimary, destroy); verifying one is
flows/me/verifying.py.

- Adding sends a code (or, for email when the Dashboard verifies by link, a link) to the new
  address, spending the signed-in user's proven message budget (gate.send_budget).
- Strict enumeration protection: an address that belongs to another account gets the same
  answers and the same work as a free one; its owner gets a notice instead of a code, so it
  can never be verified here. Standard protection says it is taken.
- Making an address primary and removing a verified one need a recent proof of identity
  (flows/reverify.py); the old primary address is told when the primary changes.
- The last way to sign in can never be removed, nor an address the Dashboard requires.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from authflows.context import FlowContext
from authflows.db import insert_once
from authflows.errors import FlowError
from authflows.flows import gate, notices, reverify
from authflows.identifiers import clean_email, clean_phone
from authflows.models import (
    AuthEvent,
    EmailAddress,
    InstanceSettings,
    PhoneNumber,
    User,
    Verification,
)
from authflows.models.identification import CLAIMED, IdentificationModel
from authflows.strategies import Strategy

Identification = EmailAddress | PhoneNumber
#: Addresses of one kind an account may hold (pending ones included).
MAX_PER_KIND = 10


@dataclass(frozen=True)
class Kind:
    """Email addresses or phone numbers: their model, the identifier kind they sign in as,
    and the user columns of the primary one."""

    name: str  # Clerk's object name: email_address, phone_number
    model: IdentificationModel
    sign_in: str  # the identifier kind: email, phone
    column: str  # User.email, User.phone

    @property
    def url_name(self) -> str:
        return f"authflows:{self.name.replace('_', '-')}"

    def url(self, row: Identification) -> str:
        return reverse(self.url_name, args=[row.public_id])


EMAIL = Kind("email_address", EmailAddress, "email", "email")
PHONE = Kind("phone_number", PhoneNumber, "phone", "phone")
KINDS = {kind.name: kind for kind in (EMAIL, PHONE)}


def kind_of(row: Identification) -> Kind:
    return PHONE if isinstance(row, PhoneNumber) else EMAIL


def is_enabled(settings: InstanceSettings, kind: Kind) -> bool:
    """Whether the Dashboard uses this kind of address at all."""
    if kind is EMAIL:
        return settings.email_enabled
    return settings.phone_sign_up or settings.phone_sign_in


def listing(user: User, kind: Kind) -> list[Identification]:
    """The user's addresses of one kind: the primary first, then verified ones, oldest first."""
    rows = kind.model.objects.filter(user=user).order_by("-primary", "-verified", "created_at")
    return list(rows)


def find(user: User, kind: Kind, public_id: str) -> Identification:
    row = kind.model.objects.filter(user=user, public_id=public_id[:40]).first()
    if row is None:
        raise FlowError("resource_not_found")
    return row


def strategy_for(settings: InstanceSettings, kind: Kind) -> Strategy:
    if kind is PHONE:
        return Strategy.PHONE_CODE
    link = settings.email_verification == InstanceSettings.EmailVerification.LINK
    return Strategy.EMAIL_LINK if link else Strategy.EMAIL_CODE


# --- adding ----------------------------------------------------------------------------------


def add(
    ctx: FlowContext, user: User, kind: Kind, raw: str, *, reserved: bool = False
) -> Identification:
    """Add an unverified address (createEmailAddress / createPhoneNumber); the page of the
    returned row sends its code. An address the user already has pending is returned as is."""
    if not is_enabled(ctx.settings, kind):
        raise FlowError("strategy_for_user_invalid", field=kind.name)
    if not (raw or "").strip():
        raise FlowError("form_param_missing", field=kind.name)
    clean = clean_phone if kind is PHONE else clean_email
    value = clean(raw, field=kind.name)
    own = kind.model.objects.filter(user=user, **{kind.model.value_field: value}).first()
    if own is not None:
        if own.verified:
            raise FlowError("form_identifier_exists", field=kind.name)
        return own
    if kind.model.objects.filter(user=user).count() >= MAX_PER_KIND:
        raise FlowError("too_many_identifications", field=kind.name, max=MAX_PER_KIND)
    if not ctx.settings.strict_enumeration and other_owner(kind, value, user) is not None:
        raise FlowError("form_identifier_exists", field=kind.name)
    fields: dict[str, object] = {kind.model.value_field: value}
    if kind is PHONE:
        fields["reserved_for_second_factor"] = reserved
    row = kind.model(user=user, **fields)
    if not insert_once(row):  # the same address added at the same moment (a double submit)
        return kind.model.objects.get(user=user, **{kind.model.value_field: value})
    return row


def other_owner(kind: Kind, value: str, user: User) -> User | None:
    """Another account this address belongs to (verified or primary there), if any."""
    rows = kind.model.objects.filter(CLAIMED, **{kind.model.value_field: value})
    owner_ids = rows.exclude(user=user).values("user_id")
    return User.objects.filter(pk__in=owner_ids).only("pk", "locale").first()


# --- primary and removal ---------------------------------------------------------------------


def make_primary(ctx: FlowContext, user: User, row: Identification) -> None:
    """setPrimary(): sign-in notices, client trust and codes use this address from now on;
    the old primary one stays on the account and is told."""
    _require_recent(ctx)
    if not row.verified:
        raise FlowError("identification_not_verified")
    if is_reserved(row):
        raise FlowError("identification_reserved_for_second_factor")
    lock_account(user)
    kind = kind_of(row)
    old = getattr(user, kind.column) or ""
    if old == row.value:
        return
    set_primary(ctx, user, kind, row.value)
    if old:
        notices.primary_changed(ctx, user, old=old, new=row.value, phone=kind is PHONE)


def remove(ctx: FlowContext, user: User, row: Identification) -> None:
    """destroy(): a pending address goes at once; a verified one after a recent proof of
    identity, and never the last way to sign in, an address the Dashboard requires, or the
    primary one while others of its kind could take over."""
    claimed = row.verified or row.primary  # it signs in
    if claimed:
        _require_recent(ctx)
    lock_account(user)
    kind = kind_of(row)
    if row.primary:
        _check_primary_removable(ctx, user, row, kind)
    elif claimed and not can_sign_in_without(user, ctx.settings, row):
        raise FlowError("identification_deletion_not_allowed", message_key="last_identification")
    kind.model.objects.filter(pk=row.pk).delete()
    Verification.objects.filter(
        user=user, purpose=Verification.Purpose.IDENTIFICATION, target=row.value
    ).delete()
    if claimed:
        record_change(ctx, user, row, AuthEvent.Kind.IDENTIFICATION_REMOVED)
    if row.primary:
        set_primary(ctx, user, kind, None)


def _check_primary_removable(ctx: FlowContext, user: User, row: Identification, kind: Kind) -> None:
    others = kind.model.objects.filter(user=user, verified=True).exclude(pk=row.pk)
    if others.exists():
        raise FlowError("identification_deletion_not_allowed", message_key="primary_identification")
    required = ctx.settings.email_required if kind is EMAIL else ctx.settings.phone_required
    if required:
        raise FlowError("identification_deletion_not_allowed", message_key=f"required_{kind.name}")
    if not can_sign_in_without(user, ctx.settings, row):
        raise FlowError("identification_deletion_not_allowed", message_key="last_identification")


def can_sign_in_without(
    user: User,
    settings: InstanceSettings,
    row: Identification | None = None,
    *,
    username: bool = False,
) -> bool:
    """Whether the user still has a way to sign in (an identifier the Dashboard signs in
    with, and a factor for it) once `row` (or, with username=True, the username) is gone."""
    password = settings.password_enabled and user.has_usable_password()
    passwordless = settings.passwordless_strategies()
    kinds = settings.sign_in_identifier_kinds()
    left = {
        "email": EmailAddress.objects.filter(CLAIMED, user=user),
        "phone": PhoneNumber.objects.filter(CLAIMED, user=user, reserved_for_second_factor=False),
    }
    for name, rows in left.items():
        if name not in kinds or not (
            password or any(s.startswith(f"{name}_") for s in passwordless)
        ):
            continue
        if row is not None and kind_of(row).sign_in == name:
            rows = rows.exclude(pk=row.pk)
        if rows.exists():
            return True
    return bool("username" in kinds and user.username and not username and password)


def remove_by_admin(ctx: FlowContext | None, row: Identification, *, actor: str) -> None:
    """An admin takes an address off its account: no proof of identity and no last-way
    check (the admin decides); audited with the admin's name."""
    user = row.user
    kind = kind_of(row)
    kind.model.objects.filter(pk=row.pk).delete()
    Verification.objects.filter(
        user=user, purpose=Verification.Purpose.IDENTIFICATION, target=row.value
    ).delete()
    record_change(ctx, user, row, AuthEvent.Kind.IDENTIFICATION_REMOVED, actor=actor)
    if row.primary:
        set_primary(ctx, user, kind, None, actor=actor)


# --- shared ----------------------------------------------------------------------------------


def is_reserved(row: Identification) -> bool:
    """A phone number for MFA codes only: it never signs in and is never primary."""
    return isinstance(row, PhoneNumber) and row.reserved_for_second_factor


def _require_recent(ctx: FlowContext) -> None:
    if not reverify.is_recent(ctx):
        raise FlowError("reverification_required")


def lock_account(user: User) -> None:
    """Changes to one account's addresses run one after the other (the user row is locked
    for the request's transaction), and see its primary columns as they are now."""
    row = (
        User.objects.select_for_update()
        .filter(pk=user.pk)
        .values("email", "email_verified", "phone", "phone_verified")
        .get()
    )
    for name, value in row.items():
        setattr(user, name, value)
    user._saved_contacts = user._contacts()


def set_primary(
    ctx: FlowContext | None,
    user: User,
    kind: Kind,
    value: str | None,
    *,
    change: str = "",
    actor: str = "",
) -> None:
    """The user's primary column (its rows follow: models/identification.sync_primary)."""
    setattr(user, kind.column, value)
    setattr(user, f"{kind.column}_verified", value is not None)
    user.save(update_fields=[kind.column, f"{kind.column}_verified"])
    fields = [change or f"primary_{kind.name}"]
    gate.record(ctx, AuthEvent.Kind.USER_UPDATED, user=user, actor=actor, fields=fields)


def record_change(
    ctx: FlowContext | None, user: User, row: Identification, event: str, *, actor: str = ""
) -> None:
    gate.record(
        ctx,
        event,
        user=user,
        actor=actor,
        identifier=row.value,
        identification_id=row.public_id,
        identification_type=row.kind,
    )
