"""Email addresses, phone numbers and usernames, normalised once, in one place.

Every identifier is normalised before validation, uniqueness, rate-limit keys and storage, so
look-alike spellings of one address (fullwidth letters, upper case,
a Unicode domain) are one address everywhere: one account, one budget, one mailbox.
"""

from __future__ import annotations

import contextlib
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from authflows.errors import FlowError

KIND_NAMES = {"email": "an email address", "phone": "a phone number", "username": "a username"}


def normalize_email(value: str | None) -> str | None:
    """NFKC, then the domain to ASCII (IDNA) and everything lower case; None when empty.

    The result is what the mail layer delivers to: Django encodes a Unicode domain with IDNA
    too, so two spellings that reach one mailbox are stored as one address."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    if not text:
        return None
    local, at, domain = text.rpartition("@")
    if not at:
        return text.lower()
    with contextlib.suppress(UnicodeError):  # not a valid domain: validation refuses it
        domain = domain.encode("idna").decode("ascii")
    return f"{local.lower()}@{domain.lower()}"


def normalize_phone(value: str | None) -> str | None:
    """The number in E.164, or None when empty. Raises ValueError when it is not a number."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    if not text:
        return None
    if not text.startswith("+"):
        text = "+" + text.lstrip("0")
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(str(exc)) from exc
    if not phonenumbers.is_possible_number(number):
        raise ValueError("not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_username(value: str | None) -> str | None:
    text = unicodedata.normalize("NFKC", value or "").strip().lower()
    return text or None


def clean_email(raw: str, *, field: str) -> str:
    """A normalised, valid address, or `form_param_format_invalid` on `field`."""
    value = normalize_email(raw) or ""
    try:
        validate_email(value)
    except ValidationError as exc:
        raise FlowError(
            "form_param_format_invalid", field=field, expected=KIND_NAMES["email"]
        ) from exc
    return value


def clean_phone(raw: str, *, field: str) -> str:
    try:
        value = normalize_phone(raw)
    except ValueError:
        value = None
    if not value:
        raise FlowError("form_param_format_invalid", field=field, expected=KIND_NAMES["phone"])
    return value


def kind_of(raw: str) -> str:
    """What a typed sign-in identifier looks like: email, phone or username."""
    if "@" in raw:
        return "email"
    if raw[0] in "+0123456789(" and not any(ch.isalpha() for ch in raw):
        return "phone"
    return "username"


def parse_identifier(raw: str, kinds: list[str]) -> tuple[str, str]:
    """(kind, normalised value) of an identifier of one of `kinds` (the Dashboard's sign-in
    identifiers); anything else is refused on the identifier field."""
    raw = unicodedata.normalize("NFKC", raw or "").strip()
    expected = " or ".join(KIND_NAMES[k] for k in kinds)
    if not raw:
        raise FlowError("form_param_missing", field="identifier")
    refusal = FlowError("form_param_format_invalid", field="identifier", expected=expected)
    if len(raw) > 254 or any(ord(ch) < 32 for ch in raw):
        raise refusal
    kind = kind_of(raw)
    if kind not in kinds:
        raise refusal
    try:
        if kind == "email":
            return kind, clean_email(raw, field="identifier")
        if kind == "phone":
            return kind, clean_phone(raw, field="identifier")
    except FlowError:
        raise refusal from None
    return kind, normalize_username(raw) or ""
