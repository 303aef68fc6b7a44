from authflows.models.attempts import SignInAttempt, SignInStatus, SignUpAttempt, SignUpStatus
from authflows.models.client import Client, TrustedClient
from authflows.models.events import AuthEvent
from authflows.models.identification import EmailAddress, PhoneNumber
from authflows.models.instance import InstanceSettings
from authflows.models.mfa import BackupCode, PhoneMFA
from authflows.models.outbox import OutboxMessage
from authflows.models.passkey import Passkey, PasskeyChallenge, WebAuthnUser
from authflows.models.session import UserSession
from authflows.models.signing import SigningKey
from authflows.models.sso import (
    ExternalAccount,
    PendingExternalAccount,
    Provider,
    SAMLAssertionUse,
    SSOConnection,
    SSODomain,
    SSOState,
)
from authflows.models.user import User
from authflows.models.verification import Verification

__all__ = [
    "AuthEvent",
    "BackupCode",
    "Client",
    "EmailAddress",
    "ExternalAccount",
    "InstanceSettings",
    "OutboxMessage",
    "Passkey",
    "PasskeyChallenge",
    "PendingExternalAccount",
    "PhoneMFA",
    "PhoneNumber",
    "Provider",
    "SAMLAssertionUse",
    "SSOConnection",
    "SSODomain",
    "SSOState",
    "SignInAttempt",
    "SignInStatus",
    "SignUpAttempt",
    "SignUpStatus",
    "SigningKey",
    "TrustedClient",
    "User",
    "UserSession",
    "Verification",
    "WebAuthnUser",
]
