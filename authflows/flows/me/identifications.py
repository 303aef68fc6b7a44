"""A user's email addresses and phone numbers: add, verify, make primary, remove (Clerk's
user.createEmailAddress / createPhoneNumber, prepareVerification, attemptVerification,
setPrimary, destroy).

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

from django.db import IntegrityError, transaction
from django.urls import reverse

from authflows import clock
from authflows.context import FlowContext
from authflows.db import insert_once
from authflows.errors import FlowError
from authflows.factors import Challenge, FactorContext, Outcome, codes, get_factor
from authflows.factors.code_factors import open_link
from authflows.flows import gate, notices, reverify
from authflows.flows.gate import Secret
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
    if not ctx.settings.strict_enumeration and _owner(kind, value, user) is not None:
        raise FlowError("form_identifier_exists", field=kind.name)
    fields: dict[str, object] = {kind.model.value_field: value}
    if kind is PHONE:
        fields["reserved_for_second_factor"] = reserved
    row = kind.model(user=user, **fields)
    if not insert_once(row):  # the same address added at the same moment (a double submit)
        return kind.model.objects.get(user=user, **{kind.model.value_field: value})
    return row


def _owner(kind: Kind, value: str, user: User) -> User | None:
    """Another account this address belongs to (verified or primary there), if any."""
    rows = kind.model.objects.filter(CLAIMED, **{kind.model.value_field: value})
    owner_ids = rows.exclude(user=user).values("user_id")
    return User.objects.filter(pk__in=owner_ids).only("pk", "locale").first()


# --- verifying -------------------------------------------------------------------------------


def _factor_context(ctx: FlowContext, user: User, row: Identification) -> FactorContext:
    """Codes for adding an address belong to the user (no sign-in or sign-up attempt) and
    spend the signed-in user's proven message budget."""
    return FactorContext(
        user=user,
        settings=ctx.settings,
        purpose=Verification.Purpose.IDENTIFICATION,
        target=row.value,
        allow_send=gate.send_budget(ctx, proven=True, attempt_key=f"user {user.pk}"),
        link_base=ctx.link(reverse("authflows:email-address-link")),
        locale=user.locale,
        about=notices.about_request(ctx),
    )


def prepare(
    ctx: FlowContext, user: User, row: Identification, *, resend: bool = False
) -> Challenge:
    """Send the code or link that verifies the address (prepareVerification). On arrival a
    live code is kept; "I need a new code" replaces it after the cool-down."""
    if row.verified:
        raise FlowError("verification_missing", field="code")
    kind = kind_of(row)
    strategy = strategy_for(ctx.settings, kind)
    if resend:
        gate.throttle(ctx, "code_send")
    factor_ctx = _factor_context(ctx, user, row)
    owner = _owner(kind, row.value, user)
    if owner is not None and not ctx.settings.strict_enumeration:
        raise FlowError("form_identifier_exists", field="code")
    if owner is not None:
        challenge = _notify_owner(ctx, factor_ctx, strategy, owner=owner, resend=resend)
    else:
        challenge = get_factor(strategy).prepare(factor_ctx, resend=resend)
    if challenge.sent:
        gate.record(
            ctx, AuthEvent.Kind.CODE_SENT, user=user, strategy=strategy, purpose=factor_ctx.purpose
        )
    if resend and challenge.throttled:
        raise FlowError(
            "verification_code_too_many_requests", field="code", seconds=challenge.retry_after
        )
    return challenge


def _notify_owner(
    ctx: FlowContext, factor_ctx: FactorContext, strategy: Strategy, *, owner: User, resend: bool
) -> Challenge:
    """Strict enumeration protection: arm a code as usual (same cool-down, same answers; no
    one ever sees it, so the address can't be verified here) and tell the owner instead."""
    challenge, secret = codes.issue(
        factor_ctx,
        strategy=strategy,
        target=factor_ctx.target,
        link=strategy is Strategy.EMAIL_LINK,
        resend=resend,
    )
    if secret:
        phone = strategy is Strategy.PHONE_CODE
        notices.identification_claimed(ctx, target=factor_ctx.target, phone=phone, owner=owner)
    return challenge


def cooldown(ctx: FlowContext, user: User, row: Identification) -> Challenge | None:
    """The live code's cool-down, without sending (a page shown again after a refusal)."""
    strategy = strategy_for(ctx.settings, kind_of(row))
    challenge = codes.cooldown(_factor_context(ctx, user, row), strategy)
    live = challenge and challenge.verification and challenge.verification.target == row.value
    return challenge if live else None


