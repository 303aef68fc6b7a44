"""What an identity provider says about the person, and how a provider's refusal reads."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Identity:
    """The person as the provider asserts them. `email_verified` only when the provider
    says so explicitly."""

    subject: str
    email: str = ""
    email_verified: bool = False
    first_name: str = ""
    last_name: str = ""


class ProviderError(Exception):
    """The round trip failed: a Clerk-style error code and, for the log, what happened."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        self.detail = detail[:300]
        super().__init__(f"{code}: {self.detail}")


def truthy(value: object) -> bool:
    """email_verified as providers send it: a JSON boolean, or "true" (Apple)."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def text(value: object, limit: int = 150) -> str:
    return value[:limit] if isinstance(value, str) else ""
