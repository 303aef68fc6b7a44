"""Sign-in-or-up (Clerk's sign-in-or-up guide): one identifier form that signs in a known
identifier and starts a sign-up for an unknown one.

Two modes:
- Standard (enumeration protection "standard"): the identifier is looked up; an account
  goes on to its first factor (factor-one: a code, a link or the password), an unknown email
  address or phone number starts a sign-up with it (verified next).
- signUpIfMissing (always under "strict" protection, where the answer must not say whether an
  account exists): an email address or phone number gets a code either way, with the same
  pages, answers and work. After the right code an account signs in (or goes on to MFA); an
  unknown address is `sign_up_if_missing_transfer`: its verified address becomes a new
  sign-up (transfer()), which asks only for what is still missing. Usernames never sign up
  this way: they sign in as on /sign-in/ (an unknown one just never succeeds).
"""

from __future__ import annotations

from django.urls import reverse

from authflows import clock
from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.flows import gate, redirects, users
from authflows.flows.screens import Screen, Submission
from authflows.flows.sign_in import attempts, policy
from authflows.flows.sign_in.table import Status, move, page_of
from authflows.flows.sign_up import attempts as sign_up_attempts
from authflows.flows.sign_up import collect
from authflows.flows.sign_up import finish as sign_up_finish
from authflows.flows.sign_up import verify as sign_up_verify
from authflows.flows.sign_up.fields import EMAIL, PHONE, USERNAME, is_open, requirements
from authflows.identifiers import parse_identifier
from authflows.models import SignInAttempt, SignUpAttempt, User, Verification
from authflows.strategies import PASSWORDLESS, Strategy

#: The sign-in attempt (its id) that sends a code to an unknown address and may transfer.
IF_MISSING_SESSION_KEY = "authflows_sign_up_if_missing"
SIGN_UP_FIELDS = {"email": EMAIL, "phone": PHONE, "username": USERNAME}
CODES = {"email": Strategy.EMAIL_CODE, "phone": Strategy.PHONE_CODE}


def start(
    ctx: FlowContext, *, identifier: str, redirect_url: str = "", sign_up_if_missing: bool
) -> str:
    """Sign in or sign up with one identifier; returns where the browser goes next."""
    gate.throttle(ctx, "sign_in_start")
    if ctx.user is not None:
        raise FlowError("session_exists")
    kind, value = parse_identifier(identifier, ctx.settings.sign_in_identifier_kinds())
    user = users.find_user(kind, value, client_id=ctx.client.id)
    if sign_up_if_missing and kind in CODES:
        attempt = _if_missing_attempt(ctx, kind, value, user, redirect_url)
    elif ctx.settings.strict_enumeration:  # a username: signs in only, whether or not it exists
        attempt = _new(ctx, value, user, redirect_url, _same_for_all(ctx, kind))
    elif user is not None:
        attempt = _sign_in_attempt(ctx, kind, value, user, redirect_url)
    else:
        return _start_sign_up(ctx, kind, value, redirect_url)
    return reverse(page_of(attempt))


def _new(
    ctx: FlowContext,
    value: str,
    user: User | None,
    redirect_url: str,
    factors: list[Strategy],
) -> SignInAttempt:
    attempt = attempts.new(ctx, identifier=value, user=user, redirect_url=redirect_url)
    move(attempt, Status.NEEDS_FIRST_FACTOR)
    attempt.supported_first_factors = list(factors)
    attempt.first_factor = factors[0]
    attempts.save(ctx, attempt)
    return attempt


def _sign_in_attempt(
    ctx: FlowContext, kind: str, value: str, user: User, redirect_url: str
) -> SignInAttempt:
    """A known identifier: its first factors, the identifier's own kind first (the password
    too, which factor-one asks for when it comes first)."""
    factors = policy.first_factors(user, ctx.settings)
    factors.sort(key=lambda s: not s.startswith(f"{kind}_"))
    if not factors:
        raise FlowError("strategy_for_user_invalid", field="identifier")
    return _new(ctx, value, user, redirect_url, factors)


def _same_for_all(ctx: FlowContext, kind: str) -> list[Strategy]:
    """What strict enumeration protection offers any identifier of a kind: its own
    passwordless factors, then the password when it is on."""
    on = ctx.settings.passwordless_strategies()
    factors = [s for s in PASSWORDLESS if s in on and s.startswith(f"{kind}_")]
    factors += [Strategy.PASSWORD] if ctx.settings.password_enabled else []
    if not factors:
        raise FlowError("strategy_for_user_invalid", field="identifier")
    return factors


