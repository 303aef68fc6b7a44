"""Which connections are offered: social buttons (connections without email domains) and the
enterprise connection of an email domain.

Both come from one summary of the enabled connections, read in one query and held by each
process like the Dashboard row (saving or deleting a connection or a domain makes every process
read it again), so the sign-in page and every typed address cost no query."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import F

from authflows.cache import ProcessCopy
from authflows.errors import FlowError
from authflows.models import SSOConnection
from authflows.models.sso import SUMMARY_CACHE_KEY, forget_summary
from authflows.sso import config


@dataclass(frozen=True)
class Button:
    slug: str
    name: str
    provider: str


@dataclass(frozen=True)
class Summary:
    buttons: list[Button] = field(default_factory=list)
    #: email domain -> enterprise connection id
    domains: dict[str, int] = field(default_factory=dict)


def _read() -> Summary:
    rows = SSOConnection.objects.filter(enabled=True).annotate(domain=F("domains__domain"))
    buttons: dict[int, Button] = {}
    domains: dict[str, int] = {}
    enterprise: set[int] = set()
    for row in rows.order_by("name", "pk"):
        domain = getattr(row, "domain", None)
        if domain:
            domains[domain] = row.pk
            enterprise.add(row.pk)
        elif not row.is_saml and not config.problems(row):
            buttons[row.pk] = Button(row.slug, row.name, row.provider)
    return Summary([b for pk, b in buttons.items() if pk not in enterprise], domains)


_held = ProcessCopy(SUMMARY_CACHE_KEY, _read)


def summary() -> Summary:
    """The enabled connections as the pages need them (held by each process)."""
    return _held.get()


def forget_cached() -> None:
    """A connection or a domain changed: the next request reads them again."""
    forget_summary()


def social_buttons() -> list[Button]:
    """Enabled, ready connections without email domains (sign-in and account pages)."""
    return list(summary().buttons)


def social(slug: str) -> SSOConnection:
    """An enabled, ready social connection by slug."""
    if slug not in {b.slug for b in summary().buttons}:
        raise FlowError("connection_not_found")
    connection = SSOConnection.objects.filter(slug=slug[:40], enabled=True).first()
    if connection is None or config.problems(connection):
        raise FlowError("connection_not_found")
    return connection


def domain_of(email: str) -> str:
    return email.rpartition("@")[2].lower() if "@" in email else ""


def enterprise_for(email: str) -> SSOConnection | None:
    """The enabled enterprise connection of an address's domain, if any."""
    connection_id = summary().domains.get(domain_of(email))
    if connection_id is None:
        return None
    return SSOConnection.objects.filter(pk=connection_id, enabled=True).first()


def domains_of(connection: SSOConnection) -> set[str]:
    return set(connection.domains.values_list("domain", flat=True))
