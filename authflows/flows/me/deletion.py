"""Deleting an account (Clerk's user.delete()): by the user after a recent proof of identity
and a typed confirmation, when the Dashboard allows it; by an admin at any time.

Every session ends, every trusted device is revoked, and the user row goes with everything
that hangs off it (addresses, MFA methods, codes, sign-in attempts). The audit log keeps its
rows for the operator, but each one that named the user names a pseudonym instead: a keyed
hash, the same for all of the user's rows and useless without SECRET_KEY; their address and
user agent are cleared."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from authflows.context import FlowContext
from authflows.errors import FlowError
from authflows.flows import gate, notices, reverify, trust, user_sessions
from authflows.flows.me import pages
from authflows.flows.screens import Screen
from authflows.models import AuthEvent, SignUpAttempt, User
from authflows.protect import audit

_PSEUDONYM_SALT = "authflows.flows.me.deletion"
#: What the person types to confirm, in English or in the page's language.
CONFIRMATION = gettext_lazy("delete my account")


def pseudonym(user_id: int) -> str:
    """The reference the audit log keeps for a deleted user."""
    return "deleted-user:" + salted_hmac(_PSEUDONYM_SALT, f"user:{user_id}").hexdigest()[:24]


def is_confirmed(typed: str) -> bool:
    said = " ".join((typed or "").split()).casefold()
    return said in {"delete my account", str(CONFIRMATION).casefold()}


def delete_own_account(ctx: FlowContext, user: User, *, confirmation: str) -> None:
    """The user deletes their account: allowed by the Dashboard, proven recently, confirmed."""
    if not ctx.settings.self_deletion_enabled:
        raise FlowError("self_deletion_not_allowed")
    if not reverify.is_recent(ctx):
        raise FlowError("reverification_required")
    if not is_confirmed(confirmation):
        raise FlowError(
            "form_param_value_invalid", field="confirmation", message_key="delete_confirmation"
        )
    delete_account(ctx, user)
    ctx.port.logout()


def delete_account(ctx: FlowContext | None, user: User, *, actor: str = "") -> None:
    """Delete the account and its personal data (the user's own request, or an admin's)."""
    user_id = user.pk
    identifiers = _identifiers(user)
    if ctx is not None:
        notices.account_deleted(ctx, user, by_admin=bool(actor))
    user_sessions.end_all_sessions(ctx, user)
    trust.revoke_trust(ctx, user, actor=actor)
    _flush_audit(ctx)
    name = pseudonym(user_id)
    AuthEvent.objects.filter(Q(user_id=user_id) | Q(identifier__in=identifiers)).update(
        user=None, identifier=name, ip=None, user_agent=""
    )
    SignUpAttempt.objects.filter(created_user_id=user_id).delete()
    user.delete()
    gate.record(
        ctx,
        AuthEvent.Kind.USER_DELETED,
        actor=actor,
        identifier=name,
        user_id=user_id,
        pseudonym=name,
    )


def _identifiers(user: User) -> list[str]:
    """Every value that named this user in an audit row."""
    values = [
        *user.email_addresses.values_list("email_address", flat=True),
        *user.phone_numbers.values_list("phone_number", flat=True),
        user.email,
        user.phone,
        user.username,
    ]
    return sorted({v for v in values if v})


def _flush_audit(ctx: FlowContext | None) -> None:
    """Events this request recorded so far are written now (they name a user about to go),
    so they are pseudonymised with the others."""
    if ctx is not None:
        audit.flush(ctx)


def page(ctx: FlowContext, user: User, confirmation: str | None) -> Screen:
    """/user/delete/: a recent proof of identity first, then the typed confirmation."""
    if not ctx.settings.self_deletion_enabled:
        refusal = FlowError("self_deletion_not_allowed")
        return Screen(redirect=reverse("authflows:account"), error=refusal)
    here = reverse("authflows:delete-account")
    if not reverify.is_recent(ctx):
        return Screen(redirect=pages.reverification_url(here))
    screen = Screen(status="delete_account", extra={"phrase": CONFIRMATION})
    if confirmation is None:
        return screen
    try:
        delete_own_account(ctx, user, confirmation=confirmation)
    except FlowError as error:
        screen.error = error
        return screen
    return Screen(redirect=reverse("authflows:home"), message=_("Your account was deleted."))
