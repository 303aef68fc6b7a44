"""A user's email addresses and phone numbers (Clerk's EmailAddress and PhoneNumber objects).

Each address is a row: its value normalised once (authflows/identifiers.py), whether it is
verified and since when, whether it is the primary one of its kind, and a stable public id
(`idn_...`) that APIs and factors refer to. An address belongs to one account once it is
verified or primary (a partial unique index): of two users verifying one address at the same
moment, the database lets exactly one through.

`User.email` and `User.phone` are the primary ones, so sign-in, client trust and notices read
one column. sync_primary() keeps the rows in step with those columns; User.save() calls it
whenever they change, so a change made anywhere (a flow, the admin) reaches the rows.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _

from authflows import clock

if TYPE_CHECKING:
    from authflows.models.user import User

PUBLIC_ID_PREFIX = "idn_"
_PUBLIC_ID_CHARS = string.ascii_letters + string.digits
#: A row that reserves its value for one account: verified, or the account's primary.
CLAIMED = Q(verified=True) | Q(primary=True)


def new_public_id() -> str:
    """A stable public id like Clerk's: `idn_` and 27 random letters and digits."""
    return PUBLIC_ID_PREFIX + get_random_string(27, _PUBLIC_ID_CHARS)


class Identification(models.Model):
    """What email addresses and phone numbers share."""

    #: The value's column (email_address, phone_number) and the User column of the primary.
    value_field: ClassVar[str] = ""
    user_field: ClassVar[str] = ""

    public_id = models.CharField(
        _("id"), max_length=40, unique=True, default=new_public_id, editable=False
    )
    verified = models.BooleanField(_("verified"), default=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    primary = models.BooleanField(_("primary"), default=False)
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    updated_at = models.DateTimeField(_("updated at"), default=clock.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.value

    @property
    def value(self) -> str:
        return str(getattr(self, self.value_field))

    @property
    def kind(self) -> str:
        """Clerk's object name: email_address or phone_number."""
        return self.value_field


class EmailAddress(Identification):
    value_field = "email_address"
    user_field = "email"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_addresses"
    )
    email_address = models.CharField(_("email address"), max_length=254)

    class Meta:
        verbose_name = _("email address")
        verbose_name_plural = _("email addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "email_address"], name="email_address_once_per_user"
            ),
            # One account per address once it is verified or primary.
            models.UniqueConstraint(
                fields=["email_address"], condition=CLAIMED, name="email_address_claimed_once"
            ),
            models.UniqueConstraint(
                fields=["user"], condition=Q(primary=True), name="email_address_one_primary"
            ),
        ]


class PhoneNumber(Identification):
    value_field = "phone_number"
    user_field = "phone"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="phone_numbers"
    )
    phone_number = models.CharField(_("phone number"), max_length=20)
    reserved_for_second_factor = models.BooleanField(
        _("reserved for MFA"),
        default=False,
        help_text=_("Receives MFA codes only: never used to sign in, never primary."),
    )

    class Meta:
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "phone_number"], name="phone_number_once_per_user"
            ),
            models.UniqueConstraint(
                fields=["phone_number"], condition=CLAIMED, name="phone_number_claimed_once"
            ),
            models.UniqueConstraint(
                fields=["user"], condition=Q(primary=True), name="phone_number_one_primary"
            ),
        ]


IdentificationModel = type[EmailAddress] | type[PhoneNumber]
IDENTIFICATION_MODELS: tuple[IdentificationModel, ...] = (EmailAddress, PhoneNumber)


def sync_primary(user: User, *, adding: bool) -> None:
    """Make the user's rows agree with `User.email` / `User.phone` and their verified flags.

    The primary value gets a row (created, or the existing one promoted) marked primary and
    verified as the user column says; any other primary row of that kind becomes secondary
    (it stays on the account). An emptied column leaves no primary of its kind."""
    for model in IDENTIFICATION_MODELS:
        value = getattr(user, model.user_field)
        verified = bool(getattr(user, f"{model.user_field}_verified"))
        if adding:
            if value:
                _create_primary(model, user, value, verified=verified)
            continue
        rows = model.objects.filter(user=user)
        demoted = rows.filter(primary=True)
        if value:
            demoted = demoted.exclude(**{model.value_field: value})
        demoted.update(primary=False, updated_at=clock.now())
        if value:
            _promote(model, user, value, verified=verified)


def add_primary_rows(users: Iterable[User]) -> None:
    """The primary rows of users saved without User.save() (bulk_create, an import): one
    row per email address and phone number column that is set, verified as the user's
    flags say. Sign-in finds people through these rows only."""
    now, users = clock.now(), list(users)
    for model in IDENTIFICATION_MODELS:
        rows: list[Any] = []  # rows of this model
        for user in users:
            value = getattr(user, model.user_field)
            verified = bool(getattr(user, f"{model.user_field}_verified"))
            if value:
                at = now if verified else None
                row = model(user=user, primary=True, verified=verified, verified_at=at)
                setattr(row, model.value_field, value)
                rows.append(row)
        model.objects.bulk_create(rows, batch_size=500)


def _create_primary(model: IdentificationModel, user: User, value: str, *, verified: bool) -> None:
    now = clock.now()
    fields: dict[str, Any] = {model.value_field: value}
    model.objects.create(
        user=user, primary=True, verified=verified, verified_at=now if verified else None, **fields
    )


def _promote(model: IdentificationModel, user: User, value: str, *, verified: bool) -> None:
    now = clock.now()
    row = model.objects.filter(user=user, **{model.value_field: value}).first()
    if row is None:
        _create_primary(model, user, value, verified=verified)
        return
    changes: dict[str, Any] = {"primary": True, "verified": verified, "updated_at": now}
    if verified and not row.verified:
        changes["verified_at"] = now
    if not verified:
        changes["verified_at"] = None
    if row.primary and row.verified == verified:
        return
    model.objects.filter(pk=row.pk).update(**changes)
