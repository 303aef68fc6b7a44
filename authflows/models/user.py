from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from authflows import clock
from authflows.identifiers import normalize_email, normalize_phone, normalize_username
from authflows.models.identification import sync_primary

#: The columns of the primary email address and phone number (see models/identification.py).
CONTACT_FIELDS = ("email", "email_verified", "phone", "phone_verified")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(
        self, email: str | None = None, password: str | None = None, **fields: object
    ) -> User:
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> User:
        fields.update(is_staff=True, is_superuser=True, email_verified=True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, email: str | None) -> User:
        return self.get(email=normalize_email(email))


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(
        _("email address"), max_length=254, unique=True, null=True, blank=True
    )
    phone = models.CharField(
        _("phone number"),
        max_length=20,
        unique=True,
        null=True,
        blank=True,
        help_text=_("E.164, e.g. +14155550100"),
    )
    username = models.CharField(_("username"), max_length=64, unique=True, null=True, blank=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    email_verified = models.BooleanField(_("email verified"), default=False)
    phone_verified = models.BooleanField(_("phone verified"), default=False)
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=clock.now)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    locked_indefinitely = models.BooleanField(_("locked indefinitely"), default=False)
    #: Names the user's lockout counts; an admin's unlock moves it on, which orphans them all.
    lockout_generation = models.PositiveIntegerField(default=0, editable=False)
    locale = models.CharField(
        _("language"), max_length=16, blank=True, help_text=_("for emails and text messages")
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    # Read along by the sign-in lookup (flows/users.py), not columns: whether the asking
    # client is trusted for this user, and that device's own lock.
    is_trusted_client: bool = False
    trust_locked_until: datetime | None = None
    # The primary email address and phone number as last read or saved (see save()).
    _saved_contacts: tuple[object, ...] | None = None

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.identifier

    @property
    def identifier(self) -> str:
        return self.email or self.phone or self.username or f"user {self.pk}"

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> User:
        user = super().from_db(db, field_names, values)
        user._saved_contacts = user._contacts()
        return user

    def _contacts(self) -> tuple[object, ...]:
        # Read from __dict__: a deferred column is not loaded just to compare it.
        return tuple(self.__dict__.get(name) for name in CONTACT_FIELDS)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = normalize_email(self.email)
        self.username = normalize_username(self.username)
        if self.phone:
            self.phone = normalize_phone(self.phone)
        else:
            self.phone = None
        adding = self._state.adding
        update_fields = kwargs.get("update_fields")
        touched = update_fields is None or bool(set(update_fields) & set(CONTACT_FIELDS))
        changed = adding or self._contacts() != getattr(self, "_saved_contacts", None)
        super().save(*args, **kwargs)
        if touched and changed:
            # The one place the email-address and phone-number rows follow these columns.
            sync_primary(self, adding=adding)
        self._saved_contacts = self._contacts()

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.identifier

    def get_short_name(self) -> str:
        return self.first_name or self.identifier
