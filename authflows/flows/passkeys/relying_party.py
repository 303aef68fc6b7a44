"""The WebAuthn relying party, on py_webauthn: the options a browser's
navigator.credentials.create() / get() takes, and the verification of what it answers.

No database and no HTTP here: challenges come in and go out as bytes, stored passkeys as plain
values. The RP ID and the allowed origins are deploy settings (app_settings), never a
request's Host header; every ceremony requires user verification (a PIN, a fingerprint, a
face), so a passkey is a whole second factor on its own."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    parse_authentication_credential_json,
    parse_client_data_json,
    parse_registration_credential_json,
)
from webauthn.helpers.structs import (
    AuthenticationCredential,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    CredentialDeviceType,
    PublicKeyCredentialDescriptor,
    RegistrationCredential,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from authflows.app_settings import app_settings
from authflows.models import InstanceSettings

logger = logging.getLogger("authflows.passkeys")

#: How long the browser's passkey prompt stays open (milliseconds). The challenge itself
#: lives a little longer (challenges.LIFETIME), so a prompt answered in time is never stale.
TIMEOUT_MS = 120_000


class Refused(Exception):
    """A response that does not check out. The reason goes to the log, never to the page."""


@dataclass(frozen=True)
class Party:
    rp_id: str
    origins: list[str]
    name: str


def party(settings: InstanceSettings) -> Party:
    return Party(
        rp_id=app_settings.WEBAUTHN_RP_ID,
        origins=app_settings.WEBAUTHN_ORIGINS,
        name=settings.application_name,
    )


@dataclass(frozen=True)
class StoredKey:
    """A registered passkey as a ceremony needs it."""

    credential_id: str  # base64url
    transports: list[str]


@dataclass(frozen=True)
class NewCredential:
    """What a verified registration tells about the new passkey."""

    credential_id: str  # base64url
    public_key: bytes
    sign_count: int
    aaguid: str
    transports: list[str]
    backup_eligible: bool
    backed_up: bool


@dataclass(frozen=True)
class Answer:
    """A browser's answer, parsed but not yet verified: the challenge it signed (the key to
    consume it by), the credential it names and, for a sign-in, the user handle it holds."""

    challenge: bytes
    credential_id: str
    user_handle: str
    parsed: RegistrationCredential | AuthenticationCredential


@dataclass(frozen=True)
class Assertion:
    """A verified sign-in: the counter the authenticator reported and its sync state."""

    sign_count: int
    backed_up: bool


def _descriptors(keys: list[StoredKey]) -> list[PublicKeyCredentialDescriptor]:
    known = {t.value for t in AuthenticatorTransport}
    return [
        PublicKeyCredentialDescriptor(
            id=_bytes(key.credential_id),
            transports=[AuthenticatorTransport(t) for t in key.transports if t in known] or None,
        )
        for key in keys
    ]


def _bytes(value: str) -> bytes:
    return base64url_to_bytes(value)


def creation_options(
    rp: Party,
    *,
    challenge: bytes,
    user_handle: str,
    user_name: str,
    display_name: str,
    exclude: list[StoredKey],
) -> dict[str, Any]:
    """navigator.credentials.create() options: a discoverable credential (a passkey, usable
    without typing an identifier), user verification required, no attestation asked for,
    and the user's existing passkeys excluded (an authenticator holds at most one)."""
    options = generate_registration_options(
        rp_id=rp.rp_id,
        rp_name=rp.name,
        user_id=_bytes(user_handle),
        user_name=user_name,
        user_display_name=display_name,
        challenge=challenge,
        timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=_descriptors(exclude),
    )
    return dict(json.loads(options_to_json(options)))


def request_options(
    rp: Party, *, challenge: bytes, allow: list[StoredKey] | None = None
) -> dict[str, Any]:
    """navigator.credentials.get() options: any of this site's passkeys (the browser lists
    them; no identifier is asked for), or only `allow` (a second factor: the user's own)."""
    options = generate_authentication_options(
        rp_id=rp.rp_id,
        challenge=challenge,
        timeout=TIMEOUT_MS,
        allow_credentials=_descriptors(allow or []),
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return dict(json.loads(options_to_json(options)))


def read_registration(data: object) -> Answer:
    """Parse a create() answer (the JSON the browser's toJSON() gives). Raises Refused."""
    try:
        parsed = parse_registration_credential_json(_mapping(data))
        client = parse_client_data_json(parsed.response.client_data_json)
    except Exception as error:  # the library raises many kinds for malformed input
        raise Refused(f"malformed registration: {type(error).__name__}") from error
    return Answer(
        challenge=client.challenge, credential_id=parsed.id, user_handle="", parsed=parsed
    )


def read_assertion(data: object) -> Answer:
    """Parse a get() answer. Raises Refused."""
    try:
        parsed = parse_authentication_credential_json(_mapping(data))
        client = parse_client_data_json(parsed.response.client_data_json)
        handle = parsed.response.user_handle
    except Exception as error:  # the library raises many kinds for malformed input
        raise Refused(f"malformed assertion: {type(error).__name__}") from error
    return Answer(
        challenge=client.challenge,
        credential_id=bytes_to_base64url(parsed.raw_id),
        user_handle=bytes_to_base64url(handle) if handle else "",
        parsed=parsed,
    )


def _mapping(data: object) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise TypeError("a credential is a JSON object")
    return data


def verify_registration(rp: Party, answer: Answer) -> NewCredential:
    """Check a create() answer against the challenge it signed, the RP ID and the origins,
    with user verification. Raises Refused."""
    parsed = answer.parsed
    assert isinstance(parsed, RegistrationCredential)
    try:
        verified = verify_registration_response(
            credential=parsed,
            expected_challenge=answer.challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=rp.origins,
            require_user_verification=True,
        )
    except Exception as error:  # InvalidRegistrationResponse and the parsers' own errors
        logger.info("passkey registration refused: %s", error)
        raise Refused(str(error)) from error
    transports = [t.value for t in parsed.response.transports or []]
    return NewCredential(
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        aaguid=verified.aaguid,
        transports=transports,
        backup_eligible=verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE,
        backed_up=verified.credential_backed_up,
    )


def verify_assertion(rp: Party, answer: Answer, *, public_key: bytes) -> Assertion:
    """Check a get() answer: challenge, origin, RP ID, user presence and verification, and
    the signature with the stored public key. The counter is returned, not judged: whether it
    moved forward is the caller's decision, made only once the signature is known good.
    Raises Refused."""
    parsed = answer.parsed
    assert isinstance(parsed, AuthenticationCredential)
    try:
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=answer.challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=rp.origins,
            credential_public_key=public_key,
            credential_current_sign_count=0,
            require_user_verification=True,
        )
    except Exception as error:  # InvalidAuthenticationResponse and the parsers' own errors
        logger.info("passkey assertion refused: %s", error)
        raise Refused(str(error)) from error
    return Assertion(sign_count=verified.new_sign_count, backed_up=verified.credential_backed_up)
