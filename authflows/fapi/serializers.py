"""Clerk's objects as JSON (environment, client, sign_in, sign_up, session, user,
email_address, phone_number, token), written from the field lists Clerk's SDK parses.
Timestamps are milliseconds since the epoch; ids come from authflows.flows.clerk_ids."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from authflows import clock
from authflows.context import FlowContext
from authflows.factors import codes
from authflows.flows import clerk_ids, users
from authflows.flows.clerk_session import SessionState
from authflows.flows.passkeys import challenges as passkey_challenges
from authflows.flows.passkeys import store
from authflows.flows.sign_in import clerk as sign_in_clerk
from authflows.flows.sign_in.table import SECOND_FACTOR, Reason, Status
from authflows.flows.sign_up import attempts as sign_up_attempts
from authflows.flows.sign_up import clerk as sign_up_clerk
from authflows.flows.sign_up import verify as sign_up_verify
from authflows.flows.sign_up.fields import EMAIL, PHONE, requirements
from authflows.flows.sso import clerk as sso_clerk
from authflows.flows.sso import connections, sdk
from authflows.models import (
    InstanceSettings,
    Passkey,
    SignInAttempt,
    SignUpAttempt,
    User,
    Verification,
)

Json = dict[str, Any]
IDENTIFIER_NAMES = {"email": "email_address", "phone": "phone_number", "username": "username"}
FIRST_FACTOR_PURPOSES = (Verification.Purpose.FIRST_FACTOR, Verification.Purpose.RESET_PASSWORD)
SECOND_FACTOR_PURPOSES = (Verification.Purpose.SECOND_FACTOR, Verification.Purpose.CLIENT_TRUST)


def ms(value: datetime | None) -> int | None:
    return int(value.timestamp() * 1000) if value is not None else None


# --- environment ------------------------------------------------------------------------


def _attribute(enabled: bool, **fields: Any) -> Json:
    return {
        "enabled": enabled,
        "required": False,
        "used_for_first_factor": False,
        "first_factors": [],
        "used_for_second_factor": False,
        "second_factors": [],
        "verifications": [],
        "verify_at_sign_up": False,
        **fields,
    }


def _passkey_attribute(settings: InstanceSettings, *, second_factor: bool) -> Json:
    return _attribute(
        settings.passkeys_enabled,
        used_for_first_factor=settings.passkey_sign_in,
        first_factors=["passkey"] if settings.passkey_sign_in else [],
        used_for_second_factor=second_factor,
        second_factors=["passkey"] if second_factor else [],
    )


def _attributes(settings: InstanceSettings, *, passkey_second_factor: bool = False) -> Json:
    reqs = requirements(settings)
    email_first = [s for s in settings.passwordless_strategies() if s.startswith("email_")]
    mfa = settings.enabled_mfa_strategies()
    email_check = sign_up_attempts.email_strategy(settings)
    return {
        "email_address": _attribute(
            settings.email_enabled,
            required=EMAIL in reqs.required,
            used_for_first_factor=settings.email_sign_in,
            first_factors=email_first,
            verifications=[email_check],
            verify_at_sign_up=True,
        ),
        "phone_number": _attribute(
            settings.phone_sign_up or settings.phone_sign_in,
            required=PHONE in reqs.required,
            used_for_first_factor=settings.phone_sign_in,
            first_factors=["phone_code"] if settings.phone_sign_in else [],
            used_for_second_factor="phone_code" in mfa,
            second_factors=["phone_code"] if "phone_code" in mfa else [],
            verifications=["phone_code"],
            verify_at_sign_up=settings.phone_verify_at_sign_up,
        ),
        "username": _attribute(
            settings.username_sign_up or settings.username_sign_in,
            required=settings.username_sign_up,
            used_for_first_factor=settings.username_sign_in,
        ),
        "password": _attribute(settings.password_sign_up, required=settings.password_sign_up),
        "first_name": _attribute(settings.name_sign_up, required=settings.name_required),
        "last_name": _attribute(settings.name_sign_up, required=settings.name_required),
        "authenticator_app": _attribute(
            "totp" in mfa, used_for_second_factor="totp" in mfa, second_factors=["totp"]
        ),
        "backup_code": _attribute(
            "backup_code" in mfa,
            used_for_second_factor="backup_code" in mfa,
            second_factors=["backup_code"],
        ),
        "passkey": _passkey_attribute(settings, second_factor=passkey_second_factor),
    }


def _social() -> Json:
    """The social connections the sign-in page offers, as Clerk's SDK lists its buttons."""
    entries = {}
    for button in connections.social_buttons():
        strategy = f"oauth_{button.slug}"
        entries[strategy] = {
            "enabled": True,
            "required": False,
            "authenticatable": True,
            "block_email_subaddresses": False,
            "strategy": strategy,
            "not_selectable": False,
            "deprecated": False,
            "name": button.name,
            "logo_url": None,
        }
    return entries


