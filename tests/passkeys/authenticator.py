"""A software authenticator for flow tests: what a browser and its passkey provider answer to
the site's options, made with real keys (P-256, ES256) and real CBOR, so the site's
verification runs unchanged. Tests choose what a real device would decide: whether the user
was verified, the counter, the origin the browser reports, a copy of a key."""

from __future__ import annotations

import hashlib
import json
import secrets
import struct
from dataclasses import dataclass, field

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40


@dataclass
class Key:
    credential_id: bytes
    private_key: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    sign_count: int = 0

    def cose_public_key(self) -> bytes:
        numbers = self.private_key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )


@dataclass
class SoftAuthenticator:
    origin: str = "http://testserver"
    user_verified: bool = True
    synced: bool = False
    keys: list[Key] = field(default_factory=list)

    def _flags(self, *extra: int) -> int:
        flags = UP | (UV if self.user_verified else 0) | (BE | BS if self.synced else 0)
        for bit in extra:
            flags |= bit
        return flags

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        body = {"type": kind, "challenge": challenge, "origin": origin or self.origin}
        return json.dumps({**body, "crossOrigin": False}).encode()

    def create(self, options: dict, *, origin: str | None = None, key: Key | None = None) -> dict:
        """navigator.credentials.create(): a new key for the options' RP and user (or `key`
        again, as a second registration of one credential)."""
        rp_id, handle = options["rp"]["id"], base64url_to_bytes(options["user"]["id"])
        if key is None:
            private = ec.generate_private_key(ec.SECP256R1())
            key = Key(secrets.token_bytes(16), private, rp_id, handle)
            self.keys.append(key)
        key.sign_count = 1
        attested = bytes(16) + struct.pack(">H", len(key.credential_id)) + key.credential_id
        auth_data = (
            hashlib.sha256(rp_id.encode()).digest()
            + bytes([self._flags(AT)])
            + struct.pack(">I", key.sign_count)
            + attested
            + key.cose_public_key()
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        return {
            "id": bytes_to_base64url(key.credential_id),
            "rawId": bytes_to_base64url(key.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "attestationObject": bytes_to_base64url(attestation),
                "transports": ["internal"],
            },
        }

    def get(
        self,
        options: dict,
        *,
        key: Key | None = None,
        origin: str | None = None,
        sign_count: int | None = None,
        bad_signature: bool = False,
    ) -> dict:
        """navigator.credentials.get(): an assertion by `key` (default: the last one made)."""
        key = key or self.keys[-1]
        key.sign_count = key.sign_count + 1 if sign_count is None else sign_count
        auth_data = (
            hashlib.sha256(options.get("rpId", key.rp_id).encode()).digest()
            + bytes([self._flags()])
            + struct.pack(">I", key.sign_count)
        )
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = key.private_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        if bad_signature:
            signature = key.private_key.sign(signed + b"x", ec.ECDSA(hashes.SHA256()))
        return {
            "id": bytes_to_base64url(key.credential_id),
            "rawId": bytes_to_base64url(key.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "authenticatorData": bytes_to_base64url(auth_data),
                "signature": bytes_to_base64url(signature),
                "userHandle": bytes_to_base64url(key.user_handle),
            },
        }

    def copy_of(self, key: Key, *, sign_count: int = 0) -> Key:
        """The same private key elsewhere, its counter started again (a cloned key)."""
        return Key(key.credential_id, key.private_key, key.rp_id, key.user_handle, sign_count)
