"""What a step page was sent, and what it shows after the step: plain data, no HTTP.

The pages and the JSON API read the same Screen: the attempt's status, the strategy in use,
the challenge (its cool-down), a notice, the masked address a code went to, the other
methods, the refusal if any, and where to go next when the step moved the attempt on."""

from __future__ import annotations

from dataclasses import dataclass, field

from authflows.errors import FlowError
from authflows.factors.base import Challenge


@dataclass(frozen=True)
class Submission:
    """What a step page's form sent. `posted` is False when the page is only shown (GET);
    `strategy` may then come from the query string ("use another method")."""

    posted: bool = False
    action: str = ""
    identifier: str = ""
    strategy: str = ""
    code: str = ""
    password: str = ""
    use_backup_code: bool = False
    redirect_url: str = ""


@dataclass
class Screen:
    status: str = ""
    strategy: str = ""
    challenge: Challenge | None = None
    notice: str = ""
    target: str = ""
    others: list[str] = field(default_factory=list)
    error: FlowError | None = None
    #: Where the browser goes next, when the step moved on (or finished).
    redirect: str | None = None
    #: A confirmation to show on the next page ("Authenticator app added.").
    message: str = ""
    #: Page-specific values (e.g. the reset page's step, a sign-up offer).
    extra: dict[str, object] = field(default_factory=dict)

    def context(self) -> dict[str, object]:
        """The template context of a page that shows this screen."""
        return {
            "status": self.status,
            "strategy": self.strategy,
            "challenge": self.challenge,
            "notice": self.notice,
            "target": self.target,
            "others": self.others,
            **self.extra,
        }


def mask_email(email: str) -> str:
    local, _, domain = (email or "").partition("@")
    return f"{local[:1]}•••@{domain}" if domain else ""


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}••••{phone[-2:]}" if phone else ""