def environment(
    settings: InstanceSettings, *, origin: str, passkey_second_factor: bool = False
) -> Json:
    """GET/PATCH /environment: the Dashboard as Clerk's SDK reads it (a passkey as a second
    factor only for an SDK that takes one: flows/passkeys/clerk.py)."""
    return {
        "object": "environment",
        "id": "env_authflows",
        "auth_config": {
            "object": "auth_config",
            "id": "aac_authflows",
            "single_session_mode": True,
            "claimed_at": None,
            "reverification": False,
        },
        "display_config": {
            "object": "display_config",
            "id": "display_config_authflows",
            "instance_environment_type": "production",
            "application_name": settings.application_name,
            "branded": False,
            "captcha_public_key": None,
            "captcha_heartbeat": False,
            "captcha_oauth_bypass": [],
            "home_url": f"{origin}/",
            "sign_in_url": f"{origin}/sign-in/",
            "sign_up_url": f"{origin}/sign-up/",
            "user_profile_url": f"{origin}/user/",
            "after_sign_in_url": f"{origin}/",
            "after_sign_up_url": f"{origin}/",
            "after_sign_out_one_url": f"{origin}/sign-in/",
            "after_sign_out_all_url": f"{origin}/sign-in/",
            "preferred_sign_in_strategy": "password",
        },
        "user_settings": {
            "attributes": _attributes(settings, passkey_second_factor=passkey_second_factor),
            "passkey_settings": {"allow_autofill": True, "show_sign_in_button": True},
            "sign_in": {"second_factor": {"required": settings.mfa_required}},
            "sign_up": {
                "captcha_enabled": False,
                "legal_consent_enabled": settings.legal_consent_required,
                "mode": "public",
                "progressive": True,
            },
            "social": _social(),
            "enterprise_sso": {"enabled": bool(connections.summary().domains)},
            "password_settings": {
                "min_length": settings.password_min_length,
                "max_length": 256,
                "disable_hibp": not settings.password_reject_compromised,
                "show_zxcvbn": False,
            },
            "actions": {"delete_self": False, "create_organization": False},
        },
        "organization_settings": {"enabled": False},
        "maintenance_mode": False,
    }


# --- user ---------------------------------------------------------------------------------


def _identification(object_name: str, kind: str, value: str, *, verified: bool) -> Json:
    strategy = "email_code" if kind == "email" else "phone_code"
    return {
        "object": object_name,
        "id": clerk_ids.identification_id(kind, value),
        IDENTIFIER_NAMES[kind]: value,
        "verification": {
            "object": "verification",
            "status": "verified" if verified else "unverified",
            "strategy": strategy,
        },
        "linked_to": [],
    }