def _if_missing_attempt(
    ctx: FlowContext, kind: str, value: str, user: User | None, redirect_url: str
) -> SignInAttempt:
    """signIn.create({identifier, signUpIfMissing: true}): the same offer whether or not an
    account exists (the identifier's code, then the password when it is on)."""
    code = CODES[kind]
    if code not in ctx.settings.passwordless_strategies():
        raise FlowError("strategy_for_user_invalid", field="identifier")
    factors = [code] + ([Strategy.PASSWORD] if ctx.settings.password_enabled else [])
    attempt = _new(ctx, value, user, redirect_url, factors)
    ctx.session[IF_MISSING_SESSION_KEY] = attempt.pk
    return attempt


def _start_sign_up(ctx: FlowContext, kind: str, value: str, redirect_url: str) -> str:
    """An unknown identifier (standard protection says so anyway): a sign-up with it."""
    field = SIGN_UP_FIELDS[kind]
    if not is_open(ctx.settings) or field not in requirements(ctx.settings).enabled:
        raise FlowError("form_identifier_not_found", field="identifier")
    attempt = collect.create(ctx, data={field: value}, redirect_url=redirect_url)
    return sign_up_verify.next_url(ctx, attempt)


def sends_to_unknown(ctx: FlowContext, attempt: SignInAttempt) -> bool:
    """Whether this attempt sends its code to an address without an account (and, after the
    right code, transfers it to a sign-up)."""
    return attempt.user is None and ctx.session.get(IF_MISSING_SESSION_KEY) == attempt.pk


def transfer(ctx: FlowContext, attempt: SignInAttempt) -> str:
    """signUp.create({transfer: true}): the address the attempt just verified becomes a new
    sign-up, verified; returns the sign-up's next page. The sign-in attempt ends."""
    if not sends_to_unknown(ctx, attempt) or not _proven(attempt):
        raise FlowError("sign_in_expired")
    gate.throttle(ctx, "sign_up_start")
    field = EMAIL if "@" in attempt.identifier else PHONE
    if not is_open(ctx.settings) or field not in requirements(ctx.settings).enabled:
        raise FlowError("sign_up_closed")
    now = clock.now()
    sign_up = SignUpAttempt(
        client_id=ctx.client.ensure(),
        redirect_url=redirects.safe_redirect_url(ctx, attempt.redirect_url),
        created_at=now,
        updated_at=now,
        abandon_at=now + sign_up_attempts.ABANDON_AFTER,
    )
    if field == EMAIL:
        sign_up.email, sign_up.email_verified = attempt.identifier, True
    else:
        sign_up.phone, sign_up.phone_verified = attempt.identifier, True
    _end(ctx, attempt)
    sign_up_finish.advance(ctx, sign_up)
    return sign_up_verify.next_url(ctx, sign_up)


def _proven(attempt: SignInAttempt) -> bool:
    """The attempt's own code for its identifier was entered, a moment ago."""
    verification: Verification | None = attempt.current_verification
    return bool(
        verification is not None
        and verification.consumed_at is not None
        and verification.target == attempt.identifier
        and verification.strategy in PASSWORDLESS
        and verification.expires_at > clock.now()
    )


def _end(ctx: FlowContext, attempt: SignInAttempt) -> None:
    SignInAttempt.objects.filter(pk=attempt.pk).update(expires_at=clock.now())
    ctx.session.pop(IF_MISSING_SESSION_KEY, None)
    attempts.forget(ctx)


def page(ctx: FlowContext, sub: Submission | None) -> Screen:
    """/sign-in-or-up/: the identifier form. An attempt in progress goes to its own page."""
    screen = Screen(status=Status.NEEDS_IDENTIFIER)
    if sub is None:  # a post the form refused
        return screen
    if not sub.posted:
        attempt = attempts.current(ctx)
        screen.redirect = reverse(page_of(attempt)) if attempt is not None else None
        return screen
    try:
        screen.redirect = start(
            ctx,
            identifier=sub.identifier,
            redirect_url=sub.redirect_url,
            sign_up_if_missing=ctx.settings.strict_enumeration,
        )
    except FlowError as error:
        screen.error = error
    return screen
