"""The one protection gate. Every secret a person submits (a password anywhere, an email or
SMS code, a link, an authenticator code, a backup code) is checked through check(), every
message a flow sends spends a budget from send_budget(), and every audit event a flow writes
goes through record(). A new path can't forget a limit: there is no other way in.

check() applies, in order (SPEC 6 and 9):
1. the per-IP request limit of the page (the requester's own budget);
2. the lock of whoever is checked: the account, or the trusted device's own lock, or (strict
   enumeration protection) the unknown identifier's; the attempt is reserved atomically
   before the secret is checked, so simultaneous guesses never pass the maximum;
3. the per-account failure window (`identifier_attempt`), never for a client the user trusts;
4. the check itself; a right answer gives its reservations back, a wrong one keeps them,
   is audited, and may lock (the owner is told once).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from authflows import metrics
from authflows.context import FlowContext
from authflows.errors import FlowError, RateLimited
from authflows.factors.base import Outcome
from authflows.flows import announce, notices
from authflows.models import AuthEvent, TrustedClient, User
from authflows.protect import audit, lockout, ratelimit
from authflows.protect.ip import rate_key
from authflows.protect.lockout import Claimant
from authflows.strategies import Strategy

__all__ = ["Claimant", "Secret", "check", "claimant", "record", "send_budget", "throttle"]


@dataclass(frozen=True)
class Secret:
    """What is checked: its strategy, the field a refusal is shown on, the per-IP limit of
    the page, the audit event of a failure, and whether failures count for the account
    (its lock and failure window). A sign-up's code belongs to no account: a stranger's
    wrong codes for someone's address must not spend that person's budget."""

    strategy: Strategy
    field: str = "code"
    ip_scope: str = "factor_attempt"
    event: str = AuthEvent.Kind.CODE_FAILED
    account: bool = True


def record(
    ctx: FlowContext | None,
    kind: str,
    *,
    user: User | None = None,
    identifier: str = "",
    actor: str = "",
    **data: object,
) -> None:
    """Write one audit event (committed with the step that caused it), and send its Django
    signal if it has one (authflows/signals.py)."""
    audit.record(ctx, kind, user=user, identifier=identifier, actor=actor, **data)
    announce.send(ctx, kind, user=user, actor=actor, data={"identifier": identifier, **data})
    metrics.count_event(kind)


def throttle(ctx: FlowContext, scope: str) -> None:
    """Count one request against a per-IP limit (IPv6 counted by its /64)."""
    ratelimit.hit(scope, rate_key(ctx.ip))


def claimant(
    ctx: FlowContext,
    user: User | None,
    *,
    identifier: str = "",
    trusted: bool | None = None,
    device_locked_until: datetime | None = None,
) -> Claimant:
    """Who is checked from this client. Whether the client is trusted for the user comes from
    the caller when it read it along with the user; otherwise one query asks."""
    if user is not None and trusted is None:
        found = None
        if ctx.client.id is not None:
            rows = TrustedClient.objects.filter(user=user, client_id=ctx.client.id)
            found = rows.values_list("locked_until").first()
        trusted, device_locked_until = found is not None, found[0] if found else None
    return Claimant(
        user=user,
        identifier=identifier or (user.identifier if user else ""),
        client_id=ctx.client.id,
        trusted=bool(trusted),
        device_locked_until=device_locked_until,
    )


def check(ctx: FlowContext, who: Claimant, secret: Secret, verify: Callable[[], Outcome]) -> None:
    """Check one secret through every protection; raise the refusal a person can act on."""
    if secret.ip_scope:  # "" when the page counted its request already
        throttle(ctx, secret.ip_scope)
    settings = ctx.settings
    hold = lockout.Hold()
    if secret.account:
        hold = lockout.reserve(who, settings, field=secret.field, memo=ctx.memo)
    try:
        counted = secret.account and not who.trusted
        window = ratelimit.hit("identifier_attempt", who.identifier) if counted else ""
        outcome = verify()
    except (RateLimited, FlowError):
        lockout.release(hold)
        raise
    if not outcome.counts:
        lockout.release(hold, window)  # both places back, in one round trip
        if outcome.ok:
            return
        raise FlowError(outcome.error_code, field=secret.field)
    _failed(ctx, who, secret, outcome, hold)
    raise _refusal(ctx, who, secret, outcome)


def _failed(
    ctx: FlowContext, who: Claimant, secret: Secret, outcome: Outcome, hold: lockout.Hold
) -> None:
    record(
        ctx,
        secret.event,
        user=who.user,
        identifier=who.identifier,
        strategy=str(secret.strategy),
        reason=None if secret.strategy is Strategy.PASSWORD else outcome.value,
    )
    if lockout.fail(who, hold, ctx.settings) and who.user is not None:
        record(ctx, AuthEvent.Kind.USER_LOCKED, user=who.user)
        notices.account_locked(ctx, who.user)


def _refusal(ctx: FlowContext, who: Claimant, secret: Secret, outcome: Outcome) -> FlowError:
    if secret.strategy is not Strategy.PASSWORD:
        return FlowError(outcome.error_code, field=secret.field)
    if ctx.settings.strict_enumeration and secret.field == "password":
        # One answer on one field, whichever was wrong: the markup must not tell either.
        return FlowError("form_password_or_identifier_incorrect", field="password")
    if who.user is None:
        return FlowError("form_identifier_not_found", field="identifier")
    return FlowError("form_password_incorrect", field=secret.field)


def ensure_open(ctx: FlowContext, who: Claimant, *, field: str) -> None:
    """Refuse `user_locked` for a step that checks no typed secret (an opened link)."""
    lockout.ensure_open(who, ctx.settings, field=field)


def finished(ctx: FlowContext, who: Claimant) -> None:
    """A sign-in completed from this client: its earlier failures are forgotten."""
    lockout.clear_count(who, ctx.memo)


def is_locked(user: User) -> bool:
    return lockout.is_locked(user)


def unlock(ctx: FlowContext | None, user: User, *, actor: str) -> None:
    """Lift every lock and counter of the user (the admin's "Unlock"): the account's and every
    device's lock and count, and the per-account windows of each of its identifiers (every
    email address and phone number of the account)."""
    lockout.unlock(user)
    addresses = [
        *user.email_addresses.values_list("email_address", flat=True),
        *user.phone_numbers.values_list("phone_number", flat=True),
    ]
    for identifier in {*filter(None, (user.email, user.phone, user.username)), *addresses}:
        for scope in ("identifier_attempt", "code_send_address", "code_send_hourly"):
            ratelimit.clear(scope, identifier)
        ratelimit.clear("anon_send_address_hourly", identifier)
    record(ctx, AuthEvent.Kind.USER_UNLOCKED, user=user, actor=actor)


def send_budget(
    ctx: FlowContext, *, proven: bool, attempt_key: str = "", owner_trusted: bool = False
) -> Callable[[str], None]:
    """The budget a message about to be sent spends (SPEC 9).

    Proven sends (a client-trust code after the right password, the MFA SMS, a signed-in
    user's own) have their own per-address and per-attempt budget, which no anonymous request
    can spend. Anonymous sends (reset, passwordless sign-in, sign-up) count per address and
    requesting IP, so a stranger spends their own share; a ceiling per address stops mail
    bombing from many addresses, and never applies to a client the owner already trusts."""
    ip = rate_key(ctx.ip)

    def allow(target: str) -> None:
        if proven:
            ratelimit.hit("code_send_address", target)
            ratelimit.hit("code_send_hourly", target)
            ratelimit.hit("code_send_attempt", attempt_key)
        else:
            ratelimit.hit("anon_send_address_ip", f"{target} {ip}")
            ratelimit.hit("anon_send_address_ip_hourly", f"{target} {ip}")
            if not owner_trusted:
                ratelimit.hit("anon_send_address_hourly", target)
        ratelimit.hit("code_send_ip_hourly", ip)

    return allow