def user(account: User) -> Json:
    methods = users.methods_of(account)
    emails = [
        _identification("email_address", "email", email, verified=account.email_verified)
        for email in filter(None, [account.email])
    ]
    phones = [
        _identification("phone_number", "phone", phone, verified=account.phone_verified)
        for phone in filter(None, [account.phone])
    ]
    return {
        "object": "user",
        "id": clerk_ids.user_id(account.pk),
        "username": account.username or None,
        "first_name": account.first_name or None,
        "last_name": account.last_name or None,
        "image_url": "",
        "has_image": False,
        "primary_email_address_id": emails[0]["id"] if emails else None,
        "primary_phone_number_id": phones[0]["id"] if phones else None,
        "primary_web3_wallet_id": None,
        "email_addresses": emails,
        "phone_numbers": phones,
        "web3_wallets": [],
        "external_accounts": [],
        "enterprise_accounts": [],
        "passkeys": [passkey(p) for p in store.listing(account)] if methods.passkey else [],
        "organization_memberships": [],
        "password_enabled": account.has_usable_password(),
        "totp_enabled": methods.totp,
        "backup_code_enabled": methods.backup_codes,
        "two_factor_enabled": bool(methods.enrolled),
        "public_metadata": {},
        "unsafe_metadata": {},
        "external_id": None,
        "last_sign_in_at": ms(account.last_login),
        "created_at": ms(account.date_joined),
        "updated_at": ms(account.date_joined),
        "delete_self_enabled": False,
        "create_organization_enabled": False,
    }


def passkey(item: Passkey) -> Json:
    """One of the user's passkeys (never its key or credential id)."""
    return {
        "object": "passkey",
        "id": clerk_ids.passkey_id(item.pk),
        "name": item.name,
        "verification": {
            "object": "verification",
            "status": "verified",
            "strategy": "passkey",
            "nonce": None,
            "attempts": None,
            "expire_at": None,
            "error": None,
        },
        "last_used_at": ms(item.last_used_at),
        "created_at": ms(item.created_at),
        "updated_at": ms(item.created_at),
    }


def pending_passkey(passkey_id: str, options: Json) -> Json:
    """A registration in progress: clerk-js reads the creation options from the nonce."""
    now = ms(clock.now())
    return {
        "object": "passkey",
        "id": passkey_id,
        "name": None,
        "verification": _passkey_verification(options),
        "last_used_at": None,
        "created_at": now,
        "updated_at": now,
    }


def deleted(object_name: str, object_id: str) -> Json:
    return {"object": object_name, "id": object_id, "deleted": True}


def public_user_data(account: User) -> Json:
    return {
        "first_name": account.first_name or None,
        "last_name": account.last_name or None,
        "image_url": "",
        "has_image": False,
        "identifier": account.identifier,
        "user_id": clerk_ids.user_id(account.pk),
    }


# --- session and token ----------------------------------------------------------------------


def token(jwt: str) -> Json:
    return {"object": "token", "jwt": jwt}