def verify(ctx: FlowContext, user: User, row: Identification, code: str) -> None:
    """Check the code sent to the address (attemptVerification). A wrong code guesses no
    secret of the account (the code went to the new address): it counts per IP and against
    the code's own tries, not toward the account's lock."""
    if row.verified:
        raise FlowError("verification_missing", field="code")
    strategy = strategy_for(ctx.settings, kind_of(row))
    if strategy is Strategy.EMAIL_LINK:
        raise FlowError("strategy_for_user_invalid", field="code")
    factor_ctx = _factor_context(ctx, user, row)

    def check() -> Outcome:
        verification = codes.find_verification(factor_ctx, strategy)
        if verification is None or verification.target != row.value:
            return Outcome.MISSING if not code.strip() else Outcome.NOT_PREPARED
        return codes.check_code(verification, code)

    gate.check(ctx, gate.claimant(ctx, user), Secret(strategy, account=False), check)
    mark_verified(ctx, user, row)


def land(ctx: FlowContext, token: str) -> tuple[bool, str]:
    """The emailed link's Continue button, in any browser: the link proves the mailbox, so
    it verifies the address there. Returns (verified, the refusal's error code)."""
    gate.throttle(ctx, "factor_attempt")
    outcome, verification = open_link(token)
    if not outcome.ok or verification is None:
        return False, outcome.error_code
    if verification.purpose != Verification.Purpose.IDENTIFICATION or verification.user is None:
        return False, Outcome.INCORRECT.error_code
    user = verification.user
    row = EmailAddress.objects.filter(user=user, email_address=verification.target).first()
    if row is None or not codes.consume(verification).ok:
        return False, Outcome.INCORRECT.error_code
    try:
        mark_verified(ctx, user, row)
    except FlowError as error:
        return False, error.code
    return True, ""


def mark_verified(ctx: FlowContext, user: User, row: Identification) -> None:
    """The address is the user's now. Conditional, under the unique index: of two accounts
    verifying one address at the same moment exactly one wins; the other is told it is taken.
    The first verified address of its kind becomes the primary one."""
    kind = kind_of(row)
    now = clock.now()
    try:
        with transaction.atomic():
            won = kind.model.objects.filter(pk=row.pk, verified=False).update(
                verified=True, verified_at=now, updated_at=now
            )
    except IntegrityError as exc:
        raise FlowError("form_identifier_exists", field="code") from exc
    if not won:
        return
    row.verified, row.verified_at = True, now
    _record(ctx, user, row, AuthEvent.Kind.IDENTIFICATION_ADDED)
    _lock(user)
    if row.primary:  # the primary address, unverified until now
        _set_primary(ctx, user, kind, row.value, change=f"{kind.column}_verified")
    elif not getattr(user, kind.column) and not _reserved(row):
        _set_primary(ctx, user, kind, row.value)


# --- primary and removal ---------------------------------------------------------------------


def make_primary(ctx: FlowContext, user: User, row: Identification) -> None:
    """setPrimary(): sign-in notices, client trust and codes use this address from now on;
    the old primary one stays on the account and is told."""
    _require_recent(ctx)
    if not row.verified:
        raise FlowError("identification_not_verified")
    if _reserved(row):
        raise FlowError("identification_reserved_for_second_factor")
    _lock(user)
    kind = kind_of(row)
    old = getattr(user, kind.column) or ""
    if old == row.value:
        return
    _set_primary(ctx, user, kind, row.value)
    if old:
        notices.primary_changed(ctx, user, old=old, new=row.value, phone=kind is PHONE)


def remove(ctx: FlowContext, user: User, row: Identification) -> None:
    """destroy(): a pending address goes at once; a verified one after a recent proof of
    identity, and never the last way to sign in, an address the Dashboard requires, or the
    primary one while others of its kind could take over."""
    claimed = row.verified or row.primary  # it signs in
    if claimed:
        _require_recent(ctx)
    _lock(user)
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
        _record(ctx, user, row, AuthEvent.Kind.IDENTIFICATION_REMOVED)
    if row.primary:
        _set_primary(ctx, user, kind, None)


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
    _record(ctx, user, row, AuthEvent.Kind.IDENTIFICATION_REMOVED, actor=actor)
    if row.primary:
        _set_primary(ctx, user, kind, None, actor=actor)


# --- shared ----------------------------------------------------------------------------------


def _reserved(row: Identification) -> bool:
    """A phone number for MFA codes only: it never signs in and is never primary."""
    return isinstance(row, PhoneNumber) and row.reserved_for_second_factor


def _require_recent(ctx: FlowContext) -> None:
    if not reverify.is_recent(ctx):
        raise FlowError("reverification_required")


def _lock(user: User) -> None:
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


def _set_primary(
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


def _record(
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
