"""What a sign-up collects (Clerk's requiredFields / optionalFields, from the Dashboard), how
each field is checked, and whether an identifier belongs to someone already."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Value

from authflows.errors import FlowError
from authflows.flows.users import owner_of
from authflows.identifiers import clean_email, clean_phone, normalize_username, parse_identifier
from authflows.models import InstanceSettings

EMAIL, PHONE, USERNAME, PASSWORD = "email_address", "phone_number", "username", "password"
FIRST_NAME, LAST_NAME, LEGAL = "first_name", "last_name", "legal_accepted"
FIELDS = (EMAIL, PHONE, USERNAME, PASSWORD, FIRST_NAME, LAST_NAME, LEGAL)
IDENTIFIERS = (EMAIL, PHONE, USERNAME)
_USERNAME_CHARACTERS = re.compile(r"^[a-z0-9_.-]+$")
#: The seed examples' (Clerk's JavaScript) parameter name of each field.
FORM_NAMES = {
    EMAIL: "emailAddress",
    PHONE: "phoneNumber",
    USERNAME: "username",
    PASSWORD: "password",
    FIRST_NAME: "firstName",
    LAST_NAME: "lastName",
    LEGAL: "legalAccepted",
}


@dataclass(frozen=True)
class Requirements:
    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def enabled(self) -> tuple[str, ...]:
        return tuple(f for f in FIELDS if f in self.required or f in self.optional)


def requirements(settings: InstanceSettings) -> Requirements:
    """Clerk's requiredFields / optionalFields, from the Dashboard."""
    rules = [
        (EMAIL, settings.email_sign_up, settings.email_required),
        (PHONE, settings.phone_sign_up, settings.phone_required),
        (USERNAME, settings.username_sign_up, settings.username_sign_up),
        (PASSWORD, settings.password_sign_up, settings.password_sign_up),
        (FIRST_NAME, settings.name_sign_up, settings.name_required),
        (LAST_NAME, settings.name_sign_up, settings.name_required),
        (LEGAL, settings.legal_consent_required, settings.legal_consent_required),
    ]
    required = tuple(name for name, on, needed in rules if on and needed)
    optional = tuple(name for name, on, needed in rules if on and not needed)
    return Requirements(required=required, optional=optional)


def is_open(settings: InstanceSettings) -> bool:
    return any(name in requirements(settings).enabled for name in IDENTIFIERS)


def sign_up_offer(identifier: str, settings: InstanceSettings, *, error: FlowError) -> str:
    """Sign-in-or-up: when an identifier has no account and sign-up takes it, the query
    string that starts a sign-up with it ("" otherwise). Strict enumeration protection never
    says an identifier is unknown, so it never offers."""
    if error.code != "form_identifier_not_found" or settings.strict_enumeration:
        return ""
    try:
        kind, value = parse_identifier(identifier, settings.sign_in_identifier_kinds())
    except FlowError:
        return ""
    name = {"email": EMAIL, "phone": PHONE, "username": USERNAME}[kind]
    if name not in requirements(settings).enabled:
        return ""
    return urlencode({FORM_NAMES[name]: value})


def validate_username(raw: str, settings: InstanceSettings, *, field: str = USERNAME) -> str:
    """Usernames: the Dashboard's length (4-64 by default), letters, digits, _ . and -,
    at least one letter (an all-digit name would read as a phone number at sign-in)."""
    value = normalize_username(raw) or ""
    low, high = settings.username_min_length, settings.username_max_length
    if not low <= len(value) <= high:
        raise FlowError("form_username_invalid_length", field=field, min=low, max=high)
    if not _USERNAME_CHARACTERS.match(value) or not any(ch.isalpha() for ch in value):
        raise FlowError("form_username_invalid_character", field=field)
    return value


def clean(name: str, value: object, settings: InstanceSettings) -> object:
    """One submitted field, checked and normalised."""
    if name == LEGAL:
        return bool(value)
    text = str(value)
    if name == PASSWORD:
        return text
    text = text.strip()
    if name == EMAIL:
        return clean_email(text, field=EMAIL)
    if name == PHONE:
        return clean_phone(text, field=PHONE)
    if name == USERNAME:
        return validate_username(text, settings)
    if len(text) > 150 or any(ord(ch) < 32 for ch in text):
        raise FlowError("form_param_format_invalid", field=name)
    return text


def taken(cleaned: dict[str, object], settings: InstanceSettings) -> list[FlowError]:
    """One query for every identifier at once (an address counts once it is verified or
    primary on an account). Under strict enumeration protection a taken email address or
    phone number is accepted here: its owner gets a notice instead of a code, and the page
    behaves exactly as for a free one."""
    kinds = {EMAIL: "email", PHONE: "phone", USERNAME: "username"}
    found = [
        owner_of(kind, str(cleaned[name])).annotate(field=Value(name)).values_list("field")
        for name, kind in kinds.items()
        if cleaned.get(name)
    ]
    if not found:
        return []
    taken_names = {row[0] for row in found[0].union(*found[1:])}
    strict = settings.strict_enumeration
    return [
        FlowError("form_identifier_exists", field=name)
        for name in IDENTIFIERS
        if name in taken_names and not (strict and name != USERNAME)
    ]