def session(state: SessionState, *, jwt: str) -> Json:
    minutes = max(0, int((clock.now() - state.signed_in_at).total_seconds() // 60))
    return {
        "object": "session",
        "id": state.id,
        "status": state.status,
        "expire_at": ms(state.expire_at),
        "abandon_at": ms(state.expire_at),
        "last_active_at": ms(state.last_active_at),
        "created_at": ms(state.signed_in_at),
        "updated_at": ms(state.last_active_at),
        "last_active_organization_id": None,
        "actor": None,
        "tasks": [{"key": state.task}] if state.task else None,
        "factor_verification_age": [minutes, -1],
        "user": user(state.user),
        "public_user_data": public_user_data(state.user),
        "last_active_token": token(jwt),
    }


# --- sign-in ---------------------------------------------------------------------------------


def _verification(
    found: Verification | None, strategy: str, *, verified: bool = False
) -> Json | None:
    if verified:
        return {
            "object": "verification",
            "status": "verified",
            "strategy": strategy,
            "attempts": found.attempts if found else None,
            "expire_at": None,
            "error": None,
        }
    if found is None:
        return None
    status = "unverified"
    if found.attempts >= codes.MAX_WRONG_TRIES:
        status = "failed"
    elif found.expires_at <= clock.now():
        status = "expired"
    return {
        "object": "verification",
        "status": status,
        "strategy": found.strategy,
        "attempts": found.attempts,
        "expire_at": ms(found.expires_at),
        "error": None,
    }


def _factor(entry: sign_in_clerk.FactorEntry) -> Json:
    data: Json = {"strategy": str(entry.strategy)}
    if entry.id_param:
        data.update(
            {
                "safe_identifier": entry.safe_identifier,
                entry.id_param: entry.identification_id,
                "primary": True,
                "default": False,
            }
        )
    return data


def _sign_in_verifications(attempt: SignInAttempt) -> tuple[Json | None, Json | None]:
    current = attempt.current_verification
    first_current = current if current and current.purpose in FIRST_FACTOR_PURPOSES else None
    second_current = current if current and current.purpose in SECOND_FACTOR_PURPOSES else None
    status = attempt.status
    if status == Status.NEEDS_IDENTIFIER:  # waiting for a passkey: nothing verified yet
        return None, None
    if status == Status.NEEDS_FIRST_FACTOR:
        return _verification(first_current, attempt.first_factor), None
    first = _verification(None, attempt.first_factor or "password", verified=True)
    if status in SECOND_FACTOR:
        return first, _verification(second_current, "")
    passed = attempt.supported_second_factors and attempt.reason in (
        Reason.MFA,
        Reason.CLIENT_TRUST,
    )
    strategy = attempt.supported_second_factors[0] if passed else ""
    return first, _verification(second_current, strategy, verified=bool(passed))


def _round_trip_verification(trip: sdk.RoundTrip, first: Json | None) -> Json:
    """An identity provider's first factor: unverified with the provider's URL while the
    browser is away, transferable when the provider account has no user, else verified."""
    if trip.done:
        return {**(first or {}), "strategy": trip.strategy}
    return {
        "object": "verification",
        "status": "transferable" if trip.identity else "unverified",
        "strategy": trip.strategy,
        "external_verification_redirect_url": None if trip.identity else trip.url,
        "attempts": None,
        "expire_at": None,
        "error": None,
    }


def _client_trust_state(attempt: SignInAttempt) -> str | None:
    if attempt.status in (Status.NEEDS_IDENTIFIER, Status.NEEDS_FIRST_FACTOR):
        return None
    if attempt.reason == Reason.CLIENT_TRUST:
        return "known" if attempt.status == Status.COMPLETE else "pending"
    return "known" if attempt.client_trusted else "new"


def _passkey_verification(options: Json) -> Json:
    """A passkey ceremony waiting for the browser: Clerk's SDK parses the request options
    from `nonce` (JSON) and answers with public_key_credential."""
    return {
        "object": "verification",
        "status": "unverified",
        "strategy": "passkey",
        "nonce": json.dumps(options),
        "attempts": None,
        "expire_at": ms(clock.now() + passkey_challenges.LIFETIME),
        "error": None,
    }


def sign_in(
    ctx: FlowContext,
    attempt: SignInAttempt,
    *,
    created_session_id: str | None = None,
    api_version: str = "",
    passkey_options: Json | None = None,
) -> Json:
    """The sign-in; `passkey_options` when this answer opens a passkey ceremony, and
    `api_version` (Clerk's __clerk_api_version) decides whether a passkey is offered."""
    account = attempt.user
    proven = attempt.status != Status.NEEDS_FIRST_FACTOR
    # Under strict enumeration protection nothing about the account shows before the first
    # factor passed: an unknown identifier's attempt looks the same.
    show_user = account is not None and (proven or not ctx.settings.strict_enumeration)
    first, second = _sign_in_verifications(attempt)
    trip = sso_clerk.round_trip(ctx, attempt)
    if trip is not None:
        first = _round_trip_verification(trip, first)
    if passkey_options is not None:
        ceremony = _passkey_verification(passkey_options)
        first, second = (first, ceremony) if attempt.status in SECOND_FACTOR else (ceremony, None)
    second_entries = sign_in_clerk.second_factor_entries(ctx, attempt, api_version=api_version)
    return {
        "object": "sign_in",
        "id": sign_in_clerk.public_id(attempt),
        "status": attempt.status,
        "supported_identifiers": [
            IDENTIFIER_NAMES[k] for k in ctx.settings.sign_in_identifier_kinds()
        ],
        "identifier": attempt.identifier or None,
        "supported_first_factors": [
            _factor(e) for e in sign_in_clerk.first_factor_entries(ctx, attempt)
        ],
        "supported_second_factors": [_factor(e) for e in second_entries] or None,
        "first_factor_verification": first,
        "second_factor_verification": second,
        "user_data": {
            "first_name": account.first_name or None,
            "last_name": account.last_name or None,
            "image_url": "",
            "has_image": False,
        }
        if show_user and account is not None
        else {},
        "created_session_id": created_session_id if attempt.status == Status.COMPLETE else None,
        "client_trust_state": _client_trust_state(attempt),
        "protect_check": None,
        "created_at": ms(attempt.created_at),
        "updated_at": ms(attempt.updated_at),
        "abandon_at": ms(attempt.expires_at),
    }


# --- sign-up ---------------------------------------------------------------------------------


def _sign_up_verification(
    ctx: FlowContext, attempt: SignUpAttempt, field: str, *, verified: bool
) -> Json | None:
    value = attempt.email if field == EMAIL else attempt.phone
    if not value:
        return None
    strategy = str(sign_up_verify.strategy_for(ctx, field))
    challenge = (
        None if verified or attempt.pk is None else sign_up_verify.pending(ctx, attempt, field)
    )
    found = challenge.verification if challenge else None
    data = _verification(found, strategy, verified=verified) or {
        "object": "verification",
        "status": "unverified",
        "strategy": strategy,
        "attempts": None,
        "expire_at": None,
        "error": None,
    }
    data["supported_strategies"] = [strategy]
    data["next_action"] = "" if verified else ("needs_attempt" if found else "needs_prepare")
    return data


def sign_up(
    ctx: FlowContext, attempt: SignUpAttempt, *, created_session_id: str | None = None
) -> Json:
    settings = ctx.settings
    reqs = requirements(settings)
    complete = attempt.status == sign_up_attempts.Status.COMPLETE
    unverified = sign_up_attempts.unverified_fields(attempt, settings)
    return {
        "object": "sign_up",
        "id": sign_up_clerk.public_id(attempt),
        "status": attempt.status,
        "required_fields": list(reqs.required),
        "optional_fields": list(reqs.optional),
        "missing_fields": [] if complete else sign_up_attempts.missing_fields(attempt, settings),
        "unverified_fields": [] if complete else unverified,
        "verifications": {
            "email_address": _sign_up_verification(
                ctx, attempt, EMAIL, verified=complete or EMAIL not in unverified
            ),
            "phone_number": _sign_up_verification(
                ctx, attempt, PHONE, verified=complete or PHONE not in unverified
            ),
            "external_account": None,
            "web3_wallet": None,
        },
        "username": attempt.username or None,
        "email_address": attempt.email or None,
        "phone_number": attempt.phone or None,
        "web3_wallet": None,
        "password_enabled": bool(attempt.password_hash),
        "first_name": attempt.first_name or None,
        "last_name": attempt.last_name or None,
        "unsafe_metadata": {},
        "public_metadata": {},
        "custom_action": False,
        "external_id": None,
        "created_session_id": created_session_id if complete else None,
        "created_user_id": clerk_ids.user_id(attempt.created_user.pk)
        if complete and attempt.created_user
        else None,
        "abandon_at": ms(attempt.abandon_at),
        "legal_accepted_at": ms(attempt.legal_accepted_at),
    }


# --- client ----------------------------------------------------------------------------------


def client(
    ctx: FlowContext,
    *,
    client_pk: int,
    sign_in: Json | None,
    sign_up: Json | None,
    session: Json | None,
) -> Json:
    return {
        "object": "client",
        "id": clerk_ids.client_id(client_pk),
        "sessions": [session] if session else [],
        "sign_in": sign_in,
        "sign_up": sign_up,
        "last_active_session_id": session["id"] if session else None,
        "last_authentication_strategy": None,
        "cookie_expires_at": None,
        "captcha_bypass": False,
        "created_at": None,
        "updated_at": None,
    }
