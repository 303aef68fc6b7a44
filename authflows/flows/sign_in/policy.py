"""What the Dashboard and the account offer: first factors, reset codes, client trust, and
what a proven first factor leads to (SPEC 2 and 3: MFA wins over client trust)."""

from __future__ import annotations

from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.flows import gate, users
from authflows.flows.sign_in.table import Reason, Status, move
from authflows.models import AuthEvent, InstanceSettings, SignInAttempt, User
from authflows.strategies import PASSWORDLESS, Strategy


def client_trust_strategy(user: User, settings: InstanceSettings) -> Strategy | None:
    """SPEC 3: email code (or link when email is verified by link) when the instance has
    email and the user an address; else SMS when the user has a phone; else nothing."""
    if settings.email_enabled and user.email:
        link = settings.email_verification == InstanceSettings.EmailVerification.LINK
        return Strategy.EMAIL_LINK if link else Strategy.EMAIL_CODE
    if user.phone:
        return Strategy.PHONE_CODE
    return None


def first_factors(user: User, settings: InstanceSettings) -> list[Strategy]:
    """The passwordless first factors the Dashboard has on and the user can receive, then
    the password when the user has one (Clerk's supportedFirstFactors)."""
    reachable = {
        Strategy.EMAIL_CODE: user.email,
        Strategy.EMAIL_LINK: user.email,
        Strategy.PHONE_CODE: user.phone,
    }
    on = [Strategy(s) for s in settings.passwordless_strategies()]
    factors = [s for s in on if reachable[s]]
    if settings.password_enabled and user.has_usable_password():
        factors.append(Strategy.PASSWORD)
    return factors


def _family(kind: str, settings: InstanceSettings) -> list[Strategy]:
    """The passwordless factors of an identifier's own kind (an email: email code or link)."""
    prefix = {"email": "email_", "phone": "phone_"}.get(kind)
    on = [Strategy(s) for s in settings.passwordless_strategies()]
    return [s for s in on if prefix and s.startswith(prefix)]


def offer(user: User | None, kind: str, settings: InstanceSettings) -> list[Strategy]:
    """What factor-one offers for an identifier; refused when nothing passwordless is left.
    Under strict enumeration protection the offer is the same whether or not the account
    exists (and whatever it has): the identifier's own passwordless factors, then the
    password when it is on."""
    if settings.strict_enumeration:
        factors = _family(kind, settings) + (
            [Strategy.PASSWORD] if settings.password_enabled else []
        )
    else:
        factors = first_factors(user, settings) if user else []
        factors.sort(key=lambda s: not s.startswith(f"{kind}_"))  # the identifier's own first
    if factors and factors[0] in PASSWORDLESS:
        return factors
    if user is None and not settings.strict_enumeration:
        raise FlowError("form_identifier_not_found", field="identifier")
    if settings.password_enabled:
        raise FlowError("form_param_missing", field="password")
    raise FlowError("strategy_for_user_invalid", field="identifier")


def reset_offer(user: User | None, kind: str, settings: InstanceSettings) -> list[Strategy]:
    """Reset codes go by email; by SMS only when the instance has no email (or the account
    none). Under strict enumeration protection the choice follows the identifier typed
    alone (a username stands for an account with an email address), never the account."""
    if user is None and not settings.strict_enumeration:
        raise FlowError("form_identifier_not_found", field="identifier")
    if settings.strict_enumeration or user is None:
        has_email, has_phone = kind in ("email", "username"), kind == "phone"
    else:
        has_email, has_phone = bool(user.email), bool(user.phone)
    if settings.email_enabled and has_email:
        return [Strategy.RESET_PASSWORD_EMAIL_CODE]
    if has_phone:
        return [Strategy.RESET_PASSWORD_PHONE_CODE]
    raise FlowError("strategy_for_user_invalid", field="identifier")


def goes_passwordless(settings: InstanceSettings, *, asked: bool) -> bool:
    """The identifier page leads to factor-one (create()) rather than password(): a
    passwordless first factor is on, and password sign-in is off or was not chosen."""
    return bool(settings.passwordless_strategies()) and (asked or not settings.password_enabled)


def after_first_factor(ctx: FlowContext, attempt: SignInAttempt, strategy: Strategy) -> None:
    """Move a proven first factor on: MFA if the user has it; client trust after a password
    on a client not trusted for the user; else complete (the caller finishes). A passkey
    completes at once: it proves the key and, by user verification, the person (MFA-strong)."""
    user = attempt.user
    assert user is not None
    attempt.first_factor = strategy
    if strategy is Strategy.PASSKEY:
        move(attempt, Status.COMPLETE)
        return
    mfa = users.methods_of(user).usable(ctx.settings)
    if strategy.is_reset:
        reason = Reason.MFA if mfa else Reason.RESET_PASSWORD
        move(attempt, Status.NEEDS_SECOND_FACTOR if mfa else Status.NEEDS_NEW_PASSWORD, reason)
        attempt.supported_second_factors = list(mfa)
    elif mfa:
        move(attempt, Status.NEEDS_SECOND_FACTOR, Reason.MFA)
        attempt.supported_second_factors = list(mfa)
    elif strategy is Strategy.PASSWORD and ctx.settings.client_trust and not attempt.client_trusted:
        _ask_client_trust(ctx, attempt, user)
    else:
        move(attempt, Status.COMPLETE)


def _ask_client_trust(ctx: FlowContext, attempt: SignInAttempt, user: User) -> None:
    trust = client_trust_strategy(user, ctx.settings)
    if trust is None:
        gate.record(ctx, AuthEvent.Kind.TRUST_SKIPPED, user=user)
        move(attempt, Status.COMPLETE)
        return
    legacy = ctx.settings.client_trust_legacy_status
    status = Status.NEEDS_SECOND_FACTOR if legacy else Status.NEEDS_CLIENT_TRUST
    move(attempt, status, Reason.CLIENT_TRUST)
    attempt.supported_second_factors = [trust]
